"""Posting, the neighbourhood feed and everything around a listing, over HTTP."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from PIL import Image

from tests.conftest import DatabaseUnderTest, query, signup
from tests.listings.conftest import PLACES, Resident, age, feed_ids, jpeg_with_gps, post

Make = Callable[..., Resident]


def test_posting_needs_a_current_verification(client: httpx.Client) -> None:
    acc = signup(client)
    body = {"title": "원목 의자", "category": "furniture", "price": 5000}
    r = client.post("/api/v1/listings", json=body, headers=acc.auth)
    assert r.status_code == 403
    assert r.json()["detail"] == "동네 인증이 필요해요. 내 동네에서 위치를 인증해 주세요."
    # A neighbourhood set but not proven by location is not enough either.
    client.post(
        "/api/v1/me/neighbourhoods", json={"neighbourhood_id": "1168010100"}, headers=acc.auth
    )
    assert client.post("/api/v1/listings", json=body, headers=acc.auth).status_code == 403


def test_invalid_listings_are_refused_with_a_message_per_field(
    client: httpx.Client, resident: Make, database: DatabaseUnderTest
) -> None:
    seller = resident()
    cases = [
        (
            {"title": "의", "category": "furniture", "price": 1},
            "title",
            "제목은 2~60자로 입력해 주세요.",
        ),
        (
            {"title": "의자" * 31, "category": "furniture", "price": 1},
            "title",
            "제목은 2~60자로 입력해 주세요.",
        ),
        (
            {"title": "의자", "category": "weapons", "price": 1},
            "category",
            "카테고리를 선택해 주세요.",
        ),
        ({"title": "의자", "category": "furniture", "price": -1}, "price", "0 이상이어야 합니다."),
        (
            {"title": "의자", "category": "furniture", "price": 100_000_001},
            "price",
            "100000000 이하여야 합니다.",
        ),
        ({"title": "의자", "category": "furniture"}, "", "가격을 입력하거나 나눔을 선택해 주세요."),
        (
            {"title": "의자", "category": "furniture", "price": "만원"},
            "price",
            "정수를 입력해 주세요.",
        ),
        (
            {"title": "의자", "category": "furniture", "price": 1, "description": "가" * 4001},
            "description",
            "자세한 설명은 4,000자까지 쓸 수 있어요.",
        ),
        (
            {"title": "의자", "category": "furniture", "price": 1, "photo_ids": [999999999]},
            "photo_ids",
            "올린 사진을 찾을 수 없어요. 다시 올려 주세요.",
        ),
    ]
    for body, field, message in cases:
        r = client.post("/api/v1/listings", json=body, headers=seller.auth)
        assert r.status_code == 422, (body, r.text)
        errors = {e["field"]: e["message"] for e in r.json()["errors"]}
        assert errors.get(field) == message, (body, errors)
    assert (
        query(database, "SELECT count(*) FROM listings WHERE seller_id = :s", s=seller.id)[0][0]
        == 0
    )


def test_free_sharing_has_no_price_and_no_offers(client: httpx.Client, resident: Make) -> None:
    seller = resident()
    item = post(client, seller, is_free=True, price=30000, accepts_offers=True)
    assert (item["is_free"], item["price"], item["accepts_offers"]) == (True, 0, False)


def test_the_feed_shows_listings_only_to_people_whose_range_covers_them(
    client: httpx.Client, resident: Make
) -> None:
    seller = resident("역삼동")
    item = post(client, seller, title="역삼동 원목 책상")
    neighbour = resident("논현동", level=1)
    busan = resident("해운대 우동", level=3)
    suwon = resident("수원 인계동", level=3)
    assert item["id"] in feed_ids(client, neighbour)
    assert item["id"] not in feed_ids(client, busan)
    assert item["id"] not in feed_ids(client, suwon)
    assert item["id"] in feed_ids(client, seller)
    # The same rule for the listing itself.
    assert client.get(f"/api/v1/listings/{item['id']}", headers=neighbour.auth).status_code == 200
    far = client.get(f"/api/v1/listings/{item['id']}", headers=suwon.auth)
    assert far.status_code == 404
    # A visitor may browse a neighbourhood they pick, read-only.
    assert item["id"] in feed_ids(client, None, neighbourhood_id=PLACES["역삼동"][0])
    assert item["id"] not in feed_ids(client, None, neighbourhood_id=PLACES["해운대 우동"][0])
    nowhere = client.get("/api/v1/listings/feed")
    assert nowhere.status_code == 422
    assert nowhere.json()["detail"] == "먼저 동네를 선택해 주세요."


def test_range_level_zero_sees_only_its_own_neighbourhood(
    client: httpx.Client, resident: Make
) -> None:
    seller = resident("논현동")
    item = post(client, seller)
    only_home = resident("역삼동", level=0)
    assert item["id"] not in feed_ids(client, only_home)
    client.put(
        f"/api/v1/me/neighbourhoods/{PLACES['역삼동'][0]}/range",
        json={"level": 1},
        headers=only_home.auth,
    )
    assert item["id"] in feed_ids(client, only_home)


def test_newest_first_with_keyset_pages_and_bumps(client: httpx.Client, resident: Make) -> None:
    seller = resident("역삼동", level=0)
    ids = [post(client, seller, title=f"페이지 테스트 {n}")["id"] for n in range(23)]
    viewer = resident("역삼동", level=0)
    first = client.get("/api/v1/listings/feed", headers=viewer.auth).json()
    assert len(first["items"]) == 20 and first["next_cursor"]
    second = client.get(
        "/api/v1/listings/feed", params={"cursor": first["next_cursor"]}, headers=viewer.auth
    ).json()
    seen = [i["id"] for i in first["items"]] + [i["id"] for i in second["items"]]
    mine = [i for i in seen if i in ids]
    assert mine == sorted(ids, reverse=True)  # newest first, nothing twice, nothing skipped
    bumped = client.post(f"/api/v1/listings/{ids[0]}/bump", headers=seller.auth)
    assert bumped.status_code == 409  # posted seconds ago: a bump is once per 24 hours
    assert "하루에 한 번" in bumped.json()["detail"]
    bad = client.get(
        "/api/v1/listings/feed", params={"cursor": "not-a-cursor"}, headers=viewer.auth
    )
    assert bad.status_code == 422


def whole_feed(client: httpx.Client, who: Resident) -> list[int]:
    """Every listing of the viewer's feed, page after page."""
    ids: list[int] = []
    params: dict[str, str] = {}
    while True:
        r = client.get("/api/v1/listings/feed", params=params, headers=who.auth)
        assert r.status_code == 200, r.text
        ids += [item["id"] for item in r.json()["items"]]
        if not r.json()["next_cursor"]:
            return ids
        params = {"cursor": r.json()["next_cursor"]}


def test_bump_moves_a_day_old_listing_to_the_top(
    client: httpx.Client, resident: Make, database: DatabaseUnderTest
) -> None:
    seller = resident("논현동", level=0)
    old = post(client, seller, title="어제 올린 자전거")
    newer = post(client, seller, title="오늘 올린 의자")
    # Age the first listing by a day, as if it had been posted yesterday.
    age(database, int(old["id"]))  # the listing and the copies in its search terms
    viewer = resident("논현동", level=0)
    ids = whole_feed(client, viewer)  # other tests' listings in 논현동 fill the first page
    assert ids.index(newer["id"]) < ids.index(old["id"])
    r = client.post(f"/api/v1/listings/{old['id']}/bump", headers=seller.auth)
    assert r.status_code == 200 and r.json()["bumped_at"]
    assert feed_ids(client, viewer)[0] == old["id"]
    again = client.post(f"/api/v1/listings/{old['id']}/bump", headers=seller.auth)
    assert again.status_code == 409
    stranger = client.post(f"/api/v1/listings/{newer['id']}/bump", headers=viewer.auth)
    assert stranger.status_code == 404


def test_filters_category_free_and_finished_deals(client: httpx.Client, resident: Make) -> None:
    seller = resident("논현동", level=0)
    chair = post(client, seller, category="furniture")
    free = post(client, seller, category="books", is_free=True)
    sold = post(client, seller, category="books")
    assert (
        client.post(
            f"/api/v1/listings/{sold['id']}/status", json={"status": "sold"}, headers=seller.auth
        ).status_code
        == 200
    )
    viewer = resident("논현동", level=0)
    books = feed_ids(client, viewer, category="books")
    assert free["id"] in books and sold["id"] in books and chair["id"] not in books
    assert set(feed_ids(client, viewer, free=True)) & {chair["id"], sold["id"]} == set()
    assert free["id"] in feed_ids(client, viewer, free=True)
    assert sold["id"] not in feed_ids(client, viewer, hide_sold=True)
    assert (
        client.get(
            "/api/v1/listings/feed", params={"category": "guns"}, headers=viewer.auth
        ).status_code
        == 422
    )


def test_states_hide_and_soft_delete(
    client: httpx.Client, resident: Make, database: DatabaseUnderTest
) -> None:
    seller = resident("논현동", level=0)
    item = post(client, seller)
    url = f"/api/v1/listings/{item['id']}"
    for new in ("reserved", "selling", "reserved", "sold", "selling"):
        r = client.post(f"{url}/status", json={"status": new}, headers=seller.auth)
        assert r.status_code == 200 and r.json()["status"] == new
    client.post(f"{url}/status", json={"status": "sold"}, headers=seller.auth)
    assert (
        client.post(f"{url}/status", json={"status": "reserved"}, headers=seller.auth).status_code
        == 409
    )
    assert (
        client.post(f"{url}/status", json={"status": "gone"}, headers=seller.auth).status_code
        == 422
    )
    viewer = resident("논현동", level=0)
    assert (
        client.post(f"{url}/status", json={"status": "selling"}, headers=viewer.auth).status_code
        == 404
    )

    assert (
        client.post(f"{url}/hidden", json={"hidden": True}, headers=seller.auth).status_code == 200
    )
    assert item["id"] not in feed_ids(client, viewer)
    assert client.get(url, headers=viewer.auth).status_code == 404
    mine = client.get("/api/v1/me/listings", headers=seller.auth).json()
    assert item["id"] in [m["id"] for m in mine]
    client.post(f"{url}/hidden", json={"hidden": False}, headers=seller.auth)
    assert item["id"] in feed_ids(client, viewer)

    assert client.delete(url, headers=viewer.auth).status_code == 404
    assert client.delete(url, headers=seller.auth).status_code == 204
    assert client.get(url, headers=seller.auth).status_code == 404
    assert item["id"] not in feed_ids(client, viewer)
    names = [
        r[0]
        for r in query(
            database, "SELECT name FROM events WHERE user_id = :u ORDER BY id", u=seller.id
        )
    ]
    for expected in (
        "listing_created",
        "listing_status_changed",
        "listing_hidden",
        "listing_unhidden",
        "listing_deleted",
    ):
        assert expected in names


def test_edit_changes_what_search_finds(client: httpx.Client, resident: Make) -> None:
    seller = resident("논현동", level=0)
    item = post(client, seller, title="빨간 우산 팝니다", category="other")
    viewer = resident("논현동", level=0)
    r = client.put(
        f"/api/v1/listings/{item['id']}",
        json={"title": "파란 양산 팝니다", "category": "other", "price": 3000},
        headers=seller.auth,
    )
    assert r.status_code == 200 and r.json()["title"] == "파란 양산 팝니다"
    found = client.get("/api/v1/listings/search", params={"q": "양산"}, headers=viewer.auth).json()
    assert item["id"] in [i["id"] for i in found["items"]]
    gone = client.get("/api/v1/listings/search", params={"q": "우산"}, headers=viewer.auth).json()
    assert item["id"] not in [i["id"] for i in gone["items"]]
    other = client.put(
        f"/api/v1/listings/{item['id']}",
        json={"title": "남의 글", "category": "other", "price": 1},
        headers=viewer.auth,
    )
    assert other.status_code == 404


def test_likes_and_views(client: httpx.Client, resident: Make) -> None:
    seller = resident("논현동", level=1)
    item = post(client, seller)
    url = f"/api/v1/listings/{item['id']}"
    fan = resident("역삼동", level=1)
    assert client.put(f"{url}/like", headers=fan.auth).status_code == 204
    assert client.put(f"{url}/like", headers=fan.auth).status_code == 204  # idempotent
    detail = client.get(url, headers=fan.auth).json()
    assert detail["like_count"] == 1 and detail["liked"] is True
    assert [c["id"] for c in client.get("/api/v1/me/likes", headers=fan.auth).json()] == [
        item["id"]
    ]
    assert client.put(f"{url}/like", headers=seller.auth).status_code == 403
    assert client.delete(f"{url}/like", headers=fan.auth).status_code == 204
    assert client.get(url, headers=fan.auth).json()["like_count"] == 0
    # Views count once per person per day; the seller's own views do not count.
    client.get(url, headers=fan.auth)
    client.get(url, headers=seller.auth)
    assert client.get(url, headers=seller.auth).json()["view_count"] == 1


def test_photos_are_stripped_of_every_location_and_device_tag(
    client: httpx.Client, resident: Make
) -> None:
    seller = resident("논현동")
    original = jpeg_with_gps()
    assert Image.open(__import__("io").BytesIO(original)).getexif().get(0x8825)  # the input has GPS
    up = client.post(
        "/api/v1/photos",
        files={"file": ("IMG_0001.jpg", original, "image/jpeg")},
        headers=seller.auth,
    )
    assert up.status_code == 201, up.text
    photo = up.json()
    item = post(client, seller, photo_ids=[photo["id"]])
    assert item["photos"][0]["id"] == photo["id"]
    assert item["thumb_url"] == photo["thumb_url"]
    for key in ("url", "large_url", "thumb_url"):
        data = client.get(photo[key]).content
        assert b"Exif" not in data and b"GPS" not in data and b"PhoneMaker" not in data
        assert not Image.open(__import__("io").BytesIO(data)).getexif()
    not_an_image = client.post(
        "/api/v1/photos",
        files={"file": ("x.jpg", b"<html>hello</html>", "image/jpeg")},
        headers=seller.auth,
    )
    assert not_an_image.status_code in (415, 422)
    assert not_an_image.json()["detail"] == "JPEG, PNG, WebP 사진만 올릴 수 있어요."
    # Someone else's photo cannot be attached.
    other = resident("논현동")
    r = client.post(
        "/api/v1/listings",
        json={"title": "남의 사진", "category": "other", "price": 1, "photo_ids": [photo["id"]]},
        headers=other.auth,
    )
    assert r.status_code == 422


def test_related_listings(client: httpx.Client, resident: Make) -> None:
    seller = resident("논현동", level=0)
    a = post(client, seller, category="sports")
    b = post(client, seller, category="sports")
    neighbour = resident("논현동", level=0)
    c = post(client, neighbour, category="sports")
    viewer = resident("논현동", level=0)
    related = client.get(f"/api/v1/listings/{a['id']}/related", headers=viewer.auth).json()
    others = [card["id"] for card in related["seller_others"]]
    similar = [card["id"] for card in related["similar"]]
    assert b["id"] in others and a["id"] not in others
    # Similar ones nearby, not the listing itself nor again the seller's others.
    assert c["id"] in similar
    assert a["id"] not in similar and b["id"] not in similar


def test_pages_that_need_a_verification_say_so(client: httpx.Client, resident: Make) -> None:
    item = post(client, resident("역삼동"))
    acc = signup(client)
    for method, url in (
        ("GET", "/listings/new"),
        ("GET", "/businesses/new"),
        ("POST", f"/listings/{item['id']}/chat"),
    ):
        r = client.request(method, url, headers={**acc.auth, "Accept": "text/html"})
        assert r.status_code == 403, (url, r.text[:300])
        assert 'data-testid="verify-needed"' in r.text
        assert "동네 인증이 필요해요. 내 동네에서 위치를 인증해 주세요." in r.text
        assert "인증은 30일 동안 유지돼요" in r.text
