"""An event that comes before the directory record of someone it names waits for it (parked_events), on SQLite and
PostgreSQL: through the broker, the manager's prompt is made once when the record comes, across a restart and a
redelivery; after the wait it is applied with what the directory knows; two replicas apply it once; erasure takes it; one
whose rules fail when it is applied is dead-lettered through the outbox."""
from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import sqlalchemy as sa

from paars.common.v1 import event_pb2 as ev
from paars.feedback.v1 import feedback_pb2 as fb
from paars.org.v1 import org_pb2
from paars_notifications.adapters import tables as t
from paars_notifications.bootstrap import GROUP_ID, MIGRATIONS
from paars_notifications.config import NotificationsConfig
from paars_platform.db import Database
from paars_platform.events import decode, header, new_metadata, to_record
from paars_platform.kafka import Publisher
from paars_platform.outbox import OutboxRelay
from tests.conftest import kafka_idempotence
from tests.helpers import StatementLog, migrated, read_topic
from tests.integration.test_notifications_batch import as_batch, employee, milestone, people, service
from tests.integration.test_notifications_service import FAST, Harness, _all, harness, until
from tests.unit.test_notifications_parking import failing_rules_for, sample

__all__ = ["harness"]  # the fixture, shared with the service's tests


def joined(h: Harness, person: str, manager: str) -> org_pb2.EmployeeChanged:
    return org_pb2.EmployeeChanged(
        metadata=new_metadata(producer="goals", subject_id=h.id(person), visibility=ev.VISIBILITY_INTERNAL),
        change=org_pb2.EmployeeChanged.CHANGE_CREATED,
        employee=org_pb2.Employee(id=h.id(person), name="Zoë Zomer", email=f"{person}@paars.example", manager_id=h.id(manager), active=True,
                                  version=1, time_zone="Europe/Brussels"),
    )


async def test_a_milestone_before_its_owners_record_prompts_the_manager_once_when_the_record_comes_across_a_restart(harness: Harness) -> None:
    h = harness
    await h.start()
    await h.directory()  # boss, mgr, ann, bob: not zoe
    goal = h.milestone("zoe")
    await h.publish(goal)
    parked = await until(lambda: _all(h.rows(t.parked_events, t.parked_events.c.event_id == goal.metadata.event_id), 1))
    assert [(r.topic, r.awaited) for r in parked] == [("goals.goal-updated.v1", [h.id("zoe")])]
    assert await h.rows(t.prompts, t.prompts.c.cause_event_id == goal.metadata.event_id) == []
    await h.stop()

    await h.start()
    await h.publish(joined(h, "zoe", "mgr"))
    made = await until(lambda: _all(h.rows(t.prompts, t.prompts.c.cause_event_id == goal.metadata.event_id), 1))
    assert [(r.recipient_id, r.state) for r in made] == [(h.id("mgr"), "released")]
    assert "Zoë Zomer" in made[0].title
    assert await h.rows(t.parked_events) == []
    # Delivered again (a rebalance before the offsets were committed), and the record again: nothing more.
    await h.publish(goal, joined(h, "zoe", "mgr"))
    await h.publish(h.milestone("ann", goal="g-after"))
    await until(lambda: _all(h.rows(t.prompts, t.prompts.c.about_id == h.id("ann")), 1))
    assert len(await h.rows(t.prompts, t.prompts.c.cause_event_id == goal.metadata.event_id)) == 1


async def test_once_the_wait_is_over_an_event_is_applied_with_what_the_directory_knows(harness: Harness) -> None:
    h = harness
    await h.start(dataclasses.replace(FAST, directory_wait_seconds=1.0))
    await h.directory()
    given = fb.FeedbackGiven(  # from someone never imported
        metadata=new_metadata(producer="feedback", subject_id=h.id("ann"), visibility=ev.VISIBILITY_RECEIVER_AND_MANAGER, actor_id=h.id("ghost")),
        feedback_id=uuid.uuid4().hex, giver_id=h.id("ghost"), receiver_id=h.id("ann"), kind=fb.FEEDBACK_KIND_PRAISE,
    )
    await h.publish(given)
    made = await until(lambda: _all(h.rows(t.prompts, t.prompts.c.cause_event_id == given.metadata.event_id), 1))
    assert [r.recipient_id for r in made] == [h.id("ann")]
    assert (made[0].created_at - made[0].cause_occurred_at).total_seconds() >= 1.0, "it waited for the giver's record first"
    assert h.id("ghost") in made[0].title, "named by id, as an unknown giver was before"
    assert await h.rows(t.parked_events) == []


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    async with migrated(database_url, MIGRATIONS) as database:
        yield database


async def _prompts_of(db: Database, event: Any) -> list[Any]:
    async with db.read() as conn:
        return list((await conn.execute(sa.select(t.prompts).where(t.prompts.c.cause_event_id == event.metadata.event_id))).all())


async def test_two_replicas_apply_a_parked_event_once(db: Database) -> None:
    """Replica a parks the event; the person's record is projected elsewhere (the row is there, neither cache knows);
    both replicas' scheduler rounds run at once: the prompt is made once (SKIP LOCKED on PostgreSQL)."""
    a, b = service(db), service(db)
    await as_batch(db, a, people())
    goal = milestone("zoe")
    await as_batch(db, a, [goal])
    assert await _prompts_of(db, goal) == []
    async with db.transaction() as conn:
        await conn.execute(t.people.insert().values(
            id="zoe", name="ZOE", email="zoe@paars.example", manager_id="m0", time_zone="UTC", hr=False, roles=[], active=True, version=1,
        ))
    released = await asyncio.gather(a.tick(), b.tick())
    assert sorted(p.recipient_id for round_ in released for p in round_) == ["m0"]
    assert [r.recipient_id for r in await _prompts_of(db, goal)] == ["m0"]
    async with db.read() as conn:
        assert (await conn.execute(sa.select(sa.func.count()).select_from(t.parked_events))).scalar_one() == 0


async def test_the_record_in_a_later_batch_applies_the_parked_event_in_its_transaction(db: Database) -> None:
    """The directory change and the parked event's prompt commit together; the common batch costs what it did."""
    prompts = service(db)
    await as_batch(db, prompts, people())
    goal = milestone("zoe")
    with StatementLog(db) as parking:
        await as_batch(db, prompts, [goal])
    with StatementLog(db) as record:
        await as_batch(db, prompts, [employee("zoe", "m1")])
    assert [r.recipient_id for r in await _prompts_of(db, goal)] == ["m1"]
    on_postgresql = db.engine.dialect.name == "postgresql"
    # The claim (and on SQLite the read), the directory read of the unknown owner, the park.
    assert any(text.lstrip().upper().startswith("INSERT INTO PARKED_EVENTS") for text in parking.texts), parking.heads()
    assert any("parked_events" in text and "FOR UPDATE" in text.upper() for text in record.texts) == on_postgresql, record.heads()
    with StatementLog(db) as common:
        await as_batch(db, prompts, [milestone("r1-1")])
    assert not any("parked_events" in text for text in common.texts), "everyone known: not a statement more"


async def test_erasing_the_person_deletes_the_events_waiting_about_them(db: Database) -> None:
    prompts = service(db)
    await as_batch(db, prompts, people())
    goal = milestone("zoe")
    await as_batch(db, prompts, [goal])
    erased = org_pb2.EmployeeChanged(
        metadata=new_metadata(producer="goals", subject_id="zoe", visibility=ev.VISIBILITY_INTERNAL),
        change=org_pb2.EmployeeChanged.CHANGE_ERASED, employee=org_pb2.Employee(id="zoe", version=2),
    )
    await as_batch(db, prompts, [erased])
    async with db.read() as conn:
        left = (await conn.execute(sa.select(sa.func.count()).select_from(t.parked_events))).scalar_one()
        audit = (await conn.execute(sa.select(t.privileged_actions.c.detail).where(t.privileged_actions.c.subject_id == "zoe"))).scalars().all()
    assert left == 0 and await _prompts_of(db, goal) == []
    assert [d["erased"]["parked_events"] for d in audit] == [1]
    prompts.config = NotificationsConfig(directory_wait_seconds=0)
    assert await prompts.tick() == [] and await _prompts_of(db, goal) == [], "nothing left to apply once the wait is over"


async def test_a_parked_event_whose_rules_fail_on_a_statement_is_dead_lettered_and_the_record_still_commits(
    db: Database, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A parked event's rules that fail on a statement: on PostgreSQL that aborts the transaction, which is the record's
    own (the directory change that made its people known). The rules run under a savepoint there, so the event alone
    is dead-lettered and the record is projected; without it the record's whole batch failed, and the record would
    have been dead-lettered in the event's stead."""
    from paars_notifications.adapters.prompt_repository import SqlPromptRepository
    from paars_notifications.service_layer.prompting import PromptService

    prompts = service(db)
    await as_batch(db, prompts, people())
    goal, other = milestone("zoe"), milestone("zoe", percent=100)
    await as_batch(db, prompts, [goal, other])
    original = PromptService.rules_of

    async def rules_of(self: PromptService, conn: Any, event: Any, *, park: bool = True) -> Any:
        if not park and event.metadata.event_id == goal.metadata.event_id:
            await conn.execute(sa.text("SELECT no_such_column FROM parked_events"))
        return await original(self, conn, event, park=park)

    monkeypatch.setattr(PromptService, "rules_of", rules_of)
    await as_batch(db, prompts, [employee("zoe", "m1")])
    o = t.platform["outbox"]
    async with db.read() as conn:
        assert await SqlPromptRepository(conn).known({"zoe"}) == {"zoe"}, "the record committed"
        assert (await conn.execute(sa.select(sa.func.count()).select_from(t.parked_events))).scalar_one() == 0
        letters = (await conn.execute(sa.select(o.c.headers).where(o.c.topic == "notifications.dead-letter.v1"))).all()
    assert [dict(row.headers)["ce_id"] for row in letters] == [goal.metadata.event_id]
    assert [r.recipient_id for r in await _prompts_of(db, other)] == ["m1"], "the other parked event is applied"


class RecordRolledBack(Exception):
    """Something after the parked event in the record's transaction failed: it rolls back whole."""


async def test_a_parked_event_whose_rules_fail_is_dead_lettered_through_the_outbox_with_its_rows_deletion(
    db: Database, kafka_bootstrap: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The record's transaction applies the parked event, whose rules now raise: the row's deletion and the dead letter's
    outbox row commit together, with the event's inbox row deleted (and none of it when it rolls back); the relay then
    publishes the dead letter to notifications.dead-letter.v1 as the inbox's own: the event's bytes, its headers, the
    dlq_* headers; replayed to its topic, the event is applied."""
    prompts = service(db)
    await as_batch(db, prompts, people())
    goal = milestone("zoe")
    await as_batch(db, prompts, [goal])
    failing_rules_for(monkeypatch, goal)
    o = t.platform["outbox"]
    topic = "goals.goal-updated.v1"
    counted = sample("paars_notifications_dead_letters_total", topic=topic, reason="handler-failed")
    failed = sample("paars_notifications_events_unparked_total", reason="failed")

    inbox = t.platform["inbox"]

    async def counts() -> tuple[int, int, int]:
        """Parked rows, dead letters in the outbox, and the event's inbox row."""
        async with db.read() as conn:
            parked = (await conn.execute(sa.select(sa.func.count()).select_from(t.parked_events))).scalar_one()
            letters = (await conn.execute(sa.select(sa.func.count()).select_from(o).where(o.c.topic == "notifications.dead-letter.v1"))).scalar_one()
            claimed = (await conn.execute(
                sa.select(sa.func.count()).select_from(inbox).where(inbox.c.consumer == GROUP_ID, inbox.c.event_id == goal.metadata.event_id),
            )).scalar_one()
        return parked, letters, claimed

    with pytest.raises(RecordRolledBack):
        async with db.transaction() as conn:
            prompts.begin(conn)
            await prompts.handle(conn, employee("zoe", "m1"))
            await prompts.before_commit(conn)
            raise RecordRolledBack()
    assert await counts() == (1, 0, 1), "rolled back: the event is still parked (and claimed), and no dead letter"
    assert sample("paars_notifications_dead_letters_total", topic=topic, reason="handler-failed") == counted
    assert sample("paars_notifications_events_unparked_total", reason="failed") == failed

    await as_batch(db, prompts, [employee("zoe", "m1")])
    assert await counts() == (0, 1, 0), "its inbox row went with it, as a dead-lettered event's claim rolls back"
    assert await _prompts_of(db, goal) == []
    assert sample("paars_notifications_dead_letters_total", topic=topic, reason="handler-failed") == counted + 1
    assert sample("paars_notifications_events_unparked_total", reason="failed") == failed + 1
    async with db.read() as conn:
        [row] = (await conn.execute(sa.select(o).where(o.c.topic == "notifications.dead-letter.v1"))).all()
    original = to_record(goal)
    assert (bytes(row.record_key), bytes(row.payload)) == (b"zoe", goal.SerializeToString())
    assert row.event_id != goal.metadata.event_id, "an outbox id of its own: the event's id is its ce_id header"
    headers = [(k, v.encode()) for k, v in row.headers]
    assert headers[: len(original.headers)] == original.headers
    assert {k: v.decode() for k, v in headers[len(original.headers):]} == {
        "dlq_reason": "handler-failed", "dlq_detail": "RuntimeError('the rule broke')", "dlq_source_topic": topic,
        "dlq_source_partition": "-1", "dlq_source_offset": "-1", "dlq_consumer": "notifications",
    }

    publisher = Publisher(kafka_bootstrap, client_id="test", idempotence=kafka_idempotence())
    relay = OutboxRelay(db, o, publisher, service="test")
    relay.start()
    try:
        records = await asyncio.to_thread(
            read_topic, kafka_bootstrap, "notifications.dead-letter.v1",
            until=lambda rs: any(header(r.headers, "ce_id") == goal.metadata.event_id for r in rs),
        )
    finally:
        await relay.stop()
        publisher.close()
    [sent] = [r for r in records if header(r.headers, "ce_id") == goal.metadata.event_id]
    assert (sent.key, sent.value, list(sent.headers)) == (b"zoe", goal.SerializeToString(), headers)
    assert decode(sent.value, sent.headers, goal.DESCRIPTOR.full_name) == goal, "replayable to its topic as it is"
    async with db.read() as conn:
        assert (await conn.execute(sa.select(o.c.sent_at).where(o.c.id == row.id))).scalar_one() is not None

    # The runbook's replay once the rule is mended: the dead letter's event back on its topic is applied.
    monkeypatch.undo()
    await as_batch(db, prompts, [decode(sent.value, sent.headers, goal.DESCRIPTOR.full_name)])
    assert [r.recipient_id for r in await _prompts_of(db, goal)] == ["m1"]
