"""Korean search over the postings of the viewer's range (see listings/text.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import (
    Integer,
    Select,
    String,
    and_,
    bindparam,
    func,
    or_,
    select,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import BindParameter, ColumnElement

from dongne.kit.cursors import BAD_CURSOR, cursor_int, decode_cursor, encode_cursor
from dongne.kit.errors import InvalidInput
from dongne.listings.models import SOLD, Listing, ListingTerm
from dongne.listings.queries.feed import AFTER_PARAMS, PAGE_SIZE, FeedFilter
from dongne.listings.text import QueryPlan, prefix_upper_bound


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
                    tuple_(found.c.sort_at, found.c.id) < tuple_(*AFTER_PARAMS),
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
            after = cursor_int(raw_score), datetime.fromisoformat(when), cursor_int(ident)
        except ValueError:
            raise InvalidInput(BAD_CURSOR, field="cursor") from None
    stmt, values = search_query(targets, plan, filters, after, limit + 1)
    rows = (await db.execute(stmt, values)).all()
    page = list(rows[:limit])
    next_cursor = (
        encode_cursor(page[-1][1], page[-1][2], page[-1][0]) if len(rows) > limit else None
    )
    return [r[0] for r in page], next_cursor
