"""Every conversations write takes the platform's request key: a form sent twice (a double click, a retry after a
lost answer) is one change, answered the same both times. Over the in-memory fakes; the SQL unit of work is
tested for the same on SQLite and PostgreSQL in tests/integration/test_conversations_idempotency.py."""
from __future__ import annotations

import datetime as dt

import pytest

from paars.conversations.v1 import conversations_pb2 as pb
from paars_conversations.adapters.answers import decode_answer, encode_answer
from paars_conversations.domain import coaching as co
from paars_conversations.domain import concerns as cn
from paars_conversations.domain import one_on_one as o
from paars_conversations.service_layer import commands as c
from paars_conversations.service_layer.messagebus import COMMAND_HANDLERS
from paars_platform.errors import InvalidArgument
from tests.unit.conversations_fakes import Store, bus, organisation, person

MGR, ANN, HR, NIA = person("mgr", "manager"), person("ann"), person("hr1", "hr"), person("nia", "manager")
FIRST = dt.date(2026, 3, 4)


def key(k: str, fingerprint: str = "same request") -> c.RequestKey:
    return c.RequestKey(k, fingerprint)


async def a_meeting(store: Store) -> o.Meeting:
    view = await bus(store).handle(c.SchedulePair(MGR, other_id="ann", kind=o.PairKind.MANAGER_REPORT, cadence_days=14, first_on=FIRST))
    assert view.next_meeting is not None
    return view.next_meeting


def test_every_write_but_reading_a_meeting_is_named_by_its_rpc_and_answers_with_its_type() -> None:
    rpcs = set(pb.DESCRIPTOR.services_by_name["ConversationsService"].methods_by_name)
    for command in COMMAND_HANDLERS:
        assert command.METHOD in rpcs, command
        assert command.ANSWER is not object, command
        if command is not c.ReadMeeting:
            request = pb.DESCRIPTOR.services_by_name["ConversationsService"].methods_by_name[command.METHOD].input_type
            assert "idempotency_key" in request.fields_by_name, command.METHOD


async def test_an_agenda_topic_sent_twice_with_one_key_is_added_once_and_answered_the_same() -> None:
    store = organisation()
    meeting = await a_meeting(store)
    topic = c.AddAgendaTopic(ANN, meeting_id=meeting.id, text="My goal", link_kind=o.LinkKind.GOAL, link_id="goal-1", request=key("form-1"))
    first = await bus(store).handle(topic)
    again = await bus(store).handle(topic)
    assert again == first
    assert len(store.meetings[meeting.id].agenda) == 1
    # Another key is another request.
    await bus(store).handle(c.AddAgendaTopic(ANN, meeting_id=meeting.id, text="My goal", link_kind=o.LinkKind.NONE, link_id="", request=key("form-2")))
    assert len(store.meetings[meeting.id].agenda) == 2


async def test_a_private_note_sent_twice_is_written_once_and_its_answer_goes_back_to_its_author_only() -> None:
    store = organisation()
    meeting = await a_meeting(store)
    note = c.AddNote(ANN, meeting_id=meeting.id, text="Only for me", private=True, request=key("k"))
    first = await bus(store).handle(note)
    assert await bus(store).handle(note) == first
    assert len(store.private_notes) == 1
    # The same key from the other person is their own request: it never answers with Ann's answer.
    theirs = await bus(store).handle(c.AddNote(MGR, meeting_id=meeting.id, text="Shared", private=False, request=key("k")))
    assert [n.text for n in theirs.notes] == ["Shared"]


async def test_a_key_sent_again_with_another_request_is_refused_naming_the_key() -> None:
    store = organisation()
    meeting = await a_meeting(store)
    await bus(store).handle(c.AddNote(ANN, meeting_id=meeting.id, text="a", private=False, request=key("k", "first")))
    with pytest.raises(InvalidArgument) as err:
        await bus(store).handle(c.AddNote(ANN, meeting_id=meeting.id, text="b", private=False, request=key("k", "second")))
    assert {v.field for v in err.value.violations} == {"idempotency_key"}
    assert [n.text for n in store.meetings[meeting.id].shared_notes] == ["a"]


async def test_a_key_longer_than_the_limit_is_refused_before_anything_is_written() -> None:
    store = organisation()
    with pytest.raises(InvalidArgument) as err:
        await bus(store).handle(c.RaiseConcern(ANN, kind=cn.Kind.OTHER, text="x", request=key("k" * (c.MAX_IDEMPOTENCY_KEY + 1))))
    assert {v.field for v in err.value.violations} == {"idempotency_key"}
    assert store.concerns == {}


async def test_a_completed_meeting_resent_is_completed_once_with_one_event_and_one_next_meeting() -> None:
    store = organisation()
    meeting = await a_meeting(store)
    done = c.CompleteMeeting(MGR, meeting_id=meeting.id, held=False, request=key("skip"))
    first = await bus(store).handle(done)
    assert await bus(store).handle(done) == first
    assert [type(e) for e in store.outbox] == [o.OneOnOneScheduled, o.OneOnOneSkipped, o.OneOnOneScheduled]
    assert len(store.meetings) == 2 and store.pairs[meeting.pair.id].consecutive_skips == 1


async def test_a_coaching_request_and_a_session_resent_are_each_recorded_once() -> None:
    store = organisation()
    ask = c.RequestCoaching(ANN, coach_id="mgr", relation=co.Relation.MANAGER, topic="Presenting", request=key("ask"))
    request = await bus(store).handle(ask)
    assert await bus(store).handle(ask) == request and len(store.requests) == 1
    await bus(store).handle(c.AnswerCoachingRequest(MGR, request_id=request.id, accept=True, request=key("yes")))
    record = c.RecordCoachingSession(MGR, request_id=request.id, held_on=dt.date(2026, 3, 3), notes="Practised", request=key("s"))
    session = await bus(store).handle(record)
    assert await bus(store).handle(record) == session
    assert len(store.sessions) == 1
    assert sum(isinstance(e, co.CoachingSessionCompleted) for e in store.outbox) == 1


async def test_a_concern_and_a_circle_resent_are_each_made_once() -> None:
    store = organisation()
    raise_it = c.RaiseConcern(ANN, kind=cn.Kind.THERAPIST_ROLE, text="My manager acts as my therapist", request=key("c"))
    concern = await bus(store).handle(raise_it)
    assert await bus(store).handle(raise_it) == concern and len(store.concerns) == 1
    form = c.FormCircle(HR, name="Kring", member_ids=("mgr", "nia", "pim"), request=key("f"))
    circle = await bus(store).handle(form)
    assert await bus(store).handle(form) == circle and len(store.circles) == 1


async def test_every_kind_of_answer_is_stored_and_read_back_equal() -> None:
    store = organisation()
    pair_view = await bus(store).handle(c.SchedulePair(MGR, other_id="ann", kind=o.PairKind.MANAGER_REPORT, cadence_days=14, first_on=FIRST))
    assert pair_view.next_meeting is not None
    mid = pair_view.next_meeting.id
    await bus(store).handle(c.AddAgendaTopic(ANN, meeting_id=mid, text="Doel", link_kind=o.LinkKind.GOAL, link_id="goal-1"))
    await bus(store).handle(c.AddNote(ANN, meeting_id=mid, text="Privé", private=True))
    await bus(store).handle(c.ProposeAgreement(ANN, meeting_id=mid, text="Retro", owner_id="ann", due_date=dt.date(2026, 4, 1)))
    await bus(store).handle(c.MarkHat(MGR, meeting_id=mid, hat=o.Hat.COACH))
    meeting_view = await bus(store).handle(c.CompleteMeeting(MGR, meeting_id=mid, held=True))
    profile = await bus(store).handle(c.SetCoachProfile(person("cara", "coach"), bio="Coach", capacity=2))
    request = await bus(store).handle(c.RequestCoaching(ANN, coach_id="mgr", relation=co.Relation.MANAGER, topic="x"))
    request = await bus(store).handle(c.AddCoachingGoal(ANN, request_id=request.id, text="Present", development_goal_id="goal-7"))
    concern = await bus(store).handle(c.RaiseConcern(ANN, kind=cn.Kind.OTHER, text="x"))
    circle = await bus(store).handle(c.FormCircle(HR, name="Kring", member_ids=("mgr", "nia", "pim")))
    circle_session = await bus(store).handle(c.HoldCircleSession(NIA, circle_id=circle.id, held_on=FIRST, case_text="Een casus", notes=""))
    for answer in (pair_view, meeting_view, profile, request, concern, circle, circle_session):
        assert decode_answer(type(answer), encode_answer(answer)) == answer
