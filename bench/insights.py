"""The event export and the insights at scale.

    python bench/insights.py [--events 10000000] [--users 100000] [--days 90] [--keep DIR]

A fast generator (not the simulation: the same event names, properties and
proportions as ``dongne demo``, with users, their neighbourhoods and listings
behind them) writes N events straight into the ``events`` table of a migrated
SQLite database with every neighbourhood loaded. Then:

* export: the real ``dongne events export`` code (``export_events``) reading that
  table through the driver and writing date-partitioned Parquet; its
  throughput is events read from the database and written as Parquet per second;
  then the same export as a page runs it, in a child process (``export_in_child``),
  with its ratio to the in-process run;
* each insight over the whole period (every event), and the whole dashboard
  (the seven in a row, as /insights computes them), in DuckDB;
* the dashboard again with its default range (the last 28 days).

Targets on the development machine (2 cores): export >= 200,000 events/s, the
dashboard <= 5 s, no insight >= 2 s. Timings are printed, never asserted; each
comes with the CPU time it took (this process and DuckDB's threads) and the
load average, because the machine is shared and wall time alone says little.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import shutil
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

try:
    import dongne  # noqa: F401
except ImportError:  # run from a checkout without installing it
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import BenchDatabase, create_database, drop_database, prepare_schema

from dongne.demo import catalogue
from dongne.demo.effects import TYPICAL_PRICES
from dongne.insights.engine import Filters, latest_day, run, run_many
from dongne.insights.export import export_events
from dongne.insights.refresh import export_in_child
from dongne.insights.registry import INSIGHTS

# name, share of events (roughly what the simulation produces)
MIX = [
    ("listing_viewed", 0.30),
    ("feed_viewed", 0.16),
    ("message_sent", 0.20),
    ("search_performed", 0.07),
    ("listing_liked", 0.04),
    ("conversation_started", 0.05),
    ("listing_created", 0.04),
    ("notification_sent", 0.05),
    ("appointment_set", 0.02),
    ("listing_status_changed", 0.02),
    ("deal_completed", 0.018),
    ("review_written", 0.02),
    ("manner_temperature_changed", 0.005),
    ("report_filed", 0.0015),
    ("moderation_action", 0.0005),
]
TS = "%Y-%m-%d %H:%M:%S.%f"


def fill_small_tables(conn: sqlite3.Connection, users: int, listings: int, end: datetime) -> None:
    rng = random.Random(2)
    places = catalogue.NEIGHBOURHOODS + [
        r[0] for r in conn.execute("SELECT id FROM neighbourhoods WHERE id LIKE '11%' LIMIT 400")
    ]
    created = (end - timedelta(days=120)).strftime(TS)
    conn.executemany(
        "INSERT INTO users (id, role, locale, created_at) VALUES (?, 'user', 'ko', ?)",
        ((i, created) for i in range(1, users + 1)),
    )
    conn.executemany(
        "INSERT INTO user_neighbourhoods (user_id, neighbourhood_id, is_active, range_level,"
        " created_at) VALUES (?, ?, 1, 2, ?)",
        ((i, places[i % len(places)], created) for i in range(1, users + 1)),
    )
    cats = sorted(TYPICAL_PRICES)
    rows = []
    for i in range(1, listings + 1):
        cat = cats[i % len(cats)]
        seller = rng.randint(1, users)
        rows.append(
            (
                i,
                seller,
                places[seller % len(places)],
                catalogue.TITLES[cat][i % 4],
                "",
                cat,
                TYPICAL_PRICES[cat],
                0,
                0,
                "selling",
                0,
                1,
                created,
                created,
                created,
                0,
                0,
                0,
            )
        )
    conn.executemany(
        "INSERT INTO listings (id, seller_id, neighbourhood_id, title, description, category,"
        " price, is_free, accepts_offers, status, is_hidden, is_listed, created_at, updated_at,"
        " sort_at, like_count, chat_count, view_count)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    conn.commit()


def generate(
    conn: sqlite3.Connection, events: int, users: int, listings: int, days: int, end: datetime
) -> None:
    """Events in time order, day by day, with the application's property shapes."""
    rng = random.Random(1)
    names = [n for n, _ in MIX]
    weights = [w for _, w in MIX]
    heavy = max(1, users // 10)
    cats = sorted(TYPICAL_PRICES)
    places = catalogue.NEIGHBOURHOODS
    queries = [*catalogue.SEARCHES, "캠핑 의자", "아기 카시트", "전동 킥보드"]
    per_day = events // days
    start = end - timedelta(days=days)
    conversation = 0
    sql = "INSERT INTO events (occurred_at, user_id, name, properties) VALUES (?, ?, ?, ?)"
    for day in range(days):
        n = per_day if day < days - 1 else events - per_day * (days - 1)
        seconds = sorted(rng.random() * 86400 for _ in range(n))
        base = start + timedelta(days=day)
        chosen = rng.choices(names, weights=weights, k=n)
        rows = []
        for sec, name in zip(seconds, chosen, strict=True):
            # a tenth of the users make half of the events
            uid = rng.randint(1, heavy) if rng.random() < 0.5 else rng.randint(1, users)
            lid = rng.randint(1, listings)
            cat = cats[lid % len(cats)]
            if name in ("listing_viewed", "listing_liked"):
                props = f'{{"listing_id": {lid}, "category": "{cat}"}}'
            elif name == "feed_viewed":
                props = f'{{"neighbourhood_id": "{places[uid % len(places)]}", "level": 2, "first_page": true, "count": 20, "category": null}}'
            elif name == "search_performed":
                q = rng.choice(queries)
                found = 0 if q in queries[-3:] else rng.randint(0, 20)
                props = f'{{"query": "{q}", "neighbourhood_id": "{places[uid % len(places)]}", "level": 2, "category": null, "result_count": {found}, "more": false}}'
            elif name == "conversation_started":
                conversation += 1
                props = f'{{"conversation_id": {conversation}, "listing_id": {lid}, "seller_id": {rng.randint(1, users)}}}'
            elif name == "message_sent":
                role = "buyer" if rng.random() < 0.55 else "seller"
                cid = max(1, conversation - rng.randint(0, 50))
                props = f'{{"conversation_id": {cid}, "listing_id": {lid}, "seq": {rng.randint(1, 20)}, "kind": "text", "length": {rng.randint(2, 80)}, "role": "{role}"}}'
            elif name == "listing_created":
                props = f'{{"listing_id": {lid}, "neighbourhood_id": "{places[uid % len(places)]}", "category": "{cat}", "price": {TYPICAL_PRICES[cat]}, "is_free": false, "photos": 1}}'
            elif name == "appointment_set":
                props = f'{{"conversation_id": {max(1, conversation - rng.randint(0, 50))}, "listing_id": {lid}, "role": "seller"}}'
            elif name == "listing_status_changed":
                props = f'{{"listing_id": {lid}, "old": "reserved", "new": "sold"}}'
            elif name == "deal_completed":
                price = int(TYPICAL_PRICES[cat] * (0.6 + 0.8 * rng.random()))
                props = f'{{"deal_id": {lid}, "listing_id": {lid}, "buyer_id": {rng.randint(1, users)}, "conversation_id": {max(1, conversation - rng.randint(0, 50))}, "price": {price}, "is_free": false}}'
            elif name == "review_written":
                rating = "bad" if rng.random() < 0.1 else "good"
                props = f'{{"review_id": {lid}, "deal_id": {lid}, "listing_id": {lid}, "reviewee_id": {rng.randint(1, users)}, "role": "buyer", "rating": "{rating}", "items": ["kind"], "has_message": false}}'
            elif name == "report_filed":
                props = f'{{"report_id": {lid}, "target": "listing", "target_id": {lid}, "subject_id": {rng.randint(1, users)}, "reason": "fraud"}}'
            elif name == "moderation_action":
                props = f'{{"action_id": {lid}, "action": "dismiss", "report_id": {lid}, "target": "listing", "target_id": {lid}}}'
            else:
                props = f'{{"kind": "chat", "notification_id": {lid}}}'
            rows.append(((base + timedelta(seconds=sec)).strftime(TS), uid, name, props))
        conn.executemany(sql, rows)
        conn.commit()
        print(f"\r  generated {min(events, per_day * (day + 1)):,} events", end="", flush=True)
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--listings", type=int, default=400_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--keep", type=Path, help="keep the database and export here")
    parser.add_argument(
        "--reuse", action="store_true", help="with --keep: use the events generated before"
    )
    args = parser.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="dongne-bench-insights-"))
    work.mkdir(parents=True, exist_ok=True)
    path = work / "insights.sqlite3"
    if args.reuse and path.exists():
        db = BenchDatabase("sqlite", f"sqlite+aiosqlite:///{path}", path=path)
    else:
        db = create_database("sqlite", work, prefix="insights")
    assert db.path is not None
    try:
        if not (args.reuse and path.exists()):
            print(f"migrating and loading neighbourhoods into {db.path} …")
            prepare_schema(db, work)
            end = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
            conn = sqlite3.connect(db.path)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=OFF")
            started = time.perf_counter()
            fill_small_tables(conn, args.users, args.listings, end)
            generate(conn, args.events, args.users, args.listings, args.days, end)
            conn.close()
            print(f"  generator: {time.perf_counter() - started:.1f} s (not part of any figure)")

        root = work / "export"
        shutil.rmtree(root, ignore_errors=True)
        print(f"\nload average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        cpu = time.process_time()
        report = asyncio.run(export_events(db.url, root))
        cpu = time.process_time() - cpu
        size = sum(p.stat().st_size for p in (root / "events").glob("**/*.parquet"))
        print(
            f"export: {report.events:,} events in {report.seconds:.2f} s = "
            f"{report.per_second:,.0f} events/s  (target >= 200,000)  "
            f"{len(report.files):,} files, {size / 1e6:,.0f} MB of Parquet; "
            f"CPU {cpu:.1f} s (this process and its threads)"
        )
        cpu = time.process_time()
        again = asyncio.run(export_events(db.url, root))
        print(
            f"export again (nothing new): {again.seconds:.2f} s, {again.events} events; "
            f"CPU {time.process_time() - cpu:.1f} s"
        )
        # What a page does since issue 13: the same export in a child process
        # (dongne/insights/refresh.py), never ADBC's SQLite inside the server.
        child_root = work / "export-child"
        shutil.rmtree(child_root, ignore_errors=True)

        def children_cpu() -> float:
            usage = resource.getrusage(resource.RUSAGE_CHILDREN)
            return usage.ru_utime + usage.ru_stime

        t, c = time.perf_counter(), children_cpu()
        asyncio.run(export_in_child(db.url, child_root))
        child, child_cpu = time.perf_counter() - t, children_cpu() - c
        t, c = time.perf_counter(), children_cpu()
        asyncio.run(export_in_child(db.url, child_root))
        child_again, again_cpu = time.perf_counter() - t, children_cpu() - c
        shutil.rmtree(child_root, ignore_errors=True)
        print(
            f"export in a child process (as a page runs it): {child:.2f} s = "
            f"{report.events / child:,.0f} events/s, {child / report.seconds:.2f}x in-process; "
            f"CPU {child_cpu:.1f} s; again (nothing new): {child_again:.2f} s, "
            f"{child_again / again.seconds:.2f}x, CPU {again_cpu:.1f} s"
        )

        last = latest_day(root)
        assert last is not None
        whole = Filters(last - timedelta(days=args.days + 1), last)
        recent = Filters(last - timedelta(days=27), last)
        for label, filters in (("whole period", whole), ("default range (28 days)", recent)):
            print(f"\ninsights over the {label}, DuckDB over Parquet (target: each < 2 s)")
            total = 0.0
            for key, module in INSIGHTS.items():
                t, cpu = time.perf_counter(), time.process_time()
                run(module.compute, root, filters)
                took = time.perf_counter() - t
                total += took
                flag = "" if took < 2 else "  MISS"
                print(f"  {key:<14} {took:6.2f} s  CPU {time.process_time() - cpu:6.2f} s{flag}")
            t, cpu = time.perf_counter(), time.process_time()
            run_many([m.compute for m in INSIGHTS.values()], root, filters)
            took = time.perf_counter() - t
            flag = "" if took <= 5 else "  MISS"
            print(
                f"  {'dashboard':<14} {took:6.2f} s  CPU {time.process_time() - cpu:6.2f} s"
                f"  (target <= 5 s; one connection, as /insights){flag}"
            )
            print(f"  {'sum of seven':<14} {total:6.2f} s")
        one_area = Filters(recent.start, recent.end, "11680")
        t = time.perf_counter()
        run_many([m.compute for m in INSIGHTS.values()], root, one_area)
        print(f"\ndashboard for one district (강남구), 28 days: {time.perf_counter() - t:.2f} s")
        load = os.getloadavg()
        print(
            f"\nmachine date {date.today()}; load average {load[0]:.1f} on {os.cpu_count()} cores"
        )
    finally:
        if args.keep is None:
            drop_database(db)
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
