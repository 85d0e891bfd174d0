"""Fraud signals stored with chat messages and listings, the setting that turns
the chat scan off, duplicate listings and the lower limits for new accounts."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.chat.conftest import open_deal, send
from tests.conftest import DatabaseUnderTest, Server, query, start_server, stop_server
from tests.listings.conftest import make_resident, post
from tests.trust.test_moderation_api import events


def test_a_message_with_an_account_number_carries_its_warning_for_the_receiver(
    client: httpx.Client, database: DatabaseUnderTest
) -> None:
    deal = open_deal(client)
    r = send(client, deal.seller, deal.conversation_id, "국민 123456-78-901234 로 선입금 해주세요")
    assert r.status_code == 201, r.text
    message = r.json()["message"]
    # Delivered as written; the signals and a masked copy travel with it.
    assert message["body"] == "국민 123456-78-901234 로 선입금 해주세요"
    fraud = message["data"]["fraud"]
    assert fraud["signals"] == ["account", "prepayment"]
    assert fraud["masked"] == "국민 ••••••-••-••1234 로 선입금 해주세요"
    got = client.get(
        f"/api/v1/chats/{deal.conversation_id}/messages", headers=deal.buyer.auth
    ).json()
    assert got[-1]["data"]["fraud"]["signals"] == ["account", "prepayment"]
    shown = events(database, "fraud_warning_shown", deal.buyer.id)
    assert shown[-1]["sender_id"] == deal.seller.id and shown[-1]["seq"] == message["seq"]

    clean = send(client, deal.buyer, deal.conversation_id, "내일 역삼역에서 직거래해요")
    assert clean.json()["message"]["data"] == {}

    # The receiver taps to reveal (recorded); the sender has no card to tap.
    reveal = f"/api/v1/chats/{deal.conversation_id}/messages/{message['seq']}/reveal"
    assert client.post(reveal, headers=deal.seller.auth).status_code == 422
    r = client.post(reveal, headers=deal.buyer.auth)
    assert r.status_code == 200 and r.json()["body"] == message["body"]
    assert events(database, "fraud_warning_tapped", deal.buyer.id)[-1]["seq"] == message["seq"]
    outsider = make_resident(client, "역삼동")
    assert client.post(reveal, headers=outsider.auth).status_code == 404
    clean_seq = clean.json()["message"]["seq"]
    no_card = f"/api/v1/chats/{deal.conversation_id}/messages/{clean_seq}/reveal"
    assert client.post(no_card, headers=deal.seller.auth).status_code == 404


def test_a_listing_with_fraud_signals_is_flagged_and_cleared_on_edit(
    client: httpx.Client, server: Server, database: DatabaseUnderTest
) -> None:
    seller = make_resident(client, "역삼동")
    item = post(
        client,
        seller,
        title="닌텐도 스위치 팝니다",
        description="카톡 아이디 nin123 으로 연락주세요. 자세한 사진은 bit.ly/x1x2",
    )
    rows = query(
        database, "SELECT signals FROM listing_warnings WHERE listing_id = :id", id=item["id"]
    )
    assert rows and "off_platform" in str(rows[0][0]) and "external_link" in str(rows[0][0])
    # A link to the site itself is fine.
    body = {
        "title": "닌텐도 스위치 팝니다",
        "description": f"다른 물건도 있어요 {server.url}/users/{seller.id}",
        "category": "hobby",
        "price": 10000,
    }
    r = client.put(f"/api/v1/listings/{item['id']}", json=body, headers=seller.auth)
    assert r.status_code == 200, r.text
    assert query(
        database, "SELECT count(*) FROM listing_warnings WHERE listing_id = :id", id=item["id"]
    ) == [(0,)]


def test_the_same_listing_twice_is_refused(
    client: httpx.Client, database: DatabaseUnderTest
) -> None:
    seller = make_resident(client, "역삼동")
    first = post(client, seller, title="원목 책상 팝니다", description="상태 좋아요")
    body = {
        "title": "원목  책상 팝니다",
        "description": "상태 좋아요",
        "category": "furniture",
        "price": 5000,
    }
    r = client.post("/api/v1/listings", json=body, headers=seller.auth)
    assert r.status_code == 409 and "같은 내용의 글이 이미 있어요" in r.json()["detail"]
    count = query(database, "SELECT count(*) FROM listings WHERE seller_id = :id", id=seller.id)
    assert count == [(1,)]
    # Someone else may sell the same thing; and a different text is a different listing.
    assert (
        client.post(
            "/api/v1/listings", json=body, headers=make_resident(client, "역삼동").auth
        ).status_code
        == 201
    )
    body["description"] = "서랍도 있어요"
    second = client.post("/api/v1/listings", json=body, headers=seller.auth)
    assert second.status_code == 201
    # Editing the second into a copy of the first is refused as well.
    copy = {**body, "description": "상태 좋아요"}
    assert (
        client.put(
            f"/api/v1/listings/{second.json()['id']}", json=copy, headers=seller.auth
        ).status_code
        == 409
    )
    assert first["id"] != second.json()["id"]


@pytest.fixture(scope="module")
def strict_server(
    database: DatabaseUnderTest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """A server with the product's lower new-account limits made small, and the
    chat fraud scan switched off."""
    srv = start_server(
        database,
        tmp_path_factory.mktemp("strict"),
        DONGNE_NEW_ACCOUNT_LISTING_LIMIT_PER_USER="2/hour",
        DONGNE_NEW_ACCOUNT_CHAT_START_LIMIT_PER_USER="1/hour",
        DONGNE_CHAT_FRAUD_SCAN="false",
    )
    yield srv
    stop_server(srv)


def test_new_accounts_have_lower_limits_and_older_ones_do_not(
    strict_server: Server, database: DatabaseUnderTest
) -> None:
    with httpx.Client(
        base_url=strict_server.url, headers={"X-Forwarded-For": "10.250.1.1"}, timeout=30
    ) as c:
        new = make_resident(c, "역삼동")
        old = make_resident(c, "역삼동")
        query(
            database,
            "UPDATE users SET created_at = created_at - INTERVAL '8 days' WHERE id = :id"
            if database.dialect == "postgresql"
            else "UPDATE users SET created_at = datetime(created_at, '-8 days') WHERE id = :id",
            id=old.id,
        )
        for n in range(2):
            post(c, new, title=f"새 계정 물건 {n}")
            post(c, old, title=f"오래된 계정 물건 {n}")
        r = c.post(
            "/api/v1/listings",
            json={"title": "세 번째 물건", "category": "furniture", "price": 1},
            headers=new.auth,
        )
        assert r.status_code == 429 and r.headers["Retry-After"]
        third = post(c, old, title="오래된 계정 물건 3")

        # New conversations: one an hour for the new account.
        a = post(c, old, title="오래된 계정 물건 4")
        assert c.post(f"/api/v1/listings/{third['id']}/chat", headers=new.auth).status_code == 200
        assert c.post(f"/api/v1/listings/{a['id']}/chat", headers=new.auth).status_code == 429


def test_the_chat_scan_can_be_switched_off(strict_server: Server) -> None:
    with httpx.Client(
        base_url=strict_server.url, headers={"X-Forwarded-For": "10.250.1.2"}, timeout=30
    ) as c:
        deal = open_deal(c)
        r = send(c, deal.seller, deal.conversation_id, "국민 123456-78-901234 로 선입금 해주세요")
        assert r.status_code == 201 and r.json()["message"]["data"] == {}
