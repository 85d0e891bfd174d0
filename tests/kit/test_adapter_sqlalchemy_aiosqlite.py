"""The SQLite driver (kit/adapters/sqlalchemy_aiosqlite.py): one round trip to aiosqlite's
thread per statement, the same results, row counts and transactions as the stock dialect,
and writers queued in the process for SQLite's one write lock.

It subclasses SQLAlchemy's aiosqlite adapter and reaches into it and into aiosqlite: the
contract tests at the end fail when an upgrade of either moves what it relies on (and the
behaviour tests above fail when the parts are still there but behave differently)."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
import sqlalchemy
from packaging.specifiers import SpecifierSet
from packaging.version import Version
from sqlalchemy import Column, Integer, MetaData, String, Table, text
from sqlalchemy.dialects.sqlite import aiosqlite as stock
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.exc import OperationalError

from dongne.db import Database
from dongne.kit.adapters import sqlalchemy_aiosqlite as sqlite

T = Table("t", MetaData(), Column("id", Integer, primary_key=True), Column("name", String))


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'driver.sqlite3'}")
    async with database.transaction() as session:
        await session.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE)"))
    yield database
    await database.dispose()


@pytest.fixture
def hops(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Every call queued for a connection's thread, by name."""
    seen: Counter[str] = Counter()
    queue = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        seen[getattr(fn, "__name__", repr(fn))] += 1
        return await queue(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    return seen


async def test_sqlite_urls_use_the_one_hop_dialect(db: Database) -> None:
    assert db.engine.dialect.name == "sqlite"
    assert isinstance(db.engine.dialect, sqlite.Dialect)


async def test_a_read_is_one_round_trip_and_closing_sends_nothing(
    db: Database, hops: Counter[str]
) -> None:
    async with db.transaction() as session:
        await session.execute(text("INSERT INTO t (name) VALUES ('의자'), ('책상')"))
    async with db.sessions() as session:  # a connection is already pooled
        hops.clear()
        rows = (await session.execute(text("SELECT name FROM t ORDER BY id"))).all()
    assert [r[0] for r in rows] == ["의자", "책상"]
    assert hops == Counter({"_run": 1})


async def test_writes_commit_and_roll_back(db: Database) -> None:
    async with db.transaction() as session:
        await session.execute(text("INSERT INTO t (name) VALUES ('가방')"))
    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            await session.execute(text("INSERT INTO t (name) VALUES ('신발')"))
            raise RuntimeError
    async with db.sessions() as session:
        names = (await session.scalars(text("SELECT name FROM t"))).all()
    assert names == ["가방"]


async def test_row_counts_and_ids_survive_the_closed_result(db: Database) -> None:
    async with db.transaction() as session:
        first = await session.execute(insert(T).values(name="시계").on_conflict_do_nothing())
        again = await session.execute(insert(T).values(name="시계").on_conflict_do_nothing())
        assert (first.rowcount, again.rowcount) == (1, 0)  # read after the result closed
        assert first.inserted_primary_key is not None and first.inserted_primary_key[0] >= 1


async def test_writers_queue_for_the_gate_and_each_commits(db: Database) -> None:
    """A second writer waits for the first to commit, then writes: no "database is
    locked", nothing lost, in the order the writers came."""
    first_wrote = asyncio.Event()
    release_first = asyncio.Event()
    order: list[str] = []

    async def writer(name: str, hold: bool) -> None:
        async with db.transaction() as session:
            await session.execute(text("INSERT INTO t (name) VALUES (:n)"), {"n": name})
            if hold:
                first_wrote.set()
                await release_first.wait()
            order.append(name)

    first = asyncio.create_task(writer("먼저", hold=True))
    await first_wrote.wait()
    second = asyncio.create_task(writer("나중", hold=False))
    await asyncio.sleep(0.05)
    assert not second.done()  # waiting for the gate, not failing
    release_first.set()
    await asyncio.wait_for(asyncio.gather(first, second), 10)
    assert order == ["먼저", "나중"]
    async with db.sessions() as session:
        assert set((await session.scalars(text("SELECT name FROM t"))).all()) == {"먼저", "나중"}


async def test_a_cancelled_writer_gives_the_gate_back(db: Database) -> None:
    wrote = asyncio.Event()

    async def stuck() -> None:
        async with db.transaction() as session:
            await session.execute(text("INSERT INTO t (name) VALUES ('취소')"))
            wrote.set()
            await asyncio.Event().wait()

    task = asyncio.create_task(stuck())
    await wrote.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    async with db.transaction() as session:  # would wait for the gate forever
        await asyncio.wait_for(session.execute(text("INSERT INTO t (name) VALUES ('다음')")), 10)
    async with db.sessions() as session:
        assert (await session.scalars(text("SELECT name FROM t"))).all() == ["다음"]


async def test_waiting_longer_than_busy_timeout_fails_as_sqlite_would(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite, "GATE_TIMEOUT_SECONDS", 0.1)
    wrote, done = asyncio.Event(), asyncio.Event()

    async def holder() -> None:
        async with db.transaction() as session:
            await session.execute(text("INSERT INTO t (name) VALUES ('잡음')"))
            wrote.set()
            await done.wait()

    task = asyncio.create_task(holder())
    await wrote.wait()
    with pytest.raises(OperationalError, match="database is locked"):
        async with db.transaction() as session:
            await session.execute(text("INSERT INTO t (name) VALUES ('기다림')"))
    done.set()
    await task


# -- the contract with SQLAlchemy and aiosqlite ----------------------------------------


def test_installed_versions_are_the_checked_ones() -> None:
    """A new version may still work: run these tests and bench/internals.py, then widen
    CHECKED_VERSIONS (the figures go in docs/internals.md)."""
    installed = {"sqlalchemy": sqlalchemy.__version__, "aiosqlite": aiosqlite.__version__}
    for name, spec in sqlite.CHECKED_VERSIONS.items():
        assert Version(installed[name]) in SpecifierSet(",".join(spec)), (name, installed[name])


def slots(cls: type) -> set[str]:
    return {name for klass in cls.__mro__ for name in getattr(klass, "__slots__", ())}


def test_the_stock_adapter_still_has_the_parts_we_override_and_use() -> None:
    cursor, connection = stock.AsyncAdapt_aiosqlite_cursor, stock.AsyncAdapt_aiosqlite_connection
    for method in (
        "_make_new_cursor",  # called by the cursor's __init__: we make no aiosqlite cursor
        "_aenter_cursor",
        "_execute_async",  # what execute() awaits: we run and fetch in one hop
        "_executemany_async",
        "_async_soft_close",
    ):
        assert callable(getattr(cursor, method, None)), method
    assert "_rows" in slots(cursor)  # the fetched rows the adapter's fetch* read
    assert {"_execute_mutex", "_connection"} <= slots(connection)
    assert connection._cursor_cls is stock.AsyncAdapt_aiosqlite_cursor
    assert callable(aiosqlite.Connection._execute)  # a call run on the connection's thread


async def test_the_parts_of_aiosqlite_we_reach_behave_as_assumed(db: Database) -> None:
    async with db.sessions() as session:
        adapted = (await session.connection()).sync_connection.connection.dbapi_connection
        assert isinstance(adapted, sqlite._Connection)
        driver = adapted._connection
        assert isinstance(driver, aiosqlite.Connection)
        assert isinstance(adapted._execute_mutex, asyncio.Lock)
        raw = driver._connection  # the sqlite3 connection, as _in_transaction reads it
        assert raw is driver._conn
        assert raw.in_transaction is False
        assert driver._thread.daemon  # set by connect(): no hang at interpreter exit
        # _execute runs a function on the connection's thread and returns its result
        assert await driver._execute(lambda: threading.get_ident()) == driver._thread.ident
