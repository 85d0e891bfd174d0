"""Stopping a server while chat sends are being stored (SIGTERM, as a deploy or
`docker stop` does): every send it took is stored and acknowledged, or refused
with a 503 the client retries, before the socket closes; nothing acknowledged
is missing; and the refused sends, sent again, are stored once.

The sends are held pending by a lock on their conversation (its row on
PostgreSQL, the write lock on SQLite) taken by the test, and released once the
server has started to stop."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import ExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection

from dongne.accounts.models import User
from dongne.app import build_services
from dongne.chat.groupcommit import GroupCommit, Send, ShuttingDown
from dongne.config import Settings
from tests.chat.conftest import Deal, conversation_locked, frames, ws_connect
from tests.conftest import DatabaseUnderTest, Server, query, start_server
from tests.listings.conftest import Resident

DRAIN_LINE = "chat: storing the sends taken before stopping"
STOPPING = (DRAIN_LINE, "Shutting down")  # the second is uvicorn's


@asynccontextmanager
async def conversation_locked_async(
    database: DatabaseUnderTest, conversation_id: int
) -> AsyncIterator[None]:
    """conversation_locked(), inside a running event loop."""
    if database.dialect == "sqlite":
        with conversation_locked(database, conversation_id):
            yield
        return
    import asyncpg

    url = make_url(database.url)
    con = await asyncpg.connect(
        host=url.host, port=url.port or 5432, user=url.username, database=url.database
    )
    try:
        async with con.transaction():
            await con.execute(
                "SELECT id FROM conversations WHERE id = $1 FOR UPDATE", conversation_id
            )
            yield
            raise _Release
    except _Release:
        pass
    finally:
        await con.close()


class _Release(Exception):
    """Leaves the locking transaction by rolling it back."""


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


@dataclass
class Socket:
    who: Resident
    ws: ClientConnection
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)  # client id → ack/error
    close_code: int | None = None

    sent: list[str] = field(default_factory=list)

    def send(self, conversation_id: int, client_id: str) -> None:
        """Write a send frame (not counted as sent if the socket is already closed)."""
        frame = {
            "type": "send",
            "conversation_id": conversation_id,
            "client_id": client_id,
            "body": f"보내요 {client_id}",
        }
        try:
            self.ws.send(json.dumps(frame))
        except ConnectionClosed:
            return
        self.sent.append(client_id)

    def read_until_closed(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                frame = json.loads(self.ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            except ConnectionClosed as closed:
                self.close_code = closed.rcvd.code if closed.rcvd else None
                return
            if frame.get("type") in ("ack", "error") and frame.get("client_id"):
                self.answers[frame["client_id"]] = frame


def _open(stack: ExitStack, server: Server, who: Resident) -> Socket:
    ws = stack.enter_context(ws_connect(server, who))
    ws.send(json.dumps({"type": "hello"}))
    frames(ws, lambda f: f["type"] == "welcome")
    return Socket(who, ws)


def _stored(database: DatabaseUnderTest, conversation_id: int) -> dict[str, int]:
    rows = query(
        database,
        "SELECT client_id, seq FROM messages WHERE conversation_id = :c AND client_id IS NOT NULL",
        c=conversation_id,
    )
    ids = [str(cid) for cid, _ in rows]
    assert len(ids) == len(set(ids)), f"a message stored twice: {ids}"
    return {str(cid): int(str(seq)) for cid, seq in rows}


def test_a_stopping_server_answers_every_send_it_took(
    deal: Deal, database: DatabaseUnderTest, server: Server, tmp_path: Path
) -> None:
    stopping = start_server(database, tmp_path)
    sockets: list[Socket] = []
    stack = ExitStack()
    try:
        for who in (deal.buyer, deal.seller) * 3:
            sockets.append(_open(stack, stopping, who))
        barrier = _open(stack, stopping, deal.buyer)
        first = {id(s): f"first-{i}" for i, s in enumerate(sockets)}
        second = {id(s): f"second-{i}" for i, s in enumerate(sockets)}

        with conversation_locked(database, deal.conversation_id):
            for s in sockets:
                s.send(deal.conversation_id, first[id(s)])
            # A ping on another socket answered: the server has read what was
            # written before it (each socket's send is now waiting to be stored).
            barrier.ws.send(json.dumps({"type": "ping"}))
            frames(barrier.ws, lambda f: f["type"] == "pong")
            stopping.process.terminate()  # SIGTERM
            # Draining (the sends wait on the lock), or (without a drain) already
            # closing its sockets.
            wait_for(
                lambda: any(line in stopping.log.read_text() for line in STOPPING),
                "the server to begin stopping",
            )
            for s in sockets:  # taken after the stop began: refused (or never read)
                s.send(deal.conversation_id, second[id(s)])
        # The lock released: the batch is stored, and the server stops.
        for s in sockets:
            s.read_until_closed()
        stopping.process.wait(60)
    finally:
        stack.close()
        if stopping.process.poll() is None:
            stopping.process.kill()
            stopping.process.wait(10)

    log = stopping.log.read_text()
    stored = _stored(database, deal.conversation_id)
    acked: dict[str, int] = {}
    retry: list[tuple[Socket, str]] = []
    for s in sockets:
        assert first[id(s)] in s.sent
        for client_id in s.sent:
            answer = s.answers.get(client_id)
            if answer is None:
                # Only a send written after the stop began may go unanswered, and then
                # the socket closes with 1012 (service restart): the client retries it.
                assert client_id.startswith("second-"), f"{client_id} unanswered\n{log[-3000:]}"
                assert s.close_code == 1012, s.close_code
                retry.append((s, client_id))
            elif answer["type"] == "ack":
                acked[client_id] = answer["seq"]
            else:
                assert answer["status"] == 503, answer  # retryable
                assert client_id not in stored, f"{client_id} refused but stored"
                retry.append((s, client_id))
    assert DRAIN_LINE in log  # sends were pending when the stop began
    assert any(cid.startswith("first-") for cid in acked), "no pending send was stored"
    assert {cid: stored.get(cid) for cid in acked} == acked  # every ack is in the database
    assert "Traceback" not in log, log[-3000:]

    # The refused sends, sent again to a running server, are stored once each.
    for s, client_id in retry:
        with ws_connect(server, s.who) as ws:
            ws.send(json.dumps({"type": "hello"}))
            frames(ws, lambda f: f["type"] == "welcome")
            Socket(s.who, ws).send(deal.conversation_id, client_id)
            answer = frames(ws, lambda f: f["type"] in ("ack", "error"))[-1]
            assert (answer["type"], answer["client_id"]) == ("ack", client_id), answer
    stored = _stored(database, deal.conversation_id)
    assert set(stored) == {cid for s in sockets for cid in s.sent}


def test_sends_not_stored_in_time_are_refused_and_none_is_taken_after(
    deal: Deal, database: DatabaseUnderTest, tmp_path: Path
) -> None:
    """GroupCommit.close() alone, in this process: a batch that cannot be stored
    within the drain time (its conversation stays locked) is refused with a 503,
    stores nothing, and the group commit takes no send after it was closed."""

    async def run() -> None:
        svc = await build_services(
            Settings(database_url=database.url, data_dir=tmp_path, env="test")
        )
        try:
            async with svc.db.sessions() as db:
                buyer = await db.get(User, deal.buyer.id)
            assert buyer is not None
            group = GroupCommit(svc)
            group.drain_seconds = 1.0

            def send(client_id: str) -> Send:
                return Send(buyer, "127.0.0.1", deal.conversation_id, client_id, "안녕하세요", None)

            async with conversation_locked_async(database, deal.conversation_id):
                pending = asyncio.create_task(group.send(send("stuck-1")))
                await asyncio.sleep(0)  # the send runs: it is waiting, a lane started
                assert group.lanes_running
                await group.close()
                with pytest.raises(ShuttingDown):
                    await pending
            with pytest.raises(ShuttingDown):
                await group.send(send("after-1"))
            await group.close()  # again: at once
        finally:
            await svc.close()

    asyncio.run(run())
    stored = _stored(database, deal.conversation_id)
    assert "stuck-1" not in stored and "after-1" not in stored
