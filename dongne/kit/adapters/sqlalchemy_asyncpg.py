"""Core statements run as plain asyncpg, under a SQLAlchemy session's connection.

Every chat message runs two statements (chat/statements.py). Through SQLAlchemy each cost
far more CPU than the database's work: re-rendering the SQL of an expanding IN list,
processing parameters and rows. :class:`Plain` compiles a statement once for asyncpg
(the same SQL and the same bind processing SQLAlchemy would use) and
:class:`PlainConnection` runs it with asyncpg's own API on the driver connection under
the session's, so it shares the session's transaction. Measured in docs/internals.md:
server CPU per message 1.01 ms with it, 2.03 ms without (bench/internals.py).

Compiling uses public APIs only. The private part: when asyncpg raises, the error is
handed to SQLAlchemy's asyncpg adapter (``AsyncAdapt_asyncpg_connection._handle_exception``)
so that it is raised as SQLAlchemy would raise it (``IntegrityError``…) and a lost
connection is noted as the adapter notes it for its own statements.
tests/kit/test_adapter_sqlalchemy_asyncpg.py checks what this relies on.

``DONGNE_INTERNALS_OFF=sqlalchemy_asyncpg`` sends these statements through SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from dongne.kit import adapters

CHECKED_VERSIONS = {"sqlalchemy": (">=2.1.0", "<2.2"), "asyncpg": (">=0.30", "<0.33")}


def enabled() -> bool:
    return adapters.enabled("sqlalchemy_asyncpg")


class Plain:
    """A Core statement compiled once for asyncpg, run on the session's driver
    connection with asyncpg's own API: what SQLAlchemy would send (the same SQL,
    the same bind processing), without its per-execution work. The IN lists of
    constants are expanded here, once; ``names`` are the run-time parameters.

    The caller must be inside the session's transaction for a write (asyncpg
    runs a statement outside one in autocommit)."""

    def __init__(self, statement: Any, names: Sequence[str]) -> None:
        dialect = PGDialect_asyncpg()  # type: ignore[no-untyped-call]
        compiled = statement.compile(dialect=dialect)
        expanded = compiled.construct_expanded_state(dict.fromkeys(names))
        self.sql: str = expanded.statement
        # For each $n: the run-time parameter's name or a constant, and its processor.
        self._slots: list[tuple[str | None, Any, Callable[[Any], Any] | None]] = []
        for name in expanded.positiontup or ():
            if name in names:
                kind = compiled.binds[name].type.dialect_impl(dialect)
                self._slots.append((name, None, kind.bind_processor(dialect)))
            else:
                self._slots.append((None, expanded.parameters[name], None))
        missing = set(names) - {name for name, _, _ in self._slots}
        assert not missing, f"parameters not in the statement: {missing}"

    def args(self, values: Mapping[str, Any]) -> list[Any]:
        out = []
        for name, constant, process in self._slots:
            if name is None:
                out.append(constant)
            else:
                value = values[name]
                out.append(value if process is None else process(value))
        return out


class PlainConnection:
    """The asyncpg connection under a session's connection, to run :class:`Plain`
    statements on."""

    __slots__ = ("_dialect", "_fairy", "driver")

    def __init__(self, fairy: Any, dialect: Any) -> None:
        self._fairy = fairy
        self._dialect = dialect
        self.driver: Any = fairy.driver_connection

    @classmethod
    async def of(cls, conn: AsyncConnection) -> PlainConnection:
        return cls(await conn.get_raw_connection(), conn.dialect)

    def in_transaction(self) -> bool:
        return bool(self.driver.is_in_transaction())

    async def fetchrow(self, plain: Plain, values: Mapping[str, Any]) -> Any:
        """``plain``'s row (an asyncpg record), or None. An error is raised as SQLAlchemy
        would have raised it (``IntegrityError``…), and the adapter notes a lost
        connection as it does for its own statements."""
        args = plain.args(values)
        try:
            return await self.driver.fetchrow(plain.sql, *args)
        except Exception as error:
            try:
                self._fairy.dbapi_connection._handle_exception(error)
            except Exception as translated:
                raise DBAPIError.instance(
                    plain.sql,
                    args,
                    translated,
                    self._dialect.loaded_dbapi.Error,
                    dialect=self._dialect,
                ) from error
            raise


class Row:
    """An asyncpg record read by attribute, as a SQLAlchemy row is."""

    __slots__ = ("_record",)

    def __init__(self, record: Any) -> None:
        self._record = record

    def __getattr__(self, name: str) -> Any:
        try:
            return self._record[name]
        except KeyError:
            raise AttributeError(name) from None
