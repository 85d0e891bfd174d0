"""The inbox's pages render for the right people, and their forms work
without JavaScript: 문의하기 from the profile, the customer's inquiry, the
agent's conversation with a note, settings, saved replies and the report."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx

from tests.conftest import Account, DatabaseUnderTest, signup
from tests.inbox.conftest import Shop, ask, make_operator, say

MakeShop = Callable[..., Shop]


def browser_like(client: httpx.Client, who: Account) -> dict[str, str]:
    """Cookies and the CSRF token a signed-in browser would send with a form."""
    client.cookies.set("dongne_session", who.token)
    page = client.get("/help")
    token = client.cookies.get("dongne_csrf") or ""
    assert page.status_code == 200
    return {"csrf_token": token}


def test_profile_inquire_button_starts_an_inquiry_and_forms_work(
    client: httpx.Client, shop: MakeShop
) -> None:
    s = shop(staff=0)
    customer = signup(client)
    fragment = client.get(f"/businesses/{s.id}/inquire-button", headers=customer.auth)
    assert fragment.status_code == 200 and 'data-testid="inquire"' in fragment.text
    team = client.get(f"/businesses/{s.id}/inquire-button", headers=s.owner.auth)
    assert 'data-testid="inquire"' not in team.text and "/inbox" in team.text
    form = browser_like(client, customer)
    r = client.post(f"/businesses/{s.id}/inquire", data=form)
    assert r.status_code == 303
    m = re.fullmatch(r"/inquiries/(\d+)", r.headers["location"])
    assert m
    cid = m.group(1)
    r = client.post(
        f"/inquiries/{cid}/send", data={**form, "client_id": "p1", "body": "안녕하세요 문의드려요"}
    )
    assert r.status_code == 303
    page = client.get(f"/inquiries/{cid}")
    assert page.status_code == 200 and "안녕하세요 문의드려요" in page.text
    client.cookies.clear()

    # The agent's pages: a note stays on the team's side.
    form = browser_like(client, s.owner)
    assert client.get(f"/inbox/{s.inbox_id}").status_code == 200
    r = client.post(
        f"/inbox/{s.inbox_id}/c/{cid}/send",
        data={**form, "client_id": "p2", "body": "비밀 메모입니다", "note": "1"},
    )
    assert r.status_code == 303
    agent_page = client.get(f"/inbox/{s.inbox_id}/c/{cid}")
    assert "비밀 메모입니다" in agent_page.text
    r = client.post(
        f"/inbox/{s.inbox_id}/saved-replies", data={**form, "shortcut": "hi", "body": "반가워요"}
    )
    assert r.status_code == 303
    r = client.post(
        f"/inbox/{s.inbox_id}/saved-replies", data={**form, "shortcut": "hi", "body": "again"}
    )
    assert r.status_code == 422 and "이미 있는 단축어예요." in r.text
    r = client.post(
        f"/inbox/{s.inbox_id}/settings",
        data={
            **form,
            "away_message": "",
            "greeting": "어서 오세요",
            "csat_question": "",
            "agent_limit": "0",
        },
    )
    assert r.status_code == 422 and 'data-error-for="agent_limit"' in r.text
    report = client.get(f"/inbox/{s.inbox_id}/report")
    assert report.status_code == 200 and "<svg" in report.text
    client.cookies.clear()
    client.cookies.set("dongne_session", customer.token)
    customer_page = client.get(f"/inquiries/{cid}")
    assert "비밀 메모입니다" not in customer_page.text
    assert client.get(f"/inbox/{s.inbox_id}").status_code == 404
    client.cookies.clear()


def test_operators_see_the_users_context_beside_a_support_inquiry(
    client: httpx.Client, database: DatabaseUnderTest, resident: Callable[..., Account]
) -> None:
    operator = make_operator(client, database)
    customer = resident()
    r = client.post("/api/v1/support/inquiries", json={}, headers=customer.auth)
    c = r.json()
    say(client, customer, c["id"], "계정 문의예요")
    client.cookies.set("dongne_session", operator.token)
    page = client.get(f"/inbox/{c['inbox_id']}/c/{c['id']}")
    client.cookies.clear()
    assert page.status_code == 200
    assert 'data-testid="user-context"' in page.text and "역삼동" in page.text
    _ = ask
