"""Reads: the inbox list (filters, keyset pages), changes since a version,
messages by sequence (never a note for the customer), the customer's history
with this inbox, and for 고객센터 operators the user's context."""

from __future__ import annotations

from datetime import datetime, timedelta
from statistics import median
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from dongne.accounts.models import User, UserNeighbourhood
from dongne.business.models import Business, BusinessMember
from dongne.db import utcnow
from dongne.geo.models import Neighbourhood
from dongne.inbox.models import (
    ACTIVITY,
    AUTO,
    CSAT,
    DEFAULT_CSAT_QUESTION,
    OPEN,
    SYSTEM,
    TEAM_ONLY,
    Inbox,
    InboxConversation,
    InboxLabel,
    InboxMessage,
    SavedReply,
)
from dongne.inbox.schemas import (
    AgentOut,
    ConversationOut,
    ConversationPage,
    MessageOut,
    SavedReplyOut,
    UserContext,
)
from dongne.inbox.service.access import local_clock
from dongne.kit.cursors import encode_cursor, time_and_id
from dongne.kit.i18n import gettext
from dongne.listings.models import Listing
from dongne.trust.moderation.models import Report, Sanction

PAGE_SIZE = 30


async def inbox_name(db: AsyncSession, inbox: Inbox) -> str:
    if inbox.business_id is None:
        return gettext("고객센터")
    name = await db.scalar(select(Business.name).where(Business.id == inbox.business_id))
    return name or ""


async def my_inboxes(db: AsyncSession, user: User) -> list[tuple[Inbox, str]]:
    rows = await db.execute(
        select(Inbox, Business.name)
        .join(Business, Business.id == Inbox.business_id)
        .join(BusinessMember, BusinessMember.business_id == Business.id)
        .where(BusinessMember.user_id == user.id)
        .order_by(Business.name)
    )
    out = [(inbox, name) for inbox, name in rows]
    if user.is_operator:
        support = await db.scalar(select(Inbox).where(Inbox.business_id.is_(None)))
        if support is not None:
            out.insert(0, (support, gettext("고객센터")))
    return out


def _conversation_out(
    c: InboxConversation,
    inbox_name: str,
    customer_name: str | None,
    assignee_name: str | None,
    kind: str | None,
    body: str | None,
    for_customer: bool,
) -> ConversationOut:
    preview = body or ""
    if kind in (SYSTEM, CSAT, ACTIVITY) or (for_customer and kind in TEAM_ONLY):
        preview = ""
    return ConversationOut(
        id=c.id,
        inbox_id=c.inbox_id,
        inbox_name=inbox_name,
        customer_id=c.customer_id,
        customer_name=customer_name or "",
        status=c.status,
        snoozed_until=c.snoozed_until,
        assignee_id=c.assignee_id,
        assignee_name=assignee_name if c.assignee_id else None,
        labels=list(c.labels or []),
        last_seq=c.last_seq,
        version=c.version,
        created_at=c.created_at,
        last_message_at=c.last_message_at,
        first_response_at=c.first_response_at,
        resolved_at=c.resolved_at,
        preview=preview[:80],
        csat_requested=c.csat_requested_at is not None,
        csat_score=c.csat_score,
        csat_comment=c.csat_comment,
    )


def with_people_and_preview(stmt: Select[Any]) -> Select[Any]:
    """The conversations of ``stmt`` with the customer's and assignee's names and
    the newest message, in the same round trip."""
    customer, assignee = aliased(User), aliased(User)
    last = aliased(InboxMessage)
    return (
        stmt.add_columns(customer.nickname, assignee.nickname, last.kind, last.body)
        .join(customer, customer.id == InboxConversation.customer_id)
        .outerjoin(assignee, assignee.id == InboxConversation.assignee_id)
        .outerjoin(
            last,
            and_(
                last.conversation_id == InboxConversation.id,
                last.seq == InboxConversation.last_seq,
            ),
        )
    )


async def conversation_outs(
    db: AsyncSession,
    inbox: Inbox,
    conversations: list[InboxConversation],
    *,
    for_customer: bool = False,
) -> list[ConversationOut]:
    if not conversations:
        return []
    ids = [c.id for c in conversations]
    stmt = with_people_and_preview(select(InboxConversation).where(InboxConversation.id.in_(ids)))
    rows = {row[0].id: row for row in (await db.execute(stmt)).all()}
    name = await inbox_name(db, inbox)
    return [
        _conversation_out(c, name, r[1], r[2], r[3], r[4], for_customer)
        for c in conversations
        if (r := rows.get(c.id)) is not None
    ]


def list_statement(
    inbox_id: int,
    *,
    status: str | None = None,
    assignee: int | None = None,
    unassigned: bool = False,
    label: str | None = None,
    cursor: str | None = None,
    limit: int = PAGE_SIZE,
) -> tuple[Select[Any], int]:
    stmt = select(InboxConversation).where(InboxConversation.inbox_id == inbox_id)
    if status:
        stmt = stmt.where(InboxConversation.status == status)
    if unassigned:
        stmt = stmt.where(InboxConversation.assignee_id.is_(None))
    elif assignee is not None:
        stmt = stmt.where(InboxConversation.assignee_id == assignee)
    if label:
        stmt = stmt.join(
            InboxLabel,
            and_(
                InboxLabel.conversation_id == InboxConversation.id,
                InboxLabel.inbox_id == inbox_id,
                InboxLabel.label == label,
            ),
        )
    after = time_and_id(cursor)
    if after is not None:
        at, cid = after
        stmt = stmt.where(
            or_(
                InboxConversation.last_message_at < at,
                and_(InboxConversation.last_message_at == at, InboxConversation.id < cid),
            )
        )
    stmt = stmt.order_by(
        InboxConversation.last_message_at.desc(), InboxConversation.id.desc()
    ).limit(limit + 1)
    return stmt, limit


async def conversation_page(
    db: AsyncSession,
    inbox: Inbox,
    *,
    status: str | None = None,
    assignee: int | None = None,
    unassigned: bool = False,
    label: str | None = None,
    cursor: str | None = None,
    limit: int = PAGE_SIZE,
) -> ConversationPage:
    stmt, limit = list_statement(
        inbox.id,
        status=status,
        assignee=assignee,
        unassigned=unassigned,
        label=label,
        cursor=cursor,
        limit=limit,
    )
    rows = (await db.execute(with_people_and_preview(stmt))).all()
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1][0] if rows else None
    nxt = encode_cursor(last.last_message_at, last.id) if more and last else None
    name = await inbox_name(db, inbox)
    items = [_conversation_out(r[0], name, r[1], r[2], r[3], r[4], False) for r in rows]
    return ConversationPage(items=items, next_cursor=nxt)


async def changes_after(
    db: AsyncSession, inbox: Inbox, version: int, limit: int = 200
) -> list[InboxConversation]:
    return list(
        (
            await db.scalars(
                select(InboxConversation)
                .where(InboxConversation.inbox_id == inbox.id, InboxConversation.version > version)
                .order_by(InboxConversation.version)
                .limit(limit)
            )
        ).all()
    )


async def messages_after(
    db: AsyncSession, conversation_id: int, after_seq: int, *, for_customer: bool, limit: int = 500
) -> list[InboxMessage]:
    """Messages after ``after_seq``. For the customer, notes are excluded here,
    in the query: they never leave the database on the customer's requests."""
    stmt = select(InboxMessage).where(
        InboxMessage.conversation_id == conversation_id, InboxMessage.seq > after_seq
    )
    if for_customer:
        stmt = stmt.where(InboxMessage.kind.not_in(TEAM_ONLY))
    return list((await db.scalars(stmt.order_by(InboxMessage.seq).limit(limit))).all())


def _when(iso: str | None) -> str:
    if not iso:
        return ""
    return local_clock(datetime.fromisoformat(iso))


def message_text(m: InboxMessage, inbox: Inbox, names: dict[int, str | None]) -> str:
    code = m.data.get("code") if isinstance(m.data, dict) else None
    if m.kind == AUTO and code == "away":
        nxt = m.data.get("next")
        line = (
            gettext("지금은 영업시간이 아니에요. %(when)s부터 답변드릴게요.", when=_when(nxt))
            if nxt
            else gettext("지금은 영업시간이 아니에요. 영업시간에 답변드릴게요.")
        )
        return f"{line}\n{m.body}".strip()
    if m.kind == CSAT:
        return str(m.data.get("question") or gettext(DEFAULT_CSAT_QUESTION))
    if m.kind in (SYSTEM, ACTIVITY):
        if code == "assigned":
            who = m.data.get("assignee_id")
            if who:
                return gettext("%(name)s 님에게 배정되었어요.", name=names.get(int(who)) or "")
            return gettext("배정이 해제되었어요.")
        if code == "status":
            return {
                "open": gettext("다시 열렸어요."),
                "pending": gettext("대기 중으로 바뀌었어요."),
                "resolved": gettext("해결되었어요."),
                "snoozed": gettext("다시 알림으로 미뤄졌어요."),
            }.get(str(m.data.get("status")), "")
        if code == "csat_given":
            return gettext("만족도 %(score)s점을 남겼어요.", score=m.data.get("score"))
    return m.body


async def message_outs(
    db: AsyncSession, inbox: Inbox, messages: list[InboxMessage]
) -> list[MessageOut]:
    ids = {m.sender_id for m in messages if m.sender_id is not None}
    ids |= {
        int(m.data["assignee_id"])
        for m in messages
        if m.kind == ACTIVITY and isinstance(m.data, dict) and m.data.get("assignee_id")
    }
    names = (
        dict((await db.execute(select(User.id, User.nickname).where(User.id.in_(ids)))).all())
        if ids
        else {}
    )
    return [
        MessageOut(
            id=m.id,
            seq=m.seq,
            kind=m.kind,
            sender_id=m.sender_id,
            sender_name=names.get(m.sender_id) if m.sender_id else None,
            client_id=m.client_id,
            body=m.body,
            text=message_text(m, inbox, names),
            data=m.data or {},
            created_at=m.created_at,
        )
        for m in messages
    ]


async def customer_history(
    db: AsyncSession, inbox: Inbox, customer_id: int, exclude: int | None = None
) -> list[InboxConversation]:
    stmt = select(InboxConversation).where(
        InboxConversation.inbox_id == inbox.id, InboxConversation.customer_id == customer_id
    )
    if exclude is not None:
        stmt = stmt.where(InboxConversation.id != exclude)
    return list(
        (await db.scalars(stmt.order_by(InboxConversation.created_at.desc()).limit(20))).all()
    )


async def my_inquiries(db: AsyncSession, user_id: int) -> list[tuple[Inbox, InboxConversation]]:
    rows = await db.execute(
        select(Inbox, InboxConversation)
        .join(Inbox, Inbox.id == InboxConversation.inbox_id)
        .where(InboxConversation.customer_id == user_id)
        .order_by(InboxConversation.last_message_at.desc())
        .limit(50)
    )
    return [(i, c) for i, c in rows]


async def saved_replies(db: AsyncSession, inbox_id: int) -> list[SavedReplyOut]:
    rows = await db.scalars(
        select(SavedReply).where(SavedReply.inbox_id == inbox_id).order_by(SavedReply.shortcut)
    )
    return [SavedReplyOut(id=r.id, shortcut=r.shortcut, body=r.body) for r in rows]


async def agents(db: AsyncSession, inbox: Inbox, ids: list[int]) -> list[AgentOut]:
    if not ids:
        return []
    names = dict((await db.execute(select(User.id, User.nickname).where(User.id.in_(ids)))).all())
    counts = dict(
        (
            await db.execute(
                select(InboxConversation.assignee_id, func.count())
                .where(
                    InboxConversation.inbox_id == inbox.id,
                    InboxConversation.status == OPEN,
                    InboxConversation.assignee_id.in_(ids),
                )
                .group_by(InboxConversation.assignee_id)
            )
        ).all()
    )
    return [AgentOut(id=i, nickname=names.get(i) or "", open_count=counts.get(i, 0)) for i in ids]


async def user_context(db: AsyncSession, user_id: int) -> UserContext:
    """What an operator sees beside a 1:1 inquiry."""
    user = await db.get(User, user_id)
    assert user is not None
    places = (
        await db.scalars(
            select(Neighbourhood.name)
            .join(UserNeighbourhood, UserNeighbourhood.neighbourhood_id == Neighbourhood.id)
            .where(UserNeighbourhood.user_id == user_id)
        )
    ).all()
    listings = await db.execute(
        select(Listing.id, Listing.title, Listing.status, Listing.created_at)
        .where(Listing.seller_id == user_id)
        .order_by(Listing.created_at.desc())
        .limit(5)
    )
    filed = await db.scalar(
        select(func.count()).select_from(Report).where(Report.reporter_id == user_id)
    )
    received = await db.scalar(
        select(func.count()).select_from(Report).where(Report.subject_id == user_id)
    )
    sanctions = (
        await db.scalars(
            select(Sanction)
            .where(Sanction.user_id == user_id)
            .order_by(Sanction.starts_at.desc())
            .limit(10)
        )
    ).all()
    return UserContext(
        neighbourhoods=[str(p) for p in places],
        recent_listings=[
            {"id": i, "title": t, "status": s, "created_at": c.isoformat()}
            for i, t, s, c in listings
        ],
        reports_filed=int(filed or 0),
        reports_received=int(received or 0),
        sanctions=[
            {
                "kind": s.kind,
                "policy": s.policy,
                "starts_at": s.starts_at.isoformat(),
                "ends_at": s.ends_at.isoformat() if s.ends_at else None,
            }
            for s in sanctions
        ],
        joined_at=user.created_at,
    )


async def typical_first_response(db: AsyncSession, business_id: int) -> int | None:
    """The median first-response time (seconds) over the last 30 days; None
    with fewer than 3 answered inquiries."""
    since = utcnow() - timedelta(days=30)
    rows = await db.execute(
        select(InboxConversation.created_at, InboxConversation.first_response_at)
        .join(Inbox, Inbox.id == InboxConversation.inbox_id)
        .where(
            Inbox.business_id == business_id,
            InboxConversation.created_at >= since,
            InboxConversation.first_response_at.is_not(None),
        )
    )
    seconds = [(r - c).total_seconds() for c, r in rows if r is not None]
    if len(seconds) < 3:
        return None
    return int(median(seconds))
