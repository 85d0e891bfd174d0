"""The Redis hub through a real Redis outage: listeners are told to resync
when the line drops and again once it is back (doorbells rung in between are
gone), and the hub retries quietly in between instead of storming them."""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time

import pytest
from redis.asyncio import Redis

from dongne.kit.hub import RedisHub
from tests.redis_server import RedisServer

RESYNC = {"type": "resync"}


async def failed_retries(caplog: pytest.LogCaptureFixture, count: int, within: float) -> None:
    """Wait until the hub has logged ``count`` failed resubscribe attempts."""
    deadline = time.monotonic() + within
    while True:
        failed = [
            r for r in caplog.records if r.getMessage().startswith("redis hub still unreachable")
        ]
        if len(failed) >= count:
            return
        assert time.monotonic() < deadline, f"{len(failed)} failed retries in {within} s"
        await asyncio.sleep(0.05)


async def test_after_a_redis_outage_every_listener_resyncs_once_it_is_back(
    redis: str, redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="dongne.kit.hub")
    prefix = f"test-{secrets.token_hex(4)}:"
    hub = RedisHub(redis, prefix=prefix)
    await hub.start()
    try:
        async with hub.subscribe("chat:1") as one, hub.subscribe("chat:2") as two:
            async with Redis.from_url(redis) as publisher:
                await publisher.publish(
                    prefix + "chat:1", json.dumps({"type": "message", "seq": 1})
                )
            assert await one.get(10) == {"type": "message", "seq": 1}

            await asyncio.to_thread(redis_server.stop)
            try:
                # Told at once that notices may be lost…
                assert await one.get(10) == RESYNC
                assert await two.get(10) == RESYNC
                # …and not again while Redis stays away: each resync costs every
                # open socket a database sweep, so retries must not ring them.
                await failed_retries(caplog, 2, within=30)
                assert (one.queue.qsize(), two.queue.qsize()) == (0, 0)
            finally:
                await asyncio.to_thread(redis_server.start)

            # Once subscribed again, everyone re-reads what was rung meanwhile.
            assert await one.get(30) == RESYNC
            assert await two.get(30) == RESYNC
            assert hub.reconnects == 1
            async with Redis.from_url(redis) as publisher:
                await publisher.publish(
                    prefix + "chat:2", json.dumps({"type": "message", "seq": 7})
                )
            assert await two.get(10) == {"type": "message", "seq": 7}
            assert one.queue.qsize() == 0
    finally:
        await hub.close()


async def test_one_notice_reaches_every_channel_it_is_published_on(redis: str) -> None:
    """A message's notice goes to both participants in one pipeline (publish_many),
    through Redis and in process alike; a channel not named hears nothing."""
    from dongne.kit.hub import Hub

    prefix = f"test-{secrets.token_hex(4)}:"
    for hub in (RedisHub(redis, prefix=prefix), Hub()):
        await hub.start()
        try:
            async with (
                hub.subscribe("chat:1") as one,
                hub.subscribe("chat:2") as two,
                hub.subscribe("chat:3") as three,
            ):
                notice = {"type": "message", "conversation_id": 5, "seq": 2, "frame": "{}"}
                await hub.publish_many(["chat:1", "chat:2"], notice)
                assert await one.get(10) == notice
                assert await two.get(10) == notice
                assert await three.get(0.5) is None
        finally:
            await hub.close()


async def test_notices_published_together_arrive_all_and_in_order(redis: str) -> None:
    """publish_many queues and returns; what queues while a pipeline is out goes in
    the next one. Every notice still arrives, in the order it was published, at
    another worker's listener, and a hub that closes sends what it queued first."""
    prefix = f"test-{secrets.token_hex(4)}:"
    sender, receiver = RedisHub(redis, prefix=prefix), RedisHub(redis, prefix=prefix)
    await receiver.start()
    await sender.start()
    try:
        async with receiver.subscribe("chat:1") as one, receiver.subscribe("chat:2") as two:
            for seq in range(1, 201):
                await sender.publish_many(["chat:1", "chat:2"], {"type": "message", "seq": seq})
            await sender.publish("chat:2", {"type": "message", "seq": 201})
            await sender.close()  # flushes the queue
            got_one = [await one.get(10) for _ in range(200)]
            got_two = [await two.get(10) for _ in range(201)]
            assert [n and n["seq"] for n in got_one] == list(range(1, 201))
            assert [n and n["seq"] for n in got_two] == list(range(1, 202))
            assert await one.get(0.5) is None
    finally:
        await sender.close()
        await receiver.close()
