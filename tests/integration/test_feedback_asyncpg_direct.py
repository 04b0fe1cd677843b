"""The hot statements straight on asyncpg (adapters/asyncpg_direct.py), on PostgreSQL: the rows read back as
SQLAlchemy reads them, and its errors come back as SQLAlchemy's, a lost connection as an outage (UNAVAILABLE,
retried, the connection not handed out again) and a duplicate as an IntegrityError."""
from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError

from paars_feedback.adapters import asyncpg_direct
from paars_feedback.adapters import tables as t
from paars_feedback.adapters.repository import _receiver_statement
from paars_feedback.bootstrap import MIGRATIONS
from paars_platform.db import Database, is_unavailable
from tests.conftest import create_pg_database, drop_pg_database
from tests.helpers import migrated

NOW = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)
_INSERT_PERSON = sa.select(sa.literal(1)).add_cte(
    t.people.insert().values(
        id=sa.bindparam("id"), name="Ann", manager_id=sa.bindparam("manager"), team_id=None, roles=sa.bindparam("roles", type_=sa.JSON),
        active=True, directory_coach_id=None, version=1, updated_at=sa.bindparam("at", type_=t.people.c.updated_at.type),
    ).cte("w")
).execution_options(**asyncpg_direct.DIRECT)


@pytest.fixture
def pg_url() -> Iterator[str]:
    url = create_pg_database()
    try:
        yield url
    finally:
        drop_pg_database(url)


@pytest.fixture
async def db(pg_url: str) -> AsyncIterator[Database]:
    async with migrated(pg_url, MIGRATIONS) as database:
        yield database


async def direct(conn: sa.ext.asyncio.AsyncConnection, statement: object, params: dict[str, object]) -> asyncpg_direct.Result:
    return await asyncpg_direct.execute(conn, await asyncpg_direct.driver(conn), statement, params)


async def test_a_direct_statement_reads_back_as_through_sqlalchemy(db: Database) -> None:
    async with db.engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await direct(conn, _INSERT_PERSON, {"id": "mgr", "manager": None, "roles": ["manager"], "at": NOW})
        await direct(conn, _INSERT_PERSON, {"id": "ann", "manager": "mgr", "roles": ["employee"], "at": NOW})
        params = {"receiver": "ann", "giver": "mgr", "since_0": NOW - dt.timedelta(days=1), "skip_0": 0}
        ours = (await direct(conn, _receiver_statement(1), params)).first()
        theirs = (await conn.execute(_receiver_statement(1), params)).first()
        assert (ours.active, ours.giver_manages, ours.receiver_manages, ours[3]) == tuple(theirs) == (True, True, False, None)
        assert (await direct(conn, _receiver_statement(1), {**params, "receiver": "nobody"})).first() is None
        stored = (await conn.execute(sa.select(t.people.c.roles, t.people.c.updated_at).where(t.people.c.id == "ann"))).one()
        assert (stored.roles, stored.updated_at) == (["employee"], NOW), "JSON and UTC times bound as SQLAlchemy binds them"


async def test_a_duplicate_is_an_integrity_error_and_a_lost_connection_an_outage(db: Database) -> None:
    async with db.engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        person = {"id": "ann", "manager": None, "roles": [], "at": NOW}
        await direct(conn, _INSERT_PERSON, person)
        with pytest.raises(IntegrityError):
            await direct(conn, _INSERT_PERSON, person)
        pid = (await conn.execute(sa.text("SELECT pg_backend_pid()"))).scalar()
        async with db.engine.connect() as other:
            await other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            await other.commit()
        with pytest.raises(DBAPIError) as lost:
            await direct(conn, _INSERT_PERSON, {**person, "id": "bob"})
        assert lost.value.connection_invalidated and is_unavailable(lost.value)
        assert conn.invalidated
    async with db.engine.connect() as fresh:
        assert (await fresh.execute(sa.select(sa.func.count()).select_from(t.people))).scalar() == 1
