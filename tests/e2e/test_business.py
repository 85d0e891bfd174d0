"""Local businesses in a browser: a resident opens a profile, proves the shop's
location, sets opening hours with several ranges a day, and posts news; a
neighbour sees it on their home, follows the shop (단골); someone outside the
range does not see it. And the help centre's Korean search."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import BrowserContext, expect

from tests.business.test_business_api import verified_shop
from tests.conftest import Account, DatabaseUnderTest, Mailbox, Server, signup, unique
from tests.e2e.conftest import NewContext
from tests.listings.conftest import PLACES, make_resident

pytestmark = pytest.mark.browser

PROFILE_URL = re.compile(r"/businesses/(\d+)$")


def signed_in(
    new_context: NewContext,
    server: Server,
    who: Account,
    geolocation: tuple[float, float] | None = None,
) -> BrowserContext:
    context = new_context(geolocation=geolocation) if geolocation else new_context()
    context.add_cookies([{"name": "dongne_session", "value": who.token, "url": server.url}])
    return context


def test_a_shop_posts_news_that_neighbours_in_range_see_and_follow(
    new_context: NewContext, server: Server, client: httpx.Client, screenshot: Callable[..., Path]
) -> None:
    owner = make_resident(client, "역삼동", level=2)
    neighbour = make_resident(client, "논현동", level=1)
    far = make_resident(client, "수원 인계동", level=3)
    _, lat, lon = PLACES["역삼동"]
    name = f"역삼 빵집 {unique('')}"
    title = f"소금빵 나왔어요 {unique('')}"

    page = signed_in(new_context, server, owner, geolocation=(lat, lon)).new_page()
    page.goto("/me/businesses")
    page.get_by_test_id("new-business").click()
    expect(page).to_have_url(re.compile(r"/businesses/new$"))
    page.wait_for_load_state("domcontentloaded")
    page.get_by_test_id("submit").click()  # empty: every problem by its field
    expect(page.locator("[data-error-for='name']")).to_have_text(
        "가게 이름은 2~40자로 입력해 주세요."
    )
    expect(page.locator("[data-error-for='category']")).to_have_text("업종을 선택해 주세요.")
    page.get_by_test_id("name").fill(name)
    page.get_by_test_id("category").select_option("cafe")
    page.get_by_test_id("address").fill("서울 강남구 역삼로 1")
    page.get_by_test_id("price-list").fill("소금빵 | 3500\n식빵 | 5000 | 오전에만")
    page.get_by_test_id("submit").click()
    expect(page).to_have_url(PROFILE_URL)
    page.wait_for_load_state("domcontentloaded")
    expect(page.get_by_test_id("business-name")).to_have_text(name)
    expect(page.get_by_test_id("business-unverified")).to_be_visible()
    expect(page.get_by_test_id("open-status")).to_have_text("영업시간 정보 없음")
    expect(page.get_by_test_id("price-list")).to_contain_text("3,500원")

    # The shop proves its place by the device's location, like a person.
    page.get_by_test_id("business-verify").click()
    expect(page.get_by_test_id("business-verified")).to_be_visible()

    # Hours: two ranges every day, covering the whole day, so the shop is open now.
    page.get_by_test_id("edit-hours").click()
    page.get_by_test_id("hours-day-0").fill("9시")
    page.get_by_test_id("hours-submit").click()
    expect(page.locator("[data-error-for='day0']")).to_be_visible()
    for day in range(7):
        page.get_by_test_id(f"hours-day-{day}").fill("00:00-12:00, 12:00-24:00")
    page.get_by_test_id("holidays-input").fill("2099-12-25")
    page.get_by_test_id("hours-submit").click()
    expect(page).to_have_url(PROFILE_URL)
    page.wait_for_load_state("domcontentloaded")
    expect(page.get_by_test_id("open-status")).to_have_text("영업 중 · 24시간")
    expect(page.get_by_test_id("hours-2")).to_have_text("00:00–12:00, 12:00–24:00")
    expect(page.get_by_test_id("holidays")).to_contain_text("12/25")

    page.get_by_test_id("post-title-input").fill(title)
    page.get_by_test_id("post-content-input").fill("오후 3시까지만 있어요")
    page.get_by_test_id("post-submit").click()
    expect(page.get_by_test_id("business-news")).to_contain_text(title)
    screenshot(page, "business-profile")

    # A neighbour in range sees the news on their home and follows the shop.
    home = signed_in(new_context, server, neighbour).new_page()
    home.goto("/")
    strip = home.get_by_test_id("news-strip")
    expect(strip).to_contain_text(title)
    expect(strip).to_contain_text(name)
    screenshot(home, "business-news-on-home")
    strip.get_by_role("link", name=re.compile(re.escape(name))).first.click()
    expect(home).to_have_url(PROFILE_URL)
    home.wait_for_load_state("domcontentloaded")
    expect(home.get_by_test_id("manage")).to_have_count(0)
    home.get_by_test_id("follow").click()
    expect(home.get_by_test_id("follow")).to_have_text("단골 ✓")
    expect(home.get_by_test_id("follower-count")).to_have_text("단골 1명")
    home.goto("/me/businesses")
    expect(home.get_by_test_id("followed-business")).to_have_text(name)

    # Someone whose range does not cover 역삼동 sees no news from it.
    away = signed_in(new_context, server, far).new_page()
    away.goto("/")
    expect(away.get_by_test_id("feed")).to_be_visible()
    expect(away.get_by_test_id("news-slot")).to_have_count(0)  # the strip came back empty
    expect(away.get_by_text(title)).to_have_count(0)
    away.goto("/news")
    expect(away.get_by_test_id("news")).not_to_contain_text(title)


def test_help_centre_operators_write_and_people_find_by_korean_search(
    new_context: NewContext, server: Server, client: httpx.Client, database: DatabaseUnderTest
) -> None:
    op = signup(client)
    # With Playwright running, asyncio.run() (tests.conftest.query) is unavailable: use the CLI.
    subprocess.run(
        [sys.executable, "-m", "dongne.cli", "user", "promote", op.email, "--role", "operator"],
        env={**os.environ, "DONGNE_DATABASE_URL": database.url, "DONGNE_ENV": "test"},
        check=True,
        capture_output=True,
    )
    tag = unique("q")
    page = signed_in(new_context, server, op).new_page()
    page.goto("/help")
    page.get_by_test_id("help-new").click()
    page.get_by_test_id("help-category").select_option("account")
    page.get_by_test_id("help-title").fill(f"동네인증이 안 될 때 {tag}")
    page.get_by_test_id("help-content").fill("위치 권한을 허용하고 GPS를 켠 뒤 다시 시도해 주세요.")
    page.get_by_test_id("help-submit").click()
    expect(page.get_by_test_id("help-article-title")).to_have_text(f"동네인증이 안 될 때 {tag}")

    reader = new_context().new_page()
    reader.goto("/")
    reader.get_by_test_id("footer-help").click()
    expect(reader.get_by_test_id("help-new")).to_have_count(0)  # not an operator
    box = reader.get_by_test_id("help-search")
    box.fill(f"동네 인증 {tag}")
    box.press("Enter")
    results = reader.get_by_test_id("help-article-link")
    expect(results).to_have_count(1)
    results.first.click()
    expect(reader.get_by_test_id("help-article-content")).to_contain_text("GPS")
    reader.goto(f"/help?q=환불 {tag}")
    expect(reader.get_by_test_id("help-empty")).to_be_visible()


def test_staff_join_with_the_link_from_the_invitation_mail(
    new_context: NewContext,
    server: Server,
    client: httpx.Client,
    mailbox: Mailbox,
    screenshot: Callable[..., Path],
) -> None:
    owner = make_resident(client, "역삼동")
    shop = verified_shop(client, owner)
    staff = signup(client)

    # The owner invites by e-mail on the staff page; the invitation waits for its mail.
    owner_page = signed_in(new_context, server, owner).new_page()
    owner_page.goto(f"/businesses/{shop['id']}/staff")
    owner_page.get_by_test_id("invite-email").fill(staff.email)
    owner_page.get_by_test_id("invite-submit").click()
    expect(owner_page.get_by_test_id("invitation")).to_contain_text(staff.email)
    link = mailbox.link(staff.email)
    assert link.startswith(f"{server.url}/business-invitations?token=")

    # The mail's link, opened signed out, asks to log in and comes back to the invitation.
    page = new_context().new_page()
    page.goto(link)
    page.get_by_test_id("invitation-login").click()
    form = page.get_by_test_id("login-form")
    form.get_by_label("이메일").fill(staff.email)
    form.get_by_label("비밀번호").fill(staff.password)
    form.get_by_role("button", name="로그인").click()
    expect(page.get_by_test_id("invitation")).to_contain_text(str(shop["name"]))
    page.wait_for_load_state("domcontentloaded")
    screenshot(page, "business-invitation")
    page.get_by_test_id("accept-invitation").click()
    expect(page).to_have_url(PROFILE_URL)
    page.wait_for_load_state("domcontentloaded")

    owner_page.reload()
    members = owner_page.get_by_test_id("member")
    expect(members).to_have_count(2)
    expect(members.nth(1)).to_contain_text(staff.nickname)
    expect(owner_page.get_by_test_id("invitation")).to_have_count(0)

    # The same link, used, is refused in Korean.
    page.goto(link)
    expect(page.get_by_text("초대를 찾을 수 없어요", exact=False)).to_be_visible()
