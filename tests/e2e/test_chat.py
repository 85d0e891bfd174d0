"""Chat as neighbours use it in a browser: a buyer asks about a listing and the
seller answers live; messages that cross a dropped network arrive once and in
order; what a buyer sends while offline is delivered when the network returns;
photos; an appointment that reserves the listing; and a stranger kept out."""

from __future__ import annotations

import io
import json
import re
import secrets
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from PIL import Image
from playwright.sync_api import BrowserContext, Locator, Page, WebSocket, WebSocketRoute, expect

from tests.conftest import Server
from tests.e2e.conftest import NewContext, loaded_width
from tests.e2e.test_listings import signed_in
from tests.listings.conftest import Resident, jpeg_with_gps, make_resident, post

pytestmark = pytest.mark.browser

ROOM_URL = re.compile(r"/chats/(\d+)$")
SEOUL = ZoneInfo("Asia/Seoul")
WEEKDAYS = "월화수목금토일"


def listing(client: httpx.Client, seller: Resident, title: str, **fields: object) -> int:
    return int(str(post(client, seller, title=title, **fields)["id"]))


def start_chat(client: httpx.Client, buyer: Resident, listing_id: int) -> int:
    r = client.post(f"/api/v1/listings/{listing_id}/chat", headers=buyer.auth)
    assert r.status_code == 200, r.text
    return int(r.json()["id"])


def api_send(client: httpx.Client, who: Resident, conversation: int, body: str) -> None:
    r = client.post(
        f"/api/v1/chats/{conversation}/messages",
        json={"client_id": secrets.token_hex(8), "body": body},
        headers=who.auth,
    )
    assert r.status_code == 201, r.text


def stored_bodies(client: httpx.Client, who: Resident, conversation: int) -> list[str]:
    r = client.get(
        f"/api/v1/chats/{conversation}/messages", params={"limit": 200}, headers=who.auth
    )
    assert r.status_code == 200, r.text
    return [m["body"] for m in r.json() if m["kind"] == "text"]


def open_room(context: BrowserContext, conversation: int) -> Page:
    """A room whose socket has said hello and been welcomed."""
    page = context.new_page()
    page.goto(f"/chats/{conversation}")
    expect(page.locator("html")).to_have_attribute("data-chat-socket", "open")
    return page


def say(page: Page, text: str) -> Locator:
    """Type a message and send it; returns its bubble."""
    box = page.get_by_test_id("message-input")
    box.fill(text)
    page.get_by_test_id("send").click()
    expect(box).to_have_value("")
    return bubble(page, text)


def bubble(page: Page, text: str) -> Locator:
    return page.get_by_test_id("message").filter(
        has=page.get_by_test_id("message-body").get_by_text(text, exact=True)
    )


def theirs(page: Page) -> Locator:
    return page.locator("li.msg.theirs [data-testid='message-body']")


def test_a_buyer_asks_and_the_seller_answers_live(
    new_context: NewContext, server: Server, client: httpx.Client, screenshot: Callable[..., Path]
) -> None:
    seller = make_resident(client, "역삼동")
    buyer = make_resident(client, "논현동", level=1)
    earlier = make_resident(client, "역삼동")
    item = listing(client, seller, title="원목 식탁 팝니다", price=50000)
    other_item = listing(client, seller, title="책장 나눔", is_free=True, price=None)
    # The seller already talks with someone else about another listing.
    older = start_chat(client, earlier, other_item)
    api_send(client, earlier, older, "책장 아직 있나요?")

    seller_context = signed_in(new_context, server, seller)
    inbox = seller_context.new_page()
    inbox.goto("/chats")
    expect(inbox.locator("html")).to_have_attribute("data-chat-socket", "open")
    rows = inbox.locator("li.chat-row")
    expect(rows).to_have_count(1)
    expect(inbox.get_by_test_id("chat-badge")).to_have_text("1")

    # The buyer presses 채팅하기 on the listing and lands in the room.
    buyer_page = signed_in(new_context, server, buyer).new_page()
    buyer_page.goto(f"/listings/{item}")
    buyer_page.get_by_test_id("chat").click()
    expect(buyer_page).to_have_url(ROOM_URL)
    buyer_page.wait_for_load_state("domcontentloaded")
    match = ROOM_URL.search(buyer_page.url)
    assert match is not None
    conversation = int(match[1])
    expect(buyer_page.get_by_test_id("other-name")).to_have_text(seller.nickname)
    expect(buyer_page.get_by_test_id("room-listing")).to_contain_text("원목 식탁 팝니다")
    expect(buyer_page.get_by_test_id("room-listing")).to_contain_text("50,000원")
    expect(buyer_page.get_by_test_id("room-listing-status")).to_have_text("판매중")
    expect(buyer_page.locator("html")).to_have_attribute("data-chat-socket", "open")
    question = say(buyer_page, "안녕하세요! 아직 판매 중인가요?")
    expect(question).to_have_attribute("data-state", "sent")
    expect(question.get_by_test_id("receipt")).to_have_text("전송됨")

    # The seller's open list shows the new conversation on top, unread, without a reload.
    row = inbox.get_by_test_id(f"chat-{conversation}")
    expect(rows).to_have_count(2)
    expect(rows.first).to_have_attribute("data-testid", f"chat-{conversation}")
    expect(row.get_by_test_id("chat-name")).to_have_text(buyer.nickname)
    expect(row.get_by_test_id("chat-preview")).to_have_text("안녕하세요! 아직 판매 중인가요?")
    expect(row.get_by_test_id("chat-unread")).to_have_text("1")
    expect(row).to_contain_text("논현동")
    expect(row).to_contain_text("36.5°C")
    expect(inbox.get_by_test_id("chat-badge")).to_have_text("2")
    screenshot(inbox, "chat-list")

    # Opening the room shows the question; the buyer sees that it was read.
    row.click()
    expect(inbox).to_have_url(re.compile(rf"/chats/{conversation}$"))
    inbox.wait_for_load_state("domcontentloaded")
    expect(theirs(inbox)).to_have_text(["안녕하세요! 아직 판매 중인가요?"])
    expect(question).to_have_attribute("data-state", "read")
    expect(question.get_by_test_id("receipt")).to_have_text("읽음")
    expect(inbox.get_by_test_id("chat-badge")).to_have_text("1")  # only the other conversation

    answer = say(inbox, "네, 아직 판매 중이에요. 오늘 저녁 어떠세요?")
    expect(answer).to_have_attribute("data-state", re.compile(r"^(sent|read)$"))
    expect(theirs(buyer_page)).to_have_text(["네, 아직 판매 중이에요. 오늘 저녁 어떠세요?"])
    expect(answer).to_have_attribute("data-state", "read")  # the buyer's room is open
    expect(answer.get_by_test_id("receipt")).to_have_text("읽음")
    followup = say(buyer_page, "좋아요, 7시에 역삼역에서 뵐게요.")
    expect(theirs(inbox)).to_have_text(
        ["안녕하세요! 아직 판매 중인가요?", "좋아요, 7시에 역삼역에서 뵐게요."]
    )
    expect(followup.get_by_test_id("receipt")).to_have_text("읽음")
    expect(question).to_have_attribute("data-state", "read")
    expect(question.get_by_test_id("receipt")).to_have_text("")  # 읽음 sits under the newest only
    screenshot(buyer_page, "chat-room")

    # The seller's listing page counts the conversation and links to its chats.
    inbox.goto(f"/listings/{item}")
    link = inbox.get_by_test_id("chat-count")
    expect(link).to_have_text("대화 중인 채팅 1")
    link.click()
    expect(inbox).to_have_url(re.compile(rf"/chats\?listing={item}$"))
    inbox.wait_for_load_state("domcontentloaded")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-testid", f"chat-{conversation}")


class SocketFrames:
    """The chat socket's frames as a page sends and receives them (Playwright's
    websocket events, which are delivered while Playwright waits)."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.log: list[tuple[str, dict[str, object]]] = []
        page.on("websocket", self._watch)

    def _watch(self, ws: WebSocket) -> None:
        if not ws.url.endswith("/ws"):
            return
        ws.on("framesent", lambda payload: self._add("sent", payload))
        ws.on("framereceived", lambda payload: self._add("received", payload))

    def _add(self, direction: str, payload: str | bytes) -> None:
        frame = json.loads(payload)
        if isinstance(frame, dict):
            self.log.append((direction, frame))

    def wait_for_answer_to(self, sent: dict[str, object], timeout: float = 15.0) -> None:
        """Wait until the page has sent a frame containing ``sent`` and then
        received a frame of the same type: the server's answer to it."""
        deadline = time.monotonic() + timeout
        while True:
            at = next(
                (
                    i
                    for i, (direction, frame) in enumerate(self.log)
                    if direction == "sent" and sent.items() <= frame.items()
                ),
                None,
            )
            if at is not None and any(
                direction == "received" and frame.get("type") == sent["type"]
                for direction, frame in self.log[at + 1 :]
            ):
                return
            assert time.monotonic() < deadline, f"no answer to {sent} in {timeout} s: {self.log}"
            self.page.wait_for_timeout(50)  # lets Playwright deliver the socket's events


def test_messages_sent_while_the_buyer_is_offline_arrive_once_and_in_order(
    new_context: NewContext, server: Server, client: httpx.Client
) -> None:
    seller = make_resident(client, "역삼동")
    buyer = make_resident(client, "논현동", level=1)
    item = listing(client, seller, title="캠핑 의자 두 개")
    conversation = start_chat(client, buyer, item)
    api_send(client, buyer, conversation, "의자 아직 있나요?")

    buyer_context = signed_in(new_context, server, buyer)
    buyer_page = open_room(buyer_context, conversation)
    seller_page = open_room(signed_in(new_context, server, seller), conversation)

    buyer_context.set_offline(True)
    expect(buyer_page.get_by_test_id("connecting")).to_be_visible()
    sent = [f"답장 {n}번: 네 있어요" for n in range(1, 6)]
    for text in sent:
        expect(say(seller_page, text)).to_have_attribute("data-state", "sent")
    expect(theirs(buyer_page)).to_have_count(0)

    frames = SocketFrames(buyer_page)
    buyer_context.set_offline(False)
    expect(theirs(buyer_page)).to_have_text(sent)
    expect(buyer_page.get_by_test_id("connecting")).to_be_hidden()
    # Nothing twice, even once the server has answered the read receipt the page
    # sent for what it caught up on: whatever the reconnect brought came before.
    frames.wait_for_answer_to({"type": "read", "conversation_id": conversation, "seq": 6})
    expect(theirs(buyer_page)).to_have_text(sent)
    seqs = buyer_page.locator("li.msg").evaluate_all("els => els.map(e => Number(e.dataset.seq))")
    assert seqs == list(range(1, 7))
    expect(buyer_page.locator("li.msg.mine")).to_have_attribute("data-state", "read")


def test_messages_typed_offline_are_delivered_once_when_the_network_returns(
    new_context: NewContext, server: Server, client: httpx.Client
) -> None:
    seller = make_resident(client, "역삼동")
    buyer = make_resident(client, "논현동", level=1)
    item = listing(client, seller, title="전기 자전거")
    conversation = start_chat(client, buyer, item)

    buyer_context = signed_in(new_context, server, buyer)
    page = open_room(buyer_context, conversation)
    buyer_context.set_offline(True)
    expect(page.get_by_test_id("connecting")).to_be_visible()
    first = say(page, "혹시 네고 가능할까요?")
    second = say(page, "내일 오후에 볼 수 있어요!")
    for pending in (first, second):
        expect(pending).to_have_attribute("data-state", "sending")
        expect(pending.get_by_test_id("receipt")).to_have_text("전송 중")
    outbox = page.evaluate("JSON.parse(sessionStorage.getItem('dongne.chat.outbox'))")
    assert [m["body"] for m in outbox] == ["혹시 네고 가능할까요?", "내일 오후에 볼 수 있어요!"]
    assert stored_bodies(client, buyer, conversation) == []

    buyer_context.set_offline(False)
    for delivered in (first, second):
        expect(delivered).to_have_attribute("data-state", "sent")
    expect(second.get_by_test_id("receipt")).to_have_text("전송됨")
    expect(page.get_by_test_id("message")).to_have_count(2)
    assert stored_bodies(client, buyer, conversation) == [
        "혹시 네고 가능할까요?",
        "내일 오후에 볼 수 있어요!",
    ]
    assert page.evaluate("JSON.parse(sessionStorage.getItem('dongne.chat.outbox'))") == []

    # A reload shows the stored messages once (the server's own render).
    page.reload()
    expect(page.get_by_test_id("message")).to_have_count(2)
    expect(page.locator("li.msg.mine")).to_have_count(2)


def test_a_photo_reaches_the_other_side_without_its_exif(
    new_context: NewContext, server: Server, client: httpx.Client, screenshot: Callable[..., Path]
) -> None:
    seller = make_resident(client, "역삼동")
    buyer = make_resident(client, "논현동", level=1)
    item = listing(client, seller, title="아기 의자")
    conversation = start_chat(client, buyer, item)

    seller_page = open_room(signed_in(new_context, server, seller), conversation)
    buyer_page = open_room(signed_in(new_context, server, buyer), conversation)
    buyer_page.get_by_test_id("photo-input").set_input_files(
        files=[{"name": "scratch.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_gps()}]
    )
    mine = buyer_page.locator("li.msg.mine")
    expect(mine).to_have_count(1)
    expect(mine).to_have_attribute("data-state", re.compile(r"^(sent|read)$"))

    photo = seller_page.get_by_test_id("message-photo")
    expect(photo).to_have_count(1)
    expect(photo).to_have_attribute("src", re.compile(r"^/media/"))
    src = photo.get_attribute("src")
    assert src
    assert loaded_width(photo) > 0
    body = seller_page.request.get(src).body()
    assert b"GPS" not in body and b"PhoneMaker" not in body
    with Image.open(io.BytesIO(body)) as image:
        assert dict(image.getexif()) == {}
    expect(buyer_page.get_by_test_id("message-photo")).to_have_attribute("src", src)
    screenshot(seller_page, "chat-room-photo")

    # A file that is not a photo is refused in Korean, with a choice to drop it.
    buyer_page.get_by_test_id("photo-input").set_input_files(
        files=[{"name": "notes.txt", "mimeType": "text/plain", "buffer": b"hello"}]
    )
    expect(buyer_page.get_by_test_id("send-error")).to_have_text(
        "JPEG, PNG, WebP 사진만 보낼 수 있어요."
    )
    buyer_page.get_by_test_id("discard").click()
    expect(buyer_page.get_by_test_id("send-error")).to_have_count(0)
    expect(mine).to_have_count(1)


def expected_when(when: datetime) -> str:
    local = when.astimezone(SEOUL)
    hour = local.hour % 12 or 12
    half = "오전" if local.hour < 12 else "오후"
    return (
        f"{local.month}월 {local.day}일 ({WEEKDAYS[local.weekday()]}) "
        f"{half} {hour}:{local.minute:02d}"
    )


def test_the_seller_sets_an_appointment_and_reserves_the_listing(
    new_context: NewContext, server: Server, client: httpx.Client, screenshot: Callable[..., Path]
) -> None:
    seller = make_resident(client, "역삼동")
    buyer = make_resident(client, "논현동", level=1)
    item = listing(client, seller, title="스탠드 조명")
    conversation = start_chat(client, buyer, item)
    api_send(client, buyer, conversation, "오늘 저녁에 거래 가능할까요?")

    buyer_page = open_room(signed_in(new_context, server, buyer), conversation)
    seller_page = open_room(signed_in(new_context, server, seller), conversation)
    expect(seller_page.get_by_test_id("appointment")).to_be_hidden()

    meet = (datetime.now(SEOUL) + timedelta(days=2)).replace(hour=19, minute=0)
    seller_page.get_by_test_id("appointment-open").click()
    sheet = seller_page.get_by_test_id("appointment-sheet")
    expect(sheet).to_be_visible()
    sheet.get_by_test_id("appointment-date").fill(meet.strftime("%Y-%m-%d"))
    sheet.get_by_test_id("appointment-time").fill("19:00")
    sheet.get_by_test_id("appointment-place").fill("역삼역 3번 출구")
    sheet.get_by_test_id("appointment-reserve").check()
    screenshot(seller_page, "chat-appointment-sheet")
    sheet.get_by_test_id("appointment-save").click()
    expect(sheet).to_be_hidden()

    pinned = f"약속: {expected_when(meet)} · 역삼역 3번 출구"
    line = f"약속을 잡았어요: {expected_when(meet)} · 역삼역 3번 출구"
    for page in (seller_page, buyer_page):
        expect(page.get_by_test_id("appointment-text")).to_have_text(pinned)
        expect(page.locator(".system-line")).to_have_text(
            [line, "판매자가 거래 상태를 예약중으로 바꿨어요."]
        )
        expect(page.get_by_test_id("room-listing-status")).to_have_text("예약중")
    r = client.get(f"/api/v1/chats/{conversation}", headers=buyer.auth)
    appointment = r.json()["appointment"]
    assert datetime.fromisoformat(appointment["meet_at"]) == meet.replace(second=0, microsecond=0)

    # The listing itself is now 예약중, and a reload shows the same pinned line.
    buyer_page.goto(f"/listings/{item}")
    expect(buyer_page.get_by_test_id("status-badge")).to_have_text("예약중")
    seller_page.reload()
    expect(seller_page.get_by_test_id("appointment-text")).to_have_text(pinned)
    screenshot(seller_page, "chat-room-appointment")


def test_someone_else_cannot_open_the_room(
    new_context: NewContext, server: Server, client: httpx.Client
) -> None:
    seller = make_resident(client, "역삼동")
    buyer = make_resident(client, "논현동", level=1)
    stranger = make_resident(client, "역삼동")
    item = listing(client, seller, title="비밀 거래")
    conversation = start_chat(client, buyer, item)
    api_send(client, buyer, conversation, "제 전화번호는 비밀이에요")

    page = signed_in(new_context, server, stranger).new_page()
    response = page.goto(f"/chats/{conversation}")
    assert response is not None and response.status == 404
    expect(page.get_by_test_id("error-detail")).to_have_text("대화를 찾을 수 없어요.")
    expect(page.get_by_text("제 전화번호는 비밀이에요")).to_have_count(0)
    assert page.request.get(f"/chats/{conversation}/row").status == 404


def test_a_refused_message_can_be_sent_again_or_deleted(
    new_context: NewContext, server: Server, client: httpx.Client
) -> None:
    seller = make_resident(client, "역삼동")
    buyer = make_resident(client, "논현동", level=1)
    item = listing(client, seller, title="원목 선반")
    conversation = start_chat(client, buyer, item)
    page = open_room(signed_in(new_context, server, buyer), conversation)

    r = client.post(f"/api/v1/chats/{conversation}/block", headers=seller.auth)
    assert r.status_code == 204, r.text
    refused = say(page, "지금 출발할게요")
    keep_out = say(page, "이건 지울게요")
    for message in (refused, keep_out):
        expect(message).to_have_attribute("data-state", "failed")
        expect(message.get_by_test_id("send-error")).to_have_text("이 사용자와는 대화할 수 없어요.")
    assert page.evaluate("JSON.parse(sessionStorage.getItem('dongne.chat.outbox'))") == []

    # The refusals outlive a reload; one is deleted, the other sent once unblocked.
    page.reload()
    expect(page.get_by_test_id("send-error")).to_have_count(2)
    bubble(page, "이건 지울게요").get_by_test_id("discard").click()
    expect(bubble(page, "이건 지울게요")).to_have_count(0)
    r = client.delete(f"/api/v1/blocks/{buyer.id}", headers=seller.auth)
    assert r.status_code == 204, r.text
    bubble(page, "지금 출발할게요").get_by_test_id("retry").click()
    expect(bubble(page, "지금 출발할게요")).to_have_attribute("data-state", "sent")
    expect(page.get_by_test_id("send-error")).to_have_count(0)
    assert stored_bodies(client, buyer, conversation) == ["지금 출발할게요"]
    page.reload()
    expect(page.get_by_test_id("message")).to_have_count(1)
    expect(page.get_by_test_id("send-error")).to_have_count(0)


def test_an_unsent_message_survives_a_reload_while_the_server_is_unreachable(
    new_context: NewContext, server: Server, client: httpx.Client
) -> None:
    seller = make_resident(client, "역삼동")
    buyer = make_resident(client, "논현동", level=1)
    item = listing(client, seller, title="접이식 테이블")
    conversation = start_chat(client, buyer, item)
    context = signed_in(new_context, server, buyer)
    reachable = {"yes": False}

    def socket(ws: WebSocketRoute) -> None:
        if reachable["yes"]:
            ws.connect_to_server()
        else:
            ws.close()

    context.route_web_socket(re.compile(r"/ws$"), socket)
    page = context.new_page()
    page.goto(f"/chats/{conversation}")
    expect(page.get_by_test_id("connecting")).to_be_visible()
    waiting = say(page, "테이블 크기가 어떻게 되나요?")
    expect(waiting).to_have_attribute("data-state", "sending")

    page.reload()
    expect(waiting).to_have_attribute("data-state", "sending")
    expect(waiting.get_by_test_id("receipt")).to_have_text("전송 중")
    reachable["yes"] = True
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(waiting).to_have_attribute("data-state", "sent")
    expect(page.get_by_test_id("connecting")).to_be_hidden()
    expect(page.get_by_test_id("message")).to_have_count(1)
    assert stored_bodies(client, buyer, conversation) == ["테이블 크기가 어떻게 되나요?"]


def test_a_message_lost_in_transit_is_fetched_again(
    new_context: NewContext, server: Server, client: httpx.Client
) -> None:
    seller = make_resident(client, "역삼동")
    buyer = make_resident(client, "논현동", level=1)
    item = listing(client, seller, title="빈티지 라디오")
    conversation = start_chat(client, buyer, item)
    context = signed_in(new_context, server, buyer)
    sent_by_page: list[dict[str, object]] = []
    dropped: list[int] = []

    def socket(ws: WebSocketRoute) -> None:
        upstream = ws.connect_to_server()

        def from_page(message: str | bytes) -> None:
            sent_by_page.append(json.loads(message))
            upstream.send(message)

        def from_server(message: str | bytes) -> None:
            frame = json.loads(message)
            if frame.get("type") == "message" and frame.get("seq") == 2 and not dropped:
                dropped.append(2)  # lost on the way, once
                return
            ws.send(message)

        ws.on_message(from_page)
        upstream.on_message(from_server)

    context.route_web_socket(re.compile(r"/ws$"), socket)
    page = open_room(context, conversation)
    for text in ("하나", "둘", "셋"):
        api_send(client, seller, conversation, text)
    expect(theirs(page)).to_have_text(["하나", "둘", "셋"])
    assert dropped == [2]
    syncs = [f for f in sent_by_page if f.get("type") == "sync"]
    assert syncs == [{"type": "sync", "conversation_id": conversation, "after": 1}]
    page.wait_for_timeout(500)
    expect(page.get_by_test_id("message")).to_have_count(3)


def test_the_room_menu_mutes_blocks_and_leaves(
    new_context: NewContext, server: Server, client: httpx.Client
) -> None:
    seller = make_resident(client, "역삼동")
    buyer = make_resident(client, "논현동", level=1)
    item = listing(client, seller, title="고장난 선풍기 나눔", is_free=True, price=None)
    conversation = start_chat(client, buyer, item)
    api_send(client, seller, conversation, "가져가실 분 찾아요")

    buyer_page = open_room(signed_in(new_context, server, buyer), conversation)
    menu = buyer_page.get_by_test_id("room-menu")
    menu.locator("summary").click()
    menu.get_by_test_id("mute").click()
    expect(buyer_page.get_by_test_id("muted-icon")).to_be_visible()
    menu.locator("summary").click()
    expect(menu.get_by_test_id("mute")).to_have_text("알림 켜기")
    api_send(client, seller, conversation, "아직 있어요")
    buyer_page.goto("/chats")
    expect(buyer_page.get_by_test_id(f"chat-{conversation}")).to_have_class(
        re.compile(r"\bmuted-chat\b")
    )
    expect(buyer_page.get_by_test_id("chat-badge")).to_be_hidden()  # muted chats are not counted

    # The seller blocks the buyer, after saying yes to the question.
    seller_page = open_room(signed_in(new_context, server, seller), conversation)
    seller_menu = seller_page.get_by_test_id("room-menu")
    seller_menu.locator("summary").click()
    seller_page.once("dialog", lambda dialog: dialog.dismiss())
    seller_menu.get_by_test_id("block").click()
    expect(seller_page.get_by_test_id("blocked-note")).to_have_count(0)
    seller_page.once("dialog", lambda dialog: dialog.accept())
    seller_menu.get_by_test_id("block").click()
    expect(seller_page.get_by_test_id("blocked-note")).to_be_visible()
    seller_menu.locator("summary").click()
    seller_menu.get_by_test_id("unblock").click()
    expect(seller_page.get_by_test_id("blocked-note")).to_have_count(0)

    # The buyer leaves: the room is gone from their list; the seller is told live.
    buyer_page.goto(f"/chats/{conversation}")
    menu.locator("summary").click()
    buyer_page.once("dialog", lambda dialog: dialog.accept())
    menu.get_by_test_id("leave").click()
    expect(buyer_page).to_have_url(re.compile(r"/chats$"))
    buyer_page.wait_for_load_state("domcontentloaded")
    expect(buyer_page.get_by_test_id(f"chat-{conversation}")).to_have_count(0)
    expect(seller_page.get_by_test_id("they-left")).to_be_visible()
    expect(seller_page.locator(".system-line").last).to_have_text(
        f"{buyer.nickname}님이 대화방을 나갔어요."
    )


def test_a_send_the_server_could_not_take_is_sent_again(
    new_context: NewContext, server: Server, client: httpx.Client
) -> None:
    seller = make_resident(client, "역삼동")
    buyer = make_resident(client, "논현동", level=1)
    item = listing(client, seller, title="미니 냉장고")
    conversation = start_chat(client, buyer, item)
    context = signed_in(new_context, server, buyer)
    sends: list[str] = []

    def socket(ws: WebSocketRoute) -> None:
        upstream = ws.connect_to_server()

        def from_page(message: str | bytes) -> None:
            frame = json.loads(message)
            if frame.get("type") == "send":
                sends.append(frame["client_id"])
                if len(sends) == 1:  # the first try meets a server in trouble
                    unavailable = {
                        "type": "error",
                        "client_id": frame["client_id"],
                        "status": 503,
                        "code": "unavailable",
                        "detail": "일시적인 오류가 발생했습니다. 잠시 후 다시 시도해 주세요.",
                    }
                    ws.send(json.dumps(unavailable, ensure_ascii=False))
                    return
            upstream.send(message)

        ws.on_message(from_page)

    context.route_web_socket(re.compile(r"/ws$"), socket)
    page = open_room(context, conversation)
    message = say(page, "냉장고 소음은 어떤가요?")
    expect(message).to_have_attribute("data-state", "sent")
    expect(page.get_by_test_id("send-error")).to_have_count(0)
    assert len(sends) == 2 and sends[0] == sends[1]  # sent again, with the same client_id
    assert stored_bodies(client, buyer, conversation) == ["냉장고 소음은 어떤가요?"]
