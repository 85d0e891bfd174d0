"""A business profile as neighbours see it: hours, prices, 소식, 단골, 문의하기
(and its reviews, loaded from business/reviews)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from dongne.business import queries, service
from dongne.business.hours import SEOUL
from dongne.business.pages.common import (
    form_errors,
    redirect,
    refused,
)
from dongne.business.schemas import (
    PostIn,
)
from dongne.db import utcnow
from dongne.kit.errors import DomainError
from dongne.kit.ids import Id
from dongne.kit.templating import render
from dongne.notifications.pages import render_page
from dongne.web import Ctx, CtxDep

router = APIRouter(include_in_schema=False)

# ---- the profile -----------------------------------------------------------------------


async def profile_page(
    request: Request,
    ctx: Ctx,
    business_id: Id,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    business = await service.access_business_by_id(ctx, business_id)
    out = await queries.business_out(ctx, business)
    posts, _more = await queries.business_posts(ctx.db, ctx.svc.media, business.id, None, 10)
    context = {
        "b": out,
        "posts": posts,
        "errors": errors or {},
        "values": values or {},
        "today": utcnow().astimezone(SEOUL).date(),
    }
    return await render_page(request, ctx, "business/profile.html", context, status=status)


@router.get("/businesses/{business_id}")
async def profile(request: Request, ctx: CtxDep, business_id: Id) -> Response:
    return await profile_page(request, ctx, business_id)


@router.post("/businesses/{business_id}/follow")
async def follow(request: Request, ctx: CtxDep, business_id: Id) -> Response:
    """단골 on or off; answers htmx with the button and the new count."""
    form = await request.form()
    on = form.get("following") == "1"
    business = await service.access_business_by_id(ctx, business_id)
    await service.set_following(ctx, business, on)
    if request.headers.get("hx-request") != "true":
        return redirect(f"/businesses/{business_id}")
    await ctx.db.refresh(business)
    return render(
        request,
        "business/_follow.html",
        {"b": {"id": business.id, "following": on, "follower_count": business.follower_count}},
    )


@router.post("/businesses/{business_id}/posts")
async def create_post(request: Request, ctx: CtxDep, business_id: Id) -> Response:
    form = await request.form()
    values = {k: str(form.get(k, "")) for k in ("title", "content")}
    try:
        await service.create_post(ctx, business_id, PostIn.model_validate(values))
        return redirect(f"/businesses/{business_id}#news")
    except ValidationError as exc:
        errors = form_errors(exc)
    except DomainError as exc:
        errors = await refused(ctx, exc)
    return await profile_page(request, ctx, business_id, errors, values, status=422)


@router.post("/businesses/{business_id}/posts/{post_id}/delete")
async def delete_post(request: Request, ctx: CtxDep, business_id: Id, post_id: Id) -> Response:
    await service.delete_post(ctx, business_id, post_id)
    return redirect(f"/businesses/{business_id}#news")
