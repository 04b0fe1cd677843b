"""The chaos checker's judgement of conversations' acknowledged writes, on made-up histories: exactly once in the
service and under exactly one event id on its topic counts as ok; anything else is named as lost or duplicated."""
from __future__ import annotations

from paars.common.v1 import event_pb2
from paars.conversations.v1 import conversations_pb2 as cv
from tests.chaos.checker import CONVERSATION_TOPICS, judge_conversations
from tests.chaos.workloads import Ack


def meta(event_id: str) -> event_pb2.EventMetadata:
    return event_pb2.EventMetadata(event_id=event_id)


def no_events() -> dict[str, list[object]]:
    return {t: [] for t in CONVERSATION_TOPICS}


def acks() -> list[Ack]:
    return [
        Ack("conversations", "topic", "k-t1", "m1", detail={"person": "ann", "text": "t1"}),
        Ack("conversations", "complete", "k-m1", "m1", detail={"person": "ann", "held": True}),
        Ack("conversations", "session", "k-s1", "s1", detail={"person": "ann", "request_id": "r1"}),
        Ack("conversations", "concern", "k-c1", "c1", detail={"person": "ann"}),
    ]


def stored() -> tuple[dict[str, cv.Meeting], dict[str, list[cv.CoachingSession]], dict[str, list[cv.Concern]]]:
    meetings = {"m1": cv.Meeting(meeting_id="m1", state=cv.MEETING_STATE_HELD, agenda=[cv.AgendaTopic(text="t1")])}
    sessions = {"ann": [cv.CoachingSession(session_id="s1", notes="n1")]}
    concerns = {"ann": [cv.Concern(concern_id="c1", text="x1")]}
    return meetings, sessions, concerns


def published() -> dict[str, list[object]]:
    events = no_events()
    events["conversations.one-on-one-held.v1"] = [cv.OneOnOneHeld(metadata=meta("e1"), meeting_id="m1")]
    events["conversations.coaching-session-completed.v1"] = [cv.CoachingSessionCompleted(metadata=meta("e2"), session_id="s1")]
    events["conversations.concern-updated.v1"] = [
        cv.ConcernUpdated(metadata=meta("e3"), concern_id="c1", state=cv.CONCERN_STATE_RAISED),
        # A later state of the same concern is another event, not a duplicate of the raise.
        cv.ConcernUpdated(metadata=meta("e4"), concern_id="c1", state=cv.CONCERN_STATE_ACKNOWLEDGED),
    ]
    return events


def test_each_write_once_in_the_service_and_once_on_its_topic_is_ok() -> None:
    tally = judge_conversations(acks(), *stored(), published())
    assert (tally.ok, tally.lost, tally.duplicated) == (4, 0, [])


def test_a_redelivered_event_under_one_id_is_not_a_duplicate_but_a_second_id_is() -> None:
    events = published()
    events["conversations.one-on-one-held.v1"].append(cv.OneOnOneHeld(metadata=meta("e1"), meeting_id="m1"))
    assert judge_conversations(acks(), *stored(), events).duplicated == []
    events["conversations.coaching-session-completed.v1"].append(cv.CoachingSessionCompleted(metadata=meta("e9"), session_id="s1"))
    assert judge_conversations(acks(), *stored(), events).duplicated == ["session k-s1 on the topic under 2 event ids"]


def test_a_topic_added_twice_a_session_stored_twice_and_a_missing_concern_are_named() -> None:
    meetings, sessions, concerns = stored()
    meetings["m1"].agenda.append(cv.AgendaTopic(text="t1"))
    sessions["ann"].append(cv.CoachingSession(session_id="s2", notes="n1"))
    concerns["ann"] = []
    tally = judge_conversations(acks(), meetings, sessions, concerns, published())
    assert tally.duplicated == ["coaching session 'n1' of ann stored 2 times", "topic k-t1 stored 2 times"]
    assert tally.lost_in_database == ["concern k-c1"]


def test_a_1on1_told_held_but_stored_skipped_or_never_published_is_lost() -> None:
    meetings, sessions, concerns = stored()
    meetings["m1"].state = cv.MEETING_STATE_SKIPPED
    tally = judge_conversations(acks(), meetings, sessions, concerns, no_events())
    assert tally.lost_in_database == ["complete k-m1"]
    assert tally.lost_on_topic == ["complete k-m1", "session k-s1", "concern k-c1"]
