"""The export's files on disk, and the per-person, per-day activity beside them.

Layout under the export directory::

    format                                    the layout's version (FORMAT)
    events/date=D/events-<first>-<last>.parquet
    derived/activity/date=D/events-<first>-<last>.parquet
    tables/<table>.parquet

An event file holds one chunk's events of one Korean date, sorted by event
name (then id) and written in row groups of ``ROW_GROUP`` rows with min/max
statistics on ``name``: a query about one kind of event (deals, reports,
searches) skips the row groups of the others.

Its activity file, under the same name, holds one row per person (user id or a
deleted account's stand-in) with the number of events they made themselves
that day in that chunk and the counts the insights ask about people (feed
views, listing views, likes or chats, appointments, reviews as a buyer). It is
a function of the event file alone: it is written before it, rewritten with it
when an account is anonymised, and ``reconcile`` makes it again from the event
file, or removes it, whatever a crash left behind. So activity, the funnel's
people and exit read one row per person-day instead of every event.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

# 2: typed support/business_id/score, name-sorted row groups, activity files.
FORMAT = 2
ROW_GROUP = 16_384

# Events written for someone rather than by them: not a sign of activity.
PASSIVE = (
    "notification_sent",
    "manner_temperature_changed",
    "appointment_reminder_sent",
    "user_role_changed",
)

# Typed columns taken out of the JSON properties (the whole JSON is kept too).
INT_PROPS = (
    "listing_id",
    "conversation_id",
    "seller_id",
    "buyer_id",
    "price",
    "result_count",
    "length",
    "seq",
    "deal_id",
    "reviewee_id",
    "subject_id",
    "report_id",
    "business_id",
    "score",
)
STR_PROPS = (
    "neighbourhood_id",
    "category",
    "query",
    "kind",
    "role",
    "old",
    "new",
    "rating",
    "reason",
    "action",
    "target",
)
BOOL_PROPS = ("support",)

DICTIONARY_COLUMNS = (
    "name",
    *STR_PROPS,
    "role",
    "status",
    "category",
    "full_name",
    "neighbourhood_id",
)
STATISTICS_COLUMNS = ("id", "occurred_at", "user_id", "name")
EVENT_SCHEMA = pa.schema(
    [
        ("id", pa.int64()),
        ("occurred_at", pa.timestamp("us", tz="UTC")),
        ("user_id", pa.int64()),
        ("anonymous_id", pa.string()),
        ("name", pa.string()),
        *[(p, pa.int64()) for p in INT_PROPS],
        *[(p, pa.string()) for p in STR_PROPS],
        *[(p, pa.bool_()) for p in BOOL_PROPS],
        ("properties", pa.string()),
    ]
)

# Per person and day (and chunk): what the people-questions need.
ACTIVITY_COUNTS = (
    "n",  # events they made themselves (not PASSIVE)
    "feed_viewed",
    "listing_viewed",
    "engaged",  # listing_liked or conversation_started
    "appointments",  # appointment_set
    "buyer_reviews",  # review_written as the buyer
)
ACTIVITY_SCHEMA = pa.schema(
    [
        ("user_id", pa.int64()),
        ("anonymous_id", pa.string()),
        *[(c, pa.int64()) for c in ACTIVITY_COUNTS],
    ]
)


def atomic_write(table: pa.Table, path: Path, *, row_group: int | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    pq.write_table(
        table,
        tmp,
        compression="zstd",
        compression_level=1,
        row_group_size=row_group,
        # dictionaries only where values repeat; min/max only where readers prune
        use_dictionary=[c for c in DICTIONARY_COLUMNS if c in table.column_names],
        write_statistics=[c for c in STATISTICS_COLUMNS if c in table.column_names],
    )
    with tmp.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def activity_path(root: Path, event_file: Path) -> Path:
    return root / "derived" / "activity" / event_file.parent.name / event_file.name


def person_days(events: pa.Table) -> pa.Table:
    """One row per person in these events (of one day) who made at least one
    event themselves: see ``ACTIVITY_COUNTS``."""
    name = events.column("name")

    def flag(mask: Any) -> Any:
        return pc.fill_null(mask, False).cast(pa.int64())

    counts = {
        "n": flag(pc.invert(pc.is_in(name, value_set=pa.array(PASSIVE)))),
        "feed_viewed": flag(pc.equal(name, "feed_viewed")),
        "listing_viewed": flag(pc.equal(name, "listing_viewed")),
        "engaged": flag(
            pc.is_in(name, value_set=pa.array(["listing_liked", "conversation_started"]))
        ),
        "appointments": flag(pc.equal(name, "appointment_set")),
        "buyer_reviews": flag(
            pc.and_(pc.equal(name, "review_written"), pc.equal(events.column("role"), "buyer"))
        ),
    }
    table = pa.table(
        {
            "user_id": events.column("user_id"),
            "anonymous_id": events.column("anonymous_id"),
            **counts,
        }
    )
    grouped = table.group_by(["user_id", "anonymous_id"], use_threads=False).aggregate(
        [(c, "sum") for c in ACTIVITY_COUNTS]
    )
    grouped = grouped.rename_columns([c.removesuffix("_sum") for c in grouped.column_names]).select(
        ACTIVITY_SCHEMA.names
    )
    return grouped.filter(pc.greater(grouped.column("n"), 0)).cast(ACTIVITY_SCHEMA)


def write_day(root: Path, events: pa.Table, path: Path) -> None:
    """One chunk's events of one day, sorted by name, and their activity file
    (first, so that an event file never stands without it)."""
    events = events.sort_by([("name", "ascending"), ("id", "ascending")])
    atomic_write(person_days(events), activity_path(root, path))
    atomic_write(events, path, row_group=ROW_GROUP)


def _files(base: Path) -> Iterator[Path]:
    if base.is_dir():
        yield from base.glob("date=*/events-*.parquet")


def reconcile(root: Path) -> int:
    """Every event file has its activity file and no activity file stands
    alone, whatever a crash left behind; returns how many were repaired."""
    repaired = 0
    events = set(_files(root / "events"))
    for path in events:
        if not activity_path(root, path).exists():
            table = pq.read_table(path, columns=["user_id", "anonymous_id", "name", "role"])
            atomic_write(person_days(table), activity_path(root, path))
            repaired += 1
    for path in _files(root / "derived" / "activity"):
        if root / "events" / path.parent.name / path.name not in events:
            path.unlink()
            repaired += 1
    return repaired


def is_current(root: Path) -> bool:
    marker = root / "format"
    return marker.exists() and marker.read_text().strip() == str(FORMAT)


def ensure_format(root: Path) -> bool:
    """An export written in an older layout is written again from the start:
    remove its event files (the database still holds every event). Returns
    whether it did."""
    if is_current(root):
        return False
    for part in ("events", "derived"):
        shutil.rmtree(root / part, ignore_errors=True)
    (root / "anonymised.json").unlink(missing_ok=True)
    tmp = root / ".format.tmp"
    tmp.write_text(f"{FORMAT}\n")
    os.replace(tmp, root / "format")
    return True


def export_root(settings: Any) -> Path:
    """Where the export lives by default: $DONGNE_DATA_DIR/export."""
    return Path(settings.data_dir) / "export"
