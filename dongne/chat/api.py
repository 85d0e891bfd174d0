"""Chat over plain HTTP, for clients without WebSockets (and for pages)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from dongne.chat import queries, service
from dongne.chat.schemas import (
    AppointmentIn,
    ConversationOut,
    MessageIn,
    MessageOut,
    MuteIn,
    ReadIn,
    SendResult,
)
from dongne.context import Ctx
from dongne.kit.ids import MAX_SEQ, Id
from dongne.web import CtxDep

router = APIRouter(prefix="/api/v1", tags=["chat"])


async def _one(ctx: Ctx, conversation_id: Id) -> ConversationOut:
    user = ctx.require_user()
    outs = await queries.conversation_outs(ctx.db, ctx.svc.media, user.id, [conversation_id])
    return outs[0]


@router.post("/listings/{listing_id}/chat")
async def start(listing_id: Id, ctx: CtxDep) -> ConversationOut:
    """채팅하기: the buyer's conversation about this listing (created on first use)."""
    conversation = await service.start_conversation(ctx, listing_id)
    return await _one(ctx, conversation.id)


@router.get("/chats")
async def chat_list(ctx: CtxDep) -> list[ConversationOut]:
    """Every conversation, newest activity first, with unread counts."""
    user = ctx.require_user()
    ids = await queries.my_conversation_ids(ctx.db, user.id)
    return await queries.conversation_outs(ctx.db, ctx.svc.media, user.id, ids)


@router.get("/chats/unread")
async def unread(ctx: CtxDep) -> dict[str, int]:
    return {"unread": await queries.total_unread(ctx.db, ctx.require_user().id)}


@router.get("/chats/{conversation_id}")
async def detail(conversation_id: Id, ctx: CtxDep) -> ConversationOut:
    await service.access_conversation_by_id(ctx, conversation_id)
    return await _one(ctx, conversation_id)


@router.get("/chats/{conversation_id}/messages")
async def messages(
    conversation_id: Id,
    ctx: CtxDep,
    after: Annotated[int | None, Query(ge=0, le=MAX_SEQ)] = None,
    before: Annotated[int | None, Query(ge=1, le=MAX_SEQ)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[MessageOut]:
    """Messages by sequence: ``after`` for what is new (resuming), ``before``
    for older history; without either, the newest ``limit``."""
    await service.access_conversation_by_id(ctx, conversation_id)
    if after is not None:
        rows = await queries.messages_after(ctx.db, conversation_id, after, limit)
    else:
        rows = await queries.messages_before(ctx.db, conversation_id, before, limit)
    return await queries.message_outs(ctx.db, ctx.svc.media, rows)


@router.post("/chats/{conversation_id}/messages")
async def send(conversation_id: Id, data: MessageIn, ctx: CtxDep, response: Response) -> SendResult:
    """Send a message. ``client_id`` makes it idempotent: a retry returns the
    stored message (200) instead of storing it twice (201)."""
    message, created = await service.send_message(
        ctx, conversation_id, data.client_id, body=data.body, photo_id=data.photo_id
    )
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    out = (await queries.message_outs(ctx.db, ctx.svc.media, [message]))[0]
    return SendResult(message=out, created=created)


@router.post("/chats/{conversation_id}/read", status_code=status.HTTP_204_NO_CONTENT)
async def read(conversation_id: Id, data: ReadIn, ctx: CtxDep) -> Response:
    await service.mark_read(ctx, conversation_id, data.seq)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put("/chats/{conversation_id}/appointment")
async def set_appointment(conversation_id: Id, data: AppointmentIn, ctx: CtxDep) -> ConversationOut:
    """약속 잡기 (date, time, place); ``reserve`` (seller only) marks the listing 예약중."""
    await service.set_appointment(ctx, conversation_id, data.meet_at, data.place, data.reserve)
    return await _one(ctx, conversation_id)


@router.delete("/chats/{conversation_id}/appointment", status_code=status.HTTP_204_NO_CONTENT)
async def cancel_appointment(conversation_id: Id, ctx: CtxDep) -> Response:
    await service.cancel_appointment(ctx, conversation_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/chats/{conversation_id}/mute")
async def mute(conversation_id: Id, data: MuteIn, ctx: CtxDep) -> ConversationOut:
    await service.set_muted(ctx, conversation_id, data.muted)
    return await _one(ctx, conversation_id)


@router.post("/chats/{conversation_id}/leave", status_code=status.HTTP_204_NO_CONTENT)
async def leave(conversation_id: Id, ctx: CtxDep) -> Response:
    await service.leave(ctx, conversation_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/chats/{conversation_id}/block", status_code=status.HTTP_204_NO_CONTENT)
async def block(conversation_id: Id, ctx: CtxDep) -> Response:
    """Block the other person: they can no longer message you or start a chat."""
    await service.block_in_conversation(ctx, conversation_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
