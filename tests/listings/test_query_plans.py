"""The plans the feed and search rely on, on the engine under test. These fail
when a query degrades to a full scan of listings or of the term index.

On PostgreSQL, sequential and bitmap scans are disabled for the EXPLAIN so the test
asks "can this query be answered from the indexes (and from the index alone)?"
independently of the table's current (tiny) size; bench/feed.py shows the plans
chosen at a million rows.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
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
                await conn.execute(text("SET LOCAL enable_bitmapscan = off"))
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
            # One index range per neighbourhood, each read newest first, merged as they are
            # read (MERGE (UNION ALL)): no sort, so no branch is read beyond what the page
            # needs.
            ranges = plan.count("INDEX ix_listings_feed (neighbourhood_id=? AND is_listed=?")
            assert ranges == len(nbhs), plan
            assert "SCAN listings" not in plan, plan
            assert "MERGE (UNION ALL)" in plan and "TEMP B-TREE" not in plan, plan
        else:
            assert "ix_listings_feed" in plan, plan
            assert "Seq Scan" not in plan, plan


def relations(plan: str) -> set[str]:
    """The tables a PostgreSQL JSON plan reads."""

    def walk(node: dict[str, Any]) -> Iterator[str]:
        if "Relation Name" in node:
            yield node["Relation Name"]
        for child in node.get("Plans", []):
            yield from walk(child)

    return set(walk(json.loads(plan)[0]["Plan"]))


def test_search_reads_postings_of_the_viewers_neighbourhoods_only(
    database: DatabaseUnderTest,
) -> None:
    """Unfiltered, a search is answered from the postings' primary key alone (each posting
    carries its listing's sort_at and is_listed): no listings row per posting. A filter
    reads listings only by primary key, for the listings that matched."""
    nbhs = targets(database)
    for words in ("의자", "원목의자"):
        plan = explain(database, search_statement(nbhs, query_plan(words), FeedFilter(), None, 21))
        if database.dialect == "sqlite":
            assert "SCAN listing_terms" not in plan, plan
            assert "SEARCH listing_terms USING PRIMARY KEY (term=? AND neighbourhood_id=?)" in plan
            assert "listings " not in plan, plan  # neither SCAN nor SEARCH of listings
            # One term: one posting per listing, nothing to group (two terms are grouped).
            assert ("GROUP BY" in plan) == (len(query_plan(words).terms) > 1), plan
        else:
            assert "Seq Scan" not in plan, plan
            assert relations(plan) == {"listing_terms"}, plan
            assert '"Index Only Scan"' in plan and "pk_listing_terms" in plan, plan
            assert ("Aggregate" in plan) == (len(query_plan(words).terms) > 1), plan
    filtered = FeedFilter(category="furniture", hide_sold=True, exclude_sellers=(1, 2))
    plan = explain(database, search_statement(nbhs, query_plan("의자"), filtered, None, 21))
    if database.dialect == "sqlite":
        assert "SCAN listing_terms" not in plan and "SCAN listings" not in plan, plan
        assert "SEARCH listings USING INTEGER PRIMARY KEY (rowid=?)" in plan, plan
    else:
        assert "Seq Scan" not in plan, plan
        assert "pk_listing_terms" in plan and "pk_listings" in plan, plan
