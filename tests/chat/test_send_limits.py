"""The per-user message limit when a worker counts a whole batch of sends at
once (RateLimits.hit_many, one Redis round trip): the same counters as one hit
at a time, shared by every worker, so the limit is still one budget per user
across workers, exact to the message."""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from dongne.accounts.models import User
from dongne.app import build_services
from dongne.chat.groupcommit import GroupCommit, Send
from dongne.chat.models import Message
from dongne.config import Settings
from dongne.kit.errors import RateLimited
from dongne.kit.ratelimit import RateLimits
from tests.chat.conftest import Deal
from tests.conftest import DatabaseUnderTest


def _refused(answers: list[RateLimited | None]) -> list[bool]:
    return [isinstance(a, RateLimited) for a in answers]


async def test_a_batch_counts_like_hits_one_at_a_time_in_memory() -> None:
    limits = RateLimits(None)
    answers = await limits.hit_many(
        "3/minute", [("message", "1"), ("message", "2"), ("message", "1"), ("message", "1")]
    )
    assert _refused(answers) == [False, False, False, False]
    answers = await limits.hit_many("3/minute", [("message", "2"), ("message", "1")])
    assert _refused(answers) == [False, True]
    refusal = answers[1]
    assert refusal is not None and 1 <= refusal.retry_after <= 60


async def test_two_workers_batches_share_one_budget_through_redis(redis: str) -> None:
    prefix = f"dongne-test-{secrets.token_hex(4)}"
    worker_a = RateLimits(redis, prefix=prefix)
    worker_b = RateLimits(redis, prefix=prefix)
    try:
        me, other = ("message", "7"), ("message", "8")
        # Two hits for one key in one batch count twice, the second seeing the first.
        assert _refused(await worker_a.hit_many("5/minute", [me, other, me])) == [
            False,
            False,
            False,
        ]
        await worker_b.hit("5/minute", *me)  # one at a time: the same counter (3)
        assert _refused(await worker_b.hit_many("5/minute", [me, me, me, other])) == [
            False,
            False,
            True,
            False,
        ]
        with pytest.raises(RateLimited):  # the sixth hit in a minute
            await worker_a.hit("5/minute", *me)
        # Redis forgot the script (a restart, SCRIPT FLUSH): loaded again, counted once.
        async with Redis.from_url(redis) as client:
            await client.script_flush()
        assert _refused(await worker_a.hit_many("5/minute", [other] * 4)) == [
            False,
            False,
            False,
            True,
        ]
    finally:
        await worker_a.close()
        await worker_b.close()


async def test_a_batch_is_allowed_while_the_counters_are_unreachable() -> None:
    limits = RateLimits("redis://127.0.0.1:1/0")  # nothing listens there
    try:
        assert await limits.hit_many("1/minute", [("message", "1")] * 3) == [None, None, None]
    finally:
        await limits.close()


def test_the_message_limit_holds_across_two_workers_group_commits(
    client: httpx.Client, deal: Deal, database: DatabaseUnderTest, tmp_path: Path, redis: str
) -> None:
    """Two workers (two sets of services, as two processes have) each store a batch
    of the same buyer's sends; with a limit of 5 a minute, exactly 5 of the 8 are
    stored and the other 3 refused with 429, however the batches interleave."""

    async def run() -> None:
        settings = Settings(
            database_url=database.url,
            data_dir=tmp_path,
            env="test",
            password_hash_profile="cheapest",
            redis_url=redis,
            message_limit_per_user="5/minute",
        )
        workers = [await build_services(settings), await build_services(settings)]
        prefix = f"dongne-test-{secrets.token_hex(4)}"  # counters of this test alone
        for svc in workers:
            await svc.limits.close()
            svc.limits = RateLimits(redis, prefix=prefix)
        try:
            sends: list[Any] = []
            for n, svc in enumerate(workers):
                async with svc.db.sessions() as db:
                    buyer = await db.get(User, deal.buyer.id)
                assert buyer is not None
                group = GroupCommit(svc)
                sends += [
                    group.send(
                        Send(buyer, "127.0.0.1", deal.conversation_id, f"w{n}-{i}", "안녕", None)
                    )
                    for i in range(4)
                ]
            results = await asyncio.gather(*sends, return_exceptions=True)
            stored = [r for r in results if isinstance(r, Message)]
            refused = [r for r in results if isinstance(r, RateLimited)]
            assert (len(stored), len(refused)) == (5, 3), results
            assert sorted(m.seq for m in stored) == [1, 2, 3, 4, 5]
        finally:
            for svc in workers:
                await svc.close()

    asyncio.run(run())
