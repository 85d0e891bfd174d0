"""HTML for business reviews: the profile's 후기 section (loaded by htmx into
business/profile.html), the full list with keyset pages, and the plain forms
to write, edit and delete a review and to reply to one."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from dongne.business.models import MEMBER_ROLES, Business
from dongne.business.reviews import queries, service
from dongne.business.reviews.schemas import ReplyIn, ReviewIn
from dongne.business.service import access_business_by_id, member_role
from dongne.context import Ctx
from dongne.kit.cursors import Cursor
from dongne.kit.forms import refusal
from dongne.kit.ids import Id
from dongne.kit.templating import TemplateParts, render, render_page
from dongne.web import CtxDep

router = APIRouter(include_in_schema=False)

Back = Literal["profile", "list"]

# Given to the templates at app creation (dongne.app).
TEMPLATES = TemplateParts(globals={"member_roles": MEMBER_ROLES})


def _back_url(business_id: Id, back: str, review_id: Id | None = None) -> str:
    if back == "list":
        return f"/businesses/{business_id}/reviews" + (f"#review-{review_id}" if review_id else "")
    return f"/businesses/{business_id}#reviews"


def _redirect(url: str) -> Response:
    return RedirectResponse(url, status_code=303)


async def _context(
    ctx: Ctx, business: Business, cursor: str | None, limit: int, back: str
) -> dict[str, Any]:
    """What the section and the list show: the count, a page of reviews, the
    form or the reason there is none, and the reply forms for the shop's people."""
    hidden = await queries.hidden_authors(ctx)
    viewer = ctx.user.id if ctx.user is not None else None
    reviews, more = await queries.review_page(ctx.db, business.id, viewer, hidden, cursor, limit)
    refusal = await service.writing_refusal(ctx, business)
    return {
        "business": business,
        "count": await queries.review_count(ctx.db, business.id, hidden),
        "reviews": reviews,
        "next_cursor": more,
        "mine": await queries.my_review(ctx.db, business.id, viewer) if viewer else None,
        "can_write": refusal is None,
        "refusal": refusal.text() if refusal is not None else None,
        "is_team": viewer is not None
        and await member_role(ctx.db, business.id, viewer) is not None,
        "back": back,
        "values": {},
        "errors": {},
        "reply_values": {},
        "reply_errors": {},
    }


async def _list_page(
    request: Request,
    ctx: Ctx,
    business_id: Id,
    cursor: str | None = None,
    status: int = 200,
    **overrides: Any,
) -> HTMLResponse:
    business = await access_business_by_id(ctx, business_id)
    context = await _context(ctx, business, cursor, queries.PAGE_SIZE, "list")
    context.update(overrides)
    more = context["next_cursor"]
    context["more_url"] = (
        f"/businesses/{business.id}/reviews?{urlencode({'cursor': more})}" if more else None
    )
    return await render_page(request, ctx, "business/reviews/list.html", context, status=status)


# ---- reading -------------------------------------------------------------------------------


@router.get("/businesses/{business_id}/reviews/section")
async def section(request: Request, ctx: CtxDep, business_id: Id) -> Response:
    """The profile's 후기: the count, the newest few with their replies, the form."""
    business = await access_business_by_id(ctx, business_id)
    context = await _context(ctx, business, None, queries.LATEST, "profile")
    return render(request, "business/reviews/_section.html", context)


@router.get("/businesses/{business_id}/reviews")
async def all_reviews(
    request: Request, ctx: CtxDep, business_id: Id, cursor: Cursor = None
) -> Response:
    return await _list_page(request, ctx, business_id, cursor)


# ---- writing -------------------------------------------------------------------------------


@router.post("/businesses/{business_id}/reviews")
async def write(
    request: Request,
    ctx: CtxDep,
    business_id: Id,
    content: Annotated[str, Form(max_length=4000)] = "",
    back: Annotated[Back, Form()] = "profile",
) -> Response:
    ctx.require_user()
    async with refusal(ctx) as refused:
        await service.write_review(ctx, business_id, ReviewIn.model_validate({"content": content}))
        return _redirect(_back_url(business_id, back))
    return await _list_page(
        request,
        ctx,
        business_id,
        status=refused.status,
        values={"content": content},
        errors=refused.errors,
    )


@router.post("/businesses/{business_id}/reviews/{review_id}/delete")
async def delete(
    ctx: CtxDep, business_id: Id, review_id: Id, back: Annotated[Back, Form()] = "profile"
) -> Response:
    await service.delete_review(ctx, business_id, review_id)
    return _redirect(_back_url(business_id, back))


@router.post("/businesses/{business_id}/reviews/{review_id}/reply")
async def reply(
    request: Request,
    ctx: CtxDep,
    business_id: Id,
    review_id: Id,
    content: Annotated[str, Form(max_length=4000)] = "",
    back: Annotated[Back, Form()] = "profile",
) -> Response:
    async with refusal(ctx) as refused:
        await service.reply_to_review(
            ctx, business_id, review_id, ReplyIn.model_validate({"content": content})
        )
        return _redirect(_back_url(business_id, back, review_id))
    return await _list_page(
        request,
        ctx,
        business_id,
        status=refused.status,
        reply_values={review_id: content},
        reply_errors={review_id: refused.message},
    )
