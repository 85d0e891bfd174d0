"""A listing, its seller and a buyer next door, ready to chat."""

from __future__ import annotations

import asyncio
import json
import secrets
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import make_url
from websockets.sync.client import ClientConnection, connect

from tests.conftest import DatabaseUnderTest, Server
from tests.listings.conftest import Resident, make_resident, post


@dataclass
class Deal:
    seller: Resident
    buyer: Resident
    listing_id: int
    conversation_id: int


def open_deal(client: httpx.Client) -> Deal:
    seller = make_resident(client, "역삼동")
    buyer = make_resident(client, "논현동", level=1)
    listing = post(client, seller, title="원목 식탁 팝니다", category="furniture")
    r = client.post(f"/api/v1/listings/{listing['id']}/chat", headers=buyer.auth)
    assert r.status_code == 200, r.text
    return Deal(seller, buyer, int(listing["id"]), int(r.json()["id"]))  # type: ignore[arg-type]


@pytest.fixture
def deal(client: httpx.Client) -> Deal:
    return open_deal(client)


def send(
    client: httpx.Client,
    who: Resident,
    conversation_id: int,
    body: str,
    client_id: str | None = None,
) -> httpx.Response:
    return client.post(
        f"/api/v1/chats/{conversation_id}/messages",
        json={"client_id": client_id or secrets.token_hex(8), "body": body},
        headers=who.auth,
    )


def ws_connect(server: Server, who: Resident, **extra: Any) -> ClientConnection:
    url = server.url.replace("http://", "ws://") + "/ws"
    headers = {"Authorization": f"Bearer {who.token}", **extra.pop("additional_headers", {})}
    return connect(url, open_timeout=10, additional_headers=headers, **extra)


def frames(
    ws: ClientConnection, until: Callable[[dict[str, Any]], bool], timeout: float = 10.0
) -> list[dict[str, Any]]:
    """Read frames until one satisfies ``until`` (included)."""
    import time

    got: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"timed out; got {got}"
        frame = json.loads(ws.recv(timeout=remaining))
        got.append(frame)
        if until(frame):
            return got


@contextmanager
def conversation_locked(database: DatabaseUnderTest, conversation_id: int) -> Iterator[None]:
    """Hold what storing a message needs (the conversation's row on PostgreSQL,
    the write lock on SQLite), so sends to it wait until this is left."""
    if database.dialect == "sqlite":
        path = make_url(database.url).database
        assert path
        con = sqlite3.connect(path, isolation_level=None, timeout=10)
        try:
            con.execute("BEGIN IMMEDIATE")
            yield
            con.execute("ROLLBACK")
        finally:
            con.close()
        return
    import asyncpg

    url = make_url(database.url)
    loop = asyncio.new_event_loop()
    con = loop.run_until_complete(
        asyncpg.connect(
            host=url.host, port=url.port or 5432, user=url.username, database=url.database
        )
    )
    try:
        loop.run_until_complete(con.execute("BEGIN"))
        loop.run_until_complete(
            con.execute("SELECT id FROM conversations WHERE id = $1 FOR UPDATE", conversation_id)
        )
        yield
        loop.run_until_complete(con.execute("ROLLBACK"))
    finally:
        loop.run_until_complete(con.close())
        loop.close()
