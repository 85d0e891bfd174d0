"""검색: results with the feed's filters, the next pages, suggestions as one
types, and recent searches."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from dongne.kit.cursors import Cursor
from dongne.kit.forms import refusal
from dongne.kit.htmx import FRAGMENT_VARY, is_fragment, is_htmx
from dongne.kit.templating import render, render_page
from dongne.listings import queries, service
from dongne.listings.pages.filters import Category, Filters, more_url
from dongne.listings.text import MAX_QUERY_LENGTH
from dongne.web import CtxDep

router = APIRouter(include_in_schema=False)

# ---- search -----------------------------------------------------------------------


@router.get("/search")
async def search_page(
    request: Request,
    ctx: CtxDep,
    q: Annotated[str, Query(max_length=MAX_QUERY_LENGTH)] = "",
    category: Category = None,
    free: bool = False,
    hide_sold: bool = False,
) -> Response:
    text = " ".join(q.split())
    filters = Filters(category or None, free, hide_sold)
    context: dict[str, Any] = {"q": text, "filters": filters, "cards": None, "error": None}
    status = 200
    if not text:
        viewer = ctx.user
        context["recent"] = await queries.recent_searches(ctx.db, viewer.id) if viewer else []
    else:
        async with refusal(ctx) as refused:
            seen = await queries.search_page(
                ctx, await service.browse_range(ctx), text, filters.category, free, hide_sold, None
            )
            await service.searched(ctx, seen, text, None, filters.category)
            page = seen.page
            context["cards"] = page.items
            context["more_url"] = more_url("/search/more", page, filters, q=text)
        if refused:
            context["error"] = refused.message
            context["needs_place"] = "neighbourhood_id" in refused.errors
            status = refused.status
    if is_fragment(request, "search-results"):
        response = render(request, "listings/_search_results.html", context, status=status)
    else:
        response = await render_page(request, ctx, "listings/search.html", context, status=status)
    response.headers["Vary"] = FRAGMENT_VARY
    return response


@router.get("/search/more")
async def search_more(
    request: Request,
    ctx: CtxDep,
    q: Annotated[str, Query(max_length=MAX_QUERY_LENGTH)] = "",
    cursor: Cursor = None,
    category: Category = None,
    free: bool = False,
    hide_sold: bool = False,
) -> Response:
    filters = Filters(category or None, free, hide_sold)
    seen = await queries.search_page(
        ctx, await service.browse_range(ctx), q, filters.category, free, hide_sold, cursor
    )
    await service.searched(ctx, seen, q, cursor, filters.category)
    page = seen.page
    return render(
        request,
        "listings/_cards.html",
        {"cards": page.items, "more_url": more_url("/search/more", page, filters, q=q)},
    )


@router.get("/search/suggest")
async def suggest(
    request: Request, ctx: CtxDep, q: Annotated[str, Query(max_length=MAX_QUERY_LENGTH)] = ""
) -> Response:
    """Search-as-you-type: matching titles; with an empty box, recent searches."""
    text = " ".join(q.split())
    if not text:
        recent = await queries.recent_searches(ctx.db, ctx.user.id) if ctx.user else []
        return render(request, "listings/_recent.html", {"recent": recent})
    titles = await queries.suggestions(ctx, await service.browse_range(ctx), text)
    return render(request, "listings/_suggest.html", {"titles": titles, "q": text})


@router.post("/search/recent/clear")
async def clear_recent(request: Request, ctx: CtxDep) -> Response:
    await service.clear_searches(ctx)
    if not is_htmx(request):
        return RedirectResponse("/search", status_code=303)
    return render(request, "listings/_recent.html", {"recent": []})
