"""The shared inbox in a browser: a customer messages a shop outside its hours
and gets the automatic reply; an agent is auto-assigned, uses a saved reply and
a private note (the customer never sees the note), resolves, and the customer
rates it; the report shows the first-response time the test produced."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.business.test_business_api import verified_shop
from tests.conftest import Mailbox, Server, signup
from tests.e2e.conftest import NewContext
from tests.e2e.test_business import signed_in
from tests.inbox.conftest import add_staff, closed_now_hours
from tests.listings.conftest import make_resident

pytestmark = pytest.mark.browser

SAVED = "케이크는 이틀 전까지 주문해 주세요."
NOTE = "단골 손님: 서비스 쿠키 챙기기"


def test_an_inquiry_outside_hours_is_answered_noted_resolved_and_rated(
    new_context: NewContext,
    server: Server,
    client: httpx.Client,
    mailbox: Mailbox,
    screenshot: Callable[..., Path],
) -> None:
    owner = make_resident(client, "역삼동")
    shop = verified_shop(client, owner)
    bid = shop["id"]
    assert (
        client.put(
            f"/api/v1/businesses/{bid}/hours", json=closed_now_hours(), headers=owner.auth
        ).status_code
        == 200
    )
    staff = add_staff(client, mailbox, int(str(bid)), owner)
    inbox_id = client.get(f"/api/v1/businesses/{bid}/inbox", headers=owner.auth).json()["id"]
    r = client.post(
        f"/api/v1/inboxes/{inbox_id}/saved-replies",
        json={"shortcut": "cake", "body": SAVED},
        headers=owner.auth,
    )
    assert r.status_code == 201, r.text
    customer = signup(client)

    # The customer presses 문의하기 on the profile and writes, at night.
    shopper = signed_in(new_context, server, customer).new_page()
    shopper.goto(f"/businesses/{bid}")
    shopper.get_by_test_id("inquire").click()
    expect(shopper).to_have_url(re.compile(r"/inquiries/\d+$"))
    shopper.wait_for_load_state("domcontentloaded")
    cid = int(shopper.url.rsplit("/", 1)[1])
    shopper.get_by_test_id("composer").fill("생일 케이크 주문할 수 있나요?")
    shopper.get_by_test_id("send").click()
    texts = shopper.get_by_test_id("message-text")
    expect(texts.nth(0)).to_have_text("생일 케이크 주문할 수 있나요?")
    expect(texts.nth(1)).to_contain_text("지금은 영업시간이 아니에요.")
    expect(texts.nth(1)).to_contain_text("부터 답변드릴게요.")
    screenshot(shopper, "inbox-auto-reply")

    # It was assigned automatically to one of the shop's two people.
    mine = client.get(f"/api/v1/inquiries/{cid}", headers=customer.auth).json()
    agent = owner if mine["assignee_id"] == owner.id else staff
    assert mine["assignee_id"] in (owner.id, staff.id)
    desk = signed_in(new_context, server, agent).new_page()
    desk.goto(f"/inbox/{inbox_id}")
    row = desk.locator(f'[data-conversation-id="{cid}"]')
    expect(row.get_by_test_id("row-assignee")).to_have_text(agent.nickname)
    row.locator("a").click()
    expect(desk).to_have_url(re.compile(rf"/inbox/{inbox_id}/c/{cid}$"))
    desk.wait_for_load_state("domcontentloaded")

    # A private note, then the saved reply by its button (it inserts /cake).
    desk.get_by_test_id("composer").fill(NOTE)
    desk.get_by_test_id("note-toggle").check()
    desk.get_by_test_id("send").click()
    expect(desk.locator('[data-kind="note"]').get_by_test_id("message-text")).to_have_text(NOTE)
    desk.get_by_test_id("saved-replies").locator("summary").click()
    desk.get_by_test_id("saved-cake").click()
    expect(desk.get_by_test_id("composer")).to_have_value("/cake")
    desk.get_by_test_id("send").click()
    expect(desk.locator('[data-kind="agent"]').get_by_test_id("message-text")).to_have_text(SAVED)

    # The customer's open page shows the answer live, and never the note.
    expect(shopper.locator('[data-kind="agent"]').get_by_test_id("message-text")).to_have_text(
        SAVED
    )
    expect(shopper.get_by_text(NOTE)).to_have_count(0)
    shopper.reload()
    expect(shopper.locator('[data-kind="agent"]')).to_have_count(1)
    expect(shopper.get_by_text(NOTE)).to_have_count(0)

    # Resolved: the customer is asked, in the conversation, and rates it.
    desk.get_by_test_id("status-resolved").click()
    expect(desk.get_by_test_id("conversation-status")).to_have_text("해결됨")
    expect(shopper.get_by_test_id("csat-form")).to_be_visible()
    expect(shopper.locator('[data-kind="csat"]')).to_have_text(
        re.compile("상담은 만족스러우셨나요?")
    )
    shopper.get_by_test_id("csat-5").check()
    shopper.get_by_test_id("csat-comment").fill("빠르고 친절해요")
    shopper.get_by_test_id("csat-submit").click()
    expect(shopper.get_by_test_id("csat-thanks")).to_contain_text("5점")
    screenshot(shopper, "inbox-rated")

    # The report shows the first-response time this test produced.
    detail = client.get(
        f"/api/v1/inboxes/{inbox_id}/conversations/{cid}", headers=agent.auth
    ).json()["conversation"]
    waited = (
        datetime.fromisoformat(detail["first_response_at"])
        - datetime.fromisoformat(detail["created_at"])
    ).total_seconds()
    seconds = round(waited)
    expected = f"{seconds}초" if seconds < 60 else f"{seconds // 60}분"
    # In a page of its own: the desk's page may still be following the status
    # change's redirect, which would interrupt a navigation started there.
    report = desk.context.new_page()
    report.goto(f"/inbox/{inbox_id}/report")
    expect(report.get_by_test_id("fig-first-response")).to_have_text(expected)
    expect(report.get_by_test_id("fig-csat")).to_contain_text("5")
    expect(report.get_by_test_id("agent-row")).to_contain_text(agent.nickname)
    screenshot(report, "inbox-report")
