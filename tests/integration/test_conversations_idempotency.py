"""Conversations' request keys over the SQL unit of work, on SQLite and on PostgreSQL (each test runs on both): the
same key twice is one row and the same answer, also when the two arrive at once; the idempotency record is
committed with the change or not at all."""
from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa

from paars_conversations.adapters import tables as t
from paars_conversations.bootstrap import MIGRATIONS, message_bus
from paars_conversations.domain import coaching as co
from paars_conversations.domain import concerns as cn
from paars_conversations.domain import one_on_one as o
from paars_conversations.service_layer import commands as c
from paars_conversations.service_layer.messagebus import MessageBus
from paars_platform.db import Database
from paars_platform.errors import InvalidArgument, NotFound
from tests.helpers import migrated
from tests.integration.test_conversations_repository import NOW, directory_rows
from tests.unit.conversations_fakes import organisation, person

MGR, ANN = person("mgr", "manager"), person("ann")


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    async with migrated(database_url, MIGRATIONS) as database:
        async with database.transaction() as conn:
            await conn.execute(t.people.insert(), directory_rows(organisation().people.values(), NOW))
        yield database


def bus(db: Database) -> MessageBus:
    return message_bus(db, clock=lambda: NOW)


async def count(db: Database, table: sa.Table) -> int:
    async with db.read() as conn:
        return int((await conn.execute(sa.select(sa.func.count()).select_from(table))).scalar_one())


async def a_meeting(db: Database) -> o.Meeting:
    view = await bus(db).handle(c.SchedulePair(MGR, other_id="ann", kind=o.PairKind.MANAGER_REPORT, cadence_days=14, first_on=dt.date(2026, 3, 4)))
    assert view.next_meeting is not None
    return view.next_meeting


async def test_an_agenda_topic_sent_twice_is_one_topic_and_the_same_answer(db: Database) -> None:
    meeting = await a_meeting(db)
    topic = c.AddAgendaTopic(ANN, meeting_id=meeting.id, text="Mijn doel", link_kind=o.LinkKind.GOAL, link_id="goal-1", request=c.RequestKey("form-1", "h1"))
    first = await bus(db).handle(topic)
    again = await bus(db).handle(topic)
    assert again == first and len(first.meeting.agenda) == 1
    async with db.read() as conn:
        agenda = (await conn.execute(sa.select(t.meetings.c.agenda).where(t.meetings.c.id == meeting.id))).scalar_one()
    assert len(agenda) == 1
    assert await count(db, t.platform["idempotency_keys"]) == 1


async def test_a_concern_and_a_coaching_session_sent_twice_are_one_row_and_one_event_each(db: Database) -> None:
    raise_it = c.RaiseConcern(ANN, kind=cn.Kind.OTHER, text="Tegenstrijdige verwachtingen", request=c.RequestKey("c-1", "h"))
    assert await bus(db).handle(raise_it) == await bus(db).handle(raise_it)
    assert await count(db, t.concerns) == 1
    request = await bus(db).handle(c.RequestCoaching(ANN, coach_id="mgr", relation=co.Relation.MANAGER, topic="Presenteren"))
    await bus(db).handle(c.AnswerCoachingRequest(MGR, request_id=request.id, accept=True))
    record = c.RecordCoachingSession(MGR, request_id=request.id, held_on=dt.date(2026, 3, 3), notes="Geoefend", request=c.RequestKey("s-1", "h"))
    assert await bus(db).handle(record) == await bus(db).handle(record)
    assert await count(db, t.coaching_sessions) == 1
    outbox = t.platform["outbox"]
    async with db.read() as conn:
        topics = [r.topic for r in await conn.execute(sa.select(outbox.c.topic))]
    assert topics.count("conversations.coaching-session-completed.v1") == 1
    assert topics.count("conversations.concern-updated.v1") == 1


async def test_two_requests_with_one_key_at_once_make_one_change_and_get_one_answer(db: Database) -> None:
    meeting = await a_meeting(db)
    note = c.AddNote(ANN, meeting_id=meeting.id, text="Gedeeld", private=False, request=c.RequestKey("race", "h"))
    answers = await asyncio.gather(bus(db).handle(note), bus(db).handle(note))
    assert answers[0] == answers[1]
    async with db.read() as conn:
        notes = (await conn.execute(sa.select(t.meetings.c.shared_notes).where(t.meetings.c.id == meeting.id))).scalar_one()
    assert len(notes) == 1


async def test_a_refused_request_remembers_nothing_and_the_key_stays_free(db: Database) -> None:
    with pytest.raises(NotFound):
        await bus(db).handle(c.AddNote(ANN, meeting_id="no-such-meeting", text="x", private=False, request=c.RequestKey("k", "h1")))
    assert await count(db, t.platform["idempotency_keys"]) == 0
    meeting = await a_meeting(db)
    await bus(db).handle(c.AddNote(ANN, meeting_id=meeting.id, text="x", private=False, request=c.RequestKey("k", "h2")))
    with pytest.raises(InvalidArgument):
        await bus(db).handle(c.AddNote(ANN, meeting_id=meeting.id, text="y", private=False, request=c.RequestKey("k", "h3")))


async def test_remembered_answers_leave_with_their_retention_period(db: Database) -> None:
    import datetime as dt_

    from paars_conversations.adapters import person_data

    meeting = await a_meeting(db)
    await bus(db).handle(c.AddNote(ANN, meeting_id=meeting.id, text="Alleen voor mij", private=True, request=c.RequestKey("k", "h")))
    job = person_data.retention(db, {"answers": 1})
    from paars_platform.db import utcnow

    # The record is stamped with the wall clock when it is remembered (as goals and feedback stamp theirs).
    later = utcnow() + dt_.timedelta(days=2)
    job.clock = lambda: later
    run = await job.run_once()
    assert run.deleted.get("answers") == 1 and await count(db, t.platform["idempotency_keys"]) == 0
    assert await count(db, t.private_notes) == 1, "the note itself follows its own period"
