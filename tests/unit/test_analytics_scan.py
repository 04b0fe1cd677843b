"""The worker's full scan (detection.scan: one state at a time, in chunks) finds what the whole-at-once round
(detection.full_round) finds, candidates and closures alike, on a generated organisation."""
from __future__ import annotations

import asyncio
import datetime as dt
import random
from typing import Any

import pytest

from paars.feedback.v1 import feedback_pb2 as fb
from paars.goals.v1 import goals_pb2 as goals
from paars_analytics.config import Thresholds
from paars_analytics.insights.detection import Round, full_round, scan
from paars_analytics.replica import Replicated
from paars_analytics.signals.state import DAY, PersonState, decode_state, encode_state, new_state
from paars_platform.events import new_metadata, timestamp
from tests.unit.test_analytics_signals import NOW, history

TH = Thresholds()
K = 3
# org > two departments > two teams each; people sit in the teams and in the departments themselves.
TEAMS: dict[str, dict[str, Any]] = {"org": {"id": "org"}}
for d in range(2):
    TEAMS[f"d{d}"] = {"id": f"d{d}", "parent_team_id": "org", "manager_id": f"m{d}"}
    for t in range(2):
        TEAMS[f"d{d}t{t}"] = {"id": f"d{d}t{t}", "parent_team_id": f"d{d}", "manager_id": f"m{d}{t}"}
LEAVES = [t for t in TEAMS if "t" in t[1:]]


def _at(days_ago: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(NOW - days_ago * DAY, dt.UTC)


def _events(rng: random.Random, pid: str, team: str) -> list[tuple[str, Any]]:
    """A person's history: feedback (bunched before a review in some teams, without examples in others), goals
    (some performance-only, some stalled), milestones and the ratings their managers gave."""
    out: list[tuple[str, Any]] = []
    n = 0

    def meta(days_ago: float) -> Any:
        nonlocal n
        n += 1
        return new_metadata(producer="test", subject_id=pid, visibility=1, occurred_at=_at(days_ago), event_id=f"{pid}-e{n}")

    bunched, bare = team.endswith("t0"), team.startswith("d1")
    review_day = 5 + rng.randrange(3)
    for _ in range(rng.randrange(0, 9)):
        when = review_day + rng.random() * 10 if bunched and rng.random() < 0.8 else rng.random() * 88
        out.append(("feedback.feedback-given.v1", fb.FeedbackGiven(
            metadata=meta(when), feedback_id=f"f-{pid}-{n}", receiver_id=pid, kind=1 + rng.randrange(3),
            relation=1 + rng.randrange(5), has_example=rng.random() < (0.2 if bare else 0.8),
            moment_at=timestamp(_at(when + 0.5)))))
    if rng.random() < 0.7:
        out.append(("feedback.review-updated.v1", fb.ReviewUpdated(
            metadata=meta(review_day), review=fb.Review(id=f"rv-{team}", subject_id=pid), change=fb.ReviewUpdated.CHANGE_OPENED)))
    for g in range(rng.randrange(0, 3)):
        kind = goals.GOAL_KIND_PERFORMANCE if rng.random() < 0.7 else goals.GOAL_KIND_DEVELOPMENT
        when = rng.random() * 40
        goal = goals.Goal(
            id=f"{pid}-g{g}", kind=kind, level=goals.GOAL_LEVEL_INDIVIDUAL, title=f"Goal {g}", owner_id=pid,
            progress=rng.random() * 0.5, expected_progress=0.4, status=goals.GOAL_STATUS_ON_TRACK,
            agreement=goals.AGREEMENT_STATE_AGREED, version=1, created_at=timestamp(_at(60)), start_date="2026-01-01",
            due_date="2026-09-30")
        out.append(("goals.goal-updated.v1", goals.GoalUpdated(
            metadata=meta(when), changes=[goals.GoalUpdated.CHANGE_AGREED], goal=goal,
            milestone_percent=50 if rng.random() < 0.15 and when < 1 else 0)))
    for r in range(rng.randrange(0, 3)):
        # m0 rates generously: a drift the rule should find.
        rater = rng.choice(["m0", "m1", "m00", "m01", "m10", "m11"])
        average = 4.6 + rng.random() * 0.3 if rater == "m0" else 3.0 + rng.random() * 0.5
        out.append(("feedback.review-updated.v1", fb.ReviewUpdated(
            metadata=meta(10 + r * 20), review=fb.Review(id=f"rv-{pid}-{r}", subject_id=pid),
            change=fb.ReviewUpdated.CHANGE_CLOSED, rater_manager_id=rater, manager_average=average)))
    return out


def organisation(seed: int = 7, people: int = 90) -> tuple[dict[str, PersonState], dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """States, the directory and open insights: a few people inactive, some without a state, some states of people
    the directory does not know, HR at two levels."""
    rng = random.Random(seed)
    states: dict[str, PersonState] = {}
    employees: dict[str, dict[str, Any]] = {}
    for i in range(people):
        pid = f"p{i:03d}"
        team = rng.choice(LEAVES) if i % 9 else f"d{i % 2}"
        roles = ["hr"] if i in (4, 50) else ["employee"]
        employees[pid] = {"id": pid, "team_id": "org" if i == 4 else team, "roles": roles, "active": i % 23 != 5,
                          "manager_id": str(TEAMS[team].get("manager_id", "")), "name": f"P {i}"}
        if i % 17 != 3:
            states[pid] = history(*_events(rng, pid, team), person=pid)
    for m, team in (("m0", "d0"), ("m1", "d1"), ("m00", "d0t0"), ("m01", "d0t1"), ("m10", "d1t0"), ("m11", "d1t1")):
        employees[m] = {"id": m, "team_id": team, "roles": ["manager"], "active": True, "manager_id": ""}
    states["stranger"] = history(*_events(rng, "stranger", "d0t0"), person="stranger")
    insights: dict[str, dict[str, Any]] = {}
    for subject, kind, ago in (("p001", "FEEDBACK_DROUGHT", 1), ("p002", "GOAL_STALLED", 20), ("d0t0", "RECENCY_BIAS", 1),
                               ("d1", "FEEDBACK_WITHOUT_EXAMPLES", 1), ("m1", "RATING_DRIFT", 2), ("p003", "MOMENT_FOR_FEEDBACK", 3)):
        record = insights.setdefault(subject, {"open": {}})
        record["open"][kind] = {"id": f"i-{subject}-{kind}", "detected_at": NOW - ago * DAY}
    return states, employees, insights


def _scan(chunk: int, *args: Any, **kwargs: Any) -> Round:
    return asyncio.run(scan(*args, chunk=chunk, **kwargs))


@pytest.mark.parametrize("chunk", [1, 7, 10_000])
def test_the_chunked_scan_finds_what_the_whole_round_finds(chunk: int) -> None:
    states, employees, insights = organisation()
    whole = full_round(states, employees, TEAMS, insights, NOW, TH, K)
    kinds = {c.kind for c in whole.candidates}
    # The population exercises every team rule and the drift, and both kinds of closure.
    assert {"RECENCY_BIAS", "FEEDBACK_WITHOUT_EXAMPLES", "PERFORMANCE_ONLY_PORTFOLIO", "RATING_DRIFT"} <= kinds
    assert {why for _, _, why in whole.closures} == {"expired", "resolved"}
    assert any(len(c.evidence) == 10 for c in whole.candidates if c.kind == "RECENCY_BIAS")
    chunked = _scan(chunk, states, employees, TEAMS, insights, NOW, TH, K)
    assert chunked.candidates == whole.candidates
    assert chunked.closures == whole.closures


@pytest.mark.parametrize("chunk", [1, 7, 10_000])
def test_a_scan_that_emits_its_candidates_as_found_gives_them_in_order_and_the_same_closures(chunk: int) -> None:
    """The worker's full scan hands the candidates on a chunk at a time instead of holding them to the end: together
    they are the whole round's, in its order; the closures are the same; the round itself keeps none."""
    states, employees, insights = organisation()
    whole = full_round(states, employees, TEAMS, insights, NOW, TH, K)
    emitted: list[list[Any]] = []

    async def emit(candidates: list[Any]) -> None:
        emitted.append(list(candidates))

    chunked = _scan(chunk, states, employees, TEAMS, insights, NOW, TH, K, emit=emit)
    assert [c for part in emitted for c in part] == whole.candidates and all(emitted)
    assert chunked.candidates == [] and chunked.closures == whole.closures
    if chunk == 1:
        assert len(emitted) > 2, "the person rules' candidates go out per chunk of people"


@pytest.mark.parametrize("chunk", [1, 7, 10_000])
def test_on_one_of_several_workers_the_chunked_scan_keeps_to_what_it_owns(chunk: int) -> None:
    """A worker's own people, everyone's states from the read model (encoded, as the worker holds them), and the
    subjects it owns."""
    states, employees, insights = organisation(seed=11, people=120)
    mine = {pid: s for pid, s in states.items() if sum(map(ord, pid)) % 2}
    owned = {"d0", "d0t1", "d1t0", "m0", "m10", *mine}
    everyone = Replicated(decode_state)
    for pid, state in states.items():
        everyone.put(pid, encode_state(state))
    args = (mine, employees, TEAMS, {s: r for s, r in insights.items() if s in owned}, NOW, TH, K)
    whole = full_round(*args, everyone=states, owns=owned.__contains__)
    assert whole.candidates and whole.closures
    chunked = _scan(chunk, *args, everyone=everyone.snapshot(), owns=owned.__contains__)
    assert chunked.candidates == whole.candidates
    assert chunked.closures == whole.closures


def test_the_scan_reads_the_read_model_as_it_was_when_the_scan_began() -> None:
    """A value the read model applies while the scan yields is not half seen: the snapshot keeps the bytes it had."""
    states = organisation()[0]
    everyone = Replicated(decode_state)
    for pid, state in states.items():
        everyone.put(pid, encode_state(state))
    before = everyone.snapshot()
    everyone.put("p010", encode_state(new_state()))
    everyone.put("p011", None)
    assert before["p010"] == states["p010"] and "p011" in before and "p011" not in everyone
