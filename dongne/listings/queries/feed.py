"""The neighbourhood feed: newest listings of the viewer's range, by keyset."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Boolean,
    Integer,
    String,
    bindparam,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.selectable import TextualSelect

from dongne.db import BigId, UTCDateTime
from dongne.kit.cursors import encode_cursor, time_and_id
from dongne.listings.models import SOLD

PAGE_SIZE = 20


@dataclass(frozen=True)
class FeedFilter:
    category: str | None = None
    free_only: bool = False
    hide_sold: bool = False
    exclude_sellers: tuple[int, ...] = ()


# The feed's SQL is written once per shape and cached; a request only binds values. Building
# the equivalent SQLAlchemy construct per request (a UNION ALL branch per neighbourhood) cost
# far more Python time than the database spent answering it.
_FEED_ORDER = "ORDER BY sort_at DESC, id DESC LIMIT :limit"
AFTER_PARAMS = (bindparam("after_at", type_=UTCDateTime()), bindparam("after_id", type_=BigId))


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
        params += AFTER_PARAMS
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
