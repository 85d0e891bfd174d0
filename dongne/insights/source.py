"""Reading the database for the export: events in chunks of consecutive ids
(SQLite through ADBC, PostgreSQL through COPY), typed once by DuckDB's JSON
reader, the anonymised accounts' stand-ins, and the small tables exported whole."""

from __future__ import annotations

import asyncio
import io
import json
import re
import sqlite3
import time
from datetime import UTC, datetime
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from adbc_driver_sqlite import dbapi as adbc_sqlite
from sqlalchemy import text
from sqlalchemy.engine import make_url

from dongne.db import make_engine
from dongne.insights.files import (
    BOOL_PROPS,
    EVENT_SCHEMA,
    INT_PROPS,
    STR_PROPS,
)

STAND_IN_RE = re.compile(r"^[0-9a-f]{32}$")  # what anonymise_user_events writes

# Small tables, exported whole: ids, codes and times only.
TABLES: dict[str, tuple[str, pa.Schema]] = {
    "users": (
        "SELECT id, role, created_at, deleted_at FROM users",
        pa.schema(
            [
                ("id", pa.int64()),
                ("role", pa.string()),
                ("created_at", pa.timestamp("us", tz="UTC")),
                ("deleted_at", pa.timestamp("us", tz="UTC")),
            ]
        ),
    ),
    "user_neighbourhoods": (
        "SELECT user_id, neighbourhood_id, is_active FROM user_neighbourhoods",
        pa.schema(
            [("user_id", pa.int64()), ("neighbourhood_id", pa.string()), ("is_active", pa.bool_())]
        ),
    ),
    "listings": (
        "SELECT id, seller_id, neighbourhood_id, category, price, is_free, status,"
        " created_at, deleted_at FROM listings",
        pa.schema(
            [
                ("id", pa.int64()),
                ("seller_id", pa.int64()),
                ("neighbourhood_id", pa.string()),
                ("category", pa.string()),
                ("price", pa.int64()),
                ("is_free", pa.bool_()),
                ("status", pa.string()),
                ("created_at", pa.timestamp("us", tz="UTC")),
                ("deleted_at", pa.timestamp("us", tz="UTC")),
            ]
        ),
    ),
    "neighbourhoods": (
        "SELECT id, full_name FROM neighbourhoods",
        pa.schema([("id", pa.string()), ("full_name", pa.string())]),
    ),
}


# ---- reading the database --------------------------------------------------------


RAW_SCHEMA = pa.schema(
    [
        ("id", pa.int64()),
        ("occurred_at", pa.timestamp("us", tz="UTC")),
        ("user_id", pa.int64()),
        ("anonymous_id", pa.string()),
        ("name", pa.string()),
        ("properties", pa.string()),
    ]
)
# The typed columns, parsed once per row by DuckDB's JSON reader (a value of
# another type becomes NULL; the whole JSON stays in ``properties``).
_SHAPE = json.dumps(
    {
        **dict.fromkeys(INT_PROPS, "BIGINT"),
        **dict.fromkeys(STR_PROPS, "VARCHAR"),
        **dict.fromkeys(BOOL_PROPS, "BOOLEAN"),
    }
)
_TYPED_SQL = (
    "SELECT id, occurred_at, user_id, anonymous_id, name, "  # noqa: S608 - ints, ISO dates, checked codes
    + ", ".join(f"p.{c}" for c in (*INT_PROPS, *STR_PROPS, *BOOL_PROPS))
    + f", properties FROM (SELECT *, json_transform(properties, '{_SHAPE}') AS p FROM raw_events)"  # noqa: S608 - ints, ISO dates, checked codes
)


def typed_events(raw: pa.Table) -> pa.Table:
    """The event rows with their common properties as typed columns."""
    con = duckdb.connect(config={"threads": 2})
    try:
        con.register("raw_events", raw)
        table = con.sql(_TYPED_SQL).to_arrow_table()
    finally:
        con.close()
    return table.cast(EVENT_SCHEMA)


def _sqlite_select(lo: int, hi: int, limit: int, since: bool) -> str:
    cond = " AND occurred_at >= ?" if since else ""
    return (
        "SELECT id, occurred_at, user_id, coalesce(anonymous_id, '') AS anonymous_id, name,"  # noqa: S608 - ints, ISO dates, checked codes
        " CAST(properties AS TEXT) AS properties FROM events"
        f" WHERE id > {int(lo)} AND id <= {int(hi)}{cond} ORDER BY id LIMIT {int(limit)}"
    )


def _pg_select(lo: int, hi: int, limit: int, since: datetime | None) -> str:
    cond = f" AND occurred_at >= '{since.isoformat()}'" if since else ""
    return (
        "SELECT id, to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'),"  # noqa: S608 - ints, ISO dates, checked codes
        " user_id, anonymous_id, name, properties::text FROM events"
        f" WHERE id > {int(lo)} AND id <= {int(hi)}{cond} ORDER BY id LIMIT {int(limit)}"
    )


def _naive_ts(values: pa.Array) -> pa.Array:
    return pc.assume_timezone(values.cast(pa.timestamp("us")), "UTC")


def _columns_to_table(cols: list[list[Any]] | list[pa.Array], schema: pa.Schema) -> pa.Table:
    arrays = []
    for values, fld in zip(cols, schema, strict=True):
        if pa.types.is_timestamp(fld.type):
            arr = values if isinstance(values, pa.Array) else pa.array(values, pa.string())
            arrays.append(_naive_ts(arr.cast(pa.string())))
        elif isinstance(values, pa.Array):
            arrays.append(values.cast(fld.type))
        else:
            arrays.append(pa.array(values, fld.type))
    return pa.Table.from_arrays(arrays, schema=schema)


class Source:
    """Reads events and small tables straight from the driver: the export is
    the one place where ORM objects per row would cost more than the work."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")

    # SQLite: the standard library's sqlite3, read-only, in a thread.
    def _sqlite_path(self) -> str:
        database = make_url(self.url).database
        if not database:
            raise ValueError("an in-memory SQLite database cannot be exported")
        return database

    def _sqlite_rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        conn = sqlite3.connect(f"file:{self._sqlite_path()}?mode=ro", uri=True, timeout=30)
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()

    async def scalar(self, sql: str) -> Any:
        if self.is_sqlite:
            rows = await asyncio.to_thread(self._sqlite_rows, sql)
            return rows[0][0] if rows else None
        engine = make_engine(self.url, pool_size=1, max_overflow=0)
        try:
            async with engine.connect() as conn:
                return (await conn.execute(text(sql))).scalar()
        finally:
            await engine.dispose()

    async def safe_max_id(self) -> int:
        """The largest id below which no transaction can still add an event."""
        if self.is_sqlite:
            return int(await self.scalar("SELECT coalesce(max(id), 0) FROM events"))
        engine = make_engine(self.url, pool_size=1, max_overflow=0)
        try:
            async with engine.connect() as conn:
                top = int(
                    (await conn.execute(text("SELECT coalesce(max(id), 0) FROM events"))).scalar()
                    or 0
                )
                await conn.commit()
                xids = [
                    str(x)
                    for x in (
                        await conn.execute(
                            text("SELECT pg_snapshot_xip(pg_current_snapshot())::text")
                        )
                    ).scalars()
                ]
                await conn.commit()
                deadline = time.monotonic() + 60
                while xids and time.monotonic() < deadline:
                    running = (
                        await conn.execute(
                            text(
                                "SELECT x FROM unnest(CAST(:xids AS text[])) AS x"
                                " WHERE pg_xact_status(x::xid8) = 'in progress'"
                            ),
                            {"xids": xids},
                        )
                    ).scalars()
                    xids = [str(x) for x in running]
                    await conn.commit()
                    if xids:
                        await asyncio.sleep(0.05)
                if xids:
                    raise TimeoutError("transactions still running after 60 s; try again")
                return top
        finally:
            await engine.dispose()

    def _sqlite_arrow(self, sql: str, params: tuple[Any, ...]) -> pa.Table:
        """SQLite straight to Arrow (Apache Arrow's ADBC driver): no Python
        object per row. Every column is given a type it always has, because the
        driver infers types from the first rows it reads."""
        conn = adbc_sqlite.connect(f"file:{self._sqlite_path()}?mode=ro")
        try:
            cur = conn.cursor()
            try:
                cur.execute(sql, params if params else None)
                table = cur.fetch_arrow_table()
            finally:
                cur.close()
        finally:
            conn.close()
        if table.num_rows == 0:
            return RAW_SCHEMA.empty_table()
        anonymous = table.column("anonymous_id").cast(pa.string())
        return pa.Table.from_arrays(
            [
                table.column("id").cast(pa.int64()),
                _naive_ts(table.column("occurred_at").cast(pa.string())),
                table.column("user_id").cast(pa.int64()),
                pc.if_else(pc.equal(anonymous, ""), pa.scalar(None, pa.string()), anonymous),
                table.column("name").cast(pa.string()),
                table.column("properties").cast(pa.string()),
            ],
            schema=RAW_SCHEMA,
        )

    async def events(self, lo: int, hi: int, limit: int, since: datetime | None) -> pa.Table:
        if self.is_sqlite:
            sql = _sqlite_select(lo, hi, limit, since is not None)
            params: tuple[Any, ...] = (
                (since.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f"),) if since else ()
            )
            raw = await asyncio.to_thread(self._sqlite_arrow, sql, params)
        else:
            raw = await self._pg_copy(_pg_select(lo, hi, limit, since), RAW_SCHEMA)
        return await asyncio.to_thread(typed_events, raw)

    async def _pg_copy(self, sql: str, schema: pa.Schema) -> pa.Table:
        """COPY … TO STDOUT as CSV, parsed by Arrow's C++ reader."""
        buffer = io.BytesIO()
        engine = make_engine(self.url, pool_size=1, max_overflow=0)
        try:
            async with engine.connect() as conn:
                raw = await conn.get_raw_connection()
                driver: Any = raw.driver_connection
                await driver.copy_from_query(sql, output=buffer, format="csv")
        finally:
            await engine.dispose()
        if buffer.tell() == 0:
            return schema.empty_table()
        buffer.seek(0)
        raw_types = {
            f.name: (pa.string() if pa.types.is_timestamp(f.type) else f.type) for f in schema
        }
        table = pacsv.read_csv(
            buffer,
            read_options=pacsv.ReadOptions(column_names=schema.names),
            convert_options=pacsv.ConvertOptions(
                column_types=raw_types,
                strings_can_be_null=True,
                true_values=["t", "true"],
                false_values=["f", "false"],
            ),
        )
        return _columns_to_table(
            [table.column(i).combine_chunks() for i in range(len(schema))], schema
        )

    def _sqlite_table(self, name: str) -> pa.Table:
        """A small table straight to Arrow. Every value is read as text behind
        a one-letter prefix (so the driver sees one type, and NULL stays
        distinct from an empty string), then cast to the column's type."""
        sql, schema = TABLES[name]
        table_name = sql.rsplit(" FROM ", 1)[1]
        select = ", ".join(
            f"coalesce('v' || CAST({f.name} AS TEXT), '') AS {f.name}" for f in schema
        )
        raw = self._sqlite_arrow_plain(f"SELECT {select} FROM {table_name}")  # noqa: S608 - constants only
        arrays = []
        for f in schema:
            text_col = (
                raw.column(f.name).cast(pa.string()) if raw.num_rows else pa.array([], pa.string())
            )
            values = pc.if_else(
                pc.equal(text_col, ""),
                pa.scalar(None, pa.string()),
                pc.utf8_slice_codeunits(text_col, 1),
            )
            if pa.types.is_timestamp(f.type):
                arrays.append(_naive_ts(values))
            elif pa.types.is_boolean(f.type):
                arrays.append(pc.not_equal(values.cast(pa.int64()), 0))
            else:
                arrays.append(values.cast(f.type))
        return pa.Table.from_arrays(arrays, schema=schema)

    def _sqlite_arrow_plain(self, sql: str) -> pa.Table:
        conn = adbc_sqlite.connect(f"file:{self._sqlite_path()}?mode=ro")
        try:
            cur = conn.cursor()
            try:
                cur.execute(sql)
                return cur.fetch_arrow_table()
            finally:
                cur.close()
        finally:
            conn.close()

    async def table(self, name: str) -> pa.Table:
        sql, schema = TABLES[name]
        if self.is_sqlite:
            return await asyncio.to_thread(self._sqlite_table, name)
        select_list = ", ".join(
            f"to_char({f.name} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')"
            if pa.types.is_timestamp(f.type)
            else f.name
            for f in schema
        )
        table_name = sql.rsplit(" FROM ", 1)[1]
        return await self._pg_copy(f"SELECT {select_list} FROM {table_name}", schema)  # noqa: S608 - ints, ISO dates, checked codes

    async def anonymised(self, up_to: int) -> dict[str, tuple[int, int]]:
        sql = (
            "SELECT anonymous_id, min(id), max(id) FROM events"  # noqa: S608 - ints, ISO dates, checked codes
            f" WHERE anonymous_id IS NOT NULL AND id <= {int(up_to)} GROUP BY anonymous_id"
        )
        rows = await self._rows(sql)
        return {str(r[0]): (int(r[1]), int(r[2])) for r in rows}

    async def anonymous_ids(self, lo: int, hi: int, stand_ins: list[str]) -> dict[int, str]:
        quoted = ", ".join(f"'{s}'" for s in stand_ins if STAND_IN_RE.match(s))
        sql = (
            f"SELECT id, anonymous_id FROM events WHERE id >= {int(lo)} AND id <= {int(hi)}"  # noqa: S608 - ints, ISO dates, checked codes
            f" AND anonymous_id IN ({quoted})"
        )
        return {int(r[0]): str(r[1]) for r in await self._rows(sql)}

    async def _rows(self, sql: str) -> list[tuple[Any, ...]]:
        if self.is_sqlite:
            return await asyncio.to_thread(self._sqlite_rows, sql)
        engine = make_engine(self.url, pool_size=1, max_overflow=0)
        try:
            async with engine.connect() as conn:
                return [tuple(r) for r in (await conn.execute(text(sql))).all()]
        finally:
            await engine.dispose()
