"""The consumer's and the scheduler's counters count committed work, on SQLite and PostgreSQL: a transaction that
rolls back after the counted work (an exception in it, a batch the inbox retries event by event) counts nothing, and
the work committed counts once (paars_platform.db.after_commit)."""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa
from prometheus_client import REGISTRY

from paars.goals.v1 import goals_pb2 as gl
from paars.notifications.v1 import notifications_pb2 as pb
from paars_notifications.adapters import tables as t
from paars_notifications.bootstrap import GROUP_ID
from paars_notifications.service_layer.prompting import PromptService
from paars_platform.db import Database, utcnow
from paars_platform.events import header
from paars_platform.inbox import InboxConsumer
from tests.conftest import make_settings
from tests.integration.test_notifications_batch import DeadLetters, as_batch, db, milestone, people, record, service

__all__ = ["db"]  # the fixture, shared with the batch tests

PARKED = "paars_notifications_events_parked_total"
RELEASED_LATER = "paars_notifications_prompts_released_later_total"
TOPIC = "goals.goal-updated.v1"


class AfterTheWork(Exception):
    """Raised inside the transaction once the counted work is done."""


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def parked_rows(db: Database) -> int:
    async with db.read() as conn:
        return int((await conn.execute(sa.select(sa.func.count()).select_from(t.parked_events))).scalar_one())


async def test_an_exception_after_a_park_rolls_it_back_uncounted_and_the_park_committed_counts_once(db: Database) -> None:
    prompts = service(db)
    await as_batch(db, prompts, people())
    goal = milestone("newcomer")  # no record of them yet: the event is parked
    before = value(PARKED, topic=TOPIC)
    with pytest.raises(AfterTheWork):
        async with db.transaction() as conn:
            prompts.begin(conn)
            await prompts.handle(conn, goal)
            await prompts.before_commit(conn)  # the park is written here, and counted once committed
            raise AfterTheWork()
    assert await parked_rows(db) == 0 and value(PARKED, topic=TOPIC) == before
    await as_batch(db, prompts, [goal])
    assert await parked_rows(db) == 1 and value(PARKED, topic=TOPIC) == before + 1


async def test_a_batch_the_inbox_rolls_back_and_applies_event_by_event_counts_its_park_once(
    db: Database, database_url: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    prompts = service(db)
    await as_batch(db, prompts, people())
    real = PromptService._apply_run

    async def apply_run(self: PromptService, conn: Any, items: Any) -> None:
        if any(isinstance(item.event, gl.GoalUpdated) and item.event.goal.title == "poison" for item in items):
            raise ValueError("this event's writes fail")  # after the batch's park, which is written first
        await real(self, conn, items)

    monkeypatch.setattr(PromptService, "_apply_run", apply_run)
    letters = DeadLetters()
    consumer = InboxConsumer(
        make_settings("notifications", database_url=database_url, kafka_bootstrap="127.0.0.1:9"), db, t.platform["inbox"],
        letters, group_id=GROUP_ID, handlers=prompts.handlers(), after_commit=prompts.after_commit, hooks=prompts,  # type: ignore[arg-type]
    )
    waiting, poison = milestone("newcomer"), milestone("r0-1", title="poison")
    before = value(PARKED, topic=TOPIC)
    # The batch parks the first event and fails on the second: it rolls back whole and the inbox applies each alone.
    await consumer.process_batch([record(waiting, 0), record(poison, 1)])
    assert [header(h, "ce_id") for _t, _k, _v, h in letters.sent] == [poison.metadata.event_id]
    assert await parked_rows(db) == 1
    assert value(PARKED, topic=TOPIC) == before + 1, "the park that committed, once"


async def test_a_scheduler_round_that_rolls_back_counts_no_release_and_the_next_round_counts_each_once(
    db: Database, monkeypatch: pytest.MonkeyPatch,
) -> None:
    prompts = service(db)
    await as_batch(db, prompts, people())
    await as_batch(db, prompts, [milestone("r0-0"), milestone("r1-0")])  # a prompt for m0 and one for m1
    async with db.transaction() as conn:
        await conn.execute(t.prompts.update().values(
            state="held", release_at=utcnow() - dt.timedelta(minutes=1), cursor=None, released_at=None, digest=t.prompts.c.recipient_id == "m1",
        ))
    real = PromptService.release
    calls = 0

    async def release(self: PromptService, conn: Any, rows: Any, now: dt.datetime) -> list[pb.Prompt]:
        nonlocal calls
        calls += 1
        released = await real(self, conn, rows, now)
        if calls == 2:  # the digest's, after the round released (and counted) the other one
            raise AfterTheWork()
        return released

    monkeypatch.setattr(PromptService, "release", release)
    kind = pb.PromptKind.Name(pb.PROMPT_KIND_GIVE_FEEDBACK)
    before = value(RELEASED_LATER, kind=kind)
    with pytest.raises(AfterTheWork):
        await prompts.tick()
    async with db.read() as conn:
        states = (await conn.execute(sa.select(t.prompts.c.state))).scalars().all()
    assert sorted(states) == ["held", "held"] and value(RELEASED_LATER, kind=kind) == before, "rolled back: none released"
    assert len(await prompts.tick()) == 2
    assert value(RELEASED_LATER, kind=kind) == before + 2, "each release once"
    assert await prompts.tick() == [] and value(RELEASED_LATER, kind=kind) == before + 2
