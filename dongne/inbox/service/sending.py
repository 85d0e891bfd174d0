"""Starting an inquiry and sending in it: customers, agents (saved replies,
private notes) and the automatic replies outside or inside business hours."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from dongne.business.service import access_business_by_id
from dongne.context import Ctx
from dongne.db import utcnow
from dongne.inbox.models import (
    AGENT,
    AUTO,
    CUSTOMER,
    MAX_TEXT,
    NOTE,
    OPEN,
    PENDING,
    RESOLVED,
    SNOOZED,
    Inbox,
    InboxConversation,
    InboxMessage,
    SavedReply,
)
from dongne.inbox.service.access import (
    access_agent_conversation_by_id,
    access_inquiry_by_id,
    business_inbox,
    is_agent,
    schedule_for,
    support_inbox,
)
from dongne.inbox.service.assignment import (
    _assign,
    next_agent,
)
from dongne.inbox.service.log import (
    _append,
    _bump,
    _changed,
    _ring,
)
from dongne.kit.errors import Conflict, InvalidInput
from dongne.kit.i18n import N_

# ---- starting an inquiry ---------------------------------------------------------


async def _start(ctx: Ctx, inbox: Inbox, origin: str) -> InboxConversation:
    user = ctx.require_user()
    await ctx.limit(ctx.svc.settings.chat_start_limit_per_user, "inquiry-start", str(user.id))
    await _bump(ctx, inbox.id)  # lock the inbox: one unresolved inquiry per customer
    existing = await ctx.db.scalar(
        select(InboxConversation)
        .where(
            InboxConversation.inbox_id == inbox.id,
            InboxConversation.customer_id == user.id,
            InboxConversation.status != RESOLVED,
        )
        .order_by(InboxConversation.id.desc())
        .limit(1)
    )
    if existing is not None:
        return existing
    conversation = InboxConversation(
        inbox_id=inbox.id, customer_id=user.id, status=OPEN, origin=origin[:200], labels=[]
    )
    ctx.db.add(conversation)
    await ctx.db.flush()
    await _changed(ctx, conversation)
    ctx.record(
        "inquiry_started",
        inbox_id=inbox.id,
        business_id=inbox.business_id,
        conversation_id=conversation.id,
        support=inbox.business_id is None,
    )
    if inbox.auto_assign:
        agent = await next_agent(ctx, inbox)
        if agent is not None:
            await _assign(ctx, inbox, conversation, agent, auto=True)
    return conversation


async def start_business_inquiry(ctx: Ctx, business_id: int) -> InboxConversation:
    """문의하기 on a business profile."""
    user = ctx.require_user()
    business = await access_business_by_id(ctx, business_id)
    inbox = await business_inbox(ctx, business.id)
    if await is_agent(ctx, inbox, user):
        raise Conflict(N_("내 가게에는 문의할 수 없어요."))
    return await _start(ctx, inbox, f"/businesses/{business.id}")


async def start_support_inquiry(ctx: Ctx, origin: str = "") -> InboxConversation:
    """1:1 문의 to the platform, from any page."""
    ctx.require_user()
    inbox = await support_inbox(ctx)
    return await _start(ctx, inbox, origin if origin.startswith("/") else "")


# ---- sending ---------------------------------------------------------------------


def _clean_body(body: str) -> str:
    body = body.strip()
    if not 1 <= len(body) <= MAX_TEXT:
        raise InvalidInput(N_("메시지는 1~1,000자로 보내 주세요."), field="body")
    return body


def _check_client_id(client_id: str) -> None:
    if not client_id or len(client_id) > 64:
        raise InvalidInput(N_("메시지 식별자가 올바르지 않아요."), field="client_id")


async def _retried(
    ctx: Ctx, conversation: InboxConversation, client_id: str
) -> InboxMessage | None:
    stored = await ctx.db.scalar(
        select(InboxMessage).where(
            InboxMessage.sender_id == ctx.require_user().id, InboxMessage.client_id == client_id
        )
    )
    if stored is not None and stored.conversation_id != conversation.id:
        raise Conflict(N_("이미 다른 대화에 쓴 메시지 식별자예요."), field="client_id")
    return stored


async def send_as_customer(
    ctx: Ctx, conversation_id: int, client_id: str, body: str
) -> tuple[InboxMessage, bool]:
    """The customer writes (idempotent on ``client_id``). Outside business hours
    the away reply follows (once until an agent answers); the first message
    inside hours gets the inbox's greeting, if it has one."""
    user = ctx.require_user()
    conversation = await access_inquiry_by_id(ctx, conversation_id)
    _check_client_id(client_id)
    body = _clean_body(body)
    await ctx.limit(ctx.svc.settings.message_limit_per_user, "message", str(user.id))
    version = await _bump(ctx, conversation.inbox_id)
    if (stored := await _retried(ctx, conversation, client_id)) is not None:
        return stored, False
    inbox = await ctx.db.get(Inbox, conversation.inbox_id)
    assert inbox is not None
    first = conversation.last_seq == 0 or not await ctx.db.scalar(
        select(func.count())
        .select_from(InboxMessage)
        .where(InboxMessage.conversation_id == conversation.id, InboxMessage.kind == CUSTOMER)
    )
    reopen: dict[str, Any] = {}
    if conversation.status in (RESOLVED, SNOOZED, PENDING):
        reopen = {"status": OPEN, "snoozed_until": None, "resolved_at": None}
    message = await _append(
        ctx,
        conversation,
        CUSTOMER,
        sender_id=user.id,
        client_id=client_id,
        body=body,
        version=version,
        **reopen,
    )
    await ctx.db.refresh(conversation)
    ctx.record(
        "inbox_message_sent",
        inbox_id=inbox.id,
        business_id=inbox.business_id,
        conversation_id=conversation.id,
        seq=message.seq,
        role=CUSTOMER,
        length=len(body),
    )
    await _auto_reply(ctx, inbox, conversation, first)
    _ring(ctx, conversation, version, True)
    return message, True


async def _auto_reply(ctx: Ctx, inbox: Inbox, conversation: InboxConversation, first: bool) -> None:
    schedule = await schedule_for(ctx, inbox)
    now = utcnow()
    if not schedule.is_empty and not schedule.is_open(now):
        if conversation.auto_replied_at is not None:
            return
        opening = schedule.next_opening(now)
        await _append(
            ctx,
            conversation,
            AUTO,
            body=inbox.away_message,
            data={"code": "away", "next": opening.isoformat() if opening else None},
            auto_replied_at=now,
        )
        ctx.record(
            "inbox_auto_reply",
            inbox_id=inbox.id,
            business_id=inbox.business_id,
            conversation_id=conversation.id,
            code="away",
        )
    elif first and inbox.greeting:
        await _append(ctx, conversation, AUTO, body=inbox.greeting, data={"code": "greeting"})
        ctx.record(
            "inbox_auto_reply",
            inbox_id=inbox.id,
            business_id=inbox.business_id,
            conversation_id=conversation.id,
            code="greeting",
        )
    await ctx.db.refresh(conversation)


async def saved_reply_for(ctx: Ctx, inbox_id: int, text: str) -> SavedReply | None:
    """``/shortcut`` typed alone names a saved reply."""
    text = text.strip()
    if not text.startswith("/") or " " in text:
        return None
    return await ctx.db.scalar(
        select(SavedReply).where(SavedReply.inbox_id == inbox_id, SavedReply.shortcut == text[1:])
    )


async def send_as_agent(
    ctx: Ctx,
    inbox_id: int,
    conversation_id: int,
    client_id: str,
    body: str,
    *,
    note: bool = False,
    saved_reply_id: int | None = None,
) -> tuple[InboxMessage, bool]:
    """An agent answers, or (``note``) leaves a private note for the team. A
    body that is just ``/shortcut`` sends that saved reply."""
    user = ctx.require_user()
    inbox, conversation = await access_agent_conversation_by_id(ctx, inbox_id, conversation_id)
    _check_client_id(client_id)
    saved: SavedReply | None = None
    if saved_reply_id is not None:
        saved = await ctx.db.get(SavedReply, saved_reply_id)
        if saved is None or saved.inbox_id != inbox.id:
            raise InvalidInput(N_("저장된 답변을 찾을 수 없어요."), field="saved_reply_id")
        if not body.strip():  # inserted unchanged; an edited one is sent as edited
            body = saved.body
    elif (saved := await saved_reply_for(ctx, inbox.id, body)) is not None:
        body = saved.body
    body = _clean_body(body)
    await ctx.limit(ctx.svc.settings.message_limit_per_user, "message", str(user.id))
    version = await _bump(ctx, inbox.id)
    if (stored := await _retried(ctx, conversation, client_id)) is not None:
        return stored, False
    values: dict[str, Any] = {}
    first_response = False
    if not note:
        values["auto_replied_at"] = None
        if conversation.first_response_at is None:
            first_response = True
            values["first_response_at"] = utcnow()
            values["first_responder_id"] = user.id
    message = await _append(
        ctx,
        conversation,
        NOTE if note else AGENT,
        sender_id=user.id,
        client_id=client_id,
        body=body,
        data={"saved_reply_id": saved.id} if saved else {},
        version=version,
        **values,
    )
    await ctx.db.refresh(conversation)
    common: dict[str, Any] = {
        "inbox_id": inbox.id,
        "business_id": inbox.business_id,
        "conversation_id": conversation.id,
    }
    if note:
        ctx.record("inbox_note_added", seq=message.seq, **common)
    else:
        ctx.record("inbox_message_sent", seq=message.seq, role=AGENT, length=len(body), **common)
    if saved is not None:
        ctx.record("inbox_saved_reply_used", saved_reply_id=saved.id, note=note, **common)
    if first_response:
        assert conversation.first_response_at is not None
        seconds = int((conversation.first_response_at - conversation.created_at).total_seconds())
        ctx.record("inbox_first_response", seconds=seconds, agent_id=user.id, **common)
    _ring(ctx, conversation, version, not note)
    return message, True
