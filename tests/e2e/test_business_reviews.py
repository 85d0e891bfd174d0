"""Business reviews in a browser: a neighbour in range writes a review on the
shop's profile and edits it; someone far away is told why they cannot; the
owner replies and the reply shows; the neighbour deletes the review."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.business.test_business_api import verified_shop
from tests.conftest import Server, unique
from tests.e2e.conftest import NewContext
from tests.e2e.test_business import signed_in
from tests.listings.conftest import make_resident

pytestmark = pytest.mark.browser

NOT_NEIGHBOUR = "이 가게 근처 동네를 인증한 이웃만 후기를 남길 수 있어요."


def test_a_neighbour_reviews_a_shop_the_owner_replies_and_far_people_are_told_why_not(
    new_context: NewContext, server: Server, client: httpx.Client, screenshot: Callable[..., Path]
) -> None:
    owner = make_resident(client, "역삼동", level=2)
    neighbour = make_resident(client, "논현동", level=1)  # 논현동's range covers 역삼동
    far = make_resident(client, "수원 인계동", level=3)  # about 27 km away
    shop = verified_shop(client, owner, name=f"역삼 빵집 {unique('')}")
    profile = f"/businesses/{shop['id']}"
    first = f"소금빵이 겉바속촉이에요 {unique('')}"
    second = f"크루아상도 맛있어요, 또 갈게요 {unique('')}"
    answer = f"찾아 주셔서 감사합니다 {unique('')}"

    # A neighbour in range writes a review on the profile, then edits it.
    page = signed_in(new_context, server, neighbour).new_page()
    page.goto(profile)
    expect(page.get_by_test_id("review-count")).to_have_text("0개")
    expect(page.get_by_test_id("reviews-empty")).to_be_visible()
    page.get_by_test_id("review-input").fill(first)
    page.get_by_test_id("review-submit").click()
    expect(page).to_have_url(re.compile(rf"{profile}#reviews$"))
    reviews = page.get_by_test_id("business-reviews")
    expect(page.get_by_test_id("review-count")).to_have_text("1개")
    expect(reviews.get_by_test_id("review-text")).to_have_text(first)
    expect(reviews.get_by_test_id("review-author")).to_have_text(neighbour.nickname)
    expect(page.get_by_test_id("review-input")).to_have_value(first)  # now the edit form
    page.get_by_test_id("review-input").fill(second)
    page.get_by_test_id("review-submit").click()
    expect(reviews.get_by_test_id("review-text")).to_have_text(second)
    expect(page.get_by_test_id("review-count")).to_have_text("1개")  # still one review

    # Someone whose range does not reach the shop sees the reviews and why they cannot write.
    away = signed_in(new_context, server, far).new_page()
    away.goto(profile)
    expect(away.get_by_test_id("review-refusal")).to_have_text(NOT_NEIGHBOUR)
    expect(away.get_by_test_id("review-form")).to_have_count(0)
    expect(away.get_by_test_id("review-text")).to_have_text(second)

    # The owner cannot review their own shop, but answers the review.
    shop_page = signed_in(new_context, server, owner).new_page()
    shop_page.goto(profile)
    expect(shop_page.get_by_test_id("review-refusal")).to_have_text(
        "내 가게에는 후기를 남길 수 없어요."
    )
    shop_page.get_by_test_id("reply-open").click()
    shop_page.get_by_test_id("reply-input").fill(answer)
    shop_page.get_by_test_id("reply-submit").click()
    expect(shop_page.get_by_test_id("reply-text")).to_have_text(answer)
    expect(shop_page.get_by_test_id("reply-author")).to_have_text(owner.nickname)
    expect(shop_page.get_by_test_id("reply-open")).to_have_text("답글 고치기")

    # The neighbour sees the answer, and the full list has both; then deletes the review.
    page.goto(profile)
    expect(page.get_by_test_id("reply-text")).to_have_text(answer)
    screenshot(page, "business-review-with-reply")
    page.get_by_test_id("reviews-all").click()
    expect(page).to_have_url(re.compile(rf"{profile}/reviews$"))
    expect(page.get_by_test_id("review-text")).to_have_text(second)
    expect(page.get_by_test_id("reply-text")).to_have_text(answer)
    page.get_by_test_id("review-delete").click()
    expect(page.get_by_test_id("review-count")).to_have_text("0개")
    expect(page.get_by_test_id("reviews-empty")).to_be_visible()
    away.reload()
    expect(away.get_by_test_id("reviews-empty")).to_be_visible()
