"""Analytics people state: the bounded event-id ring keeps idempotence within its horizon, and the write-back
cache acknowledges offsets only after the state behind them went to the table."""
from __future__ import annotations

import datetime as dt
from typing import Any

from faust.types import TP

from paars_analytics.people import PeopleStore
from paars_analytics.signals import state as st
from paars_analytics.signals.person import compute_signals
from paars_analytics.signals.state import DAY, PersonUpdate, apply_update, facts_between, new_state

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC).timestamp()


def received(eid: str, at: float) -> PersonUpdate:
    # A fresh update each time: apply_update stamps the facts it logs.
    return PersonUpdate("ann", eid, at, [{"k": "recv", "f": f"f-{eid}", "src": "peer", "ex": True, "fk": "praise", "d": 1.0,
                                          "formal": False}])


def count(state: dict) -> int:
    return len(facts_between(state, 0.0, NOW + DAY, "recv"))


def test_a_redelivered_event_inside_the_horizon_counts_once_even_after_pruning() -> None:
    state = new_state()
    for i in range(10):
        apply_update(state, received(f"e{i}", NOW - i * DAY), NOW)
    st.prune(state, NOW + 3600.0)
    for i in range(10):
        assert apply_update(state, received(f"e{i}", NOW - i * DAY), NOW + 3600.0) is False
    assert count(state) == 10


def test_an_event_beyond_the_retention_adds_no_fact_and_leaves_no_id_behind() -> None:
    state = new_state()
    old = NOW - st.RETENTION_SECONDS - DAY
    apply_update(state, received("old", old), NOW)
    apply_update(state, received("old", old), NOW)
    assert count(state) == 0 and "old" not in state["seen"]


def test_ids_leave_the_ring_when_their_event_time_leaves_the_retention() -> None:
    state = new_state()
    apply_update(state, received("e1", NOW - 80 * DAY), NOW)
    later = NOW + 20 * DAY
    st.prune(state, later)
    assert state["seen"] == {} and count(state) == 0


def test_a_full_ring_forgets_its_oldest_ids_and_raises_the_floor_so_nothing_counts_twice(monkeypatch: Any) -> None:
    monkeypatch.setattr(st, "MAX_SEEN", 10)
    state = new_state()
    for i in range(11):
        apply_update(state, received(f"e{i}", NOW - (20 - i) * DAY), NOW)
    assert len(state["seen"]) <= 10
    assert state["floor"] > 0.0
    forgotten = [f"e{i}" for i in range(11) if f"e{i}" not in state["seen"]]
    assert forgotten
    before = count(state)
    for i in range(11):
        apply_update(state, received(f"e{i}", NOW - (20 - i) * DAY), NOW)
    assert count(state) == before == 11


def test_a_late_event_newer_than_the_floor_still_counts(monkeypatch: Any) -> None:
    monkeypatch.setattr(st, "MAX_SEEN", 10)
    state = new_state()
    for i in range(11):
        apply_update(state, received(f"e{i}", NOW - (20 - i) * DAY), NOW)
    assert apply_update(state, received("late", NOW - 2 * DAY), NOW) is True
    assert count(state) == 12


def test_a_goal_snapshot_older_than_the_horizon_still_merges_once() -> None:
    state = new_state()
    old = NOW - st.RETENTION_SECONDS - DAY
    goal = {"id": "g1", "kind": "performance", "title": "T", "progress": 0.3, "expected": 0.2, "status": "on_track",
            "agreed": True, "closed": False, "check": 0.0, "since": old, "start": 0.0, "due": 0.0, "version": 2}
    for _ in range(2):
        apply_update(state, PersonUpdate("ann", "g-old", old, [], goal=dict(goal)), NOW)
    assert state["goals"]["g1"]["version"] == 2 and compute_signals(state, NOW)["goal_progress"] == 0.3


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
    return PeopleStore(table, lambda: consumer, "goals.goal-updated.v1", flush_interval=kw.get("interval", 1.0),
                       flush_events=kw.get("events", 1000))


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
