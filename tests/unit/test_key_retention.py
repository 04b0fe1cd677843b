"""Retention through the keys (issue 18 item 5): the kind of data of every topic with personal fields, the period of an
event's key, the job's choice of the periods whose keys go (with a fake clock) and of the holds that keep them, and
the KeyRing encrypting with (person, kind, month) keys while the keys from before still open; analytics' answers
cache forgets an erased person's keys on the erasure event."""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

from paars.analytics.v1 import analytics_pb2
from paars.feedback.v1 import feedback_pb2
from paars_analytics.org import agents
from paars_analytics.org.agents import _write
from paars_platform import crypto, retention
from paars_platform.events import decode, to_record
from paars_platform.keyring import KeyRing, KeyScope
from paars_platform.registry import EVENTS
from tests.unit.test_crypto_shredding import FakeKeyStore, feedback_for, goal_for


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


# ---------- the kinds of the events ----------


def test_every_topic_with_personal_fields_has_a_kind_of_data_and_no_other_topic_does() -> None:
    personal = {e.topic.name for e in EVENTS if crypto.has_personal_fields(e.message.DESCRIPTOR)}
    assert personal == set(retention.EVENT_KINDS)
    for topic in personal:
        assert retention.event_kind(topic).kind
    # The compacted state of a person (the directory) is kept whole; every kind of events is kept by month.
    compacted = {e.topic.name for e in EVENTS if e.topic.compacted}
    assert all(retention.event_kind(t).monthly == (t not in compacted) for t in personal)


def test_a_kind_of_events_is_set_by_the_same_setting_as_the_rows_of_that_kind() -> None:
    assert retention.FEEDBACK.setting == "PAARS_RETENTION_FEEDBACK_DAYS"
    assert retention.periods_from_env(retention.KINDS_OF_EVENTS, {"PAARS_RETENTION_FEEDBACK_DAYS": "365"}) == {
        "directory": 0, "goals": 0, "feedback": 365, "review_answers": 0, "insights": 0,
    }


def test_the_period_of_a_key_is_the_utc_month_of_the_events_time() -> None:
    assert retention.period_of(retention.FEEDBACK, at("2030-01-31T23:59:59")) == "2030-01"
    brussels = dt.timezone(dt.timedelta(hours=1))
    assert retention.period_of(retention.FEEDBACK, dt.datetime(2030, 2, 1, 0, 30, tzinfo=brussels)) == "2030-01"
    assert retention.period_of(retention.DIRECTORY, at("2030-01-15T00:00:00")) == ""


# ---------- which keys the job destroys ----------


def test_a_month_goes_only_once_it_ended_before_the_cutoff() -> None:
    # 90 days before 1 June 12:00 is 3 March 12:00: January and February ended before it, March has not.
    assert retention.periods_past(90, at("2030-06-01T12:00:00")) == "2030-03"
    # The cutoff on the first of a month: the month before has just wholly passed.
    assert retention.periods_past(31, at("2030-04-01T00:00:00")) == "2030-03"
    assert retention.periods_past(31, at("2030-03-31T23:59:59")) == "2030-02"


def test_the_job_plans_each_monthly_kind_with_a_period_and_skips_kept_and_whole_kinds() -> None:
    now = at("2030-06-01T12:00:00")
    plan = retention.key_cutoffs({"feedback": 90, "goals": 0, "directory": 30, "review_answers": 365}, now)
    assert [(c.kind.kind, c.days, c.before) for c in plan] == [("feedback", 90, "2030-03"), ("review_answers", 365, "2029-06")]
    # The same settings a day later: the plan moves with the clock.
    later = retention.key_cutoffs({"feedback": 90}, now + dt.timedelta(days=30))
    assert [c.before for c in later] == ["2030-04"]


def test_a_hold_keeps_the_keys_of_the_data_it_keeps() -> None:
    assert retention.FEEDBACK.held_by("feedback", "feedback_received")
    assert retention.FEEDBACK.held_by("", "feedback_given")  # the kind in every service
    assert retention.FEEDBACK.held_by("feedback", "")  # all of feedback's data
    assert retention.FEEDBACK.held_by("", "")  # everything about the person
    assert not retention.FEEDBACK.held_by("feedback", "referrals")
    assert not retention.FEEDBACK.held_by("goals", "goals")
    assert retention.REVIEW_ANSWERS.held_by("feedback", "self_assessments")
    assert retention.GOALS.held_by("goals", "check_ins")


# ---------- the KeyRing with keys per person, kind and month ----------


def feedback_at(receiver: str, text: str, when: dt.datetime) -> feedback_pb2.FeedbackGiven:
    event = feedback_for(receiver, text)
    event.metadata.occurred_at.FromDatetime(when)
    return event


async def test_the_relay_encrypts_with_the_key_of_person_kind_and_month_one_key_each_and_one_fetch() -> None:
    store = FakeKeyStore()
    relay, consumer = KeyRing(store), KeyRing(store)
    events = [
        feedback_at("ann", "january words", at("2030-01-10T09:00:00")), feedback_at("ann", "more january words", at("2030-01-20T09:00:00")),
        feedback_at("ann", "february words", at("2030-02-02T09:00:00")), goal_for("ann", "Ship it"),
    ]
    events[3].metadata.occurred_at.FromDatetime(at("2030-01-15T00:00:00"))
    sent = [decode(r.value, r.headers) for r in await relay.encrypt_records([to_record(e) for e in events])]
    assert store.calls == 1
    assert set(store.by_scope) == {KeyScope("ann", "feedback", "2030-01"), KeyScope("ann", "feedback", "2030-02"), KeyScope("ann", "goals", "2030-01")}
    january = store.by_scope[KeyScope("ann", "feedback", "2030-01")].key_id
    assert sent[0].text.startswith(f"pc1:{january}:") and sent[1].text.startswith(f"pc1:{january}:")  # type: ignore[attr-defined]
    assert crypto.key_ids_in(sent[2].text) == [store.by_scope[KeyScope("ann", "feedback", "2030-02")].key_id]  # type: ignore[attr-defined]
    assert crypto.key_ids_in(sent[3].goal.title) == [store.by_scope[KeyScope("ann", "goals", "2030-01")].key_id]  # type: ignore[attr-defined]
    await consumer.decrypt_events(sent)
    assert [sent[0].text, sent[2].text, sent[3].goal.title] == ["january words", "february words", "Ship it"]  # type: ignore[attr-defined]


async def test_an_event_without_a_time_takes_the_month_it_is_published_in() -> None:
    store = FakeKeyStore()
    event = feedback_for("ann", "words")
    event.metadata.ClearField("occurred_at")
    await KeyRing(store).encrypt_events([event], now=lambda: at("2030-07-04T10:00:00"))
    assert set(store.by_scope) == {KeyScope("ann", "feedback", "2030-07")}


async def test_values_under_a_persons_key_from_before_kinds_and_periods_still_decrypt() -> None:
    store = FakeKeyStore()
    old = (await KeyRing(store).for_people(["ann"]))["ann"]
    assert old.kind == "" and old.period == "" and old.key is not None
    before = feedback_for("ann", crypto.encrypt_value(old.key_id, old.key, "words from item 4"))
    await KeyRing(store).decrypt_events([before])
    assert before.text == "words from item 4"


async def test_a_destroyed_months_key_reads_as_erased_while_the_persons_other_months_read() -> None:
    store = FakeKeyStore()
    relay = KeyRing(store)
    sent = [decode(r.value, r.headers) for r in await relay.encrypt_records([
        to_record(feedback_at("ann", "old words", at("2030-01-10T09:00:00"))), to_record(feedback_at("ann", "new words", at("2030-05-10T09:00:00"))),
    ])]
    consumer = KeyRing(store)
    await consumer.by_ids(crypto.key_ids_in(sent[0].text))  # type: ignore[attr-defined]
    january = store.by_scope[KeyScope("ann", "feedback", "2030-01")]
    store.by_scope[january.scope] = type(january)(january.person_id, january.key_id, None, january.kind, january.period)
    consumer.forget_keys(january.key_id)  # goals' job forgets at once what it destroyed
    await consumer.decrypt_events(sent)
    assert [sent[0].text, sent[1].text] == ["", "new words"]  # type: ignore[attr-defined]


async def test_a_destroyed_key_is_served_from_another_processes_cache_at_most_its_time_to_live() -> None:
    store = FakeKeyStore()
    now = [0.0]
    ring = KeyRing(store, ttl_seconds=300, clock=lambda: now[0])
    scope = KeyScope("ann", "feedback", "2030-01")
    k = (await ring.for_scopes([scope]))[scope]
    store.by_scope[scope] = type(k)(k.person_id, k.key_id, None, k.kind, k.period)
    assert (await ring.by_ids([k.key_id]))[k.key_id] == k.key  # still cached
    now[0] = 301.0
    assert (await ring.by_ids([k.key_id]))[k.key_id] is None


async def test_forgetting_a_person_drops_every_key_of_theirs_and_nobody_elses() -> None:
    store = FakeKeyStore()
    ring = KeyRing(store)
    scopes = [KeyScope("ann", "feedback", "2030-01"), KeyScope("ann", "goals", "2030-02"), KeyScope("bob", "feedback", "2030-01")]
    await ring.for_scopes(scopes)
    calls = store.calls
    ring.forget("ann")
    await ring.for_scopes(scopes[2:])
    assert store.calls == calls
    await ring.for_scopes(scopes[:1])
    assert store.calls == calls + 1


async def test_an_erased_persons_every_scope_answers_erased_and_is_not_published() -> None:
    store = FakeKeyStore()
    store.destroy("ann")
    relay = KeyRing(store)
    sent = decode(*(lambda r: (r.value, r.headers))((await relay.encrypt_records([to_record(feedback_at("ann", "words", at("2030-03-01T00:00:00")))]))[0]))
    assert sent.text == ""  # type: ignore[attr-defined]


# ---------- analytics' answers cache ----------


async def test_analytics_answers_forget_an_erased_persons_keys_on_the_erasure_event_not_after_five_minutes() -> None:
    store = FakeKeyStore()
    ring = KeyRing(store)  # the query API's KeyRing, with its 5-minute cache
    scope = KeyScope("ann", "goals", "2030-01")
    k = (await ring.for_scopes([scope]))[scope]
    assert k.key is not None
    title = crypto.encrypt_value(k.key_id, k.key, "Ship it")
    answer = analytics_pb2.TeamOverview(insights=[analytics_pb2.Insight(reason=f"'{title}' is at 20%", actors=["mgr"])])
    await ring.decrypt_any(answer)
    assert answer.insights[0].reason == "'Ship it' is at 20%"

    ctx: Any = SimpleNamespace(directory_version=0, dirty=set())
    agents.ON_ERASED.append(ring.forget)  # as api/grpc.py ApiService wires it on start
    store.destroy("ann")
    employees: dict[str, Any] = {"ann": {"id": "ann", "version": 1, "at": 1.0}}
    try:
        _write(ctx, employees, {"id": "ann", "version": 2, "at": 2.0, "erased": True})
        again = analytics_pb2.TeamOverview(insights=[analytics_pb2.Insight(reason=f"'{title}' is at 20%", actors=["mgr"])])
        await ring.decrypt_any(again)
        assert again.insights[0].reason == "'' is at 20%"
        # Another person's record changing forgets nothing.
        calls = store.calls
        _write(ctx, employees, {"id": "bob", "version": 1, "at": 1.0})
        await ring.for_scopes([scope])
        assert store.calls == calls
    finally:
        agents.ON_ERASED.remove(ring.forget)
