"""The conversations repositories and unit of work on SQLite and on PostgreSQL (each test runs on both): what the
handler tests' fakes promise, the SQL keeps; and the privacy matrix once more, over the real SQL."""
from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterable
from typing import Any

import pytest
import sqlalchemy as sa

from paars_conversations.adapters import tables as t
from paars_conversations.adapters.sql_unit_of_work import SqlUnitOfWork
from paars_conversations.bootstrap import MIGRATIONS, message_bus
from paars_conversations.domain import circles as ci
from paars_conversations.domain import coaching as co
from paars_conversations.domain import concerns as cn
from paars_conversations.domain import one_on_one as o
from paars_conversations.domain.directory import Person
from paars_conversations.service_layer import commands as c
from paars_conversations.service_layer.messagebus import MessageBus
from paars_platform.db import Database
from tests.helpers import migrated
from tests.unit.test_conversations_privacy import AUDIENCE, READERS, everything_seen_by, organisation_with_an_hr_admin, populate

NOW = dt.datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=dt.UTC)


def directory_rows(people: Iterable[Person], at: dt.datetime) -> list[dict[str, Any]]:
    """The projection's rows, as the org.* consumer writes them."""
    return [
        {"id": p.id, "name": p.name, "manager_id": p.manager_id, "team_id": p.team_id, "roles": sorted(p.roles),
         "active": p.active, "version": 1, "updated_at": at}
        for p in people
    ]


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    async with migrated(database_url, MIGRATIONS) as database:
        async with database.transaction() as conn:
            await conn.execute(t.people.insert(), directory_rows(organisation_with_an_hr_admin().people.values(), NOW))
        yield database


def bus(db: Database) -> MessageBus:
    return message_bus(db, clock=lambda: NOW)


def uow(db: Database, *, read_only: bool = False) -> SqlUnitOfWork:
    return SqlUnitOfWork(db, lambda: NOW, read_only=read_only)


async def outbox_topics(db: Database) -> list[str]:
    outbox = t.platform["outbox"]
    async with db.read() as conn:
        return [r.topic for r in await conn.execute(sa.select(outbox.c.topic).order_by(outbox.c.id))]


async def test_a_meeting_is_stored_whole_with_its_pair_and_read_back_equal(db: Database) -> None:
    pair = o.Pair("p-1", "mgr", "ann", o.PairKind.MANAGER_REPORT, 14, NOW)
    meeting = o.Meeting(
        "m-1", pair, dt.date(2026, 3, 4),
        agenda=(o.AgendaTopic("t-1", "ann", "Mijn doel", o.LinkKind.GOAL, "goal-1", NOW),),
        shared_notes=(o.Note("n-1", "mgr", "Gedeeld", NOW),),
        agreements=(o.Agreement("a-1", "Ann leidt de retro", "ann", dt.date(2026, 4, 1), "ann", ("ann", "mgr")),),
        hat=o.Hat.COACH,
    )
    async with uow(db) as u:
        await u.pairs.add(pair)
        await u.meetings.add(meeting)
        await u.commit()
    async with uow(db, read_only=True) as u:
        assert await u.meetings.get("m-1") == meeting
        assert await u.pairs.between("ann", "mgr", o.PairKind.MANAGER_REPORT) == pair
        assert await u.pairs.between("ann", "mgr", o.PairKind.PEER) is None
        assert (await u.meetings.scheduled(["p-1"]))["p-1"] == meeting


async def test_private_notes_are_read_back_by_their_author_only(db: Database) -> None:
    view = await bus(db).handle(c.SchedulePair(READERS["mgr"], other_id="ann", kind=o.PairKind.MANAGER_REPORT, cadence_days=7, first_on=dt.date(2026, 3, 4)))
    meeting_id = view.next_meeting.id
    await bus(db).handle(c.AddNote(READERS["mgr"], meeting_id=meeting_id, text="Alleen voor mij", private=True))
    async with uow(db, read_only=True) as u:
        [note] = await u.private_notes.by_author(meeting_id, "mgr")
        assert (note.text, note.private, note.written_at) == ("Alleen voor mij", True, NOW)
        assert await u.private_notes.by_author(meeting_id, "ann") == ()
        # The meeting row holds no private note at all.
        assert (await u.meetings.get(meeting_id)).shared_notes == ()


async def test_completing_a_meeting_writes_pair_meeting_next_meeting_and_event_in_one_transaction(db: Database) -> None:
    view = await bus(db).handle(c.SchedulePair(READERS["mgr"], other_id="ann", kind=o.PairKind.MANAGER_REPORT, cadence_days=14, first_on=dt.date(2026, 3, 4)))
    await bus(db).handle(c.CompleteMeeting(READERS["ann"], meeting_id=view.next_meeting.id, held=False))
    async with uow(db, read_only=True) as u:
        assert (await u.pairs.get(view.pair.id)).consecutive_skips == 1
        meetings = await u.meetings.of_pair(view.pair.id)
        assert [(m.scheduled_on, m.state) for m in meetings] == [(dt.date(2026, 3, 18), o.MeetingState.SCHEDULED), (dt.date(2026, 3, 4), o.MeetingState.SKIPPED)]
    # The first meeting planned, this one skipped, the next one planned.
    assert await outbox_topics(db) == [
        "conversations.one-on-one-scheduled.v1", "conversations.one-on-one-skipped.v1", "conversations.one-on-one-scheduled.v1",
    ]


async def test_a_failed_use_case_leaves_nothing_behind(db: Database) -> None:
    view = await bus(db).handle(c.SchedulePair(READERS["mgr"], other_id="ann", kind=o.PairKind.MANAGER_REPORT, cadence_days=14, first_on=dt.date(2026, 3, 4)))
    await bus(db).handle(c.CompleteMeeting(READERS["ann"], meeting_id=view.next_meeting.id, held=True))
    with pytest.raises(Exception, match="already held"):
        await bus(db).handle(c.CompleteMeeting(READERS["ann"], meeting_id=view.next_meeting.id, held=True))
    async with uow(db, read_only=True) as u:
        assert len(await u.meetings.of_pair(view.pair.id)) == 2
    assert await outbox_topics(db) == [
        "conversations.one-on-one-scheduled.v1", "conversations.one-on-one-held.v1", "conversations.one-on-one-scheduled.v1",
    ]


async def test_held_meetings_led_by_a_manager_are_found_since_a_moment(db: Database) -> None:
    view = await bus(db).handle(c.SchedulePair(READERS["mgr"], other_id="ann", kind=o.PairKind.MANAGER_REPORT, cadence_days=14, first_on=dt.date(2026, 3, 4)))
    await bus(db).handle(c.MarkHat(READERS["mgr"], meeting_id=view.next_meeting.id, hat=o.Hat.LEADER))
    await bus(db).handle(c.CompleteMeeting(READERS["mgr"], meeting_id=view.next_meeting.id, held=True))
    async with uow(db, read_only=True) as u:
        assert [m.hat for m in await u.meetings.held_led_by("mgr", NOW - dt.timedelta(days=1))] == [o.Hat.LEADER]
        assert await u.meetings.held_led_by("mgr", NOW + dt.timedelta(seconds=1)) == []
        assert await u.meetings.held_led_by("ann", NOW - dt.timedelta(days=1)) == []


async def test_the_read_audit_keeps_readers_newest_first(db: Database) -> None:
    async with uow(db) as u:
        await u.reads.record("m-1", "ann", NOW)
        await u.reads.record("m-1", "mgr", NOW + dt.timedelta(minutes=1))
        await u.reads.record("m-2", "bob", NOW)
        await u.commit()
    async with uow(db, read_only=True) as u:
        assert await u.reads.of_meeting("m-1") == [("mgr", NOW + dt.timedelta(minutes=1)), ("ann", NOW)]


async def test_coaching_profiles_requests_goals_and_sessions_round_trip(db: Database) -> None:
    request = co.CoachingRequest("r-1", "ann", "cara", co.Relation.INTERNAL_COACH, "Spreken", NOW,
                                 state=co.State.ACCEPTED, goals=(co.CoachingGoal("g-1", "Twee keer presenteren", "goal-7"),))
    session = co.CoachingSession("s-1", "r-1", dt.date(2026, 3, 5), "Geoefend", "cara")
    async with uow(db) as u:
        await u.coaching.save_profile(co.CoachProfile("cara", "Coach", 2))
        await u.coaching.save_profile(co.CoachProfile("cara", "Coach sinds 2020", 3, 1))
        await u.coaching.add_request(request)
        await u.coaching.add_session(session)
        await u.commit()
    async with uow(db, read_only=True) as u:
        assert await u.coaching.profiles() == [co.CoachProfile("cara", "Coach sinds 2020", 3, 1)]
        assert await u.coaching.get_request("r-1") == request
        assert await u.coaching.requests_of("cara") == [request] == await u.coaching.requests_of("ann")
        assert await u.coaching.requests_of("bob") == []
        assert await u.coaching.sessions("r-1") == [session]


async def test_concerns_round_trip_and_are_listed_by_raiser_or_all(db: Database) -> None:
    concern = cn.Concern("c-1", "bob", cn.Kind.COACH_IS_EVALUATOR, "Mijn coach beoordeelt me", NOW, NOW)
    async with uow(db) as u:
        await u.concerns.add(concern)
        await u.concerns.save(concern.acknowledge(by="hr1", roles=frozenset({"hr"}), at=NOW))
        await u.commit()
    async with uow(db, read_only=True) as u:
        [stored] = await u.concerns.raised_by("bob")
        assert (stored.state, stored.handled_by, stored.text) == (cn.State.ACKNOWLEDGED, "hr1", "Mijn coach beoordeelt me")
        assert await u.concerns.raised_by("ann") == [] and len(await u.concerns.every()) == 1


async def test_circles_and_their_sessions_round_trip_and_managers_come_from_the_projection(db: Database) -> None:
    circle = ci.Circle("k-1", "Kring", ("mgr", "nia", "pim"), "hr1", NOW)
    async with uow(db) as u:
        await u.circles.add(circle)
        await u.circles.add_session(ci.CircleSession("cs-1", "k-1", dt.date(2026, 3, 6), "mgr", "Casus", ""))
        await u.commit()
    async with uow(db, read_only=True) as u:
        assert await u.circles.get("k-1") == circle and await u.circles.every() == [circle]
        assert [s.case_owner_id for s in await u.circles.sessions("k-1")] == ["mgr"]
        assert [p.id for p in await u.people.managers()] == ["boss", "mgr", "mia", "nia", "olaf", "pim"]



async def test_a_circle_s_planned_session_is_stored_set_and_cleared(db: Database) -> None:
    planned = ci.Circle("k-2", "Kring", ("mgr", "nia", "pim"), "hr1", NOW, dt.date(2026, 3, 9))
    async with uow(db) as u:
        await u.circles.add(planned)
        await u.commit()
    async with uow(db, read_only=True) as u:
        assert await u.circles.get("k-2") == planned
    async with uow(db) as u:
        await u.circles.plan("k-2", dt.date(2026, 4, 6))
        await u.commit()
    async with uow(db, read_only=True) as u:
        stored = await u.circles.get("k-2")
        assert stored is not None and stored.next_session_on == dt.date(2026, 4, 6)
    async with uow(db) as u:
        await u.circles.plan("k-2", None)
        await u.commit()
    async with uow(db, read_only=True) as u:
        assert await u.circles.every() == [ci.Circle("k-2", "Kring", ("mgr", "nia", "pim"), "hr1", NOW, None)]


@pytest.mark.parametrize("reader", sorted(READERS))
async def test_each_secret_reaches_exactly_its_audience_over_sql(db: Database, reader: str) -> None:
    ids = await populate(bus(db))
    seen = await everything_seen_by(bus(db), READERS[reader], ids)
    assert [s for s, audience in AUDIENCE.items() if reader not in audience and s in seen] == []
    assert [s for s, audience in AUDIENCE.items() if reader in audience and s not in seen] == []
    async with db.read() as conn:
        payloads = b"".join(r.payload for r in await conn.execute(sa.select(t.platform["outbox"].c.payload)))
    assert [s for s in AUDIENCE if s.encode() in payloads] == []


async def test_the_professional_services_catalogue_is_added_replaced_and_listed(db: Database) -> None:
    from paars_conversations.domain import support as su

    eap = su.ProfessionalService("ps-1", su.Kind.EMPLOYEE_ASSISTANCE, "EAP Helpt", "Gesprekken, anoniem", "0800-1234", True, NOW, "hr1")
    async with uow(db) as u:
        await u.support.save(eap)
        await u.support.save(su.ProfessionalService("ps-2", su.Kind.EXTERNAL_COACH, "Coach", "", "coach@example.nl", True, NOW, "hr1"))
        await u.commit()
    retired = eap.changed(kind=eap.kind, name=eap.name, description=eap.description, contact=eap.contact, active=False, by="hr2", at=NOW)
    async with uow(db) as u:
        await u.support.save(retired)
        await u.commit()
    async with uow(db, read_only=True) as u:
        assert await u.support.get("ps-1") == retired
        assert [s.id for s in await u.support.every()] == ["ps-1", "ps-2"] and await u.support.count() == 2
        assert await u.support.get("nope") is None
