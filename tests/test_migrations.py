"""Migrations build exactly the models' schema on this engine, and undo it."""

from __future__ import annotations

import asyncio

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from dongne import migrate
from dongne.db import Base, make_engine
from dongne.models import Event  # noqa: F401  (registers every table)
from tests.conftest import DatabaseUnderTest


def _inspect(url: str) -> tuple[list[object], set[str]]:
    async def run() -> tuple[list[object], set[str]]:
        engine = make_engine(url)
        try:
            async with engine.connect() as conn:
                diff = await conn.run_sync(
                    lambda c: compare_metadata(
                        MigrationContext.configure(c, opts={"compare_type": True}), Base.metadata
                    )
                )
                tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
                return diff, tables
        finally:
            await engine.dispose()

    return asyncio.run(run())


def test_upgrade_to_head_matches_models_and_downgrade_removes_everything(
    fresh_database_factory: object,
) -> None:
    db: DatabaseUnderTest = fresh_database_factory()  # type: ignore[operator]
    migrate.upgrade(db.url)
    diff, tables = _inspect(db.url)
    assert diff == []
    assert set(Base.metadata.tables) <= tables
    migrate.downgrade(db.url, "base")
    _, tables = _inspect(db.url)
    assert tables <= {"alembic_version"}
    migrate.upgrade(db.url)  # and up again from scratch
    assert _inspect(db.url)[0] == []


def _execute(url: str, sql: str) -> None:
    async def run() -> None:
        engine = make_engine(url)
        try:
            async with engine.begin() as conn:
                await conn.execute(text(sql))
        finally:
            await engine.dispose()

    asyncio.run(run())


def test_the_event_log_refuses_deletes_and_rewrites(database: DatabaseUnderTest) -> None:
    now = "'2026-01-01 00:00:00'"
    _execute(
        database.url,
        f"INSERT INTO events (occurred_at, user_id, name, properties) VALUES ({now}, 424242, 'probe', '{{}}')",
    )
    for sql in (
        "DELETE FROM events WHERE user_id = 424242",
        "UPDATE events SET name = 'forged' WHERE user_id = 424242",
        "UPDATE events SET user_id = 7 WHERE user_id = 424242",
        f"UPDATE events SET occurred_at = {now.replace('2026', '2020')} WHERE user_id = 424242",
    ):
        with pytest.raises(Exception, match="append-only"):
            _execute(database.url, sql)
    # Anonymisation is the one permitted change.
    _execute(
        database.url, "UPDATE events SET user_id = NULL, anonymous_id = 'x' WHERE user_id = 424242"
    )
