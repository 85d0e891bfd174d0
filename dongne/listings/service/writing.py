"""Posting, editing, states (판매중 → 예약중 → 거래완료), hiding, deleting and
bumping (끌어올리기), with the search terms kept in step."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dongne.context import Ctx
from dongne.db import on_commit, utcnow
from dongne.kit.errors import Conflict, InvalidInput
from dongne.kit.i18n import N_
from dongne.listings.models import (
    BUMP_INTERVAL,
    CATEGORIES,
    RESERVED,
    SELLING,
    SOLD,
    Listing,
    ListingPhoto,
    ListingTerm,
)
from dongne.listings.schemas import ListingIn
from dongne.listings.service.access import (
    access_own_listing_by_id,
)
from dongne.listings.service.keywords import match_keyword_alerts
from dongne.listings.service.places import (
    require_verified_home,
)
from dongne.listings.text import document_terms
from dongne.photos.service import owned_photos
from dongne.trust.moderation import guards
from dongne.trust.moderation.sanctions import ensure_not_taken_down

# Which state changes a seller can make (판매중 → 예약중 → 거래완료, and back).
TRANSITIONS = {
    SELLING: {RESERVED, SOLD},
    RESERVED: {SELLING, SOLD},
    SOLD: {SELLING},
}


# ---- writing ------------------------------------------------------------------


async def _attach(ctx: Ctx, listing: Listing, photo_ids: list[int]) -> None:
    photos = await owned_photos(ctx, photo_ids)
    used = set(
        (
            await ctx.db.scalars(
                select(ListingPhoto.photo_id).where(
                    ListingPhoto.photo_id.in_(photo_ids), ListingPhoto.listing_id != listing.id
                )
            )
        ).all()
    )
    if used:
        raise InvalidInput(N_("이미 다른 글에 쓴 사진이에요."), field="photo_ids")
    await ctx.db.execute(delete(ListingPhoto).where(ListingPhoto.listing_id == listing.id))
    for position, photo in enumerate(photos):
        ctx.db.add(ListingPhoto(listing_id=listing.id, position=position, photo_id=photo.id))
    listing.cover_key = photos[0].small_key if photos else None


async def _index(db: AsyncSession, listing: Listing) -> dict[str, int]:
    await db.execute(delete(ListingTerm).where(ListingTerm.listing_id == listing.id))
    category = CATEGORIES[listing.category]
    terms = document_terms(listing.title, listing.description, extra=(category,))
    if terms:
        await db.execute(
            insert(ListingTerm),
            [
                {
                    "term": term,
                    "neighbourhood_id": listing.neighbourhood_id,
                    "listing_id": listing.id,
                    "weight": weight,
                    "sort_at": listing.sort_at,
                    "is_listed": listing.is_listed,
                }
                for term, weight in terms.items()
            ],
        )
    return terms


async def sync_terms(db: AsyncSession, listing: Listing) -> None:
    """Copy the listing's ``sort_at`` and ``is_listed`` into its search terms: every change
    to either (bump, hide, unhide, delete, an operator's takedown) calls this."""
    await db.execute(
        update(ListingTerm)
        .where(ListingTerm.listing_id == listing.id)
        .values(sort_at=listing.sort_at, is_listed=listing.is_listed)
        .execution_options(synchronize_session=False)
    )


async def sync_seller_terms(db: AsyncSession, seller_id: int) -> None:
    """:func:`sync_terms` for every listing of a seller, from the rows as stored (after a
    bulk UPDATE of ``listings``, such as a ban's)."""
    own = Listing.id == ListingTerm.listing_id
    await db.execute(
        update(ListingTerm)
        .where(ListingTerm.listing_id.in_(select(Listing.id).where(Listing.seller_id == seller_id)))
        .values(
            sort_at=select(Listing.sort_at).where(own).scalar_subquery(),
            is_listed=select(Listing.is_listed).where(own).scalar_subquery(),
        )
        .execution_options(synchronize_session=False)
    )


async def create_listing(ctx: Ctx, data: ListingIn) -> Listing:
    user = ctx.require_user()
    _link, place = await require_verified_home(ctx)
    # Sanctions, prohibited items, duplicates, new-account limits: before any write.
    await guards.check_listing(ctx, data.title, data.description, data.category, data.price or 0)
    await ctx.limit(ctx.svc.settings.listing_limit_per_user, "listing", str(user.id))
    now = utcnow()
    listing = Listing(
        seller_id=user.id,
        neighbourhood_id=place.id,
        title=data.title,
        description=data.description,
        category=data.category,
        price=data.price or 0,
        is_free=data.is_free,
        accepts_offers=data.accepts_offers,
        created_at=now,
        updated_at=now,
        sort_at=now,
    )
    ctx.db.add(listing)
    await ctx.db.flush()
    await _attach(ctx, listing, data.photo_ids)
    await _index(ctx.db, listing)
    await guards.scan_listing(ctx, listing)
    ctx.record(
        "listing_created",
        listing_id=listing.id,
        neighbourhood_id=place.id,
        category=data.category,
        price=listing.price,
        is_free=data.is_free,
        photos=len(data.photo_ids),
    )
    svc, listing_id = ctx.svc, listing.id

    async def alerts() -> None:
        svc.jobs.spawn(
            f"keyword-alerts-{listing_id}", lambda: match_keyword_alerts(svc, listing_id)
        )

    on_commit(ctx.db, alerts)
    return listing


async def update_listing(ctx: Ctx, listing_id: int, data: ListingIn) -> Listing:
    listing = await access_own_listing_by_id(ctx, listing_id)
    await guards.check_listing(
        ctx, data.title, data.description, data.category, data.price or 0, listing_id=listing.id
    )
    changed = [
        field
        for field in ("title", "description", "category", "price", "is_free", "accepts_offers")
        if getattr(listing, field) != getattr(data, field)
    ]
    listing.title = data.title
    listing.description = data.description
    listing.category = data.category
    listing.price = data.price or 0
    listing.is_free = data.is_free
    listing.accepts_offers = data.accepts_offers
    listing.updated_at = utcnow()
    await _attach(ctx, listing, data.photo_ids)
    await _index(ctx.db, listing)
    await guards.scan_listing(ctx, listing)
    ctx.record("listing_edited", listing_id=listing.id, fields=changed, photos=len(data.photo_ids))
    return listing


def _change_status(ctx: Ctx, listing: Listing, status: str, buyer_id: int | None) -> None:
    """The one place a listing's state changes: the column, the time and the event,
    always in the same shape."""
    old, listing.status = listing.status, status
    listing.updated_at = utcnow()
    ctx.record(
        "listing_status_changed", listing_id=listing.id, old=old, new=status, buyer_id=buyer_id
    )


async def set_status(
    ctx: Ctx, listing_id: int, status: str, buyer_id: int | None = None
) -> Listing:
    """The seller moves their listing along :data:`TRANSITIONS`; ``buyer_id`` is
    who it is reserved for or sold to, when known (a deal, a chat)."""
    listing = await access_own_listing_by_id(ctx, listing_id)
    if status == listing.status:
        return listing
    if status not in TRANSITIONS[listing.status]:
        raise Conflict(N_("지금 상태에서는 바꿀 수 없어요."), field="status")
    _change_status(ctx, listing, status, buyer_id)
    return listing


async def reserve(ctx: Ctx, listing_id: int, buyer_id: int) -> bool:
    """예약중 for ``buyer_id``, when the seller sets an appointment with them and asks
    for it. Only a listing for sale is reserved; anything else is left as it is.
    Returns whether the listing changed."""
    listing = await access_own_listing_by_id(ctx, listing_id)
    if listing.status != SELLING:
        return False
    _change_status(ctx, listing, RESERVED, buyer_id)
    return True


async def set_hidden(ctx: Ctx, listing_id: int, hidden: bool) -> Listing:
    listing = await access_own_listing_by_id(ctx, listing_id)
    if not hidden:
        await ensure_not_taken_down(ctx.db, listing.id)  # an operator hid it
    if listing.is_hidden != hidden:
        listing.is_hidden = hidden
        listing.is_listed = not hidden
        await sync_terms(ctx.db, listing)
        ctx.record("listing_hidden" if hidden else "listing_unhidden", listing_id=listing.id)
    return listing


async def take_down(ctx: Ctx, listing_id: int, action_id: int) -> bool:
    """An operator hides a listing (moderation action ``action_id``): out of the feed
    and search, and its seller cannot show it again. Returns whether a listing
    was there to hide."""
    ctx.require_operator()
    listing = await ctx.db.get(Listing, listing_id)
    if listing is None:
        return False
    listing.is_hidden = True
    listing.is_listed = False
    await sync_terms(ctx.db, listing)  # search reads the copy in listing_terms
    ctx.record("listing_taken_down", listing_id=listing.id, action_id=action_id)
    return True


async def take_down_seller(ctx: Ctx, seller_id: int, action_id: int) -> int:
    """A banned seller's listings leave the feed with them (moderation action
    ``action_id``). Returns how many were taken down."""
    ctx.require_operator()
    taken = await ctx.db.scalars(
        update(Listing)
        .where(Listing.seller_id == seller_id, Listing.is_listed.is_(True))
        .values(is_listed=False, is_hidden=True)
        .returning(Listing.id)
    )
    count = len(taken.all())
    await sync_seller_terms(ctx.db, seller_id)
    ctx.record("seller_listings_taken_down", seller_id=seller_id, action_id=action_id, count=count)
    return count


async def delete_listing(ctx: Ctx, listing_id: int) -> None:
    """Soft delete: gone for everyone, while its events (and chats) stay."""
    listing = await access_own_listing_by_id(ctx, listing_id)
    listing.deleted_at = utcnow()
    listing.is_listed = False
    await sync_terms(ctx.db, listing)
    ctx.record("listing_deleted", listing_id=listing.id)


def next_bump_at(listing: Listing) -> timedelta | None:
    wait = listing.sort_at + BUMP_INTERVAL - utcnow()
    return wait if wait > timedelta(0) else None


async def bump_listing(ctx: Ctx, listing_id: int) -> Listing:
    listing = await access_own_listing_by_id(ctx, listing_id)
    if listing.status == SOLD or not listing.is_listed:
        raise Conflict(N_("판매중이거나 예약중인 글만 끌어올릴 수 있어요."))
    wait = next_bump_at(listing)
    if wait is not None:
        hours = max(1, int(wait.total_seconds() // 3600) + (wait.total_seconds() % 3600 > 0))
        raise Conflict(
            N_("끌어올리기는 하루에 한 번 할 수 있어요. %(hours)s시간 후에 다시 해 주세요."),
            hours=hours,
        )
    listing.bumped_at = listing.sort_at = utcnow()
    await sync_terms(ctx.db, listing)
    ctx.record("listing_bumped", listing_id=listing.id)
    return listing
