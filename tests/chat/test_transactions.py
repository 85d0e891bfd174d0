"""The unit of work on every engine: a savepoint released inside a
transaction is part of it, and rolls back with it (SQLite's driver used to
let the first SAVEPOINT open the transaction, so releasing it committed)."""

from __future__ import annotations

import asyncio
import secrets

from sqlalchemy import text

from dongne.db import Database
from tests.conftest import DatabaseUnderTest


async def _with_table(database: DatabaseUnderTest) -> tuple[Database, str]:
    db = Database(database.url)
    table = f"probe_{secrets.token_hex(4)}"
    async with db.engine.begin() as conn:
        await conn.execute(text(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, n INTEGER)"))
    return db, table


async def _drop(db: Database, table: str) -> None:
    async with db.engine.begin() as conn:
        await conn.execute(text(f"DROP TABLE {table}"))
    await db.dispose()


async def test_work_in_a_released_savepoint_rolls_back_with_its_transaction(
    database: DatabaseUnderTest,
) -> None:
    db, table = await _with_table(database)
    try:
        try:
            async with db.transaction() as session:
                await session.execute(text(f"SELECT count(*) FROM {table}"))
                async with session.begin_nested():  # as chat does around a new row
                    await session.execute(text(f"INSERT INTO {table} (id, n) VALUES (1, 1)"))
                await session.execute(text(f"INSERT INTO {table} (id, n) VALUES (2, 2)"))
                raise LookupError("the request fails after the savepoint")
        except LookupError:
            pass
        async with db.sessions() as session:
            assert (await session.execute(text(f"SELECT id FROM {table}"))).all() == []
        # and a savepoint rolled back alone undoes only its own part
        async with db.transaction() as session:
            await session.execute(text(f"INSERT INTO {table} (id, n) VALUES (3, 3)"))
            try:
                async with session.begin_nested():
                    await session.execute(text(f"INSERT INTO {table} (id, n) VALUES (3, 4)"))
            except Exception:  # the duplicate key
                pass
        async with db.sessions() as session:
            rows = (await session.execute(text(f"SELECT id, n FROM {table}"))).all()
            assert [tuple(r) for r in rows] == [(3, 3)]
    finally:
        await _drop(db, table)


async def test_concurrent_read_then_write_transactions_all_commit(
    database: DatabaseUnderTest,
) -> None:
    """Twenty units of work read a counter and then increment it at once (what
    every chat send does with its conversation's sequence): none fails with
    "database is locked", and no increment is lost."""
    db, table = await _with_table(database)
    try:
        async with db.transaction() as session:
            await session.execute(text(f"INSERT INTO {table} (id, n) VALUES (1, 0)"))

        async def bump() -> None:
            async with db.transaction() as session:
                await session.execute(text(f"SELECT n FROM {table} WHERE id = 1"))
                await asyncio.sleep(0.01)  # another bump reads meanwhile
                await session.execute(text(f"UPDATE {table} SET n = n + 1 WHERE id = 1"))

        await asyncio.gather(*(bump() for _ in range(20)))
        async with db.sessions() as session:
            assert await session.scalar(text(f"SELECT n FROM {table} WHERE id = 1")) == 20
    finally:
        await _drop(db, table)
