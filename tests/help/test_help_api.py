"""The help centre over HTTP: operators write FAQ articles; everyone reads and
searches them with the listings' Korean search."""

from __future__ import annotations

import json

import httpx

from tests.conftest import Account, DatabaseUnderTest, query, signup, unique


def make_operator(client: httpx.Client, database: DatabaseUnderTest) -> Account:
    who = signup(client)
    query(database, "UPDATE users SET role = 'operator' WHERE id = :id", id=who.id)
    return who


def write(client: httpx.Client, who: Account, **fields: object) -> httpx.Response:
    body: dict[str, object] = {"category": "trade", "title": "제목", "content": "내용"}
    body.update(fields)
    return client.post("/api/v1/help/articles", json=body, headers=who.auth)


def search(client: httpx.Client, q: str, who: Account | None = None) -> list[int]:
    r = client.get("/api/v1/help/articles", params={"q": q}, headers=who.auth if who else {})
    assert r.status_code == 200, r.text
    return [a["id"] for a in r.json()]


def test_only_operators_write_and_bad_articles_are_refused(
    client: httpx.Client, database: DatabaseUnderTest
) -> None:
    user = signup(client)
    r = write(client, user, title="거래 사기를 당했어요")
    assert r.status_code == 403 and r.json()["detail"] == "운영자만 볼 수 있습니다."
    op = make_operator(client, database)
    cases = [
        ({"title": "가"}, "title", "제목은 2~100자로 입력해 주세요."),
        ({"category": "gossip"}, "category", "분류를 선택해 주세요."),
        ({"content": "   "}, "content", "내용은 1~10,000자로 입력해 주세요."),
        ({"content": "가" * 10001}, "content", "내용은 1~10,000자로 입력해 주세요."),
    ]
    before = query(database, "SELECT count(*) FROM faq_articles")[0][0]
    for fields, field, message in cases:
        r = write(client, op, **fields)
        assert r.status_code == 422, (fields, r.text)
        errors = {e["field"]: e["message"] for e in r.json()["errors"]}
        assert errors.get(field) == message, (fields, errors)
    assert query(database, "SELECT count(*) FROM faq_articles")[0][0] == before


def test_korean_search_finds_articles_the_way_listing_search_finds_listings(
    client: httpx.Client, database: DatabaseUnderTest
) -> None:
    op = make_operator(client, database)
    tag = unique("z")  # a word only this test's articles contain
    fraud = write(
        client,
        op,
        category="safety",
        title=f"거래 사기가 의심될 때 {tag}",
        content="선입금을 요구하면 거래를 멈추고 신고해 주세요.",
    ).json()
    verify = write(
        client,
        op,
        category="account",
        title=f"동네인증이 안 돼요 {tag}",
        content="GPS를 켜고 다시 시도해 주세요.",
    ).json()
    draft = write(
        client, op, title=f"사기 예방 초안 {tag}", content="작성 중", is_published=False
    ).json()

    assert search(client, f"사기 {tag}") == [fraud["id"]]  # the draft is hidden
    assert set(search(client, f"사기 {tag}", op)) == {
        fraud["id"],
        draft["id"],
    }  # operators see drafts
    assert search(client, f"동네 인증 {tag}") == [verify["id"]]  # spacing does not matter
    assert search(client, f"사기를 {tag}") == []  # every term must be present…
    assert search(client, f"선입금 {tag}") == [fraud["id"]]  # …body words count too
    assert search(client, f"ㅅㄱ {tag}") == [fraud["id"]]  # 초성 from titles
    assert search(client, f"안전 {tag}") == [fraud["id"]]  # the category's name
    assert search(client, f"gps {tag}") == [verify["id"]]  # Latin, any case
    searched = [
        json.loads(p) if isinstance(p, str) else p
        for (p,) in query(database, "SELECT properties FROM events WHERE name = 'faq_searched'")
    ]
    assert any(p["result_count"] == 0 for p in searched)  # unmet questions are recorded

    # Reading counts a view; a draft is 404 for everyone but operators.
    r = client.get(f"/api/v1/help/articles/{fraud['id']}")
    assert r.status_code == 200 and r.json()["view_count"] == 1
    assert client.get(f"/api/v1/help/articles/{draft['id']}").status_code == 404
    assert client.get(f"/api/v1/help/articles/{draft['id']}", headers=op.auth).status_code == 200

    # Editing re-indexes: the old words no longer find it, the new ones do.
    body = {
        "category": "safety",
        "title": f"직거래 안전 수칙 {tag}",
        "content": "밝은 곳에서 만나요.",
    }
    r = client.put(f"/api/v1/help/articles/{fraud['id']}", json=body, headers=op.auth)
    assert r.status_code == 200, r.text
    assert search(client, f"선입금 {tag}") == []
    assert search(client, f"직거래 {tag}") == [fraud["id"]]
    names = {
        row[0] for row in query(database, "SELECT name FROM events WHERE user_id = :u", u=op.id)
    }
    assert {"faq_article_created", "faq_article_edited"} <= names


def test_listing_by_category_and_bad_queries(
    client: httpx.Client, database: DatabaseUnderTest
) -> None:
    op = make_operator(client, database)
    made = write(client, op, category="business", title=f"비즈프로필 만들기 {unique('')}").json()
    listed = client.get("/api/v1/help/articles", params={"category": "business"}).json()
    assert made["id"] in [a["id"] for a in listed]
    assert all(a["category"] == "business" for a in listed)
    r = client.get("/api/v1/help/articles", params={"category": "nope"})
    assert r.status_code == 422 and r.json()["errors"][0]["message"] == "분류를 선택해 주세요."
    assert client.get("/api/v1/help/articles", params={"q": "가" * 101}).status_code == 422
    assert client.get("/api/v1/help/articles/987654321").status_code == 404
    r = client.put(
        "/api/v1/help/articles/987654321",
        json={"category": "trade", "title": "제목", "content": "내용"},
        headers=op.auth,
    )
    assert r.status_code == 404
