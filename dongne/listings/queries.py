"""Reads: the neighbourhood feed, Korean search, cards and details.

The feed never computes a distance. The viewer's neighbourhood set comes from
``neighbourhood_ranges`` (one index range), then each neighbourhood contributes
its newest listings through ``ix_listings_feed`` (neighbourhood, listed,
sort_at, id) with a keyset bound, and the branches are merged: at most
``neighbourhoods × page`` index entries are read, however many listings exist.
PostgreSQL does it as one LATERAL index range per element of an array of
neighbourhood ids; SQLite (no LATERAL) as a UNION ALL branch per neighbourhood,
ordered as a whole, which it merges lazily (about ``neighbourhoods + page`` entries).
The viewer's neighbourhood set is cached in process (:func:`range_targets`).

Statements are built once per shape (engine, number of branches, filters, first or
later page) and cached; a request only binds values, so its Python cost does not
grow with the number of neighbourhoods in range.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, Protocol
from weakref import WeakKeyDictionary

from sqlalchemy import (
    Boolean,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    func,
    or_,
    select,
    text,
    tuple_,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import BindParameter, ColumnElement
from sqlalchemy.sql.selectable import TextualSelect

from dongne.db import BigId, UTCDateTime
from dongne.geo.models import Neighbourhood, NeighbourhoodRange
from dongne.kit.cursors import BAD_CURSOR, decode_cursor, encode_cursor, time_and_id
from dongne.kit.errors import InvalidInput
from dongne.kit.media import MediaStorage
from dongne.listings.models import SOLD, Listing, ListingLike, ListingTerm, SearchHistory
from dongne.listings.schemas import ListingCard, PlaceOut
from dongne.listings.text import QueryPlan, prefix_upper_bound

PAGE_SIZE = 20


@dataclass(frozen=True)
class FeedFilter:
    category: str | None = None
    free_only: bool = False
    hide_sold: bool = False
    exclude_sellers: tuple[int, ...] = ()


class _RangeCache:
    """The neighbourhood ids of a range, per (origin, level), kept in process: neighbourhood
    geometry (and so ``neighbourhood_ranges``) never changes while the application runs
    (``dongne geo load`` is run before it starts). Least recently used entries go first;
    one cache per engine, so databases never mix. Saves a query on every feed and search."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.entries: OrderedDict[tuple[str, int], tuple[str, ...]] = OrderedDict()

    def get(self, key: tuple[str, int]) -> tuple[str, ...] | None:
        found = self.entries.get(key)
        if found is not None:
            self.entries.move_to_end(key)
        return found

    def put(self, key: tuple[str, int], targets: tuple[str, ...]) -> None:
        self.entries[key] = targets
        if len(self.entries) > self.size:
            self.entries.popitem(last=False)


RANGE_CACHE_SIZE = 4096  # ranges of ~70 ids on average: a few megabytes
_range_caches: WeakKeyDictionary[Engine, _RangeCache] = WeakKeyDictionary()


async def range_targets(db: AsyncSession, origin_id: str, level: int) -> list[str]:
    """The ids of the neighbourhoods inside ``origin_id``'s range at ``level`` (cached)."""
    engine = db.get_bind()
    assert isinstance(engine, Engine)
    cache = _range_caches.get(engine)
    if cache is None:
        cache = _range_caches[engine] = _RangeCache(RANGE_CACHE_SIZE)
    targets = cache.get((origin_id, level))
    if targets is None:
        targets = tuple(
            (
                await db.scalars(
                    select(NeighbourhoodRange.target_id).where(
                        NeighbourhoodRange.origin_id == origin_id,
                        NeighbourhoodRange.level <= level,
                    )
                )
            ).all()
        )
        if targets:  # an unknown origin (or geo data not loaded yet) is not remembered
            cache.put((origin_id, level), targets)
    return list(targets)


# The feed's SQL is written once per shape and cached; a request only binds values. Building
# the equivalent SQLAlchemy construct per request (a UNION ALL branch per neighbourhood) cost
# far more Python time than the database spent answering it.
_FEED_ORDER = "ORDER BY sort_at DESC, id DESC LIMIT :limit"
_AFTER_PARAMS = (bindparam("after_at", type_=UTCDateTime()), bindparam("after_id", type_=BigId))


@dataclass(frozen=True)
class _FeedShape:
    dialect: str
    branches: int  # neighbourhoods on SQLite (one UNION ALL branch each); 0 on PostgreSQL
    category: bool
    free_only: bool
    hide_sold: bool
    exclude_sellers: bool
    keyset: bool


def _feed_conditions(shape: _FeedShape) -> str:
    sql = " AND is_listed = :listed"
    if shape.category:
        sql += " AND category = :category"
    if shape.free_only:
        sql += " AND is_free = :listed"
    if shape.hide_sold:
        sql += " AND status != :sold"
    if shape.exclude_sellers:
        sql += " AND seller_id NOT IN :exclude_sellers"
    if shape.keyset:
        sql += " AND (sort_at, id) < (:after_at, :after_id)"
    return sql


@lru_cache(maxsize=256)
def _feed_text(shape: _FeedShape) -> TextualSelect:
    """PostgreSQL: one LATERAL index range per element of the neighbourhood array. SQLite (no
    LATERAL): one UNION ALL branch per neighbourhood, which it merges in index order."""
    # Only constants and bind parameter names go into the text: every value is bound.
    where = _feed_conditions(shape)
    params: list[BindParameter[Any]] = [
        bindparam("listed", type_=Boolean()),
        bindparam("limit", type_=Integer()),
    ]
    if shape.exclude_sellers:
        params.append(bindparam("exclude_sellers", type_=BigId, expanding=True))
    if shape.keyset:
        params += _AFTER_PARAMS
    if shape.dialect == "postgresql":
        params.append(bindparam("targets", type_=ARRAY(String())))
        sql = (
            "SELECT l.id, l.sort_at FROM unnest(CAST(:targets AS VARCHAR[])) AS t(nid) "  # noqa: S608
            "CROSS JOIN LATERAL (SELECT id, sort_at FROM listings "
            f"WHERE neighbourhood_id = t.nid{where} {_FEED_ORDER}) AS l "
            "ORDER BY l.sort_at DESC, l.id DESC LIMIT :limit"
        )
    else:
        params += [bindparam(f"n{i}", type_=String()) for i in range(shape.branches)]
        # A compound SELECT ordered as a whole: SQLite merges the branches (MERGE (UNION
        # ALL)), each a lazy walk down its covering index range, and stops at the limit, so
        # about page + neighbourhoods entries are read instead of page × neighbourhoods
        # (and nothing is sorted). An inner ORDER BY … LIMIT per branch would read each
        # branch's whole page first.
        sql = " UNION ALL ".join(
            f"SELECT id, sort_at FROM listings WHERE neighbourhood_id = :n{i}{where}"  # noqa: S608
            for i in range(shape.branches)
        )
        sql += f" {_FEED_ORDER}"
    # By name, not position: an EXPLAIN of the statement keeps its own columns.
    return text(sql).bindparams(*params).columns(id=BigId, sort_at=UTCDateTime())


def feed_query(
    dialect: str,
    targets: list[str],
    filters: FeedFilter,
    after: tuple[datetime, int] | None,
    limit: int,
) -> tuple[TextualSelect, dict[str, object]]:
    """The feed's statement (cached per shape) and the values to bind: (id, sort_at) of the
    newest listings of ``targets``, after the keyset ``after``."""
    shape = _FeedShape(
        dialect="postgresql" if dialect == "postgresql" else "sqlite",
        branches=0 if dialect == "postgresql" else len(targets),
        category=bool(filters.category),
        free_only=filters.free_only,
        hide_sold=filters.hide_sold,
        exclude_sellers=bool(filters.exclude_sellers),
        keyset=after is not None,
    )
    values: dict[str, object] = {"listed": True, "limit": limit}
    if shape.category:
        values["category"] = filters.category
    if shape.hide_sold:
        values["sold"] = SOLD
    if shape.exclude_sellers:
        values["exclude_sellers"] = list(filters.exclude_sellers)
    if after is not None:
        values["after_at"], values["after_id"] = after
    if shape.dialect == "postgresql":
        values["targets"] = targets
    else:
        values.update((f"n{i}", nid) for i, nid in enumerate(targets))
    return _feed_text(shape), values


def feed_statement(
    dialect: str,
    targets: list[str],
    filters: FeedFilter,
    after: tuple[datetime, int] | None,
    limit: int,
) -> TextualSelect:
    """:func:`feed_query` with its values bound, for EXPLAIN."""
    statement, values = feed_query(dialect, targets, filters, after, limit)
    return statement.params(values)


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
    dialect = db.get_bind().dialect.name
    stmt, values = feed_query(dialect, targets, filters, time_and_id(cursor), limit + 1)
    rows = (await db.execute(stmt, values)).all()
    page = list(rows[:limit])
    next_cursor = encode_cursor(page[-1][1], page[-1][0]) if len(rows) > limit else None
    return [r[0] for r in page], next_cursor


@dataclass(frozen=True)
class _SearchShape:
    terms: bool
    prefix: bool
    single: bool  # exactly one term and no prefix: one posting per listing, no grouping
    category: bool
    free_only: bool
    hide_sold: bool
    exclude_sellers: bool
    keyset: bool


@lru_cache(maxsize=256)
def _search_select(shape: _SearchShape) -> Select[int, int, datetime]:
    """Listings in range holding every query term: (id, score, sort_at) by relevance, then
    recency. Everything comes from the postings, read through the (term, neighbourhood,
    listing) primary key for the viewer's neighbourhoods only: each posting carries its
    listing's ``sort_at`` and ``is_listed``, so no ``listings`` row is read per posting.
    Only the optional filters (category, free, hiding sold, blocked sellers) join
    ``listings``, for the matched listings. Built once per shape; lists are expanding
    parameters, so a request binds values only."""
    targets: BindParameter[str] = bindparam("targets", expanding=True)
    term = ListingTerm
    # With exactly one term and no prefix, a listing has one posting (the key holds its one
    # neighbourhood): the posting is the match and its weight the score, so nothing is
    # grouped and the database keeps only the best page while reading (a top-N sort).
    score: ColumnElement[int] = term.weight.expression if shape.single else func.sum(term.weight)
    matched = select(term.listing_id.label("id"), score.label("score"), term.sort_at).where(
        term.neighbourhood_id.in_(targets), term.is_listed.is_(True)
    )
    if shape.terms:
        matched = matched.where(term.term.in_(bindparam("terms", expanding=True)))
    if shape.prefix:
        # The plan's own bound: for Hangul it also covers the syllables the last one
        # may still become (원모 … 원묘 while typing 원목).
        lower, upper = bindparam("prefix", type_=String()), bindparam("upper", type_=String())
        prefixed = select(term.listing_id).where(
            term.neighbourhood_id.in_(targets), term.term >= lower, term.term < upper
        )
        matched = matched.where(term.listing_id.in_(prefixed))
        if not shape.terms:
            matched = matched.where(term.term >= lower, term.term < upper)
    if not shape.single:
        matched = matched.group_by(term.listing_id, term.sort_at).having(
            func.count() >= bindparam("term_count", type_=Integer())
        )
    found = matched.subquery()
    stmt = select(found.c.id, found.c.score, found.c.sort_at)
    if shape.category or shape.free_only or shape.hide_sold or shape.exclude_sellers:
        stmt = stmt.join(Listing, Listing.id == found.c.id)
    if shape.category:
        stmt = stmt.where(Listing.category == bindparam("category", type_=String()))
    if shape.free_only:
        stmt = stmt.where(Listing.is_free.is_(True))
    if shape.hide_sold:
        stmt = stmt.where(Listing.status != bindparam("sold", type_=String()))
    if shape.exclude_sellers:
        stmt = stmt.where(Listing.seller_id.not_in(bindparam("exclude_sellers", expanding=True)))
    if shape.keyset:
        s = bindparam("after_score", type_=Integer())
        stmt = stmt.where(
            or_(
                found.c.score < s,
                and_(
                    found.c.score == s,
                    tuple_(found.c.sort_at, found.c.id) < tuple_(*_AFTER_PARAMS),
                ),
            )
        )
    return stmt.order_by(found.c.score.desc(), found.c.sort_at.desc(), found.c.id.desc()).limit(
        bindparam("limit", type_=Integer())
    )


def search_query(
    targets: list[str],
    plan: QueryPlan,
    filters: FeedFilter,
    after: tuple[int, datetime, int] | None,
    limit: int,
) -> tuple[Select[int, int, datetime], dict[str, object]]:
    """The search statement (cached per shape) and the values to bind."""
    shape = _SearchShape(
        terms=bool(plan.terms),
        prefix=plan.prefix is not None,
        single=len(plan.terms) == 1 and plan.prefix is None,
        category=bool(filters.category),
        free_only=filters.free_only,
        hide_sold=filters.hide_sold,
        exclude_sellers=bool(filters.exclude_sellers),
        keyset=after is not None,
    )
    values: dict[str, object] = {
        "targets": targets,
        "term_count": len(plan.terms),
        "limit": limit,
    }
    if shape.terms:
        values["terms"] = list(plan.terms)
    if plan.prefix is not None:
        values["prefix"] = plan.prefix
        values["upper"] = plan.prefix_upper or prefix_upper_bound(plan.prefix)
    if shape.category:
        values["category"] = filters.category
    if shape.hide_sold:
        values["sold"] = SOLD
    if shape.exclude_sellers:
        values["exclude_sellers"] = list(filters.exclude_sellers)
    if after is not None:
        values["after_score"], values["after_at"], values["after_id"] = after
    return _search_select(shape), values


def search_statement(
    targets: list[str],
    plan: QueryPlan,
    filters: FeedFilter,
    after: tuple[int, datetime, int] | None,
    limit: int,
) -> Select[int, int, datetime]:
    """:func:`search_query` with its values bound, for EXPLAIN."""
    statement, values = search_query(targets, plan, filters, after, limit)
    return statement.params(values)


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
    stmt, values = search_query(targets, plan, filters, after, limit + 1)
    rows = (await db.execute(stmt, values)).all()
    page = list(rows[:limit])
    next_cursor = (
        encode_cursor(page[-1][1], page[-1][2], page[-1][0]) if len(rows) > limit else None
    )
    return [r[0] for r in page], next_cursor


class CardSource(Protocol):
    """What a card is made of: a Listing, or a row of :data:`_CARD_COLUMNS`."""

    @property
    def id(self) -> int: ...
    @property
    def title(self) -> str: ...
    @property
    def price(self) -> int: ...
    @property
    def is_free(self) -> bool: ...
    @property
    def status(self) -> str: ...
    @property
    def is_hidden(self) -> bool: ...
    @property
    def neighbourhood_id(self) -> str: ...
    @property
    def cover_key(self) -> str | None: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def bumped_at(self) -> datetime | None: ...
    @property
    def sort_at(self) -> datetime: ...
    @property
    def like_count(self) -> int: ...
    @property
    def chat_count(self) -> int: ...


# Columns, not ORM entities: a page of cards loads no descriptions and builds no objects.
CARDS = (
    select(
        Listing.id,
        Listing.title,
        Listing.price,
        Listing.is_free,
        Listing.status,
        Listing.is_hidden,
        Listing.neighbourhood_id,
        Listing.cover_key,
        Listing.created_at,
        Listing.bumped_at,
        Listing.sort_at,
        Listing.like_count,
        Listing.chat_count,
        Neighbourhood.name.label("place_name"),
    )
    .join(Neighbourhood, Neighbourhood.id == Listing.neighbourhood_id)
    .where(Listing.id.in_(bindparam("ids", expanding=True)))
)


async def cards(db: AsyncSession, media: MediaStorage, ids: list[int]) -> list[ListingCard]:
    """Card data for ids, in the given order."""
    if not ids:
        return []
    rows = await db.execute(CARDS, {"ids": ids})
    by_id = {row.id: card(row, row.place_name, media) for row in rows}
    return [by_id[i] for i in ids if i in by_id]


def card(listing: CardSource, place_name: str, media: MediaStorage) -> ListingCard:
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
