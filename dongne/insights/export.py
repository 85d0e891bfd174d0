"""Export the event log to date-partitioned Parquet, losing nothing.

Layout under the export directory::

    events/date=YYYY-MM-DD/events-<first id>-<last id>.parquet   (the date in Korea)
    derived/activity/date=YYYY-MM-DD/events-<first id>-<last id>.parquet
                                    one row per person of that file (see files.py)
    tables/<table>.parquet          small tables, replaced whole on every run
    anonymised.json                 stand-ins already applied to written files
    format                          the layout's version; an older one is rewritten

The events are read in chunks of consecutive ids. Each chunk becomes one file
per UTC date it touches, named by the chunk's first and last event id (the same
name in every date directory), written under a temporary name and renamed
atomically. There is no separate watermark to get out of step: it is the
largest last id among the files. Only the newest chunk can be incomplete after
a crash (some of its dates renamed, others not), so every run starts by
writing that chunk again, which produces exactly the same files. Running the
export twice, or killing it anywhere and running it again, therefore leaves
every event in exactly one file.

On PostgreSQL an id is drawn before its transaction commits, so a smaller id
may become visible after a larger one. A run exports only up to the largest id
it sees, and first waits until every transaction that was running at that
moment has ended (``pg_current_snapshot``); later transactions can only hold
larger ids. On SQLite writers are serialised, so ids become visible in order.

Privacy: the files carry user ids and codes, never names, e-mails or message
text (events never hold them). When an account is deleted its events are
anonymised in the database; the next run rewrites the files that hold them the
same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from dongne.insights.files import (
    EVENT_SCHEMA,
    atomic_write,
    ensure_format,
    reconcile,
    write_day,
)
from dongne.insights.source import TABLES, Source

CHUNK = 200_000
KST_OFFSET = timedelta(hours=9)
FILE_RE = re.compile(r"^events-(\d{12})-(\d{12})\.parquet$")


@dataclass
class ExportReport:
    events: int = 0
    files: list[Path] = field(default_factory=list)
    rewritten: int = 0
    anonymised: int = 0
    tables: dict[str, int] = field(default_factory=dict)
    last_id: int = 0
    seconds: float = 0.0
    rebuilt: bool = False  # an export of an older layout was written again
    repaired: int = 0  # activity files made again or removed after a crash

    @property
    def per_second(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0


Progress = Callable[[int, int], None]  # (events written so far, events to write)


def event_files(root: Path) -> Iterator[tuple[int, int, Path]]:
    """Every complete event file: (first id, last id, path)."""
    base = root / "events"
    if not base.is_dir():
        return
    for part in sorted(base.iterdir()):
        if not part.name.startswith("date=") or not part.is_dir():
            continue
        for f in part.iterdir():
            m = FILE_RE.match(f.name)
            if m:
                yield int(m.group(1)), int(m.group(2)), f


def newest_chunk(root: Path) -> tuple[int, int] | None:
    best: tuple[int, int] | None = None
    for first, last, _ in event_files(root):
        if best is None or last > best[1]:
            best = (first, last)
    return best


@contextlib.contextmanager
def export_lock(root: Path) -> Iterator[None]:
    """One exporter at a time per directory (the CLI, a page, another worker)."""
    root.mkdir(parents=True, exist_ok=True)
    with (root / ".lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _remove_temporaries(root: Path) -> None:
    for tmp in root.glob("**/.*.tmp"):
        tmp.unlink(missing_ok=True)


# ---- writing -----------------------------------------------------------------------


def seoul_time(values: pa.ChunkedArray) -> pa.ChunkedArray:
    """Korean wall-clock time (UTC+9 all year: Korea keeps no daylight saving)."""
    return pc.add(values.cast(pa.timestamp("us")), pa.scalar(KST_OFFSET, pa.duration("us")))


def _split_by_day(table: pa.Table, days: pa.Array) -> Iterator[tuple[date, pa.Table]]:
    """The rows of each day. Ids grow with time, so a chunk's days are almost
    always runs: zero-copy slices then; a filter when they are not."""
    unique = sorted(pc.unique(days).to_pylist())
    if len(unique) == 1:
        yield unique[0], table
        return
    ordered = (
        len(days) < 2
        or pc.all(pc.greater_equal(days.slice(1), days.slice(0, len(days) - 1))).as_py()
    )
    if ordered:
        starts = [pc.index(days, pa.scalar(d, pa.date32())).as_py() for d in unique]
        ends = [*starts[1:], len(days)]
        for day, start, end in zip(unique, starts, ends, strict=True):
            yield day, table.slice(start, end - start)
        return
    for day in unique:
        yield day, table.filter(pc.equal(days, pa.scalar(day, pa.date32())))


def _write_chunk(root: Path, table: pa.Table) -> list[Path]:
    """One file per (Korean) date in the chunk, all named by the chunk's id range."""
    ids = table.column("id")
    first, last = pc.min(ids).as_py(), pc.max(ids).as_py()
    name = f"events-{first:012d}-{last:012d}.parquet"
    days = seoul_time(table.column("occurred_at")).cast(pa.date32()).combine_chunks()
    written = []
    for day, part in _split_by_day(table, days):
        path = root / "events" / f"date={day.isoformat()}" / name
        write_day(root, part, path)
        written.append(path)
    return written


def _load_applied(root: Path) -> set[str]:
    path = root / "anonymised.json"
    if not path.exists():
        return set()
    return set(json.loads(path.read_text()))


def _save_applied(root: Path, applied: set[str]) -> None:
    tmp = root / ".anonymised.json.tmp"
    tmp.write_text(json.dumps(sorted(applied)))
    os.replace(tmp, root / "anonymised.json")


async def _apply_anonymisation(source: Source, root: Path, up_to: int) -> tuple[int, int]:
    """Rewrite written files that still name a since-deleted account."""
    applied = _load_applied(root)
    pending = {k: v for k, v in (await source.anonymised(up_to)).items() if k not in applied}
    if not pending:
        return 0, 0
    rewritten = 0
    for first, last, path in list(event_files(root)):
        hits = [s for s, (lo, hi) in pending.items() if lo <= last and hi >= first]
        if not hits:
            continue
        mapping = await source.anonymous_ids(first, last, hits)
        table = pq.read_table(path, schema=EVENT_SCHEMA)
        ids = table.column("id").to_pylist()
        if not any(i in mapping for i in ids):
            continue
        users = table.column("user_id").to_pylist()
        anon = table.column("anonymous_id").to_pylist()
        for n, i in enumerate(ids):
            if i in mapping:
                users[n], anon[n] = None, mapping[i]
        table = table.set_column(
            table.schema.get_field_index("user_id"), "user_id", pa.array(users, pa.int64())
        )
        table = table.set_column(
            table.schema.get_field_index("anonymous_id"),
            "anonymous_id",
            pa.array(anon, pa.string()),
        )
        write_day(root, table, path)
        rewritten += 1
    _save_applied(root, applied | set(pending))
    return rewritten, len(pending)


async def export_events(
    url: str,
    root: Path,
    *,
    since: date | None = None,
    chunk: int = CHUNK,
    progress: Progress | None = None,
    tables: bool = True,
) -> ExportReport:
    """Write every event not yet exported (and refresh the small tables)."""
    report = ExportReport()
    started = time.perf_counter()
    source = Source(url)
    with export_lock(root):
        _remove_temporaries(root)
        report.rebuilt = ensure_format(root)
        report.repaired = reconcile(root)
        top = await source.safe_max_id()
        since_at = (
            datetime(since.year, since.month, since.day, tzinfo=UTC) - KST_OFFSET if since else None
        )  # midnight in Korea, like the partition dates
        newest = newest_chunk(root)
        lo = 0
        if newest is not None:
            # A crash may have renamed only some of the newest chunk's dates: if its
            # files hold fewer events than the database has in its id range, write
            # it again (the same files, the same names).
            first, last = newest
            written = sum(
                pq.ParquetFile(p).metadata.num_rows
                for a, b, p in event_files(root)
                if (a, b) == newest
            )
            expected = await source.scalar(
                f"SELECT count(*) FROM events WHERE id >= {int(first)} AND id <= {int(last)}"  # noqa: S608 - ints, ISO dates, checked codes
            )
            if written != int(expected or 0):
                again = await source.events(first - 1, last, last - first + 1, None)
                if again.num_rows:
                    report.files.extend(_write_chunk(root, again))
            lo = last
        todo = await source.scalar(
            f"SELECT count(*) FROM events WHERE id > {int(lo)} AND id <= {int(top)}"  # noqa: S608 - ints, ISO dates, checked codes
        )
        total = int(todo or 0)
        if progress:
            progress(0, total)
        # Reading the next chunk overlaps writing this one; chunks are still
        # written one after another, in id order.
        ahead = asyncio.ensure_future(source.events(lo, top, chunk, since_at)) if lo < top else None
        while ahead is not None:
            table = await ahead
            ahead = None
            if table.num_rows == 0:
                break
            lo = int(pc.max(table.column("id")).as_py())
            if lo < top:
                ahead = asyncio.ensure_future(source.events(lo, top, chunk, since_at))
            try:
                report.files.extend(await asyncio.to_thread(_write_chunk, root, table))
            except BaseException:
                if ahead is not None:
                    ahead.cancel()
                raise
            report.events += table.num_rows
            if progress:
                progress(report.events, total)
        report.last_id = max(lo, newest[1] if newest else 0)
        report.rewritten, report.anonymised = await _apply_anonymisation(
            source, root, report.last_id
        )
        if tables:
            for name in TABLES:
                table = await source.table(name)
                atomic_write(table, root / "tables" / f"{name}.parquet")
                report.tables[name] = table.num_rows
            atomic_write(EVENT_SCHEMA.empty_table(), root / "tables" / "_no_events.parquet")
    report.seconds = time.perf_counter() - started
    return report


def main() -> None:
    """``python -m dongne.insights.export ROOT``, the database's address in
    ``DONGNE_EXPORT_DATABASE_URL``: what the server runs in a child process
    (dongne/insights/refresh.py)."""
    root = Path(sys.argv[1])
    asyncio.run(export_events(os.environ["DONGNE_EXPORT_DATABASE_URL"], root))


if __name__ == "__main__":
    main()
