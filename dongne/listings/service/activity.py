"""What viewers do with listings: likes (관심), views counted once a day, and
recent searches; the chat count on a card."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from dongne.context import Ctx
from dongne.db import utcnow
from dongne.kit.errors import PermissionDenied
from dongne.kit.i18n import N_
from dongne.listings.models import (
    Listing,
    ListingLike,
    ListingView,
    SearchHistory,
)
from dongne.listings.queries.browsing import Browsed

SEOUL = ZoneInfo("Asia/Seoul")
RECENT_SEARCHES = 10


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


async def count_chat(ctx: Ctx, listing_id: int) -> None:
    """A buyer opened a conversation about the listing: its card shows one more
    chat (the conversation's own event says who and when)."""
    await ctx.db.execute(
        update(Listing).where(Listing.id == listing_id).values(chat_count=Listing.chat_count + 1)
    )


def feed_viewed(ctx: Ctx, seen: Browsed, cursor: str | None, category: str | None) -> None:
    """The event a page of the feed leaves (a GET writes this and nothing else)."""
    (origin, level), page = seen
    ctx.record(
        "feed_viewed",
        neighbourhood_id=origin,
        level=level,
        first_page=cursor is None,
        count=len(page.items),
        category=category,
    )


async def searched(
    ctx: Ctx, seen: Browsed, text: str, cursor: str | None, category: str | None
) -> None:
    """A search's first page: its event (searches that find nothing are the unmet
    demand operators read later) and the searcher's recent searches."""
    if cursor is not None:
        return
    (origin, level), page = seen
    query = " ".join(text.split())
    ctx.record(
        "search_performed",
        query=query,
        neighbourhood_id=origin,
        level=level,
        category=category,
        result_count=len(page.items),
        more=page.next_cursor is not None,
    )
    await remember_search(ctx, query)


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
