"""Who may act in a conversation, the refusal when two people blocked each other, and the doorbell
(rung after commit) that tells the participants' sockets."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from dongne.chat.models import (
    Conversation,
    Message,
    Participant,
)
from dongne.chat.queries import message_frame, plain_message_out
from dongne.context import Ctx
from dongne.db import on_commit
from dongne.kit.errors import (
    DomainError,
    NotFound,
)
from dongne.kit.hub import Hub
from dongne.kit.i18n import N_


def chat_channel(user_id: int) -> str:
    return f"chat:{user_id}"


class Blocked(DomainError):
    status = 403
    code = "blocked"
    message = N_("이 사용자와는 대화할 수 없어요.")


# ---- access -------------------------------------------------------------------


async def access_conversation_by_id(
    ctx: Ctx, conversation_id: int
) -> tuple[Conversation, Participant]:
    """The conversation and the caller's side of it; 404 for anyone else.
    Every chat route and every WebSocket frame goes through here."""
    user = ctx.require_user()
    row = (
        await ctx.db.execute(
            select(Conversation, Participant)
            .join(Participant, Participant.conversation_id == Conversation.id)
            .where(Conversation.id == conversation_id, Participant.user_id == user.id)
        )
    ).first()
    if row is None:
        raise NotFound(N_("대화를 찾을 수 없어요."))
    return row.tuple()


def _users(conversation: Conversation) -> tuple[int, int]:
    return conversation.buyer_id, conversation.seller_id


def other_side(conversation: Conversation, user_id: int) -> int:
    return conversation.seller_id if user_id == conversation.buyer_id else conversation.buyer_id


def ring(
    ctx: Ctx,
    conversation_id: int,
    users: tuple[int, int],
    seq: int,
    kind: str = "message",
    message: Message | None = None,
) -> None:
    """After commit, tell both participants' connections (``users``) that ``seq``
    exists. The notice carries the message's frame when it needs nothing more
    from the database (no photo): a connection whose cursor is just before it
    sends it as is; any other reads from the database as usual. Encoded once,
    however many listen."""
    hub: Hub = ctx.svc.hub
    notice: dict[str, Any] = {"type": kind, "conversation_id": conversation_id, "seq": seq}
    if message is not None and message.photo_id is None:
        notice["frame"] = message_frame(plain_message_out(message))
    channels = [chat_channel(uid) for uid in users]

    async def publish() -> None:
        await hub.publish_many(channels, notice)

    on_commit(ctx.db, publish)
