"""Who is hidden from whom: the checks every other domain asks, and the block
list in settings."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dongne.accounts.models import User
from dongne.blocks.models import Block
from dongne.context import Ctx


@dataclass(frozen=True)
class BlockedPerson:
    user_id: int
    nickname: str
    created_at: datetime


async def blocked_between(db: AsyncSession, a: int, b: int) -> bool:
    """Whether either of ``a`` and ``b`` blocked the other."""
    return (
        await db.scalar(
            select(Block.blocker_id).where(
                ((Block.blocker_id == a) & (Block.blocked_id == b))
                | ((Block.blocker_id == b) & (Block.blocked_id == a))
            )
        )
        is not None
    )


async def hidden_sellers(db: AsyncSession, user_id: int) -> tuple[int, ...]:
    """People whose listings (and reviews) ``user_id`` does not see: those who
    blocked them, and those they blocked."""
    rows = await db.execute(
        select(Block.blocker_id, Block.blocked_id).where(
            (Block.blocked_id == user_id) | (Block.blocker_id == user_id)
        )
    )
    return tuple(sorted({a if b == user_id else b for a, b in rows}))


async def seller_blocked_viewer(db: AsyncSession, seller_id: int, viewer_id: int) -> bool:
    return await db.get(Block, (seller_id, viewer_id)) is not None


async def blocked_by(db: AsyncSession, user_id: int, others: Collection[int]) -> set[int]:
    """Which of ``others`` ``user_id`` blocked."""
    if not others:
        return set()
    return set(
        (
            await db.scalars(
                select(Block.blocked_id).where(
                    Block.blocker_id == user_id, Block.blocked_id.in_(others)
                )
            )
        ).all()
    )


async def blocked_people(ctx: Ctx) -> list[BlockedPerson]:
    """The caller's block list, newest first."""
    user = ctx.require_user()
    rows = await ctx.db.execute(
        select(Block.blocked_id, User.nickname, Block.created_at)
        .join(User, User.id == Block.blocked_id)
        .where(Block.blocker_id == user.id)
        .order_by(Block.created_at.desc())
    )
    return [BlockedPerson(uid, nick or "-", at) for uid, nick, at in rows]
