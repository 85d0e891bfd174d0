"""Reading a listing as the viewer may: their own, or one inside their range."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dongne.blocks.queries import seller_blocked_viewer
from dongne.context import Ctx
from dongne.geo.models import BrowseRange, NeighbourhoodRange
from dongne.kit.errors import NotFound
from dongne.kit.i18n import N_
from dongne.listings.models import (
    Listing,
)

if TYPE_CHECKING:
    pass

# ---- access -----------------------------------------------------------------


async def get_listing_or_raise(db: AsyncSession, listing_id: int) -> Listing:
    listing = await db.get(Listing, listing_id)
    if listing is None or listing.deleted_at is not None:
        raise NotFound(N_("판매글을 찾을 수 없어요. 삭제되었을 수 있어요."))
    return listing


async def access_own_listing_by_id(ctx: Ctx, listing_id: int) -> Listing:
    """A listing the caller sold or sells; anyone else gets 404, not 403, so ids
    of hidden listings leak nothing."""
    user = ctx.require_user()
    listing = await get_listing_or_raise(ctx.db, listing_id)
    if listing.seller_id != user.id:
        raise NotFound(N_("판매글을 찾을 수 없어요. 삭제되었을 수 있어요."))
    return listing


async def in_range(db: AsyncSession, origin_id: str, level: int, target_id: str) -> bool:
    return bool(
        await db.scalar(
            select(NeighbourhoodRange.level).where(
                NeighbourhoodRange.origin_id == origin_id,
                NeighbourhoodRange.level <= level,
                NeighbourhoodRange.target_id == target_id,
            )
        )
        is not None
    )


async def access_listing_by_id(ctx: Ctx, listing_id: int, browsing: BrowseRange | None) -> Listing:
    """A listing the caller may read: their own, or a listed one inside the
    range of the neighbourhood they browse (a listing is seen only by people
    whose range covers the seller's neighbourhood)."""
    listing = await get_listing_or_raise(ctx.db, listing_id)
    if ctx.user is not None and listing.seller_id == ctx.user.id:
        return listing
    if ctx.user is not None and ctx.user.is_operator:
        return listing
    if not listing.is_listed or browsing is None:
        raise NotFound(N_("판매글을 찾을 수 없어요. 삭제되었을 수 있어요."))
    if ctx.user is not None and await seller_blocked_viewer(ctx.db, listing.seller_id, ctx.user.id):
        raise NotFound(N_("판매글을 찾을 수 없어요. 삭제되었을 수 있어요."))
    origin, level = browsing
    if not await in_range(ctx.db, origin, level, listing.neighbourhood_id):
        raise NotFound(N_("내 동네 범위 밖의 판매글이에요."))
    return listing
