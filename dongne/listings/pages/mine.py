"""The seller's and buyer's own lists: my listings by state, 관심목록, and
keyword alerts (키워드 알림)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from dongne.kit.errors import DomainError, InvalidInput
from dongne.kit.forms import parse_form
from dongne.kit.i18n import N_
from dongne.kit.ids import Id
from dongne.listings import browse, queries, service
from dongne.listings.models import (
    STATUSES,
)
from dongne.listings.pages.common import (
    refused,
    reraise_unless_form_error,
)
from dongne.listings.schemas import KeywordIn
from dongne.notifications.pages import render_page
from dongne.web import CtxDep

router = APIRouter(include_in_schema=False)

# ---- my lists ---------------------------------------------------------------------


@router.get("/me/listings")
async def my_listings(
    request: Request,
    ctx: CtxDep,
    status: Annotated[str, Query(max_length=10)] = "selling",
) -> Response:
    user = ctx.require_user()
    if status not in STATUSES:
        raise InvalidInput(N_("알 수 없는 상태예요."), field="status")
    ids = await queries.seller_listing_ids(
        ctx.db, user.id, status=status, include_hidden=True, limit=200
    )
    context = {
        "tab": status,
        "cards": await queries.cards(ctx.db, ctx.svc.media, ids),
        "deleted": request.query_params.get("deleted") == "1",
    }
    return await render_page(request, ctx, "listings/mine.html", context)


@router.get("/me/likes")
async def my_likes(request: Request, ctx: CtxDep) -> Response:
    ids = await queries.liked_ids(ctx.db, ctx.require_user().id)
    cards = await queries.cards(ctx.db, ctx.svc.media, ids)
    return await render_page(request, ctx, "listings/likes.html", {"cards": cards})


@router.get("/me/keywords")
async def keywords_page(request: Request, ctx: CtxDep) -> Response:
    keywords = await browse.my_keywords(ctx)
    return await render_page(
        request, ctx, "listings/keywords.html", {"keywords": keywords, "errors": {}, "values": {}}
    )


@router.post("/me/keywords")
async def keyword_add(request: Request, ctx: CtxDep) -> Response:
    ctx.require_user()
    data, errors, values = await parse_form(request, KeywordIn)
    if data is not None:
        try:
            await service.add_keyword(ctx, data.keyword)
            return RedirectResponse("/me/keywords", status_code=303)
        except DomainError as exc:
            reraise_unless_form_error(exc)
            errors = await refused(ctx, exc)
    keywords = await browse.my_keywords(ctx)
    context = {"keywords": keywords, "errors": errors, "values": values}
    return await render_page(request, ctx, "listings/keywords.html", context, status=422)


@router.post("/me/keywords/{keyword_id}/delete")
async def keyword_remove(request: Request, ctx: CtxDep, keyword_id: Id) -> Response:
    await service.remove_keyword(ctx, keyword_id)
    return RedirectResponse("/me/keywords", status_code=303)
