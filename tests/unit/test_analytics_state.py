"""Analytics people state: bounded and typed (day buckets, no raw events), encoded with its schema (never pickle),
idempotent through the input offsets it records, and the write-back cache acknowledges offsets only after the state
behind them went to the table."""
from __future__ import annotations

import datetime as dt
import os
import pathlib
import pickle
from typing import Any

import msgspec
import pytest
from faust.serializers import codecs
from faust.types import TP

from paars_analytics import app as analytics_app  # noqa: F401  (registers the table codecs)
from paars_analytics.people import PeopleStore
from paars_analytics.signals import state as st
from paars_analytics.signals.person import compute_signals
from paars_analytics.signals.state import DAY, PersonUpdate, apply_update, decode_state, encode_state, held_bytes, new_state, received_between

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC).timestamp()
TOPIC = "feedback.feedback-given.v1"


def received(eid: str, at: float, *, src: str = "peer", kind: str = "praise") -> PersonUpdate:
    return PersonUpdate("ann", eid, at, [{"k": "recv", "f": f"f-{eid}", "src": src, "ex": True, "fk": kind, "d": 1.0,
                                          "formal": False}])


def count(state: st.PersonState) -> int:
    return received_between(state, 0.0, NOW + DAY)


def test_a_redelivered_record_counts_once_even_when_its_event_id_left_the_recent_ids() -> None:
    state = new_state()
    for i in range(st.RECENT_IDS + 10):
        apply_update(state, received(f"e{i}", NOW - i * 3600), NOW, (TOPIC, 2, i))
    assert [len(ring) for ring in state.recent_by_source.values()] == [st.RECENT_PER_SOURCE]
    # e0 is no longer among the recent ids; its record (same partition and offset) is still known as applied.
    assert apply_update(state, received("e0", NOW), NOW, (TOPIC, 2, 0)) is False
    assert count(state) == st.RECENT_IDS + 10


def test_a_republished_event_with_a_new_offset_counts_once_while_among_the_recent_ids() -> None:
    state = new_state()
    apply_update(state, received("e1", NOW), NOW, (TOPIC, 2, 7))
    assert apply_update(state, received("e1", NOW), NOW, (TOPIC, 2, 9)) is False
    assert apply_update(state, received("e2", NOW), NOW, (TOPIC, 2, 10)) is True
    assert count(state) == 2


def test_a_republished_event_counts_once_after_more_than_recent_ids_events_of_other_inputs() -> None:
    """The chaos run's double count: feedback's relay, killed between publishing and marking sent, sends an event
    again once it is back (same event id, new offset); meanwhile the person's goal check-ins kept coming."""
    state = new_state()
    apply_update(state, received("e1", NOW), NOW, (TOPIC, 2, 7))
    for i in range(st.RECENT_IDS * 2):
        progress = PersonUpdate("ann", f"g{i}", NOW, [{"k": "prog", "g": "g1", "gk": "development", "p": 0.5, "x": 0.4}])
        assert apply_update(state, progress, NOW, ("goals.goal-updated.v1", 2, i)) is True
    assert apply_update(state, received("e1", NOW), NOW, (TOPIC, 2, 8)) is False
    assert count(state) == 1


def test_a_state_stored_before_the_rings_per_input_still_drops_an_event_in_its_shared_ring() -> None:
    state = new_state()
    state.recent = [st._id_hash("e1")]
    legacy = decode_state(encode_state(state))
    assert legacy.recent_by_source == {}
    assert apply_update(legacy, received("e1", NOW), NOW, (TOPIC, 2, 9)) is False


def test_the_same_offset_of_another_partition_or_topic_is_another_record() -> None:
    state = new_state()
    apply_update(state, received("e1", NOW), NOW, (TOPIC, 2, 7))
    assert apply_update(state, received("e2", NOW), NOW, (TOPIC, 3, 7)) is True
    assert apply_update(state, received("e3", NOW), NOW, ("goals.goal-updated.v1", 2, 7)) is True


def test_an_event_beyond_the_retention_adds_no_count() -> None:
    state = new_state()
    apply_update(state, received("old", NOW - st.RETENTION_SECONDS - DAY), NOW)
    assert count(state) == 0 and state.days == []


def test_day_buckets_leave_as_event_time_advances() -> None:
    state = new_state()
    apply_update(state, received("e1", NOW - 80 * DAY), NOW)
    apply_update(state, received("e2", NOW + 20 * DAY), NOW + 20 * DAY)
    assert [d.day for d in state.days] == [st.day_of(NOW + 20 * DAY)] and count(state) == 0


def test_a_goal_snapshot_older_than_the_horizon_still_merges_once() -> None:
    state = new_state()
    old = NOW - st.RETENTION_SECONDS - DAY
    goal = {"id": "g1", "kind": "performance", "title": "T", "progress": 0.3, "expected": 0.2, "status": "on_track",
            "agreed": True, "closed": False, "check": 0.0, "since": old, "start": 0.0, "due": 0.0, "version": 2}
    for _ in range(2):
        apply_update(state, PersonUpdate("ann", "g-old", old, [], goal=dict(goal)), NOW)
    assert state.goals["g1"].version == 2 and compute_signals(state, NOW)["goal_progress"] == 0.3


def busy_person(events: int) -> st.PersonState:
    """A person with many events of every common kind over 80 days, as in the analytics bench."""
    state = new_state()
    for i in range(events):
        at = NOW - (i * 7919 % 80) * DAY - i
        eid = f"{i:08d}-3c1e-4b7a-9d2f-{i:012d}"
        if i % 4 == 0:
            update = PersonUpdate("ann", eid, at, [{"k": "prog", "g": f"g{i % 3}", "gk": "performance", "p": 0.5, "x": 0.4}],
                                  goal={"id": f"g{i % 3}", "kind": "performance", "title": "Goal", "progress": 0.5,
                                        "expected": 0.4, "status": "on_track", "agreed": True, "closed": False, "check": at,
                                        "since": at, "start": 0.0, "due": 0.0, "version": i})
        elif i % 4 == 3:
            update = PersonUpdate("ann", eid, at, [{"k": "ack", "f": f"f-{i - 1}", "a": i % 3 == 0, "fk": "praise"}])
        else:
            update = received(eid, at, src=("peer", "manager", "report", "hr")[i % 4], kind=("praise", "constructive")[i % 2])
        apply_update(state, update, NOW, (TOPIC, 1, i))
    return state


def test_bytes_per_person_do_not_grow_with_the_number_of_events() -> None:
    small, large = len(encode_state(busy_person(50))), len(encode_state(busy_person(500)))
    big = len(encode_state(busy_person(5000)))
    assert large <= 4096 and big <= 4096
    # Once every day of the window has a bucket, ten times the events is the same size (give or take a few bytes).
    assert big - large < 0.05 * large and small < large


def test_the_state_round_trips_through_its_schema() -> None:
    state = busy_person(200)
    assert decode_state(encode_state(state)) == state
    # A day already written once and changed since is written as it is now, not as it was.
    apply_update(state, received("later", state.days[-1].day * DAY + 60), NOW)
    assert decode_state(encode_state(state)) == state
    assert codecs.get_codec("paars-person").loads(codecs.get_codec("paars-person").dumps(state)) == state


class Hostile:
    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self) -> Any:
        # Unpickling this would create a directory: proof that the payload ran.
        return (os.mkdir, (self.path,))


@pytest.mark.parametrize("codec", ["paars-person", "paars-record"])
def test_a_hostile_pickle_in_a_changelog_is_rejected_without_being_unpickled(codec: str, tmp_path: Any) -> None:
    marker = str(tmp_path / "ran")
    payload = pickle.dumps({"log": [Hostile(marker)]}, protocol=pickle.HIGHEST_PROTOCOL)
    with pytest.raises(st.UntrustedState):
        st.plain_pickle(payload)
    # The table reads a rejected value as absent (what a deleted key reads as): the worker goes on.
    assert codecs.get_codec(codec).loads(payload) is None
    assert not os.path.exists(marker)
    assert codecs.get_codec(codec).loads(b"\x93\x01\x02garbage") is None
    with pytest.raises(st.UntrustedState):
        decode_state(payload)


def legacy_state() -> dict[str, Any]:
    """What the previous version pickled for a person: a time-ordered log of facts, goal snapshots, ratings, the ring."""
    log = [
        {"k": "recv", "f": "f1", "src": "peer", "ex": True, "fk": "constructive", "d": 3.0, "formal": False, "t": NOW - 40 * DAY, "e": "e1"},
        {"k": "recv", "f": "f2", "src": "manager", "ex": False, "fk": "praise", "d": 5.0, "formal": False, "t": NOW - 2 * DAY, "e": "e2"},
        {"k": "ack", "f": "f2", "a": True, "fk": "praise", "t": NOW - DAY, "e": "e3"},
        {"k": "prog", "g": "g1", "gk": "performance", "p": 0.2, "x": 0.4, "t": NOW - DAY, "e": "e4"},
    ]
    goal = {"id": "g1", "kind": "performance", "title": "Ship", "progress": 0.2, "expected": 0.4, "status": "on_track",
            "agreed": True, "closed": False, "check": NOW - DAY, "since": NOW - 50 * DAY, "start": 0.0, "due": 0.0,
            "version": 3, "t": NOW - DAY, "e": "e4"}
    return {"seen": {f["e"]: f["t"] for f in log}, "log": log, "goals": {"g1": goal}, "self": {"listening": [4.0, NOW - 3 * DAY, "s1"]},
            "others": {"listening": [2.5, NOW - 3 * DAY, "r1"]}, "first": NOW - 40 * DAY, "pruned": NOW, "floor": 0.0}


def test_a_state_pickled_by_the_previous_version_is_read_and_upcast_with_the_same_signals() -> None:
    state = codecs.get_codec("paars-person").loads(pickle.dumps(legacy_state(), protocol=pickle.HIGHEST_PROTOCOL))
    assert isinstance(state, st.PersonState) and state.schema == st.SCHEMA
    s30, s90 = compute_signals(state, NOW, 30), compute_signals(state, NOW, 90)
    assert s30["received_by_source"] == {"manager": 1} and s90["received_by_source"] == {"peer": 1, "manager": 1}
    assert s30["feedback_acted_on"] == 1 and s30["share_led_to_action"] == 1.0 and s30["median_delay_hours"] == 5.0
    assert s30["goal_progress"] == 0.2 and s30["self_others_gap"] == {"listening": 1.5}
    # The ids it had seen stay known: replaying them changes nothing.
    assert apply_update(state, received("e1", NOW - 40 * DAY), NOW) is False
    record = codecs.get_codec("paars-record").loads(pickle.dumps({"id": "ann", "roles": ["hr"]}, protocol=pickle.HIGHEST_PROTOCOL))
    assert record == {"id": "ann", "roles": ["hr"]}


SCHEMA_2 = pathlib.Path(__file__).parent / "data" / "person-state-schema-2.msgpack"


def schema2_encoded(state: st.PersonState) -> bytes:
    """What schema 2 wrote for a state: the in-memory structs as arrays, each day bucket in Day.wire's form."""
    return msgspec.msgpack.Encoder(enc_hook=lambda day: day.wire()).encode(msgspec.structs.replace(state, schema=2))


def a_person_with_every_kind_of_fact() -> st.PersonState:
    """Every part of a state filled: buckets of every counter, goals, ratings, reviews' rates, received pieces, moments,
    dialogues, 1:1s, input offsets and rings (and the shared ring), with UUID and other event ids."""
    state = new_state()
    goal = {"id": "g1", "kind": "performance", "title": "Ship", "progress": 0.3, "expected": 0.2, "status": "at_risk",
            "agreed": True, "closed": False, "check": NOW - DAY, "since": NOW - 9 * DAY, "start": 0.0, "due": NOW + 9 * DAY, "version": 3}
    facts: list[tuple[str, list[dict[str, Any]]]] = [
        (TOPIC, [{"k": "recv", "f": "f1", "src": "peer", "ex": True, "fk": "constructive", "d": 30.0, "formal": False}]),
        (TOPIC, [{"k": "recv", "f": "f2", "src": "anonymous", "ex": False, "fk": "praise", "d": 200.0, "formal": False}]),
        ("feedback.feedback-acknowledged.v1", [{"k": "ack", "f": "f1", "a": True, "fk": "constructive"}]),
        ("feedback.action-item-updated.v1", [{"k": "act", "s": "done", "sf": "f2"}, {"k": "act", "s": "open", "sf": "f9"}]),
        ("goals.goal-updated.v1", [{"k": "prog", "g": "g1", "gk": "performance", "p": 0.3, "x": 0.2},
                                   {"k": "stat", "s": "at_risk"}, {"k": "mile", "pct": 50, "title": "Halfway"}]),
        ("goals.goal-updated.v1", [{"k": "prog", "g": "g2", "gk": "development", "p": 0.1, "x": 0.4}]),
        ("feedback.dialogue-updated.v1", [{"k": "dlg", "d": "d1", "s": "held", "m": "mgr"}]),
        ("feedback.feedback-given.v1", [{"k": "given", "f": "f3"}]),
        ("conversations.coaching-session-completed.v1", [{"k": "coach"}]),
        ("conversations.one-on-one-held.v1", [{"k": "1on1", "s": "held", "p": "pair-1"}]),
        ("conversations.one-on-one-skipped.v1", [{"k": "1on1", "s": "skipped", "p": "pair-2", "n": 2}]),
        ("feedback.review-updated.v1", [{"k": "rev"}, {"k": "rate", "rv": "rv1", "r": 3.5, "m": "mgr", "ma": 3.2}]),
    ]
    for i, (topic, update_facts) in enumerate(facts):
        eid = f"{i:08x}-3c1e-4b7a-9d2f-{i * 7919:012x}" if i % 4 else f"legacy-{i}:given"
        at = NOW - (i * 5 % 40) * DAY - i * 600
        update = PersonUpdate("ann", eid, at, update_facts, goal=dict(goal, version=i) if i == 4 else None,
                              self_ratings={"listening": 4.0} if i == 9 else None, others_ratings={"listening": 2.5} if i == 10 else None)
        apply_update(state, update, NOW, (topic, i % 3, 100 + i))
    apply_update(state, received("7d3c1e4b-0000-4b7a-9d2f-000000000001", NOW - 3 * DAY), NOW)
    return state


def test_a_state_written_in_schema_2_upcasts_to_the_same_state_signals_and_known_event_ids() -> None:
    # The file is what the schema-2 code wrote (encode_state before schema 3) for this same history.
    stored = SCHEMA_2.read_bytes()
    expected = a_person_with_every_kind_of_fact()
    assert schema2_encoded(expected) == stored
    state = decode_state(stored)
    assert state.schema == st.SCHEMA == 3 and state == expected
    for window in (30, 90):
        assert compute_signals(state, NOW, window) == compute_signals(expected, NOW, window)
    assert [r.event_id for r in state.received] == [r.event_id for r in expected.received]
    assert decode_state(encode_state(state)) == expected and len(encode_state(state)) < 0.8 * len(stored)
    # Its rings hold the same hashes of the same ids: a re-published event (new offset) still changes nothing.
    republished = PersonUpdate("ann", "00000001-3c1e-4b7a-9d2f-000000001eef", NOW, [{"k": "recv", "f": "f1", "src": "peer"}])
    assert apply_update(state, republished, NOW, (TOPIC, 1, 500)) is False
    assert apply_update(state, received("7d3c1e4b-0000-4b7a-9d2f-000000000001", NOW), NOW) is False


@pytest.mark.parametrize("event_id", [
    "0b4e7c1a-3c1e-4b7a-9d2f-00000000beef", "0B4E7C1A-3C1E-4B7A-9D2F-00000000BEEF", "0b4e7c1a-3c1e-4b7a-9d2f-00000000beef:given",
    "sixteen-chars-id", "0b4e7c1a 3c1e 4b7a 9d2f 00000000beef", "0b4e7c1a-3c1e-4b7a-9d2f-0000 000beef", "0b4e7c1a-3c1e-4b7a-9d2f-0000-00-beef",
    "", "e1", "zoë-ünïcode",
])
def test_an_event_id_is_kept_compact_and_reads_back_as_it_was(event_id: str) -> None:
    key = st.event_key(event_id)
    assert st.event_text(key) == event_id
    assert len(key) == (16 if event_id == "0b4e7c1a-3c1e-4b7a-9d2f-00000000beef" else len(event_id.encode()) + (len(event_id.encode()) == 16))


def test_the_bytes_per_person_stay_small_from_50_to_500_events() -> None:
    small, large = len(encode_state(busy_person(50))), len(encode_state(busy_person(500)))
    # Schema 2 wrote these two people in about 2.5 and 4 KB.
    assert large <= 3072 and large - small <= 1536


def wire_of(state: st.PersonState) -> list[Any]:
    wire = msgspec.msgpack.decode(encode_state(state))
    assert isinstance(wire, list)
    return wire


def _tampered(change: str) -> bytes:
    wire = wire_of(a_person_with_every_kind_of_fact())
    if change == "a mask beyond the known counters":
        wire[3][0][1] = 1 << len(st.DAY_COUNTERS)
    elif change == "a count missing":
        wire[3][0] = wire[3][0][:2]
    elif change == "half a delay pair":
        wire[3][-1].append(5)
    elif change == "a count that is text":
        wire[3][0] = [1, 0, "1"]
    elif change == "days out of order":
        wire[2][1] = 0
    elif change == "more day bodies than days":
        wire[3].append([0, 0])
    elif change == "a ring of part of a hash":
        wire[17][next(iter(wire[17]))] += b"\x01"
    elif change == "an event id that is not UTF-8":
        wire[12] = b"\xfe\xfe"
    elif change == "a text where an id key goes":
        wire[8][0][1] = "00000001-3c1e-4b7a-9d2f-000000001eef"
    elif change == "a later schema":
        wire[0] = st.SCHEMA + 1
    return msgspec.msgpack.encode(wire)


@pytest.mark.parametrize("change", [
    "a mask beyond the known counters", "a count missing", "half a delay pair", "a count that is text", "days out of order",
    "more day bodies than days", "a ring of part of a hash", "an event id that is not UTF-8", "a text where an id key goes",
    "a later schema",
])
def test_a_tampered_schema_3_state_is_rejected(change: str) -> None:
    with pytest.raises(st.UntrustedState):
        decode_state(_tampered(change))
    assert codecs.get_codec("paars-person").loads(_tampered(change)) is None



class FakeTable(dict):
    """A dict that records writes, like the people table's changelog."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[str] = []

    def __setitem__(self, key: str, value: Any) -> None:
        self.writes.append(key)
        super().__setitem__(key, value)


class FakeConsumer:
    def __init__(self, table: FakeTable) -> None:
        self.table = table
        self.acked: list[tuple[TP, list[int], int]] = []

    def ack_offsets(self, tp: TP, offsets: list[int]) -> int:
        # How many table writes had happened when these offsets were acknowledged.
        self.acked.append((tp, list(offsets), len(self.table.writes)))
        return len(offsets)


def store(table: FakeTable, consumer: FakeConsumer, **kw: Any) -> PeopleStore:
    bounds = {"hot_people": kw["hot"]} if "hot" in kw else {}
    if "hot_bytes" in kw:
        bounds["hot_bytes"] = kw["hot_bytes"]
    return PeopleStore(table, lambda: consumer, "goals.goal-updated.v1", flush_interval=kw.get("interval", 1.0),
                       flush_events=kw.get("events", 1000), **bounds)


def test_a_person_touched_many_times_between_flushes_is_written_once_and_offsets_are_acked_after_the_write() -> None:
    table = FakeTable()
    consumer = FakeConsumer(table)
    people = store(table, consumer)
    tp = TP("feedback.feedback-given.v1", 2)
    for i in range(5):
        state = people.state("ann", 2) or new_state()
        apply_update(state, received(f"e{i}", NOW - i * 3600), NOW)
        people.put("ann", state, 2)
        people.hold(tp, [i])
    assert table.writes == [] and consumer.acked == []
    assert people.get("ann") is not None and count(people.get("ann")) == 5
    people.flush(NOW)
    assert table.writes == ["ann"]
    assert consumer.acked == [(tp, [0, 1, 2, 3, 4], 1)]


def test_a_flush_is_due_after_the_interval_or_enough_events_and_not_before() -> None:
    table = FakeTable()
    people = store(table, FakeConsumer(table), interval=1.0, events=3)
    people.last_flush = NOW
    people.hold(TP("t", 0), [1])
    assert not people.due(NOW + 0.5)
    assert people.due(NOW + 1.0)
    people.hold(TP("t", 0), [2, 3])
    assert people.due(NOW + 0.1)


def test_a_rebalance_writes_what_is_pending_then_reads_state_back_from_the_table() -> None:
    table = FakeTable()
    consumer = FakeConsumer(table)
    people = store(table, consumer)
    state = new_state()
    apply_update(state, received("e1", NOW), NOW)
    people.put("ann", state, 0)
    people.hold(TP("t", 0), [7])
    people.drop()
    assert table.writes == ["ann"] and consumer.acked == [(TP("t", 0), [7], 1)]
    assert people.hot == {} and count(people.get("ann")) == 1
    assert list(people.keys()) == ["ann"] and "ann" in people


class ChangelogTable(FakeTable):
    """Holds what the people changelog would: each value encoded by the table codec, decoded on read."""

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, codecs.get_codec("paars-person").dumps(value))

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        raw = super().get(key)
        return codecs.get_codec("paars-person").loads(raw) if raw is not None else default


def consume(people: PeopleStore, records: list[tuple[int, PersonUpdate]], *, flush: bool) -> None:
    """What the pipeline does per fetch: apply each record with its source, hold its offset, maybe flush."""
    tp = TP(TOPIC, 2)
    for offset, update in records:
        state = people.state(update.key, 2) or new_state()
        if apply_update(state, update, NOW, (TOPIC, 2, offset)):
            people.put(update.key, state, 2)
        people.hold(tp, [offset])
    if flush:
        people.flush(NOW)


def touch(people: PeopleStore, key: str, eid: str, tp: TP = TP(TOPIC, 2)) -> st.PersonState:
    """One event for a person, as the pipeline applies it: read (memory or table), apply, put, hold its offset."""
    state = people.state(key, 2) or new_state()
    offset = people.changes.count
    apply_update(state, received(eid, NOW - 3600), NOW, (TOPIC, 2, offset))
    people.put(key, state, 2)
    people.hold(tp, [offset])
    return state


def test_the_least_recently_used_clean_states_are_evicted_past_hot_people_and_the_recent_ones_stay() -> None:
    table = ChangelogTable()
    people = store(table, FakeConsumer(table), hot=2)
    for key in ("ann", "bob", "cy"):
        touch(people, key, f"{key}-1")
    people.flush(NOW)
    # All three written, so clean: the bound holds, the least recently changed (ann) goes first.
    assert list(people.hot) == ["bob", "cy"] and list(people.clean) == ["bob", "cy"]
    # A use makes bob the most recent: a re-read of ann then evicts cy, not bob.
    assert people.state("bob", 2) is people.hot["bob"]
    ann = people.state("ann", 2)
    assert ann is not None and count(ann) == 1
    assert set(people.hot) == {"bob", "ann"} and list(people.clean) == ["bob", "ann"]


def test_a_dirty_state_is_never_evicted_before_its_flush_and_becomes_evictable_after_it() -> None:
    table = ChangelogTable()
    consumer = FakeConsumer(table)
    people = store(table, consumer, hot=3)
    states = {key: touch(people, key, f"{key}-1") for key in ("ann", "bob", "cy")}
    # Three dirty states, a bound of three: all kept (nothing written yet), each still the object that was put.
    assert table.writes == [] and set(people.hot) == set(states) and not people.clean
    assert all(people.hot[key] is state for key, state in states.items())
    # Touching one of them again makes nobody new dirty: still no write.
    touch(people, "ann", "ann-2")
    assert table.writes == [] and people.hot["ann"] is states["ann"]
    written = people.flush(NOW)
    assert written == 3 and sorted(table.writes) == ["ann", "bob", "cy"]
    # Offsets acknowledged after all three writes; the bound holds, all clean now.
    assert consumer.acked[-1][2] == 3 and set(people.hot) == {"ann", "bob", "cy"} and len(people.clean) == 3
    # New changes evict the least recently used clean ones, never a dirty one; an evicted person still reads.
    touch(people, "dee", "dee-1")
    touch(people, "eve", "eve-1")
    assert set(people.dirty) == {"dee", "eve"} and {"dee", "eve"} <= set(people.hot) and len(people.hot) == 3
    touch(people, "bob", "bob-2")
    assert set(people.dirty) == {"dee", "eve", "bob"} and set(people.hot) == {"dee", "eve", "bob"}
    people.flush(NOW)
    assert count(table.get("ann")) == 2 and count(table.get("bob")) == 2 and count(table.get("eve")) == 1


def test_no_more_than_hot_people_are_dirty_at_once_and_a_flush_first_writes_them_with_their_offsets() -> None:
    """A fetch of many people not in memory (a restart, a backfill): the change that would make a third person dirty
    with a bound of two writes the two first and acknowledges only the offsets held before it."""
    table = ChangelogTable()
    consumer = FakeConsumer(table)
    people = store(table, consumer, hot=2)
    tp = TP(TOPIC, 2)
    for key in ("ann", "bob"):
        touch(people, key, f"{key}-1", tp)
    assert table.writes == [] and consumer.acked == []
    cy = people.state("cy", 2) or new_state()
    apply_update(cy, received("cy-1", NOW - 3600), NOW, (TOPIC, 2, 99))
    people.put("cy", cy, 2)
    # ann's and bob's states written, then their two offsets acknowledged; cy's change waits for the next flush.
    assert sorted(table.writes) == ["ann", "bob"] and consumer.acked == [(tp, [0, 1], 2)]
    assert set(people.dirty) == {"cy"} and len(people.hot) <= 2 and people.hot["cy"] is cy
    people.hold(tp, [99])
    for key in ("dee", "eve", "fay", "gus"):
        touch(people, key, f"{key}-1", tp)
        assert len(people.dirty) <= 2 and len(people.hot) <= 2
    people.flush(NOW)
    assert sorted(set(table.writes)) == ["ann", "bob", "cy", "dee", "eve", "fay", "gus"]
    assert all(count(table.get(key)) == 1 for key in ("ann", "bob", "cy", "dee", "eve", "fay", "gus"))
    # Every offset acknowledged once, each after the write of the state it changed.
    acked = [offset for _, offsets, _ in consumer.acked for offset in offsets]
    assert sorted(acked) == sorted(set(acked)) and 99 in acked and 0 in acked and 1 in acked


def test_the_hot_states_bytes_are_bounded_too_clean_ones_evicted_and_dirty_ones_flushed_first() -> None:
    """PAARS_ANALYTICS_HOT_MB: past the bytes held (held_bytes of each state), the least recently used clean states go,
    and the change that would pass it with dirty ones writes those first, whatever the count bound."""
    table = ChangelogTable()
    consumer = FakeConsumer(table)
    one = held_bytes(touch(store(ChangelogTable(), FakeConsumer(ChangelogTable())), "x", "x-1"))
    people = store(table, consumer, hot=100, hot_bytes=int(2.5 * one))
    tp = TP(TOPIC, 2)
    for key in ("ann", "bob"):
        touch(people, key, f"{key}-1", tp)
    assert table.writes == [] and people.held == people.dirty_held == 2 * one
    # A third dirty person would pass 2.5 states' bytes: the two are written first, their offsets acknowledged.
    touch(people, "cy", "cy-1", tp)
    assert sorted(table.writes) == ["ann", "bob"] and consumer.acked == [(tp, [0, 1], 2)]
    assert set(people.dirty) == {"cy"} and people.dirty_held == one and people.held <= int(2.5 * one)
    people.flush(NOW)
    # Clean now: the bytes bound keeps the two most recent, and the evicted one still reads from the table.
    assert list(people.hot) == ["bob", "cy"] and people.held == sum(people.sizes.values()) == 2 * one
    assert count(people.state("ann", 2)) == 1 and set(people.hot) == {"cy", "ann"}
    # Forgetting a person releases their bytes; a rebalance's drop releases everything.
    people.forget("cy", 2)
    assert people.held == one and "cy" not in people.sizes
    people.drop()
    assert people.held == people.dirty_held == 0 and not people.sizes


@pytest.mark.parametrize("events_each", [5, 50, 500])
def test_held_bytes_is_close_to_what_a_decoded_state_holds(events_each: int) -> None:
    """The estimate behind the bytes bound, against tracemalloc over the bench's states decoded and written back (the
    shared tables and caches warmed first, as in a running worker)."""
    import gc
    import tracemalloc

    from bench.analytics_bench import people_states

    blobs = [encode_state(s) for s in people_states(events_each, 12).values()]
    for blob in blobs:
        encode_state(decode_state(blob))
    held, estimated = 0, 0
    for blob in blobs:
        gc.collect()
        tracemalloc.start()
        state = decode_state(blob)
        encode_state(state)
        gc.collect()
        held += tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        estimated += held_bytes(state)
        del state
    assert 0.75 <= estimated / held <= 1.25, (estimated, held)


def test_an_evicted_state_decoded_again_from_the_table_equals_the_state_written() -> None:
    table = ChangelogTable()
    people = store(table, FakeConsumer(table), hot=1)
    ann = touch(people, "ann", "ann-1")
    touch(people, "ann", "ann-2")
    expected = compute_signals(ann, NOW, 30)
    encoded = codecs.get_codec("paars-person").dumps(ann)
    people.flush(NOW)
    touch(people, "bob", "bob-1")
    people.flush(NOW)
    assert "ann" not in people.hot and "ann" in people
    again = people.state("ann", 2)
    assert again is not None and again is not ann
    assert codecs.get_codec("paars-person").dumps(again) == encoded
    assert compute_signals(again, NOW, 30) == expected and count(again) == 2
    # Forgetting (erasure) and a rebalance clear the eviction order with the memory.
    people.forget("ann", 2)
    assert "ann" not in people.clean and "ann" not in people.hot and people.get("ann") is None
    people.drop()
    assert people.hot == {} and not people.clean and count(people.get("bob")) == 1


@pytest.mark.parametrize("written", [True, False], ids=["killed-after-the-state-write", "killed-before-the-state-write"])
def test_a_worker_killed_between_its_state_write_and_its_offset_commit_replays_to_the_same_counts(written: bool) -> None:
    records = [(offset, received(f"e{offset}", NOW - offset * 3600, kind=("praise", "constructive")[offset % 2])) for offset in range(12)]
    table = ChangelogTable()
    first = store(table, FakeConsumer(table))
    consume(first, records[:8], flush=written)
    # Killed: nothing committed, memory lost. The next worker recovers the table and reads from offset 0 again.
    second = store(table, FakeConsumer(table))
    consume(second, records, flush=True)
    replayed = compute_signals(table.get("ann"), NOW, 30)
    clean_table = ChangelogTable()
    consume(store(clean_table, FakeConsumer(clean_table)), records, flush=True)
    assert replayed == compute_signals(clean_table.get("ann"), NOW, 30)
    assert sum(replayed["received_by_source"].values()) == 12


def test_a_day_takes_its_counters_in_wire_order() -> None:
    # Day.__init__ assigns the counters by name in one statement: its order must be DAY_COUNTERS'.
    counts = tuple(range(1, len(st.DAY_COUNTERS) + 1))
    day = st.Day(3, None, None, *counts)
    assert [getattr(day, name) for name in st.DAY_COUNTERS] == list(counts)
    assert [getattr(st.Day(3, None, None, 7), name) for name in st.DAY_COUNTERS] == [7] + [0] * (len(counts) - 1)
    with pytest.raises(ValueError):
        st.Day(3, None, None, *counts, 1)


def test_a_day_keeps_its_delays_as_pairs_and_reads_and_writes_them_as_the_dict_did() -> None:
    # Kept as flat (hours, pieces) pairs in the order first seen; read as the dict of before, written the same bytes.
    day = st.Day(3)
    for hours in (4, 0, 4, 72, 4):
        day.add_delay(hours)
    assert day.delays == {4: 3, 0: 1, 72: 1} and list(day.delays) == [4, 0, 72]
    assert list(day.delay_items()) == [(4, 3), (0, 1), (72, 1)]
    assert day.body()[2:] == [4, 3, 0, 1, 72, 1]
    back = st.Day.from_body(3, day.body())
    assert back == day and back.delays == day.delays
    assert st.Day(3, None, {4: 3, 0: 1, 72: 1}) == day
    # A day with no delay holds no pair.
    assert st.Day(5)._delays == () and st.Day.from_body(5, st.Day(5).body())._delays == ()
    # A body naming one hours value twice (never written so, but read from a changelog) reads as the dict read it:
    # the last pair wins, once.
    assert st.Day.from_body(3, [0, 0, 4, 1, 0, 2, 4, 5]).delays == {4: 5, 0: 2}


def test_days_share_their_received_counts_and_day_numbers_and_a_change_to_one_leaves_the_others_alone() -> None:
    # Decoded buckets of the same pattern refer to one tuple (and one int per day number): ~13 KB less a decoded
    # person at 500 events. Shared values are immutable: a piece more on one day replaces that day's tuple only.
    body = st.Day(20_715, [0, 0, 2, 0, 0, 0, 0, 0, 0], {5: 2}, 2).body()
    first, second = st.Day.from_body(20_715, body), st.Day.from_body(int("20715"), list(body))
    assert first.received is second.received and first.day is second.day
    assert st.Day(7).received is st.Day(8).received == (0,) * len(st.SOURCES)
    # Their delay pairs too (the bench's 16,000 days hold 12 patterns), replaced on change.
    assert first._delays is second._delays == (5, 2) and st.Day(9, None, {5: 2})._delays is first._delays
    second.add_delay(5)
    assert second._delays == (5, 3) and first._delays == (5, 2)
    first.add_received(st.SOURCES.index("peer"))
    assert first.received == (1, 0, 2, 0, 0, 0, 0, 0, 0) and second.received == (0, 0, 2, 0, 0, 0, 0, 0, 0)
    assert st.Day.from_body(20_715, first.body()) == first and first.wire()[1] == [1, 0, 2, 0, 0, 0, 0, 0, 0]
    # A state read back is equal to the one written, its signals too.
    state = new_state()
    for i in range(30):
        apply_update(state, received(f"e{i}", NOW - i * 7200, src=("peer", "manager", "customer")[i % 3]), NOW, (TOPIC, 0, i))
    again = decode_state(encode_state(state))
    assert again == state and compute_signals(again, NOW) == compute_signals(state, NOW)


@pytest.mark.parametrize("days", [0, 1, 15, 16, 92, 300])
def test_the_days_kept_bodies_encode_as_the_list_of_their_bodies_does(days: int) -> None:
    # A write-back joins the days' kept bodies (plain bytes) under one array header: the same bytes as encoding the
    # list of bodies, whatever the count (a fixarray below 16, array 16 above), and a changed day is encoded anew.
    import msgspec

    state = new_state()
    state.days = [st.Day(20_000 + i, [i % 3, 0, 1, 0, 0, 0, 0, 0, 0], {i % 7: 1}, i) for i in range(days)]
    first = encode_state(state)
    assert all(type(d.encoded) is bytes for d in state.days)
    wire = msgspec.msgpack.decode(first)
    assert wire[3] == [d.body() for d in state.days] and msgspec.msgpack.encode(wire[3]) == msgspec.msgpack.encode([d.body() for d in state.days])
    assert decode_state(first) == state and encode_state(decode_state(first)) == first
    if days:
        st.bucket(state, state.days[-1].day * 86_400.0).acks += 1
        assert state.days[-1].encoded is None
        assert decode_state(encode_state(state)).days[-1].acks == state.days[-1].acks
