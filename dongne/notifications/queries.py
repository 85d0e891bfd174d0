"""Reading notifications: the unread count and a page of them."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dongne.notifications.models import Notification


async def unread_count(db: AsyncSession, user_id: int) -> int:
    return int(
        await db.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        )
        or 0
    )


async def list_notifications(
    db: AsyncSession, user_id: int, *, after_id: int | None = None, limit: int = 50
) -> list[Notification]:
    stmt = select(Notification).where(Notification.user_id == user_id)
    if after_id is not None:
        stmt = stmt.where(Notification.id > after_id).order_by(Notification.id).limit(limit)
    else:
        stmt = stmt.order_by(Notification.id.desc()).limit(limit)
    return list((await db.scalars(stmt)).all())
