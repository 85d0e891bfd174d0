"""The change log and the doorbells: every change bumps the inbox's version
(serialising writes to one inbox on its row), appends to the conversation and
rings the hub only after the commit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from dongne.context import Ctx
from dongne.db import on_commit, utcnow
from dongne.inbox.models import (
    Inbox,
    InboxConversation,
    InboxMessage,
)
from dongne.inbox.service.access import (
    agents_channel,
    customer_channel,
)

# ---- the change log and doorbells ------------------------------------------------


async def _bump(ctx: Ctx, inbox_id: int) -> int:
    """The inbox's next version; the row stays locked until commit."""
    version = await ctx.db.scalar(
        update(Inbox)
        .where(Inbox.id == inbox_id)
        .values(version=Inbox.version + 1)
        .returning(Inbox.version)
    )
    assert version is not None
    return int(version)


def _ring(ctx: Ctx, conversation: InboxConversation, version: int, customer: bool) -> None:
    hub = ctx.svc.hub
    notice = {"type": "change", "version": version, "conversation_id": conversation.id}
    inbox_id, customer_id = conversation.inbox_id, conversation.customer_id

    async def publish() -> None:
        await hub.publish(agents_channel(inbox_id), notice)
        if customer:
            await hub.publish(customer_channel(customer_id), notice)

    on_commit(ctx.db, publish)


async def _changed(
    ctx: Ctx, conversation: InboxConversation, *, customer: bool = True, **values: Any
) -> int:
    """Write ``values`` and the inbox's next version onto the conversation."""
    version = await _bump(ctx, conversation.inbox_id)
    values["version"] = version
    await ctx.db.execute(
        update(InboxConversation).where(InboxConversation.id == conversation.id).values(**values)
    )
    await ctx.db.refresh(conversation)
    _ring(ctx, conversation, version, customer)
    return version


async def _append(
    ctx: Ctx,
    conversation: InboxConversation,
    kind: str,
    *,
    sender_id: int | None = None,
    client_id: str | None = None,
    body: str = "",
    data: dict[str, Any] | None = None,
    **values: Any,
) -> InboxMessage:
    """Store one message with the conversation's next sequence number (the
    inbox row must already be locked by :func:`_bump`)."""
    now = utcnow()
    seq = await ctx.db.scalar(
        update(InboxConversation)
        .where(InboxConversation.id == conversation.id)
        .values(last_seq=InboxConversation.last_seq + 1, last_message_at=now, **values)
        .returning(InboxConversation.last_seq)
    )
    assert seq is not None
    message = InboxMessage(
        conversation_id=conversation.id,
        seq=int(seq),
        sender_id=sender_id,
        client_id=client_id,
        kind=kind,
        body=body,
        data=data or {},
        created_at=now,
    )
    ctx.db.add(message)
    await ctx.db.flush()
    return message


async def _post(
    ctx: Ctx,
    conversation: InboxConversation,
    kind: str,
    *,
    customer: bool = True,
    conv_values: dict[str, Any] | None = None,
    **message: Any,
) -> InboxMessage:
    version = await _bump(ctx, conversation.inbox_id)
    stored = await _append(
        ctx, conversation, kind, version=version, **(conv_values or {}), **message
    )
    await ctx.db.refresh(conversation)
    _ring(ctx, conversation, version, customer)
    return stored
