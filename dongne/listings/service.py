"""Every write about listings: posting, editing, states, bumps, likes, views,
keyword alerts. Services flush; the request commits."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from dongne.accounts.models import UserNeighbourhood
from dongne.db import on_commit, utcnow
from dongne.geo.models import Neighbourhood, NeighbourhoodRange
from dongne.kit.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied
from dongne.kit.i18n import N_
from dongne.listings.models import (
    CATEGORIES,
    MAX_KEYWORDS,
    RESERVED,
    SELLING,
    SOLD,
    KeywordAlert,
    Listing,
    ListingLike,
    ListingPhoto,
    ListingTerm,
    ListingView,
    SearchHistory,
)
from dongne.listings.schemas import ListingIn
from dongne.listings.text import document_terms, matches, query_plan
from dongne.notifications.service import notify
from dongne.photos.service import owned_photos
from dongne.web import Ctx, job_ctx

if TYPE_CHECKING:
    from dongne.app import Services

SEOUL = ZoneInfo("Asia/Seoul")
BUMP_INTERVAL = timedelta(hours=24)
RECENT_SEARCHES = 10
# Which state changes a seller can make (판매중 → 예약중 → 거래완료, and back).
TRANSITIONS = {
    SELLING: {RESERVED, SOLD},
    RESERVED: {SELLING, SOLD},
    SOLD: {SELLING},
}


class VerificationRequired(DomainError):
    status = 403
    code = "verification_required"
    message = N_("동네 인증이 필요해요. 내 동네에서 위치를 인증해 주세요.")


async def active_place(ctx: Ctx) -> tuple[UserNeighbourhood, Neighbourhood] | None:
    user = ctx.require_user()
    row = (
        await ctx.db.execute(
            select(UserNeighbourhood, Neighbourhood)
            .join(Neighbourhood, Neighbourhood.id == UserNeighbourhood.neighbourhood_id)
            .where(UserNeighbourhood.user_id == user.id, UserNeighbourhood.is_active.is_(True))
        )
    ).first()
    return row.tuple() if row else None


async def require_verified_place(ctx: Ctx) -> tuple[UserNeighbourhood, Neighbourhood]:
    place = await active_place(ctx)
    if place is None or not place[0].is_verified(ctx.svc.settings.verification_days):
        raise VerificationRequired()
    return place


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


async def access_listing_by_id(
    ctx: Ctx, listing_id: int, viewer_place: tuple[str, int] | None
) -> Listing:
    """A listing the caller may read: their own, or a listed one inside the
    range of the neighbourhood they browse (a listing is seen only by people
    whose range covers the seller's neighbourhood)."""
    listing = await get_listing_or_raise(ctx.db, listing_id)
    if ctx.user is not None and listing.seller_id == ctx.user.id:
        return listing
    if ctx.user is not None and ctx.user.is_operator:
        return listing
    if not listing.is_listed or viewer_place is None:
        raise NotFound(N_("판매글을 찾을 수 없어요. 삭제되었을 수 있어요."))
    if ctx.user is not None:
        from dongne.trust.moderation.blocks import seller_blocked_viewer

        if await seller_blocked_viewer(ctx.db, listing.seller_id, ctx.user.id):
            raise NotFound(N_("판매글을 찾을 수 없어요. 삭제되었을 수 있어요."))
    origin, level = viewer_place
    if not await in_range(ctx.db, origin, level, listing.neighbourhood_id):
        raise NotFound(N_("내 동네 범위 밖의 판매글이에요."))
    return listing


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
    _link, place = await require_verified_place(ctx)
    from dongne.trust.moderation import guards

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
    from dongne.trust.moderation import guards

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


async def set_status(ctx: Ctx, listing_id: int, status: str) -> Listing:
    listing = await access_own_listing_by_id(ctx, listing_id)
    if status == listing.status:
        return listing
    if status not in TRANSITIONS[listing.status]:
        raise Conflict(N_("지금 상태에서는 바꿀 수 없어요."), field="status")
    old, listing.status = listing.status, status
    listing.updated_at = utcnow()
    ctx.record("listing_status_changed", listing_id=listing.id, old=old, new=status)
    return listing


async def set_hidden(ctx: Ctx, listing_id: int, hidden: bool) -> Listing:
    listing = await access_own_listing_by_id(ctx, listing_id)
    if not hidden:
        from dongne.trust.moderation.service import ensure_not_taken_down

        await ensure_not_taken_down(ctx.db, listing.id)  # an operator hid it
    if listing.is_hidden != hidden:
        listing.is_hidden = hidden
        listing.is_listed = not hidden
        await sync_terms(ctx.db, listing)
        ctx.record("listing_hidden" if hidden else "listing_unhidden", listing_id=listing.id)
    return listing


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


async def set_like(ctx: Ctx, listing: Listing, liked: bool) -> bool:
    """Like or unlike; idempotent, also when the same request arrives twice at once: the
    row is inserted with ON CONFLICT DO NOTHING (a concurrent duplicate waits for the first
    and then does nothing) and deleted by a statement, and the count and the event follow
    only the statement that changed a row."""
    user = ctx.require_user()
    if listing.seller_id == user.id:
        raise PermissionDenied(N_("내 글에는 관심을 누를 수 없어요."))
    if liked:
        insert_like = pg_insert if ctx.db.get_bind().dialect.name == "postgresql" else sqlite_insert
        changed = await ctx.db.execute(
            insert_like(ListingLike)
            .values(user_id=user.id, listing_id=listing.id, created_at=utcnow())
            .on_conflict_do_nothing()
        )
    else:
        changed = await ctx.db.execute(
            delete(ListingLike).where(
                ListingLike.user_id == user.id, ListingLike.listing_id == listing.id
            )
        )
    if getattr(changed, "rowcount", 0):
        await ctx.db.execute(
            update(Listing)
            .where(Listing.id == listing.id)
            .values(like_count=Listing.like_count + (1 if liked else -1))
        )
        ctx.record("listing_liked" if liked else "listing_unliked", listing_id=listing.id)
    return liked


async def record_view(ctx: Ctx, listing: Listing) -> None:
    """Every view is an event; the visible count grows once per person per day."""
    ctx.record("listing_viewed", listing_id=listing.id, category=listing.category)
    if ctx.user is None or ctx.user.id == listing.seller_id:
        return
    today = utcnow().astimezone(SEOUL).date()
    if await ctx.db.get(ListingView, (listing.id, ctx.user.id, today)) is None:
        ctx.db.add(ListingView(listing_id=listing.id, user_id=ctx.user.id, day=today))
        await ctx.db.execute(
            update(Listing)
            .where(Listing.id == listing.id)
            .values(view_count=Listing.view_count + 1)
        )
        await ctx.db.flush()


async def remember_search(ctx: Ctx, text: str) -> None:
    if ctx.user is None:
        return
    row = await ctx.db.get(SearchHistory, (ctx.user.id, text))
    if row is None:
        ctx.db.add(SearchHistory(user_id=ctx.user.id, query=text))
    else:
        row.searched_at = utcnow()
    await ctx.db.flush()
    stale = (
        await ctx.db.scalars(
            select(SearchHistory.query)
            .where(SearchHistory.user_id == ctx.user.id)
            .order_by(SearchHistory.searched_at.desc())
            .offset(RECENT_SEARCHES)
        )
    ).all()
    if stale:
        await ctx.db.execute(
            delete(SearchHistory).where(
                SearchHistory.user_id == ctx.user.id, SearchHistory.query.in_(stale)
            )
        )


async def clear_searches(ctx: Ctx) -> None:
    user = ctx.require_user()
    await ctx.db.execute(delete(SearchHistory).where(SearchHistory.user_id == user.id))
    ctx.record("search_history_cleared")


# ---- keyword alerts -------------------------------------------------------------


async def add_keyword(ctx: Ctx, keyword: str) -> KeywordAlert:
    user = ctx.require_user()
    if query_plan(keyword).is_empty:
        raise InvalidInput(N_("검색할 수 있는 글자를 넣어 주세요."), field="keyword")
    existing = await ctx.db.scalar(
        select(KeywordAlert).where(KeywordAlert.user_id == user.id, KeywordAlert.keyword == keyword)
    )
    if existing:
        return existing
    count = await ctx.db.scalar(
        select(func.count()).select_from(KeywordAlert).where(KeywordAlert.user_id == user.id)
    )
    if (count or 0) >= MAX_KEYWORDS:
        raise Conflict(N_("키워드는 30개까지 등록할 수 있어요."), field="keyword")
    alert = KeywordAlert(user_id=user.id, keyword=keyword)
    ctx.db.add(alert)
    await ctx.db.flush()
    ctx.record("keyword_added", keyword_id=alert.id)
    return alert


async def remove_keyword(ctx: Ctx, keyword_id: int) -> None:
    user = ctx.require_user()
    alert = await ctx.db.get(KeywordAlert, keyword_id)
    if alert is None or alert.user_id != user.id:
        raise NotFound(N_("키워드를 찾을 수 없어요."))
    await ctx.db.delete(alert)
    ctx.record("keyword_removed", keyword_id=keyword_id)


async def match_keyword_alerts(svc: Services, listing_id: int) -> int:
    """After a listing commits: notify everyone whose range covers it and who
    saved a keyword that matches it (the same rule as search). Returns how many
    people were notified."""
    async with job_ctx(svc) as ctx:
        listing = await ctx.db.get(Listing, listing_id)
        if listing is None or not listing.is_listed:
            return 0
        terms = set(
            (
                await ctx.db.scalars(
                    select(ListingTerm.term).where(ListingTerm.listing_id == listing_id)
                )
            ).all()
        )
        origins = (
            select(NeighbourhoodRange.origin_id, NeighbourhoodRange.level)
            .where(NeighbourhoodRange.target_id == listing.neighbourhood_id)
            .subquery()
        )
        rows = await ctx.db.execute(
            select(KeywordAlert.user_id, KeywordAlert.id, KeywordAlert.keyword)
            .join(UserNeighbourhood, UserNeighbourhood.user_id == KeywordAlert.user_id)
            .join(origins, origins.c.origin_id == UserNeighbourhood.neighbourhood_id)
            .where(
                UserNeighbourhood.is_active.is_(True),
                origins.c.level <= UserNeighbourhood.range_level,
                KeywordAlert.user_id != listing.seller_id,
            )
            .order_by(KeywordAlert.user_id, KeywordAlert.id)
        )
        notified: set[int] = set()
        for user_id, keyword_id, keyword in rows:
            if user_id in notified or not matches(query_plan(keyword), terms):
                continue
            notified.add(user_id)
            await notify(
                ctx.db,
                svc.hub,
                user_id,
                "keyword",
                keyword=keyword,
                keyword_id=keyword_id,
                listing_id=listing.id,
                title=listing.title,
            )
        return len(notified)


BROWSE_COOKIE = "dongne_browse"
VISITOR_LEVEL = 2


async def viewer_place(ctx: Ctx, requested: str | None = None) -> tuple[str, int] | None:
    """Whose range the caller sees: their active neighbourhood and range; for a
    visitor without one, the neighbourhood they picked (read-only browsing)."""
    if ctx.user is not None:
        place = await active_place(ctx)
        if place is not None:
            return place[1].id, place[0].range_level
    chosen = requested or (ctx.request.cookies.get(BROWSE_COOKIE) if ctx.request else None)
    if chosen and await ctx.db.get(Neighbourhood, chosen) is not None:
        return chosen, VISITOR_LEVEL
    return None
