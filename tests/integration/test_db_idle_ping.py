"""The PostgreSQL pool checks a connection before use only when it sat idle (paars_platform.db._ping_when_idle):
one killed while idle (a restarted server) is replaced unseen; one back in use at once costs no round trip."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from paars_platform import db as dbmod
from tests.conftest import create_pg_database, drop_pg_database


@pytest.fixture
async def pg(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[tuple[dbmod.Database, list[str]]]:
    monkeypatch.setattr(dbmod, "PING_IDLE_SECONDS", 0.3)
    url = await asyncio.to_thread(create_pg_database)
    database = dbmod.Database(url, pool_size=1)
    simple: list[str] = []
    event.listen(database.engine.sync_engine, "connect", lambda c, _: c.driver_connection.add_query_logger(lambda r: simple.append(r.query.strip())))
    try:
        yield database, simple
    finally:
        await database.dispose()
        await asyncio.to_thread(drop_pg_database, url)


async def one(database: dbmod.Database) -> int:
    async with database.transaction() as conn:
        return int((await conn.execute(sa.text("SELECT 1"))).scalar() or 0)


async def test_a_connection_killed_while_idle_is_replaced_before_use(pg: tuple[dbmod.Database, list[str]]) -> None:
    database, _ = pg
    assert await one(database) == 1
    async with database.engine.connect() as conn:
        pid = (await conn.execute(sa.text("SELECT pg_backend_pid()"))).scalar()
    killer = dbmod.Database(database.url, pool_size=1)
    try:
        async with killer.transaction() as conn:
            assert (await conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})).scalar()
    finally:
        await killer.dispose()
    await asyncio.sleep(0.5)  # idle past PING_IDLE_SECONDS: the next checkout checks, finds it dead, connects anew
    assert await one(database) == 1


async def test_a_connection_in_use_again_at_once_is_not_checked(pg: tuple[dbmod.Database, list[str]]) -> None:
    database, simple = pg
    assert await one(database) == 1
    simple.clear()
    for _ in range(5):
        assert await one(database) == 1
    # Only each transaction's own BEGIN and COMMIT: no ping (BEGIN; ; ROLLBACK) between them.
    assert simple.count("ROLLBACK;") == 0 and simple.count("BEGIN;") == simple.count("COMMIT;") == 5
