"""Assignment: by hand, or round-robin among the agents under their limit of
open conversations."""

from __future__ import annotations

from sqlalchemy import func, select

from dongne.context import Ctx
from dongne.db import utcnow
from dongne.inbox.models import (
    ACTIVITY,
    OPEN,
    Inbox,
    InboxAgent,
    InboxConversation,
)
from dongne.inbox.service.access import (
    access_agent_conversation_by_id,
    agent_ids,
)
from dongne.inbox.service.log import (
    _post,
)
from dongne.kit.errors import InvalidInput
from dongne.kit.i18n import N_

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
