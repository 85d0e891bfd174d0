"""HTML pages: a person's profile (/users/{id}), 거래완료 with the buyer picked,
the review form reached from the chat room's line or a notification, and
구매내역. Plain forms: everything works without scripts."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from dongne.kit.errors import DomainError, InvalidInput
from dongne.kit.i18n import N_, gettext
from dongne.kit.ids import Id, parse_id
from dongne.kit.templating import environment
from dongne.listings import queries as listing_queries
from dongne.listings.models import Listing
from dongne.listings.pages import refused  # also registers won, status_name, ago
from dongne.listings.service import access_own_listing_by_id
from dongne.notifications.pages import render_page
from dongne.trust.reviews import queries, service
from dongne.trust.reviews.models import (
    BAD,
    NEGATIVE_ITEMS,
    POSITIVE_ITEMS,
    RATINGS,
    SELLER,
)
from dongne.trust.reviews.profile import profile as profile_of
from dongne.trust.reviews.temperature import band
from dongne.web import Ctx, CtxDep

router = APIRouter(include_in_schema=False)

ROLE_NAMES = {SELLER: N_("판매자"), "buyer": N_("구매자")}


def temperature_text(value: float) -> str:
    return f"{value:.1f}°C"


def usual_response_text(minutes: int | None) -> str | None:
    if minutes is None:
        return None
    if minutes <= 60:
        return gettext("보통 %(minutes)s분 이내 응답", minutes=minutes)
    return gettext("보통 %(hours)s시간 이내 응답", hours=minutes // 60)


_env = environment()
_env.globals.update(
    trust_temperature=temperature_text,
    trust_band=band,
    trust_usual_response=usual_response_text,
    trust_ratings=RATINGS,
    trust_positive_items=POSITIVE_ITEMS,
    trust_negative_items=NEGATIVE_ITEMS,
    trust_role_names=ROLE_NAMES,
)


# ---- profile ------------------------------------------------------------------------


@router.get("/users/{user_id}")
async def profile_page(request: Request, ctx: CtxDep, user_id: Id) -> Response:
    viewer = ctx.user.id if ctx.user else None
    profile = await profile_of(ctx.db, user_id, viewer)
    ids = await listing_queries.seller_listing_ids(
        ctx.db, user_id, status=None, include_hidden=False, limit=20
    )
    context = {
        "profile": profile,
        "is_me": viewer == user_id,
        "cards": await listing_queries.cards(ctx.db, ctx.svc.media, ids),
        "items_sorted": sorted(profile.manner_items.items(), key=lambda kv: (-kv[1], kv[0])),
    }
    return await render_page(request, ctx, "trust/reviews/profile.html", context)


# ---- 거래완료: who bought it -------------------------------------------------------------


async def _deal_page(
    request: Request, ctx: Ctx, listing: Listing, errors: dict[str, str], status: int = 200
) -> Response:
    deal = await queries.deal_for_listing(ctx.db, listing.id)
    context = {
        "listing": listing,
        "candidates": await queries.buyer_candidates(ctx.db, listing.id),
        "current_buyer": deal.buyer_id if deal else None,
        "errors": errors,
    }
    return await render_page(request, ctx, "trust/reviews/deal.html", context, status=status)


@router.get("/listings/{listing_id}/deal")
async def deal_page(request: Request, ctx: CtxDep, listing_id: Id) -> Response:
    """The seller's 거래완료: pick the buyer among the people they chatted with."""
    listing = await access_own_listing_by_id(ctx, listing_id)
    return await _deal_page(request, ctx, listing, {})


@router.post("/listings/{listing_id}/deal")
async def complete_deal(request: Request, ctx: CtxDep, listing_id: Id) -> Response:
    form = await request.form()
    raw = str(form.get("buyer", ""))
    try:
        buyer = parse_id(raw)
        if raw != "other" and buyer is None:
            raise InvalidInput(N_("구매자를 골라 주세요."), field="buyer_id")
        deal = await service.complete_deal(ctx, listing_id, buyer)
    except DomainError as exc:
        if exc.status not in (409, 422):
            raise
        errors = await refused(ctx, exc)
        listing = await access_own_listing_by_id(ctx, listing_id)
        return await _deal_page(request, ctx, listing, errors, status=exc.status)
    if deal.buyer_id is None:
        return RedirectResponse(f"/listings/{listing_id}", status_code=303)
    return RedirectResponse(f"/deals/{deal.id}/review", status_code=303)


# ---- 거래 후기 ----------------------------------------------------------------------


async def _review_page(
    request: Request,
    ctx: Ctx,
    deal_id: Id,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    user = ctx.require_user()
    deal = await service.access_deal_by_id(ctx, deal_id)
    other_id = service.counterpart(deal, user.id)
    other = await queries.get_user_or_raise(ctx.db, other_id) if other_id else None
    listing = await ctx.db.get(Listing, deal.listing_id)
    done = deal.id in await queries.reviewed_deal_ids(ctx.db, user.id, [deal.id])
    context = {
        "deal": deal,
        "listing": listing,
        "other": other,
        "my_role": SELLER if user.id == deal.seller_id else "buyer",
        "done": done,
        "values": values or {"rating": "", "items": [], "message": ""},
        "errors": errors or {},
    }
    return await render_page(request, ctx, "trust/reviews/review.html", context, status=status)


@router.get("/deals/{deal_id}/review")
async def review_page(request: Request, ctx: CtxDep, deal_id: Id) -> Response:
    return await _review_page(request, ctx, deal_id)


@router.post("/deals/{deal_id}/review")
async def send_review(request: Request, ctx: CtxDep, deal_id: Id) -> Response:
    form = await request.form()
    rating = str(form.get("rating", ""))
    # Only the items of the chosen kind count: the other group is hidden, not unticked.
    allowed = NEGATIVE_ITEMS if rating == BAD else POSITIVE_ITEMS
    items = [str(i) for i in form.getlist("items") if str(i) in allowed]
    message = str(form.get("message", ""))
    try:
        await service.write_review(ctx, deal_id, rating, items, message)
    except DomainError as exc:
        if exc.status not in (409, 422):
            raise
        errors = await refused(ctx, exc)
        values = {"rating": rating, "items": items, "message": message}
        return await _review_page(request, ctx, deal_id, values, errors, status=exc.status)
    return RedirectResponse(f"/deals/{deal_id}/review", status_code=303)


# ---- 구매내역 -----------------------------------------------------------------------


@router.get("/me/purchases")
async def purchases_page(request: Request, ctx: CtxDep) -> Response:
    user = ctx.require_user()
    rows = await queries.purchases(ctx.db, user.id)
    reviewed = await queries.reviewed_deal_ids(ctx.db, user.id, [d.id for d, _ in rows])
    cards = {
        c.id: c for c in await listing_queries.cards(ctx.db, ctx.svc.media, [i for _, i in rows])
    }
    sellers = dict(
        (
            await ctx.db.execute(
                select(Listing.id, Listing.seller_id).where(Listing.id.in_(list(cards)))
            )
        ).all()
    )
    entries = [
        {"deal": d, "card": cards[i], "reviewed": d.id in reviewed, "seller_id": sellers.get(i)}
        for d, i in rows
        if i in cards
    ]
    return await render_page(request, ctx, "trust/reviews/purchases.html", {"entries": entries})
