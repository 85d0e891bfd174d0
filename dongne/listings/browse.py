"""What a viewer browses — the feed, search and a listing's page — assembled
for both the JSON API and the HTML pages, with the events browsing leaves."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from dongne.accounts.models import User
from dongne.context import Ctx
from dongne.geo.models import Neighbourhood
from dongne.kit.errors import InvalidInput
from dongne.kit.i18n import N_
from dongne.listings import queries, service
from dongne.listings.models import CATEGORIES, KeywordAlert, Listing, ListingLike, ListingPhoto
from dongne.listings.schemas import KeywordOut, ListingCard, ListingOut, Page, PhotoOut, SellerOut
from dongne.listings.text import query_plan
from dongne.photos.models import Photo
from dongne.trust.moderation.queries import hidden_sellers


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
    await ctx.db.flush()
    await ctx.db.refresh(listing)  # counters move by UPDATE statements, not the ORM
    seller = await ctx.db.get(User, listing.seller_id)
    place = await ctx.db.get(Neighbourhood, listing.neighbourhood_id)
    liked = bool(
        ctx.user is not None
        and await ctx.db.get(ListingLike, (ctx.user.id, listing.id)) is not None
    )
    is_mine = ctx.user is not None and ctx.user.id == listing.seller_id
    wait = service.next_bump_at(listing)
    card = queries.card(listing, place.name if place else "", ctx.svc.media)
    return ListingOut(
        **card.model_dump(),
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
        can_bump_at=(listing.sort_at + service.BUMP_INTERVAL) if is_mine and wait else None,
    )


def _filters(category: str | None, free: bool, hide_sold: bool) -> queries.FeedFilter:
    if category is not None and category not in CATEGORIES:
        raise InvalidInput(N_("카테고리를 선택해 주세요."), field="category")
    return queries.FeedFilter(category=category, free_only=free, hide_sold=hide_sold)


async def _without_blocked(ctx: Ctx, filters: queries.FeedFilter) -> queries.FeedFilter:
    """Listings of people who blocked the viewer (or whom they blocked) stay out of sight."""
    if ctx.user is None:
        return filters
    hidden = await hidden_sellers(ctx.db, ctx.user.id)
    return replace(filters, exclude_sellers=hidden) if hidden else filters


async def run_feed(
    ctx: Ctx,
    category: str | None,
    free: bool,
    hide_sold: bool,
    cursor: str | None,
    neighbourhood_id: str | None,
) -> Page:
    filters = await _without_blocked(ctx, _filters(category, free, hide_sold))
    place = await service.viewer_place(ctx, neighbourhood_id)
    if place is None:
        raise InvalidInput(N_("먼저 동네를 선택해 주세요."), field="neighbourhood_id")
    targets = await queries.range_targets(ctx.db, *place)
    ids, next_cursor = await queries.feed_ids(ctx.db, targets, filters, cursor)
    ctx.record(
        "feed_viewed",
        neighbourhood_id=place[0],
        level=place[1],
        first_page=cursor is None,
        count=len(ids),
        category=category,
    )
    return Page(items=await queries.cards(ctx.db, ctx.svc.media, ids), next_cursor=next_cursor)


async def run_search(
    ctx: Ctx,
    text: str,
    category: str | None,
    free: bool,
    hide_sold: bool,
    cursor: str | None,
    neighbourhood_id: str | None,
) -> Page:
    filters = await _without_blocked(ctx, _filters(category, free, hide_sold))
    await ctx.limit(ctx.svc.settings.search_limit_per_ip, "search", ctx.ip)
    place = await service.viewer_place(ctx, neighbourhood_id)
    if place is None:
        raise InvalidInput(N_("먼저 동네를 선택해 주세요."), field="neighbourhood_id")
    plan = query_plan(text)
    if plan.is_empty:
        raise InvalidInput(N_("검색어를 입력해 주세요."), field="q")
    targets = await queries.range_targets(ctx.db, *place)
    ids, next_cursor = await queries.search_ids(ctx.db, targets, plan, filters, cursor)
    query = " ".join(text.split())
    if cursor is None:
        # Searches that find nothing are the unmet demand operators read later.
        ctx.record(
            "search_performed",
            query=query,
            neighbourhood_id=place[0],
            level=place[1],
            category=category,
            result_count=len(ids),
            more=next_cursor is not None,
        )
        await service.remember_search(ctx, query)
    return Page(items=await queries.cards(ctx.db, ctx.svc.media, ids), next_cursor=next_cursor)


async def suggestions(ctx: Ctx, text: str, neighbourhood_id: str | None) -> list[str]:
    """Search-as-you-type: up to eight distinct titles of matching listings in range."""
    place = await service.viewer_place(ctx, neighbourhood_id)
    plan = query_plan(text, as_you_type=True)
    if place is None or plan.is_empty:
        return []
    targets = await queries.range_targets(ctx.db, *place)
    ids, _ = await queries.search_ids(ctx.db, targets, plan, queries.FeedFilter(), None, limit=8)
    return list(dict.fromkeys(c.title for c in await queries.cards(ctx.db, ctx.svc.media, ids)))


async def my_keywords(ctx: Ctx) -> list[KeywordOut]:
    user = ctx.require_user()
    rows = await ctx.db.scalars(
        select(KeywordAlert).where(KeywordAlert.user_id == user.id).order_by(KeywordAlert.id)
    )
    return [KeywordOut(id=k.id, keyword=k.keyword, created_at=k.created_at) for k in rows]


async def related(
    ctx: Ctx, listing: Listing, place: tuple[str, int] | None
) -> tuple[list[ListingCard], list[ListingCard]]:
    """The seller's other listings, and similar ones nearby (same category, inside
    the viewer's range, not already among the seller's)."""
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
            limit=13,
        )
        similar = [i for i in ids if i != listing.id and i not in others][:6]
    media = ctx.svc.media
    return await queries.cards(ctx.db, media, others), await queries.cards(ctx.db, media, similar)
