"""The pieces every insight shares: a DuckDB connection over the export,
the filters (date range, district or neighbourhood), and the result shape.

Each insight is a module with its SQL and a ``compute(q, filters)``; the SQL
runs in DuckDB over the Parquet files, and only the aggregated rows come back
to Python. The views defined here are the vocabulary the SQL uses:

``events``   every exported event, with ``date`` (the day in Korea) and
             ``actor`` (the user id, or a stand-in for a deleted account)
``ev``       the events inside the date range whose actor lives in the area
``evr``      every event inside the date range, wherever it happened (insights
             about listings filter by the listing's place through ``lst``)
``home``     each user's active neighbourhood (users who deleted their
             account have none)
``lst``      listings of the area, with ``district`` (시/군/구 name)
``daily``    one row per person, day and export chunk with their counts of
             events (see ``files.ACTIVITY_COUNTS``), with ``actor``
``dr``, ``dh`` ``daily`` of the area inside the range, and up to its end
``ud``       (a temporary table, ``user_days()``) one row per person and day
             active, up to the end of the range, in the area
``uw``, ``first_weeks`` (temporary tables, ``user_weeks()``) weeks people
             were active in, and each one's first
``deals``    (a temporary table, ``deals()``) the completed deals in the range
``users``, ``listings``, ``neighbourhoods``, ``user_neighbourhoods``
             the small tables, as exported with the events
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb

from dongne.insights.files import ACTIVITY_SCHEMA, PASSIVE, is_current
from dongne.kit.errors import InvalidInput
from dongne.kit.i18n import N_

AREA_RE = re.compile(r"^\d{2,10}$")
MAX_RANGE_DAYS = 731
ACTOR = "coalesce(user_id, -CAST(hash(anonymous_id) % 1000000000000 AS BIGINT))"
_DUCKDB_TYPES = {"int64": "BIGINT", "string": "VARCHAR"}


@dataclass(frozen=True)
class Filters:
    start: date
    end: date
    area: str | None = None  # a 시/군/구 code (5 digits) or a neighbourhood id (10)

    @property
    def like(self) -> str:
        return f"{self.area}%" if self.area else "%"


def parse_filters(
    start: str | None, end: str | None, area: str | None, latest: date | None
) -> Filters:
    """Validate what the operator asked for; default: the 28 days up to the
    newest exported day."""
    try:
        end_d = date.fromisoformat(end) if end else (latest or date.today())
        start_d = date.fromisoformat(start) if start else end_d - timedelta(days=27)
    except ValueError:
        raise InvalidInput(N_("날짜는 YYYY-MM-DD 형식으로 입력해 주세요."), field="start") from None
    if start_d > end_d:
        raise InvalidInput(N_("시작일이 종료일보다 늦어요."), field="start")
    if (end_d - start_d).days > MAX_RANGE_DAYS:
        raise InvalidInput(N_("기간은 2년 이내로 골라 주세요."), field="start")
    area = (area or "").strip() or None
    if area is not None and not AREA_RE.match(area):
        raise InvalidInput(N_("지역 코드가 올바르지 않아요."), field="area")
    return Filters(start_d, end_d, area)


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[tuple[Any, ...]]


@dataclass
class Series:
    name: str
    values: list[float | None]
    low: list[float | None] | None = None  # confidence interval, if any
    high: list[float | None] | None = None


@dataclass
class Chart:
    kind: str  # "bar" | "line" | "lorenz"
    labels: list[str]
    series: list[Series]
    y_label: str = ""
    percent: bool = False
    notes: list[str] = field(default_factory=list)  # e.g. "n=…" under each bar


@dataclass
class Result:
    key: str
    title: str
    chart: Chart
    tables: list[Table]
    figures: list[tuple[str, str]] = field(default_factory=list)  # (label, value)
    alerts: list[str] = field(default_factory=list)


class Query:
    """One DuckDB connection over one export directory."""

    def __init__(self, root: Path, filters: Filters) -> None:
        self.root = root
        self.filters = filters
        self.con = connect()
        self._made: set[str] = set()
        self._define_views()

    def close(self) -> None:
        self.con.close()

    def rows(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> list[Any]:
        return self.con.execute(sql, params or []).fetchall()

    def one(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> Any:
        row = self.con.execute(sql, params or []).fetchone()
        return row[0] if row else None

    def temp(self, name: str, sql: str) -> str:
        """A temporary table made once per connection, for every insight of
        the dashboard that asks for it."""
        if name not in self._made:
            self.con.execute(f"CREATE TEMP TABLE {name} AS {sql}")
            self._made.add(name)
        return name

    def user_days(self) -> str:
        """``ud``: one row per person and day they were active (history up to
        the end of the range, in the area), from the activity files: most
        activity questions are about people-days, not about every event."""
        return self.temp("ud", "SELECT DISTINCT actor, date FROM dh")

    def user_weeks(self) -> str:
        """``uw`` (person, Monday of a week they were active) and
        ``first_weeks`` (person, ``fw``: their first such week), from ``ud``."""
        self.user_days()
        self.temp(
            "uw", "SELECT DISTINCT actor, CAST(date_trunc('week', date) AS DATE) AS wk FROM ud"
        )
        return self.temp("first_weeks", "SELECT actor, min(wk) AS fw FROM uw GROUP BY 1")

    def deals(self) -> str:
        """``deals``: the completed deals in the range, wherever they happened
        (the insights filter by the listing's place through ``lst``)."""
        return self.temp(
            "deals",
            "SELECT actor, buyer_id, date, listing_id, price FROM evr"
            " WHERE name = 'deal_completed'",
        )

    def one_row(self, sql: str, params: Sequence[Any] | None = None) -> tuple[Any, ...]:
        row = self.con.execute(sql, params or []).fetchone()
        return tuple(row) if row else ()

    def _define_views(self) -> None:
        root, f = self.root, self.filters
        files = list((root / "events").glob("date=*/*.parquet"))
        if files and not is_current(root):
            raise RuntimeError(f"{root} holds an export of an older layout: export again")
        if files:
            source = f"read_parquet('{root}/events/*/*.parquet', hive_partitioning = true)"
            daily = f"read_parquet('{root}/derived/activity/*/*.parquet', hive_partitioning = true)"
            date_col = "date"
        else:
            source = f"read_parquet('{root}/tables/_no_events.parquet')"
            daily = "(SELECT {} WHERE false)".format(
                ", ".join(
                    f"CAST(NULL AS {_DUCKDB_TYPES[str(c.type)]}) AS {c.name}"
                    for c in ACTIVITY_SCHEMA
                )
            )
            date_col = "CAST(NULL AS DATE) AS date"
        self.con.execute(
            f"""
            CREATE VIEW events AS
            SELECT * EXCLUDE (date), {date_col}, {ACTOR} AS actor
            FROM (SELECT * FROM {source}) AS raw
            """  # noqa: S608 - ints, ISO dates, checked codes
        )
        self.con.execute(
            f"""
            CREATE VIEW daily AS
            SELECT * EXCLUDE (date), {date_col}, {ACTOR} AS actor
            FROM (SELECT * FROM {daily}) AS raw
            """  # noqa: S608 - ints, ISO dates, checked codes
        )
        for name in ("users", "listings", "neighbourhoods", "user_neighbourhoods"):
            self.con.execute(
                f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{root}/tables/{name}.parquet')"  # noqa: S608 - ints, ISO dates, checked codes
            )
        start, end, like = f.start.isoformat(), f.end.isoformat(), f.like
        passive = ", ".join(f"'{p}'" for p in PASSIVE)
        self.con.execute(
            """
            CREATE VIEW home AS
            SELECT user_id, any_value(neighbourhood_id) AS nid
            FROM user_neighbourhoods WHERE is_active GROUP BY user_id
            """
        )
        self.con.execute(
            """
            CREATE VIEW districts AS
            SELECT left(id, 5) AS code,
                   any_value(regexp_replace(full_name, '\\s+\\S+$', '')) AS name
            FROM neighbourhoods GROUP BY 1
            """
        )
        area_join = (
            f"JOIN home h ON h.user_id = e.user_id AND h.nid LIKE '{like}'" if f.area else ""
        )
        self.con.execute(
            f"""
            CREATE VIEW ev AS
            SELECT e.* FROM events e {area_join}
            WHERE e.date BETWEEN DATE '{start}' AND DATE '{end}'
              AND e.name NOT IN ({passive})
            """  # noqa: S608 - ints, ISO dates, checked codes
        )
        for view, days in (
            ("dr", f"e.date BETWEEN DATE '{start}' AND DATE '{end}'"),
            ("dh", f"e.date <= DATE '{end}'"),
        ):
            self.con.execute(
                f"CREATE VIEW {view} AS SELECT e.* FROM daily e {area_join} WHERE {days}"  # noqa: S608 - ints, ISO dates, checked codes
            )
        self.con.execute(
            f"""
            CREATE VIEW evr AS
            SELECT * FROM events WHERE date BETWEEN DATE '{start}' AND DATE '{end}'
            """  # noqa: S608 - ints, ISO dates, checked codes
        )
        self.con.execute(
            f"""
            CREATE VIEW lst AS
            SELECT l.*, d.name AS district
            FROM listings l LEFT JOIN districts d ON d.code = left(l.neighbourhood_id, 5)
            WHERE l.neighbourhood_id LIKE '{like}'
            """  # noqa: S608 - ints, ISO dates, checked codes
        )


# ---- small statistics helpers -----------------------------------------------------


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of a proportion (95 % by default)."""
    if n == 0:
        return 0.0, 0.0
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.1f}%"


Compute = Callable[[Query, Filters], Result]


def connect() -> duckdb.DuckDBPyConnection:
    """DuckDB as the insights use it: both cores, results in any order unless
    asked (every query says ORDER BY where order matters), Parquet footers
    read once per connection."""
    con = duckdb.connect(config={"threads": 2, "preserve_insertion_order": False})
    con.execute("SET parquet_metadata_cache = true")
    return con


def latest_day(root: Path) -> date | None:
    days = [p.name[5:] for p in (root / "events").glob("date=*")] if root.exists() else []
    return date.fromisoformat(max(days)) if days else None


def run(compute: Compute, root: Path, filters: Filters) -> Result:
    return run_many([compute], root, filters)[0]


def run_many(computes: Sequence[Compute], root: Path, filters: Filters) -> list[Result]:
    """Several insights on one connection (the dashboard): what they share,
    such as ``ud``, is made once."""
    q = Query(root, filters)
    try:
        return [compute(q, filters) for compute in computes]
    finally:
        q.close()


def district_options(root: Path) -> list[tuple[str, str]]:
    """Districts (시/군/구) that have listings or residents, for the filter."""
    if not (root / "tables" / "listings.parquet").exists():
        return []
    con = connect()
    try:
        return [
            (str(code), str(name))
            for code, name in con.execute(
                f"""
                WITH used AS (
                    SELECT neighbourhood_id AS nid FROM read_parquet('{root}/tables/listings.parquet')
                    UNION SELECT neighbourhood_id FROM read_parquet(
                        '{root}/tables/user_neighbourhoods.parquet')
                )
                SELECT left(n.id, 5) AS code,
                       any_value(regexp_replace(n.full_name, '\\s+\\S+$', '')) AS name
                FROM read_parquet('{root}/tables/neighbourhoods.parquet') n
                WHERE left(n.id, 5) IN (SELECT left(nid, 5) FROM used)
                GROUP BY 1 ORDER BY 2
                """  # noqa: S608 - ints, ISO dates, checked codes
            ).fetchall()
        ]
    finally:
        con.close()


@dataclass
class Proportions:
    """Share of successes per group, with 95 % Wilson intervals: table rows
    (code, label, n, successes, p, low, high) and the chart's series parts."""

    rows: list[tuple[Any, ...]]
    values: list[float | None]
    low: list[float | None]
    high: list[float | None]
    notes: list[str]


def proportions(
    groups: Sequence[tuple[str, str]], counts: dict[str, tuple[int, int]]
) -> Proportions:
    """``counts`` maps a group's code to (n, successes); absent groups are empty."""
    out = Proportions([], [], [], [], [])
    for code, label in groups:
        n, hits = counts.get(code, (0, 0))
        lo, hi = wilson(hits, n)
        p = hits / n if n else None
        out.rows.append((code, label, n, hits, p, lo if n else None, hi if n else None))
        out.values.append(p)
        out.low.append(lo if n else None)
        out.high.append(hi if n else None)
        out.notes.append(f"n={n:,}")
    return out
