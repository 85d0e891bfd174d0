"""Business profiles over HTTP: opening one, proving the shop's location, hours,
staff invitations, 단골 and news in the feeds of neighbours in range."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlsplit

import httpx
from PIL import Image

from tests.conftest import Account, DatabaseUnderTest, Mailbox, query, signup, unique
from tests.listings.conftest import PLACES, Resident

Make = Callable[..., Resident]
YEOKSAM_ID, YEOKSAM_LAT, YEOKSAM_LON = PLACES["역삼동"]


def open_shop(client: httpx.Client, owner: Account, **fields: object) -> dict[str, object]:
    body: dict[str, object] = {
        "name": fields.pop("name", f"동네빵집 {unique('')}"),
        "category": fields.pop("category", "cafe"),
        "description": "매일 아침 굽는 빵",
        "address": "서울 강남구 역삼동 1-1",
    }
    body.update(fields)
    r = client.post("/api/v1/businesses", json=body, headers=owner.auth)
    assert r.status_code == 201, r.text
    return dict(r.json())


def verified_shop(client: httpx.Client, owner: Account, **fields: object) -> dict[str, object]:
    shop = open_shop(client, owner, **fields)
    r = client.post(
        f"/api/v1/businesses/{shop['id']}/verify",
        json={"latitude": YEOKSAM_LAT, "longitude": YEOKSAM_LON},
        headers=owner.auth,
    )
    assert r.status_code == 200, r.text
    return dict(r.json())


def news_ids(client: httpx.Client, who: Account | None, **params: object) -> list[int]:
    r = client.get("/api/v1/news/feed", params=params, headers=who.auth if who else {})
    assert r.status_code == 200, r.text
    return [item["id"] for item in r.json()["items"]]


def events(database: DatabaseUnderTest, name: str, business_id: object) -> list[dict[str, object]]:
    rows = query(database, "SELECT properties FROM events WHERE name = :n", n=name)
    found = []
    for (props,) in rows:
        data = json.loads(props) if isinstance(props, str) else props
        if isinstance(data, dict) and data.get("business_id") == business_id:
            found.append(data)
    return found


def test_opening_a_profile_needs_a_verified_neighbourhood(client: httpx.Client) -> None:
    acc = signup(client)
    r = client.post(
        "/api/v1/businesses", json={"name": "동네빵집", "category": "cafe"}, headers=acc.auth
    )
    assert r.status_code == 403
    assert r.json()["detail"] == "동네 인증이 필요해요. 내 동네에서 위치를 인증해 주세요."
    assert (
        client.post("/api/v1/businesses", json={"name": "동네빵집", "category": "cafe"}).status_code
        == 401
    )


def test_bad_profiles_are_refused_field_by_field_and_nothing_is_created(
    client: httpx.Client, resident: Make, database: DatabaseUnderTest
) -> None:
    owner = resident()
    cases = [
        ({"name": "빵", "category": "cafe"}, "name", "가게 이름은 2~40자로 입력해 주세요."),
        ({"name": "동네빵집", "category": "casino"}, "category", "업종을 선택해 주세요."),
        (
            {"name": "동네빵집", "category": "cafe", "phone": "call me"},
            "phone",
            "전화번호는 숫자와 -로 입력해 주세요. (예: 02-123-4567)",
        ),
        (
            {"name": "동네빵집", "category": "cafe", "show_phone": True},
            "",
            "전화번호를 보여 주려면 전화번호를 입력해 주세요.",
        ),
        (
            {"name": "동네빵집", "category": "cafe", "price_list": [{"name": "", "price": 1}]},
            "price_list.0.name",
            "메뉴 이름은 1~40자로 입력해 주세요.",
        ),
        (
            {"name": "동네빵집", "category": "cafe", "price_list": [{"name": "식빵", "price": -5}]},
            "price_list.0.price",
            "0 이상이어야 합니다.",
        ),
        (
            {"name": "동네빵집", "category": "cafe", "photo_ids": [987654321]},
            "photo_ids",
            "올린 사진을 찾을 수 없어요. 다시 올려 주세요.",
        ),
        (
            {"name": "동네빵집", "category": "cafe", "neighbourhood_id": "9999999999"},
            "neighbourhood_id",
            "알 수 없는 동네입니다.",
        ),
    ]
    for body, field, message in cases:
        r = client.post("/api/v1/businesses", json=body, headers=owner.auth)
        assert r.status_code in (404, 422), (body, r.text)
        errors = {e["field"]: e["message"] for e in r.json().get("errors", [])}
        assert errors.get(field) == message, (body, r.json())
    count = query(database, "SELECT count(*) FROM businesses WHERE created_by = :u", u=owner.id)
    assert count[0][0] == 0


def test_profile_with_photo_and_price_list_and_a_phone_only_when_shown(
    client: httpx.Client, resident: Make, database: DatabaseUnderTest
) -> None:
    owner = resident()
    buf = io.BytesIO()
    Image.new("RGB", (800, 600), (120, 60, 20)).save(buf, "JPEG")
    photo = client.post(
        "/api/v1/photos",
        files={"file": ("shop.jpg", buf.getvalue(), "image/jpeg")},
        headers=owner.auth,
    )
    assert photo.status_code == 201, photo.text
    shop = open_shop(
        client,
        owner,
        phone="02-555-1234",
        photo_ids=[photo.json()["id"]],
        price_list=[
            {"name": "소금빵", "price": 3500},
            {"name": "식빵", "price": 5000, "note": "오전만"},
        ],
    )
    assert shop["neighbourhood"] == {"id": YEOKSAM_ID, "name": "역삼동"}
    assert shop["is_verified"] is False
    assert shop["my_role"] == "owner"
    assert shop["phone"] == "02-555-1234"  # the owner sees it
    assert [p["name"] for p in shop["price_list"]] == ["소금빵", "식빵"]
    assert shop["price_list"][1]["note"] == "오전만"
    assert shop["thumb_url"] and len(shop["photos"]) == 1
    assert shop["can_message"] is False  # 문의하기 waits for the inbox

    visitor = client.get(f"/api/v1/businesses/{shop['id']}").json()
    assert visitor["phone"] is None and visitor["my_role"] is None
    body = {"name": shop["name"], "category": "cafe", "phone": "02-555-1234", "show_phone": True}
    r = client.put(f"/api/v1/businesses/{shop['id']}", json=body, headers=owner.auth)
    assert r.status_code == 200, r.text
    assert r.json()["price_list"] == [] and r.json()["photos"] == []  # replaced as sent
    assert client.get(f"/api/v1/businesses/{shop['id']}").json()["phone"] == "02-555-1234"
    assert events(database, "business_created", shop["id"])
    edited = events(database, "business_edited", shop["id"])[0]["fields"]
    assert edited == ["description", "address", "show_phone"]  # PUT replaces the whole profile

    stranger = resident()
    r = client.put(f"/api/v1/businesses/{shop['id']}", json=body, headers=stranger.auth)
    assert r.status_code == 403
    assert r.json()["detail"] == "가게 대표만 할 수 있어요."


def test_the_shop_is_verified_by_location_like_a_person(
    client: httpx.Client, resident: Make, database: DatabaseUnderTest
) -> None:
    owner = resident()
    shop = open_shop(client, owner)
    _, far_lat, far_lon = PLACES["해운대 우동"]
    r = client.post(
        f"/api/v1/businesses/{shop['id']}/verify",
        json={"latitude": far_lat, "longitude": far_lon},
        headers=owner.auth,
    )
    assert r.status_code == 422
    assert r.json()["detail"].startswith("현재 위치가 역삼동이(가) 아니에요.")
    r = client.post(
        f"/api/v1/businesses/{shop['id']}/verify",
        json={"latitude": 91, "longitude": 0},
        headers=owner.auth,
    )
    assert r.status_code == 422
    r = client.post(
        f"/api/v1/businesses/{shop['id']}/verify",
        json={"latitude": YEOKSAM_LAT, "longitude": YEOKSAM_LON},
        headers=owner.auth,
    )
    assert r.status_code == 200 and r.json()["is_verified"] is True
    assert events(database, "business_verified", shop["id"])
    # Moving the shop needs a new proof.
    body = {"name": shop["name"], "category": "cafe", "neighbourhood_id": PLACES["논현동"][0]}
    moved = client.put(f"/api/v1/businesses/{shop['id']}", json=body, headers=owner.auth).json()
    assert moved["is_verified"] is False and moved["neighbourhood"]["name"] == "논현동"


def test_hours_with_breaks_overnight_ranges_and_holidays(
    client: httpx.Client, resident: Make, database: DatabaseUnderTest
) -> None:
    owner = resident()
    shop = open_shop(client, owner)
    url = f"/api/v1/businesses/{shop['id']}/hours"
    body = {
        "ranges": [
            {"weekday": 0, "opens": "09:00", "closes": "12:00"},
            {"weekday": 0, "opens": "13:00", "closes": "18:00"},
            {"weekday": 4, "opens": "18:00", "closes": "02:00"},
        ],
        "holidays": ["2099-12-25", "2099-01-01", "2099-12-25"],
    }
    r = client.put(url, json=body, headers=owner.auth)
    assert r.status_code == 200, r.text
    hours = r.json()
    assert [(h["weekday"], h["opens"], h["closes"], h["overnight"]) for h in hours["ranges"]] == [
        (0, "09:00", "12:00", False),
        (0, "13:00", "18:00", False),
        (4, "18:00", "02:00", True),
    ]
    assert hours["holidays"] == ["2099-01-01", "2099-12-25"]
    assert hours["until"] is not None  # open now or opening within a week
    assert client.get(url).json() == hours
    assert events(database, "business_hours_set", shop["id"])[0]["ranges"] == 3

    bad = [
        (
            {"ranges": [{"weekday": 0, "opens": "9시", "closes": "18:00"}]},
            "시간은 00:00~24:00 형식으로 입력해 주세요.",
        ),
        (
            {
                "ranges": [
                    {"weekday": 2, "opens": "09:00", "closes": "13:00"},
                    {"weekday": 2, "opens": "12:00", "closes": "18:00"},
                ]
            },
            "영업시간이 서로 겹쳐요.",
        ),
        ({"ranges": [{"weekday": 7, "opens": "09:00", "closes": "18:00"}]}, "6 이하여야 합니다."),
        ({"holidays": ["내일"]}, None),
    ]
    for payload, message in bad:
        r = client.put(url, json=payload, headers=owner.auth)
        assert r.status_code == 422, (payload, r.text)
        if message:
            assert message in [e["message"] for e in r.json()["errors"]], r.json()
    assert len(client.get(url).json()["ranges"]) == 3  # unchanged
    assert client.put(url, json=body, headers=resident().auth).status_code == 403


def test_news_reaches_neighbours_in_range_and_followers_are_counted(
    client: httpx.Client, resident: Make, database: DatabaseUnderTest
) -> None:
    owner = resident("역삼동")
    shop = open_shop(client, owner)
    post_url = f"/api/v1/businesses/{shop['id']}/posts"
    r = client.post(post_url, json={"title": "오늘 소금빵 나왔어요"}, headers=owner.auth)
    assert r.status_code == 409  # not verified yet
    assert "가게 위치 인증" in r.json()["detail"]
    verified_shop_ = client.post(
        f"/api/v1/businesses/{shop['id']}/verify",
        json={"latitude": YEOKSAM_LAT, "longitude": YEOKSAM_LON},
        headers=owner.auth,
    )
    assert verified_shop_.status_code == 200
    r = client.post(
        post_url,
        json={"title": "오늘 소금빵 나왔어요", "content": "오후 3시까지"},
        headers=owner.auth,
    )
    assert r.status_code == 201, r.text
    post = r.json()
    assert post["business"]["id"] == shop["id"] and post["title"] == "오늘 소금빵 나왔어요"
    assert client.post(post_url, json={"title": "빵"}, headers=owner.auth).status_code == 422

    neighbour = resident("논현동", level=1)  # 논현동's range (≤ 2 km) covers 역삼동
    far = resident("수원 인계동", level=3)
    assert post["id"] in news_ids(client, neighbour)
    assert post["id"] not in news_ids(client, far)
    assert post["id"] in news_ids(client, None, neighbourhood_id=YEOKSAM_ID)  # a visitor
    assert news_ids(client, None) == []  # a visitor who picked no neighbourhood

    follow_url = f"/api/v1/businesses/{shop['id']}/follow"
    assert client.put(follow_url, headers=neighbour.auth).status_code == 204
    assert client.put(follow_url, headers=neighbour.auth).status_code == 204  # idempotent
    seen = client.get(f"/api/v1/businesses/{shop['id']}", headers=neighbour.auth).json()
    assert seen["following"] is True and seen["follower_count"] == 1
    mine = client.get("/api/v1/me/following", headers=neighbour.auth).json()
    assert [b["id"] for b in mine] == [shop["id"]]
    r = client.put(follow_url, headers=owner.auth)
    assert r.status_code == 403 and r.json()["detail"] == "내 가게는 단골로 맺을 수 없어요."
    assert client.delete(follow_url, headers=neighbour.auth).status_code == 204
    assert client.get(f"/api/v1/businesses/{shop['id']}").json()["follower_count"] == 0
    assert len(events(database, "business_followed", shop["id"])) == 1
    assert len(events(database, "business_unfollowed", shop["id"])) == 1
    assert events(database, "business_post_created", shop["id"])[0]["post_id"] == post["id"]

    # A shop that moves away takes its news out of the old neighbours' feeds until verified there.
    body = {"name": shop["name"], "category": "cafe", "neighbourhood_id": PLACES["해운대 우동"][0]}
    assert (
        client.put(f"/api/v1/businesses/{shop['id']}", json=body, headers=owner.auth).status_code
        == 200
    )
    assert post["id"] not in news_ids(client, neighbour)
    # Deleted news disappear from the profile.
    assert client.delete(f"{post_url}/{post['id']}", headers=owner.auth).status_code == 204
    assert client.get(post_url).json()["items"] == []
    assert client.delete(f"{post_url}/{post['id']}", headers=owner.auth).status_code == 404


def test_staff_are_invited_by_email_and_act_for_the_shop(
    client: httpx.Client, resident: Make, database: DatabaseUnderTest, mailbox: Mailbox
) -> None:
    owner = resident()
    shop = verified_shop(client, owner)
    staff = signup(client)
    other = signup(client)
    inv_url = f"/api/v1/businesses/{shop['id']}/invitations"
    r = client.post(inv_url, json={"email": staff.email.upper()}, headers=owner.auth)
    assert r.status_code == 201, r.text
    invitation = r.json()
    assert invitation["email"] == staff.email.lower()
    again = client.post(inv_url, json={"email": staff.email}, headers=owner.auth).json()
    assert again["id"] == invitation["id"]  # one pending invitation per address
    assert (
        client.post(inv_url, json={"email": "not-an-email"}, headers=owner.auth).status_code == 422
    )
    assert client.post(inv_url, json={"email": other.email}, headers=staff.auth).status_code == 403

    # Each invitation sends a mail with a link; sending again makes the first link
    # useless. Signing up with the address proves nothing: holding the mail does.
    first, second = mailbox.wait_for(staff.email, 1), mailbox.wait_for(staff.email, 2)
    assert shop["name"] in str(second["Subject"])
    assert first.get_content() != second.get_content()
    accept = "/api/v1/business-invitations/accept"
    old, token = (
        invitation_token(mailbox, staff.email, 1),
        invitation_token(mailbox, staff.email, 2),
    )
    r = client.post(accept, json={"token": old}, headers=staff.auth)
    assert r.status_code == 404 and "새로운 초대 메일" in r.json()["detail"]
    for bad in ({"token": ""}, {}, {"token": "x" * 201}, {"token": token, "extra": 1}):
        assert client.post(accept, json=bad, headers=staff.auth).status_code == 422
    assert client.post(accept, json={"token": token}).status_code == 401
    listed = client.get(inv_url, headers=owner.auth).json()
    assert [(i["email"], i["mailed_at"] is not None) for i in listed] == [(staff.email, True)]
    r = client.post(accept, json={"token": token}, headers=staff.auth)
    assert r.status_code == 200 and r.json()["my_role"] == "staff"
    assert client.post(accept, json={"token": token}, headers=other.auth).status_code == 404
    people = client.get(f"/api/v1/businesses/{shop['id']}/members", headers=staff.auth).json()
    assert [(p["nickname"], p["role"]) for p in people] == [
        (owner.nickname, "owner"),
        (staff.nickname, "staff"),
    ]
    assert (
        client.get(f"/api/v1/businesses/{shop['id']}/members", headers=other.auth).status_code
        == 403
    )

    # Staff post news under their own name; only the owner edits the profile.
    r = client.post(
        f"/api/v1/businesses/{shop['id']}/posts",
        json={"title": "직원이 알려요"},
        headers=staff.auth,
    )
    assert r.status_code == 201
    body = {"name": "바뀐 이름", "category": "cafe"}
    assert (
        client.put(f"/api/v1/businesses/{shop['id']}", json=body, headers=staff.auth).status_code
        == 403
    )
    assert (
        client.delete(
            f"/api/v1/businesses/{shop['id']}/members/{owner.id}", headers=staff.auth
        ).status_code
        == 403
    )
    r = client.delete(f"/api/v1/businesses/{shop['id']}/members/{staff.id}", headers=owner.auth)
    assert r.status_code == 204
    assert (
        client.get(f"/api/v1/businesses/{shop['id']}/members", headers=staff.auth).status_code
        == 403
    )
    assert events(database, "staff_invited", shop["id"])
    assert len(events(database, "staff_invitation_mailed", shop["id"])) == 2
    assert events(database, "staff_joined", shop["id"])
    assert events(database, "staff_removed", shop["id"])[0]["member_id"] == staff.id
    # Invitations leave no address in the event log.
    assert all("email" not in e for e in events(database, "staff_invited", shop["id"]))

    # An owner's revoked invitation can no longer be accepted.
    third = signup(client)
    inv = client.post(inv_url, json={"email": third.email}, headers=owner.auth).json()
    token = invitation_token(mailbox, third.email)
    assert client.delete(f"{inv_url}/{inv['id']}", headers=owner.auth).status_code == 204
    assert client.post(accept, json={"token": token}, headers=third.auth).status_code == 404


def invitation_token(mailbox: Mailbox, address: str, count: int = 1) -> str:
    return parse_qs(urlsplit(mailbox.link(address, count)).query)["token"][0]


def test_unknown_ids_and_bad_cursors_are_clear_4xx(client: httpx.Client, resident: Make) -> None:
    who = resident()
    r = client.get("/api/v1/businesses/987654321")
    assert r.status_code == 404 and r.json()["detail"] == "가게를 찾을 수 없어요."
    assert client.put("/api/v1/businesses/987654321/follow", headers=who.auth).status_code == 404
    r = client.get("/api/v1/news/feed", params={"cursor": "!!!"}, headers=who.auth)
    assert r.status_code == 422
    assert client.get("/api/v1/businesses/abc").status_code == 422


def test_following_at_once_from_several_tabs_counts_once(
    client: httpx.Client, resident: Make
) -> None:
    owner = resident()
    shop = open_shop(client, owner)
    fan = resident()
    url = f"{client.base_url}/api/v1/businesses/{shop['id']}/follow"

    def press(_: int) -> int:
        with httpx.Client(timeout=30, headers=client.headers) as c:
            return c.put(url, headers=fan.auth).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(press, range(8)))
    assert codes == [204] * 8
    seen = client.get(f"/api/v1/businesses/{shop['id']}", headers=fan.auth).json()
    assert seen["following"] is True and seen["follower_count"] == 1


def test_news_of_people_blocked_either_way_stay_out_of_the_feed(
    client: httpx.Client, resident: Make, database: DatabaseUnderTest
) -> None:
    owner = resident("역삼동")
    shop = verified_shop(client, owner)
    r = client.post(
        f"/api/v1/businesses/{shop['id']}/posts", json={"title": "주말 할인"}, headers=owner.auth
    )
    post_id = r.json()["id"]
    neighbour = resident("역삼동")
    assert post_id in news_ids(client, neighbour)
    r = client.post(f"/api/v1/users/{owner.id}/block", headers=neighbour.auth)
    assert r.status_code == 204, r.text
    assert post_id not in news_ids(client, neighbour)
    assert post_id in news_ids(client, resident("역삼동"))  # others still see it
    seen = [
        json.loads(p) if isinstance(p, str) else p
        for (p,) in query(
            database,
            "SELECT properties FROM events WHERE name = 'news_viewed' AND user_id = :u ORDER BY id",
            u=neighbour.id,
        )
    ]
    assert [s["count"] for s in seen][-1] == len(news_ids(client, neighbour))
