"""동네 소식: the businesses' news in the viewer's range, and the home page's strip."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from dongne.business.api import run_news
from dongne.kit.cursors import Cursor
from dongne.kit.templating import render, render_page
from dongne.web import CtxDep

router = APIRouter(include_in_schema=False)

# ---- 동네 소식 ------------------------------------------------------------------------------


@router.get("/news")
async def news(request: Request, ctx: CtxDep, cursor: Cursor = None) -> Response:
    page = await run_news(ctx, cursor, None)
    more = f"/news?{urlencode({'cursor': page.next_cursor})}" if page.next_cursor else None
    context = {"posts": page.items, "more_url": more}
    return await render_page(request, ctx, "business/news.html", context)


@router.get("/news/home")
async def news_strip(request: Request, ctx: CtxDep) -> Response:
    """The home page's strip of the newest 동네 소식 (loaded by htmx)."""
    page = await run_news(ctx, None, None, limit=3)
    if not page.items:
        return HTMLResponse("")
    return render(request, "business/_news_strip.html", {"posts": page.items})
