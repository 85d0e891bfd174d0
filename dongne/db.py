"""Engines, the unit of work, and after-commit hooks.

The request (or job) owns the transaction: services only ``flush()``; the
boundary commits or rolls back. Side effects registered with :func:`on_commit`
run only once the transaction has committed.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Dialect, Integer, MetaData, event
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Session, SessionTransaction
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.types import TypeDecorator

from dongne.kit import adapters
from dongne.kit.adapters import sqlalchemy_aiosqlite
from dongne.kit.clock import simulated_clock as simulated_clock  # the clock, re-exported
from dongne.kit.clock import utcnow as utcnow

log = logging.getLogger(__name__)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# A 64-bit id on PostgreSQL; SQLite only auto-increments an INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every engine (SQLite drops the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use datetime.now(UTC)")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


SQLITE_MMAP_BYTES = 1 << 30
SQLITE_CACHE_KIB = 32 * 1024


def _sqlite_pragmas(dbapi_conn: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    # Reads of the database file through a memory map (up to 1 GiB: the OS page cache is
    # shared by every connection, nothing is copied into SQLite's own cache), and a 32 MiB
    # page cache per connection (default 2 MiB) for what lies beyond it and for the WAL.
    # Safe in WAL mode: only the database file is mapped, and readers see the WAL's pages
    # through ordinary reads. Search over a million listings: 10.6 -> 7.0 ms (README).
    cur.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
    cur.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    cur.close()


def _sqlite_manual_transactions(dbapi_conn: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    # The driver's own transaction handling emits BEGIN only before INSERT, UPDATE,
    # DELETE and REPLACE, never before SAVEPOINT: a savepoint opened first then
    # became the outermost transaction, and releasing it committed the work so far
    # (SQLAlchemy's pysqlite notes, "Serializable isolation / Savepoints /
    # Transactional DDL"). The driver is told to stay out; _sqlite_begin begins.
    dbapi_conn.isolation_level = None


_SQLITE_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "SAVEPOINT")


def _sqlite_begin(
    conn: Any, cursor: Any, statement: str, _params: Any, _context: Any, _many: bool
) -> None:
    """Open the transaction right before the first write (or savepoint), with
    BEGIN IMMEDIATE: it waits (busy_timeout) for the write lock instead of
    failing later with "database is locked" when a read snapshot cannot be
    upgraded. Reads before the first write run outside a transaction, as they
    did under the driver's own handling, so read-only work never holds the
    write lock and two writers cannot deadlock."""
    if not statement.lstrip()[:9].upper().startswith(_SQLITE_WRITES):
        return
    # The driver's own connection: aiosqlite's (stock or one-hop dialect) or sqlite3's;
    # both answer in_transaction from sqlite3's, without a trip to aiosqlite's thread.
    if not conn.connection.driver_connection.in_transaction:
        cursor.execute("BEGIN IMMEDIATE")


def make_engine(url: str, *, one_hop: bool | None = None, **kwargs: Any) -> AsyncEngine:
    """``one_hop``: for ``sqlite+aiosqlite`` URLs, the one-hop dialect (the default,
    unless ``DONGNE_INTERNALS_OFF`` turns it off) or SQLAlchemy's stock one."""
    if url.startswith("sqlite"):
        if one_hop is None:
            one_hop = adapters.enabled("sqlalchemy_aiosqlite")
        # The stock aiosqlite dialect, one thread hop per statement (kit/adapters/sqlalchemy_aiosqlite.py).
        if one_hop and url.startswith("sqlite+aiosqlite:"):
            url = f"sqlite+{sqlalchemy_aiosqlite.DRIVER}:" + url.removeprefix("sqlite+aiosqlite:")
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "connect", _sqlite_manual_transactions)
        event.listen(engine.sync_engine, "before_cursor_execute", _sqlite_begin)
        return engine
    # Every open chat socket may read at once after a notice: a deeper pool than
    # request/response alone would need (2 workers × 40 stays under PostgreSQL's 100).
    kwargs.setdefault("pool_size", 20)
    kwargs.setdefault("max_overflow", 20)
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **kwargs)


AfterCommit = Callable[[], Awaitable[None]]

_HOOKS = "after_commit"


class UnitOfWork(Session):
    """The ORM session of every unit of work (:class:`Database` makes them): it
    keeps each after-commit hook with the transaction that registered it."""


def on_commit(session: AsyncSession, hook: AfterCommit) -> None:
    """Run ``hook`` after the session's transaction commits, never if the work
    that registered it is rolled back.

    The hook belongs to the innermost transaction open now (a savepoint, or the
    transaction itself; registering one begins the transaction if none is open).
    Rolling that transaction back, or any that encloses it, drops the hook; a
    hook registered after a rollback, in work that then commits, runs."""
    sync = session.sync_session
    if not isinstance(sync, UnitOfWork):
        raise TypeError("after-commit hooks need a session made by Database.sessions")
    owner = sync.get_nested_transaction() or sync.get_transaction() or sync.begin()
    session.info.setdefault(_HOOKS, []).append((owner, hook))


def _within(transaction: SessionTransaction | None, outer: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is outer:
            return True
        transaction = transaction.parent
    return False


@event.listens_for(UnitOfWork, "after_soft_rollback")
def _drop_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    """Every rollback, of a savepoint or of the whole transaction: the hooks its
    work registered go with it."""
    hooks: list[tuple[SessionTransaction, AfterCommit]] | None = session.info.get(_HOOKS)
    if hooks:
        session.info[_HOOKS] = [
            (owner, hook) for owner, hook in hooks if not _within(owner, previous_transaction)
        ]


def discard_after_commit(session: AsyncSession) -> None:
    """Drop every hook: for a unit of work abandoned without a clean rollback."""
    session.info.pop(_HOOKS, None)


async def run_after_commit(session: AsyncSession) -> None:
    """Run the hooks of the work that committed (call it after the commit)."""
    hooks: list[tuple[SessionTransaction, AfterCommit]] = session.info.pop(_HOOKS, [])
    for _owner, hook in hooks:
        try:
            await hook()
        except Exception:  # a side effect must never undo a committed change
            log.exception("after-commit hook failed")


class Database:
    """One engine and its session factory."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self.sessions = async_sessionmaker(
            self.engine, expire_on_commit=False, sync_session_class=UnitOfWork
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A unit of work: commit on success, roll back on error, then run hooks."""
        async with self.sessions() as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                discard_after_commit(session)
                raise
        await run_after_commit(session)

    async def dispose(self) -> None:
        await self.engine.dispose()
