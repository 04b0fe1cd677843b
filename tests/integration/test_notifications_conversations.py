"""Conversations' prompts end to end (issue 15): the goals service imports the directory, the conversations service
takes real RPCs and publishes its events through its outbox to the embedded broker, and the notifications service
consumes them (its consumer group, its rules, the budget and quiet hours) and streams the prompts. Each service has
its own database (notifications on SQLite and PostgreSQL); nothing here publishes a conversations event by hand."""
from __future__ import annotations

import asyncio
import datetime as dt
import pathlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import grpc
import pytest
import sqlalchemy as sa

from paars.conversations.v1 import conversations_pb2 as cv
from paars.conversations.v1 import conversations_pb2_grpc
from paars.notifications.v1 import notifications_pb2 as pb
from paars.notifications.v1 import notifications_pb2_grpc
from paars.org.v1 import org_pb2_grpc
from paars_conversations.bootstrap import build as build_conversations
from paars_goals.bootstrap import build as build_goals
from paars_notifications.adapters import tables as t
from paars_notifications.bootstrap import Notifications
from paars_platform.db import utcnow
from paars_platform.runtime import ServiceRuntime
from tests.conftest import make_settings
from tests.helpers import auth, demo_directory, system_auth
from tests.integration.test_notifications_service import FAST, until

PEOPLE = {"boss", "hr1", "mgr", "ann", "bob", "cas"}
WAIT = 60.0


@dataclass
class Stack:
    conversations: conversations_pb2_grpc.ConversationsServiceStub
    notifications: notifications_pb2_grpc.NotificationServiceStub
    app: Notifications

    async def rows(self, *where: Any) -> list[Any]:
        assert self.app.prompts.db is not None
        async with self.app.prompts.db.read() as conn:
            return list((await conn.execute(sa.select(t.prompts).where(*where))).all())

    async def subscribe(self, person: str) -> Any:
        before = self.app.fanout.subscribers(person)
        call = self.notifications.Subscribe(pb.SubscribeRequest(), metadata=auth(person))

        async def registered() -> bool:
            return self.app.fanout.subscribers(person) > before

        assert await until(registered), f"{person}'s stream never opened"
        return call


async def _projected(db: Any, table: sa.Table) -> bool:
    async with db.read() as conn:
        return {r.id for r in await conn.execute(sa.select(table.c.id))} >= PEOPLE


@pytest.fixture
async def stack(database_url: str, private_kafka_bootstrap: str, tmp_path: pathlib.Path) -> AsyncIterator[Stack]:
    from paars_conversations.adapters import tables as conversation_tables

    bootstrap = private_kafka_bootstrap
    goals = build_goals(make_settings("goals", database_url=f"sqlite+aiosqlite:///{tmp_path}/goals.db", kafka_bootstrap=bootstrap))
    conversations: ServiceRuntime = build_conversations(make_settings(
        "conversations", database_url=f"sqlite+aiosqlite:///{tmp_path}/conversations.db", kafka_bootstrap=bootstrap,
        extra={"org_consumer_group": f"paars-conversations-org-{uuid.uuid4().hex[:8]}"},
        consumer_session_timeout_ms=2000, consumer_rebalance_timeout_ms=300,
    ))
    app = Notifications(make_settings("notifications", database_url=database_url, kafka_bootstrap=bootstrap), config=FAST)
    await goals.start()
    await conversations.start()
    await app.runtime.start()
    channels = [grpc.aio.insecure_channel(f"127.0.0.1:{port}") for port in (goals.grpc_port, conversations.grpc_port, app.runtime.grpc_port)]
    try:
        await org_pb2_grpc.OrgServiceStub(channels[0]).ImportDirectory(demo_directory(), metadata=system_auth())
        assert conversations.db is not None and app.prompts.db is not None
        conversations_db, notifications_db = conversations.db, app.prompts.db

        async def both_projected() -> bool:
            return await _projected(conversations_db, conversation_tables.people) and await _projected(notifications_db, t.people)

        assert await until(both_projected, timeout=WAIT), "the directory never reached both projections"
        yield Stack(
            conversations_pb2_grpc.ConversationsServiceStub(channels[1]), notifications_pb2_grpc.NotificationServiceStub(channels[2]), app,
        )
    finally:
        for channel in channels:
            await channel.close()
        await app.runtime.stop()
        await conversations.stop()
        await goals.stop()


async def collect(call: Any, wanted: set[tuple[int, str]], timeout: float = WAIT) -> dict[tuple[int, str], pb.Prompt]:
    """Reads the stream until a prompt of each (kind, ref_id) wanted arrived; returns every prompt read by (kind, ref)."""
    got: dict[tuple[int, str], pb.Prompt] = {}

    async def read_all() -> None:
        while not wanted <= set(got):
            prompt = await call.read()
            got[(prompt.kind, prompt.ref_id)] = prompt

    await asyncio.wait_for(read_all(), timeout)
    return got


async def test_conversations_events_prompt_both_people_of_a_1_1_the_person_asked_to_coach_the_coachee_and_hr(stack: Stack) -> None:
    s, cvs = stack, stack.conversations
    # Mo reads English; Ann, Bob and HR the organisation's Dutch. Mo's budget has room for all four 1:1 prompts;
    # Ann keeps the default of 5 a week (HIGH 5, NORMAL 4, LOW 3).
    await s.notifications.SetPreferences(pb.SetPreferencesRequest(preferences=pb.Preferences(language="en", weekly_budget=20)), metadata=auth("mgr"))
    mgr, ann, bob, hr = [await s.subscribe(p) for p in ("mgr", "ann", "bob", "hr1")]

    # Before a 1:1: both add to the agenda, linked to the meeting. Tomorrow is sooner than the lead time: at once.
    first_on = (utcnow().date() + dt.timedelta(days=1)).isoformat()
    pair = await cvs.SchedulePair(cv.SchedulePairRequest(other_id="ann", first_on=first_on), metadata=auth("mgr"))
    first = pair.next_meeting_id
    agenda = (pb.PROMPT_KIND_ONE_ON_ONE_AGENDA, first)
    to_mgr, to_ann = (await collect(mgr, {agenda}))[agenda], (await collect(ann, {agenda}))[agenda]
    assert to_mgr.title == "Add to the agenda of your 1:1 with Ann Peeters" and to_mgr.about_id == "ann"
    assert to_ann.title == "Zet iets op de agenda van je 1-op-1 met Mo Manager" and to_ann.about_id == "mgr"

    # After it: capture the agreements, ask each other for feedback; the next 1:1 on the cadence asks again, the lead
    # time before it (two days, at the digest hour): held until then, on no stream and in no list.
    held = await cvs.CompleteMeeting(cv.CompleteMeetingRequest(meeting_id=first, held=True), metadata=auth("mgr"))
    [listed] = (await cvs.ListPairs(cv.ListPairsRequest(), metadata=auth("mgr"))).pairs
    second = listed.next_meeting_id
    assert held.state == cv.MEETING_STATE_HELD and second != first
    after = {(pb.PROMPT_KIND_ONE_ON_ONE_AGREEMENTS, first), (pb.PROMPT_KIND_ONE_ON_ONE_FEEDBACK, first)}
    mgr_after = await collect(mgr, after)
    assert mgr_after[(pb.PROMPT_KIND_ONE_ON_ONE_AGREEMENTS, first)].title == "Capture your agreements from the 1:1 with Ann Peeters"
    assert mgr_after[(pb.PROMPT_KIND_ONE_ON_ONE_FEEDBACK, first)].title == "Ask Ann Peeters for feedback"
    ann_after = await collect(ann, {(pb.PROMPT_KIND_ONE_ON_ONE_AGREEMENTS, first)})
    assert ann_after[(pb.PROMPT_KIND_ONE_ON_ONE_AGREEMENTS, first)].title == "Leg je afspraken uit de 1-op-1 met Mo Manager vast"

    async def ahead() -> list[Any]:
        return await s.rows(t.prompts.c.kind == pb.PROMPT_KIND_ONE_ON_ONE_AGENDA, t.prompts.c.ref_id == second)

    waiting = await until(ahead, timeout=WAIT)
    second_on = dt.date.fromisoformat(listed.next_on[:10])
    assert sorted((r.recipient_id, r.state, r.cursor) for r in waiting) == [("ann", "held", None), ("mgr", "held", None)]
    assert {r.release_at.date() for r in waiting} == {second_on - dt.timedelta(days=2)} and all(r.release_at > utcnow() for r in waiting)
    for person in ("mgr", "ann"):
        shown = (await s.notifications.ListPrompts(pb.ListPromptsRequest(limit=50), metadata=auth(person))).prompts
        assert second not in {p.ref_id for p in shown}, person

    async def agenda_closed() -> list[Any]:
        rows = await s.rows(t.prompts.c.kind == pb.PROMPT_KIND_ONE_ON_ONE_AGENDA, t.prompts.c.ref_id == first)
        return rows if len(rows) == 2 and all(r.acted for r in rows) else []

    assert await until(agenda_closed, timeout=WAIT), "held: the first meeting's agenda prompts are closed"

    # Coaching: the person asked gets the request; their answer closes it; after a session the coachee is asked
    # what they will try, which Ann's budget (4 prompts released this week, LOW gets 3) holds for the digest.
    request = await cvs.RequestCoaching(cv.RequestCoachingRequest(coach_id="bob", relation=cv.COACH_RELATION_PEER, topic="Feedback geven"), metadata=auth("ann"))
    asked = (pb.PROMPT_KIND_COACHING_REQUEST, request.request_id)
    to_bob = (await collect(bob, {asked}))[asked]
    assert to_bob.title == "Ann Peeters vraagt je om coaching" and "Feedback geven" not in to_bob.title + to_bob.body
    await cvs.AnswerCoachingRequest(cv.AnswerCoachingRequestRequest(request_id=request.request_id, accept=True), metadata=auth("bob"))

    async def request_closed() -> list[Any]:
        return [r for r in await s.rows(t.prompts.c.kind == pb.PROMPT_KIND_COACHING_REQUEST) if r.acted]

    assert [r.recipient_id for r in await until(request_closed, timeout=WAIT)] == ["bob"]
    await cvs.RecordCoachingSession(cv.RecordCoachingSessionRequest(request_id=request.request_id, held_on=utcnow().date().isoformat(), notes="Oefenen"), metadata=auth("bob"))

    async def next_step() -> list[Any]:
        return await s.rows(t.prompts.c.kind == pb.PROMPT_KIND_COACHING_NEXT_STEP)

    [step] = await until(next_step, timeout=WAIT)
    assert (step.recipient_id, step.ref_id, step.about_id) == ("ann", request.request_id, "bob")
    assert (step.state, step.digest, step.budgeted) == ("held", True, False), "over Ann's weekly budget: to the digest"
    assert step.title == "Wat ga je proberen na je coachingsessie met Bob Claes?"

    # Quiet hours hold a prompt as they do any other: Bob is in his, and Cas asks him for coaching.
    now = utcnow()
    quiet = pb.Preferences(quiet_start=(now - dt.timedelta(hours=1)).strftime("%H:%M"), quiet_end=(now + dt.timedelta(hours=2)).strftime("%H:%M"), time_zone="UTC")
    await s.notifications.SetPreferences(pb.SetPreferencesRequest(preferences=quiet), metadata=auth("bob"))
    from_cas = await cvs.RequestCoaching(cv.RequestCoachingRequest(coach_id="bob", relation=cv.COACH_RELATION_PEER, topic="Prioriteiten"), metadata=auth("cas"))

    async def held_for_bob() -> list[Any]:
        return await s.rows(t.prompts.c.kind == pb.PROMPT_KIND_COACHING_REQUEST, t.prompts.c.ref_id == from_cas.request_id)

    [quiet_row] = await until(held_for_bob, timeout=WAIT)
    assert (quiet_row.recipient_id, quiet_row.state, quiet_row.digest) == ("bob", "held", False) and quiet_row.release_at > now

    # A boundary concern: HR is told one is waiting, naming nobody; nobody else hears of it.
    concern = await cvs.RaiseConcern(cv.RaiseConcernRequest(kind=cv.CONCERN_KIND_THERAPIST_ROLE, text="Mijn leidinggevende speelt therapeut"), metadata=auth("bob"))
    waiting = (pb.PROMPT_KIND_BOUNDARY_CONCERN, concern.concern_id)
    to_hr = (await collect(hr, {waiting}))[waiting]
    assert to_hr.title == "Er wacht een zorg over rollen" and to_hr.about_id == ""
    assert not any(word in to_hr.title + to_hr.body for word in ("Bob", "Mo", "therapeut")), to_hr
    assert [r.recipient_id for r in await s.rows(t.prompts.c.kind == pb.PROMPT_KIND_BOUNDARY_CONCERN)] == ["hr1"]
    for call in (mgr, ann, bob, hr):
        call.cancel()
