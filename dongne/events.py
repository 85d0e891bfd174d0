"""The append-only event log.

Every state change writes its event through :func:`record`, in the same
transaction as the change; a hot path that runs prebuilt Core statements (the chat
send) builds its INSERT with :func:`insert_event` or :func:`insert_event_from`. All
three take an event's row from :func:`event_row`, so its shape is defined once. Rows are never updated or deleted by the
application; database triggers (see the first migration) refuse it, except for
the anonymisation of a deleted account, which clears the user and session
columns and nothing else.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Index,
    Insert,
    String,
    insert,
    literal,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.expression import ClauseElement, FromClause

from dongne.db import Base, BigId, UTCDateTime, utcnow

JsonValue = str | int | float | bool | None | list[Any] | dict[str, Any]


class Event(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(BigInteger)
    # After account deletion, a random stand-in keeps one person's events
    # together for analysis without saying who they were.
    anonymous_id: Mapped[str | None] = mapped_column(String(32))
    session: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(64))
    properties: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    __table_args__ = (
        Index("ix_events_user_id_id", "user_id", "id"),
        Index("ix_events_name_occurred_at", "name", "occurred_at"),
        # The export looks up deleted accounts' stand-ins: only those rows.
        Index(
            "ix_events_anonymous_id_id",
            "anonymous_id",
            "id",
            sqlite_where=text("anonymous_id IS NOT NULL"),
            postgresql_where=text("anonymous_id IS NOT NULL"),
        ),
    )


def event_row(name: Any, *, user_id: Any, session: Any, at: Any, properties: Any) -> dict[str, Any]:
    """The columns an event is written with, and their values: Python values for
    :func:`record`, or SQL expressions (bind parameters, columns of a CTE) for the
    Core inserts below. ``anonymous_id`` is only ever set by
    :func:`anonymise_user_events`."""
    return {
        "occurred_at": at,
        "user_id": user_id,
        "session": session,
        "name": name,
        "properties": properties,
    }


def record(
    db: AsyncSession,
    name: str,
    *,
    user_id: int | None = None,
    session: str | None = None,
    at: datetime | None = None,
    **properties: JsonValue,
) -> Event:
    """Add an event to the current transaction. No personal data in properties:
    ids, counts and codes only."""
    at = at or utcnow()
    event = Event(**event_row(name, user_id=user_id, session=session, at=at, properties=properties))
    db.add(event)
    return event


def insert_event(name: str, *, user_id: Any, session: Any, at: Any, properties: Any) -> Insert:
    """One event as a Core INSERT, for a prebuilt statement: each value may be a bind
    parameter (the rules of :func:`record` hold: ``at`` is the time of the change)."""
    row = event_row(name, user_id=user_id, session=session, at=at, properties=properties)
    return insert(Event).values(row)


def insert_event_from(
    source: FromClause, name: str, *, user_id: Any, session: Any, at: Any, properties: Any
) -> Insert:
    """An INSERT … SELECT of one event for each row of ``source`` (say, the CTEs of
    one data-modifying statement): the values are SQL expressions over it, bind
    parameters or constants."""
    row = event_row(literal(name), user_id=user_id, session=session, at=at, properties=properties)
    values: list[Any] = [v if isinstance(v, ClauseElement) else literal(v) for v in row.values()]
    return insert(Event).from_select(list(row), select(*values).select_from(source))


async def anonymise_user_events(db: AsyncSession, user_id: int) -> str:
    """Detach a deleted user's events from them. Returns the stand-in id."""
    stand_in = secrets.token_hex(16)
    await db.execute(
        update(Event)
        .where(Event.user_id == user_id)
        .values(user_id=None, session=None, anonymous_id=stand_in)
    )
    return stand_in
