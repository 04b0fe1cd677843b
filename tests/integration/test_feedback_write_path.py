"""What one durable GiveFeedback costs in statements and round trips (issue 13 item 5), counted rather than timed:
on PostgreSQL the receiver read and one write statement (the item, its outbox row and the idempotency record
together) with no BEGIN or COMMIT; on SQLite the same rows in four statements inside the write transaction."""
from __future__ import annotations

import pathlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from paars.feedback.v1 import feedback_pb2 as pb
from paars.org.v1 import org_pb2
from paars_feedback.adapters import directory
from paars_feedback.adapters import tables as t
from paars_feedback.bootstrap import MIGRATIONS, servicer
from paars_feedback.config import DEFAULT_VISIBILITIES, VISIBILITY_NAMES, FeedbackConfig
from paars_platform.auth import Identity, current_identity
from paars_platform.db import Database, migrate
from tests.helpers import demo_directory

# What asyncpg sends outside any statement: the transaction commands and the pool's ping (an empty query).
SIMPLE = frozenset({"BEGIN;", "COMMIT;", "ROLLBACK;", ";", ""})
CONFIG = FeedbackConfig(tuple(VISIBILITY_NAMES[n] for n in DEFAULT_VISIBILITIES.split(",")), 3, 30, ((1000, 60), (10000, 86400)), 0.0)


class Counted:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.statements: list[str] = []
        # Simple-protocol queries asyncpg sends (BEGIN, COMMIT, ROLLBACK, the pool's ping); prepared statements
        # are the `statements` above: SQLAlchemy's cursor executes, and those the unit of work runs straight on
        # asyncpg (adapters/asyncpg_direct.py), which only asyncpg's query logger sees.
        self.simple: list[str] = []
        event.listen(db.engine.sync_engine, "before_cursor_execute", lambda *a: self.statements.append(a[2].split(None, 1)[0]))
        if not db.sqlite:
            event.listen(db.engine.sync_engine, "connect", lambda c, _: c.driver_connection.add_query_logger(self._sent))

    def _sent(self, record: Any) -> None:
        query = record.query.strip()
        if query in SIMPLE:
            self.simple.append(query)
        else:
            self.statements.append(query.split(None, 1)[0])

    def reset(self) -> None:
        self.statements.clear()
        self.simple.clear()


@pytest.fixture
async def counted(database_url: str, tmp_path: pathlib.Path) -> AsyncIterator[Counted]:
    await migrate(database_url, MIGRATIONS)
    db = Database(database_url)
    c = Counted(db)
    async with db.transaction() as conn:
        for employee in demo_directory().employees:
            await directory.apply_employee_changed(conn, org_pb2.EmployeeChanged(employee=employee))
    try:
        yield c
    finally:
        await db.dispose()


def praise(key: str) -> pb.GiveFeedbackRequest:
    return pb.GiveFeedbackRequest(receiver_id="bob", kind=pb.FEEDBACK_KIND_PRAISE, relation=pb.RELATION_PEER, text="Clear hand-over.", idempotency_key=key)


async def test_a_durable_give_feedback_is_two_statements_on_postgresql_and_four_on_sqlite(counted: Counted) -> None:
    feedback = servicer(counted.db, CONFIG)
    current_identity.set(Identity("ann", frozenset({"employee"}), "person"))
    for i in range(3):
        counted.reset()
        given = await feedback.GiveFeedback(praise(f"k{i}"), None)  # type: ignore[arg-type]
        if counted.db.sqlite:
            assert counted.statements == ["WITH", "INSERT", "INSERT", "INSERT"]
        else:
            # The receiver read (with the limits and both manager relations), then one WITH ... INSERT.
            assert counted.statements == ["WITH", "WITH"]
            # No transaction of its own: each BEGIN asyncpg sent is the pool's connection check, rolled back.
            assert "COMMIT;" not in counted.simple and counted.simple.count("BEGIN;") == counted.simple.count("ROLLBACK;")
    # Durable means there: the item, its event and the answer for its key.
    async with counted.db.read() as conn:
        assert (await conn.execute(sa.select(sa.func.count()).select_from(t.feedback))).scalar() == 3
        assert (await conn.execute(sa.select(sa.func.count()).select_from(t.platform["outbox"]))).scalar() == 3
        assert (await conn.execute(sa.select(sa.func.count()).select_from(t.platform["idempotency_keys"]))).scalar() == 3
    # A retry is answered from its key and writes nothing.
    counted.reset()
    again = await feedback.GiveFeedback(praise("k2"), None)  # type: ignore[arg-type]
    assert again.id == given.id
    async with counted.db.read() as conn:
        assert (await conn.execute(sa.select(sa.func.count()).select_from(t.feedback))).scalar() == 3
