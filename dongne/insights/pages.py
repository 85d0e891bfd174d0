"""Operator pages: the dashboard of all insights, one page per insight with
its tables, and a CSV of every table; filterable by date range and by
district or neighbourhood. And, for sellers, the price guide the listing form
shows (JSON and an htmx fragment).

Before answering, a page brings the export up to date when it is more than a
minute old (incremental, under the export's lock, in a child process: see
refresh.py), then DuckDB reads the Parquet files in a worker thread."""

from __future__ import annotations

import asyncio
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from dongne.context import Ctx
from dongne.insights import charts, engine
from dongne.insights.files import export_root, is_current
from dongne.insights.prices import Guide, price_guide
from dongne.insights.refresh import export_in_child
from dongne.insights.registry import INSIGHTS
from dongne.kit.errors import InvalidInput, NotFound
from dongne.kit.i18n import N_, gettext
from dongne.kit.spreadsheet import csv_text
from dongne.kit.templating import render, render_page
from dongne.listings.models import CATEGORIES
from dongne.listings.queries import range_targets
from dongne.listings.service import active_home
from dongne.web import CtxDep

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/v1/insights", tags=["insights"])

FRESH_SECONDS = 60
GUIDE_DAYS = 180


async def fresh_export(ctx: Ctx) -> Path:
    settings = ctx.svc.settings
    root = export_root(settings)
    marker = root / "tables" / "users.parquet"
    stale = not marker.exists() or time.time() - marker.stat().st_mtime > FRESH_SECONDS
    if stale or not is_current(root):
        await export_in_child(settings.resolved_database_url, root)
    return root


def _filters(root: Path, start: str | None, end: str | None, area: str | None) -> engine.Filters:
    return engine.parse_filters(start, end, area, engine.latest_day(root))


def _query(f: engine.Filters) -> str:
    from urllib.parse import urlencode

    params = {"start": f.start.isoformat(), "end": f.end.isoformat()}
    if f.area:
        params["area"] = f.area
    return urlencode(params)


async def _compute(key: str, root: Path, f: engine.Filters) -> engine.Result:
    module = INSIGHTS[key]
    result: engine.Result = await asyncio.to_thread(engine.run, module.compute, root, f)
    return result


def _context(root: Path, f: engine.Filters) -> dict[str, Any]:
    return {
        "filters": f,
        "query": _query(f),
        "districts": engine.district_options(root),
        "insight_names": {k: m.TITLE for k, m in INSIGHTS.items()},
        "chart": charts.render,
        # Labels come from code (N_ msgids, some with "%"): translated without formatting.
        "tr": gettext,
    }


Start = Annotated[str | None, Query(max_length=10)]
Area = Annotated[str | None, Query(max_length=10)]


@router.get("/insights")
async def dashboard(
    request: Request, ctx: CtxDep, start: Start = None, end: Start = None, area: Area = None
) -> Response:
    ctx.require_operator()
    root = await fresh_export(ctx)
    f = _filters(root, start, end, area)
    computes = [m.compute for m in INSIGHTS.values()]
    results = await asyncio.to_thread(engine.run_many, computes, root, f)
    return await render_page(
        request, ctx, "insights/dashboard.html", {**_context(root, f), "results": results}
    )


def _module_or_404(key: str) -> str:
    if key not in INSIGHTS:
        raise NotFound(N_("그런 인사이트는 없어요."))
    return key


@router.get("/insights/price-guide")
async def price_guide_fragment(
    request: Request, ctx: CtxDep, category: Annotated[str, Query(max_length=32)] = ""
) -> HTMLResponse:
    """The line under the price field of the listing form (htmx)."""
    ctx.require_user()
    guide = await _guide(ctx, category) if category else None
    return render(
        request, "insights/_price_guide.html", {"text": guide_text(guide) if guide else ""}
    )


@router.get("/insights/{key}.csv")
async def insight_csv(
    ctx: CtxDep,
    key: str,
    start: Start = None,
    end: Start = None,
    area: Area = None,
    table: Annotated[int, Query(ge=0, le=9)] = 0,
) -> Response:
    ctx.require_operator()
    _module_or_404(key)
    root = await fresh_export(ctx)
    f = _filters(root, start, end, area)
    result = await _compute(key, root, f)
    if table >= len(result.tables):
        raise InvalidInput(N_("그런 표는 없어요."), field="table")
    chosen = result.tables[table]
    name = (
        f"{key}-{table}-{f.start.isoformat()}-{f.end.isoformat()}{'-' + f.area if f.area else ''}"
    )
    return Response(
        # Search terms are anyone's text: csv_text neutralises formulas.
        "\ufeff"
        + csv_text(
            [chosen.columns, *chosen.rows]
        ),  # a BOM, so spreadsheet programs read the Korean right
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


@router.get("/insights/{key}")
async def insight_page(
    request: Request,
    ctx: CtxDep,
    key: str,
    start: Start = None,
    end: Start = None,
    area: Area = None,
) -> Response:
    ctx.require_operator()
    _module_or_404(key)
    root = await fresh_export(ctx)
    f = _filters(root, start, end, area)
    result = await _compute(key, root, f)
    return await render_page(
        request, ctx, "insights/detail.html", {**_context(root, f), "result": result}
    )


# ---- the price guide for sellers ------------------------------------------------------


async def _guide(ctx: Ctx, category: str) -> Guide | None:
    if category not in CATEGORIES:
        raise InvalidInput(N_("카테고리를 목록에서 골라 주세요."), field="category")
    home = await active_home(ctx)
    if home is None:
        return None
    targets = await range_targets(ctx.db, *home.browse_range)
    root = export_root(ctx.svc.settings)
    since = date.today() - timedelta(days=GUIDE_DAYS)
    return await asyncio.to_thread(price_guide, root, category, targets, since)


def _man(won: int) -> str:
    """Won in 만 원 units as Koreans say prices (3만, 2.5만, 120만)."""
    value = won / 10_000
    return f"{value:,.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"


def guide_text(guide: Guide) -> str:
    return gettext(
        "이 근처 비슷한 물건은 보통 %(low)s만~%(high)s만 원에 거래됐어요.",
        low=_man(guide.low),
        high=_man(guide.high),
    )


@api_router.get("/price-guide")
async def price_guide_api(
    ctx: CtxDep, category: Annotated[str, Query(max_length=32)]
) -> dict[str, Any]:
    """Sold prices of the category inside the caller's range (last 180 days):
    median and inter-quartile range, or nulls when too few deals."""
    ctx.require_user()
    guide = await _guide(ctx, category)
    if guide is None:
        return {"deals": 0, "low": None, "median": None, "high": None, "text": None}
    return {
        "deals": guide.deals,
        "low": guide.low,
        "median": guide.median,
        "high": guide.high,
        "text": guide_text(guide),
    }
