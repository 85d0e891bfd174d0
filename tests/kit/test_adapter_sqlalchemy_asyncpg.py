"""Core statements as plain asyncpg (kit/adapters/sqlalchemy_asyncpg.py): the same SQL,
parameters and rows as through SQLAlchemy, and SQLAlchemy's errors.

The contract with SQLAlchemy: the asyncpg adapter's ``_handle_exception`` translates a
driver error into the adapter's DB-API exceptions. These tests fail when an upgrade
moves it or changes what it raises. They need PostgreSQL (the PostgreSQL pass); the
version check runs everywhere.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import asyncpg
import pytest
import sqlalchemy
from packaging.specifiers import SpecifierSet
from packaging.version import Version
from sqlalchemy import Column, Integer, MetaData, String, Table, bindparam, insert, select, text
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_connection
from sqlalchemy.exc import IntegrityError

from dongne.db import Database, UTCDateTime
from dongne.kit.adapters.sqlalchemy_asyncpg import CHECKED_VERSIONS, Plain, PlainConnection
from tests.conftest import DatabaseUnderTest

T = Table(
    "plain_t",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("name", String, unique=True),
    Column("at", UTCDateTime()),
)
INSERT = insert(T).values(name=bindparam("n"), at=bindparam("at", type_=UTCDateTime()))
INSERT = INSERT.returning(T.c.id, T.c.name, T.c.at)
# An IN list of constants (expanded once by Plain) beside a run-time parameter.
SELECT = select(T.c.name, T.c.at).where(
    T.c.name.in_(["의자", "책상"]), T.c.at >= bindparam("since")
)


def test_installed_versions_are_the_checked_ones() -> None:
    """A new version may still work: run these tests and bench/internals.py, then widen
    CHECKED_VERSIONS (the figures go in docs/internals.md)."""
    installed = {"sqlalchemy": sqlalchemy.__version__, "asyncpg": asyncpg.__version__}
    for name, spec in CHECKED_VERSIONS.items():
        assert Version(installed[name]) in SpecifierSet(",".join(spec)), (name, installed[name])


def test_the_adapter_still_translates_driver_errors() -> None:
    assert callable(getattr(AsyncAdapt_asyncpg_connection, "_handle_exception", None))


@pytest.fixture
def postgresql(fresh_database_factory: Callable[[], DatabaseUnderTest]) -> DatabaseUnderTest:
    under_test = fresh_database_factory()  # an empty database of the engine under test
    if under_test.dialect != "postgresql":
        pytest.skip("plain asyncpg runs on PostgreSQL only")
    return under_test


@pytest.fixture
async def db(postgresql: DatabaseUnderTest) -> AsyncIterator[Database]:
    database = Database(postgresql.url)
    async with database.transaction() as session:
        await session.execute(
            text("CREATE TABLE plain_t (id serial PRIMARY KEY, name text UNIQUE, at timestamptz)")
        )
    yield database
    await database.dispose()


async def test_plain_runs_what_sqlalchemy_runs(db: Database) -> None:
    at = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
    async with db.transaction() as session:
        conn = await session.connection()
        through_sqlalchemy = (await conn.execute(INSERT, {"n": "의자", "at": at})).one()
        plain = await PlainConnection.of(conn)
        assert plain.in_transaction()  # the session's own transaction
        row = await plain.fetchrow(Plain(INSERT, ["n", "at"]), {"n": "책상", "at": at})
        assert row["id"] == through_sqlalchemy.id + 1
        assert (row["name"], row["at"]) == ("책상", at)
        found = await plain.fetchrow(Plain(SELECT, ["since"]), {"since": at})
        assert (found["name"], found["at"]) in {("의자", at), ("책상", at)}
    async with db.sessions() as session:  # committed with the session's transaction
        assert (await session.scalars(select(T.c.name).order_by(T.c.id))).all() == ["의자", "책상"]


async def test_a_driver_error_is_raised_as_sqlalchemy_raises_it(db: Database) -> None:
    at = datetime(2026, 12, 7, tzinfo=UTC)
    async with db.sessions() as session:
        conn = await session.connection()
        await conn.execute(INSERT, {"n": "같은 이름", "at": at})
        plain = await PlainConnection.of(conn)
        with pytest.raises(IntegrityError) as raised:
            await plain.fetchrow(Plain(INSERT, ["n", "at"]), {"n": "같은 이름", "at": at})
        assert isinstance(raised.value.orig.__cause__, asyncpg.UniqueViolationError)
        await session.rollback()
