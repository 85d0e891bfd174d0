"""A listing, its seller and a buyer next door, ready to chat."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from websockets.sync.client import ClientConnection, connect

from tests.conftest import Server
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
