"""HTML for business reviews: the profile's 후기 section (loaded by htmx into
business/profile.html), the full list with keyset pages, and the plain forms
to write, edit and delete a review and to reply to one."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from dongne.business.models import MEMBER_ROLES, Business
from dongne.business.reviews import queries, service
from dongne.business.reviews.schemas import ReplyIn, ReviewIn
from dongne.business.service import access_business_by_id, member_role
from dongne.kit.errors import DomainError, validation_errors
from dongne.kit.ids import Id
from dongne.kit.templating import environment, render
from dongne.listings.pages import ago
from dongne.notifications.pages import render_page
from dongne.web import Ctx, CtxDep

router = APIRouter(include_in_schema=False)

Cursor = Annotated[str | None, Query(max_length=200)]
Back = Literal["profile", "list"]

_env = environment()
_env.filters.update(ago=ago)
_env.globals.update(member_roles=MEMBER_ROLES)


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


async def _refused(ctx: Ctx, exc: DomainError) -> dict[str, str]:
    """A refusal shown on the form; the transaction is undone."""
    if exc.status in (401, 404) or exc.status >= 500:
        raise exc
    await ctx.db.rollback()
    if ctx.user is not None:
        await ctx.db.refresh(ctx.user)
    return {exc.field or "_": exc.text()}


def _errors(exc: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for err in validation_errors(exc.errors()):
        errors.setdefault(err["field"].split(".")[0] or "_", err["message"])
    return errors


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
    status = 422
    try:
        await service.write_review(ctx, business_id, ReviewIn.model_validate({"content": content}))
        return _redirect(_back_url(business_id, back))
    except ValidationError as exc:
        errors = _errors(exc)
    except DomainError as exc:
        errors = await _refused(ctx, exc)
        status = exc.status
    return await _list_page(
        request, ctx, business_id, status=status, values={"content": content}, errors=errors
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
    status = 422
    try:
        await service.reply_to_review(
            ctx, business_id, review_id, ReplyIn.model_validate({"content": content})
        )
        return _redirect(_back_url(business_id, back, review_id))
    except ValidationError as exc:
        message = _errors(exc).get("content", "")
    except DomainError as exc:
        if exc.status == 403:  # not one of the shop's people: they have no reply form
            raise
        message = next(iter((await _refused(ctx, exc)).values()))
        status = exc.status
    return await _list_page(
        request,
        ctx,
        business_id,
        status=status,
        reply_values={review_id: content},
        reply_errors={review_id: message},
    )
