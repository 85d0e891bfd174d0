"""A whole deal in the browser: the seller posts, the buyer asks in chat, they
set an appointment, the seller marks the listing 거래완료 picking the buyer,
both review each other (one from the chat room's line, one from the
notification), and both profiles show the temperatures and figures the
README's formula gives."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import expect

from tests.conftest import DatabaseUnderTest, Server, query
from tests.e2e.conftest import NewContext
from tests.e2e.test_chat import open_room, say
from tests.e2e.test_listings import listing_id, signed_in
from tests.listings.conftest import make_resident

pytestmark = pytest.mark.browser

SEOUL = ZoneInfo("Asia/Seoul")
ROOM_URL = re.compile(r"/chats/(\d+)$")


def event_props(database: DatabaseUnderTest, name: str, user_id: int) -> list[dict[str, object]]:
    """The user's events of this name, read on a thread of its own: query() runs
    an event loop, which cannot start on the thread Playwright's loop holds."""
    with ThreadPoolExecutor(1) as pool:
        rows = pool.submit(
            query,
            database,
            "SELECT properties FROM events WHERE name = :name AND user_id = :uid ORDER BY id",
            name=name,
            uid=user_id,
        ).result()
    return [p if isinstance(p, dict) else json.loads(str(p)) for (p,) in rows]


def test_a_full_deal_ends_with_both_reviews_and_the_temperatures_they_make(
    new_context: NewContext,
    server: Server,
    client: httpx.Client,
    database: DatabaseUnderTest,
    screenshot: Callable[..., Path],
) -> None:
    seller = make_resident(client, "역삼동")
    buyer = make_resident(client, "논현동", level=1)
    seller_context = signed_in(new_context, server, seller)
    buyer_context = signed_in(new_context, server, buyer)

    # The seller posts.
    sp = seller_context.new_page()
    sp.goto("/listings/new")
    sp.get_by_test_id("title-input").fill("원목 의자 두 개")
    sp.get_by_test_id("category-select").select_option("furniture")
    sp.get_by_test_id("price-input").fill("30000")
    sp.get_by_test_id("description-input").fill("거의 새것이에요.")
    sp.get_by_test_id("submit").click()
    item = listing_id(sp)

    # The buyer asks in chat; the seller answers.
    bp = buyer_context.new_page()
    bp.goto(f"/listings/{item}")
    bp.get_by_test_id("chat").click()
    expect(bp).to_have_url(ROOM_URL)
    bp.wait_for_load_state("domcontentloaded")
    match = ROOM_URL.search(bp.url)
    assert match is not None
    conversation = int(match[1])
    expect(bp.locator("html")).to_have_attribute("data-chat-socket", "open")
    say(bp, "의자 아직 있나요?")
    sp = open_room(seller_context, conversation)
    expect(sp.get_by_test_id("other-temperature")).to_have_text("36.5°C")
    say(sp, "네 있어요. 내일 저녁 어떠세요?")

    # The seller sets an appointment that reserves the listing.
    meet = (datetime.now(SEOUL) + timedelta(days=1)).replace(hour=19, minute=0)
    sp.get_by_test_id("appointment-open").click()
    sheet = sp.get_by_test_id("appointment-sheet")
    sheet.get_by_test_id("appointment-date").fill(meet.strftime("%Y-%m-%d"))
    sheet.get_by_test_id("appointment-time").fill("19:00")
    sheet.get_by_test_id("appointment-place").fill("역삼역 3번 출구")
    sheet.get_by_test_id("appointment-reserve").check()
    sheet.get_by_test_id("appointment-save").click()
    expect(sp.get_by_test_id("room-listing-status")).to_have_text("예약중")

    # After meeting, the seller marks it 거래완료 from the listing and picks the buyer.
    sp.goto(f"/listings/{item}")
    sp.get_by_test_id("status-select").select_option("sold")
    expect(sp).to_have_url(re.compile(rf"/listings/{item}/deal$"))
    sp.wait_for_load_state("domcontentloaded")
    expect(sp.get_by_test_id(f"buyer-{buyer.id}")).to_be_checked()
    screenshot(sp, "trust-pick-buyer")
    sp.get_by_test_id("deal-submit").click()

    # The seller lands on the review form for the buyer and sends a 최고예요.
    expect(sp).to_have_url(re.compile(r"/deals/\d+/review$"))
    sp.wait_for_load_state("domcontentloaded")
    form = sp.get_by_test_id("review-form")
    expect(sp.get_by_test_id("item-punctual")).to_be_hidden()  # until a rating is chosen
    form.get_by_test_id("rating-best").check()
    form.get_by_test_id("item-punctual").check()
    form.get_by_test_id("item-quick_reply").check()
    screenshot(sp, "trust-review-form")
    form.get_by_test_id("review-submit").click()
    expect(sp.get_by_test_id("review-done")).to_contain_text(buyer.nickname)

    # The buyer sees the line in the room (live) and reviews from it: 좋아요 with a note.
    expect(bp.locator(".system-line").last).to_be_visible()
    link = bp.get_by_test_id("review-link")
    expect(link).to_have_text("거래 후기 보내기")
    expect(bp.get_by_test_id("room-listing-status")).to_have_text("거래완료")
    link.click()
    expect(bp).to_have_url(re.compile(r"/deals/\d+/review$"))
    bp.wait_for_load_state("domcontentloaded")
    bp.get_by_test_id("rating-good").check()
    bp.get_by_test_id("item-kind").check()
    bp.get_by_test_id("item-punctual").check()
    bp.get_by_test_id("item-as_described").check()
    bp.get_by_test_id("review-message").fill("친절하게 잘 설명해 주셨어요. 감사합니다!")
    bp.get_by_test_id("review-submit").click()
    expect(bp.get_by_test_id("review-done")).to_be_visible()

    # The seller's notification leads to the same (now finished) review page.
    sp.goto("/notifications")
    sp.get_by_test_id("notification-review-request").first.click()
    expect(sp.get_by_test_id("review-done")).to_be_visible()

    # Seller: 36.5 + 0.3 + 3 × 0.05 = 36.95 → 37.0. Buyer: 36.5 + 0.6 + 2 × 0.05 = 37.2.
    # The buyer reaches the seller's profile from the listing.
    bp.goto(f"/listings/{item}")
    bp.get_by_test_id("seller-profile").click()
    expect(bp).to_have_url(re.compile(rf"/users/{seller.id}$"))
    bp.wait_for_load_state("domcontentloaded")
    expect(bp.get_by_test_id("temperature")).to_have_text("37.0°C")
    expect(bp.get_by_test_id("manner")).to_have_attribute("data-band", "warm")
    expect(bp.get_by_test_id("rehire")).to_contain_text("100%")
    expect(bp.get_by_test_id("rehire")).to_contain_text("1명 중 1명이 만족")
    expect(bp.get_by_test_id("response-rate")).to_contain_text("100%")
    expect(bp.get_by_test_id("usual-response")).to_have_text("보통 10분 이내 응답")
    expect(bp.get_by_test_id("badge-first_deal")).to_have_text("첫 거래")
    expect(bp.get_by_test_id("item-kind").get_by_test_id("item-count")).to_have_text("1")
    expect(bp.get_by_test_id("review-message")).to_have_text(
        "친절하게 잘 설명해 주셨어요. 감사합니다!"
    )
    expect(bp.get_by_test_id("profile-listings")).to_contain_text("원목 의자 두 개")
    screenshot(bp, "trust-profile")

    sp.goto(f"/users/{buyer.id}")
    expect(sp.get_by_test_id("temperature")).to_have_text("37.2°C")
    expect(sp.get_by_test_id("deal-counts")).to_contain_text("구매 1")
    # The chat room shows the new temperature of the other side.
    sp.goto(f"/chats/{conversation}")
    expect(sp.get_by_test_id("other-temperature")).to_have_text("37.2°C")

    # 구매내역: the buyer's purchase, already reviewed.
    bp.goto("/me/listings")
    bp.get_by_test_id("my-purchases").click()
    expect(bp).to_have_url(re.compile(r"/me/purchases$"))
    bp.wait_for_load_state("domcontentloaded")
    expect(bp.get_by_test_id("purchase")).to_have_count(1)
    expect(bp.get_by_test_id("purchase")).to_contain_text("원목 의자 두 개")
    expect(bp.get_by_test_id("purchase")).to_contain_text("후기를 보냈어요")

    # Every action left its event, the temperature changes with old and new values.
    (done,) = event_props(database, "deal_completed", seller.id)
    assert done["buyer_id"] == buyer.id and done["listing_id"] == item
    (by_seller,) = event_props(database, "review_written", seller.id)
    assert by_seller["rating"] == "best" and by_seller["items"] == ["punctual", "quick_reply"]
    (by_buyer,) = event_props(database, "review_written", buyer.id)
    assert by_buyer["items"] == ["punctual", "kind", "as_described"]
    assert event_props(database, "manner_temperature_changed", buyer.id) == [
        {"old": 36.5, "new": 37.2}
    ]
    assert event_props(database, "manner_temperature_changed", seller.id) == [
        {"old": 36.5, "new": 37.0}
    ]
