"""Chat over HTTP: conversations, idempotent sends, reads, blocks, appointments."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import httpx

from tests.chat.conftest import Deal, open_deal, send
from tests.conftest import DatabaseUnderTest, query, signup
from tests.listings.conftest import make_resident, post


def test_one_conversation_per_listing_and_buyer(client: httpx.Client, deal: Deal) -> None:
    again = client.post(f"/api/v1/listings/{deal.listing_id}/chat", headers=deal.buyer.auth)
    assert again.json()["id"] == deal.conversation_id
    own = client.post(f"/api/v1/listings/{deal.listing_id}/chat", headers=deal.seller.auth)
    assert own.status_code == 409
    unverified = signup(client)
    assert (
        client.post(f"/api/v1/listings/{deal.listing_id}/chat", headers=unverified.auth).status_code
        == 403
    )
    far = make_resident(client, "수원 인계동", level=3)
    assert (
        client.post(f"/api/v1/listings/{deal.listing_id}/chat", headers=far.auth).status_code == 404
    )
    detail = client.get(f"/api/v1/listings/{deal.listing_id}", headers=deal.buyer.auth).json()
    assert detail["chat_count"] == 1


def test_sends_are_idempotent_and_numbered_in_order(client: httpx.Client, deal: Deal) -> None:
    first = send(client, deal.buyer, deal.conversation_id, "안녕하세요, 식탁 아직 있나요?", "c-1")
    assert first.status_code == 201 and first.json()["message"]["seq"] == 1
    retry = send(client, deal.buyer, deal.conversation_id, "안녕하세요, 식탁 아직 있나요?", "c-1")
    assert retry.status_code == 200 and retry.json()["created"] is False
    assert retry.json()["message"]["id"] == first.json()["message"]["id"]
    reply = send(client, deal.seller, deal.conversation_id, "네 있어요!")
    assert reply.json()["message"]["seq"] == 2
    history = client.get(
        f"/api/v1/chats/{deal.conversation_id}/messages", headers=deal.seller.auth
    ).json()
    assert [(m["seq"], m["body"]) for m in history] == [
        (1, "안녕하세요, 식탁 아직 있나요?"),
        (2, "네 있어요!"),
    ]
    after = client.get(
        f"/api/v1/chats/{deal.conversation_id}/messages",
        params={"after": 1},
        headers=deal.buyer.auth,
    ).json()
    assert [m["seq"] for m in after] == [2]


def test_bad_messages_and_strangers_are_refused(client: httpx.Client, deal: Deal) -> None:
    for body in ("", "   ", "가" * 1001):
        r = send(client, deal.buyer, deal.conversation_id, body)
        assert r.status_code == 422
    assert send(client, deal.buyer, deal.conversation_id, "x", "a" * 65).status_code == 422
    stranger = make_resident(client, "논현동")
    assert send(client, stranger, deal.conversation_id, "끼어들기").status_code == 404
    assert (
        client.get(
            f"/api/v1/chats/{deal.conversation_id}/messages", headers=stranger.auth
        ).status_code
        == 404
    )
    assert (
        client.get(f"/api/v1/chats/{deal.conversation_id}", headers=stranger.auth).status_code
        == 404
    )


def test_chat_list_unread_counts_and_read_receipts(client: httpx.Client, deal: Deal) -> None:
    send(client, deal.buyer, deal.conversation_id, "첫 메시지")
    send(client, deal.buyer, deal.conversation_id, "두 번째")
    other = open_deal(client)
    send(client, other.buyer, other.conversation_id, "다른 대화")
    chats = client.get("/api/v1/chats", headers=deal.seller.auth).json()
    mine = next(c for c in chats if c["id"] == deal.conversation_id)
    assert mine["unread"] == 2
    assert mine["last_message"]["body"] == "두 번째"
    assert mine["other"]["nickname"] == deal.buyer.nickname
    assert mine["other"]["neighbourhood"] == "논현동"
    assert mine["other"]["manner_temperature"] == 36.5
    assert mine["role"] == "seller"
    assert client.get("/api/v1/chats/unread", headers=deal.seller.auth).json()["unread"] == 2
    assert (
        client.post(
            f"/api/v1/chats/{deal.conversation_id}/read", json={"seq": 2}, headers=deal.seller.auth
        ).status_code
        == 204
    )
    assert client.get("/api/v1/chats/unread", headers=deal.seller.auth).json()["unread"] == 0
    seen = client.get(f"/api/v1/chats/{deal.conversation_id}", headers=deal.buyer.auth).json()
    assert seen["other_read_seq"] == 2


def test_a_blocked_buyer_cannot_send_or_start_again(client: httpx.Client, deal: Deal) -> None:
    send(client, deal.buyer, deal.conversation_id, "혹시 네고 되나요")
    assert (
        client.post(
            f"/api/v1/chats/{deal.conversation_id}/block", headers=deal.seller.auth
        ).status_code
        == 204
    )
    r = send(client, deal.buyer, deal.conversation_id, "왜 답이 없으세요")
    assert r.status_code == 403 and r.json()["detail"] == "이 사용자와는 대화할 수 없어요."
    second = post(client, deal.seller, title="의자도 팔아요")
    # Refused: 403, or 404 where trust & safety hides a blocker's listings altogether.
    assert client.post(
        f"/api/v1/listings/{second['id']}/chat", headers=deal.buyer.auth
    ).status_code in (403, 404)
    assert (
        client.delete(f"/api/v1/blocks/{deal.buyer.id}", headers=deal.seller.auth).status_code
        == 204
    )
    assert send(client, deal.buyer, deal.conversation_id, "다시 연락드려요").status_code == 201


def test_appointment_reserves_pins_and_reminds_both(
    client: httpx.Client, deal: Deal, database: DatabaseUnderTest
) -> None:
    meet = (datetime.now(UTC) + timedelta(hours=3)).replace(microsecond=0)
    past = client.put(
        f"/api/v1/chats/{deal.conversation_id}/appointment",
        json={"meet_at": "2020-01-01T10:00:00+09:00", "place": "역삼역 3번 출구"},
        headers=deal.seller.auth,
    )
    assert past.status_code == 422
    r = client.put(
        f"/api/v1/chats/{deal.conversation_id}/appointment",
        json={"meet_at": meet.isoformat(), "place": "역삼역 3번 출구", "reserve": True},
        headers=deal.seller.auth,
    )
    assert r.status_code == 200, r.text
    assert r.json()["appointment"]["place"] == "역삼역 3번 출구"
    listing = client.get(f"/api/v1/listings/{deal.listing_id}", headers=deal.buyer.auth).json()
    assert listing["status"] == "reserved"
    # The same event, in the same shape, as when the seller changes the state by hand.
    changed = query(
        database,
        "SELECT properties FROM events WHERE name = 'listing_status_changed' AND user_id = :id",
        id=deal.seller.id,
    )
    props = [p if isinstance(p, dict) else json.loads(str(p)) for (p,) in changed]
    assert props == [
        {
            "listing_id": deal.listing_id,
            "old": "selling",
            "new": "reserved",
            "buyer_id": deal.buyer.id,
        }
    ]
    system = client.get(
        f"/api/v1/chats/{deal.conversation_id}/messages", headers=deal.buyer.auth
    ).json()
    assert [m["body"] for m in system if m["kind"] == "system"] == ["appointment_set", "reserved"]
    # The reminder is a job in the database: make it due now and the server sends it.
    query(
        database,
        "UPDATE scheduled_jobs SET run_at = :t WHERE key = :k",
        t=datetime(2020, 1, 1, tzinfo=UTC)
        if database.dialect == "postgresql"
        else "2020-01-01 00:00:00.000000",
        k=f"appointment:{deal.conversation_id}",
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        kinds = [
            [
                n["kind"]
                for n in client.get("/api/v1/notifications", headers=who.auth).json()["items"]
            ]
            for who in (deal.buyer, deal.seller)
        ]
        if all("appointment_reminder" in k for k in kinds):
            break
        time.sleep(0.3)
    else:
        raise AssertionError(f"no reminders: {kinds}")
