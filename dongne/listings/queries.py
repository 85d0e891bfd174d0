"""Reads: the neighbourhood feed, Korean search, cards and details.

The feed never computes a distance. The viewer's neighbourhood set comes from
``neighbourhood_ranges`` (one index range), then each neighbourhood contributes
its newest listings through ``ix_listings_feed`` (neighbourhood, listed,
sort_at, id) with a keyset bound, and the branches are merged: at most
``neighbourhoods × page`` index entries are read, however many listings exist.
The same SQL runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, tuple_, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from dongne.geo.models import Neighbourhood, NeighbourhoodRange
from dongne.kit.errors import InvalidInput
from dongne.kit.i18n import N_
from dongne.kit.media import MediaStorage
from dongne.listings.models import SOLD, Listing, ListingLike, ListingTerm, SearchHistory
from dongne.listings.schemas import ListingCard, PlaceOut
from dongne.listings.text import QueryPlan, prefix_upper_bound

PAGE_SIZE = 20
BAD_CURSOR = N_("잘못된 페이지 정보예요. 처음부터 다시 불러와 주세요.")


@dataclass(frozen=True)
class FeedFilter:
    category: str | None = None
    free_only: bool = False
    hide_sold: bool = False
    exclude_sellers: tuple[int, ...] = ()

    def clauses(self) -> list[ColumnElement[bool]]:
        out: list[ColumnElement[bool]] = []
        if self.category:
            out.append(Listing.category == self.category)
        if self.free_only:
            out.append(Listing.is_free.is_(True))
        if self.hide_sold:
            out.append(Listing.status != SOLD)
        if self.exclude_sellers:
            out.append(Listing.seller_id.not_in(self.exclude_sellers))
        return out


async def range_targets(db: AsyncSession, origin_id: str, level: int) -> list[str]:
    return list(
        (
            await db.scalars(
                select(NeighbourhoodRange.target_id).where(
                    NeighbourhoodRange.origin_id == origin_id, NeighbourhoodRange.level <= level
                )
            )
        ).all()
    )


def encode_cursor(*parts: object) -> str:
    raw = "|".join(p.isoformat() if isinstance(p, datetime) else str(p) for p in parts)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, arity: int) -> list[str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidInput(BAD_CURSOR, field="cursor") from None
    parts = raw.split("|")
    if len(parts) != arity:
        raise InvalidInput(BAD_CURSOR, field="cursor")
    return parts


def _time_and_id(cursor: str | None) -> tuple[datetime, int] | None:
    if cursor is None:
        return None
    when, ident = decode_cursor(cursor, 2)
    try:
        return datetime.fromisoformat(when), int(ident)
    except ValueError:
        raise InvalidInput(BAD_CURSOR, field="cursor") from None


def feed_statement(
    targets: list[str],
    filters: FeedFilter,
    after: tuple[datetime, int] | None,
    limit: int,
) -> Select[int, datetime]:
    """One index range per neighbourhood, merged: (id, sort_at) newest first."""
    branches: list[Select[int, datetime]] = []
    for nid in targets:
        branch = select(Listing.id, Listing.sort_at).where(
            Listing.neighbourhood_id == nid, Listing.is_listed.is_(True), *filters.clauses()
        )
        if after is not None:
            branch = branch.where(tuple_(Listing.sort_at, Listing.id) < tuple_(*after))
        branch = branch.order_by(Listing.sort_at.desc(), Listing.id.desc()).limit(limit)
        inner = branch.subquery()
        branches.append(select(inner.c.id, inner.c.sort_at))
    merged = union_all(*branches).subquery()
    return (
        select(merged.c.id, merged.c.sort_at)
        .order_by(merged.c.sort_at.desc(), merged.c.id.desc())
        .limit(limit)
    )


async def feed_ids(
    db: AsyncSession,
    targets: list[str],
    filters: FeedFilter,
    cursor: str | None,
    limit: int = PAGE_SIZE,
) -> tuple[list[int], str | None]:
    """The ids of one feed page, newest (or most recently bumped) first."""
    if not targets:
        return [], None
    stmt = feed_statement(targets, filters, _time_and_id(cursor), limit + 1)
    rows = (await db.execute(stmt)).tuples().all()
    page = list(rows[:limit])
    next_cursor = encode_cursor(page[-1][1], page[-1][0]) if len(rows) > limit else None
    return [r[0] for r in page], next_cursor


def search_statement(
    targets: list[str],
    plan: QueryPlan,
    filters: FeedFilter,
    after: tuple[int, datetime, int] | None,
    limit: int,
) -> Select[int, int, datetime]:
    """Listings in range holding every query term: (id, score, sort_at) by
    relevance, then recency. The postings are read through the
    (term, neighbourhood, listing) primary key, only for the viewer's
    neighbourhoods."""
    score = func.sum(ListingTerm.weight).label("score")
    matched = select(ListingTerm.listing_id.label("listing_id"), score).where(
        ListingTerm.neighbourhood_id.in_(targets)
    )
    if plan.terms:
        matched = matched.where(ListingTerm.term.in_(plan.terms))
    if plan.prefix is not None:
        # The plan's own bound: for Hangul it also covers the syllables the last one
        # may still become (원모 … 원묘 while typing 원목).
        upper = plan.prefix_upper or prefix_upper_bound(plan.prefix)
        prefixed = select(ListingTerm.listing_id).where(
            ListingTerm.neighbourhood_id.in_(targets),
            ListingTerm.term >= plan.prefix,
            ListingTerm.term < upper,
        )
        matched = matched.where(ListingTerm.listing_id.in_(prefixed))
        if not plan.terms:
            matched = matched.where(ListingTerm.term >= plan.prefix, ListingTerm.term < upper)
    matched_sub = (
        matched.group_by(ListingTerm.listing_id).having(func.count() >= len(plan.terms)).subquery()
    )
    stmt = (
        select(Listing.id, matched_sub.c.score, Listing.sort_at)
        .join(matched_sub, matched_sub.c.listing_id == Listing.id)
        .where(Listing.is_listed.is_(True), *filters.clauses())
    )
    if after is not None:
        s, t, i = after
        stmt = stmt.where(
            or_(
                matched_sub.c.score < s,
                and_(matched_sub.c.score == s, tuple_(Listing.sort_at, Listing.id) < tuple_(t, i)),
            )
        )
    return stmt.order_by(
        matched_sub.c.score.desc(), Listing.sort_at.desc(), Listing.id.desc()
    ).limit(limit)


async def search_ids(
    db: AsyncSession,
    targets: list[str],
    plan: QueryPlan,
    filters: FeedFilter,
    cursor: str | None,
    limit: int = PAGE_SIZE,
) -> tuple[list[int], str | None]:
    """One page of search results."""
    if not targets or plan.is_empty:
        return [], None
    after = None
    if cursor is not None:
        raw_score, when, ident = decode_cursor(cursor, 3)
        try:
            after = int(raw_score), datetime.fromisoformat(when), int(ident)
        except ValueError:
            raise InvalidInput(BAD_CURSOR, field="cursor") from None
    rows = (
        (await db.execute(search_statement(targets, plan, filters, after, limit + 1)))
        .tuples()
        .all()
    )
    page = list(rows[:limit])
    next_cursor = (
        encode_cursor(page[-1][1], page[-1][2], page[-1][0]) if len(rows) > limit else None
    )
    return [r[0] for r in page], next_cursor


async def cards(db: AsyncSession, media: MediaStorage, ids: list[int]) -> list[ListingCard]:
    """Card data for ids, in the given order."""
    if not ids:
        return []
    rows = await db.execute(
        select(Listing, Neighbourhood.name)
        .join(Neighbourhood, Neighbourhood.id == Listing.neighbourhood_id)
        .where(Listing.id.in_(ids))
    )
    by_id = {listing.id: card(listing, name, media) for listing, name in rows.tuples()}
    return [by_id[i] for i in ids if i in by_id]


def card(listing: Listing, place_name: str, media: MediaStorage) -> ListingCard:
    return ListingCard(
        id=listing.id,
        title=listing.title,
        price=listing.price,
        is_free=listing.is_free,
        status=listing.status,
        is_hidden=listing.is_hidden,
        neighbourhood=PlaceOut(id=listing.neighbourhood_id, name=place_name),
        thumb_url=media.url(listing.cover_key) if listing.cover_key else None,
        created_at=listing.created_at,
        bumped_at=listing.bumped_at,
        sort_at=listing.sort_at,
        like_count=listing.like_count,
        chat_count=listing.chat_count,
    )


async def seller_listing_ids(
    db: AsyncSession,
    seller_id: int,
    *,
    status: str | None,
    include_hidden: bool,
    exclude: int | None = None,
    limit: int = 50,
) -> list[int]:
    stmt = select(Listing.id).where(Listing.seller_id == seller_id, Listing.deleted_at.is_(None))
    if status:
        stmt = stmt.where(Listing.status == status)
    if not include_hidden:
        stmt = stmt.where(Listing.is_hidden.is_(False))
    if exclude is not None:
        stmt = stmt.where(Listing.id != exclude)
    stmt = stmt.order_by(Listing.sort_at.desc(), Listing.id.desc()).limit(limit)
    return list((await db.scalars(stmt)).all())


async def liked_ids(db: AsyncSession, user_id: int, limit: int = 100) -> list[int]:
    return list(
        (
            await db.scalars(
                select(ListingLike.listing_id)
                .join(Listing, Listing.id == ListingLike.listing_id)
                .where(ListingLike.user_id == user_id, Listing.is_listed.is_(True))
                .order_by(ListingLike.created_at.desc())
                .limit(limit)
            )
        ).all()
    )


async def recent_searches(db: AsyncSession, user_id: int) -> list[str]:
    return list(
        (
            await db.scalars(
                select(SearchHistory.query)
                .where(SearchHistory.user_id == user_id)
                .order_by(SearchHistory.searched_at.desc())
            )
        ).all()
    )
