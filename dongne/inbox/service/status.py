"""Status (open, pending, resolved, snoozed), labels, waking snoozed
conversations, and the customer's satisfaction rating after a resolve."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select

from dongne.context import Ctx
from dongne.db import utcnow
from dongne.inbox.models import (
    CSAT,
    MAX_LABELS,
    OPEN,
    RESOLVED,
    SNOOZED,
    STATUSES,
    SYSTEM,
    Inbox,
    InboxConversation,
    InboxLabel,
)
from dongne.inbox.service.access import (
    access_agent_conversation_by_id,
    access_inquiry_by_id,
)
from dongne.inbox.service.log import (
    _changed,
    _post,
)
from dongne.kit.errors import Conflict, InvalidInput
from dongne.kit.i18n import N_

LABEL = re.compile(r"^[0-9A-Za-z가-힣_ -]{1,24}$")
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
