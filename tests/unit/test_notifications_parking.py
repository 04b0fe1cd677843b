"""Events that come before the directory record of someone they name (another topic, which Kafka does not order with
the org topic): which wait (domain/involvement.py's awaited), and that the consumer parks them, applies them once
when the record comes or the wait is over, and costs nothing more while everyone is known."""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from prometheus_client import REGISTRY

from paars.analytics.v1 import analytics_pb2 as an
from paars.common.v1 import event_pb2 as ev
from paars.conversations.v1 import conversations_pb2 as cv
from paars.feedback.v1 import feedback_pb2 as fb
from paars.notifications.v1 import notifications_pb2 as pb
from paars.org.v1 import org_pb2
from paars_notifications.config import NotificationsConfig
from paars_notifications.domain import rules
from paars_notifications.domain.involvement import awaited
from paars_platform.db import utcnow
from paars_platform.erasure import ERASED_ID
from paars_platform.events import decode, new_metadata, to_record
from tests.unit.test_notifications_consumer import CONN, OneConnection, batch, milestone, service

KNOWN = ("boss", "mgr", "ann", "bob", "hr")


def joined(person_id: str, manager: str, *, version: int = 1) -> org_pb2.EmployeeChanged:
    return org_pb2.EmployeeChanged(
        metadata=new_metadata(producer="goals", subject_id=person_id, visibility=ev.VISIBILITY_INTERNAL),
        change=org_pb2.EmployeeChanged.CHANGE_CREATED,
        employee=org_pb2.Employee(id=person_id, name=person_id.upper(), email=f"{person_id}@x.example", manager_id=manager, active=True,
                                  version=version, time_zone="UTC"),
    )


def praise(giver: str, receiver: str) -> fb.FeedbackGiven:
    return fb.FeedbackGiven(
        metadata=new_metadata(producer="feedback", subject_id=receiver, visibility=ev.VISIBILITY_RECEIVER_AND_MANAGER, actor_id=giver),
        feedback_id=uuid.uuid4().hex, giver_id=giver, receiver_id=receiver, kind=fb.FEEDBACK_KIND_PRAISE,
    )


# ---------- which events wait ----------


def test_a_milestone_of_someone_the_directory_does_not_know_waits_for_them() -> None:
    assert awaited(milestone("zoe"), KNOWN) == {"zoe"}
    assert awaited(milestone("ann"), KNOWN) == frozenset()


def test_feedback_waits_for_whichever_of_giver_and_receiver_is_unknown() -> None:
    assert awaited(praise("zoe", "ann"), KNOWN) == {"zoe"}
    assert awaited(praise("ann", "zoe"), KNOWN) == {"zoe"}
    assert awaited(praise("ann", "bob"), KNOWN) == frozenset()


def test_a_system_actor_or_an_erased_id_is_nobody_to_wait_for() -> None:
    event = milestone("ann")
    event.metadata.actor_id = "system:hris"
    assert awaited(event, KNOWN) == frozenset()
    assert awaited(praise(ERASED_ID, "ann"), KNOWN) == frozenset()


def test_feedback_from_an_external_giver_waits_for_nobody_but_its_receiver() -> None:
    # A customer answering through a link gives as "external:<request id>", which no directory record can have.
    assert awaited(praise("external:0f3a9c", "ann"), KNOWN) == frozenset()
    assert awaited(praise("external:0f3a9c", "zoe"), KNOWN) == {"zoe"}


def test_an_event_that_only_closes_prompts_waits_for_nobody() -> None:
    acknowledged = fb.FeedbackAcknowledged(
        metadata=new_metadata(producer="feedback", subject_id="zoe", visibility=ev.VISIBILITY_PRIVATE, actor_id="zoe"),
        feedback_id="f", receiver_id="zoe",
    )
    assert awaited(acknowledged, KNOWN) == frozenset()


def test_a_request_to_an_external_recipient_or_no_longer_open_waits_for_nobody() -> None:
    def request(**fields: Any) -> fb.FeedbackRequested:
        return fb.FeedbackRequested(
            metadata=new_metadata(producer="feedback", subject_id="zoe", visibility=ev.VISIBILITY_PRIVATE, actor_id="zoe"),
            request_id="r", requester_id="zoe", subject_id="zoe", state=fb.FeedbackRequest.STATE_OPEN, **fields,
        )

    assert awaited(request(recipient_id="ann"), KNOWN) == {"zoe"}
    assert awaited(request(external=True), KNOWN) == frozenset()
    answered = request(recipient_id="ann")
    answered.state = fb.FeedbackRequest.STATE_ANSWERED
    assert awaited(answered, KNOWN) == frozenset()


def test_a_team_insight_waits_for_its_actors_not_for_the_team() -> None:
    insight = an.InsightDetected(
        metadata=new_metadata(producer="analytics", subject_id="team-7", visibility=ev.VISIBILITY_PRIVATE),
        insight=an.Insight(id="i", kind=an.INSIGHT_KIND_RECENCY_BIAS, subject_id="team-7", team_id="team-7", actors=["zoe"]),
    )
    assert awaited(insight, KNOWN) == {"zoe"}
    insight.insight.actors[:] = ["mgr"]
    assert awaited(insight, KNOWN) == frozenset()


def test_a_concern_addressed_to_hr_waits_for_nobody() -> None:
    concern = cv.ConcernUpdated(metadata=new_metadata(producer="conversations", subject_id="concern-1", visibility=ev.VISIBILITY_HR_ONLY))
    assert awaited(concern, KNOWN) == frozenset()


# ---------- the consumer ----------


async def test_a_milestone_before_its_owners_record_is_parked_then_prompts_the_manager_once_when_the_record_comes() -> None:
    prompts, store, fanout = service()
    goal = milestone("zoe")
    await batch(prompts, goal)
    assert store.prompts == {} and [p["event_id"] for p in store.parked_events.values()] == [goal.metadata.event_id]
    assert store.calls == ["park"], "only the park: no read, no prompt"
    assert store.parked_events[1]["awaited"] == ["zoe"] and store.parked_events[1]["topic"] == "goals.goal-updated.v1"

    record = joined("zoe", "mgr")
    await batch(prompts, record)
    assert [(p["recipient_id"], p["cause_event_id"], p["state"]) for p in store.prompts.values()] == [("mgr", goal.metadata.event_id, "released")]
    assert store.parked_events == {}
    assert [(p.recipient_id, p.kind) for p in fanout.seen] == [("mgr", pb.PROMPT_KIND_GIVE_FEEDBACK)], "pushed after the record's commit"

    # The record again (a replay), a later version, the scheduler's round: nothing more.
    await batch(prompts, joined("zoe", "mgr", version=2))
    prompts.db = OneConnection()  # type: ignore[assignment]
    assert await prompts.tick() == []
    assert len(store.prompts) == 1


async def test_an_event_waiting_for_two_people_is_applied_when_the_second_comes() -> None:
    prompts, store, _ = service()
    feedback = praise("zoe", "yves")
    await batch(prompts, feedback)
    await batch(prompts, joined("yves", "mgr"))
    assert store.prompts == {} and len(store.parked_events) == 1, "still waiting for zoe"
    await batch(prompts, joined("zoe", "mgr"))
    [made] = store.prompts.values()
    assert made["recipient_id"] == "yves" and made["title"].startswith("ZOE "), "the giver by the name their record gave"
    assert store.parked_events == {}


async def test_events_and_the_record_in_one_batch_are_applied_in_their_order() -> None:
    prompts, store, _ = service()
    first, second = milestone("zoe", 50), milestone("zoe", 100)
    await batch(prompts, first, joined("zoe", "mgr"), second)
    assert [p["cause_event_id"] for p in sorted(store.prompts.values(), key=lambda p: p["cursor"])] == [
        first.metadata.event_id, second.metadata.event_id,
    ]
    assert store.parked_events == {}


async def test_once_the_wait_is_over_the_scheduler_applies_the_event_with_what_the_directory_knows() -> None:
    prompts, store, fanout = service()
    prompts.config = NotificationsConfig(directory_wait_seconds=60)
    prompts.db = OneConnection()  # type: ignore[assignment]
    feedback = praise("zoe", "ann")  # zoe is never imported
    await batch(prompts, feedback)
    assert await prompts.tick() == [] and len(store.parked_events) == 1, "within the wait it stays parked"
    later = utcnow() + dt.timedelta(seconds=61)
    prompts.clock = lambda: later
    released = await prompts.tick()
    assert [p.recipient_id for p in released] == ["ann"] and released[0].title.startswith("zoe "), "the giver named by id, as before"
    assert store.parked_events == {} and fanout.seen == released
    assert await prompts.tick() == []


async def test_the_scheduler_applies_an_event_whose_person_another_replica_projected() -> None:
    prompts, store, _ = service()
    prompts.db = OneConnection()  # type: ignore[assignment]
    await batch(prompts, milestone("zoe"))
    store.people["zoe"] = dict(id="zoe", name="Zoë", email="", manager_id="mgr", time_zone="UTC", hr=False, active=True, version=1)
    released = await prompts.tick()
    assert [p.recipient_id for p in released] == ["mgr"] and store.parked_events == {}


async def test_while_everyone_is_known_nothing_is_parked_or_read_for_it() -> None:
    prompts, store, _ = service()
    await batch(prompts, milestone("ann"), praise("bob", "ann"), joined("bob", "mgr", version=2))
    assert "park" not in store.calls and "parked" not in store.calls
    assert store.parked_events == {}


async def test_a_parked_event_redelivered_is_parked_once() -> None:
    prompts, store, _ = service()
    goal = milestone("zoe")
    await batch(prompts, goal)
    await prompts.handle(CONN, goal)  # type: ignore[arg-type]
    assert len(store.parked_events) == 1


# ---------- a parked event whose rules fail when it is applied ----------


def failing_rules_for(monkeypatch: pytest.MonkeyPatch, *failing: Any) -> None:
    """rules.prompts_for raises for these events (by id), as a rule broken by a deployment between park and apply."""
    ids = {event.metadata.event_id for event in failing}
    original = rules.prompts_for

    def prompts_for(event: Any, directory: Any, today: dt.date) -> Any:
        if event.metadata.event_id in ids:
            raise RuntimeError("the rule broke")
        return original(event, directory, today)

    monkeypatch.setattr(rules, "prompts_for", prompts_for)


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_a_parked_event_whose_rules_fail_is_dead_lettered_as_the_inbox_would_and_its_row_deleted(monkeypatch: pytest.MonkeyPatch) -> None:
    prompts, store, _ = service()
    goal, other = milestone("zoe"), milestone("zoe", 100)
    await batch(prompts, goal, other)
    failing_rules_for(monkeypatch, goal)
    topic = "goals.goal-updated.v1"
    letters = sample("paars_notifications_dead_letters_total", topic=topic, reason="handler-failed")
    failed = sample("paars_notifications_events_unparked_total", reason="failed")

    await batch(prompts, joined("zoe", "mgr"))
    assert store.parked_events == {}, "both rows deleted"
    assert [p["cause_event_id"] for p in store.prompts.values()] == [other.metadata.event_id], "the other event applied as always"
    assert store.calls[-3:] == ["write", "dead_letter", "unclaim"]
    assert store.unclaimed == [("notifications", goal.metadata.event_id)], "its inbox row goes: replayed, it is applied"
    [letter] = store.dead_letters
    original = to_record(goal)
    assert (letter.topic, letter.key, letter.value) == ("notifications.dead-letter.v1", b"zoe", goal.SerializeToString())
    assert letter.headers[: len(original.headers)] == original.headers, "the record's own headers first, as it came"
    dlq = {k: v.decode() for k, v in letter.headers[len(original.headers):]}
    assert dlq == {
        "dlq_reason": "handler-failed", "dlq_detail": "RuntimeError('the rule broke')", "dlq_source_topic": topic,
        "dlq_source_partition": "-1", "dlq_source_offset": "-1", "dlq_consumer": "notifications",
    }
    assert decode(letter.value, letter.headers, "paars.goals.v1.GoalUpdated") == goal, "replayed to its topic, it decodes as it came"
    assert letter.as_record().headers == letter.headers and letter.as_record().event_id != goal.metadata.event_id
    assert sample("paars_notifications_dead_letters_total", topic=topic, reason="handler-failed") == letters + 1
    assert sample("paars_notifications_events_unparked_total", reason="failed") == failed + 1


async def test_a_parked_event_whose_rules_fail_after_the_wait_is_dead_lettered_by_the_scheduler(monkeypatch: pytest.MonkeyPatch) -> None:
    prompts, store, _ = service()
    prompts.config = NotificationsConfig(directory_wait_seconds=0)
    prompts.db = OneConnection()  # type: ignore[assignment]
    feedback = praise("zoe", "ann")  # zoe is never imported
    await batch(prompts, feedback)
    failing_rules_for(monkeypatch, feedback)
    assert await prompts.tick() == []
    assert store.parked_events == {} and store.prompts == {}
    assert [(letter.topic, dict(letter.headers)["ce_id"]) for letter in store.dead_letters] == [
        ("notifications.dead-letter.v1", feedback.metadata.event_id.encode()),
    ]
