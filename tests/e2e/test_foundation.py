"""The foundation as a person sees it in a browser: signing up, 동네 인증 by the
phone's location, the range slider, the language switch, logging in and out,
form errors and CSRF protection."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from tests.conftest import YEOKSAM, signup, unique
from tests.e2e.conftest import NewContext

pytestmark = pytest.mark.browser

YEOKSAM_ID = YEOKSAM[0]
IN_YEOKSAM = (37.5000, 127.0385)
TOKYO = (35.68, 139.69)
PASSWORD = "correct horse battery"


@dataclass
class Person:
    email: str
    nickname: str
    password: str


def field(page: Page, name: str) -> Locator:
    """A form field's whole label: its caption, input, hint and error message."""
    return page.locator("label.field").filter(has=page.locator(f"input[name={name}]"))


def sign_up(page: Page) -> Person:
    """Fill in the sign-up form like a person would; lands on 내 동네."""
    person = Person(f"{unique()}@example.com", unique("이웃"), PASSWORD)
    page.goto("/signup")
    form = page.get_by_test_id("signup-form")
    form.get_by_label("이메일").fill(person.email)
    form.get_by_label("닉네임").fill(person.nickname)
    form.get_by_label("비밀번호").fill(person.password)
    form.get_by_role("button", name="가입하기").click()
    expect(page).to_have_url(re.compile(r"/neighbourhood$"))
    # The URL changes when the response starts; the page's deferred scripts bind its
    # buttons only by DOMContentLoaded, and a click before that would do nothing.
    page.wait_for_load_state("domcontentloaded")
    return person


def header(page: Page) -> Locator:
    return page.get_by_role("banner")


def test_sign_up_verify_the_neighbourhood_choose_a_range_and_read_it_in_english(
    new_context: NewContext, screenshot: Callable[..., Path]
) -> None:
    context = new_context(allow_location=True)
    page = context.new_page()

    person = sign_up(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("내 동네")
    expect(header(page)).to_contain_text(person.nickname)
    expect(page.get_by_text("아직 설정한 동네가 없어요.")).to_be_visible()

    # Standing in 역삼동, the phone shares its position; the page names the place.
    context.set_geolocation({"latitude": IN_YEOKSAM[0], "longitude": IN_YEOKSAM[1]})
    verify = page.get_by_test_id("verify")
    expect(verify).to_be_hidden()
    page.get_by_test_id("locate").click()
    expect(page.get_by_test_id("locate-status")).to_have_text("현재 위치: 서울특별시 강남구 역삼동")
    expect(verify).to_have_text("역삼동 인증하기")

    # Verifying reloads the page, which now lists 역삼동 as verified.
    verify.click()
    place = page.get_by_test_id(f"place-{YEOKSAM_ID}")
    expect(place.get_by_test_id("verified-badge")).to_have_text("인증됨")
    expect(place.locator("strong")).to_have_text("역삼동")
    expect(place).to_contain_text("서울특별시 강남구 역삼동")
    expect(page.get_by_text("아직 설정한 동네가 없어요.")).to_have_count(0)

    # The range slider, by keyboard: each step is saved as soon as it is made.
    slider = page.get_by_test_id("range-slider")
    count = page.get_by_test_id("range-count")

    def step(key: str, level: int) -> str:
        with page.expect_response(
            lambda r: r.request.method == "PUT" and r.url.endswith(f"/{YEOKSAM_ID}/range")
        ) as saved:
            slider.press(key)
        assert saved.value.ok, saved.value.text()
        expect(slider).to_have_value(str(level))
        expect(count).not_to_have_class(re.compile(r"\berror\b"))
        return count.inner_text()

    slider.focus()
    assert step("Home", 0) == "역삼동만"
    nearby = []
    for level in (1, 2, 3):
        text = step("ArrowRight", level)
        match = re.fullmatch(r"역삼동 \+ 근처 동네 (\d+)개", text)
        assert match, text
        nearby.append(int(match[1]))
    assert 0 < nearby[0] < nearby[1] < nearby[2], nearby
    counts = page.request.get("/api/v1/geo/neighbourhoods/1168010100").json()["range_counts"]
    assert nearby == [c - 1 for c in counts[1:]]  # the page says what the ranges hold

    page.reload()
    expect(slider).to_have_value("3")
    expect(count).to_have_text(f"역삼동 + 근처 동네 {nearby[2]}개")

    # The footer's language switch: the same page, in English; place names stay Korean.
    page.get_by_test_id("lang-en").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(r"/neighbourhood$"))
    page.wait_for_load_state("domcontentloaded")
    expect(page.get_by_role("heading", level=1)).to_have_text("My neighbourhood")
    expect(count).to_have_text(f"역삼동 + {nearby[2]} nearby neighbourhoods")
    expect(place.get_by_test_id("verified-badge")).to_have_text("Verified")
    expect(page.get_by_test_id("locate")).not_to_contain_text("인증")

    shot = screenshot(page, "foundation-journey")
    assert shot.exists()
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 20_000, shot.stat().st_size


def test_a_location_outside_korea_is_refused_in_korean(new_context: NewContext) -> None:
    page = new_context(geolocation=TOKYO).new_page()
    sign_up(page)

    page.get_by_test_id("locate").click()
    status = page.get_by_test_id("locate-status")
    expect(status).to_have_text("이 위치는 서비스 지역(대한민국의 동네) 밖이에요.")
    expect(status).to_have_class(re.compile(r"\berror\b"))
    expect(page.get_by_test_id("verify")).to_be_hidden()

    page.reload()
    expect(page.get_by_text("아직 설정한 동네가 없어요.")).to_be_visible()
    expect(page.get_by_test_id("verified-badge")).to_have_count(0)


def test_log_in_with_a_wrong_then_the_right_password_and_log_out(
    page: Page, client: httpx.Client
) -> None:
    account = signup(client)
    page.goto("/login")
    form = page.get_by_test_id("login-form")
    form.get_by_label("이메일").fill(account.email)
    form.get_by_label("비밀번호").fill("not the password")
    form.get_by_role("button", name="로그인").click()

    expect(page.get_by_role("alert")).to_have_text("이메일 또는 비밀번호가 올바르지 않습니다.")
    expect(form.get_by_label("이메일")).to_have_value(account.email)
    expect(form.get_by_label("비밀번호")).to_have_value("")
    expect(header(page).get_by_role("link", name="로그인")).to_be_visible()
    expect(header(page)).not_to_contain_text(account.nickname)

    form.get_by_label("비밀번호").fill(account.password)
    form.get_by_role("button", name="로그인").click()
    expect(page).to_have_url(re.compile(r"^http://[^/]+/$"))
    page.wait_for_load_state("domcontentloaded")
    expect(header(page).get_by_role("link", name=account.nickname)).to_be_visible()
    expect(header(page).get_by_role("link", name="로그인")).to_have_count(0)

    header(page).get_by_role("button", name="로그아웃").click()
    expect(header(page).get_by_role("link", name="로그인")).to_be_visible()
    expect(header(page)).not_to_contain_text(account.nickname)
    page.goto("/neighbourhood")  # a members' page: the browser is really logged out
    expect(page).to_have_url(re.compile(r"/login\?next=/neighbourhood$"))
    page.wait_for_load_state("domcontentloaded")


def test_sign_up_form_explains_each_invalid_field_and_creates_nothing(
    page: Page, client: httpx.Client
) -> None:
    nickname = unique("이웃")
    page.goto("/signup")
    form = page.get_by_test_id("signup-form")
    form.get_by_label("이메일").fill("not-an-email")
    form.get_by_label("닉네임").fill(nickname)
    form.get_by_label("비밀번호").fill("short")
    form.get_by_role("button", name="가입하기").click()

    expect(field(page, "email").get_by_role("alert")).to_have_text(
        "올바른 이메일 주소를 입력해 주세요."
    )
    expect(field(page, "password").get_by_role("alert")).to_have_text(
        "비밀번호는 8자 이상이어야 해요."
    )
    expect(field(page, "nickname").get_by_role("alert")).to_have_count(0)
    expect(page.get_by_role("alert")).to_have_count(2)
    expect(form.get_by_label("이메일")).to_have_attribute("aria-invalid", "true")
    expect(form.get_by_label("이메일")).to_have_value("not-an-email")
    expect(form.get_by_label("닉네임")).to_have_value(nickname)
    expect(page).to_have_url(re.compile(r"/signup$"))
    page.wait_for_load_state("domcontentloaded")
    expect(header(page).get_by_role("link", name="로그인")).to_be_visible()

    # Nothing was created: those credentials do not log in, and the nickname is still free.
    login = client.post("/api/v1/auth/token", json={"email": "not-an-email", "password": "short"})
    assert login.status_code == 401, login.text
    assert signup(client, nickname=nickname).nickname == nickname


def test_a_form_posted_without_the_csrf_token_is_refused(page: Page, client: httpx.Client) -> None:
    account = signup(client)
    page.goto("/login")
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    assert "dongne_csrf" in cookies  # the browser holds a token; the form just leaves it out

    refused = page.request.post(
        "/login",
        form={"email": account.email, "password": account.password},
        max_redirects=0,
    )
    assert refused.status == 403
    assert "보안 토큰이 만료되었거나 올바르지 않습니다." in refused.text()
    assert "dongne_session" not in {c["name"] for c in page.context.cookies()}
    page.goto("/")
    expect(header(page).get_by_role("link", name="로그인")).to_be_visible()
    expect(header(page)).not_to_contain_text(account.nickname)

    # The same post with the token logs in: the refusal was about the token alone.
    accepted = page.request.post(
        "/login",
        form={
            "email": account.email,
            "password": account.password,
            "csrf_token": cookies["dongne_csrf"],
        },
        max_redirects=0,
    )
    assert accepted.status == 303
    page.goto("/")
    expect(header(page).get_by_role("link", name=account.nickname)).to_be_visible()
