"""Blocking from a profile and the block list in settings. The Block table and
the write itself live in chat (a block first of all stops messages); this adds
the profile's button and the block list (who is hidden from whom, for listings,
is read in moderation.queries)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from dongne.accounts.models import User
from dongne.chat.models import Block
from dongne.chat.service import block_user, unblock_user
from dongne.context import Ctx
from dongne.kit.errors import NotFound
from dongne.kit.i18n import N_


@dataclass(frozen=True)
class BlockedPerson:
    user_id: int
    nickname: str
    created_at: datetime


async def block(ctx: Ctx, user_id: int) -> None:
    """차단하기 from a profile (the chat room has its own button)."""
    ctx.require_user()
    other = await ctx.db.get(User, user_id)
    if other is None or other.deleted_at is not None:
        raise NotFound(N_("사용자를 찾을 수 없어요."))
    await block_user(ctx, user_id)


async def unblock(ctx: Ctx, user_id: int) -> None:
    await unblock_user(ctx, user_id)


async def blocked_people(ctx: Ctx) -> list[BlockedPerson]:
    user = ctx.require_user()
    rows = await ctx.db.execute(
        select(Block.blocked_id, User.nickname, Block.created_at)
        .join(User, User.id == Block.blocked_id)
        .where(Block.blocker_id == user.id)
        .order_by(Block.created_at.desc())
    )
    return [BlockedPerson(uid, nick or "-", at) for uid, nick, at in rows]
