"""Team and organisation roll-ups along the org tree, with k-anonymity: nothing about fewer than k people."""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from paars_analytics.signals.person import compute_signals
from paars_analytics.signals.state import DAY, State, received_between


def correlation(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Pearson correlation; 0 when it is undefined (fewer than two points or no spread)."""
    n = len(xs)
    if n < 2:
        return 0.0
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx <= 0 or syy <= 0:
        return 0.0
    return sxy / math.sqrt(sxx * syy)


def team_rollup(
    team_id: str,
    members: Sequence[tuple[str, State | None]],
    now: float,
    k: int,
    window_days: int = 30,
    coaches: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The TeamRollup message as a dict. Suppressed (figures left empty) when fewer than k people are behind it;
    a single figure computed over fewer than k contributing people is left at 0 as well."""
    coaches = coaches or {}
    rollup: dict[str, Any] = {"team_id": team_id, "people": len(members), "suppressed": len(members) < k}
    if rollup["suppressed"]:
        return rollup
    signals = [
        (pid, compute_signals(state, now, window_days, coaches.get(pid, "")) if state is not None else None, state)
        for pid, state in members
    ]
    with_goals = [s for _, s, _ in signals if s is not None and s["expected_progress"] + s["goal_progress"] > 0]
    if len(with_goals) >= k:
        rollup["goal_progress"] = sum(s["goal_progress"] for s in with_goals) / len(with_goals)
        rollup["expected_progress"] = sum(s["expected_progress"] for s in with_goals) / len(with_goals)
    without = [
        pid for pid, _, state in signals
        if state is None or not received_between(state, now - 30 * DAY, now)
    ]
    rollup["people_without_feedback_30d"] = len(without)
    rollup["feedback_coverage"] = 1.0 - len(without) / len(members)
    scored = [s for _, s, _ in signals if s is not None]
    if len(scored) >= k:
        perf = [s["performance_score"] for s in scored]
        dev = [s["development_score"] for s in scored]
        rollup["average_performance_score"] = sum(perf) / len(perf)
        rollup["average_development_score"] = sum(dev) / len(dev)
        rollup["performance_development_correlation"] = correlation(perf, dev)
    return rollup
