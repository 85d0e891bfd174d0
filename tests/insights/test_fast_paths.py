"""The dashboard's fast paths give exactly what a straightforward query over
every event gives: the per-person, per-day activity files written by the
export (also after a crash, an anonymised account or an older layout), the
people-days (``ud``) and the funnel's people built from them."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import insert

from dongne.db import Database
from dongne.events import Event, anonymise_user_events
from dongne.insights import concentration, funnel
from dongne.insights.engine import Filters, Query, latest_day
from dongne.insights.export import export_events
from dongne.insights.files import FORMAT, PASSIVE, activity_path
from dongne.insights.prices import price_guide
from dongne.insights.source import TABLES
from tests.conftest import DatabaseUnderTest

BASE = datetime(2026, 10, 1, 14, tzinfo=UTC)  # 23:00 in Korea: days split mid-chunk
NAMES = [
    "feed_viewed",
    "listing_viewed",
    "listing_liked",
    "conversation_started",
    "appointment_set",
    "review_written",
    "deal_completed",
    "search_performed",
    *PASSIVE[:2],
]
USERS = 12
# The funnel's people as the insight first asked for them: straight from events.
PEOPLE_FROM_EVENTS = """
WITH u AS (
    SELECT actor,
           bool_or(name = 'feed_viewed') AS feed,
           bool_or(name = 'listing_viewed') AS viewed,
           bool_or(name IN ('listing_liked', 'conversation_started')) AS engaged,
           bool_or(name = 'appointment_set') AS appointment,
           bool_or(name = 'review_written' AND role = 'buyer') AS reviewed
    FROM ev GROUP BY actor
),
bought AS (SELECT DISTINCT buyer_id AS actor FROM evr WHERE name = 'deal_completed')
SELECT count(*) FILTER (WHERE feed),
       count(*) FILTER (WHERE feed AND viewed),
       count(*) FILTER (WHERE feed AND viewed AND engaged),
       count(*) FILTER (WHERE feed AND viewed AND engaged AND appointment),
       count(*) FILTER (WHERE feed AND viewed AND engaged AND appointment AND b.actor IS NOT NULL),
       count(*) FILTER (WHERE feed AND viewed AND engaged AND appointment AND b.actor IS NOT NULL
                        AND reviewed)
FROM u LEFT JOIN bought b USING (actor)
"""
# Deals per person (and week) as concentration first asked for them.
PER_USER_FROM_EVENTS = """
WITH deals AS (
    SELECT e.actor AS seller, e.buyer_id AS buyer, e.date
    FROM evr e JOIN lst l ON l.id = e.listing_id
    WHERE e.name = 'deal_completed'
),
parts AS (
    SELECT seller AS actor, date FROM deals WHERE seller IS NOT NULL
    UNION ALL SELECT buyer, date FROM deals WHERE buyer IS NOT NULL
),
people AS (
    SELECT actor, {week} AS wk FROM ud
    WHERE date BETWEEN DATE '{start}' AND DATE '{end}'
    UNION SELECT actor, {week} FROM parts
),
counts AS (
    SELECT p.actor, p.wk, count(parts.actor) AS deals
    FROM (SELECT DISTINCT actor, wk FROM people) p
    LEFT JOIN parts ON parts.actor = p.actor AND {parts_week} = p.wk
    GROUP BY 1, 2
)
SELECT wk, deals FROM counts ORDER BY ALL
"""
# People-days from every event, with the area through the person's home.
USER_DAYS_FROM_EVENTS = """
SELECT DISTINCT e.actor, e.date FROM events e {area_join}
WHERE e.date <= DATE '{end}' AND e.name NOT IN ({passive})
ORDER BY ALL
"""


def _events(start: int, count: int, seed: int, gone: int = 0) -> list[dict[str, Any]]:
    """Random events of USERS users (but not ``gone``, a deleted account)."""
    rng = random.Random(seed)
    people = [u for u in range(1, USERS + 1) if u != gone]
    rows = []
    for i in range(start, start + count):
        name = rng.choice(NAMES)
        props: dict[str, Any] = {"listing_id": rng.randint(1, 30)}
        if name == "review_written":
            props["role"] = rng.choice(["buyer", "seller"])
        if name == "deal_completed":
            props["buyer_id"] = rng.randint(1, USERS)
        rows.append(
            {
                "name": name,
                "user_id": rng.choice(people),
                "occurred_at": BASE + timedelta(minutes=37 * i),
                "properties": props,
            }
        )
    return rows


def _add(url: str, rows: list[dict[str, Any]]) -> None:
    async def run() -> None:
        db = Database(url)
        async with db.transaction() as s:
            await s.execute(insert(Event), rows)
        await db.dispose()

    asyncio.run(run())


def _anonymise(url: str, user_id: int) -> str:
    async def run() -> str:
        db = Database(url)
        async with db.transaction() as s:
            stand_in = await anonymise_user_events(s, user_id)
        await db.dispose()
        return stand_in

    return asyncio.run(run())


def _export(url: str, root: Path) -> Any:
    return asyncio.run(export_events(url, root, chunk=53))


def _homes(root: Path) -> None:
    """Where each user lives and the listings, as the export would have written them."""
    _, schema = TABLES["listings"]
    pq.write_table(
        pa.table(
            {
                "id": range(1, 31),
                "seller_id": [1 + i % USERS for i in range(30)],
                "neighbourhood_id": ["1168010100" if i % 2 else "1144012300" for i in range(30)],
                "category": ["digital"] * 30,
                "price": [10_000] * 30,
                "is_free": [False] * 30,
                "status": ["selling"] * 30,
                "created_at": [BASE] * 30,
                "deleted_at": [None] * 30,
            },
            schema=schema,
        ),
        root / "tables" / "listings.parquet",
    )
    pq.write_table(
        pa.table(
            {
                "user_id": pa.array(range(1, USERS + 1), pa.int64()),
                "neighbourhood_id": [
                    "1168010100" if u % 3 else "1144012300" for u in range(1, USERS + 1)
                ],
                "is_active": [True] * USERS,
            }
        ),
        root / "tables" / "user_neighbourhoods.parquet",
    )


def _activity_matches_events(root: Path) -> None:
    con = duckdb.connect()
    passive = ", ".join(f"'{p}'" for p in PASSIVE)
    straight = con.execute(
        f"""
        SELECT user_id, anonymous_id, date, count(*),
               count(*) FILTER (WHERE name = 'feed_viewed'),
               count(*) FILTER (WHERE name = 'listing_viewed'),
               count(*) FILTER (WHERE name IN ('listing_liked', 'conversation_started')),
               count(*) FILTER (WHERE name = 'appointment_set'),
               count(*) FILTER (WHERE name = 'review_written' AND role = 'buyer')
        FROM read_parquet('{root}/events/*/*.parquet', hive_partitioning = true)
        WHERE name NOT IN ({passive}) GROUP BY ALL ORDER BY ALL
        """
    ).fetchall()
    fast = con.execute(
        f"""
        SELECT user_id, anonymous_id, date, sum(n), sum(feed_viewed), sum(listing_viewed),
               sum(engaged), sum(appointments), sum(buyer_reviews)
        FROM read_parquet('{root}/derived/activity/*/*.parquet', hive_partitioning = true)
        GROUP BY ALL ORDER BY ALL
        """
    ).fetchall()
    assert straight and fast == straight


@pytest.fixture
def scratch(migrated_database_factory: Callable[[], DatabaseUnderTest]) -> DatabaseUnderTest:
    return migrated_database_factory()


def test_activity_files_stay_exact_through_crashes_and_anonymisation(
    scratch: DatabaseUnderTest, tmp_path: Path
) -> None:
    root = tmp_path / "export"
    _add(scratch.url, _events(0, 400, seed=1))
    report = _export(scratch.url, root)
    assert report.events == 400 and report.rebuilt
    days = {p.parent.name for p in (root / "events").glob("*/*.parquet")}
    assert len(days) > 5 and len(report.files) > len(days)  # chunks share days
    _activity_matches_events(root)

    # A crash can leave an event file without its activity file, or the reverse.
    lost = activity_path(root, report.files[3])
    lost.unlink()
    orphan = lost.with_name("events-000000999990-000000999999.parquet")
    pq.write_table(pq.read_table(activity_path(root, report.files[4])), orphan)
    # A deleted account's events are anonymised, in the files and in the activity.
    stand_in = _anonymise(scratch.url, 5)
    _add(scratch.url, _events(400, 90, seed=2, gone=5))
    again = _export(scratch.url, root)
    assert again.events == 90 and again.repaired == 2 and again.anonymised == 1
    assert lost.exists() and not orphan.exists()
    _activity_matches_events(root)
    fast = duckdb.connect().execute(
        f"SELECT count(*) FILTER (WHERE user_id = 5), count(*) FILTER (WHERE anonymous_id = ?)"
        f" FROM read_parquet('{root}/derived/activity/*/*.parquet')",
        [stand_in],
    )
    gone, kept = fast.fetchone() or (None, None)
    assert gone == 0 and kept and kept > 0


def test_an_export_of_an_older_layout_is_written_again(
    scratch: DatabaseUnderTest, tmp_path: Path
) -> None:
    root = tmp_path / "export"
    _add(scratch.url, _events(0, 120, seed=3))
    _export(scratch.url, root)
    (root / "format").write_text("1\n")
    with pytest.raises(RuntimeError):
        Query(root, Filters(date(2026, 10, 1), date(2026, 10, 5)))
    # the sellers' price guide stays quiet (never an error) until it is written again
    assert price_guide(root, "digital", ["1168010100"], date(2026, 10, 1)) is None
    report = _export(scratch.url, root)
    assert report.rebuilt and report.events == 120
    assert (root / "format").read_text().strip() == str(FORMAT)
    _activity_matches_events(root)


def test_event_files_are_sorted_by_name_with_statistics_to_skip_row_groups(
    scratch: DatabaseUnderTest, tmp_path: Path
) -> None:
    root = tmp_path / "export"
    _add(scratch.url, _events(0, 300, seed=4))
    report = _export(scratch.url, root)
    for path in report.files:
        table = pq.read_table(path)
        names = table.column("name").to_pylist()
        assert names == sorted(names)
        meta = pq.ParquetFile(path).metadata
        stats = meta.row_group(0).column(table.schema.get_field_index("name")).statistics
        assert stats is not None and stats.has_min_max


@pytest.mark.parametrize("area", [None, "11680", "1144012300"])
def test_people_days_and_funnel_people_match_a_query_over_every_event(
    scratch: DatabaseUnderTest, tmp_path: Path, area: str | None
) -> None:
    root = tmp_path / "export"
    _add(scratch.url, _events(0, 500, seed=5))
    _anonymise(scratch.url, 7)
    _export(scratch.url, root)
    _homes(root)
    end = latest_day(root)
    assert end is not None
    for start, stop in (
        (end - timedelta(days=4), end - timedelta(days=1)),
        (date(2026, 1, 1), end),
    ):
        f = Filters(start, stop, area)
        q = Query(root, f)
        try:
            area_join = (
                f"JOIN home h ON h.user_id = e.user_id AND h.nid LIKE '{f.like}'" if area else ""
            )
            straight = q.rows(
                USER_DAYS_FROM_EVENTS.format(
                    area_join=area_join,
                    end=stop.isoformat(),
                    passive=", ".join(f"'{p}'" for p in PASSIVE),
                )
            )
            q.user_days()
            assert straight and q.rows("SELECT actor, date FROM ud ORDER BY ALL") == straight
            q.deals()
            assert q.one_row(funnel.PEOPLE) == q.one_row(PEOPLE_FROM_EVENTS)
            for weekly in (False, True):
                week = "CAST(date_trunc('week', {}date) AS DATE)" if weekly else "DATE '2000-01-01'"
                straight_counts = q.rows(
                    PER_USER_FROM_EVENTS.format(
                        week=week.format(""),
                        parts_week=week.format("parts."),
                        start=start.isoformat(),
                        end=stop.isoformat(),
                    )
                )
                table = concentration._counts(q, f, weekly)
                fast = q.rows(f"SELECT wk, deals FROM {table} ORDER BY ALL")
                assert any(d for _, d in straight_counts) and fast == straight_counts
        finally:
            q.close()
