"""HTML pages for chat: the chat list (채팅 목록), a room (채팅방), and the
form posts behind them (채팅하기, mute, block, leave). The pages are rendered
whole by the server, so they read before any script runs; chat.js then keeps
them live over the WebSocket (see dongne/chat/ws.py for the protocol)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from dongne.chat import queries, service
from dongne.chat.models import PHOTO, SYSTEM
from dongne.chat.schemas import ConversationOut, MessageOut
from dongne.kit.i18n import N_, gettext
from dongne.kit.ids import MAX_ID, Id
from dongne.kit.templating import SEOUL, environment, render
from dongne.listings.models import STATUSES
from dongne.listings.pages import verification_needed  # also registers ago, won, status_name
from dongne.listings.service import VerificationRequired
from dongne.notifications.pages import render_page
from dongne.trust.moderation.pages import script_text as trust_script_text
from dongne.web import CtxDep

router = APIRouter(include_in_schema=False)

HISTORY = 50  # messages a room is rendered with; older ones load on request

# ---- how times and system lines read ------------------------------------------------
# The same templates go to chat.js (in the page's JSON data block), so a line the
# server rendered and one the script added read exactly alike, in either language.

WEEKDAYS = N_("월,화,수,목,금,토,일")
MORNING = N_("오전 %(hour)s:%(minute)s")
AFTERNOON = N_("오후 %(hour)s:%(minute)s")
DAY = N_("%(month)s월 %(day)s일 (%(weekday)s)")
FULL_DAY = N_("%(year)s년 %(month)s월 %(day)s일 (%(weekday)s)")

# System messages: the line in the room, and the short phrase in the chat list.
SYSTEM_LINES = {
    "appointment_set": N_("약속을 잡았어요: %(when)s · %(place)s"),
    "appointment_changed": N_("약속을 바꿨어요: %(when)s · %(place)s"),
    "appointment_cancelled": N_("약속이 취소되었어요."),
    "reserved": N_("판매자가 거래 상태를 예약중으로 바꿨어요."),
    "left": N_("%(name)s님이 대화방을 나갔어요."),
    "left_me": N_("대화방을 나갔어요."),
    "rejoined": N_("%(name)s님이 대화방에 다시 들어왔어요."),
    "rejoined_me": N_("대화방에 다시 들어왔어요."),
    "deal_completed": N_("거래가 완료되었어요. 서로 거래 후기를 남겨 주세요."),
    "fraud_ban": N_(
        "상대방이 사기 행위로 이용이 영구 정지되었어요. 돈을 보내지 말고, 이미 보냈다면 "
        "경찰청 사이버범죄 신고시스템에 신고해 주세요."
    ),
}
SYSTEM_PREVIEWS = {
    "appointment_set": N_("약속을 잡았어요"),
    "appointment_changed": N_("약속을 바꿨어요"),
    "appointment_cancelled": N_("약속이 취소되었어요"),
    "reserved": N_("예약중으로 바뀌었어요"),
    "left": N_("상대방이 대화방을 나갔어요"),
    "left_me": N_("대화방을 나갔어요"),
    "rejoined": N_("상대방이 대화방에 다시 들어왔어요"),
    "rejoined_me": N_("대화방에 다시 들어왔어요"),
    "deal_completed": N_("거래가 완료되었어요"),
    "fraud_ban": N_("사기 주의: 상대방이 이용 정지되었어요"),
}
SYSTEM_OTHER = N_("새 소식이 있어요.")
PIN = N_("약속: %(when)s · %(place)s")


def _local(when: datetime) -> datetime:
    return when.astimezone(SEOUL)


def clock(when: datetime) -> str:
    """오후 7:00 / 7:00 PM."""
    local = _local(when)
    template = MORNING if local.hour < 12 else AFTERNOON
    return gettext(template, hour=local.hour % 12 or 12, minute=f"{local.minute:02d}")


def weekday(when: datetime) -> str:
    return gettext(WEEKDAYS).split(",")[_local(when).weekday()]


def day(when: datetime) -> str:
    """11월 25일 (수)."""
    local = _local(when)
    return gettext(DAY, month=local.month, day=local.day, weekday=weekday(when))


def full_day(when: datetime) -> str:
    local = _local(when)
    return gettext(
        FULL_DAY, year=local.year, month=local.month, day=local.day, weekday=weekday(when)
    )


def meet_time(when: datetime) -> str:
    """11월 25일 (수) 오후 7:00."""
    return f"{day(when)} {clock(when)}"


def day_key(when: datetime) -> str:
    return _local(when).strftime("%Y-%m-%d")


def _parse_time(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def system_line(message: MessageOut, me: int, other_name: str) -> str:
    code = message.body
    if code in ("left", "rejoined"):
        code = f"{code}_me" if message.data.get("user_id") == me else code
    template = SYSTEM_LINES.get(code)
    if template is None:
        return gettext(SYSTEM_OTHER)
    when = _parse_time(message.data.get("meet_at"))
    return gettext(
        template,
        when=meet_time(when) if when else "",
        place=str(message.data.get("place", "")),
        name=other_name,
    )


def preview(c: ConversationOut) -> str:
    """The chat list's one line about the newest message."""
    m = c.last_message
    if m is None:
        return gettext("아직 메시지가 없어요.")
    if m.kind == SYSTEM:
        code = m.body
        if code in ("left", "rejoined"):
            code = f"{code}_me" if m.data.get("user_id") != c.other.id else code
        return gettext(SYSTEM_PREVIEWS.get(code, SYSTEM_OTHER))
    if m.kind == PHOTO:
        return gettext("사진")
    return m.body


def temperature(value: float) -> str:
    return f"{value:.1f}°C"


def script_text() -> dict[str, Any]:
    """Everything chat.js says or formats, in the page's language."""
    return {
        "weekdays": gettext(WEEKDAYS).split(","),
        "morning": gettext(MORNING),
        "afternoon": gettext(AFTERNOON),
        "day": gettext(DAY),
        "fullDay": gettext(FULL_DAY),
        "system": {code: gettext(text) for code, text in SYSTEM_LINES.items()},
        "systemOther": gettext(SYSTEM_OTHER),
        "pin": gettext(PIN),
        "sending": gettext("전송 중"),
        "sent": gettext("전송됨"),
        "read": gettext("읽음"),
        "retry": gettext("다시 보내기"),
        "delete": gettext("삭제"),
        "review": gettext("거래 후기 보내기"),
        "photo": gettext("사진"),
        "uploading": gettext("사진 올리는 중"),
        "photoType": gettext("JPEG, PNG, WebP 사진만 보낼 수 있어요."),
        "photoSize": gettext("사진은 10MB까지 보낼 수 있어요."),
        "photoFailed": gettext("사진을 올리지 못했어요. 다시 시도해 주세요."),
        "network": gettext("네트워크 연결을 확인해 주세요."),
        "failed": gettext("보내지 못했어요."),
        "appointmentFailed": gettext("약속을 저장하지 못했어요. 다시 시도해 주세요."),
        "appointmentMissing": gettext("날짜, 시간, 장소를 모두 입력해 주세요."),
        "statuses": {code: gettext(name) for code, name in STATUSES.items()},
        "trust": trust_script_text(),  # fraud warning cards, reveal, report
    }


_env = environment()
_env.globals.update(
    chat_clock=clock,
    chat_day=full_day,
    chat_day_key=day_key,
    chat_meet_time=meet_time,
    chat_preview=preview,
    chat_system_line=system_line,
    chat_temperature=temperature,
)

# ---- 채팅하기 -------------------------------------------------------------------------


@router.post("/listings/{listing_id}/chat")
async def start(request: Request, ctx: CtxDep, listing_id: Id) -> Response:
    """The buyer's 채팅하기: open (or reopen) their conversation about the listing."""
    ctx.require_user()
    try:
        conversation = await service.start_conversation(ctx, listing_id)
    except VerificationRequired as exc:
        return await verification_needed(request, ctx, exc)
    return RedirectResponse(f"/chats/{conversation.id}", status_code=303)


# ---- 채팅 목록 ------------------------------------------------------------------------


@router.get("/chats")
async def chat_list(
    request: Request,
    ctx: CtxDep,
    listing: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Response:
    user = ctx.require_user()
    if listing is None:
        ids = await queries.my_conversation_ids(ctx.db, user.id)
    else:
        ids = await queries.listing_conversation_ids(ctx.db, user.id, listing)
    chats = await queries.conversation_outs(ctx.db, ctx.svc.media, user.id, ids)
    listing_title = None
    if listing is not None:
        listing_title = await queries.own_listing_title(ctx.db, user.id, listing) or (
            chats[0].listing_title if chats else None
        )
    cursors = await queries.cursors(ctx.db, user.id)
    data = {
        "page": "list",
        "me": user.id,
        "listing": listing,
        "cursors": {str(k): v for k, v in cursors.items()},
        "mark": max(cursors, default=0),
        "text": script_text(),
    }
    context = {
        "chats": chats,
        "listing_filter": listing,
        "listing_title": listing_title,
        "chat_data": data,
        "chat_unread": await queries.total_unread(ctx.db, user.id),
    }
    return await render_page(request, ctx, "chat/list.html", context)


@router.get("/chats/{conversation_id}/row")
async def chat_row(request: Request, ctx: CtxDep, conversation_id: Id) -> Response:
    """One row of the chat list, for the list page to insert or refresh live."""
    user = ctx.require_user()
    await service.access_conversation_by_id(ctx, conversation_id)
    outs = await queries.conversation_outs(ctx.db, ctx.svc.media, user.id, [conversation_id])
    if not outs or outs[0].left:
        return Response(status_code=204)
    return render(request, "chat/_row.html", {"c": outs[0]})


# ---- 채팅방 --------------------------------------------------------------------------


@router.get("/chats/{conversation_id}")
async def room(request: Request, ctx: CtxDep, conversation_id: Id) -> Response:
    user = ctx.require_user()
    conversation, me = await service.access_conversation_by_id(ctx, conversation_id)
    chat = (await queries.conversation_outs(ctx.db, ctx.svc.media, user.id, [conversation.id]))[0]
    rows = await queries.messages_before(ctx.db, conversation.id, None, HISTORY)
    messages = await queries.message_outs(ctx.db, ctx.svc.media, rows)
    latest = await queries.cursors(ctx.db, user.id)
    cursors = {str(k): v for k, v in latest.items()}
    # The room resumes from the newest message it was rendered with.
    cursors[str(conversation.id)] = messages[-1].seq if messages else 0
    mine = [m.seq for m in messages if m.sender_id == user.id]
    read_mine = [s for s in mine if s <= chat.other_read_seq]
    data = {
        "page": "room",
        "me": user.id,
        "conversation": conversation.id,
        "role": chat.role,
        "other": {"id": chat.other.id, "nickname": chat.other.nickname},
        "otherReadSeq": chat.other_read_seq,
        "firstSeq": messages[0].seq if messages else 0,
        "cursors": cursors,
        "mark": max(latest, default=0),
        "text": script_text(),
    }
    context = {
        "chat": chat,
        "messages": messages,
        "me": user.id,
        "they_left": chat.other_left,
        "i_left": me.left_at is not None,
        "receipt_read": read_mine[-1] if read_mine else None,
        "receipt_sent": mine[-1] if mine and mine[-1] > chat.other_read_seq else None,
        "client_id": str(uuid.uuid4()),
        "chat_data": data,
        "chat_unread": await queries.total_unread(ctx.db, user.id),
    }
    return await render_page(request, ctx, "chat/room.html", context)


def _back(conversation_id: Id) -> RedirectResponse:
    return RedirectResponse(f"/chats/{conversation_id}", status_code=303)


@router.post("/chats/{conversation_id}/send")
async def send(request: Request, ctx: CtxDep, conversation_id: Id) -> Response:
    """The composer without scripts: a plain form post (its client_id, chosen
    when the page was rendered, keeps a double submit from sending twice)."""
    form = await request.form()
    await service.send_message(
        ctx,
        conversation_id,
        str(form.get("client_id", "")),
        body=str(form.get("body", "")),
    )
    return _back(conversation_id)


@router.post("/chats/{conversation_id}/mute")
async def mute(request: Request, ctx: CtxDep, conversation_id: Id) -> Response:
    form = await request.form()
    await service.set_muted(ctx, conversation_id, form.get("muted") == "1")
    return _back(conversation_id)


@router.post("/chats/{conversation_id}/block")
async def block(request: Request, ctx: CtxDep, conversation_id: Id) -> Response:
    await service.block_in_conversation(ctx, conversation_id)
    return _back(conversation_id)


@router.post("/chats/{conversation_id}/unblock")
async def unblock(request: Request, ctx: CtxDep, conversation_id: Id) -> Response:
    conversation, _me = await service.access_conversation_by_id(ctx, conversation_id)
    await service.unblock_user(ctx, service.other_side(conversation, ctx.require_user().id))
    return _back(conversation_id)


@router.post("/chats/{conversation_id}/leave")
async def leave(request: Request, ctx: CtxDep, conversation_id: Id) -> Response:
    await service.leave(ctx, conversation_id)
    return RedirectResponse("/chats", status_code=303)
