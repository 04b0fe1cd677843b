"""A person's signals over a rolling window (30 or 90 days): performance, development, feedback health, self vs others."""
from __future__ import annotations

from typing import Any

from paars_analytics.signals.state import (
    DAY,
    SOURCES,
    Day,
    Goal,
    PersonState,
    Rate,
    State,
    days_between,
    goal_ratio,
    skips_in_a_row,
)

WINDOWS = (30, 90)
OPEN_STATUSES = ("on_track", "at_risk", "off_track", "unspecified")

__all__ = ["WINDOWS", "compute_signals", "development_activity", "expected_now", "goal_ratio", "open_goals",
           "performance_between", "ratings_between", "self_others_gap"]


def open_goals(state: State) -> list[Goal]:
    """Agreed goals that are still running."""
    return [g for g in state.goals.values() if g.agreed and not g.closed and g.status in OPEN_STATUSES]


def expected_now(goal: Goal, now: float) -> float:
    """Where a goal should be by now if it runs linearly from its start to its due date (the snapshot's figure ages)."""
    start, due = goal.start, goal.due
    if start and due and due > start:
        return max(0.0, min(1.0, (now - start) / (due - start)))
    return float(goal.expected)


def ratings_between(state: State, start: float, end: float) -> list[Rate]:
    """Review ratings received in (start, end], the latest per review (a review reports several times)."""
    latest: dict[str, Rate] = {}
    for rate in state.rates:
        if start < rate.at <= end:
            latest[rate.review] = rate
    return list(latest.values())


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def _total(days: list[Day], name: str) -> int:
    return sum(getattr(d, name) for d in days)


def performance_between(state: State, start: float, end: float) -> float | None:
    """Performance from the window (start, end]: performance-goal progress updates against expected, and ratings received."""
    days = days_between(state, start, end)
    n = _total(days, "perf_n")
    ratings = [r.rating / 5.0 for r in ratings_between(state, start, end) if r.rating > 0]
    parts = []
    if n:
        parts.append(_total(days, "perf") / 1000.0 / n)
    if ratings:
        parts.append(_mean(ratings))
    return _mean(parts) if parts else None


def development_activity(state: State, start: float, end: float) -> int:
    """How many facts show development: development-goal progress, actions done, feedback turned into action, dialogues,
    coaching sessions."""
    return _total(days_between(state, start, end), "dev")


def _median(histogram: dict[int, int]) -> float:
    """The median of values given as value -> count (statistics.median over the expanded values)."""
    n = sum(histogram.values())
    if not n:
        return 0.0
    ordered = sorted(histogram.items())

    def nth(k: int) -> float:
        seen = 0
        for value, count in ordered:
            seen += count
            if k < seen:
                return float(value)
        return float(ordered[-1][0])

    if n % 2:
        return nth(n // 2)
    return (nth(n // 2 - 1) + nth(n // 2)) / 2.0


def compute_signals(state: State, now: float, window_days: int = 30, coach_id: str = "") -> dict[str, Any]:
    """The Signals message as a plain dict; the same state and clock always give the same answer."""
    start = now - window_days * DAY
    days = days_between(state, start, now)
    goals = open_goals(state)
    perf_goals = [g for g in goals if g.kind == "performance"]
    dev_goals = [g for g in goals if g.kind == "development"]
    ratings = [r.rating for r in ratings_between(state, start, now) if r.rating > 0]
    actions_done = _total(days, "done")
    by_source: dict[str, int] = {}
    delays: dict[int, int] = {}
    for d in days:
        for i, n in enumerate(d.received):
            if n:
                by_source[SOURCES[i]] = by_source.get(SOURCES[i], 0) + n
        for hours, n in d.delay_items():
            delays[hours] = delays.get(hours, 0) + n
    received = sum(by_source.values())
    acted = _total(days, "acted")
    dialogues = {k: v for k, v in state.dialogues.items() if start < v.at <= now}
    coaching = [d for d in dialogues.values() if coach_id and d.manager == coach_id]
    # Coaching the person asked for and had (conversations' CoachingSessionCompleted), besides the assigned coach's dialogues.
    coached = _total(days, "coached")
    gaps = self_others_gap(state)

    goal_progress = _mean([g.progress for g in perf_goals])
    expected = _mean([expected_now(g, now) for g in perf_goals])
    perf_parts = []
    if perf_goals:
        perf_parts.append(_mean([goal_ratio(g.progress, expected_now(g, now)) for g in perf_goals]))
    if ratings:
        perf_parts.append(_mean(ratings) / 5.0)
    dev_parts = []
    if dev_goals:
        dev_parts.append(_mean([g.progress for g in dev_goals]))
    dev_parts.append(min(1.0, actions_done / 2.0))
    dev_parts.append(min(1.0, (len(dialogues) + len(coaching) + coached) / 1.0))
    if received:
        dev_parts.append(acted / received)
    return {
        "employee_id": "",
        "window_days": window_days,
        "goal_progress": goal_progress,
        "expected_progress": expected,
        "status_changes": _total(days, "status"),
        "average_rating": _mean(ratings),
        "development_goal_progress": _mean([g.progress for g in dev_goals]),
        "action_items_done": actions_done,
        "feedback_acknowledged": _total(days, "acks"),
        "feedback_acted_on": acted if received else _total(days, "acks_action"),
        "dialogues_held": len(dialogues),
        "coaching_sessions": len(coaching) + coached,
        "received_by_source": by_source,
        "given": _total(days, "given"),
        "share_with_example": (_total(days, "example") / received) if received else 0.0,
        "median_delay_hours": _median(delays),
        "share_led_to_action": (acted / received) if received else 0.0,
        "self_others_gap": gaps,
        "performance_score": _mean(perf_parts),
        "development_score": _mean(dev_parts),
        "computed_at": now,
        "one_on_ones_held": _total(days, "held"),
        "one_on_ones_skipped": _total(days, "skipped"),
        "one_on_one_skips_in_a_row": skips_in_a_row(state, now),
    }


def self_others_gap(state: PersonState) -> dict[str, float]:
    """Per competency: the latest self-assessment minus the latest view of others (a topic, not a verdict)."""
    gaps = {}
    for competency, mine in state.self_ratings.items():
        others = state.others_ratings.get(competency)
        if others is not None:
            gaps[competency] = round(mine.score - others.score, 3)
    return gaps
