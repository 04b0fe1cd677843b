"""PostgreSQL's pool is fixed (paars_platform.db.Database): more concurrent transactions than connections wait their
turn on the kept connections; none is opened and closed again under load, and every transaction commits."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from paars_platform import db as dbmod
from tests.conftest import create_pg_database, drop_pg_database


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    url = await asyncio.to_thread(create_pg_database)
    try:
        yield url
    finally:
        await asyncio.to_thread(drop_pg_database, url)


async def test_64_concurrent_transactions_share_the_kept_connections_and_all_commit(pg_url: str) -> None:
    database = dbmod.Database(pg_url, pool_size=4)
    opened: list[int] = []
    closed: list[int] = []
    event.listen(database.engine.sync_engine, "connect", lambda c, _: opened.append(1))
    event.listen(database.engine.sync_engine, "close", lambda c, _: closed.append(1))
    committed: list[int] = []
    database.commit_hooks.append(lambda: committed.append(1))
    try:
        async with database.transaction() as conn:
            await conn.execute(sa.text("CREATE TABLE written (n int)"))

        async def write(n: int) -> None:
            async with database.transaction() as conn:
                await conn.execute(sa.text("INSERT INTO written VALUES (:n)"), {"n": n})
                await asyncio.sleep(0)  # others come in while this one holds its connection
                await conn.execute(sa.text("SELECT count(*) FROM written"))

        for _ in range(3):
            await asyncio.gather(*(write(n) for n in range(64)))
        async with database.read() as conn:
            count = (await conn.execute(sa.text("SELECT count(*) FROM written"))).scalar()
        closed_under_load = len(closed)
    finally:
        await database.dispose()
    assert count == 3 * 64, "every transaction committed"
    assert len(committed) == 1 + 3 * 64
    assert len(opened) <= 4, f"{len(opened)} connections opened for a pool of 4"
    assert closed_under_load == 0, "no connection closed before the pool was disposed"


async def test_with_overflow_the_same_load_opens_more_than_the_pool(pg_url: str) -> None:
    # The behaviour the fixed pool removes: with overflow, connections beyond the pool come and go.
    database = dbmod.Database(pg_url, pool_size=4, max_overflow=4)
    opened: list[int] = []
    event.listen(database.engine.sync_engine, "connect", lambda c, _: opened.append(1))
    try:
        async def hold() -> None:
            async with database.read() as conn:
                await conn.execute(sa.text("SELECT pg_sleep(0.01)"))

        await asyncio.gather(*(hold() for _ in range(16)))
    finally:
        await database.dispose()
    assert len(opened) > 4
