"""My businesses and the ones I follow (단골)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from dongne.business import queries, service, staff
from dongne.business.pages.common import (
    redirect,
)
from dongne.kit.forms import refusal
from dongne.kit.templating import render_page
from dongne.web import CtxDep

router = APIRouter(include_in_schema=False)

# ---- mine ---------------------------------------------------------------------------------


@router.get("/me/businesses")
async def mine(request: Request, ctx: CtxDep) -> Response:
    user = ctx.require_user()
    memberships = await queries.my_business_ids(ctx.db, user.id)
    roles = dict(memberships)
    cards = await queries.cards(ctx.db, ctx.svc.media, [b for b, _ in memberships])
    following = await queries.cards(
        ctx.db, ctx.svc.media, await queries.followed_ids(ctx.db, user.id)
    )
    context = {"mine": [(c, roles[c.id]) for c in cards], "following": following}
    return await render_page(request, ctx, "business/mine.html", context)


@router.get("/business-invitations")
async def invitation(request: Request, ctx: CtxDep, token: str = "") -> Response:
    """Where the invitation mail's link lands: sign in (or up), then accept."""
    context: dict[str, Any] = {"token": token, "business": None, "error": None}
    if ctx.user is not None:
        async with refusal(ctx) as refused:  # expired (409); unknown tokens are a 404 page
            found = await staff.access_invitation_by_token(ctx, token)
            context["business"] = await service.get_business_or_raise(ctx.db, found.business_id)
        context["error"] = refused.message or None
    else:
        context["next"] = f"/business-invitations?{urlencode({'token': token})}"
    status = 200 if context["error"] is None else 409
    return await render_page(request, ctx, "business/invitation.html", context, status=status)


@router.post("/business-invitations/accept")
async def accept(request: Request, ctx: CtxDep) -> Response:
    form = await request.form()
    member = await staff.accept_invitation(ctx, str(form.get("token", "")))
    return redirect(f"/businesses/{member.business_id}")
