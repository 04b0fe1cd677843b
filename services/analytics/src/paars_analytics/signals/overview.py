"""What a manager and HR read about a person, a team or the organisation: the sense-making card, the
calibration aid and the pitfall monitor, as pure functions over the person states (the queries apply who
may read what, in signals/directory.py, before any of this is called).

Everything here is counts and shares; a team's figures are k-anonymous (nothing about fewer than k people).
"""
from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from typing import Any

from paars_analytics.config import Thresholds
from paars_analytics.signals.insights import goal_stalled, single_source_feedback, team_pitfalls
from paars_analytics.signals.person import open_goals
from paars_analytics.signals.state import ANONYMOUS, DAY, RISK_STATUSES, SOURCES, State, days_between

# The counts of a card, summed over a team's people (SenseMaking's fields without the ids and flags).
CARD_COUNTS = (
    "milestones", "feedback_received", "feedback_given", "received_with_example", "feedback_acknowledged",
    "action_items_done", "dialogues_held", "performance_goals", "development_goals", "wellbeing_goals", "goals_at_risk",
    "coaching_sessions", "one_on_ones_held", "one_on_ones_skipped",
)
# Sources that name who gave it: "anonymous" and "unspecified" say nothing about where feedback came from.
_NAMED_SOURCES = tuple(i for i, s in enumerate(SOURCES) if s not in (ANONYMOUS, "unspecified"))


def person_card(state: State | None, now: float, window_days: int = 30) -> dict[str, Any]:
    """One person's last window_days as counts: milestones, feedback received and given (with examples,
    acknowledged), actions done, dialogues held, the mix of running goals, the named sources, coaching sessions
    had as coachee, 1:1s held and skipped."""
    card: dict[str, Any] = dict.fromkeys(CARD_COUNTS, 0)
    card.update(window_days=window_days, people=1, suppressed=False, feedback_sources=0, computed_at=now)
    if state is None:
        return card
    start = now - window_days * DAY
    days = days_between(state, start, now)
    sources = [0] * len(SOURCES)
    for d in days:
        for i, n in enumerate(d.received):
            sources[i] += n
    goals = open_goals(state)
    card.update(
        milestones=sum(1 for m in state.moments if m.milestone and start < m.at <= now),
        feedback_received=sum(sources),
        feedback_given=sum(d.given for d in days),
        received_with_example=sum(d.example for d in days),
        feedback_acknowledged=sum(d.acks for d in days),
        action_items_done=sum(d.done for d in days),
        dialogues_held=sum(1 for d in state.dialogues.values() if start < d.at <= now),
        performance_goals=sum(1 for g in goals if g.kind == "performance"),
        development_goals=sum(1 for g in goals if g.kind == "development"),
        wellbeing_goals=sum(1 for g in goals if g.kind == "wellbeing"),
        goals_at_risk=sum(1 for g in goals if g.status in RISK_STATUSES),
        feedback_sources=sum(1 for i in _NAMED_SOURCES if sources[i]),
        coaching_sessions=sum(d.coached for d in days),
        one_on_ones_held=sum(d.held for d in days),
        one_on_ones_skipped=sum(d.skipped for d in days),
    )
    return card


def team_card(team_id: str, members: Sequence[tuple[str, State | None]], now: float, k: int, window_days: int = 30) -> dict[str, Any]:
    """The team's card: its people's counts summed; suppressed (counts left empty) below k people.
    feedback_sources is the number of distinct named sources across the team."""
    card: dict[str, Any] = {"team_id": team_id, "window_days": window_days, "people": len(members), "suppressed": len(members) < k,
                            "computed_at": now}
    if card["suppressed"]:
        return card
    cards = [person_card(state, now, window_days) for _, state in members]
    for name in CARD_COUNTS:
        card[name] = sum(c[name] for c in cards)
    start = now - window_days * DAY
    named = {i for _, s in members if s is not None for d in days_between(s, start, now) for i in _NAMED_SOURCES if d.received[i]}
    card["feedback_sources"] = len(named)
    return card


def ratings_by_manager(people: Mapping[str, State], now: float, window_days: int = 90) -> dict[str, list[tuple[float, str]]]:
    """Per rating manager, the average they gave in each review of the window (the latest report per review),
    with its event id: what the rating-drift rule and the calibration aid compare."""
    ratings: Ratings = {}
    for _, state in people.items():
        add_ratings(ratings, state, now, window_days)
    return {m: list(r.values()) for m, r in ratings.items()}


# Per rating manager, per review: the latest (average, event id) seen.
Ratings = dict[str, dict[str, tuple[float, str]]]


def add_ratings(ratings: Ratings, state: State, now: float, window_days: int = 90) -> None:
    """One person's part of ratings_by_manager (people taken one at a time, in the same order, give the same)."""
    for rate in state.rates:
        if now - window_days * DAY < rate.at <= now and rate.manager and rate.manager_average > 0:
            ratings.setdefault(rate.manager, {})[rate.review] = (rate.manager_average, rate.event_id)


def calibration(ratings: Mapping[str, Sequence[tuple[float, str]]], th: Thresholds, visible: Sequence[str], window_days: int = 90) -> dict[str, Any]:
    """The calibration aid: the median of the managers' averages (over those with at least drift_min_ratings
    ratings, as the drift rule takes it) and, for each manager in `visible`, their average and its distance
    from the median. A manager with fewer ratings is shown suppressed; fewer than three such managers make no
    distribution (enough=False, no median, no drift)."""
    eligible = {m: [v for v, _ in r] for m, r in ratings.items() if len(r) >= th.drift_min_ratings}
    means = {m: sum(v) / len(v) for m, v in eligible.items()}
    enough = len(means) >= 3
    median = statistics.median(means.values()) if enough else 0.0
    rows = []
    for manager in sorted(set(visible) & set(ratings)):
        n = len(ratings[manager])
        row: dict[str, Any] = {"manager_id": manager, "ratings": n, "suppressed": manager not in means}
        if manager in means:
            row["average"] = means[manager]
            if enough:
                row["drift"] = means[manager] - median
        rows.append(row)
    return {"median": median, "managers": len(means), "min_ratings": th.drift_min_ratings, "enough": enough,
            "drift_threshold": th.drift_threshold, "rows": rows, "window_days": window_days}


def pitfall_report(team_id: str, members: Sequence[tuple[str, State]], now: float, th: Thresholds, k: int) -> dict[str, Any]:
    """A team's pitfalls by the same rules that open the team and person insights (signals/insights.py):
    recency bunching before a review, feedback without examples, performance-only portfolios (with the
    share the rule saw), and how many people have single-source feedback or a stalled goal. Suppressed
    below k people."""
    report: dict[str, Any] = {"team_id": team_id, "people": len(members), "suppressed": len(members) < k}
    if report["suppressed"]:
        return report
    found = {c.kind: c for c in team_pitfalls(team_id, members, now, th, k)}
    for kind, flag, share in (
        ("RECENCY_BIAS", "recency_bunching", "recency_share"),
        ("FEEDBACK_WITHOUT_EXAMPLES", "feedback_without_examples", "example_share"),
        ("PERFORMANCE_ONLY_PORTFOLIO", "performance_only_portfolios", "performance_only_share"),
    ):
        report[flag] = kind in found
        if kind in found:
            report[share] = int(found[kind].params["share"]) / 100.0
    rule_args = {"manager": "", "team": team_id, "coach": ""}
    report["single_source_people"] = sum(1 for pid, s in members if single_source_feedback(pid, s, now, th, **rule_args) is not None)
    report["stalled_goal_people"] = sum(1 for pid, s in members if goal_stalled(pid, s, now, th, **rule_args) is not None)
    return report
