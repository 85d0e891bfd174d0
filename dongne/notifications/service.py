"""Writing notifications: one is stored with the change that caused it, and the
live doorbell rings only after commit; marking them read. (Reads:
:mod:`dongne.notifications.queries`.)"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from dongne import events
from dongne.context import Ctx
from dongne.db import on_commit, utcnow
from dongne.kit.hub import Hub
from dongne.notifications.models import Notification


def user_channel(user_id: int) -> str:
    return f"user:{user_id}"


async def notify(
    db: AsyncSession, hub: Hub, user_id: int, kind: str, **payload: Any
) -> Notification:
    note = Notification(user_id=user_id, kind=kind, payload=payload)
    db.add(note)
    await db.flush()
    events.record(db, "notification_sent", user_id=user_id, kind=kind, notification_id=note.id)

    async def ring() -> None:
        await hub.publish(user_channel(user_id), {"type": "notification", "id": note.id})

    on_commit(db, ring)
    return note


async def mark_read(ctx: Ctx, notification_id: int | None = None) -> int:
    """Mark one (or, with None, every) notification of the caller as read."""
    user = ctx.require_user()
    stmt = (
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    if notification_id is not None:
        stmt = stmt.where(Notification.id == notification_id)
    result = await ctx.db.execute(stmt)
    count = int(getattr(result, "rowcount", 0) or 0)
    if count:
        ctx.record(
            "notification_opened",
            notification_id=notification_id,
            count=count,
        )
    return count
