"""Reads about reports, sanctions and the audit log."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from dongne.accounts.models import User
from dongne.chat.models import SYSTEM, TEXT, Block, Message
from dongne.db import utcnow
from dongne.listings.models import Listing
from dongne.trust.moderation.models import (
    BAN_KIND,
    HIDE_LISTING,
    LISTING,
    MESSAGE,
    OPEN,
    SUSPENSION,
    ModerationAction,
    Report,
    Sanction,
)
from dongne.trust.moderation.policy import FRAUD

SanctionKind = Literal["warning", "suspension", "ban"]


@dataclass(frozen=True)
class SanctionFact:
    """A sanction as other domains see it (the manner temperature uses these)."""

    kind: SanctionKind
    at: datetime
    days: int | None


async def sanction_facts(db: AsyncSession, user_id: int, since: datetime) -> list[SanctionFact]:
    """The user's sanctions that started at or after ``since``, oldest first."""
    rows = await db.scalars(
        select(Sanction)
        .where(Sanction.user_id == user_id, Sanction.starts_at >= since)
        .order_by(Sanction.starts_at, Sanction.id)
    )
    out: list[SanctionFact] = []
    for s in rows:
        kind: SanctionKind = (
            "ban" if s.kind == BAN_KIND else "suspension" if s.kind == SUSPENSION else "warning"
        )
        out.append(SanctionFact(kind=kind, at=s.starts_at, days=s.days))
    return out


def in_force(user_id: Any, now: Any) -> ColumnElement[bool]:
    """The sanctions that keep ``user_id`` from acting at ``now`` (values, columns or
    bind parameters): what :func:`active_restriction` reads, for a statement that
    only needs to know whether there is one (chat checks it inside every send)."""
    return and_(
        Sanction.user_id == user_id,
        Sanction.kind.in_((BAN_KIND, SUSPENSION)),
        Sanction.starts_at <= now,
        or_(Sanction.ends_at.is_(None), Sanction.ends_at > now),
    )


async def active_restriction(
    db: AsyncSession, user_id: int, now: datetime | None = None
) -> Sanction | None:
    """The ban, or else the suspension ending last, in force now; None if free to act."""
    now = now or utcnow()
    rows = list(await db.scalars(select(Sanction).where(in_force(user_id, now))))
    for s in rows:
        if s.kind == BAN_KIND:
            return s
    suspensions = [s for s in rows if s.ends_at is not None]
    return max(suspensions, key=lambda s: s.ends_at or now) if suspensions else None


async def taken_down(db: AsyncSession, listing_id: int) -> bool:
    """Whether an operator hid this listing."""
    return (
        await db.scalar(
            select(ModerationAction.id).where(
                ModerationAction.listing_id == listing_id,
                ModerationAction.action == HIDE_LISTING,
            )
        )
        is not None
    )


async def banned_for_fraud(db: AsyncSession, user_id: int) -> bool:
    return (
        await db.scalar(
            select(Sanction.id).where(
                Sanction.user_id == user_id, Sanction.kind == BAN_KIND, Sanction.policy == FRAUD
            )
        )
        is not None
    )


# ---- the queue and the audit log -------------------------------------------------------


@dataclass(frozen=True)
class ContextLine:
    """One chat message shown around a reported one."""

    seq: int
    sender: str
    body: str
    reported: bool


@dataclass
class QueueItem:
    report: Report
    reporter: str
    subject: str
    # How many open reports there are about the same thing (this one included).
    same_target: int = 1
    listing: Listing | None = None
    lines: list[ContextLine] = field(default_factory=list)


async def _names(db: AsyncSession, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = await db.execute(select(User.id, User.nickname).where(User.id.in_(ids)))
    return {uid: nick or "-" for uid, nick in rows}


CONTEXT_BEFORE, CONTEXT_AFTER = 5, 3


async def message_contexts(db: AsyncSession, message_ids: set[int]) -> dict[int, list[ContextLine]]:
    """Each reported message with the messages just around it, from its own conversation
    only, by reported message id. Three queries however many messages."""
    if not message_ids:
        return {}
    reported = list(await db.scalars(select(Message).where(Message.id.in_(message_ids))))
    if not reported:
        return {}
    around = list(
        await db.scalars(
            select(Message)
            .where(
                or_(
                    *(
                        and_(
                            Message.conversation_id == m.conversation_id,
                            Message.seq >= m.seq - CONTEXT_BEFORE,
                            Message.seq <= m.seq + CONTEXT_AFTER,
                        )
                        for m in reported
                    )
                ),
                Message.kind != SYSTEM,
            )
            .order_by(Message.conversation_id, Message.seq)
        )
    )
    names = await _names(db, {m.sender_id for m in around if m.sender_id is not None})
    return {
        m.id: [
            ContextLine(
                seq=line.seq,
                sender=names.get(line.sender_id or 0, "-"),
                body=line.body if line.kind == TEXT else "[photo]",
                reported=line.id == m.id,
            )
            for line in around
            if line.conversation_id == m.conversation_id
            and m.seq - CONTEXT_BEFORE <= line.seq <= m.seq + CONTEXT_AFTER
        ]
        for m in reported
    }


async def queue(db: AsyncSession, status: str = OPEN, limit: int = 50) -> list[QueueItem]:
    """Reports to work, oldest first (resolved ones newest first)."""
    stmt = select(Report).where(Report.status == status)
    stmt = (
        stmt.order_by(Report.created_at, Report.id)
        if status == OPEN
        else stmt.order_by(Report.resolved_at.desc(), Report.id.desc())
    )
    reports = list(await db.scalars(stmt.limit(limit)))
    return await _items(db, reports)


async def _items(db: AsyncSession, reports: list[Report]) -> list[QueueItem]:
    names = await _names(db, {r.reporter_id for r in reports} | {r.subject_id for r in reports})
    counts: dict[tuple[str, int], int] = {}
    if reports:
        rows = await db.execute(
            select(Report.target_kind, Report.target_id, func.count())
            .where(Report.status == OPEN, Report.target_id.in_({r.target_id for r in reports}))
            .group_by(Report.target_kind, Report.target_id)
        )
        counts = {(k, int(t)): int(n) for k, t, n in rows}
    # The reported listings and chat excerpts in a few queries, not a few per report.
    listing_ids = {r.target_id for r in reports if r.target_kind == LISTING}
    listings = (
        {x.id: x for x in await db.scalars(select(Listing).where(Listing.id.in_(listing_ids)))}
        if listing_ids
        else {}
    )
    contexts = await message_contexts(
        db, {r.target_id for r in reports if r.target_kind == MESSAGE}
    )
    return [
        QueueItem(
            report=r,
            reporter=names.get(r.reporter_id, "-"),
            subject=names.get(r.subject_id, "-"),
            same_target=counts.get((r.target_kind, r.target_id), 1),
            listing=listings.get(r.target_id) if r.target_kind == LISTING else None,
            lines=contexts.get(r.target_id, []) if r.target_kind == MESSAGE else [],
        )
        for r in reports
    ]


async def queue_item(db: AsyncSession, report_id: int) -> QueueItem | None:
    report = await db.get(Report, report_id)
    if report is None:
        return None
    return (await _items(db, [report]))[0]


@dataclass(frozen=True)
class AuditLine:
    entry: ModerationAction
    operator: str
    subject: str | None


async def audit_log(
    db: AsyncSession, *, before_id: int | None = None, limit: int = 50
) -> list[AuditLine]:
    """Operator actions, newest first (keyset pages on id)."""
    stmt = select(ModerationAction)
    if before_id is not None:
        stmt = stmt.where(ModerationAction.id < before_id)
    entries = list(await db.scalars(stmt.order_by(ModerationAction.id.desc()).limit(limit)))
    names = await _names(
        db,
        {e.operator_id for e in entries} | {e.subject_id for e in entries if e.subject_id},
    )
    return [
        AuditLine(
            entry=e,
            operator=names.get(e.operator_id, "-"),
            subject=names.get(e.subject_id, "-") if e.subject_id else None,
        )
        for e in entries
    ]


async def open_report_count(db: AsyncSession) -> int:
    return int(
        await db.scalar(select(func.count()).select_from(Report).where(Report.status == OPEN)) or 0
    )


# ---- blocks: who is hidden from whom ------------------------------------------------


async def hidden_sellers(db: AsyncSession, user_id: int) -> tuple[int, ...]:
    """Sellers whose listings ``user_id`` does not see: those who blocked them,
    and those they blocked."""
    rows = await db.execute(
        select(Block.blocker_id, Block.blocked_id).where(
            (Block.blocked_id == user_id) | (Block.blocker_id == user_id)
        )
    )
    return tuple(sorted({a if b == user_id else b for a, b in rows}))


async def seller_blocked_viewer(db: AsyncSession, seller_id: int, viewer_id: int) -> bool:
    return await db.get(Block, (seller_id, viewer_id)) is not None
