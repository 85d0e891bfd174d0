"""Group commit (dongne/chat/groupcommit.py) in one process against the real
database: sends that wait together are stored in one transaction, each with its
own seq; a refused send is refused alone; a retry in the same batch stores once;
when storing one send fails unexpectedly, that send alone is told and nothing of
it is stored, and the others of its batch are stored without it (issue 13)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event, select, update
from sqlalchemy.exc import IntegrityError

from dongne.accounts.models import User
from dongne.app import build_services
from dongne.chat.groupcommit import GroupCommit, Send
from dongne.chat.models import Conversation, Message
from dongne.config import Settings
from dongne.kit.errors import InvalidInput, NotFound
from tests.chat.conftest import Deal, open_deal
from tests.conftest import DatabaseUnderTest


async def _users(svc: Any, *ids: int) -> list[User]:
    async with svc.db.sessions() as db:
        return [u for i in ids if (u := await db.get(User, i)) is not None]


def _send(user: User, conversation_id: int, client_id: str, body: str = "안녕하세요") -> Send:
    return Send(user, "127.0.0.1", conversation_id, client_id, body, None)


async def _stored(svc: Any, conversation_id: int) -> list[tuple[int, str | None]]:
    async with svc.db.sessions() as db:
        rows = await db.execute(
            select(Message.seq, Message.client_id)
            .where(Message.conversation_id == conversation_id)
            .order_by(Message.seq)
        )
        return [(int(seq), cid) for seq, cid in rows]


def test_sends_waiting_together_are_stored_in_one_batch(
    client: httpx.Client, deal: Deal, database: DatabaseUnderTest, tmp_path: Path
) -> None:
    other = open_deal(client)

    async def run() -> None:
        settings = Settings(
            database_url=database.url,
            data_dir=tmp_path,
            env="test",
            password_hash_profile="cheapest",
        )
        svc = await build_services(settings)
        try:
            buyer, seller, stranger = await _users(
                svc, deal.buyer.id, deal.seller.id, other.buyer.id
            )
            group = GroupCommit(svc)
            sends = [
                _send(buyer, deal.conversation_id, "b-1"),
                _send(stranger, deal.conversation_id, "x-1"),  # not theirs: 404
                _send(seller, deal.conversation_id, "s-1"),
                _send(stranger, other.conversation_id, "o-1"),
                _send(buyer, deal.conversation_id, "b-1"),  # the same send again
                _send(seller, deal.conversation_id, "s-2", body=" "),  # empty: 422
            ]
            commits = 0

            def count(*_args: Any) -> None:
                nonlocal commits
                commits += 1

            event.listen(svc.db.engine.sync_engine, "commit", count)
            results = await asyncio.gather(*(group.send(s) for s in sends), return_exceptions=True)
            event.remove(svc.db.engine.sync_engine, "commit", count)

            assert commits == 1  # one transaction for the six
            assert isinstance(results[1], NotFound)
            assert isinstance(results[5], InvalidInput)
            first, mine, theirs, again = results[0], results[2], results[3], results[4]
            assert isinstance(first, Message) and isinstance(again, Message)
            assert isinstance(mine, Message) and isinstance(theirs, Message)
            assert (first.seq, mine.seq, theirs.seq) == (1, 2, 1)
            assert (again.id, again.seq) == (first.id, 1)  # stored once
            assert await _stored(svc, deal.conversation_id) == [(1, "b-1"), (2, "s-1")]
            assert await _stored(svc, other.conversation_id) == [(1, "o-1")]

            # Storing fails for one send (its conversation's counter was set back, so
            # its seq is taken): that send alone gets the error and nothing of it is
            # stored; the send that was fine is stored, in a transaction without it.
            async with svc.db.transaction() as db:
                await db.execute(
                    update(Conversation)
                    .where(Conversation.id == other.conversation_id)
                    .values(last_seq=0)
                )
            broken = await asyncio.gather(
                group.send(_send(buyer, deal.conversation_id, "b-2")),
                group.send(_send(stranger, other.conversation_id, "o-2")),
                return_exceptions=True,
            )
            assert isinstance(broken[0], Message) and broken[0].seq == 3
            assert isinstance(broken[1], IntegrityError)
            assert await _stored(svc, deal.conversation_id) == [(1, "b-1"), (2, "s-1"), (3, "b-2")]
            assert await _stored(svc, other.conversation_id) == [(1, "o-1")]
            # and once the cause is gone, the retried send is stored
            async with svc.db.transaction() as db:
                await db.execute(
                    update(Conversation)
                    .where(Conversation.id == other.conversation_id)
                    .values(last_seq=1)
                )
            retried = await group.send(_send(stranger, other.conversation_id, "o-2"))
            assert retried.seq == 2
        finally:
            await svc.close()

    asyncio.run(run())
