"""Business reviews (비즈프로필 후기) over HTTP: who may write one, one per
person (writing again edits it), the shop's reply under the replier's name,
deleting, 문의한 고객, blocks, keyset pages, events, and bad input refused
without changing anything."""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.business.test_business_api import verified_shop
from tests.conftest import Account, DatabaseUnderTest, query, signup, unique
from tests.listings.conftest import Resident
from tests.trust.test_moderation_api import act, make_operator, report

Make = Callable[..., Resident]
NOT_NEIGHBOUR = "이 가게 근처 동네를 인증한 이웃만 후기를 남길 수 있어요."
REVIEW_NAMES = (
    "business_review_written",
    "business_review_edited",
    "business_review_deleted",
    "business_review_replied",
)


def url(shop: dict[str, object], rest: str = "") -> str:
    return f"/api/v1/businesses/{shop['id']}/reviews{rest}"


def write(client: httpx.Client, shop: dict[str, object], who: Account, body: str) -> httpx.Response:
    return client.post(url(shop), json={"content": body}, headers=who.auth)


def listing(
    client: httpx.Client, shop: dict[str, object], who: Account | None = None, **params: object
) -> dict[str, object]:
    r = client.get(url(shop), params=params, headers=who.auth if who else {})
    assert r.status_code == 200, r.text
    return dict(r.json())


def review_events(
    database: DatabaseUnderTest, shop: dict[str, object]
) -> list[tuple[str, dict[str, object]]]:
    rows = query(
        database,
        "SELECT name, properties FROM events WHERE name IN "
        "('business_review_written', 'business_review_edited', "
        "'business_review_deleted', 'business_review_replied') ORDER BY id",
    )
    found = []
    for name, props in rows:
        data = json.loads(props) if isinstance(props, str) else props
        if isinstance(data, dict) and data.get("business_id") == shop["id"]:
            found.append((str(name), data))
    return found


def test_a_neighbour_in_range_reviews_edits_gets_a_reply_and_deletes(
    client: httpx.Client, resident: Make, database: DatabaseUnderTest
) -> None:
    owner = resident()
    shop = verified_shop(client, owner)
    neighbour = resident("논현동", level=1)  # 논현동's range (≤ 2 km) covers 역삼동
    text = f"소금빵이 정말 맛있어요 {unique('')}"

    r = write(client, shop, neighbour, text)
    assert r.status_code == 201, r.text
    review = r.json()
    assert review["content"] == text and review["mine"] is True
    assert review["author"] == {"id": neighbour.id, "nickname": neighbour.nickname}
    assert review["reply"] is None and review["edited"] is False and review["inquired"] is False

    page = listing(client, shop, neighbour)
    assert page["count"] == 1 and [i["id"] for i in page["items"]] == [review["id"]]
    assert page["can_write"] is True and page["cannot_write_reason"] is None
    assert page["my_review"]["id"] == review["id"]  # type: ignore[index]
    # The profile's section shows it to anyone, signed in or not.
    section = client.get(f"/businesses/{shop['id']}/reviews/section")
    assert section.status_code == 200 and text in section.text
    assert "1개" in section.text

    # Writing again edits the one review.
    edited_text = "다시 가 보니 크루아상도 맛있어요."
    r = write(client, shop, neighbour, edited_text)
    assert r.status_code == 200, r.text
    assert r.json()["id"] == review["id"] and r.json()["edited"] is True
    page = listing(client, shop)
    assert page["count"] == 1 and page["items"][0]["content"] == edited_text  # type: ignore[index]
    assert write(client, shop, neighbour, edited_text).status_code == 200  # no change, no event

    # The owner replies once, and edits the reply; the reply shows with the review.
    reply_url = url(shop, f"/{review['id']}/reply")
    r = client.put(reply_url, json={"content": "감사합니다!"}, headers=owner.auth)
    assert r.status_code == 200, r.text
    assert r.json()["reply"]["content"] == "감사합니다!"
    assert r.json()["reply"]["author_nickname"] == owner.nickname
    assert r.json()["reply"]["author_role"] == "owner"
    r = client.put(reply_url, json={"content": "또 오세요, 감사합니다!"}, headers=owner.auth)
    assert r.status_code == 200
    shown = listing(client, shop)["items"][0]  # type: ignore[index]
    assert shown["reply"]["content"] == "또 오세요, 감사합니다!"
    section = client.get(f"/businesses/{shop['id']}/reviews/section").text
    assert "또 오세요, 감사합니다!" in section and 'data-testid="reply-form"' not in section
    owner_view = client.get(f"/businesses/{shop['id']}/reviews/section", headers=owner.auth).text
    assert 'data-testid="reply-form"' in owner_view
    for stranger in (neighbour, resident("논현동")):
        r = client.put(reply_url, json={"content": "제가 답할게요"}, headers=stranger.auth)
        assert r.status_code == 403, r.text

    # Only the author deletes it; the reply goes with it.
    assert client.delete(url(shop, f"/{review['id']}"), headers=owner.auth).status_code == 403
    assert client.delete(url(shop, f"/{review['id']}"), headers=neighbour.auth).status_code == 204
    assert client.delete(url(shop, f"/{review['id']}"), headers=neighbour.auth).status_code == 404
    page = listing(client, shop, neighbour)
    assert page["count"] == 0 and page["items"] == [] and page["my_review"] is None
    assert client.get(url(shop, f"/{review['id']}")).status_code == 404

    names = [(n, p.get("review_id"), p.get("edited")) for n, p in review_events(database, shop)]
    assert names == [
        ("business_review_written", review["id"], None),
        ("business_review_edited", review["id"], None),
        ("business_review_replied", review["id"], False),
        ("business_review_replied", review["id"], True),
        ("business_review_deleted", review["id"], None),
    ]
    for _name, props in review_events(database, shop):
        assert not any(isinstance(v, str) and ("빵" in v or "감사" in v) for v in props.values())


def test_far_away_people_the_owner_staff_and_the_unverified_are_refused(
    client: httpx.Client, resident: Make, database: DatabaseUnderTest
) -> None:
    owner = resident()
    shop = verified_shop(client, owner)
    far = resident("수원 인계동", level=3)  # about 27 km away: 인계동's range does not reach
    busan = resident("해운대 우동", level=3)
    staff = resident()
    query(
        database,
        "INSERT INTO business_members (business_id, user_id, role, created_at) "
        "VALUES (:b, :u, 'staff', CURRENT_TIMESTAMP)",
        b=shop["id"],
        u=staff.id,
    )
    unverified = signup(client)
    cases = [
        (far, NOT_NEIGHBOUR),
        (busan, NOT_NEIGHBOUR),
        (unverified, NOT_NEIGHBOUR),
        (owner, "내 가게에는 후기를 남길 수 없어요."),
        (staff, "내 가게에는 후기를 남길 수 없어요."),
    ]
    for who, message in cases:
        r = write(client, shop, who, "가게가 친절하고 좋아요. 추천해요!")
        assert r.status_code == 403, r.text
        assert r.json()["detail"] == message
        page = listing(client, shop, who)
        assert page["can_write"] is False and page["cannot_write_reason"] == message
    assert client.post(url(shop), json={"content": "로그인 없이 쓰는 후기예요."}).status_code == 401
    visitor = listing(client, shop)
    assert visitor["can_write"] is False and visitor["cannot_write_reason"]
    assert visitor["count"] == 0

    # The page says so too.
    page = client.get(f"/businesses/{shop['id']}/reviews/section", headers=far.auth)
    assert NOT_NEIGHBOUR in page.text and 'data-testid="review-form"' not in page.text
    assert review_events(database, shop) == []


def test_staff_reply_under_their_own_name(
    client: httpx.Client, resident: Make, database: DatabaseUnderTest
) -> None:
    owner = resident()
    shop = verified_shop(client, owner)
    staff = resident()
    query(
        database,
        "INSERT INTO business_members (business_id, user_id, role, created_at) "
        "VALUES (:b, :u, 'staff', CURRENT_TIMESTAMP)",
        b=shop["id"],
        u=staff.id,
    )
    neighbour = resident()
    review = write(client, shop, neighbour, "포장이 꼼꼼하고 친절해요.").json()
    r = client.put(
        url(shop, f"/{review['id']}/reply"), json={"content": "감사해요 :)"}, headers=staff.auth
    )
    assert r.status_code == 200, r.text
    assert r.json()["reply"]["author_nickname"] == staff.nickname
    assert r.json()["reply"]["author_role"] == "staff"
    ((name, props),) = review_events(database, shop)[1:]
    assert name == "business_review_replied" and props["by"] == "staff"


def test_a_suspended_neighbour_cannot_write_but_can_delete(
    client: httpx.Client, resident: Make, database: DatabaseUnderTest
) -> None:
    owner = resident()
    shop = verified_shop(client, owner)
    neighbour = resident()
    review = write(client, shop, neighbour, "가격도 착하고 맛있어요.").json()
    operator = make_operator(client, database)
    reporter = resident()
    r = report(client, reporter, "user", neighbour.id, reason="abuse")
    assert r.status_code == 201, r.text
    done = act(client, operator, r.json()["id"], action="suspend", policy="abuse", days=3)
    assert done.status_code == 201, done.text
    r = write(client, shop, neighbour, "정지된 계정으로 고쳐 봅니다.")
    assert r.status_code == 403 and "정지" in r.json()["detail"]
    assert listing(client, shop)["items"][0]["content"] == "가격도 착하고 맛있어요."  # type: ignore[index]
    assert client.delete(url(shop, f"/{review['id']}"), headers=neighbour.auth).status_code == 204


def test_inquiring_customers_are_marked_and_blocked_people_are_hidden(
    client: httpx.Client, resident: Make
) -> None:
    owner = resident()
    shop = verified_shop(client, owner)
    customer, quiet, viewer = resident(), resident(), resident()
    c = client.post(f"/api/v1/businesses/{shop['id']}/inquiries", headers=customer.auth)
    assert c.status_code == 201, c.text
    m = client.post(
        f"/api/v1/inquiries/{c.json()['id']}/messages",
        json={"client_id": unique("c"), "body": "주말에도 여나요?"},
        headers=customer.auth,
    )
    assert m.status_code == 201, m.text
    # Pressing 문의하기 without writing anything does not count.
    assert (
        client.post(f"/api/v1/businesses/{shop['id']}/inquiries", headers=quiet.auth).status_code
        == 201
    )
    first = write(client, shop, customer, "문의에 빨리 답해 주셨어요.").json()
    second = write(client, shop, quiet, "분위기가 좋은 가게예요.").json()
    assert first["inquired"] is True and second["inquired"] is False
    marks = {i["id"]: i["inquired"] for i in listing(client, shop)["items"]}  # type: ignore[union-attr]
    assert marks == {first["id"]: True, second["id"]: False}

    # The viewer blocks the customer: their review disappears for the viewer only.
    assert client.post(f"/api/v1/users/{customer.id}/block", headers=viewer.auth).status_code == 204
    seen = listing(client, shop, viewer)
    assert [i["id"] for i in seen["items"]] == [second["id"]] and seen["count"] == 1  # type: ignore[union-attr]
    assert client.get(url(shop, f"/{first['id']}"), headers=viewer.auth).status_code == 404
    assert listing(client, shop, owner)["count"] == 2


def test_pages_are_newest_first_by_keyset(client: httpx.Client, resident: Make) -> None:
    owner = resident()
    shop = verified_shop(client, owner)
    ids = [
        write(client, shop, resident(), f"{n}번째 후기를 남겨요.").json()["id"] for n in range(3)
    ]
    first = listing(client, shop, limit=2)
    assert [i["id"] for i in first["items"]] == ids[::-1][:2]  # type: ignore[union-attr]
    assert first["count"] == 3 and first["next_cursor"]
    rest = listing(client, shop, limit=2, cursor=first["next_cursor"])
    assert [i["id"] for i in rest["items"]] == ids[:1] and rest["next_cursor"] is None  # type: ignore[union-attr]
    html = client.get(f"/businesses/{shop['id']}/reviews")
    assert html.status_code == 200
    assert html.text.index("2번째 후기") < html.text.index("0번째 후기")


def test_bad_input_is_a_clear_422_and_changes_nothing(
    client: httpx.Client, resident: Make, database: DatabaseUnderTest
) -> None:
    owner = resident()
    shop = verified_shop(client, owner)
    neighbour = resident()
    review = write(client, shop, neighbour, "처음 쓴 후기는 그대로예요.").json()
    before = review_events(database, shop)
    for body, message in [
        ({"content": "짧아요"}, "후기는 10~500자로 써 주세요."),
        ({"content": "   공백만   많은  \n"}, "후기는 10~500자로 써 주세요."),
        ({"content": "가" * 501}, "후기는 10~500자로 써 주세요."),
        ({}, "필수 항목입니다."),
        ({"content": 12345678901}, "문자열을 입력해 주세요."),
        ({"content": "충분히 긴 후기입니다.", "stars": 5}, "알 수 없는 항목입니다."),
    ]:
        r = client.post(url(shop), json=body, headers=neighbour.auth)
        assert r.status_code == 422, (body, r.text)
        assert r.json()["detail"] == "입력값을 확인해 주세요."
        assert message in [e["message"] for e in r.json()["errors"]], (body, r.json())
    r = write(client, shop, neighbour, "짧아요")
    assert r.json()["errors"] == [{"field": "content", "message": "후기는 10~500자로 써 주세요."}]
    reply_url = url(shop, f"/{review['id']}/reply")
    for body in ({"content": ""}, {"content": "  "}, {"content": "가" * 501}, {"text": "감사"}):
        r = client.put(reply_url, json=body, headers=owner.auth)
        assert r.status_code == 422, (body, r.text)
    r = client.put(reply_url, json={"content": ""}, headers=owner.auth)
    assert r.json()["errors"][0]["message"] == "답글은 1~500자로 써 주세요."
    r = client.get(url(shop), params={"cursor": "not-a-cursor"})
    assert r.status_code == 422
    assert r.json()["detail"] == "잘못된 페이지 정보예요. 처음부터 다시 불러와 주세요."
    # Unknown ids are 404s, for every verb.
    missing = {"id": 10**12}
    assert client.get(url(missing)).status_code == 404
    assert write(client, missing, neighbour, "없는 가게에 쓰는 후기예요.").status_code == 404
    assert client.delete(url(missing, "/1"), headers=neighbour.auth).status_code == 404
    assert (
        client.put(url(missing, "/1/reply"), json={"content": "네"}, headers=owner.auth).status_code
        == 404
    )
    assert (
        client.put(
            url(shop, "/999999999/reply"), json={"content": "네"}, headers=owner.auth
        ).status_code
        == 404
    )
    page = listing(client, shop)
    assert page["count"] == 1 and page["items"][0]["content"] == "처음 쓴 후기는 그대로예요."  # type: ignore[index]
    assert page["items"][0]["reply"] is None  # type: ignore[index]
    assert review_events(database, shop) == before

    # The page's form says what is wrong, keeps the text, and changes nothing.
    r = client.post(
        f"/businesses/{shop['id']}/reviews",
        data={"content": "짧아", "back": "list"},
        headers=neighbour.auth,
        follow_redirects=False,
    )
    assert r.status_code == 422
    assert 'data-error-for="content">후기는 10~500자로 써 주세요.' in r.text and "짧아" in r.text
    assert review_events(database, shop) == before


def test_the_forms_write_edit_reply_and_delete_without_scripts(
    client: httpx.Client, resident: Make
) -> None:
    owner = resident()
    shop = verified_shop(client, owner)
    neighbour = resident()
    base = f"/businesses/{shop['id']}/reviews"

    def form(who: Resident, path: str, **data: str) -> httpx.Response:
        return client.post(path, data=data, headers=who.auth, follow_redirects=False)

    r = form(neighbour, base, content="빵이 맛있고 사장님이 친절해요.")
    assert r.status_code == 303 and r.headers["location"] == f"/businesses/{shop['id']}#reviews"
    section = client.get(f"{base}/section", headers=neighbour.auth).text
    assert "빵이 맛있고 사장님이 친절해요." in section and "내 후기 고치기" in section
    r = form(neighbour, base, content="빵이 맛있고 사장님이 정말 친절해요.", back="list")
    assert r.status_code == 303 and r.headers["location"] == base
    (item,) = listing(client, shop)["items"]  # type: ignore[misc]
    assert item["content"] == "빵이 맛있고 사장님이 정말 친절해요."
    r = form(owner, f"{base}/{item['id']}/reply", content="", back="list")
    assert r.status_code == 422 and "답글은 1~500자로 써 주세요." in r.text
    r = form(owner, f"{base}/{item['id']}/reply", content="고맙습니다!", back="list")
    assert r.status_code == 303 and r.headers["location"] == f"{base}#review-{item['id']}"
    assert "고맙습니다!" in client.get(base).text
    r = form(owner, base, content="내 가게 칭찬을 써 봅니다.")
    assert r.status_code == 403 and "내 가게에는 후기를 남길 수 없어요." in r.text
    r = form(neighbour, f"{base}/{item['id']}/reply", content="제가 대신 답해요")
    assert r.status_code == 403 and "가게 사람만 할 수 있어요." in r.text
    r = form(neighbour, f"{base}/{item['id']}/delete")
    assert r.status_code == 303
    assert listing(client, shop)["count"] == 0


def test_writing_at_once_from_several_tabs_makes_one_review(
    client: httpx.Client, resident: Make, database: DatabaseUnderTest
) -> None:
    owner = resident()
    shop = verified_shop(client, owner)
    neighbour = resident()
    target = f"{client.base_url}{url(shop)}"

    def press(_: int) -> int:
        with httpx.Client(timeout=30, headers=client.headers) as c:
            r = c.post(
                target,
                json={"content": "여러 탭에서 한 번에 보낸 후기예요."},
                headers=neighbour.auth,
            )
            return r.status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        codes = sorted(pool.map(press, range(6)))
    assert codes == [200] * 5 + [201]
    assert listing(client, shop)["count"] == 1
    assert [n for n, _ in review_events(database, shop)] == ["business_review_written"]
