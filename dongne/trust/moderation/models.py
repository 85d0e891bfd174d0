"""Reports, operator actions (the audit log) and sanctions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dongne.db import Base, BigId, UTCDateTime, utcnow

# What can be reported.
LISTING, USER, MESSAGE = "listing", "user", "message"
TARGETS = (LISTING, USER, MESSAGE)

# Report states.
OPEN, RESOLVED = "open", "resolved"

# Operator actions.
DISMISS, HIDE_LISTING, WARN, SUSPEND, BAN = "dismiss", "hide_listing", "warn", "suspend", "ban"
ACTIONS = (DISMISS, HIDE_LISTING, WARN, SUSPEND, BAN)

# Sanction kinds (what queries.SanctionFact.kind carries).
WARNING, SUSPENSION, BAN_KIND = "warning", "suspension", "ban"


class Report(Base):
    """신고: one person's report of a listing, a user or a chat message."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    target_kind: Mapped[str] = mapped_column(String(8))  # listing | user | message
    target_id: Mapped[int] = mapped_column(BigId)
    # Whose listing / message it is, or the reported user: who any sanction falls on.
    subject_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(16))  # a key of policy.REASONS
    detail: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default=OPEN)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    action_id: Mapped[int | None] = mapped_column(
        ForeignKey("moderation_actions.id", ondelete="SET NULL")
    )

    __table_args__ = (
        UniqueConstraint("reporter_id", "target_kind", "target_id"),
        Index("ix_reports_queue", "status", "created_at"),
        Index("ix_reports_target", "target_kind", "target_id"),
    )


class ModerationAction(Base):
    """One operator action: the audit log (who, when, what, why). Append-only."""

    __tablename__ = "moderation_actions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))  # one of ACTIONS
    report_id: Mapped[int | None] = mapped_column(BigId)  # the report worked, if any
    subject_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    listing_id: Mapped[int | None] = mapped_column(ForeignKey("listings.id", ondelete="SET NULL"))
    policy: Mapped[str] = mapped_column(String(16))  # a key of policy.REASONS
    days: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")  # the operator's why
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class Sanction(Base):
    """A warning, a suspension (ends_at set) or a ban (no end) of a user."""

    __tablename__ = "sanctions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(12))  # warning | suspension | ban
    policy: Mapped[str] = mapped_column(String(16))  # a key of policy.REASONS
    days: Mapped[int | None] = mapped_column(Integer)  # suspensions only
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # None: no end (ban, warning)
    action_id: Mapped[int | None] = mapped_column(
        ForeignKey("moderation_actions.id", ondelete="SET NULL")
    )

    __table_args__ = (Index("ix_sanctions_user_id_starts_at", "user_id", "starts_at"),)


class ListingWarning(Base):
    """Fraud signals found in a listing's text when it was last saved."""

    __tablename__ = "listing_warnings"

    listing_id: Mapped[int] = mapped_column(
        ForeignKey("listings.id", ondelete="CASCADE"), primary_key=True
    )
    signals: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
