"""Which inbox, and who may act in it: the access checks every inbox route and
service goes through, the doorbell channels and the support team's hours."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from dongne.accounts.models import User
from dongne.business.hours import SEOUL, Schedule, TimeRange
from dongne.business.models import BusinessMember
from dongne.business.queries import schedule_of
from dongne.context import Ctx
from dongne.inbox.models import (
    SUPPORT_KEY,
    Inbox,
    InboxConversation,
    business_key,
)
from dongne.kit.errors import NotFound
from dongne.kit.i18n import N_

NOT_FOUND = N_("문의를 찾을 수 없어요.")
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


def local_clock(at: datetime) -> str:
    local = at.astimezone(SEOUL)
    return f"{local.month}/{local.day} {local.strftime('%H:%M')}"


def seoul_day_start(at: datetime) -> datetime:
    return datetime.combine(at.astimezone(SEOUL).date(), time(0), SEOUL)
