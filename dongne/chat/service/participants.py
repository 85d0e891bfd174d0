"""A participant's own state: read position, mute, leaving, and
blocking the other side."""

from __future__ import annotations

from dongne.chat.models import (
    Block,
    Participant,
)
from dongne.chat.service.access import (
    _users,
    access_conversation_by_id,
    other_side,
    ring,
)
from dongne.chat.service.conversations import (
    post_system,
)
from dongne.context import Ctx
from dongne.db import utcnow
from dongne.kit.errors import (
    InvalidInput,
)
from dongne.kit.i18n import N_


async def mark_read(ctx: Ctx, conversation_id: int, seq: int) -> Participant:
    conversation, me = await access_conversation_by_id(ctx, conversation_id)
    seq = min(seq, conversation.last_seq)
    if seq > me.last_read_seq:
        me.last_read_seq = seq
        ctx.record("messages_read", conversation_id=conversation.id, seq=seq, role=me.role)
        ring(ctx, conversation.id, _users(conversation), seq, kind="read")
    return me


async def set_muted(ctx: Ctx, conversation_id: int, muted: bool) -> Participant:
    _conversation, me = await access_conversation_by_id(ctx, conversation_id)
    if me.muted != muted:
        me.muted = muted
        ctx.record(
            "conversation_muted" if muted else "conversation_unmuted",
            conversation_id=conversation_id,
        )
    return me


async def leave(ctx: Ctx, conversation_id: int) -> None:
    conversation, me = await access_conversation_by_id(ctx, conversation_id)
    if me.left_at is None:
        me.left_at = utcnow()
        ctx.record("conversation_left", conversation_id=conversation_id, role=me.role)
        await post_system(ctx, conversation, "left", user_id=me.user_id)


async def block_user(ctx: Ctx, blocked_id: int, conversation_id: int | None = None) -> None:
    user = ctx.require_user()
    if blocked_id == user.id:
        raise InvalidInput(N_("나 자신은 차단할 수 없어요."))
    if await ctx.db.get(Block, (user.id, blocked_id)) is None:
        ctx.db.add(Block(blocker_id=user.id, blocked_id=blocked_id))
        await ctx.db.flush()
        ctx.record("user_blocked", blocked_id=blocked_id, conversation_id=conversation_id)


async def unblock_user(ctx: Ctx, blocked_id: int) -> None:
    user = ctx.require_user()
    row = await ctx.db.get(Block, (user.id, blocked_id))
    if row is not None:
        await ctx.db.delete(row)
        ctx.record("user_unblocked", blocked_id=blocked_id)


async def block_in_conversation(ctx: Ctx, conversation_id: int) -> None:
    conversation, _me = await access_conversation_by_id(ctx, conversation_id)
    await block_user(ctx, other_side(conversation, ctx.require_user().id), conversation_id)
