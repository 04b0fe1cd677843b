"""The embedded default's SQLite connections: statements run on the event loop's thread, and a file
locked by another writer is waited for without blocking the loop."""
from __future__ import annotations

import asyncio
import sqlite3
import threading

import pytest
import sqlalchemy as sa

from paars_platform import db as dbmod
from paars_platform.db import Database

pytestmark = pytest.mark.asyncio

metadata = sa.MetaData()
items = sa.Table("items", metadata, sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.String(50)))


@pytest.fixture
async def database(tmp_path):
    db = Database(f"sqlite+aiosqlite:///{tmp_path}/inline.db")
    async with db.transaction() as conn:
        await conn.run_sync(metadata.create_all)
    yield db, str(tmp_path / "inline.db")
    await db.dispose()


async def test_statements_run_on_the_event_loop_thread(database) -> None:
    db, _ = database
    async with db.read() as conn:
        raw = await conn.get_raw_connection()
        await raw.driver_connection.create_function("thread_id", 0, threading.get_ident)
        ran_on = (await conn.execute(sa.text("SELECT thread_id()"))).scalar()
    assert ran_on == threading.get_ident()


async def test_a_write_waits_for_another_writer_without_blocking_the_loop(database) -> None:
    db, path = database
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process's writer holds the file
    other.execute("INSERT INTO items (id, name) VALUES (1, 'theirs')")
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    async def write() -> None:
        async with db.transaction() as conn:
            await conn.execute(items.insert().values(id=2, name="ours"))

    clock = asyncio.create_task(ticker())
    writing = asyncio.create_task(write())
    await asyncio.sleep(0.3)
    assert not writing.done(), "the write must wait for the other writer"
    waited_ticks = ticks
    other.execute("COMMIT")
    await asyncio.wait_for(writing, 5)
    clock.cancel()
    other.close()
    # The loop kept running while the write waited (a blocking busy_timeout would have frozen it).
    assert waited_ticks >= 10
    async with db.read() as conn:
        names = sorted((await conn.execute(sa.select(items.c.name))).scalars())
    assert names == ["ours", "theirs"]


async def test_a_writer_that_never_lets_go_ends_in_an_error_not_a_hang(database, monkeypatch) -> None:
    db, path = database
    monkeypatch.setattr(dbmod, "SQLITE_BUSY_SECONDS", 0.2)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(sa.exc.OperationalError, match="locked"):
            async with db.transaction() as conn:
                await conn.execute(items.insert().values(id=3, name="late"))
    finally:
        other.execute("ROLLBACK")
        other.close()
    async with db.read() as conn:
        assert (await conn.execute(sa.select(sa.func.count()).select_from(items))).scalar() == 0
