"""The hot write path's statements straight on asyncpg (issue 13 item 5): SQLAlchemy builds and compiles each
statement once; executing it costs asyncpg's prepared statement alone (about 16 us a statement against 74 us
through SQLAlchemy's execution context and result machinery on this machine).

The statements are the same SQL SQLAlchemy would send, with its parameter processing (bind processors, the
literal values such as LIMIT 1) applied here, so what reaches the database, and so every durability promise of the
unit of work, is unchanged. Errors come back as SQLAlchemy's: an integrity error as IntegrityError, a lost
connection as a DBAPIError with connection_invalidated (paars_platform.db.is_unavailable: UNAVAILABLE, retried),
after the connection is invalidated so the pool does not hand it out again."""
from __future__ import annotations

import collections
import functools
from collections.abc import Callable, Mapping
from typing import Any

import asyncpg
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

# SQLSTATE classes of a connection that is gone: 08 connection exception, 57 operator intervention (a restart).
_DISCONNECT_CLASSES = ("08", "57")
# Marks a statement for this path (Statement.execution_options(**DIRECT)); other executors ignore the option.
DIRECT = {"paars_direct": True}


def is_direct(statement: Any) -> bool:
    return bool(getattr(statement, "_execution_options", {}).get("paars_direct"))


class Compiled:
    """One statement for asyncpg: its SQL ($n), the parameters in order with their defaults and bind processors,
    and the row type its results come back as (attribute and index access, as SQLAlchemy's rows)."""

    def __init__(self, statement: Any, dialect: sa.Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        binds = compiled.binds
        if any(bp.expanding for bp in binds.values()):
            raise ValueError("expanding parameters are not compiled for asyncpg")
        processors = compiled._bind_processors
        self.sql: str = compiled.string
        self.params: tuple[tuple[str, Any, Callable[[Any], Any] | None], ...] = tuple(
            (name, None if binds[name].required else binds[name].effective_value, processors.get(name)) for name in compiled.positiontup or ()
        )
        columns = compiled._result_columns
        self.row = collections.namedtuple("Row", [c[0] for c in columns], rename=True) if columns else None
        self.results = tuple(c[3]._cached_result_processor(dialect, None) for c in columns)

    def arguments(self, params: Mapping[str, Any]) -> list[Any]:
        out = []
        for name, default, process in self.params:
            value = params.get(name, default)
            out.append(process(value) if process is not None else value)
        return out

    def rows(self, records: list[asyncpg.Record]) -> list[Any]:
        assert self.row is not None
        results = self.results
        if not any(results):
            return [self.row(*r) for r in records]
        return [self.row(*(p(v) if p is not None else v for p, v in zip(results, r, strict=True))) for r in records]


@functools.cache
def compiled_for(statement: Any, dialect: sa.Dialect) -> Compiled:
    """Compiled once per (cached) statement."""
    return Compiled(statement, dialect)


async def driver(conn: AsyncConnection) -> asyncpg.Connection:
    """The asyncpg connection under a SQLAlchemy one (its type codecs, JSON included, are SQLAlchemy's)."""
    raw = await conn.get_raw_connection()
    return raw.driver_connection


async def execute(conn: AsyncConnection, pg: asyncpg.Connection, statement: Any, params: Mapping[str, Any]) -> Result:
    """The statement's rows; asyncpg's own statement cache keeps it prepared on this connection."""
    compiled = compiled_for(statement, conn.dialect)
    arguments = compiled.arguments(params)
    try:
        records = await pg.fetch(compiled.sql, *arguments)
    except asyncpg.IntegrityConstraintViolationError as error:
        raise IntegrityError(compiled.sql, arguments, error) from error
    except asyncpg.PostgresError as error:
        if not (error.sqlstate or "").startswith(_DISCONNECT_CLASSES):
            raise DBAPIError(compiled.sql, arguments, error) from error
        await conn.invalidate(error)
        raise DBAPIError(compiled.sql, arguments, error, connection_invalidated=True) from error
    except (asyncpg.InterfaceError, asyncpg.InternalClientError, OSError, TimeoutError) as error:
        # InternalClientError: the server ended the connection (e.g. pg_terminate_backend, a restart) and its
        # FATAL message reached the protocol between two statements, which asyncpg then reports as "cannot switch
        # to state ...; another operation is in progress": the connection is as lost as after an InterfaceError.
        await conn.invalidate(error)
        raise DBAPIError(compiled.sql, arguments, error, connection_invalidated=True) from error
    return Result(compiled.rows(records) if compiled.row is not None else records)


class Result:
    """What is read of a direct statement's result: its first row, or that row's first value."""

    def __init__(self, rows: list[Any]) -> None:
        self._rows = rows

    def first(self) -> Any:
        return self._rows[0] if self._rows else None

    def scalar(self) -> Any:
        return self._rows[0][0] if self._rows else None
