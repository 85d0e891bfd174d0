"""HTML pages for listings: the home feed (홈), a listing, writing and editing,
search, and the seller's and buyer's own lists. Pages call the same services
and reads as the JSON API; the write form itself posts to the JSON API."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from dongne.db import utcnow
from dongne.geo.queries import get_neighbourhood, search_neighbourhoods
from dongne.kit.errors import DomainError, InvalidInput
from dongne.kit.forms import parse_form, rejected
from dongne.kit.i18n import N_, gettext, ngettext
from dongne.kit.templating import environment, render
from dongne.listings import browse, queries, service
from dongne.listings.models import (
    CATEGORIES,
    MAX_KEYWORDS,
    MAX_PHOTOS,
    SOLD,
    STATUSES,
    Listing,
)
from dongne.listings.schemas import KeywordIn, ListingCard, Page
from dongne.listings.text import MAX_QUERY_LENGTH
from dongne.notifications.pages import render_page
from dongne.web import Ctx, CtxDep

router = APIRouter(include_in_schema=False)

Category = Annotated[str | None, Query(max_length=32)]
Cursor = Annotated[str | None, Query(max_length=200)]
YEAR = 365 * 86400

# ---- template helpers ---------------------------------------------------------


def ago(when: datetime, now: datetime | None = None) -> str:
    """How long ago, the way a person says it: 방금 전, 3분 전, 2주 전…"""
    minutes = max(0, int(((now or utcnow()) - when).total_seconds()) // 60)
    if minutes < 1:
        return gettext("방금 전")
    if minutes < 60:
        return ngettext("%(num)s분 전", "%(num)s분 전", minutes)
    hours = minutes // 60
    if hours < 24:
        return ngettext("%(num)s시간 전", "%(num)s시간 전", hours)
    days = hours // 24
    if days < 7:
        return ngettext("%(num)s일 전", "%(num)s일 전", days)
    if days < 30:
        return ngettext("%(num)s주 전", "%(num)s주 전", days // 7)
    if days < 365:
        return ngettext("%(num)s개월 전", "%(num)s개월 전", days // 30)
    return ngettext("%(num)s년 전", "%(num)s년 전", days // 365)


def card_time(card: ListingCard) -> str:
    """A card's age: since it was posted, or since it was last bumped (끌올)."""
    if card.bumped_at is not None:
        return gettext("끌올 %(ago)s", ago=ago(card.sort_at))
    return ago(card.sort_at)


def won(price: int) -> str:
    return gettext("%(price)s원", price=f"{price:,}")


def category_name(slug: str) -> str:
    return gettext(CATEGORIES[slug]) if slug in CATEGORIES else slug


def status_name(status: str) -> str:
    return gettext(STATUSES[status]) if status in STATUSES else status


def hours_until(when: datetime) -> int:
    return max(1, math.ceil((when - utcnow()).total_seconds() / 3600))


_env = environment()
_env.filters.update(ago=ago, won=won)
_env.globals.update(
    card_time=card_time,
    category_name=category_name,
    status_name=status_name,
    hours_until=hours_until,
    categories=CATEGORIES,
    statuses=STATUSES,
    max_photos=MAX_PHOTOS,
    max_keywords=MAX_KEYWORDS,
)

# ---- shared pieces --------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """The feed's and search's filter bar, as query parameters."""

    category: str | None = None
    free: bool = False
    hide_sold: bool = False

    def params(self) -> dict[str, str]:
        out: dict[str, str] = {}
        if self.category:
            out["category"] = self.category
        if self.free:
            out["free"] = "1"
        if self.hide_sold:
            out["hide_sold"] = "1"
        return out


def more_url(base: str, page: Page, filters: Filters, **extra: str) -> str | None:
    """Where the infinite scroll's loader fetches the next cards, if any."""
    if page.next_cursor is None:
        return None
    return f"{base}?{urlencode({**extra, 'cursor': page.next_cursor, **filters.params()})}"


# The same URL answers a whole page or, to htmx, just the list: caches must tell them apart.
FRAGMENT_VARY = "HX-Request, HX-Target, HX-History-Restore-Request"


def is_fragment(request: Request, target: str) -> bool:
    """An htmx request that replaces only ``#target`` (not a history restore)."""
    h = request.headers
    return (
        h.get("hx-request") == "true"
        and h.get("hx-target") == target
        and h.get("hx-history-restore-request") != "true"
    )


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


async def refused(ctx: Ctx, exc: DomainError) -> dict[str, str]:
    """rejected(), then reload the user the rollback expired, so the page can
    still be built for them."""
    errors = await rejected(ctx.db, exc)
    if ctx.user is not None:
        await ctx.db.refresh(ctx.user)
    return errors


def reraise_unless_form_error(exc: DomainError) -> None:
    """Only refusals a person can fix are shown on the form."""
    if exc.status in (401, 404, 429) or exc.status >= 500:
        raise exc


@dataclass(frozen=True)
class Place:
    id: str
    name: str
    verified: bool
    visitor: bool


async def browsing_place(ctx: Ctx) -> Place | None:
    """The neighbourhood whose feed the viewer sees, for the page header."""
    if ctx.user is not None:
        active = await service.active_place(ctx)
        if active is not None:
            link, place = active
            verified = link.is_verified(ctx.svc.settings.verification_days)
            return Place(place.id, place.name, verified, visitor=False)
    chosen = await service.viewer_place(ctx)
    if chosen is None:
        return None
    found = await get_neighbourhood(ctx.db, chosen[0])
    return Place(chosen[0], found.name if found else chosen[0], verified=False, visitor=True)


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
    place = await browsing_place(ctx)
    if place is None:
        results = await search_neighbourhoods(ctx.db, q) if q.strip() else []
        return await render_page(request, ctx, "home.html", {"q": q, "results": results})
    filters = Filters(category or None, free, hide_sold)
    page = await browse.run_feed(ctx, filters.category, free, hide_sold, None, None)
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
    page = await browse.run_feed(ctx, filters.category, free, hide_sold, cursor, None)
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
        service.BROWSE_COOKIE,
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
    response.delete_cookie(service.BROWSE_COOKIE)
    return response


# ---- writing ----------------------------------------------------------------------


@router.get("/listings/new")
async def write_page(request: Request, ctx: CtxDep) -> Response:
    ctx.require_user()
    try:
        _link, place = await service.require_verified_place(ctx)
    except service.VerificationRequired as exc:
        return await render_page(
            request,
            ctx,
            "listings/verify_needed.html",
            {"detail": exc.text(), "days": ctx.svc.settings.verification_days},
            status=exc.status,
        )
    return await render_page(
        request,
        ctx,
        "listings/form.html",
        {"listing": None, "place_name": place.name, "photos": []},
    )


@router.get("/listings/{listing_id}/edit")
async def edit_page(request: Request, ctx: CtxDep, listing_id: int) -> Response:
    listing = await service.access_own_listing_by_id(ctx, listing_id)
    out = await browse.listing_out(ctx, listing)
    context = {
        "listing": out,
        "place_name": out.neighbourhood.name,
        "photos": [{"id": p.id, "thumb_url": p.thumb_url} for p in out.photos],
    }
    return await render_page(request, ctx, "listings/form.html", context)


# ---- a listing --------------------------------------------------------------------


async def related(
    ctx: Ctx, listing: Listing, place: tuple[str, int] | None
) -> tuple[list[ListingCard], list[ListingCard]]:
    """The seller's other listings, and similar ones (same category) in range."""
    others = await queries.seller_listing_ids(
        ctx.db, listing.seller_id, status=None, include_hidden=False, exclude=listing.id, limit=6
    )
    similar: list[int] = []
    if place is not None:
        targets = await queries.range_targets(ctx.db, *place)
        ids, _ = await queries.feed_ids(
            ctx.db,
            targets,
            queries.FeedFilter(category=listing.category, hide_sold=True),
            None,
            limit=7,
        )
        similar = [i for i in ids if i != listing.id and i not in others][:6]
    media = ctx.svc.media
    return await queries.cards(ctx.db, media, others), await queries.cards(ctx.db, media, similar)


async def detail_page(
    request: Request,
    ctx: Ctx,
    listing: Listing,
    place: tuple[str, int] | None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    out = await browse.listing_out(ctx, listing)
    others, similar = await related(ctx, listing, place)
    allowed = service.TRANSITIONS.get(out.status, set()) | {out.status}
    from dongne.trust.moderation.pages import listing_trust

    context = {
        "trust": await listing_trust(ctx, listing),  # fraud warning, 신고하기
        "item": out,
        "others": others,
        "similar": similar,
        "allowed": allowed,
        "errors": errors or {},
    }
    return await render_page(request, ctx, "listings/detail.html", context, status=status)


@router.get("/listings/{listing_id}")
async def detail(request: Request, ctx: CtxDep, listing_id: int) -> Response:
    place = await service.viewer_place(ctx)
    listing = await service.access_listing_by_id(ctx, listing_id, place)
    await service.record_view(ctx, listing)
    return await detail_page(request, ctx, listing, place)


@router.post("/listings/{listing_id}/like")
async def like(request: Request, ctx: CtxDep, listing_id: int) -> Response:
    """관심 on or off; answers with the button and the new count."""
    form = await request.form()
    liked = form.get("liked") == "1"
    place = await service.viewer_place(ctx)
    listing = await service.access_listing_by_id(ctx, listing_id, place)
    await service.set_like(ctx, listing, liked)
    await ctx.db.refresh(listing)
    if not is_htmx(request):
        return RedirectResponse(f"/listings/{listing_id}", status_code=303)
    item = {
        "id": listing.id,
        "liked": liked,
        "like_count": listing.like_count,
        "chat_count": listing.chat_count,
        "view_count": listing.view_count,
    }
    return render(request, "listings/_liked.html", {"item": item})


async def seller_action(
    request: Request, ctx: Ctx, listing_id: int, action: Callable[[], Awaitable[object]]
) -> Response:
    """Run a seller's change; answer with the listing's page (htmx swaps its
    main part), or the page again with the refusal."""
    try:
        await action()
    except DomainError as exc:
        reraise_unless_form_error(exc)
        errors = await refused(ctx, exc)
        listing = await service.access_own_listing_by_id(ctx, listing_id)
        place = await service.viewer_place(ctx)
        return await detail_page(request, ctx, listing, place, errors, status=exc.status)
    if not is_htmx(request):
        return RedirectResponse(f"/listings/{listing_id}", status_code=303)
    listing = await service.access_own_listing_by_id(ctx, listing_id)
    return await detail_page(request, ctx, listing, await service.viewer_place(ctx))


@router.post("/listings/{listing_id}/status")
async def change_status(request: Request, ctx: CtxDep, listing_id: int) -> Response:
    form = await request.form()
    status = str(form.get("status", ""))
    if status == SOLD:  # 거래완료 goes through picking the buyer (trust/reviews/pages.py)
        await service.access_own_listing_by_id(ctx, listing_id)
        target = f"/listings/{listing_id}/deal"
        if is_htmx(request):
            return HTMLResponse("", headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    async def change() -> None:
        if status not in STATUSES:
            raise InvalidInput(N_("알 수 없는 상태예요."), field="status")
        await service.set_status(ctx, listing_id, status)

    return await seller_action(request, ctx, listing_id, change)


@router.post("/listings/{listing_id}/bump")
async def bump(request: Request, ctx: CtxDep, listing_id: int) -> Response:
    return await seller_action(
        request, ctx, listing_id, lambda: service.bump_listing(ctx, listing_id)
    )


@router.post("/listings/{listing_id}/hidden")
async def hide(request: Request, ctx: CtxDep, listing_id: int) -> Response:
    form = await request.form()
    hidden = form.get("hidden") == "1"
    return await seller_action(
        request, ctx, listing_id, lambda: service.set_hidden(ctx, listing_id, hidden)
    )


@router.post("/listings/{listing_id}/delete")
async def delete(request: Request, ctx: CtxDep, listing_id: int) -> Response:
    await service.delete_listing(ctx, listing_id)
    if is_htmx(request):
        return HTMLResponse("", headers={"HX-Redirect": "/me/listings?deleted=1"})
    return RedirectResponse("/me/listings?deleted=1", status_code=303)


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
        try:
            page = await browse.run_search(ctx, text, filters.category, free, hide_sold, None, None)
            context["cards"] = page.items
            context["more_url"] = more_url("/search/more", page, filters, q=text)
        except DomainError as exc:
            if exc.status != 422:
                raise
            context["error"] = (await refused(ctx, exc))[exc.field or "_"]
            context["needs_place"] = exc.field == "neighbourhood_id"
            status = exc.status
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
    page = await browse.run_search(ctx, q, filters.category, free, hide_sold, cursor, None)
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
    titles = await browse.suggestions(ctx, text, None)
    return render(request, "listings/_suggest.html", {"titles": titles, "q": text})


@router.post("/search/recent/clear")
async def clear_recent(request: Request, ctx: CtxDep) -> Response:
    await service.clear_searches(ctx)
    if not is_htmx(request):
        return RedirectResponse("/search", status_code=303)
    return render(request, "listings/_recent.html", {"recent": []})


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
async def keyword_remove(request: Request, ctx: CtxDep, keyword_id: int) -> Response:
    await service.remove_keyword(ctx, keyword_id)
    return RedirectResponse("/me/keywords", status_code=303)
