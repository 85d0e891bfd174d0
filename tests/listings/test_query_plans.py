"""The plans the feed and search rely on, on the engine under test. These fail
when a query degrades to a full scan of listings or of the term index.

On PostgreSQL, sequential scans are disabled for the EXPLAIN so the test asks
"can this query be answered from the indexes?" independently of the table's
current (tiny) size; bench/feed.py shows the plans chosen at a million rows.
"""

from __future__ import annotations

import asyncio
import json

from sqlalchemy import Select, text

from dongne.db import make_engine
from dongne.listings.queries import FeedFilter, feed_statement, search_statement
from dongne.listings.text import query_plan
from tests.conftest import DatabaseUnderTest, query

YEOKSAM = "1168010100"


def explain(database: DatabaseUnderTest, stmt: Select[object]) -> str:  # type: ignore[type-arg]
    async def run() -> str:
        engine = make_engine(database.url)
        try:
            sql = str(stmt.compile(engine, compile_kwargs={"literal_binds": True}))
            async with engine.begin() as conn:
                if database.dialect == "sqlite":
                    rows = (await conn.execute(text("EXPLAIN QUERY PLAN " + sql))).all()
                    return "\n".join(str(r[-1]) for r in rows)
                await conn.execute(text("SET LOCAL enable_seqscan = off"))
                rows = (await conn.execute(text("EXPLAIN (FORMAT JSON) " + sql))).all()
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
    for filters in (FeedFilter(), FeedFilter(category="digital", free_only=True, hide_sold=True)):
        plan = explain(database, feed_statement(nbhs, filters, None, 21))
        if database.dialect == "sqlite":
            assert "INDEX ix_listings_feed (neighbourhood_id=? AND is_listed=?)" in plan, plan
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
