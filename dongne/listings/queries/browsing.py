"""What a viewer browses, read for both the JSON API and the HTML pages: a page of
the feed or of search results, suggestions, a listing's details, its related
listings, the viewer's keywords. Reads only: the events browsing leaves are
written by :mod:`dongne.listings.service.activity`."""

from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple

from sqlalchemy import select

from dongne.accounts.models import User
from dongne.blocks.queries import hidden_sellers
from dongne.context import Ctx
from dongne.db import utcnow
from dongne.geo.models import BrowseRange, Neighbourhood
from dongne.kit.errors import InvalidInput
from dongne.kit.i18n import N_
from dongne.listings.models import (
    BUMP_INTERVAL,
    CATEGORIES,
    KeywordAlert,
    Listing,
    ListingLike,
    ListingPhoto,
)
from dongne.listings.queries.cards import card, cards, seller_listing_ids
from dongne.listings.queries.feed import FeedFilter, feed_ids
from dongne.listings.queries.ranges import range_targets
from dongne.listings.queries.search import search_ids
from dongne.listings.schemas import KeywordOut, ListingCard, ListingOut, Page, PhotoOut, SellerOut
from dongne.listings.text import QueryPlan, query_plan
from dongne.photos.models import Photo

CHOOSE_PLACE = N_("먼저 동네를 선택해 주세요.")


class Browsed(NamedTuple):
    """A page of the feed or of search results, and the place whose range it covers."""

    place: BrowseRange
    page: Page


def photo_out(ctx: Ctx, photo: Photo) -> PhotoOut:
    media = ctx.svc.media
    return PhotoOut(
        id=photo.id,
        url=media.url(photo.full_key),
        large_url=media.url(photo.large_key),
        thumb_url=media.url(photo.small_key),
        width=photo.width,
        height=photo.height,
    )


async def listing_photos(ctx: Ctx, listing_id: int) -> list[Photo]:
    return list(
        (
            await ctx.db.scalars(
                select(Photo)
                .join(ListingPhoto, ListingPhoto.photo_id == Photo.id)
                .where(ListingPhoto.listing_id == listing_id)
                .order_by(ListingPhoto.position)
            )
        ).all()
    )


async def listing_out(ctx: Ctx, listing: Listing) -> ListingOut:
    """A listing's details. Its counters move by UPDATE statements, not through the
    ORM, so they are read again; nothing is written or flushed here."""
    await ctx.db.refresh(listing, ["like_count", "chat_count", "view_count"])
    seller = await ctx.db.get(User, listing.seller_id)
    place = await ctx.db.get(Neighbourhood, listing.neighbourhood_id)
    liked = bool(
        ctx.user is not None
        and await ctx.db.get(ListingLike, (ctx.user.id, listing.id)) is not None
    )
    is_mine = ctx.user is not None and ctx.user.id == listing.seller_id
    next_bump = listing.sort_at + BUMP_INTERVAL
    summary = card(listing, place.name if place else "", ctx.svc.media)
    return ListingOut(
        **summary.model_dump(),
        description=listing.description,
        category=listing.category,
        accepts_offers=listing.accepts_offers,
        view_count=listing.view_count,
        seller=SellerOut(
            id=listing.seller_id, nickname=(seller.nickname if seller else None) or ""
        ),
        photos=[photo_out(ctx, p) for p in await listing_photos(ctx, listing.id)],
        liked=liked,
        is_mine=is_mine,
        can_bump_at=next_bump if is_mine and next_bump > utcnow() else None,
    )


def _filters(category: str | None, free: bool, hide_sold: bool) -> FeedFilter:
    if category is not None and category not in CATEGORIES:
        raise InvalidInput(N_("카테고리를 선택해 주세요."), field="category")
    return FeedFilter(category=category, free_only=free, hide_sold=hide_sold)


async def _without_blocked(ctx: Ctx, filters: FeedFilter) -> FeedFilter:
    """Listings of people who blocked the viewer (or whom they blocked) stay out of sight."""
    if ctx.user is None:
        return filters
    hidden = await hidden_sellers(ctx.db, ctx.user.id)
    return replace(filters, exclude_sellers=hidden) if hidden else filters


async def feed_page(
    ctx: Ctx,
    place: BrowseRange | None,
    category: str | None,
    free: bool,
    hide_sold: bool,
    cursor: str | None,
) -> Browsed:
    """A page of the feed of ``place``'s range, newest first."""
    filters = await _without_blocked(ctx, _filters(category, free, hide_sold))
    if place is None:
        raise InvalidInput(CHOOSE_PLACE, field="neighbourhood_id")
    targets = await range_targets(ctx.db, *place)
    ids, next_cursor = await feed_ids(ctx.db, targets, filters, cursor)
    page = Page(items=await cards(ctx.db, ctx.svc.media, ids), next_cursor=next_cursor)
    return Browsed(place, page)


async def search_page(
    ctx: Ctx,
    place: BrowseRange | None,
    text: str,
    category: str | None,
    free: bool,
    hide_sold: bool,
    cursor: str | None,
) -> Browsed:
    """A page of search results inside ``place``'s range (rate limited per client)."""
    filters = await _without_blocked(ctx, _filters(category, free, hide_sold))
    await ctx.limit(ctx.svc.settings.search_limit_per_ip, "search", ctx.ip)
    if place is None:
        raise InvalidInput(CHOOSE_PLACE, field="neighbourhood_id")
    plan: QueryPlan = query_plan(text)
    if plan.is_empty:
        raise InvalidInput(N_("검색어를 입력해 주세요."), field="q")
    targets = await range_targets(ctx.db, *place)
    ids, next_cursor = await search_ids(ctx.db, targets, plan, filters, cursor)
    page = Page(items=await cards(ctx.db, ctx.svc.media, ids), next_cursor=next_cursor)
    return Browsed(place, page)


async def suggestions(ctx: Ctx, place: BrowseRange | None, text: str) -> list[str]:
    """Search-as-you-type: up to eight distinct titles of matching listings in range."""
    plan = query_plan(text, as_you_type=True)
    if place is None or plan.is_empty:
        return []
    targets = await range_targets(ctx.db, *place)
    ids, _ = await search_ids(ctx.db, targets, plan, FeedFilter(), None, limit=8)
    return list(dict.fromkeys(c.title for c in await cards(ctx.db, ctx.svc.media, ids)))


async def my_keywords(ctx: Ctx) -> list[KeywordOut]:
    user = ctx.require_user()
    rows = await ctx.db.scalars(
        select(KeywordAlert).where(KeywordAlert.user_id == user.id).order_by(KeywordAlert.id)
    )
    return [KeywordOut(id=k.id, keyword=k.keyword, created_at=k.created_at) for k in rows]


async def related(
    ctx: Ctx, listing: Listing, place: BrowseRange | None
) -> tuple[list[ListingCard], list[ListingCard]]:
    """The seller's other listings, and similar ones nearby (same category, inside
    the viewer's range, not already among the seller's)."""
    others = await seller_listing_ids(
        ctx.db, listing.seller_id, status=None, include_hidden=False, exclude=listing.id, limit=6
    )
    similar: list[int] = []
    if place is not None:
        targets = await range_targets(ctx.db, *place)
        ids, _ = await feed_ids(
            ctx.db,
            targets,
            FeedFilter(category=listing.category, hide_sold=True),
            None,
            limit=13,
        )
        similar = [i for i in ids if i != listing.id and i not in others][:6]
    media = ctx.svc.media
    return await cards(ctx.db, media, others), await cards(ctx.db, media, similar)
