"""Every write about the inbox. Persist first: a message takes the next
per-conversation sequence number and the conversation the inbox's next version
in the request's transaction; only after commit does the hub ring the agents'
and the customer's doorbells (clients then read what changed from the database).

Writes to one inbox are serialised on its row (the version bump comes first),
which also makes round-robin assignment and client-id retries race-free.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from dongne.accounts.models import User
from dongne.business.hours import SEOUL, Schedule, TimeRange
from dongne.business.models import BusinessMember
from dongne.business.queries import schedule_of
from dongne.business.service import access_business_by_id
from dongne.db import on_commit, utcnow
from dongne.inbox.models import (
    ACTIVITY,
    AGENT,
    AUTO,
    CSAT,
    CUSTOMER,
    MAX_LABELS,
    MAX_TEXT,
    NOTE,
    OPEN,
    PENDING,
    RESOLVED,
    SNOOZED,
    STATUSES,
    SUPPORT_KEY,
    SYSTEM,
    Inbox,
    InboxAgent,
    InboxConversation,
    InboxLabel,
    InboxMessage,
    SavedReply,
    business_key,
)
from dongne.kit.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from dongne.kit.i18n import N_
from dongne.web import Ctx

NOT_FOUND = N_("문의를 찾을 수 없어요.")
SHORTCUT = re.compile(r"^[0-9a-z가-힣_-]{1,24}$")
LABEL = re.compile(r"^[0-9A-Za-z가-힣_ -]{1,24}$")
# The 고객센터 answers on weekdays, 09:00–18:00 (Seoul).
SUPPORT_SCHEDULE = Schedule(ranges=tuple(TimeRange(d, 9 * 60, 18 * 60) for d in range(5)))


def agents_channel(inbox_id: int) -> str:
    return f"inbox:{inbox_id}"


def customer_channel(user_id: int) -> str:
    return f"inquiry:{user_id}"


# ---- inboxes and access ---------------------------------------------------------


async def _inbox_by_key(ctx: Ctx, key: str, business_id: int | None) -> Inbox:
    inbox = await ctx.db.scalar(select(Inbox).where(Inbox.key == key))
    if inbox is None:
        inbox = Inbox(key=key, business_id=business_id, version=0)
        try:
            async with ctx.db.begin_nested():
                ctx.db.add(inbox)
                await ctx.db.flush()
        except IntegrityError:  # created at the same moment by another request
            found = await ctx.db.scalar(select(Inbox).where(Inbox.key == key))
            if found is None:
                raise
            return found
    return inbox


async def business_inbox(ctx: Ctx, business_id: int) -> Inbox:
    return await _inbox_by_key(ctx, business_key(business_id), business_id)


async def support_inbox(ctx: Ctx) -> Inbox:
    return await _inbox_by_key(ctx, SUPPORT_KEY, None)


async def agent_ids(ctx: Ctx, inbox: Inbox) -> list[int]:
    """Who answers this inbox: the business's owner and staff, or the operators."""
    if inbox.business_id is not None:
        stmt = select(BusinessMember.user_id).where(BusinessMember.business_id == inbox.business_id)
    else:
        stmt = select(User.id).where(
            User.role.in_(("operator", "admin")), User.deleted_at.is_(None)
        )
    return sorted((await ctx.db.scalars(stmt)).all())


async def is_agent(ctx: Ctx, inbox: Inbox, user: User) -> bool:
    if inbox.business_id is None:
        return user.is_operator
    role = await ctx.db.scalar(
        select(BusinessMember.role).where(
            BusinessMember.business_id == inbox.business_id, BusinessMember.user_id == user.id
        )
    )
    return role is not None


async def access_inbox_by_id(ctx: Ctx, inbox_id: int) -> Inbox:
    """An inbox the caller answers; 404 for anyone else."""
    user = ctx.require_user()
    inbox = await ctx.db.get(Inbox, inbox_id)
    if inbox is None or not await is_agent(ctx, inbox, user):
        raise NotFound(N_("받은 문의함을 찾을 수 없어요."))
    return inbox


async def access_agent_conversation_by_id(
    ctx: Ctx, inbox_id: int, conversation_id: int
) -> tuple[Inbox, InboxConversation]:
    inbox = await access_inbox_by_id(ctx, inbox_id)
    conversation = await ctx.db.get(InboxConversation, conversation_id)
    if conversation is None or conversation.inbox_id != inbox.id:
        raise NotFound(NOT_FOUND)
    return inbox, conversation


async def access_inquiry_by_id(ctx: Ctx, conversation_id: int) -> InboxConversation:
    """The caller's own inquiry (as the customer); 404 for anyone else."""
    user = ctx.require_user()
    conversation = await ctx.db.get(InboxConversation, conversation_id)
    if conversation is None or conversation.customer_id != user.id:
        raise NotFound(NOT_FOUND)
    return conversation


async def schedule_for(ctx: Ctx, inbox: Inbox) -> Schedule:
    if inbox.business_id is None:
        return SUPPORT_SCHEDULE
    return await schedule_of(ctx.db, inbox.business_id)


# ---- the change log and doorbells ------------------------------------------------


async def _bump(ctx: Ctx, inbox_id: int) -> int:
    """The inbox's next version; the row stays locked until commit."""
    version = await ctx.db.scalar(
        update(Inbox)
        .where(Inbox.id == inbox_id)
        .values(version=Inbox.version + 1)
        .returning(Inbox.version)
    )
    assert version is not None
    return int(version)


def _ring(ctx: Ctx, conversation: InboxConversation, version: int, customer: bool) -> None:
    hub = ctx.svc.hub
    notice = {"type": "change", "version": version, "conversation_id": conversation.id}
    inbox_id, customer_id = conversation.inbox_id, conversation.customer_id

    async def publish() -> None:
        await hub.publish(agents_channel(inbox_id), notice)
        if customer:
            await hub.publish(customer_channel(customer_id), notice)

    on_commit(ctx.db, publish)


async def _changed(
    ctx: Ctx, conversation: InboxConversation, *, customer: bool = True, **values: Any
) -> int:
    """Write ``values`` and the inbox's next version onto the conversation."""
    version = await _bump(ctx, conversation.inbox_id)
    values["version"] = version
    await ctx.db.execute(
        update(InboxConversation).where(InboxConversation.id == conversation.id).values(**values)
    )
    await ctx.db.refresh(conversation)
    _ring(ctx, conversation, version, customer)
    return version


async def _append(
    ctx: Ctx,
    conversation: InboxConversation,
    kind: str,
    *,
    sender_id: int | None = None,
    client_id: str | None = None,
    body: str = "",
    data: dict[str, Any] | None = None,
    **values: Any,
) -> InboxMessage:
    """Store one message with the conversation's next sequence number (the
    inbox row must already be locked by :func:`_bump`)."""
    now = utcnow()
    seq = await ctx.db.scalar(
        update(InboxConversation)
        .where(InboxConversation.id == conversation.id)
        .values(last_seq=InboxConversation.last_seq + 1, last_message_at=now, **values)
        .returning(InboxConversation.last_seq)
    )
    assert seq is not None
    message = InboxMessage(
        conversation_id=conversation.id,
        seq=int(seq),
        sender_id=sender_id,
        client_id=client_id,
        kind=kind,
        body=body,
        data=data or {},
        created_at=now,
    )
    ctx.db.add(message)
    await ctx.db.flush()
    return message


async def _post(
    ctx: Ctx,
    conversation: InboxConversation,
    kind: str,
    *,
    customer: bool = True,
    conv_values: dict[str, Any] | None = None,
    **message: Any,
) -> InboxMessage:
    version = await _bump(ctx, conversation.inbox_id)
    stored = await _append(
        ctx, conversation, kind, version=version, **(conv_values or {}), **message
    )
    await ctx.db.refresh(conversation)
    _ring(ctx, conversation, version, customer)
    return stored


# ---- assignment ------------------------------------------------------------------


async def open_counts(ctx: Ctx, inbox_id: int) -> dict[int, int]:
    rows = await ctx.db.execute(
        select(InboxConversation.assignee_id, func.count())
        .where(
            InboxConversation.inbox_id == inbox_id,
            InboxConversation.status == OPEN,
            InboxConversation.assignee_id.is_not(None),
        )
        .group_by(InboxConversation.assignee_id)
    )
    return {int(a): int(n) for a, n in rows if a is not None}


async def next_agent(ctx: Ctx, inbox: Inbox) -> int | None:
    """Round robin: the agent assigned longest ago (never first, then by id)
    among those below the inbox's limit of open conversations."""
    agents = await agent_ids(ctx, inbox)
    if not agents:
        return None
    counts = await open_counts(ctx, inbox.id)
    last = {
        a.user_id: a.last_assigned_at
        for a in (
            await ctx.db.scalars(select(InboxAgent).where(InboxAgent.inbox_id == inbox.id))
        ).all()
    }
    order = sorted(agents, key=lambda a: (last.get(a) is not None, last.get(a) or utcnow(), a))
    for agent in order:
        if counts.get(agent, 0) < inbox.agent_limit:
            return agent
    return None


async def _note_assigned(ctx: Ctx, inbox_id: int, user_id: int) -> None:
    row = await ctx.db.get(InboxAgent, (inbox_id, user_id))
    if row is None:
        ctx.db.add(InboxAgent(inbox_id=inbox_id, user_id=user_id, last_assigned_at=utcnow()))
    else:
        row.last_assigned_at = utcnow()
    await ctx.db.flush()


async def _assign(
    ctx: Ctx, inbox: Inbox, conversation: InboxConversation, assignee: int | None, *, auto: bool
) -> None:
    await _post(
        ctx,
        conversation,
        ACTIVITY,
        customer=False,
        conv_values={"assignee_id": assignee},
        body="assigned" if assignee else "unassigned",
        data={"code": "assigned", "assignee_id": assignee, "auto": auto},
    )
    if assignee is not None:
        await _note_assigned(ctx, inbox.id, assignee)
    ctx.record(
        "inbox_assigned",
        inbox_id=inbox.id,
        business_id=inbox.business_id,
        conversation_id=conversation.id,
        assignee_id=assignee,
        auto=auto,
    )


async def assign(
    ctx: Ctx, inbox_id: int, conversation_id: int, assignee: int | None
) -> InboxConversation:
    inbox, conversation = await access_agent_conversation_by_id(ctx, inbox_id, conversation_id)
    if assignee is not None and assignee not in await agent_ids(ctx, inbox):
        raise InvalidInput(N_("이 문의함의 상담원에게만 배정할 수 있어요."), field="assignee_id")
    if assignee == conversation.assignee_id:
        return conversation
    await _assign(ctx, inbox, conversation, assignee, auto=False)
    return conversation


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


# ---- status, labels ----------------------------------------------------------------


async def set_status(
    ctx: Ctx,
    inbox_id: int,
    conversation_id: int,
    status: str,
    snoozed_until: datetime | None = None,
) -> InboxConversation:
    inbox, conversation = await access_agent_conversation_by_id(ctx, inbox_id, conversation_id)
    if status not in STATUSES:
        raise InvalidInput(N_("허용되지 않는 값입니다."), field="status")
    now = utcnow()
    if status == SNOOZED:
        if snoozed_until is None or snoozed_until.tzinfo is None or snoozed_until <= now:
            raise InvalidInput(N_("다시 알림 시각은 지금 이후여야 해요."), field="snoozed_until")
        if snoozed_until > now + timedelta(days=90):
            raise InvalidInput(N_("다시 알림은 90일 안으로 정해 주세요."), field="snoozed_until")
    if status == conversation.status and status != SNOOZED:
        return conversation
    values: dict[str, Any] = {
        "status": status,
        "snoozed_until": snoozed_until if status == SNOOZED else None,
    }
    if status == RESOLVED:
        values["resolved_at"] = now
    elif conversation.status == RESOLVED:
        values["resolved_at"] = None
    await _post(
        ctx,
        conversation,
        SYSTEM,
        conv_values=values,
        body=status,
        data={"code": "status", "status": status, "by": ctx.require_user().id},
    )
    common: dict[str, Any] = {
        "inbox_id": inbox.id,
        "business_id": inbox.business_id,
        "conversation_id": conversation.id,
    }
    if status == RESOLVED:
        seconds = int((now - conversation.created_at).total_seconds())
        ctx.record("inbox_resolved", seconds=seconds, **common)
        if inbox.csat_enabled and conversation.csat_at is None:
            await _post(
                ctx,
                conversation,
                CSAT,
                conv_values={"csat_requested_at": now},
                data={"question": inbox.csat_question},
            )
    else:
        ctx.record("inbox_status_changed", status=status, **common)
    return conversation


async def set_labels(
    ctx: Ctx, inbox_id: int, conversation_id: int, labels: list[str]
) -> InboxConversation:
    inbox, conversation = await access_agent_conversation_by_id(ctx, inbox_id, conversation_id)
    clean = sorted({label.strip() for label in labels if label.strip()})
    if len(clean) > MAX_LABELS or not all(LABEL.match(label) for label in clean):
        raise InvalidInput(N_("라벨은 24자 이하로 10개까지 붙일 수 있어요."), field="labels")
    await ctx.db.execute(delete(InboxLabel).where(InboxLabel.conversation_id == conversation.id))
    for label in clean:
        ctx.db.add(InboxLabel(conversation_id=conversation.id, label=label, inbox_id=inbox.id))
    await ctx.db.flush()
    await _changed(ctx, conversation, customer=False, labels=clean)
    ctx.record(
        "inbox_labels_set", inbox_id=inbox.id, conversation_id=conversation.id, count=len(clean)
    )
    return conversation


async def wake_snoozed(ctx: Ctx, inbox_id: int) -> int:
    """Snoozed conversations whose time has come are open again."""
    due = (
        await ctx.db.scalars(
            select(InboxConversation).where(
                InboxConversation.inbox_id == inbox_id,
                InboxConversation.status == SNOOZED,
                InboxConversation.snoozed_until <= utcnow(),
            )
        )
    ).all()
    for conversation in due:
        await _changed(ctx, conversation, customer=False, status=OPEN, snoozed_until=None)
        ctx.record(
            "inbox_status_changed", inbox_id=inbox_id, conversation_id=conversation.id, status=OPEN
        )
    return len(due)


# ---- CSAT ---------------------------------------------------------------------------


async def rate(ctx: Ctx, conversation_id: int, score: int, comment: str = "") -> InboxConversation:
    """The customer's satisfaction rating: 1–5 and a comment, once, after being asked."""
    conversation = await access_inquiry_by_id(ctx, conversation_id)
    if not 1 <= score <= 5:
        raise InvalidInput(N_("만족도는 1~5점으로 남겨 주세요."), field="score")
    comment = comment.strip()
    if len(comment) > 500:
        raise InvalidInput(N_("500자 이하로 입력해 주세요."), field="comment")
    if conversation.csat_requested_at is None:
        raise Conflict(N_("아직 만족도를 남길 수 없어요."))
    if conversation.csat_at is not None:
        raise Conflict(N_("이미 만족도를 남겼어요."))
    await _post(
        ctx,
        conversation,
        SYSTEM,
        conv_values={"csat_score": score, "csat_comment": comment, "csat_at": utcnow()},
        body="csat",
        data={"code": "csat_given", "score": score},
    )
    inbox = await ctx.db.get(Inbox, conversation.inbox_id)
    assert inbox is not None
    ctx.record(
        "inbox_csat_given",
        inbox_id=inbox.id,
        business_id=inbox.business_id,
        conversation_id=conversation.id,
        score=score,
        has_comment=bool(comment),
        assignee_id=conversation.assignee_id,
    )
    return conversation


# ---- saved replies and settings ------------------------------------------------------


async def create_saved_reply(ctx: Ctx, inbox_id: int, shortcut: str, body: str) -> SavedReply:
    inbox = await access_inbox_by_id(ctx, inbox_id)
    shortcut = shortcut.strip().lstrip("/").lower()
    if not SHORTCUT.match(shortcut):
        raise InvalidInput(
            N_("단축어는 24자 이하의 글자, 숫자, -, _ 로 만들어 주세요."), field="shortcut"
        )
    body = _clean_body(body)
    exists = await ctx.db.scalar(
        select(SavedReply.id).where(
            SavedReply.inbox_id == inbox.id, SavedReply.shortcut == shortcut
        )
    )
    if exists is not None:
        raise Conflict(N_("이미 있는 단축어예요."), field="shortcut")
    reply = SavedReply(
        inbox_id=inbox.id, shortcut=shortcut, body=body, created_by=ctx.require_user().id
    )
    ctx.db.add(reply)
    await ctx.db.flush()
    ctx.record("inbox_saved_reply_created", inbox_id=inbox.id, saved_reply_id=reply.id)
    return reply


async def delete_saved_reply(ctx: Ctx, inbox_id: int, reply_id: int) -> None:
    inbox = await access_inbox_by_id(ctx, inbox_id)
    reply = await ctx.db.get(SavedReply, reply_id)
    if reply is None or reply.inbox_id != inbox.id:
        raise NotFound(N_("저장된 답변을 찾을 수 없어요."))
    await ctx.db.delete(reply)
    ctx.record("inbox_saved_reply_deleted", inbox_id=inbox.id, saved_reply_id=reply_id)


async def update_settings(ctx: Ctx, inbox_id: int, **values: Any) -> Inbox:
    """Away message, greeting, the CSAT question (or none), the per-agent limit."""
    inbox = await access_inbox_by_id(ctx, inbox_id)
    user = ctx.require_user()
    if inbox.business_id is not None:
        role = await ctx.db.scalar(
            select(BusinessMember.role).where(
                BusinessMember.business_id == inbox.business_id, BusinessMember.user_id == user.id
            )
        )
        if role != "owner":
            raise PermissionDenied(N_("가게 대표만 할 수 있어요."))
    for name, value in values.items():
        setattr(inbox, name, value)
    await ctx.db.flush()
    ctx.record("inbox_settings_changed", inbox_id=inbox.id, fields=sorted(values))
    return inbox


def local_clock(at: datetime) -> str:
    local = at.astimezone(SEOUL)
    return f"{local.month}/{local.day} {local.strftime('%H:%M')}"


def seoul_day_start(at: datetime) -> datetime:
    return datetime.combine(at.astimezone(SEOUL).date(), time(0), SEOUL)
