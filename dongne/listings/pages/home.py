"""홈: the feed of the viewer's range (or of a neighbourhood a visitor picked),
its infinite scroll, and choosing a neighbourhood to browse."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from dongne.geo.queries import get_neighbourhood, search_neighbourhoods
from dongne.kit.cursors import Cursor
from dongne.kit.errors import InvalidInput
from dongne.kit.htmx import FRAGMENT_VARY, is_fragment
from dongne.kit.i18n import N_
from dongne.kit.templating import render, render_page
from dongne.listings import queries, service
from dongne.listings.pages.filters import Category, Filters, more_url
from dongne.listings.pages.places import header_place
from dongne.web import BROWSE_COOKIE, CtxDep

router = APIRouter(include_in_schema=False)

YEAR = 365 * 86400  # how long the chosen neighbourhood's cookie lasts

# ---- home and the feed ------------------------------------------------------------


@router.get("/")
async def home(
    request: Request,
    ctx: CtxDep,
    category: Category = None,
    free: bool = False,
    hide_sold: bool = False,
    q: Annotated[str, Query(max_length=50)] = "",
) -> Response:
    place = await header_place(ctx)
    if place is None:
        results = await search_neighbourhoods(ctx.db, q) if q.strip() else []
        return await render_page(request, ctx, "home.html", {"q": q, "results": results})
    filters = Filters(category or None, free, hide_sold)
    seen = await queries.feed_page(
        ctx, await service.browse_range(ctx), filters.category, free, hide_sold, None
    )
    service.feed_viewed(ctx, seen, None, filters.category)
    page = seen.page
    context = {
        "place": place,
        "filters": filters,
        "cards": page.items,
        "more_url": more_url("/feed/more", page, filters),
        "first": True,
    }
    if is_fragment(request, "feed-list"):
        response = render(request, "listings/_cards.html", context)
    else:
        response = await render_page(request, ctx, "home.html", context)
    response.headers["Vary"] = FRAGMENT_VARY
    return response


@router.get("/feed/more")
async def feed_more(
    request: Request,
    ctx: CtxDep,
    cursor: Cursor = None,
    category: Category = None,
    free: bool = False,
    hide_sold: bool = False,
) -> Response:
    """The next cards of the feed and the loader after them (infinite scroll)."""
    filters = Filters(category or None, free, hide_sold)
    seen = await queries.feed_page(
        ctx, await service.browse_range(ctx), filters.category, free, hide_sold, cursor
    )
    service.feed_viewed(ctx, seen, cursor, filters.category)
    page = seen.page
    return render(
        request,
        "listings/_cards.html",
        {"cards": page.items, "more_url": more_url("/feed/more", page, filters)},
    )


@router.get("/browse/neighbourhoods")
async def browse_search(
    request: Request, ctx: CtxDep, q: Annotated[str, Query(max_length=50)] = ""
) -> Response:
    """Visitors pick a neighbourhood to look around: the search results."""
    results = await search_neighbourhoods(ctx.db, q) if q.strip() else []
    return render(request, "listings/_places.html", {"q": q, "results": results})


@router.post("/browse")
async def browse_choose(request: Request, ctx: CtxDep) -> Response:
    """Look around a neighbourhood without an account (둘러보기): remembered in a cookie."""
    form = await request.form()
    chosen = await get_neighbourhood(ctx.db, str(form.get("neighbourhood_id", ""))[:32])
    if chosen is None:
        raise InvalidInput(N_("알 수 없는 동네입니다."), field="neighbourhood_id")
    ctx.record("browse_neighbourhood_chosen", neighbourhood_id=chosen.id)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        BROWSE_COOKIE,
        chosen.id,
        max_age=YEAR,
        httponly=True,
        samesite="lax",
        secure=ctx.svc.settings.is_production,
    )
    return response


@router.post("/browse/clear")
async def browse_clear(request: Request, ctx: CtxDep) -> Response:
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(BROWSE_COOKIE)
    return response
