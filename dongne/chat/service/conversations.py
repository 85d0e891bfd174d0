"""Starting a conversation about a listing, and the system lines posted into one
(reservation, appointment, deal, review requested)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from dongne.blocks.queries import blocked_between
from dongne.chat.models import (
    SYSTEM,
    Conversation,
    Message,
    Participant,
)
from dongne.chat.service.access import (
    Blocked,
    _users,
    ring,
)
from dongne.context import Ctx
from dongne.db import utcnow
from dongne.kit.errors import (
    Conflict,
    NotFound,
)
from dongne.kit.i18n import N_
from dongne.listings.service import access_listing_by_id, count_chat, require_verified_home
from dongne.trust.moderation import guards

# ---- conversations ------------------------------------------------------------


async def start_conversation(ctx: Ctx, listing_id: int) -> Conversation:
    """The buyer's conversation about a listing (created on first contact)."""
    user = ctx.require_user()
    home = await require_verified_home(ctx)
    # Only someone who may see the listing (their range covers it) can ask about it.
    listing = await access_listing_by_id(ctx, listing_id, home.browse_range)
    if listing.seller_id == user.id:
        raise Conflict(N_("내 글에는 채팅할 수 없어요."))
    existing = await ctx.db.scalar(
        select(Conversation).where(
            Conversation.listing_id == listing.id, Conversation.buyer_id == user.id
        )
    )
    if existing is not None:
        # 채팅하기 again after leaving: the buyer is back in the conversation.
        me = await ctx.db.get(Participant, (existing.id, user.id))
        if me is not None:
            await rejoin(ctx, existing, me)
        return existing
    if not listing.is_listed:
        raise NotFound(N_("판매글을 찾을 수 없어요. 삭제되었을 수 있어요."))
    if await blocked_between(ctx.db, user.id, listing.seller_id):
        raise Blocked()
    await guards.check_chat_start(ctx)  # sanctions; lower limits for new accounts
    await ctx.limit(ctx.svc.settings.chat_start_limit_per_user, "chat-start", str(user.id))
    conversation = Conversation(
        listing_id=listing.id, buyer_id=user.id, seller_id=listing.seller_id
    )
    ctx.db.add(conversation)
    try:
        async with ctx.db.begin_nested():
            await ctx.db.flush()
    except IntegrityError:  # the same buyer opened it twice at once
        found = await ctx.db.scalar(
            select(Conversation).where(
                Conversation.listing_id == listing.id, Conversation.buyer_id == user.id
            )
        )
        assert found is not None
        return found
    ctx.db.add(Participant(conversation_id=conversation.id, user_id=user.id, role="buyer"))
    ctx.db.add(
        Participant(conversation_id=conversation.id, user_id=listing.seller_id, role="seller")
    )
    await count_chat(ctx, listing.id)
    await ctx.db.flush()
    ctx.record(
        "conversation_started",
        conversation_id=conversation.id,
        listing_id=listing.id,
        seller_id=listing.seller_id,
    )
    return conversation


async def _next_seq(ctx: Ctx, conversation: Conversation) -> int:
    """Take the next sequence number: one atomic UPDATE … RETURNING, which
    serialises concurrent senders on the conversation's row."""
    now = utcnow()
    seq = await ctx.db.scalar(
        update(Conversation)
        .where(Conversation.id == conversation.id)
        .values(last_seq=Conversation.last_seq + 1, last_message_at=now)
        .returning(Conversation.last_seq)
    )
    assert seq is not None
    return int(seq)


async def post_system(ctx: Ctx, conversation: Conversation, code: str, **data: Any) -> Message:
    """A system line in the conversation (reservation made, appointment set…)."""
    seq = await _next_seq(ctx, conversation)
    message = Message(conversation_id=conversation.id, seq=seq, kind=SYSTEM, body=code, data=data)
    ctx.db.add(message)
    await ctx.db.flush()
    ring(ctx, conversation.id, _users(conversation), seq, message=message)
    return message


async def rejoin(ctx: Ctx, conversation: Conversation, me: Participant) -> None:
    """Undo :func:`leave`: the conversation is listed again, and the other side
    may write again (they are told by a system line)."""
    if me.left_at is not None:
        me.left_at = None
        ctx.record("conversation_rejoined", conversation_id=conversation.id, role=me.role)
        await post_system(ctx, conversation, "rejoined", user_id=me.user_id)
