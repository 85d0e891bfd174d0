"""Notifications: the list, read marks, and a live stream (Server-Sent Events)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response, status
from fastapi.sse import EventSourceResponse, ServerSentEvent
from pydantic import BaseModel

from dongne.kit.hub import Notice
from dongne.kit.ids import MAX_ID, Id
from dongne.kit.sse import doorbell_stream
from dongne.notifications.models import Notification
from dongne.notifications.service import (
    list_notifications,
    mark_read,
    unread_count,
    user_channel,
)
from dongne.web import CtxDep, authenticated_user_id, services

router = APIRouter(prefix="/api/v1/notifications", tags=["notifications"])


class NotificationOut(BaseModel):
    id: Id
    kind: str
    payload: dict[str, Any]
    created_at: datetime
    read: bool


class NotificationList(BaseModel):
    items: list[NotificationOut]
    unread: int


def _out(n: Notification) -> NotificationOut:
    return NotificationOut(
        id=n.id, kind=n.kind, payload=n.payload, created_at=n.created_at, read=n.read_at is not None
    )


@router.get("")
async def notifications(ctx: CtxDep) -> NotificationList:
    user = ctx.require_user()
    items = await list_notifications(ctx.db, user.id)
    return NotificationList(
        items=[_out(n) for n in items], unread=await unread_count(ctx.db, user.id)
    )


@router.post("/read", status_code=status.HTTP_204_NO_CONTENT)
async def read_all(ctx: CtxDep) -> Response:
    await mark_read(ctx)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{notification_id}/read", status_code=status.HTTP_204_NO_CONTENT)
async def read_one(notification_id: Id, ctx: CtxDep) -> Response:
    await mark_read(ctx, notification_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/stream", response_class=EventSourceResponse)
async def stream(
    request: Request,
    # A dependency, so a caller who is not signed in gets a 401 before the stream starts.
    user_id: Annotated[int, Depends(authenticated_user_id)],
    last_event_id: Annotated[int | None, Header(ge=0, le=MAX_ID)] = None,
    after: Annotated[int | None, Query(ge=0, le=MAX_ID)] = None,
) -> AsyncIterator[ServerSentEvent]:
    """Live notifications. Each event's id is the notification id: on reconnect
    the browser sends ``Last-Event-ID`` and gets everything it missed, in order."""
    svc = services(request)
    cursor = last_event_id if last_event_id is not None else after

    async def pending(_notice: Notice | None) -> list[ServerSentEvent]:
        nonlocal cursor
        async with svc.db.sessions() as db:
            if cursor is None:
                latest = await list_notifications(db, user_id, limit=1)
                cursor = latest[0].id if latest else 0
                return []
            rows = await list_notifications(db, user_id, after_id=cursor, limit=100)
            unread = await unread_count(db, user_id) if rows else 0
        events = []
        for n in rows:
            cursor = n.id
            events.append(
                ServerSentEvent(
                    id=str(n.id),
                    event="notification",
                    data={**_out(n).model_dump(mode="json"), "unread": unread},
                )
            )
        return events

    async for event in doorbell_stream(
        request, svc.hub, user_channel(user_id), pending, lambda: {"after": cursor}, 3000
    ):
        yield event
