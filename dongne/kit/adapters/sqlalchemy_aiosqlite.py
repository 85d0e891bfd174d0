"""SQLAlchemy's aiosqlite dialect with one thread hop per statement.

aiosqlite runs every call on its connection's own thread, and SQLAlchemy's adapter makes a
call for each DBAPI step: a read was six round trips to that thread (create the cursor,
execute, fetch, close the cursor, and a rollback from the session and another from the
pool when the connection is returned), each a queue put, a thread switch and a wake-up of
the event loop. Here a statement is one round trip: the cursor is made, the statement run
and its rows fetched together on the connection's thread. A cursor needs no close of its
own: its rows are all read in that round trip, after which the sqlite3 module has already
reset the statement. A commit or rollback with no transaction open (every read outside
a write, see :mod:`dongne.db`) is a no-op in SQLite, so it is not sent at all.

Writers queue in the process instead of in SQLite's busy handler. SQLite has one writer;
a second ``BEGIN IMMEDIATE`` waits in its busy handler, which sleeps and retries (up to
100 ms a sleep), so under concurrent writes most of a transaction's time was spent asleep
after the lock was already free. Here a connection takes the engine's write gate (an
asyncio lock, first come first served) before it sends ``BEGIN``, and gives it back when
its transaction ends, so the next writer starts the moment the last one commits. Waiting
longer than SQLite's own ``busy_timeout`` fails as SQLite would ("database is locked").
Other processes on the same file still meet SQLite's own lock and busy handler.

Everything else (types, SQL, pooling, server-side cursors) is the stock dialect's. ``make_engine``
selects it for ``sqlite+aiosqlite`` URLs (``DONGNE_INTERNALS_OFF=sqlalchemy_aiosqlite``, or
``make_engine(url, one_hop=False)``, gives the stock dialect instead); bench/internals.py
measures both side by side, docs/internals.md has the figures.

Private parts relied on (checked by tests/kit/test_adapter_sqlalchemy_aiosqlite.py): the
adapter cursor's ``_make_new_cursor``, ``_aenter_cursor``, ``_execute_async``,
``_executemany_async``, ``_async_soft_close`` and ``_rows``, the adapter connection's
``_execute_mutex`` and ``_connection``; aiosqlite's ``Connection._execute`` (run a function
on the connection's thread), ``_conn``/``_connection`` (its sqlite3 connection) and
``_thread``.
"""

from __future__ import annotations

import asyncio
import collections
import sqlite3
from typing import Any, cast

import aiosqlite
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
    SQLiteDialect_aiosqlite,
)
from sqlalchemy.util.concurrency import await_

DRIVER = "dongne_aiosqlite"
# What tests/kit/test_adapter_sqlalchemy_aiosqlite.py was last checked against.
CHECKED_VERSIONS = {"sqlalchemy": (">=2.1.0", "<2.2"), "aiosqlite": (">=0.22.0", "<0.23")}
GATE_TIMEOUT_SECONDS = 10.0  # as db.py's PRAGMA busy_timeout


class _Cursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ("_raw",)

    def __init__(self, adapt_connection: Any) -> None:
        self._raw: sqlite3.Cursor | None = None  # made by the first statement, see _run
        super().__init__(adapt_connection)

    def _make_new_cursor(self, connection: Any) -> Any:
        return None

    def _aenter_cursor(self, cursor: Any) -> Any:
        return cursor  # nothing to open here: no round trip

    @property
    def description(self) -> Any:
        return self._raw.description if self._raw is not None else None

    @property
    def rowcount(self) -> int:
        return self._raw.rowcount if self._raw is not None else -1

    @property
    def lastrowid(self) -> int:
        return (self._raw.lastrowid if self._raw is not None else None) or 0

    def _run(self, operation: str, parameters: Any, many: bool) -> list[Any] | None:
        """On the connection's thread: the statement and, for a query, all its rows."""
        raw = self._raw
        if raw is None:
            raw = self._raw = self._connection._conn.cursor()
        if many:
            raw.executemany(operation, parameters)
        else:
            raw.execute(operation, () if parameters is None else parameters)
        return raw.fetchall() if raw.description else None

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        async with self._adapt_connection._execute_mutex:
            if operation.startswith("BEGIN"):
                await cast("_Connection", self._adapt_connection).take_gate()
            rows = await self._connection._execute(self._run, operation, parameters, False)
            self._rows = collections.deque(rows or ())
            return self

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> Any:
        async with self._adapt_connection._execute_mutex:
            await self._connection._execute(self._run, operation, seq_of_parameters, True)
            return self

    async def _async_soft_close(self) -> None:
        return  # the rows were fetched with the statement: nothing is open

    def close(self) -> None:
        # The sqlite3 cursor stays for rowcount and lastrowid, read after a close.
        self._rows.clear()

    def nextset(self) -> None:
        raise NotImplementedError


class _Connection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ("_gate", "_holds_gate")
    _cursor_cls = _Cursor

    def __init__(self, dbapi: _DBAPI, connection: Any) -> None:
        super().__init__(dbapi, connection)
        self._gate = dbapi.gate
        self._holds_gate = False

    async def take_gate(self) -> None:
        if self._holds_gate:
            return
        try:
            await asyncio.wait_for(self._gate.acquire(), GATE_TIMEOUT_SECONDS)
        except TimeoutError:
            raise sqlite3.OperationalError("database is locked") from None
        self._holds_gate = True

    def _give_gate(self) -> None:
        if self._holds_gate:
            self._holds_gate = False
            self._gate.release()

    def _in_transaction(self) -> bool:
        raw = self._connection._connection
        return raw is not None and raw.in_transaction

    def rollback(self) -> None:
        try:
            if self._in_transaction():
                super().rollback()
        finally:
            self._give_gate()

    def commit(self) -> None:
        if self._in_transaction():
            super().commit()  # a failed commit keeps the gate until the rollback
        self._give_gate()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._give_gate()

    def terminate(self) -> None:  # an invalidated connection (a cancelled request...)
        try:
            super().terminate()
        finally:
            self._give_gate()


class _DBAPI(AsyncAdapt_aiosqlite_dbapi):
    def __init__(self, aiosqlite: Any, sqlite: Any) -> None:
        super().__init__(aiosqlite, sqlite)
        self.gate = asyncio.Lock()  # one per engine: see "Writers queue" above

    def connect(self, *arg: Any, **kw: Any) -> _Connection:
        connection = self.aiosqlite.connect(*arg, **kw)
        connection._thread.daemon = True
        return _Connection(self, await_(connection))


class Dialect(SQLiteDialect_aiosqlite):
    supports_statement_cache = True  # compiles exactly as the stock dialect

    @classmethod
    def import_dbapi(cls) -> _DBAPI:
        return _DBAPI(aiosqlite, sqlite3)


registry.register(f"sqlite.{DRIVER}", __name__, "Dialect")
