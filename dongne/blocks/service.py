"""차단하기 and 차단 해제, from a profile, from settings or from a chat room."""

from __future__ import annotations

from dongne.accounts.models import User
from dongne.blocks.models import Block
from dongne.context import Ctx
from dongne.kit.errors import InvalidInput, NotFound
from dongne.kit.i18n import N_


async def block(ctx: Ctx, user_id: int, conversation_id: int | None = None) -> None:
    """The caller blocks ``user_id``; idempotent. From a chat room, ``conversation_id``
    says which (the other side is known to exist); from a profile, the person must
    still have an account."""
    user = ctx.require_user()
    if conversation_id is None:
        other = await ctx.db.get(User, user_id)
        if other is None or other.deleted_at is not None:
            raise NotFound(N_("사용자를 찾을 수 없어요."))
    if user_id == user.id:
        raise InvalidInput(N_("나 자신은 차단할 수 없어요."))
    if await ctx.db.get(Block, (user.id, user_id)) is None:
        ctx.db.add(Block(blocker_id=user.id, blocked_id=user_id))
        await ctx.db.flush()
        ctx.record("user_blocked", blocked_id=user_id, conversation_id=conversation_id)


async def unblock(ctx: Ctx, user_id: int) -> None:
    user = ctx.require_user()
    row = await ctx.db.get(Block, (user.id, user_id))
    if row is not None:
        await ctx.db.delete(row)
        ctx.record("user_unblocked", blocked_id=user_id)
