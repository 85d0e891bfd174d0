"""The plans the feed and search rely on, on the engine under test. These fail
when a query degrades to a full scan of listings or of the term index.

On PostgreSQL, sequential scans are disabled for the EXPLAIN so the test asks
"can this query be answered from the indexes?" independently of the table's
current (tiny) size; bench/feed.py shows the plans chosen at a million rows.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.base import Executable
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement

from dongne.db import make_engine
from dongne.listings.queries import FeedFilter, feed_statement, search_statement
from dongne.listings.text import query_plan
from tests.conftest import DatabaseUnderTest, query

YEOKSAM = "1168010100"


class Explain(Executable, ClauseElement):
    """EXPLAIN of a statement executed as the application executes it: the same SQL, its
    values bound as parameters (so the plan is the one a prepared statement gets)."""

    inherit_cache = False

    def __init__(self, statement: Executable) -> None:
        self.statement = statement


@compiles(Explain)
def _compile_explain(element: Explain, compiler: SQLCompiler, **kw: Any) -> str:
    prefix = (
        "EXPLAIN QUERY PLAN " if compiler.dialect.name == "sqlite" else "EXPLAIN (FORMAT JSON) "
    )
    return prefix + compiler.process(element.statement, **kw)  # type: ignore[arg-type]


def explain(database: DatabaseUnderTest, stmt: Executable) -> str:
    async def run() -> str:
        engine = make_engine(database.url)
        try:
            async with engine.begin() as conn:
                if database.dialect == "sqlite":
                    rows = (await conn.execute(Explain(stmt))).all()
                    return "\n".join(str(r[-1]) for r in rows)
                await conn.execute(text("SET LOCAL enable_seqscan = off"))
                rows = (await conn.execute(Explain(stmt))).all()
                return json.dumps(rows[0][0])
        finally:
            await engine.dispose()

    return asyncio.run(run())


def targets(database: DatabaseUnderTest) -> list[str]:
    return [
        r[0]  # type: ignore[misc]
        for r in query(
            database,
            "SELECT target_id FROM neighbourhood_ranges WHERE origin_id = :o AND level <= 3",
            o=YEOKSAM,
        )
    ]


def test_the_feed_reads_one_index_range_per_neighbourhood(database: DatabaseUnderTest) -> None:
    nbhs = targets(database)
    assert len(nbhs) > 60
    deep = (datetime(2026, 11, 1, tzinfo=UTC), 12345)  # a later page's keyset bound
    for filters, after in (
        (FeedFilter(), None),
        (FeedFilter(), deep),
        (FeedFilter(category="digital", free_only=True, hide_sold=True), deep),
    ):
        plan = explain(database, feed_statement(database.dialect, nbhs, filters, after, 21))
        if database.dialect == "sqlite":
            # One index range per neighbourhood, each read newest first without a sort.
            ranges = plan.count("INDEX ix_listings_feed (neighbourhood_id=? AND is_listed=?")
            assert ranges == len(nbhs), plan
            assert "SCAN listings" not in plan, plan
        else:
            assert "ix_listings_feed" in plan, plan
            assert "Seq Scan" not in plan, plan


def test_search_reads_postings_of_the_viewers_neighbourhoods_only(
    database: DatabaseUnderTest,
) -> None:
    nbhs = targets(database)
    stmt = search_statement(nbhs, query_plan("원목의자"), FeedFilter(), None, 21)
    plan = explain(database, stmt)
    if database.dialect == "sqlite":
        assert "SCAN listing_terms" not in plan, plan
        assert "SEARCH listing_terms USING PRIMARY KEY" in plan, plan
        assert "SCAN listings" not in plan, plan
    else:
        assert "Seq Scan" not in plan, plan
        assert "pk_listing_terms" in plan, plan
