"""Trust and safety in the browser: a neighbour reports a listing, an operator
hides it from the queue and it leaves the feed; a message with an account number
warns its receiver (masked until tapped) and never its sender."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.conftest import DatabaseUnderTest, Server, query
from tests.e2e.conftest import NewContext
from tests.e2e.test_chat import bubble, open_room, say, start_chat
from tests.e2e.test_listings import signed_in
from tests.listings.conftest import make_resident, post

pytestmark = pytest.mark.browser


def events(database: DatabaseUnderTest, name: str, user_id: int) -> list[dict[str, object]]:
    """Read on a thread of its own: query() runs an event loop, which cannot start
    on the thread Playwright's loop holds."""
    with ThreadPoolExecutor(1) as pool:
        rows = pool.submit(
            query,
            database,
            "SELECT properties FROM events WHERE name = :n AND user_id = :u ORDER BY id",
            n=name,
            u=user_id,
        ).result()
    return [p if isinstance(p, dict) else json.loads(str(p)) for (p,) in rows]


def test_a_report_handled_by_an_operator_takes_the_listing_off_the_feed(
    new_context: NewContext,
    server: Server,
    client: httpx.Client,
    database: DatabaseUnderTest,
    screenshot: Callable[..., Path],
) -> None:
    seller = make_resident(client, "역삼동")
    neighbour = make_resident(client, "역삼동")
    operator = make_resident(client, "역삼동")
    with ThreadPoolExecutor(1) as pool:
        sql = "UPDATE users SET role = 'operator' WHERE id = :id"
        pool.submit(query, database, sql, id=operator.id).result()
    item = int(post(client, seller, title="정품 에어팟 맥스 반값", price=150000)["id"])  # type: ignore[call-overload]
    still = int(post(client, seller, title="원목 스툴 팝니다", price=5000)["id"])  # type: ignore[call-overload]

    # The neighbour reports it from the listing's page.
    page = signed_in(new_context, server, neighbour).new_page()
    page.goto("/")
    expect(page.get_by_test_id(f"card-{item}")).to_be_visible()
    page.goto(f"/listings/{item}")
    page.get_by_test_id("report-listing").click()
    expect(page.get_by_test_id("report-subject")).to_have_text("정품 에어팟 맥스 반값")
    page.get_by_test_id("report-submit").click()  # no reason chosen: refused, nothing filed
    expect(page.get_by_test_id("report-dialog")).to_contain_text("신고 사유")
    page.get_by_test_id("reason-fraud").check()
    page.get_by_test_id("report-detail").fill("시세의 절반이라 가품 같아요")
    page.get_by_test_id("report-submit").click()
    expect(page.get_by_test_id("report-done")).to_be_visible()
    assert events(database, "report_filed", neighbour.id)[-1]["target_id"] == item

    # The operator works it from the queue.
    desk = signed_in(new_context, server, operator).new_page()
    desk.goto("/")
    desk.get_by_test_id("nav-moderation").click()
    report = desk.locator("[data-testid=report]").filter(has_text="정품 에어팟 맥스 반값")
    expect(report).to_contain_text("시세의 절반이라 가품 같아요")
    expect(report).to_contain_text(neighbour.nickname)
    report.get_by_test_id("action").select_option("suspend")  # without days: refused
    report.get_by_test_id("act").click()
    expect(desk.get_by_test_id("action-error")).to_contain_text(
        "정지 기간은 1~365일로 정해 주세요."
    )
    report.get_by_test_id("action").select_option("hide_listing")
    report.get_by_test_id("note").fill("가품 판매 의심")
    report.get_by_test_id("act").click()
    expect(desk.get_by_test_id("moderation-done")).to_be_visible()
    expect(
        desk.locator("[data-testid=report]").filter(has_text="정품 에어팟 맥스 반값")
    ).to_have_count(0)
    desk.get_by_test_id("tab-audit").click()
    entry = desk.get_by_test_id("audit-entry").filter(has_text="가품 판매 의심").first
    expect(entry.get_by_test_id("audit-operator")).to_have_text(operator.nickname)
    expect(entry.get_by_test_id("audit-action")).to_contain_text("게시글 숨김")
    expect(entry.get_by_test_id("audit-why")).to_have_text("사기 — 가품 판매 의심")
    assert events(database, "moderation_action", operator.id)[-1]["action"] == "hide_listing"
    screenshot(desk, "trust-audit-log")

    # Gone from the neighbour's feed; the seller is told why.
    page.goto("/")
    expect(page.get_by_test_id(f"card-{still}")).to_be_visible()  # the feed has loaded
    expect(page.get_by_test_id(f"card-{item}")).to_have_count(0)
    seller_page = signed_in(new_context, server, seller).new_page()
    seller_page.goto("/notifications")
    expect(seller_page.get_by_test_id("moderation-notice").first).to_contain_text(
        "운영정책에 따라 게시글이 숨겨졌어요."
    )


ACCOUNT = "국민 123456-78-901234 로 입금해 주세요"


def test_an_account_number_warns_the_receiver_only_and_is_masked_until_tapped(
    new_context: NewContext,
    server: Server,
    client: httpx.Client,
    database: DatabaseUnderTest,
    screenshot: Callable[..., Path],
) -> None:
    seller = make_resident(client, "역삼동")
    buyer = make_resident(client, "논현동", level=1)
    item = int(post(client, seller, title="캠핑 의자 두 개", category="sports")["id"])  # type: ignore[call-overload]
    conversation = start_chat(client, buyer, item)

    seller_room = open_room(signed_in(new_context, server, seller), conversation)
    buyer_room = open_room(signed_in(new_context, server, buyer), conversation)

    # The seller sends it; their own message shows as written, with no warning.
    mine = say(seller_room, ACCOUNT)
    expect(mine).to_have_attribute("data-state", re.compile("sent|read"))
    expect(seller_room.get_by_test_id("fraud-warning")).to_have_count(0)

    # It arrives live for the buyer: digits masked, the warning right under it.
    theirs = buyer_room.get_by_test_id("message").filter(has_text="1234 로 입금해 주세요")
    expect(theirs.get_by_test_id("message-body")).to_have_text(
        "국민 ••••••-••-••1234 로 입금해 주세요"
    )
    card = theirs.get_by_test_id("fraud-warning")
    expect(card).to_contain_text("계좌번호가 들어 있는 메시지예요")
    screenshot(buyer_room, "trust-chat-warning")
    theirs.get_by_test_id("reveal").click()
    expect(theirs.get_by_test_id("message-body")).to_have_text(ACCOUNT)
    expect(theirs.get_by_test_id("reveal")).to_have_count(0)
    expect(card).to_be_visible()  # the warning stays
    tapped = events(database, "fraud_warning_tapped", buyer.id)
    assert tapped and tapped[-1]["conversation_id"] == conversation
    assert events(database, "fraud_warning_shown", buyer.id)[-1]["sender_id"] == seller.id

    # The server renders the same after a reload, for each side.
    buyer_room.reload()
    again = bubble(buyer_room, "국민 ••••••-••-••1234 로 입금해 주세요")
    expect(again).to_be_visible()
    expect(buyer_room.get_by_test_id("fraud-warning")).to_have_count(1)
    seller_room.reload()
    expect(bubble(seller_room, ACCOUNT)).to_be_visible()
    expect(seller_room.get_by_test_id("fraud-warning")).to_have_count(0)


def test_blocking_from_a_profile_and_unblocking_in_settings(
    new_context: NewContext, server: Server, client: httpx.Client, database: DatabaseUnderTest
) -> None:
    seller = make_resident(client, "역삼동")
    neighbour = make_resident(client, "역삼동")
    item = int(
        post(  # type: ignore[call-overload]
            client,
            seller,
            title="아이패드 미니 6",
            description="카톡 아이디 ipad66 으로 연락 주세요",
            category="digital",
        )["id"]
    )

    # A flagged listing warns its viewers, not its seller.
    mine = signed_in(new_context, server, seller).new_page()
    mine.goto(f"/listings/{item}")
    expect(mine.get_by_test_id("title")).to_have_text("아이패드 미니 6")
    expect(mine.get_by_test_id("listing-fraud-warning")).to_have_count(0)
    expect(mine.get_by_test_id("report-listing")).to_have_count(0)
    page = signed_in(new_context, server, neighbour).new_page()
    page.goto(f"/listings/{item}")
    expect(page.get_by_test_id("listing-fraud-warning")).to_contain_text("다른 메신저나 연락처로")
    assert events(database, "listing_warning_shown", neighbour.id)[-1]["listing_id"] == item

    # The seller blocks the neighbour from their profile.
    mine.goto(f"/users/{neighbour.id}")
    mine.once("dialog", lambda dialog: dialog.accept())
    mine.get_by_test_id("block-user").click()
    expect(mine.get_by_test_id("blocked-name")).to_have_text([neighbour.nickname])
    assert events(database, "user_blocked", seller.id)[-1]["blocked_id"] == neighbour.id
    page.goto(f"/listings/{item}")
    expect(page.get_by_test_id("error-detail")).to_be_visible()
    page.goto("/")
    expect(page.get_by_test_id(f"card-{item}")).to_have_count(0)

    # …and unblocks them from settings.
    mine.goto("/settings")
    mine.get_by_test_id("settings-blocks").click()
    mine.get_by_test_id("unblock").click()
    expect(mine.get_by_test_id("no-blocks")).to_be_visible()
    page.goto("/")
    expect(page.get_by_test_id(f"card-{item}")).to_be_visible()


def test_reporting_a_user_from_the_chat_room_needs_a_reason_text_for_other(
    new_context: NewContext, server: Server, client: httpx.Client, database: DatabaseUnderTest
) -> None:
    seller = make_resident(client, "역삼동")
    buyer = make_resident(client, "논현동", level=1)
    item = int(post(client, seller, title="전기 자전거", category="sports")["id"])  # type: ignore[call-overload]
    conversation = start_chat(client, buyer, item)
    room = open_room(signed_in(new_context, server, buyer), conversation)
    room.get_by_test_id("room-menu").click()
    room.get_by_test_id("report-user").click()
    expect(room.get_by_test_id("report-subject")).to_have_text(seller.nickname)
    room.get_by_test_id("reason-other").check()
    room.get_by_test_id("report-submit").click()
    expect(room.get_by_test_id("report-dialog")).to_contain_text("기타 사유를 적어 주세요.")
    room.get_by_test_id("reason-other").check()
    room.get_by_test_id("report-detail").fill("약속 장소에 세 번이나 안 나왔어요")
    room.get_by_test_id("report-submit").click()
    expect(room.get_by_test_id("report-done")).to_be_visible()
    filed = events(database, "report_filed", buyer.id)
    assert filed[-1]["target"] == "user" and filed[-1]["subject_id"] == seller.id
    room.get_by_test_id("report-back").click()
    expect(room).to_have_url(re.compile(f"/users/{seller.id}$"))
    room.wait_for_load_state("domcontentloaded")


def test_a_prohibited_item_is_stopped_on_the_form_with_its_rule_and_can_be_fixed(
    new_context: NewContext, server: Server, client: httpx.Client, database: DatabaseUnderTest
) -> None:
    seller = make_resident(client, "역삼동")
    page = signed_in(new_context, server, seller).new_page()
    page.goto("/listings/new")
    page.get_by_test_id("title-input").fill("선물받은 양주 팝니다")
    page.get_by_test_id("category-select").select_option(label="가공식품")
    page.get_by_test_id("price-input").fill("50000")
    page.get_by_test_id("description-input").fill("발렌타인 17년 미개봉이에요")
    page.get_by_test_id("submit").click()
    error = page.locator("[data-error-for='description']")
    expect(error).to_contain_text("거래 금지 품목이에요 (주류).")
    expect(page).to_have_url(re.compile(r"/listings/new$"))
    page.wait_for_load_state("domcontentloaded")
    with ThreadPoolExecutor(1) as pool:
        sql = "SELECT count(*) FROM listings WHERE seller_id = :id"
        assert pool.submit(query, database, sql, id=seller.id).result() == [(0,)]

    # Edited into what may be sold, it goes through.
    page.get_by_test_id("title-input").fill("발렌타인 빈 병 장식용")
    page.get_by_test_id("description-input").fill("위스키 공병이에요. 내용물은 없어요.")
    page.get_by_test_id("submit").click()
    expect(page).to_have_url(re.compile(r"/listings/\d+$"))
    page.wait_for_load_state("domcontentloaded")
    expect(page.get_by_test_id("title")).to_have_text("발렌타인 빈 병 장식용")
