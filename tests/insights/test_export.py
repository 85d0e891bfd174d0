"""`dongne events export`: every event exactly once in date-partitioned
Parquet, whatever happens to the exporter; deleted accounts anonymised."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import insert

from dongne.db import Database
from dongne.events import Event, anonymise_user_events
from tests.conftest import ROOT, DatabaseUnderTest

BASE = datetime(2026, 10, 1, tzinfo=UTC)
EXPORT = [sys.executable, "-m", "dongne.cli", "events", "export"]


@pytest.fixture
def scratch(migrated_database_factory: Callable[[], DatabaseUnderTest]) -> DatabaseUnderTest:
    return migrated_database_factory()


def add_events(url: str, start: int, count: int, step_minutes: int = 3) -> None:
    async def run() -> None:
        db = Database(url)
        async with db.transaction() as s:
            rows = [
                {
                    "name": "message_sent" if i % 3 else "search_performed",
                    "user_id": 1 + i % 40,
                    "occurred_at": BASE + timedelta(minutes=step_minutes * i),
                    "properties": {"conversation_id": i, "length": 12, "kind": "text"}
                    if i % 3
                    else {"query": "캠핑의자", "result_count": 0, "neighbourhood_id": "1168010100"},
                }
                for i in range(start, start + count)
            ]
            await s.execute(insert(Event), rows)
        await db.dispose()

    asyncio.run(run())


def export(db: DatabaseUnderTest, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dongne.cli", "events", "export", "--to", str(out), *extra],
        env={**os.environ, "DONGNE_DATABASE_URL": db.url, "DONGNE_ENV": "test"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )


def exported(out: Path, what: str = "count(*), count(DISTINCT id)") -> tuple[object, ...]:
    row = (
        duckdb.connect()
        .execute(
            f"SELECT {what} FROM read_parquet('{out}/events/*/*.parquet', hive_partitioning = true)"
        )
        .fetchone()
    )
    assert row is not None
    return row


def test_export_twice_and_incrementally_keeps_each_event_once(
    scratch: DatabaseUnderTest, tmp_path: Path
) -> None:
    add_events(scratch.url, 0, 3000)
    first = export(scratch, tmp_path)
    assert "exported 3,000 events" in first.stdout
    assert "events/date=2026-10-01/events-" in first.stdout
    again = export(scratch, tmp_path)
    assert "exported 0 events" in again.stdout
    add_events(scratch.url, 3000, 500)
    more = export(scratch, tmp_path)
    assert "exported 500 events" in more.stdout
    assert exported(tmp_path) == (3500, 3500)
    # partitions hold the events of their own (UTC) day, and typed columns are filled
    assert exported(
        tmp_path,
        "count(*) FILTER (WHERE CAST(timezone('Asia/Seoul', occurred_at) AS DATE) <> date)",
    ) == (0,)
    assert exported(
        tmp_path, "count(*) FILTER (WHERE query = '캠핑의자' AND result_count = 0)"
    ) == (3500 // 3 + 1,)
    days = sorted(p.name for p in (tmp_path / "events").iterdir())
    assert days[0] == "date=2026-10-01" and len(days) == 8


def test_since_skips_earlier_days(scratch: DatabaseUnderTest, tmp_path: Path) -> None:
    add_events(scratch.url, 0, 1000, step_minutes=30)
    export(scratch, tmp_path, "--since", "2026-10-15")
    count, _ = exported(tmp_path)
    assert count == 1000 - 14 * 48 + 18  # from midnight in Korea (15:00 UTC the day before)
    assert exported(tmp_path, "min(date)") == (datetime(2026, 10, 15).date(),)


def test_a_killed_export_then_a_rerun_leaves_every_event_exactly_once(
    scratch: DatabaseUnderTest, tmp_path: Path
) -> None:
    total = 60_000
    add_events(scratch.url, 0, total, step_minutes=1)
    proc = subprocess.Popen(
        [*EXPORT, "--to", str(tmp_path), "--chunk", "700"],
        env={**os.environ, "DONGNE_DATABASE_URL": scratch.url, "DONGNE_ENV": "test"},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        files = list((tmp_path / "events").glob("*/*.parquet")) if tmp_path.exists() else []
        if len(files) >= 15:
            break
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    written = list((tmp_path / "events").glob("*/*.parquet"))
    assert len(written) >= 15, "the export finished before it could be killed"
    partial, _ = exported(tmp_path)
    assert 0 < int(partial) < total  # it really stopped halfway
    export(scratch, tmp_path)
    assert exported(tmp_path) == (total, total)
    assert exported(tmp_path, "min(id), max(id)") == (1, total)
    assert not list(tmp_path.glob("**/*.tmp"))


def test_deleted_account_is_anonymised_in_later_exports(
    scratch: DatabaseUnderTest, tmp_path: Path
) -> None:
    add_events(scratch.url, 0, 400)
    export(scratch, tmp_path)
    assert exported(tmp_path, "count(*) FILTER (WHERE user_id = 7)") == (10,)

    async def delete_user() -> str:
        db = Database(scratch.url)
        async with db.transaction() as s:
            stand_in = await anonymise_user_events(s, 7)
        await db.dispose()
        return stand_in

    stand_in = asyncio.run(delete_user())
    add_events(scratch.url, 400, 40)
    out = export(scratch, tmp_path)
    assert "exported 40 events" in out.stdout
    assert exported(tmp_path, "count(*) FILTER (WHERE user_id = 7 AND id <= 400)") == (0,)
    assert exported(tmp_path, f"count(*) FILTER (WHERE anonymous_id = '{stand_in}')") == (10,)
    assert exported(tmp_path) == (440, 440)
    # the export never carries who someone is: ids and codes only
    names = (
        duckdb.connect()
        .execute(f"DESCRIBE SELECT * FROM read_parquet('{tmp_path}/events/*/*.parquet')")
        .fetchall()
    )
    assert not {"email", "nickname", "body", "session"} & {r[0] for r in names}
