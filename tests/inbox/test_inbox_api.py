"""The shared inbox over HTTP: 문의하기, automatic replies by business hours,
round-robin assignment within the per-agent limit, private notes, saved
replies, resolving and CSAT, filters, the change log, the report."""

from __future__ import annotations

import secrets
from collections.abc import Callable

import httpx

from tests.conftest import Account, DatabaseUnderTest, signup
from tests.inbox.conftest import (
    Shop,
    agent_view,
    always_open_hours,
    answer,
    ask,
    backdate,
    closed_now_hours,
    customer_view,
    events,
    make_operator,
    say,
)

MakeShop = Callable[..., Shop]


def test_outside_hours_the_customer_gets_the_automatic_reply_once(
    client: httpx.Client, shop: MakeShop, database: DatabaseUnderTest
) -> None:
    s = shop(hours=closed_now_hours(), away_message="급한 일은 전화 주세요.")
    customer = signup(client)
    c = ask(client, s, customer)
    assert say(client, customer, c["id"], "오늘 문 여나요?").status_code == 201
    seen = customer_view(client, customer, c["id"])
    assert [m["kind"] for m in seen] == ["customer", "auto"]
    auto = seen[1]
    assert "지금은 영업시간이 아니에요." in str(auto["text"])
    assert "부터 답변드릴게요." in str(auto["text"])
    assert "급한 일은 전화 주세요." in str(auto["text"])
    # Not again for the next message while no one has answered…
    say(client, customer, c["id"], "혹시 예약 되나요?")
    assert [m["kind"] for m in customer_view(client, customer, c["id"])].count("auto") == 1
    # …but again after an agent answered and the customer writes once more.
    assert answer(client, s.owner, s.inbox_id, c["id"], "내일 10시에 열어요").status_code == 201
    say(client, customer, c["id"], "감사합니다")
    assert [m["kind"] for m in customer_view(client, customer, c["id"])].count("auto") == 2
    assert events(database, "inquiry_started", conversation_id=c["id"])
    assert events(database, "inbox_auto_reply", conversation_id=c["id"], code="away")


def test_inside_hours_the_greeting_comes_with_the_first_message_only(
    client: httpx.Client, shop: MakeShop
) -> None:
    s = shop(hours=always_open_hours(), greeting="안녕하세요! 무엇을 도와드릴까요?")
    customer = signup(client)
    c = ask(client, s, customer)
    say(client, customer, c["id"], "안녕하세요")
    say(client, customer, c["id"], "빵 예약하고 싶어요")
    seen = customer_view(client, customer, c["id"])
    assert [(m["kind"], m["text"]) for m in seen] == [
        ("customer", "안녕하세요"),
        ("auto", "안녕하세요! 무엇을 도와드릴까요?"),
        ("customer", "빵 예약하고 싶어요"),
    ]
    # Starting again while it is unresolved returns the same conversation.
    assert ask(client, s, customer)["id"] == c["id"]


def test_round_robin_assignment_respects_the_per_agent_limit(
    client: httpx.Client, shop: MakeShop, database: DatabaseUnderTest
) -> None:
    s = shop(staff=1, agent_limit=1)
    agents = {s.owner.id, s.staff[0].id}
    first = ask(client, s, signup(client))
    second = ask(client, s, signup(client))
    third = ask(client, s, signup(client))
    assert {first["assignee_id"], second["assignee_id"]} == agents  # one each, in turn
    assert third["assignee_id"] is None  # both are at their limit of one open conversation
    assert events(database, "inbox_assigned", conversation_id=first["id"], auto=True)
    # A resolved conversation frees its agent: the next inquiry goes to them.
    r = client.post(
        f"/api/v1/inboxes/{s.inbox_id}/conversations/{first['id']}/status",
        json={"status": "resolved"},
        headers=s.owner.auth,
    )
    assert r.status_code == 200, r.text
    fourth = ask(client, s, signup(client))
    assert fourth["assignee_id"] == first["assignee_id"]
    # Manual assignment only to the inbox's agents.
    url = f"/api/v1/inboxes/{s.inbox_id}/conversations/{third['id']}/assign"
    outsider = signup(client)
    r = client.post(url, json={"assignee_id": outsider.id}, headers=s.owner.auth)
    assert r.status_code == 422
    assert r.json()["detail"] == "이 문의함의 상담원에게만 배정할 수 있어요."
    r = client.post(url, json={"assignee_id": s.staff[0].id}, headers=s.owner.auth)
    assert r.status_code == 200 and r.json()["assignee_name"] == s.staff[0].nickname


def test_notes_and_saved_replies_and_csat(
    client: httpx.Client, shop: MakeShop, database: DatabaseUnderTest
) -> None:
    s = shop(staff=1, csat_question="저희 빵집 상담, 어떠셨나요?")
    customer = signup(client)
    c = ask(client, s, customer)
    agent = s.owner if c["assignee_id"] == s.owner.id else s.staff[0]
    say(client, customer, c["id"], "케이크 주문 되나요?")
    r = client.post(
        f"/api/v1/inboxes/{s.inbox_id}/saved-replies",
        json={"shortcut": "/cake", "body": "케이크는 이틀 전까지 주문해 주세요."},
        headers=agent.auth,
    )
    assert r.status_code == 201, r.text
    reply_id = r.json()["id"]
    r = client.post(
        f"/api/v1/inboxes/{s.inbox_id}/saved-replies",
        json={"shortcut": "cake", "body": "중복"},
        headers=agent.auth,
    )
    assert r.status_code == 409 and r.json()["detail"] == "이미 있는 단축어예요."
    note = answer(client, agent, s.inbox_id, c["id"], "단골 손님, 서비스 쿠키 챙기기", note=True)
    assert note.status_code == 201 and note.json()["kind"] == "note"
    sent = answer(client, agent, s.inbox_id, c["id"], "/cake")
    assert sent.status_code == 201
    assert sent.json()["body"] == "케이크는 이틀 전까지 주문해 주세요."

    # The customer never sees the note: not in the messages, not in the previews.
    seen = customer_view(client, customer, c["id"])
    assert "note" not in [m["kind"] for m in seen]
    assert all("쿠키" not in str(m["body"]) for m in seen)
    mine = client.get("/api/v1/me/inquiries", headers=customer.auth).json()
    assert all("쿠키" not in item["preview"] for item in mine)
    # The team does.
    detail = agent_view(client, s.staff[0], s.inbox_id, c["id"])
    kinds = [m["kind"] for m in detail["messages"]]  # type: ignore[union-attr]
    assert "note" in kinds and "agent" in kinds
    assert events(database, "inbox_note_added", conversation_id=c["id"])
    assert events(database, "inbox_saved_reply_used", saved_reply_id=reply_id)
    assert events(database, "inbox_first_response", conversation_id=c["id"])

    # Rating before being asked is refused.
    rate = f"/api/v1/inquiries/{c['id']}/csat"
    assert client.post(rate, json={"score": 5}, headers=customer.auth).status_code == 409
    r = client.post(
        f"/api/v1/inboxes/{s.inbox_id}/conversations/{c['id']}/status",
        json={"status": "resolved"},
        headers=agent.auth,
    )
    assert r.status_code == 200 and r.json()["status"] == "resolved"
    seen = customer_view(client, customer, c["id"])
    assert seen[-1]["kind"] == "csat" and seen[-1]["text"] == "저희 빵집 상담, 어떠셨나요?"
    bad = client.post(rate, json={"score": 6}, headers=customer.auth)
    assert bad.status_code == 422
    assert client.post(rate, json={"score": 4}, headers=agent.auth).status_code == 404
    r = client.post(rate, json={"score": 4, "comment": "친절해요"}, headers=customer.auth)
    assert r.status_code == 200 and r.json()["csat_score"] == 4
    again = client.post(rate, json={"score": 1}, headers=customer.auth)
    assert again.status_code == 409 and again.json()["detail"] == "이미 만족도를 남겼어요."
    assert events(database, "inbox_csat_given", conversation_id=c["id"], score=4)
    assert events(database, "inbox_resolved", conversation_id=c["id"])


def test_csat_can_be_turned_off(client: httpx.Client, shop: MakeShop) -> None:
    s = shop(csat_enabled=False)
    customer = signup(client)
    c = ask(client, s, customer)
    client.post(
        f"/api/v1/inboxes/{s.inbox_id}/conversations/{c['id']}/status",
        json={"status": "resolved"},
        headers=s.owner.auth,
    )
    assert "csat" not in [m["kind"] for m in customer_view(client, customer, c["id"])]
    r = client.post(f"/api/v1/inquiries/{c['id']}/csat", json={"score": 5}, headers=customer.auth)
    assert r.status_code == 409


def test_a_retried_send_is_stored_once(client: httpx.Client, shop: MakeShop) -> None:
    s = shop()
    customer = signup(client)
    c = ask(client, s, customer)
    body = {"client_id": "retry-1", "body": "한 번만 저장돼야 해요"}
    url = f"/api/v1/inquiries/{c['id']}/messages"
    first = client.post(url, json=body, headers=customer.auth)
    second = client.post(url, json=body, headers=customer.auth)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert [m["body"] for m in customer_view(client, customer, c["id"])].count(body["body"]) == 1


def test_only_the_team_sees_the_inbox_and_bad_input_changes_nothing(
    client: httpx.Client, shop: MakeShop
) -> None:
    s = shop()
    customer, stranger = signup(client), signup(client)
    c = ask(client, s, customer)
    base = f"/api/v1/inboxes/{s.inbox_id}"
    for who in (customer, stranger):
        assert client.get(f"{base}/conversations", headers=who.auth).status_code == 404
        assert client.get(f"{base}/conversations/{c['id']}", headers=who.auth).status_code == 404
        assert answer(client, who, s.inbox_id, c["id"], "hi").status_code == 404
    assert (
        client.get(f"/api/v1/inquiries/{c['id']}/messages", headers=stranger.auth).status_code
        == 404
    )
    assert client.get(f"{base}/conversations").status_code == 401
    # The owner cannot ask their own shop.
    r = client.post(f"/api/v1/businesses/{s.id}/inquiries", headers=s.owner.auth)
    assert r.status_code == 409
    r = say(client, customer, c["id"], "   ")
    assert r.status_code == 422 and r.json()["detail"] == "메시지는 1~1,000자로 보내 주세요."
    r = client.get(f"{base}/conversations", params={"status": "lost"}, headers=s.owner.auth)
    assert r.status_code == 422
    r = client.get(f"{base}/conversations", params={"cursor": "nonsense"}, headers=s.owner.auth)
    assert r.status_code == 422
    r = client.post(
        f"{base}/conversations/{c['id']}/status",
        json={"status": "snoozed"},
        headers=s.owner.auth,
    )
    assert r.status_code == 422 and r.json()["detail"] == "다시 알림 시각은 지금 이후여야 해요."
    assert customer_view(client, customer, c["id"]) == []


def test_filters_pages_and_the_change_log(client: httpx.Client, shop: MakeShop) -> None:
    s = shop(staff=1)
    base = f"/api/v1/inboxes/{s.inbox_id}"
    made = [ask(client, s, signup(client)) for _ in range(5)]
    version = client.get("/api/v1/inboxes", headers=s.owner.auth).json()
    start = next(i["version"] for i in version if i["id"] == s.inbox_id)
    r = client.put(
        f"{base}/conversations/{made[0]['id']}/labels",
        json={"labels": ["예약", "케이크"]},
        headers=s.owner.auth,
    )
    assert r.status_code == 200 and r.json()["labels"] == ["예약", "케이크"]
    client.post(
        f"{base}/conversations/{made[1]['id']}/status",
        json={"status": "pending"},
        headers=s.owner.auth,
    )

    def ids(**params: object) -> list[object]:
        r = client.get(f"{base}/conversations", params=params, headers=s.staff[0].auth)
        assert r.status_code == 200, r.text
        return [i["id"] for i in r.json()["items"]]

    assert ids(label="예약") == [made[0]["id"]]
    assert ids(status="pending") == [made[1]["id"]]
    assert set(ids(status="open")) == {m["id"] for m in made} - {made[1]["id"]}
    mine = ids(assignee="me")
    assert mine and all(m["assignee_id"] == s.staff[0].id for m in made if m["id"] in mine)
    # Keyset pages of two cover all five, without repeats.
    seen: list[object] = []
    cursor = None
    while True:
        params: dict[str, object] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = client.get(f"{base}/conversations", params=params, headers=s.owner.auth).json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(m["id"] for m in made)  # type: ignore[type-var]
    # What changed since the version read before: the labelled and the pending ones.
    r = client.get(f"{base}/changes", params={"after": start}, headers=s.owner.auth)
    assert [i["id"] for i in r.json()["items"]] == [made[0]["id"], made[1]["id"]]
    assert (
        client.get(
            f"{base}/changes", params={"after": r.json()["version"]}, headers=s.owner.auth
        ).json()["items"]
        == []
    )


def test_report_shows_the_first_response_time(
    client: httpx.Client, shop: MakeShop, database: DatabaseUnderTest
) -> None:
    s = shop()
    customer = signup(client)
    c = ask(client, s, customer)
    say(client, customer, c["id"], "주차 되나요?")
    backdate(database, c["id"], 7)
    answer(client, s.owner, s.inbox_id, c["id"], "네, 건물 뒤에 있어요.")
    r = client.get(f"/api/v1/inboxes/{s.inbox_id}/report", headers=s.owner.auth)
    assert r.status_code == 200, r.text
    overall = r.json()["overall"]
    assert overall["answered"] == 1
    assert 7 * 60 - 5 <= overall["first_response_median"] <= 7 * 60 + 60
    assert r.json()["agents"][0]["nickname"] == s.owner.nickname
    csv = client.get(f"/api/v1/inboxes/{s.inbox_id}/report.csv", headers=s.owner.auth)
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[0].startswith("agent_id,agent,conversations")
    assert s.owner.nickname in csv.text


def test_support_inquiries_go_to_operators_with_the_users_context(
    client: httpx.Client, database: DatabaseUnderTest, resident: Callable[..., Account]
) -> None:
    operator = make_operator(client, database)
    customer = resident()
    r = client.post(
        "/api/v1/support/inquiries", json={"origin": "/listings/1"}, headers=customer.auth
    )
    assert r.status_code == 201, r.text
    c = r.json()
    assert c["inbox_name"] == "고객센터"
    say(client, customer, c["id"], "결제가 안 돼요")
    inbox_id = c["inbox_id"]
    detail = agent_view(client, operator, inbox_id, c["id"])
    context = detail["context"]
    assert isinstance(context, dict) and context["neighbourhoods"] == ["역삼동"]
    assert context["reports_filed"] == 0 and context["sanctions"] == []
    # Not for ordinary users.
    other = signup(client)
    assert (
        client.get(f"/api/v1/inboxes/{inbox_id}/conversations", headers=other.auth).status_code
        == 404
    )
    assert inbox_id not in [
        i["id"] for i in client.get("/api/v1/inboxes", headers=other.auth).json()
    ]
    assert inbox_id in [
        i["id"] for i in client.get("/api/v1/inboxes", headers=operator.auth).json()
    ]
    _ = secrets
