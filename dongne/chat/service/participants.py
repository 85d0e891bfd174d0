"""A participant's own state: read position, mute, leaving, and blocking the
other side (the block itself is trust's: :mod:`dongne.blocks`)."""

from __future__ import annotations

from dongne.blocks.service import block
from dongne.chat.models import (
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


async def block_in_conversation(ctx: Ctx, conversation_id: int) -> None:
    conversation, _me = await access_conversation_by_id(ctx, conversation_id)
    await block(ctx, other_side(conversation, ctx.require_user().id), conversation_id)
