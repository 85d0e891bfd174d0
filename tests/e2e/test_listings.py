"""Listings as neighbours see them in a browser: writing a listing with a photo,
the home feed of people in and out of range, Korean search, a seller changing
a listing's state, infinite scroll, keyword alerts arriving live, and English."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from PIL import Image
from playwright.sync_api import BrowserContext, Locator, Page, expect

from tests.conftest import Account, Server, signup
from tests.e2e.conftest import NewContext, loaded_width
from tests.listings.conftest import PLACES, jpeg_with_gps, make_resident, post

pytestmark = pytest.mark.browser

# 종로구 청진동: a neighbourhood no other test posts in, for counting a whole feed.
CHEONGJIN = ("1111012200", 37.57145106, 126.9801786)
LISTING_URL = re.compile(r"/listings/(\d+)$")


def signed_in(new_context: NewContext, server: Server, who: Account) -> BrowserContext:
    """A browser holding ``who``'s session cookie (the token is a session's token)."""
    context = new_context()
    context.add_cookies([{"name": "dongne_session", "value": who.token, "url": server.url}])
    return context


def listing_id(page: Page) -> int:
    expect(page).to_have_url(LISTING_URL)
    page.wait_for_load_state("domcontentloaded")
    match = LISTING_URL.search(page.url)
    assert match is not None
    return int(match[1])


def field_error(page: Page, name: str) -> Locator:
    return page.locator(f"[data-error-for='{name}']")


def png(width: int, height: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (40, 120, 200)).save(buf, "PNG")
    return buf.getvalue()


def search(page: Page, text: str) -> None:
    page.goto("/search")
    box = page.get_by_test_id("search-input")
    box.fill(text)
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q="))
    page.wait_for_load_state("domcontentloaded")


def test_post_with_a_photo_then_neighbours_find_it_and_far_people_do_not(
    new_context: NewContext, server: Server, client: httpx.Client, screenshot: Callable[..., Path]
) -> None:
    seller = make_resident(client, "역삼동", level=2)
    neighbour = make_resident(client, "논현동", level=1)
    far = make_resident(client, "수원 인계동", level=3)

    page = signed_in(new_context, server, seller).new_page()
    page.goto("/")
    page.get_by_test_id("write").click()
    expect(page).to_have_url(re.compile(r"/listings/new$"))
    page.wait_for_load_state("domcontentloaded")
    expect(page.get_by_role("heading", level=1)).to_have_text("내 물건 팔기")

    # Sent empty, the form shows each problem next to its field.
    page.get_by_test_id("submit").click()
    expect(field_error(page, "title")).to_have_text("제목은 2~60자로 입력해 주세요.")
    expect(field_error(page, "category")).to_have_text("카테고리를 선택해 주세요.")
    expect(page).to_have_url(re.compile(r"/listings/new$"))
    page.wait_for_load_state("domcontentloaded")

    # Photos upload as soon as they are chosen; the preview is the server's thumbnail.
    page.get_by_test_id("photo-input").set_input_files(
        files=[
            {"name": "chair.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_gps()},
            {"name": "fake.jpg", "mimeType": "image/jpeg", "buffer": b"not a photo at all"},
            {"name": "back.png", "mimeType": "image/png", "buffer": png(300, 200)},
        ]
    )
    tiles = page.get_by_test_id("photo-tile")
    expect(tiles).to_have_count(3)
    expect(tiles.nth(1).get_by_test_id("photo-error")).to_have_text(
        "JPEG, PNG, WebP 사진만 올릴 수 있어요."
    )
    expect(tiles.nth(0).locator("img")).to_have_attribute("src", re.compile(r"^/media/"))
    expect(tiles.nth(2).locator("img")).to_have_attribute("src", re.compile(r"^/media/"))
    expect(page.get_by_test_id("photo-count")).to_have_text("2/10")
    tiles.nth(1).get_by_test_id("photo-remove").click()  # drop the one that failed
    expect(tiles).to_have_count(2)
    jpeg_id = tiles.nth(0).get_attribute("data-photo-id")
    # The PNG goes first and becomes the cover; then it goes back to second place.
    tiles.nth(1).get_by_test_id("photo-left").click()
    expect(tiles.nth(0)).to_contain_text("대표 사진")
    expect(tiles.nth(1)).to_have_attribute("data-photo-id", jpeg_id or "")
    tiles.nth(0).get_by_test_id("photo-right").click()
    expect(tiles.nth(0)).to_have_attribute("data-photo-id", jpeg_id or "")
    tile = tiles.nth(0)
    expect(tile).to_contain_text("대표 사진")
    assert loaded_width(tile.locator("img")) == 240

    page.get_by_test_id("title-input").fill("원목 의자 팝니다")
    page.get_by_test_id("category-select").select_option(label="가구/인테리어")
    page.get_by_test_id("price-input").fill("15000")
    page.get_by_test_id("offers-input").check()
    page.get_by_test_id("description-input").fill("튼튼한 원목 의자예요.\n직거래만 해요.")
    screenshot(page, "listings-write")
    page.get_by_test_id("submit").click()

    # The listing's page: the photo, the text with its line break, the price.
    item = listing_id(page)
    expect(page.get_by_test_id("title")).to_have_text("원목 의자 팝니다")
    expect(page.get_by_test_id("price")).to_have_text("15,000원")
    expect(page.get_by_text("가격 제안 가능")).to_be_visible()
    expect(page.get_by_test_id("category")).to_have_text("가구/인테리어")
    expect(page.get_by_test_id("description")).to_have_text("튼튼한 원목 의자예요.\n직거래만 해요.")
    expect(page.get_by_test_id("seller")).to_have_text(seller.nickname)
    photos = page.get_by_test_id("photo").locator("img")
    expect(photos).to_have_count(2)
    photo = photos.first  # the JPEG, in the order chosen on the form
    assert loaded_width(photo) == 640
    screenshot(page, "listings-detail-seller")

    # What the server hands out has no EXIF at all, let alone where it was taken.
    sources = [photo.get_attribute("src"), page.get_by_test_id("photo").first.get_attribute("href")]
    for src in sources:
        assert src
        body = page.request.get(src).body()
        assert b"GPS" not in body and b"PhoneMaker" not in body
        with Image.open(io.BytesIO(body)) as image:
            assert dict(image.getexif()) == {}
            assert image.size == (640, 480)

    # A neighbour in 논현동 sees it at the top of the home feed.
    other = signed_in(new_context, server, neighbour).new_page()
    other.goto("/")
    expect(other.get_by_test_id("home-neighbourhood")).to_contain_text("논현동")
    card = other.get_by_test_id(f"card-{item}")
    expect(card).to_contain_text("원목 의자 팝니다")
    expect(card).to_contain_text("15,000원")
    expect(card).to_contain_text(re.compile(r"역삼동 · (방금 전|\d+분 전)"))
    expect(card.locator("img")).to_have_attribute("src", re.compile(r"^/media/"))
    screenshot(other, "listings-home")

    # …and finds it by initial consonants and by the words without their space.
    for text in ("ㅇㅈ", "원목의자"):
        search(other, text)
        expect(other.get_by_test_id(f"card-{item}")).to_be_visible()
    screenshot(other, "listings-search")
    other.get_by_test_id(f"card-{item}").click()
    expect(other.get_by_test_id("title")).to_have_text("원목 의자 팝니다")
    expect(other.get_by_test_id("stats")).to_contain_text("조회 1")

    # Typing suggests titles; an empty box shows recent searches, which can be cleared.
    other.go_back()
    box = other.get_by_test_id("search-input")
    box.fill("")
    box.press_sequentially("의자", delay=50)
    expect(other.get_by_test_id("suggest-list")).to_contain_text("원목 의자 팝니다")
    box.fill("")
    box.dispatch_event("input")
    recent = other.get_by_test_id("recent")
    expect(recent.locator(".chip")).to_have_text(["원목의자", "ㅇㅈ"])
    recent.get_by_test_id("clear-recent").click()
    expect(recent).to_have_count(0)
    other.goto("/search")
    expect(other.get_by_test_id("recent")).to_have_count(0)

    # Someone in 수원 인계동, 27 km away, sees neither the card nor a search hit.
    away = signed_in(new_context, server, far).new_page()
    away.goto("/")
    expect(away.get_by_test_id("home-neighbourhood")).to_contain_text("인계동")
    expect(away.get_by_test_id("feed")).to_be_visible()
    expect(away.get_by_test_id(f"card-{item}")).to_have_count(0)
    search(away, "원목의자")
    expect(away.get_by_test_id("no-results").or_(away.get_by_test_id("results"))).to_be_visible()
    expect(away.get_by_test_id(f"card-{item}")).to_have_count(0)
    assert away.request.get(f"/listings/{item}").status == 404


def test_seller_reserves_then_hides_and_the_neighbours_feed_follows(
    new_context: NewContext, server: Server, client: httpx.Client, screenshot: Callable[..., Path]
) -> None:
    seller = make_resident(client, "역삼동", level=2)
    neighbour = make_resident(client, "논현동", level=1)
    item = post(client, seller, title="캠핑 테이블 팔아요", category="sports", price=30000)["id"]

    mine = signed_in(new_context, server, seller).new_page()
    mine.goto(f"/listings/{item}")
    expect(mine.get_by_test_id("status-badge")).to_have_count(0)
    mine.get_by_test_id("status-select").select_option("reserved")
    expect(mine.get_by_test_id("status-badge")).to_have_text("예약중")
    expect(mine.get_by_test_id("status-select")).to_have_value("reserved")

    theirs = signed_in(new_context, server, neighbour).new_page()
    theirs.goto("/")
    card = theirs.get_by_test_id(f"card-{item}")
    expect(card.get_by_test_id("status-badge")).to_have_text("예약중")

    # "거래완료 안보기" keeps a reserved listing; "나눔만" filters it out.
    theirs.get_by_test_id("filter-free").check()
    expect(theirs).to_have_url(re.compile(r"free=1"))
    theirs.wait_for_load_state("domcontentloaded")
    expect(card).to_have_count(0)
    theirs.get_by_test_id("filter-free").uncheck()
    expect(card).to_be_visible()

    mine.get_by_test_id("hide").click()
    expect(mine.get_by_test_id("hidden-note")).to_be_visible()
    expect(mine.get_by_test_id("hide")).to_have_text("숨김 해제")

    theirs.reload()
    expect(theirs.get_by_test_id("feed")).to_be_visible()
    expect(card).to_have_count(0)
    assert theirs.request.get(f"/listings/{item}").status == 404

    # The seller still finds it, marked 숨김, under 예약중.
    mine.goto("/me/listings?status=reserved")
    expect(mine.get_by_test_id("tab-reserved")).to_have_attribute("aria-current", "page")
    expect(mine.get_by_test_id(f"card-{item}").get_by_test_id("hidden-badge")).to_have_text("숨김")
    screenshot(mine, "listings-mine")

    # Deleting asks first; a dismissed question changes nothing.
    mine.get_by_test_id(f"card-{item}").click()
    mine.once("dialog", lambda dialog: dialog.dismiss())
    mine.get_by_test_id("delete").click()
    expect(mine.get_by_test_id("title")).to_have_text("캠핑 테이블 팔아요")
    mine.once("dialog", lambda dialog: dialog.accept())
    mine.get_by_test_id("delete").click()
    expect(mine).to_have_url(re.compile(r"/me/listings\?deleted=1$"))
    mine.wait_for_load_state("domcontentloaded")
    expect(mine.get_by_role("status")).to_have_text("글을 삭제했어요.")
    assert mine.request.get(f"/listings/{item}").status == 404


def resident_of_cheongjin(client: httpx.Client, level: int) -> Account:
    who = signup(client)
    nid, lat, lon = CHEONGJIN
    r = client.post(
        "/api/v1/me/neighbourhoods/verify",
        json={"neighbourhood_id": nid, "latitude": lat, "longitude": lon},
        headers=who.auth,
    )
    assert r.status_code == 200, r.text
    r = client.put(
        f"/api/v1/me/neighbourhoods/{nid}/range", json={"level": level}, headers=who.auth
    )
    assert r.status_code == 200, r.text
    return who


def test_the_feed_loads_more_cards_as_the_viewer_scrolls(
    new_context: NewContext, server: Server, client: httpx.Client, screenshot: Callable[..., Path]
) -> None:
    seller = resident_of_cheongjin(client, level=0)
    posted = [post(client, seller, title=f"청진동 물건 {n}번")["id"] for n in range(25)]
    viewer = resident_of_cheongjin(client, level=0)

    page = signed_in(new_context, server, viewer).new_page()
    page.goto("/")
    cards = page.locator("[data-testid^='card-']")
    expect(cards).to_have_count(20)
    expect(page.get_by_test_id("loader")).to_have_count(1)
    # Newest first: the last one posted heads the feed.
    expect(cards.first).to_have_attribute("data-testid", f"card-{posted[-1]}")

    for _ in range(10):
        if cards.count() == 25:
            break
        page.mouse.wheel(0, 4000)
        page.wait_for_timeout(300)
    expect(cards).to_have_count(25)
    expect(page.get_by_test_id("loader")).to_have_count(0)
    shown = [cards.nth(i).get_attribute("data-testid") for i in range(cards.count())]
    assert len(set(shown)) == 25
    assert shown == [f"card-{i}" for i in reversed(posted)]
    page.set_viewport_size({"width": 1024, "height": 900})
    screenshot(page, "listings-feed-wide")


def test_a_keyword_alert_arrives_live_and_links_to_the_listing(
    new_context: NewContext, server: Server, client: httpx.Client, screenshot: Callable[..., Path]
) -> None:
    seller = make_resident(client, "역삼동", level=2)
    neighbour = make_resident(client, "논현동", level=1)

    page = signed_in(new_context, server, neighbour).new_page()
    page.goto("/me/keywords")
    page.get_by_label("키워드").fill("자전거")
    page.get_by_role("button", name="등록").click()
    expect(page.get_by_test_id("keyword")).to_have_text(re.compile(r"^\s*자전거"))
    badge = page.get_by_test_id("unread-badge")
    expect(badge).to_be_hidden()

    # The seller posts through the API while the neighbour's page stays open.
    item = post(client, seller, title="자전거를 팝니다", category="sports", price=50000)["id"]
    expect(badge).to_have_text("1")
    expect(badge).to_be_visible()
    screenshot(page, "listings-keywords")

    page.get_by_test_id("nav-notifications").click()
    expect(page).to_have_url(re.compile(r"/notifications$"))
    page.wait_for_load_state("domcontentloaded")
    note = page.get_by_test_id("notification").first
    expect(note).to_have_text(re.compile(r"'자전거' 키워드 새 글: 자전거를 팝니다"))
    expect(note).to_have_class(re.compile(r"\bunread\b"))
    expect(badge).to_be_hidden()  # opening the page read them
    screenshot(page, "listings-notifications")
    expect(badge).to_have_text("0")
    unread = client.get("/api/v1/notifications", headers=neighbour.auth).json()["unread"]
    assert unread == 0

    note.get_by_role("link").click()
    assert listing_id(page) == item
    expect(page.get_by_test_id("title")).to_have_text("자전거를 팝니다")


def test_a_listing_in_english(
    new_context: NewContext, server: Server, client: httpx.Client, screenshot: Callable[..., Path]
) -> None:
    seller = make_resident(client, "역삼동", level=2)
    neighbour = make_resident(client, "논현동", level=1)
    item = post(client, seller, title="유아 자전거 나눔", category="kids", is_free=True, price=None)

    page = signed_in(new_context, server, neighbour).new_page()
    page.goto(f"/listings/{item['id']}")
    expect(page.get_by_test_id("price")).to_have_text("나눔")
    page.get_by_test_id("lang-en").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(rf"/listings/{item['id']}$"))
    page.wait_for_load_state("domcontentloaded")
    expect(page.get_by_test_id("price")).to_have_text("Free")
    expect(page.get_by_test_id("category")).to_have_text("Kids")
    expect(page.get_by_test_id("stats")).to_have_text(re.compile(r"^Likes 0 · Chats 0 · Views 1$"))
    expect(page.get_by_test_id("chat")).to_have_text("Chat")
    expect(page.get_by_test_id("like")).to_have_attribute("aria-label", "Like")

    # Liking it counts, and the card in the English feed says Free.
    page.get_by_test_id("like").click()
    expect(page.get_by_test_id("like-count")).to_have_text("1")
    expect(page.get_by_test_id("like")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_test_id("stats")).to_have_text("Likes 1 · Chats 0 · Views 1")
    page.get_by_test_id("like").click()  # and un-liking it
    expect(page.get_by_test_id("like-count")).to_have_text("0")
    expect(page.get_by_test_id("like")).to_have_attribute("aria-pressed", "false")
    page.get_by_test_id("like").click()
    expect(page.get_by_test_id("like-count")).to_have_text("1")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing overflows
    screenshot(page, "listings-detail-english")
    page.goto("/")
    card = page.get_by_test_id(f"card-{item['id']}")
    expect(card).to_contain_text("Free")
    expect(card).to_contain_text(re.compile(r"역삼동 · (just now|\d+ minutes? ago)"))
    page.goto("/me/likes")
    expect(page.get_by_role("heading", level=1)).to_have_text("Saved items")
    expect(page.get_by_test_id(f"card-{item['id']}")).to_contain_text("Free")

    seller_page = signed_in(new_context, server, seller).new_page()
    seller_page.goto(f"/listings/{item['id']}")
    options = seller_page.get_by_test_id("status-select").locator("option")
    expect(options).to_have_text(["판매중", "예약중", "거래완료"])
    assert PLACES["역삼동"][0] == item["neighbourhood"]["id"]  # type: ignore[index]


def test_a_visitor_looks_around_a_neighbourhood_read_only(
    page: Page, client: httpx.Client, screenshot: Callable[..., Path]
) -> None:
    seller = make_resident(client, "역삼동", level=2)
    item = post(client, seller, title="둘러보기용 책상", category="furniture", price=20000)["id"]

    page.goto("/")
    picker = page.get_by_test_id("browse-picker")
    picker.get_by_test_id("place-search").fill("강남구 역삼동")
    expect(picker.get_by_test_id("place-results")).to_contain_text("서울특별시 강남구 역삼동")
    screenshot(page, "listings-visitor-picker")
    picker.get_by_test_id(f"pick-{PLACES['역삼동'][0]}").click()

    expect(page).to_have_url(re.compile(r"^http://[^/]+/$"))
    page.wait_for_load_state("domcontentloaded")
    expect(page.get_by_test_id("home-neighbourhood")).to_have_text("역삼동")
    expect(page.get_by_test_id("browse-note")).to_contain_text("둘러보기 중")
    expect(page.get_by_test_id("write")).to_have_count(0)
    cookie = next(c for c in page.context.cookies() if c["name"] == "dongne_browse")
    assert cookie["value"] == PLACES["역삼동"][0]
    assert cookie["sameSite"] == "Lax" and cookie["httpOnly"]
    assert cookie["expires"] - time.time() > 360 * 86400
    screenshot(page, "listings-visitor-home")

    page.get_by_test_id(f"card-{item}").click()
    expect(page.get_by_test_id("title")).to_have_text("둘러보기용 책상")
    expect(page.get_by_test_id("like")).to_have_attribute("href", f"/login?next=/listings/{item}")
    expect(page.get_by_test_id("seller-panel")).to_have_count(0)

    page.goto("/")
    page.get_by_role("button", name="다른 동네 보기").click()
    expect(page.get_by_test_id("browse-picker")).to_be_visible()
    assert "dongne_browse" not in {c["name"] for c in page.context.cookies()}
