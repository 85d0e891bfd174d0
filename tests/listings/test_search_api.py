"""Korean search and keyword alerts through the API, on the engine under test."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable

import httpx

from tests.conftest import DatabaseUnderTest, Server, query
from tests.listings.conftest import Resident, post, search_ids

Make = Callable[..., Resident]


def test_korean_search_finds_what_a_korean_user_means(client: httpx.Client, resident: Make) -> None:
    seller = resident("논현동", level=0)
    chair = post(client, seller, title="원목 의자 팝니다", category="furniture")
    laptop = post(client, seller, title="삼성노트북 갤럭시북", category="digital")
    bike = post(client, seller, title="자전거를 팝니다", category="sports")
    phone = post(client, seller, title="아이폰 15 프로 256기가", category="digital")
    iphone = post(client, seller, title="iPhone 13 mini", category="digital")
    gpu = post(client, seller, title="RTX4070 그래픽카드", category="digital")
    viewer = resident("논현동", level=0)
    cases = {
        "의자": chair,
        "원목의자": chair,
        "삼성 노트북": laptop,
        "자전거": bike,
        "아이폰 15": phone,
        "iphone": iphone,
        "RTX4070": gpu,
        "rtx 4070": gpu,
        "ㅇㅈ": chair,
    }
    for q, expected in cases.items():
        assert expected["id"] in search_ids(client, viewer, q), q
    assert chair["id"] not in search_ids(client, viewer, "자전거")
    assert phone["id"] not in search_ids(client, viewer, "아이폰 150")


def test_search_is_limited_to_the_range_and_ranks_title_matches_first(
    client: httpx.Client, resident: Make
) -> None:
    seller = resident("역삼동", level=0)
    in_title = post(client, seller, title="캠핑 의자 두 개", description="거의 새것")
    in_text = post(client, seller, title="캠핑 테이블", description="의자는 없어요")
    busan = resident("해운대 우동", level=3)
    assert in_title["id"] not in search_ids(client, busan, "캠핑")
    near = resident("역삼동", level=0)
    ranked = [
        i for i in search_ids(client, near, "캠핑 의자") if i in (in_title["id"], in_text["id"])
    ]
    assert ranked == [in_title["id"], in_text["id"]]


def search_page(
    client: httpx.Client, who: Resident, q: str, **params: object
) -> tuple[list[int], str | None]:
    r = client.get("/api/v1/listings/search", params={"q": q, **params}, headers=who.auth)
    assert r.status_code == 200, r.text
    body = r.json()
    return [item["id"] for item in body["items"]], body["next_cursor"]


def test_search_pages_by_relevance_then_recency_with_filters_and_blocks(
    client: httpx.Client, resident: Make
) -> None:
    # Three sellers: a new account may post ten listings an hour.
    sellers = [resident("논현동", level=0) for _ in range(3)]
    in_title = [
        int(post(client, sellers[n % 3], title=f"소나무 의자 {n}호", description=f"{n}번째")["id"])  # type: ignore[call-overload]
        for n in range(21)
    ]
    in_text = [
        int(
            post(client, sellers[n % 3], title=f"소나무 탁자 {n}호", description="의자 없어요")[
                "id"
            ]
        )  # type: ignore[call-overload]
        for n in range(3)
    ]
    speaker = post(client, sellers[0], title="소나무 의자 모양 스피커", category="digital")
    digital = int(speaker["id"])  # type: ignore[call-overload]
    viewer = resident("논현동", level=0)

    first, cursor = search_page(client, viewer, "소나무 의자")
    assert len(first) == 20 and cursor
    second, last = search_page(client, viewer, "소나무 의자", cursor=cursor)
    assert last is None
    # Title matches (weight 3 each) before description matches, newest first within each.
    newest_first = sorted([*in_title, digital], reverse=True)
    assert first + second == newest_first + sorted(in_text, reverse=True)

    assert search_ids(client, viewer, "소나무 의자", category="digital") == [digital]
    sold = client.post(
        f"/api/v1/listings/{in_title[-1]}/status", json={"status": "sold"}, headers=sellers[2].auth
    )
    assert sold.status_code == 200, sold.text
    assert in_title[-1] in search_ids(client, viewer, "소나무 의자")
    assert in_title[-1] not in search_ids(client, viewer, "소나무 의자", hide_sold=True)

    blocked = client.post(f"/api/v1/users/{viewer.id}/block", headers=sellers[0].auth)
    assert blocked.status_code == 204
    found, cursor = search_page(client, viewer, "소나무 의자")
    hidden = {*in_title[0::3], *in_text[0::3], digital}
    assert found and not hidden & set(found)
    while cursor:  # and on later pages too
        more, cursor = search_page(client, viewer, "소나무 의자", cursor=cursor)
        assert not hidden & set(more)


def test_empty_results_are_recorded_as_unmet_demand_and_searches_remembered(
    client: httpx.Client, resident: Make, database: DatabaseUnderTest
) -> None:
    viewer = resident("역삼동")
    assert search_ids(client, viewer, "존재하지않는물건이름") == []
    rows = query(
        database,
        "SELECT properties FROM events WHERE user_id = :u AND name = 'search_performed'",
        u=viewer.id,
    )
    props = json.loads(rows[0][0]) if isinstance(rows[0][0], str) else rows[0][0]
    assert props["query"] == "존재하지않는물건이름" and props["result_count"] == 0
    search_ids(client, viewer, "의자")
    recent = client.get("/api/v1/searches/recent", headers=viewer.auth).json()
    assert recent[:2] == ["의자", "존재하지않는물건이름"]
    assert client.delete("/api/v1/searches/recent", headers=viewer.auth).status_code == 204
    assert client.get("/api/v1/searches/recent", headers=viewer.auth).json() == []
    for bad in ("", "   ", "!!!", "x" * 101):
        assert (
            client.get(
                "/api/v1/listings/search", params={"q": bad}, headers=viewer.auth
            ).status_code
            == 422
        )


def test_suggestions_as_you_type(client: httpx.Client, resident: Make) -> None:
    seller = resident("논현동", level=0)
    post(client, seller, title="닌텐도 스위치 OLED", category="hobby")
    viewer = resident("논현동", level=0)
    got = client.get(
        "/api/v1/listings/suggest", params={"q": "닌텐도 스위"}, headers=viewer.auth
    ).json()
    assert "닌텐도 스위치 OLED" in got
    latin = client.get("/api/v1/listings/suggest", params={"q": "ole"}, headers=viewer.auth).json()
    assert "닌텐도 스위치 OLED" in latin


def wait_for(check: Callable[[], bool], seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


def test_keyword_alerts_notify_people_in_range_after_posting(
    client: httpx.Client, resident: Make
) -> None:
    fan = resident("역삼동", level=2)
    far = resident("해운대 우동", level=3)
    for who in (fan, far):
        r = client.post("/api/v1/me/keywords", json={"keyword": "접이식 자전거"}, headers=who.auth)
        assert r.status_code == 201
    seller = resident("논현동")
    item = post(client, seller, title="브롬톤 접이식자전거 팝니다", category="sports")

    def fan_notified() -> bool:
        items = client.get("/api/v1/notifications", headers=fan.auth).json()["items"]
        return any(n["payload"].get("listing_id") == item["id"] for n in items)

    assert wait_for(fan_notified)
    listing = client.get("/api/v1/notifications", headers=fan.auth).json()
    assert listing["unread"] >= 1
    assert client.get("/api/v1/notifications", headers=far.auth).json()["items"] == []
    assert client.get("/api/v1/notifications", headers=seller.auth).json()["items"] == []
    assert client.post("/api/v1/notifications/read", headers=fan.auth).status_code == 204
    assert client.get("/api/v1/notifications", headers=fan.auth).json()["unread"] == 0


def test_at_most_thirty_keywords(client: httpx.Client, resident: Make) -> None:
    who = resident("역삼동")
    for n in range(30):
        assert (
            client.post(
                "/api/v1/me/keywords", json={"keyword": f"물건{n}"}, headers=who.auth
            ).status_code
            == 201
        )
    r = client.post("/api/v1/me/keywords", json={"keyword": "하나더"}, headers=who.auth)
    assert r.status_code == 409 and r.json()["detail"] == "키워드는 30개까지 등록할 수 있어요."
    keywords = client.get("/api/v1/me/keywords", headers=who.auth).json()
    assert len(keywords) == 30
    assert (
        client.delete(f"/api/v1/me/keywords/{keywords[0]['id']}", headers=who.auth).status_code
        == 204
    )
    assert (
        client.post("/api/v1/me/keywords", json={"keyword": "하나더"}, headers=who.auth).status_code
        == 201
    )
    assert (
        client.post("/api/v1/me/keywords", json={"keyword": "!!"}, headers=who.auth).status_code
        == 422
    )


def test_notifications_arrive_live_over_server_sent_events(
    client: httpx.Client, resident: Make, server: Server
) -> None:
    fan = resident("역삼동", level=1)
    client.post("/api/v1/me/keywords", json={"keyword": "캠핑의자"}, headers=fan.auth)
    received: list[dict[str, object]] = []
    ready = threading.Event()

    def listen() -> None:
        with (
            httpx.Client(base_url=server.url, timeout=30) as sse,
            sse.stream("GET", "/api/v1/notifications/stream", headers=fan.auth) as response,
        ):
            assert response.headers["content-type"].startswith("text/event-stream")
            event = None
            for line in response.iter_lines():
                if line.startswith("event: "):
                    event = line[7:]
                    if event == "ready":
                        ready.set()
                elif line.startswith("data: ") and event == "notification":
                    received.append(json.loads(line[6:]))
                    return

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    assert ready.wait(10)
    seller = resident("논현동")
    item = post(client, seller, title="캠핑 의자 2개 나눔", is_free=True, category="sports")
    thread.join(15)
    assert received and received[0]["payload"]["listing_id"] == item["id"]  # type: ignore[index]
    assert received[0]["unread"] == 1
