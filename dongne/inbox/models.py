"""The shared inbox: one per business and one for the platform's 고객센터.

Conversations between a customer and an inbox; messages with per-conversation
sequence numbers and client ids (persist-first, like buyer–seller chat); saved
replies; per-agent round-robin state. Every change to a conversation takes the
inbox's next ``version``: an agent's client resumes from the last version it saw.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from dongne.db import Base, BigId, UTCDateTime, utcnow
from dongne.kit.i18n import N_

OPEN, PENDING, RESOLVED, SNOOZED = "open", "pending", "resolved", "snoozed"
STATUSES: dict[str, str] = {
    OPEN: N_("열림"),
    PENDING: N_("대기"),
    RESOLVED: N_("해결됨"),
    SNOOZED: N_("다시 알림"),
}
# Message kinds. Notes and activity lines (assignments) are for the team only:
# the customer's queries exclude them.
CUSTOMER, AGENT, NOTE, AUTO, SYSTEM, CSAT = "customer", "agent", "note", "auto", "system", "csat"
ACTIVITY = "activity"
TEAM_ONLY = (NOTE, ACTIVITY)
SUPPORT_KEY = "support"
MAX_TEXT = 1000
MAX_LABELS = 10
DEFAULT_AGENT_LIMIT = 20
DEFAULT_CSAT_QUESTION = N_("상담은 만족스러우셨나요?")


def business_key(business_id: int) -> str:
    return f"b{business_id}"


class Inbox(Base):
    """Settings of one inbox and the counter that orders its changes."""

    __tablename__ = "inboxes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(24), unique=True)  # "b<business id>" | "support"
    business_id: Mapped[int | None] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), unique=True
    )
    # Bumped by every change to one of its conversations (and serialising them).
    version: Mapped[int] = mapped_column(BigId, default=0)
    away_message: Mapped[str] = mapped_column(Text, default="")
    greeting: Mapped[str] = mapped_column(Text, default="")
    csat_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    csat_question: Mapped[str] = mapped_column(String(100), default="")
    agent_limit: Mapped[int] = mapped_column(SmallInteger, default=DEFAULT_AGENT_LIMIT)
    auto_assign: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class InboxAgent(Base):
    """An agent's round-robin place: the one assigned longest ago goes next."""

    __tablename__ = "inbox_agents"

    inbox_id: Mapped[int] = mapped_column(
        ForeignKey("inboxes.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    last_assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class InboxConversation(Base):
    __tablename__ = "inbox_conversations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    inbox_id: Mapped[int] = mapped_column(ForeignKey("inboxes.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(10), default=OPEN)
    snoozed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    labels: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Where the 1:1 문의 was opened from (a page path), shown to operators.
    origin: Mapped[str] = mapped_column(String(200), default="")
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    # The inbox version of this conversation's latest change.
    version: Mapped[int] = mapped_column(BigId, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_message_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    first_responder_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when the away reply went out; cleared by an agent's reply.
    auto_replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    csat_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    csat_score: Mapped[int | None] = mapped_column(SmallInteger)
    csat_comment: Mapped[str] = mapped_column(Text, default="")
    csat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        # The inbox list: newest activity first within a status (keyset on id).
        Index("ix_inbox_conversations_list", "inbox_id", "status", "last_message_at", "id"),
        Index(
            "ix_inbox_conversations_assignee",
            "inbox_id",
            "assignee_id",
            "status",
            "last_message_at",
            "id",
        ),
        # Every status at once (the "전체" filter).
        Index("ix_inbox_conversations_recent", "inbox_id", "last_message_at", "id"),
        Index("ix_inbox_conversations_changes", "inbox_id", "version"),
        Index("ix_inbox_conversations_customer", "customer_id", "inbox_id", "created_at"),
    )


class InboxLabel(Base):
    """A conversation's label, one row each, so the list can filter by it."""

    __tablename__ = "inbox_labels"

    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("inbox_conversations.id", ondelete="CASCADE"), primary_key=True
    )
    label: Mapped[str] = mapped_column(String(24), primary_key=True)
    inbox_id: Mapped[int] = mapped_column(ForeignKey("inboxes.id", ondelete="CASCADE"))

    __table_args__ = (Index("ix_inbox_labels_inbox_label", "inbox_id", "label"),)


class InboxMessage(Base):
    __tablename__ = "inbox_messages"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("inbox_conversations.id", ondelete="CASCADE")
    )
    seq: Mapped[int] = mapped_column(Integer)
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Chosen by the sending client; a retried send with the same id is stored once.
    client_id: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(8))
    body: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        UniqueConstraint("conversation_id", "seq"),
        UniqueConstraint("sender_id", "client_id"),
    )


class SavedReply(Base):
    """A canned response, inserted by typing its /shortcut."""

    __tablename__ = "inbox_saved_replies"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    inbox_id: Mapped[int] = mapped_column(ForeignKey("inboxes.id", ondelete="CASCADE"))
    shortcut: Mapped[str] = mapped_column(String(24))
    body: Mapped[str] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (UniqueConstraint("inbox_id", "shortcut"),)
