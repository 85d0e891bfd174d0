"""Reports, the moderation queue, operator actions and their audit log,
sanctions and blocks, through the API the way clients use it."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import httpx

from dongne.db import make_engine, utcnow
from tests.chat.conftest import open_deal, send
from tests.conftest import DatabaseUnderTest, query, signup
from tests.listings.conftest import Resident, feed_ids, make_resident, post


def make_operator(client: httpx.Client, database: DatabaseUnderTest) -> Resident:
    who = make_resident(client, "역삼동")
    query(database, "UPDATE users SET role = 'operator' WHERE id = :id", id=who.id)
    return who


def report(client: httpx.Client, who: Resident, target: str, target_id: int, **extra: object):  # type: ignore[no-untyped-def]
    body = {"target": target, "target_id": target_id, "reason": "fraud", **extra}
    return client.post("/api/v1/reports", json=body, headers=who.auth)


def queue(client: httpx.Client, operator: Resident) -> list[dict[str, object]]:
    r = client.get("/api/v1/moderation/reports", headers=operator.auth)
    assert r.status_code == 200, r.text
    return list(r.json())


def act(client: httpx.Client, operator: Resident, report_id: int, **body: object) -> httpx.Response:
    return client.post(
        f"/api/v1/moderation/reports/{report_id}/actions", json=body, headers=operator.auth
    )


def events(database: DatabaseUnderTest, name: str, user_id: int) -> list[dict[str, object]]:
    rows = query(
        database,
        "SELECT properties FROM events WHERE name = :name AND user_id = :uid ORDER BY id",
        name=name,
        uid=user_id,
    )
    return [p if isinstance(p, dict) else json.loads(str(p)) for (p,) in rows]


def test_a_reported_listing_hidden_by_an_operator_leaves_the_feed_and_is_audited(
    client: httpx.Client, database: DatabaseUnderTest
) -> None:
    seller = make_resident(client, "역삼동")
    viewer = make_resident(client, "역삼동")
    item = post(client, seller, title="새 아이폰 반값에 팝니다")
    assert item["id"] in feed_ids(client, viewer)

    r = report(client, viewer, "listing", int(item["id"]), detail="시세보다 너무 싸요")  # type: ignore[arg-type]
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "open"
    assert events(database, "report_filed", viewer.id)[-1]["target_id"] == item["id"]

    # Only operators see the queue.
    assert client.get("/api/v1/moderation/reports", headers=viewer.auth).status_code == 403
    operator = make_operator(client, database)
    mine = [q for q in queue(client, operator) if q["id"] == r.json()["id"]]
    assert len(mine) == 1
    assert mine[0]["subject_id"] == seller.id and mine[0]["reason"] == "fraud"
    assert mine[0]["context"][0]["title"] == "새 아이폰 반값에 팝니다"

    # A non-operator cannot act; a bad action changes nothing.
    assert (
        act(client, viewer, r.json()["id"], action="hide_listing", policy="fraud").status_code
        == 403
    )
    bad = act(client, operator, r.json()["id"], action="explode", policy="fraud")
    assert bad.status_code == 422 and bad.json()["errors"]
    bad = act(client, operator, r.json()["id"], action="hide_listing", policy="nonsense")
    assert bad.status_code == 422 and "운영정책" in bad.json()["detail"]
    assert item["id"] in feed_ids(client, viewer)

    done = act(
        client,
        operator,
        r.json()["id"],
        action="hide_listing",
        policy="fraud",
        note="시세 사기 의심",
    )
    assert done.status_code == 201, done.text
    assert item["id"] not in feed_ids(client, viewer)
    assert client.get(f"/api/v1/listings/{item['id']}", headers=viewer.auth).status_code == 404
    # The seller cannot show it again, and is told why.
    again = client.post(
        f"/api/v1/listings/{item['id']}/hidden", json={"hidden": False}, headers=seller.auth
    )
    assert again.status_code == 403 and "운영정책에 따라 숨겨진 글" in again.json()["detail"]
    assert item["id"] not in feed_ids(client, viewer)
    notes = client.get("/api/v1/notifications", headers=seller.auth).json()["items"]
    assert notes[0]["kind"] == "moderation"
    assert notes[0]["payload"]["action"] == "hide_listing"
    assert notes[0]["payload"]["policy"] == "fraud"

    # The report left the queue; the audit log says who, when, what and why.
    assert all(q["id"] != r.json()["id"] for q in queue(client, operator))
    log = client.get("/api/v1/moderation/audit", headers=operator.auth).json()
    entry = next(e for e in log if e["report_id"] == r.json()["id"])
    assert entry["operator"] == operator.nickname and entry["action"] == "hide_listing"
    assert entry["policy"] == "fraud" and entry["note"] == "시세 사기 의심"
    assert entry["created_at"]
    assert events(database, "moderation_action", operator.id)[-1]["action"] == "hide_listing"
    # Listings wrote the takedown (its columns and its event), not moderation.
    assert events(database, "listing_taken_down", operator.id)[-1]["listing_id"] == item["id"]
    # Working it twice is refused.
    assert act(client, operator, r.json()["id"], action="warn", policy="fraud").status_code == 409


def test_bad_reports_are_refused_in_korean_and_store_nothing(
    client: httpx.Client, database: DatabaseUnderTest
) -> None:
    seller = make_resident(client, "역삼동")
    viewer = make_resident(client, "역삼동")
    item = int(post(client, seller)["id"])  # type: ignore[call-overload]

    def count() -> int:
        return int(
            query(database, "SELECT count(*) FROM reports WHERE reporter_id = :id", id=viewer.id)[
                0
            ][0]  # type: ignore[call-overload]
        )

    r = report(client, viewer, "listing", item, reason="boring")
    assert r.status_code == 422 and r.json()["detail"] == "신고 사유를 목록에서 골라 주세요."
    r = report(client, viewer, "listing", item, reason="other")
    assert r.status_code == 422 and r.json()["detail"] == "기타 사유를 적어 주세요."
    r = report(client, seller, "listing", item)
    assert r.status_code == 422 and r.json()["detail"] == "내 글은 신고할 수 없어요."
    r = report(client, viewer, "user", viewer.id)
    assert r.status_code == 422
    r = report(client, viewer, "user", 10**9)
    assert r.status_code == 404
    r = report(client, viewer, "planet", 1)
    assert r.status_code == 422
    r = client.post(
        "/api/v1/reports", content=b"{", headers={**viewer.auth, "content-type": "application/json"}
    )
    assert r.status_code == 422
    assert count() == 0

    assert (
        report(client, viewer, "listing", item, reason="other", detail="이상해요").status_code
        == 201
    )
    twice = report(client, viewer, "listing", item)
    assert twice.status_code == 409 and "이미 신고" in twice.json()["detail"]
    assert count() == 1
    reasons = client.get("/api/v1/reports/reasons", headers={"Accept-Language": "en"}).json()
    assert [x["code"] for x in reasons] == [
        "pro_seller",
        "fraud",
        "prohibited",
        "abuse",
        "sexual",
        "other",
    ]
    assert reasons[1]["label"] == "Looks like a scam"


def test_a_reported_message_shows_only_its_own_conversation_as_context(
    client: httpx.Client, database: DatabaseUnderTest
) -> None:
    deal = open_deal(client)
    other = open_deal(client)
    for text in ("안녕하세요", "네 있어요"):
        assert send(client, deal.buyer, deal.conversation_id, text).status_code == 201
    assert send(client, other.buyer, other.conversation_id, "다른 방 비밀 얘기").status_code == 201
    bad = send(client, deal.seller, deal.conversation_id, "입금 먼저 해주세요")
    message_id = bad.json()["message"]["id"]
    assert send(client, deal.buyer, deal.conversation_id, "그건 좀...").status_code == 201

    # Outsiders cannot report it (or learn it exists); the sender cannot report themself.
    assert report(client, other.buyer, "message", message_id).status_code == 404
    assert report(client, deal.seller, "message", message_id).status_code == 422
    r = report(client, deal.buyer, "message", message_id)
    assert r.status_code == 201, r.text
    # A report from the other conversation, in the same queue page.
    answer = send(client, other.seller, other.conversation_id, "계좌로 먼저 보내주세요")
    other_report = report(client, other.buyer, "message", answer.json()["message"]["id"])
    assert other_report.status_code == 201, other_report.text

    operator = make_operator(client, database)
    page = queue(client, operator)
    item = next(q for q in page if q["id"] == r.json()["id"])
    bodies = [line["body"] for line in item["context"]]  # type: ignore[union-attr]
    assert bodies == ["안녕하세요", "네 있어요", "입금 먼저 해주세요", "그건 좀..."]
    assert [line["reported"] for line in item["context"]] == [False, False, True, False]  # type: ignore[union-attr]
    assert item["subject_id"] == deal.seller.id
    item = next(q for q in page if q["id"] == other_report.json()["id"])
    assert [(line["body"], line["reported"]) for line in item["context"]] == [  # type: ignore[union-attr]
        ("다른 방 비밀 얘기", False),
        ("계좌로 먼저 보내주세요", True),
    ]


def test_suspended_and_banned_users_cannot_post_or_chat_and_fraud_bans_warn_partners(
    client: httpx.Client, database: DatabaseUnderTest
) -> None:
    deal = open_deal(client)
    scam = send(client, deal.seller, deal.conversation_id, "입금 먼저 해주시면 보내드려요")
    scam_id = scam.json()["message"]["id"]
    operator = make_operator(client, database)
    r = report(client, deal.buyer, "user", deal.seller.id, reason="abuse")
    bad_days = act(client, operator, r.json()["id"], action="suspend", policy="abuse", days=0)
    assert bad_days.status_code == 422
    done = act(client, operator, r.json()["id"], action="suspend", policy="abuse", days=3)
    assert done.status_code == 201, done.text

    refused = client.post(
        "/api/v1/listings",
        json={"title": "의자 팔아요", "description": "", "category": "furniture", "price": 1000},
        headers=deal.seller.auth,
    )
    assert refused.status_code == 403
    assert "까지 이용이 정지된 계정이에요" in refused.json()["detail"]
    assert send(client, deal.seller, deal.conversation_id, "안녕하세요").status_code == 403
    theirs = post(client, deal.buyer, title="정지 중에는 못 묻는 물건")
    started = client.post(f"/api/v1/listings/{theirs['id']}/chat", headers=deal.seller.auth)
    assert started.status_code == 403 and "이용이 정지된" in started.json()["detail"]
    # The other side still can.
    assert send(client, deal.buyer, deal.conversation_id, "괜찮으세요?").status_code == 201
    notes = client.get("/api/v1/notifications", headers=deal.seller.auth).json()["items"]
    assert notes[0]["payload"]["action"] == "suspend" and notes[0]["payload"]["days"] == 3
    # The sanction lowers the manner temperature at once.
    profile = client.get(f"/api/v1/users/{deal.seller.id}/profile").json()
    assert profile["manner_temperature"] < 36.5

    # The reviews engineer reads sanctions through sanction_facts.
    from dongne.trust.moderation.queries import sanction_facts

    async def facts() -> list[object]:
        engine = make_engine(database.url)
        try:
            from sqlalchemy.ext.asyncio import AsyncSession

            async with AsyncSession(engine) as db:
                return list(await sanction_facts(db, deal.seller.id, utcnow() - timedelta(days=1)))
        finally:
            await engine.dispose()

    got = asyncio.run(facts())
    assert [(f.kind, f.days) for f in got] == [("suspension", 3)]  # type: ignore[attr-defined]

    # A fraud ban: everyone who chatted with them sees a warning in that conversation.
    r = report(client, deal.buyer, "message", scam_id)
    assert r.status_code == 201, r.text
    assert act(client, operator, r.json()["id"], action="ban", policy="fraud").status_code == 201
    refused = send(client, deal.seller, deal.conversation_id, "왜요")
    assert refused.status_code == 403 and "영구 정지" in refused.json()["detail"]
    lines = client.get(
        f"/api/v1/chats/{deal.conversation_id}/messages", headers=deal.buyer.auth
    ).json()
    assert lines[-1]["kind"] == "system" and lines[-1]["body"] == "fraud_ban"
    assert [(f.kind, f.days) for f in asyncio.run(facts())] == [  # type: ignore[attr-defined]
        ("suspension", 3),
        ("ban", None),
    ]


def test_blocking_from_a_profile_hides_my_listings_and_stops_chats(
    client: httpx.Client, database: DatabaseUnderTest
) -> None:
    me = make_resident(client, "역삼동")
    them = make_resident(client, "역삼동")
    item = int(post(client, me, title="블록 테스트 책상")["id"])  # type: ignore[call-overload]
    assert item in feed_ids(client, them)

    assert client.post(f"/api/v1/users/{me.id}/block", headers=me.auth).status_code == 422
    assert client.post("/api/v1/users/999999999/block", headers=me.auth).status_code == 404
    assert client.post(f"/api/v1/users/{them.id}/block", headers=me.auth).status_code == 204
    assert events(database, "user_blocked", me.id)[-1]["blocked_id"] == them.id
    assert item not in feed_ids(client, them)
    assert client.get(f"/api/v1/listings/{item}", headers=them.auth).status_code == 404
    assert client.post(f"/api/v1/listings/{item}/chat", headers=them.auth).status_code in (403, 404)
    listed = client.get("/api/v1/me/blocks", headers=me.auth).json()
    assert [b["user_id"] for b in listed] == [them.id]
    assert listed[0]["nickname"] == them.nickname

    assert client.delete(f"/api/v1/blocks/{them.id}", headers=me.auth).status_code == 204
    assert client.get("/api/v1/me/blocks", headers=me.auth).json() == []
    assert item in feed_ids(client, them)
    assert client.post(f"/api/v1/listings/{item}/chat", headers=them.auth).status_code == 200


def test_anonymous_and_plain_users_cannot_reach_moderation(client: httpx.Client) -> None:
    plain = signup(client)
    assert client.get("/api/v1/moderation/reports").status_code == 401
    assert client.get("/api/v1/moderation/audit", headers=plain.auth).status_code == 403
    assert (
        client.post(
            "/api/v1/reports", json={"target": "user", "target_id": plain.id, "reason": "fraud"}
        ).status_code
        == 401
    )


def test_a_suspension_ends_and_a_ban_takes_the_sellers_listings_off_the_feed(
    client: httpx.Client, database: DatabaseUnderTest
) -> None:
    seller = make_resident(client, "역삼동")
    viewer = make_resident(client, "역삼동")
    operator = make_operator(client, database)
    item = int(post(client, seller, title="정지 테스트 의자")["id"])  # type: ignore[call-overload]
    r = report(client, viewer, "user", seller.id, reason="pro_seller")
    assert (
        act(
            client, operator, r.json()["id"], action="suspend", policy="pro_seller", days=1
        ).status_code
        == 201
    )
    body = {"title": "정지 중 올린 글", "category": "furniture", "price": 1000}
    assert client.post("/api/v1/listings", json=body, headers=seller.auth).status_code == 403
    # A day later the suspension is over.
    past = utcnow() - timedelta(minutes=1)
    query(database, "UPDATE sanctions SET ends_at = :t WHERE user_id = :id", t=past, id=seller.id)
    assert client.post("/api/v1/listings", json=body, headers=seller.auth).status_code == 201
    assert item in feed_ids(client, viewer)

    r = report(client, viewer, "listing", item, reason="pro_seller")
    assert (
        act(client, operator, r.json()["id"], action="ban", policy="pro_seller").status_code == 201
    )
    assert item not in feed_ids(client, viewer)
    assert client.post("/api/v1/listings", json=body, headers=seller.auth).status_code == 403
    taken = events(database, "seller_listings_taken_down", operator.id)[-1]
    assert taken["seller_id"] == seller.id and taken["count"] == 2
