"""Deals and reviews through the API, as a client would: 거래완료 with the buyer
picked, both sides asked and reviewing once, the temperature following the
formula, and the profile's figures (재거래희망률, 응답률, response time)."""

from __future__ import annotations

import json

import httpx

from tests.chat.conftest import open_deal, send
from tests.conftest import DatabaseUnderTest, query
from tests.listings.conftest import Resident, make_resident, post


def complete(
    client: httpx.Client, seller: Resident, listing_id: int, buyer_id: int | None
) -> httpx.Response:
    return client.post(
        f"/api/v1/listings/{listing_id}/deal", json={"buyer_id": buyer_id}, headers=seller.auth
    )


def review(
    client: httpx.Client,
    who: Resident,
    deal_id: int,
    rating: str,
    items: list[str],
    message: str = "",
    **headers: str,
) -> httpx.Response:
    return client.post(
        f"/api/v1/deals/{deal_id}/reviews",
        json={"rating": rating, "items": items, "message": message},
        headers={**who.auth, **headers},
    )


def profile(
    client: httpx.Client, user_id: int, viewer: Resident | None = None
) -> dict[str, object]:
    r = client.get(f"/api/v1/users/{user_id}/profile", headers=viewer.auth if viewer else {})
    assert r.status_code == 200, r.text
    return dict(r.json())


def events(database: DatabaseUnderTest, name: str, user_id: int) -> list[dict[str, object]]:
    rows = query(
        database,
        "SELECT properties FROM events WHERE name = :name AND user_id = :uid ORDER BY id",
        name=name,
        uid=user_id,
    )
    return [p if isinstance(p, dict) else json.loads(str(p)) for (p,) in rows]


def test_a_completed_deal_asks_both_sides_and_their_reviews_move_both_temperatures(
    client: httpx.Client, database: DatabaseUnderTest
) -> None:
    deal = open_deal(client)
    seller, buyer = deal.seller, deal.buyer
    assert send(client, buyer, deal.conversation_id, "식탁 아직 있나요?").status_code == 201
    assert send(client, seller, deal.conversation_id, "네 있어요").status_code == 201

    r = complete(client, seller, deal.listing_id, buyer.id)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["buyer_id"] == buyer.id and body["conversation_id"] == deal.conversation_id
    deal_id = body["id"]
    listing = client.get(f"/api/v1/listings/{deal.listing_id}", headers=buyer.auth).json()
    assert listing["status"] == "sold"

    # Both are asked: a line in their conversation, and a notification each.
    messages = client.get(
        f"/api/v1/chats/{deal.conversation_id}/messages", headers=buyer.auth
    ).json()
    assert messages[-1]["kind"] == "system"
    assert messages[-1]["body"] == "deal_completed"
    assert messages[-1]["data"] == {"deal_id": deal_id}
    for who in (seller, buyer):
        notes = client.get("/api/v1/notifications", headers=who.auth).json()["items"]
        asks = [n for n in notes if n["kind"] == "review_request"]
        assert [n["payload"]["deal_id"] for n in asks] == [deal_id]
    # Marking it sold to the same buyer again changes nothing.
    assert complete(client, seller, deal.listing_id, buyer.id).json()["id"] == deal_id

    r = review(client, buyer, deal_id, "good", ["punctual", "kind"], "친절하게 거래해 주셨어요!")
    assert r.status_code == 201, r.text
    assert r.json()["reviewee_id"] == seller.id and r.json()["role"] == "buyer"
    r = review(client, seller, deal_id, "best", ["punctual", "quick_reply", "came_to_me"])
    assert r.status_code == 201, r.text

    # 36.5 + 0.3 + 2 × 0.05 and 36.5 + 0.6 + 3 × 0.05, as the README's formula says.
    seller_profile = profile(client, seller.id)
    buyer_profile = profile(client, buyer.id)
    assert seller_profile["manner_temperature"] == 36.9
    assert buyer_profile["manner_temperature"] == 37.3  # 37.25 rounds half up
    assert seller_profile["rehire_rate"] == 100 and seller_profile["review_count"] == 1
    assert seller_profile["manner_items"] == {"punctual": 1, "kind": 1}
    assert [(x["reviewer_id"], x["message"]) for x in seller_profile["reviews"]] == [  # type: ignore[union-attr]
        (buyer.id, "친절하게 거래해 주셨어요!")
    ]
    assert seller_profile["sales"] == 1 and buyer_profile["purchases"] == 1
    assert "first_deal" in [b["code"] for b in seller_profile["badges"]]  # type: ignore[union-attr]

    # The chat list shows the real temperature of the other side.
    chats = client.get("/api/v1/chats", headers=buyer.auth).json()
    assert [c["other"]["manner_temperature"] for c in chats] == [36.9]

    # Every step left its event.
    (completed,) = events(database, "deal_completed", seller.id)
    assert completed["deal_id"] == deal_id and completed["buyer_id"] == buyer.id
    (written,) = events(database, "review_written", buyer.id)
    assert written["rating"] == "good" and written["items"] == ["punctual", "kind"]
    assert events(database, "manner_temperature_changed", seller.id) == [{"old": 36.5, "new": 36.9}]
    assert events(database, "manner_temperature_changed", buyer.id) == [{"old": 36.5, "new": 37.3}]

    # 구매내역: the buyer's purchase, reviewed.
    purchases = client.get("/api/v1/me/purchases", headers=buyer.auth).json()
    assert [(p["deal_id"], p["reviewed"]) for p in purchases] == [(deal_id, True)]


def test_only_the_two_people_of_a_completed_deal_review_and_only_once(
    client: httpx.Client, database: DatabaseUnderTest
) -> None:
    deal = open_deal(client)
    seller, buyer = deal.seller, deal.buyer
    stranger = make_resident(client, "역삼동")
    deal_id = complete(client, seller, deal.listing_id, buyer.id).json()["id"]

    assert review(client, stranger, deal_id, "good", ["kind"]).status_code == 404
    assert review(client, buyer, deal_id + 10_000, "good", ["kind"]).status_code == 404
    assert review(client, buyer, deal_id, "good", ["kind"]).status_code == 201
    again = review(client, buyer, deal_id, "best", ["kind"])
    assert again.status_code == 409
    assert again.json()["detail"] == "이 거래의 후기는 이미 보냈어요."
    anonymous = client.post(
        f"/api/v1/deals/{deal_id}/reviews", json={"rating": "good", "items": ["kind"]}
    )
    assert anonymous.status_code == 401
    # Only people who chatted about it can be named the buyer.
    r = complete(client, seller, deal.listing_id, stranger.id)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "buyer_id"
    # Nor can anyone but the seller complete it.
    assert complete(client, buyer, deal.listing_id, buyer.id).status_code == 404
    # A deal with reviews keeps its buyer.
    assert complete(client, seller, deal.listing_id, None).status_code == 409
    assert len(events(database, "review_written", buyer.id)) == 1


def test_bad_reviews_are_refused_with_a_clear_message_and_change_nothing(
    client: httpx.Client, database: DatabaseUnderTest
) -> None:
    deal = open_deal(client)
    deal_id = complete(client, deal.seller, deal.listing_id, deal.buyer.id).json()["id"]
    cases = [
        ("good", ["late"], "", "items", "고른 평가와 맞지 않는 항목이 있어요."),
        ("bad", ["kind"], "", "items", "고른 평가와 맞지 않는 항목이 있어요."),
        ("good", [], "", "items", "매너 평가 항목을 하나 이상 골라 주세요."),
        ("good", ["nonsense"], "", "items", "고른 평가와 맞지 않는 항목이 있어요."),
        ("good", ["kind"], "가" * 501, "message", "후기는 500자 이하로 써 주세요."),
    ]
    for rating, items, message, field, detail in cases:
        r = review(client, deal.buyer, deal_id, rating, items, message)
        assert r.status_code == 422, r.text
        assert r.json()["errors"] == [{"field": field, "message": detail}]
    r = review(client, deal.buyer, deal_id, "meh", ["kind"])
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "rating"
    r = review(client, deal.buyer, deal_id, "good", ["late"], **{"Accept-Language": "en"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["message"] == "Some items do not match the rating you chose."
    assert events(database, "review_written", deal.buyer.id) == []
    assert profile(client, deal.seller.id)["review_count"] == 0


def test_someone_else_as_buyer_sells_the_listing_without_reviews(client: httpx.Client) -> None:
    deal = open_deal(client)
    r = complete(client, deal.seller, deal.listing_id, None)
    assert r.status_code == 200 and r.json()["buyer_id"] is None
    assert review(client, deal.seller, r.json()["id"], "good", ["kind"]).status_code == 409
    assert review(client, deal.buyer, r.json()["id"], "good", ["kind"]).status_code == 404
    messages = client.get(
        f"/api/v1/chats/{deal.conversation_id}/messages", headers=deal.buyer.auth
    ).json()
    assert all(m["body"] != "deal_completed" for m in messages)


def test_a_negative_review_lowers_the_temperature_and_stays_anonymous(
    client: httpx.Client,
) -> None:
    deal = open_deal(client)
    seller, buyer = deal.seller, deal.buyer
    deal_id = complete(client, seller, deal.listing_id, buyer.id).json()["id"]
    r = review(client, seller, deal_id, "bad", ["no_show", "ghosted"], "약속에 안 나오셨어요")
    assert r.status_code == 201, r.text

    public = profile(client, buyer.id, viewer=seller)
    own = profile(client, buyer.id, viewer=buyer)
    assert public["manner_temperature"] == own["manner_temperature"] == 34.6
    assert public["reviews"] == own["reviews"] == []  # neither the text nor who wrote it
    assert public["manner_items"] == {}
    assert own["manner_items"] == {"no_show": 1, "ghosted": 1}
    assert public["rehire_rate"] == 0 and public["band"] == "cool"


def test_response_rate_and_usual_time_come_from_chat_events(client: httpx.Client) -> None:
    seller = make_resident(client, "역삼동")
    listing = post(client, seller, title="전자레인지 팝니다", category="appliances")
    asked = []
    for _ in range(2):
        buyer = make_resident(client, "논현동", level=1)
        r = client.post(f"/api/v1/listings/{listing['id']}/chat", headers=buyer.auth)
        assert r.status_code == 200, r.text
        asked.append((buyer, int(r.json()["id"])))
        assert send(client, buyer, asked[-1][1], "구매 가능할까요?").status_code == 201
    assert send(client, seller, asked[0][1], "네 가능해요").status_code == 201

    figures = profile(client, seller.id)
    assert figures["response_rate"] == 50
    assert figures["usual_response_minutes"] == 10
    assert profile(client, asked[0][0].id)["response_rate"] is None  # never asked anything


def test_unknown_people_have_no_profile(client: httpx.Client) -> None:
    r = client.get("/api/v1/users/987654321/profile")
    assert r.status_code == 404
    assert r.json()["detail"] == "사용자를 찾을 수 없어요."


def test_a_suspension_lowers_the_temperature_and_stops_reviews(
    client: httpx.Client, database: DatabaseUnderTest
) -> None:
    """The contract with moderation: a sanction recomputes the temperature
    (an event with old and new value), and a suspended person writes no review."""
    deal = open_deal(client)
    seller, buyer = deal.seller, deal.buyer
    deal_id = complete(client, seller, deal.listing_id, buyer.id).json()["id"]
    operator = make_resident(client, "역삼동")
    query(database, "UPDATE users SET role = 'operator' WHERE id = :id", id=operator.id)
    r = client.post(
        "/api/v1/reports",
        json={"target": "user", "target_id": buyer.id, "reason": "abuse"},
        headers=seller.auth,
    )
    assert r.status_code == 201, r.text
    r = client.post(
        f"/api/v1/moderation/reports/{r.json()['id']}/actions",
        json={"action": "suspend", "policy": "abuse", "days": 7, "note": "욕설"},
        headers=operator.auth,
    )
    assert r.status_code == 201, r.text

    # 36.5 − (3.0 + 0.3 × 7), as the README's table says for a 7-day suspension today.
    assert profile(client, buyer.id)["manner_temperature"] == 31.4
    assert events(database, "manner_temperature_changed", buyer.id) == [{"old": 36.5, "new": 31.4}]
    r = review(client, buyer, deal_id, "good", ["kind"])
    assert r.status_code == 403, r.text
    assert "이용이 정지된 계정" in r.json()["detail"]
    assert events(database, "review_written", buyer.id) == []
