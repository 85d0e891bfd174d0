"""The 알림 page, the header's unread badge, and the page chrome that carries it.

The badge is rendered with the page (its count and the newest notification id,
from which the page's live stream resumes, so nothing that arrives between the
render and the stream's start is missed). Pages rendered elsewhere load it with
one htmx request instead.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from dongne.context import Ctx
from dongne.kit.templating import render
from dongne.notifications.service import list_notifications, mark_read, unread_count
from dongne.web import CtxDep

router = APIRouter(include_in_schema=False)


async def badge_state(request: Request, ctx: Ctx) -> dict[str, int] | None:
    """The signed-in viewer's unread count and newest notification id."""
    viewer = getattr(request.state, "user", None)
    if viewer is None:
        return None
    latest = await list_notifications(ctx.db, viewer.id, limit=1)
    return {
        "unread": await unread_count(ctx.db, viewer.id),
        "after": latest[0].id if latest else 0,
    }


async def render_page(
    request: Request,
    ctx: Ctx,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
) -> HTMLResponse:
    """render() for a whole page: adds what the header shows a signed-in user."""
    notice = await badge_state(request, ctx)
    return render(request, name, {**(context or {}), "notice": notice}, status=status)


@router.get("/notifications")
async def notifications_page(request: Request, ctx: CtxDep) -> Response:
    user = ctx.require_user()
    items = await list_notifications(ctx.db, user.id)
    return await render_page(request, ctx, "notifications/list.html", {"items": items})


@router.post("/notifications/read")
async def read_all(request: Request, ctx: CtxDep) -> Response:
    """Called by the notifications page once it is open: everything is read.
    Tells the header's badge through an htmx event."""
    await mark_read(ctx)
    return HTMLResponse("", headers={"HX-Trigger": json.dumps({"dongne:unread": {"unread": 0}})})


@router.get("/notifications/badge")
async def badge(request: Request, ctx: CtxDep) -> Response:
    """The header's badge, for pages that did not render it themselves."""
    notice = await badge_state(request, ctx)
    if notice is None:
        return HTMLResponse("")
    return render(request, "notifications/_badge.html", {"notice": notice})
