"""Shops with an inbox, their staff, customers and operators, made through the API."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.business.test_business_api import verified_shop
from tests.conftest import Account, DatabaseUnderTest, Mailbox, query, signup
from tests.listings.conftest import resident

__all__ = ["resident"]
SEOUL = ZoneInfo("Asia/Seoul")


@dataclass
class Shop:
    id: int
    name: str
    owner: Account
    staff: list[Account]
    inbox_id: int


def closed_now_hours() -> dict[str, object]:
    """Open only one hour, on a weekday three days away: closed now, whatever the time."""
    weekday = (datetime.now(SEOUL).weekday() + 3) % 7
    return {"ranges": [{"weekday": weekday, "opens": "10:00", "closes": "11:00"}]}


def always_open_hours() -> dict[str, object]:
    return {"ranges": [{"weekday": d, "opens": "00:00", "closes": "24:00"} for d in range(7)]}


def add_staff(client: httpx.Client, mailbox: Mailbox, shop_id: int, owner: Account) -> Account:
    """Someone invited by the owner who accepts with the link from the mail."""
    staff = signup(client)
    r = client.post(
        f"/api/v1/businesses/{shop_id}/invitations", json={"email": staff.email}, headers=owner.auth
    )
    assert r.status_code == 201, r.text
    token = parse_qs(urlsplit(mailbox.link(staff.email)).query)["token"][0]
    r = client.post(
        "/api/v1/business-invitations/accept", json={"token": token}, headers=staff.auth
    )
    assert r.status_code == 200, r.text
    return staff


@pytest.fixture
def shop(
    client: httpx.Client, resident: Callable[..., Account], mailbox: Mailbox
) -> Callable[..., Shop]:
    def make(staff: int = 0, hours: dict[str, object] | None = None, **settings: object) -> Shop:
        owner = resident()
        b = verified_shop(client, owner)
        bid = int(str(b["id"]))
        if hours is not None:
            r = client.put(f"/api/v1/businesses/{bid}/hours", json=hours, headers=owner.auth)
            assert r.status_code == 200, r.text
        people = [add_staff(client, mailbox, bid, owner) for _ in range(staff)]
        r = client.get(f"/api/v1/businesses/{bid}/inbox", headers=owner.auth)
        assert r.status_code == 200, r.text
        inbox_id = int(r.json()["id"])
        if settings:
            current = client.get(f"/api/v1/inboxes/{inbox_id}/settings", headers=owner.auth).json()
            body = {k: current[k] for k in current if k not in ("id", "business_id", "name")}
            body.update(settings)
            r = client.put(f"/api/v1/inboxes/{inbox_id}/settings", json=body, headers=owner.auth)
            assert r.status_code == 200, r.text
        return Shop(bid, str(b["name"]), owner, people, inbox_id)

    return make


def ask(client: httpx.Client, shop: Shop, customer: Account) -> dict[str, object]:
    r = client.post(f"/api/v1/businesses/{shop.id}/inquiries", headers=customer.auth)
    assert r.status_code == 201, r.text
    return dict(r.json())


def say(client: httpx.Client, customer: Account, cid: object, body: str) -> httpx.Response:
    return client.post(
        f"/api/v1/inquiries/{cid}/messages",
        json={"client_id": secrets.token_hex(8), "body": body},
        headers=customer.auth,
    )


def answer(
    client: httpx.Client, agent: Account, inbox_id: int, cid: object, body: str, **extra: object
) -> httpx.Response:
    return client.post(
        f"/api/v1/inboxes/{inbox_id}/conversations/{cid}/messages",
        json={"client_id": secrets.token_hex(8), "body": body, **extra},
        headers=agent.auth,
    )


def customer_view(client: httpx.Client, customer: Account, cid: object) -> list[dict[str, object]]:
    r = client.get(f"/api/v1/inquiries/{cid}/messages", headers=customer.auth)
    assert r.status_code == 200, r.text
    return list(r.json())


def agent_view(
    client: httpx.Client, agent: Account, inbox_id: int, cid: object
) -> dict[str, object]:
    r = client.get(f"/api/v1/inboxes/{inbox_id}/conversations/{cid}", headers=agent.auth)
    assert r.status_code == 200, r.text
    return dict(r.json())


def make_operator(client: httpx.Client, database: DatabaseUnderTest) -> Account:
    who = signup(client)
    query(database, "UPDATE users SET role = 'operator' WHERE id = :id", id=who.id)
    return who


def events(database: DatabaseUnderTest, name: str, **match: object) -> list[dict[str, object]]:
    found = []
    for (props,) in query(database, "SELECT properties FROM events WHERE name = :n", n=name):
        data = json.loads(props) if isinstance(props, str) else props
        if isinstance(data, dict) and all(data.get(k) == v for k, v in match.items()):
            found.append(data)
    return found


def backdate(database: DatabaseUnderTest, cid: object, minutes: int) -> datetime:
    """Say the inquiry was opened ``minutes`` ago (a wait a test cannot spend)."""
    at = datetime.now(UTC) - timedelta(minutes=minutes)
    stored = at.replace(tzinfo=None) if database.dialect == "sqlite" else at
    query(
        database,
        "UPDATE inbox_conversations SET created_at = :at WHERE id = :id",
        at=stored,
        id=cid,
    )
    return at
