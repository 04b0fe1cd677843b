"""A person's signals over a rolling window (30 or 90 days): performance, development, feedback health, self vs others."""
from __future__ import annotations

import statistics
from typing import Any

from paars_analytics.signals.state import DAY, Fact, State, facts_between

WINDOWS = (30, 90)
OPEN_STATUSES = ("on_track", "at_risk", "off_track", "unspecified")


def open_goals(state: State) -> list[dict[str, Any]]:
    """Agreed goals that are still running."""
    return [g for g in state["goals"].values() if g["agreed"] and not g["closed"] and g["status"] in OPEN_STATUSES]


def expected_now(goal: dict[str, Any], now: float) -> float:
    """Where a goal should be by now if it runs linearly from its start to its due date (the snapshot's figure ages)."""
    start, due = goal.get("start", 0.0), goal.get("due", 0.0)
    if start and due and due > start:
        return max(0.0, min(1.0, (now - start) / (due - start)))
    return float(goal["expected"])


def ratings_between(state: State, start: float, end: float) -> list[Fact]:
    """Review ratings received in (start, end], the latest per review (a review reports several times)."""
    latest: dict[str, Fact] = {}
    for fact in facts_between(state, start, end, "rate"):
        latest[fact["rv"]] = fact
    return list(latest.values())


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def goal_ratio(progress: float, expected: float) -> float:
    """How far along a goal is compared with where it should be: 1.0 means on schedule or ahead."""
    if expected <= 0.05:
        return 1.0
    return max(0.0, min(1.0, progress / expected))


def performance_between(state: State, start: float, end: float) -> float | None:
    """Performance from the facts of (start, end]: latest progress per goal against expected, and ratings received."""
    latest: dict[str, Fact] = {}
    for fact in facts_between(state, start, end, "prog"):
        if fact["gk"] == "performance":
            latest[fact["g"]] = fact
    ratings = [f["r"] / 5.0 for f in ratings_between(state, start, end) if f["r"] > 0]
    parts = []
    if latest:
        parts.append(_mean([goal_ratio(f["p"], f["x"]) for f in latest.values()]))
    if ratings:
        parts.append(_mean(ratings))
    return _mean(parts) if parts else None


def development_activity(state: State, start: float, end: float) -> list[Fact]:
    """Facts that show development: development-goal progress, actions done, feedback turned into action, dialogues."""
    out = []
    for fact in facts_between(state, start, end):
        k = fact["k"]
        if (
            (k == "prog" and fact["gk"] == "development")
            or (k == "act" and fact["s"] == "done")
            or (k == "ack" and fact["a"])
            or (k == "dlg" and fact["s"] in ("held", "signed"))
        ):
            out.append(fact)
    return out


def feedback_with_action(state: State, end: float) -> set[str]:
    """Feedback ids that led to an action (acknowledged with an action item, or an action item citing them)."""
    acted: set[str] = set()
    for fact in facts_between(state, 0.0, end):
        if fact["k"] == "ack" and fact["a"]:
            acted.add(fact["f"])
        elif fact["k"] == "act" and fact["sf"]:
            acted.add(fact["sf"])
    return acted


def compute_signals(state: State, now: float, window_days: int = 30, coach_id: str = "") -> dict[str, Any]:
    """The Signals message as a plain dict; the same state and clock always give the same answer."""
    start = now - window_days * DAY
    window = facts_between(state, start, now)
    goals = open_goals(state)
    perf_goals = [g for g in goals if g["kind"] == "performance"]
    dev_goals = [g for g in goals if g["kind"] == "development"]
    status_changes = sum(1 for f in window if f["k"] == "stat")
    ratings = [f["r"] for f in ratings_between(state, start, now) if f["r"] > 0]
    actions_done = {f["a"] for f in window if f["k"] == "act" and f["s"] == "done"}
    acks = [f for f in window if f["k"] == "ack"]
    acted = feedback_with_action(state, now)
    received = [f for f in window if f["k"] == "recv"]
    received_ids = {f["f"] for f in received}
    dialogues = {f["d"]: f for f in window if f["k"] == "dlg" and f["s"] in ("held", "signed")}
    coaching = [d for d in dialogues.values() if coach_id and d["m"] == coach_id]
    by_source: dict[str, int] = {}
    for f in received:
        by_source[f["src"]] = by_source.get(f["src"], 0) + 1
    delays = [f["d"] for f in received if f["d"] >= 0]
    gaps = self_others_gap(state)

    goal_progress = _mean([g["progress"] for g in perf_goals])
    expected = _mean([expected_now(g, now) for g in perf_goals])
    perf_parts = []
    if perf_goals:
        perf_parts.append(_mean([goal_ratio(g["progress"], expected_now(g, now)) for g in perf_goals]))
    if ratings:
        perf_parts.append(_mean(ratings) / 5.0)
    dev_parts = []
    if dev_goals:
        dev_parts.append(_mean([g["progress"] for g in dev_goals]))
    dev_parts.append(min(1.0, len(actions_done) / 2.0))
    dev_parts.append(min(1.0, (len(dialogues) + len(coaching)) / 1.0))
    if received:
        dev_parts.append(len(received_ids & acted) / len(received_ids))
    return {
        "employee_id": "",
        "window_days": window_days,
        "goal_progress": goal_progress,
        "expected_progress": expected,
        "status_changes": status_changes,
        "average_rating": _mean(ratings),
        "development_goal_progress": _mean([g["progress"] for g in dev_goals]),
        "action_items_done": len(actions_done),
        "feedback_acknowledged": len({f["f"] for f in acks}),
        "feedback_acted_on": len(received_ids & acted) if received else len({f["f"] for f in acks if f["a"]}),
        "dialogues_held": len(dialogues),
        "coaching_sessions": len(coaching),
        "received_by_source": by_source,
        "given": sum(1 for f in window if f["k"] == "given"),
        "share_with_example": (sum(1 for f in received if f["ex"]) / len(received)) if received else 0.0,
        "median_delay_hours": statistics.median(delays) if delays else 0.0,
        "share_led_to_action": (len(received_ids & acted) / len(received_ids)) if received_ids else 0.0,
        "self_others_gap": gaps,
        "performance_score": _mean(perf_parts),
        "development_score": _mean(dev_parts),
        "computed_at": now,
    }


def self_others_gap(state: State) -> dict[str, float]:
    """Per competency: the latest self-assessment minus the latest view of others (a topic, not a verdict)."""
    gaps = {}
    for competency, (self_score, _t, _e) in state["self"].items():
        others = state["others"].get(competency)
        if others is not None:
            gaps[competency] = round(self_score - others[0], 3)
    return gaps
