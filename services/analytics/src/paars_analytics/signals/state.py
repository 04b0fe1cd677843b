"""A person's state: the facts of the last 90 days in event-time order, goal snapshots, and the event ids seen.

Idempotence on event id is bounded: the ids of the events inside the horizon are remembered, the horizon being
the retention (92 days of event time) or, for a person with more than MAX_SEEN events in that time, the event
time of the newest id the ring had to forget (``floor``). An event at or beyond the horizon cannot be told from a
redelivery, so it adds no fact; it still merges into the goal and rating snapshots, which are idempotent by
themselves (version and time win). Within the horizon no event ever counts twice.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

DAY = 86400.0
RETENTION_DAYS = 90
# A little beyond the longest window, so a late event at the edge still counts for its own day.
RETENTION_SECONDS = (RETENTION_DAYS + 2) * DAY
MAX_SEEN = 20000
# After an overflow the ring keeps this share of MAX_SEEN, so it is not re-sorted on every later event.
KEEP_AFTER_OVERFLOW = 0.9
PRUNE_EVERY_SECONDS = 3600.0

State = dict[str, Any]
Fact = dict[str, Any]
# The source ("src") of every anonymous-in-aggregate piece received, in place of its giver's relation.
ANONYMOUS = "anonymous"


@dataclass
class PersonUpdate:
    """What one event means for one person: facts for the timeline plus snapshot changes."""

    key: str
    event_id: str
    at: float
    facts: list[Fact] = field(default_factory=list)
    goal: dict[str, Any] | None = None
    self_ratings: dict[str, float] | None = None
    others_ratings: dict[str, float] | None = None


def new_state() -> State:
    return {"seen": {}, "log": [], "goals": {}, "self": {}, "others": {}, "first": 0.0, "pruned": 0.0, "floor": 0.0}


def horizon(state: State, now: float) -> float:
    """Events at or before this event time add no fact: their ids are no longer remembered (see the module doc)."""
    return max(now - RETENTION_SECONDS, state.get("floor", 0.0))


def apply_update(state: State, update: PersonUpdate, now: float) -> bool:
    """Applies an update once: a repeated event id changes nothing (at-least-once delivery). Returns True if applied."""
    seen: dict[str, float] = state["seen"]
    if update.event_id in seen:
        return False
    if not state["first"] or update.at < state["first"]:
        state["first"] = update.at
    if update.at > horizon(state, now):
        seen[update.event_id] = update.at
        log: list[Fact] = state["log"]
        for fact in update.facts:
            fact["t"] = update.at
            fact["e"] = update.event_id
            if not log or log[-1]["t"] <= update.at:
                log.append(fact)
            else:
                # Late or out-of-order: the fact counts for the moment it happened.
                log.insert(bisect.bisect_right(log, update.at, key=_time), fact)
    if update.goal is not None:
        _merge_goal(state["goals"], update.goal, update.event_id, update.at)
    if update.self_ratings:
        _merge_ratings(state["self"], update.self_ratings, update.event_id, update.at)
    if update.others_ratings:
        _merge_ratings(state["others"], update.others_ratings, update.event_id, update.at)
    if now - state["pruned"] > PRUNE_EVERY_SECONDS or len(seen) > MAX_SEEN:
        prune(state, now)
    return True


def _time(fact: Fact) -> float:
    return float(fact["t"])


def _merge_goal(goals: dict[str, Any], goal: dict[str, Any], event_id: str, at: float) -> None:
    current = goals.get(goal["id"])
    # Out-of-order delivery must not let an older snapshot overwrite a newer one.
    if current is not None and (goal["version"], at) < (current["version"], current["t"]):
        return
    snapshot = dict(goal, t=at, e=event_id)
    goals[goal["id"]] = snapshot


def _merge_ratings(target: dict[str, list[Any]], ratings: dict[str, float], event_id: str, at: float) -> None:
    for competency, score in ratings.items():
        current = target.get(competency)
        if current is None or current[1] <= at:
            target[competency] = [score, at, event_id]


def prune(state: State, now: float) -> None:
    """Forgets facts and event ids older than the retention horizon, and the oldest ids beyond MAX_SEEN (raising
    the floor to the newest forgotten one): bounded state per person, exact idempotence within the horizon."""
    cutoff = now - RETENTION_SECONDS
    log: list[Fact] = state["log"]
    if log and log[0]["t"] < cutoff:
        del log[: bisect.bisect_left(log, cutoff, key=_time)]
    seen: dict[str, float] = state["seen"]
    if len(seen) > MAX_SEEN or any(t <= cutoff for t in seen.values()):
        ring = sorted(((t, e) for e, t in seen.items() if t > cutoff), reverse=True)
        if len(ring) > MAX_SEEN:
            keep = int(MAX_SEEN * KEEP_AFTER_OVERFLOW)
            state["floor"] = max(state.get("floor", 0.0), ring[keep][0])
            # Ids at the floor's own time go too: the floor is inclusive.
            ring = [(t, e) for t, e in ring[:keep] if t > state["floor"]]
        state["seen"] = {e: t for t, e in ring}
    state["pruned"] = now


def facts_between(state: State, start: float, end: float, kind: str | None = None) -> list[Fact]:
    """Facts with start < t <= end (event time), optionally of one kind."""
    log: list[Fact] = state["log"]
    lo = bisect.bisect_right(log, start, key=_time)
    hi = bisect.bisect_right(log, end, key=_time)
    if kind is None:
        return log[lo:hi]
    return [f for f in log[lo:hi] if f["k"] == kind]
