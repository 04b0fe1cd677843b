"""Insight rules: from a person's (or team's) state to what deserves a conversation now, with a readable reason."""
from __future__ import annotations

import dataclasses
import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from paars_analytics.config import Thresholds
from paars_analytics.signals.person import (
    development_activity,
    expected_now,
    goal_ratio,
    open_goals,
    performance_between,
    self_others_gap,
)
from paars_analytics.signals.state import (
    ACTED,
    ANONYMOUS,
    CONSTRUCTIVE,
    DAY,
    NAMED,
    RETENTION_SECONDS,
    SOURCES,
    Goal,
    Received,
    State,
    day_of,
    days_between,
)

SOURCE_NAMES = {
    "manager": "your manager", "peer": "peers", "report": "your reports", "hr": "HR",
    "customer": "customers", "leader": "other leaders", "self": "yourself", "unspecified": "unspecified givers",
}


@dataclass(frozen=True)
class Candidate:
    """An insight the rules see now; the insight table decides whether it is new."""

    kind: str
    subject_id: str
    team_id: str
    severity: str
    reason: str
    evidence: tuple[str, ...]
    actors: tuple[str, ...]
    suggested_action: str
    # What the reason and suggestion are made of, by name (Insight.params): readers render the kind's
    # sentence in their own language from these; percentages as whole numbers 0..100.
    params: Mapping[str, str] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.subject_id)


def _actors(*ids: str) -> tuple[str, ...]:
    """The ids in order, each once, without empty ones (linear: a moment names a whole team)."""
    return tuple(dict.fromkeys(i for i in ids if i))


def _days(seconds: float) -> int:
    return int(seconds // DAY)


def _pct(share: float) -> str:
    """A share 0..1 as the whole percentage the English reason shows (its `:.0%`)."""
    return f"{share * 100:.0f}"


def detect_person(
    person_id: str,
    state: State,
    now: float,
    th: Thresholds,
    *,
    person: Mapping[str, Any] | None = None,
    teammates: Sequence[str] = (),
) -> list[Candidate]:
    """Every person-level rule, in a fixed order."""
    person = person or {}
    manager = str(person.get("manager_id", ""))
    team = str(person.get("team_id", ""))
    coach = str(person.get("coach_id", ""))
    out: list[Candidate] = []
    for rule in (goal_stalled, performance_without_development, self_others_gap_insight, feedback_drought,
                 single_source_feedback, constructive_without_action):
        found = rule(person_id, state, now, th, manager=manager, team=team, coach=coach)
        if found is not None:
            out.append(found)
    moment = moment_for_feedback(person_id, state, now, th, manager=manager, team=team, teammates=teammates, name=str(person.get("name") or ""))
    if moment is not None:
        out.append(moment)
    return out


def goal_stalled(person_id: str, state: State, now: float, th: Thresholds, *, manager: str, team: str, coach: str) -> Candidate | None:
    """A goal behind its expected progress with no check-in for stall_days."""
    worst: tuple[float, Goal] | None = None
    for goal in open_goals(state):
        behind = expected_now(goal, now) - goal.progress
        last = goal.check or goal.since
        stalled = behind >= th.behind_margin and now - last >= th.stall_days * DAY
        if stalled and (worst is None or behind > worst[0]):
            worst = (behind, goal)
    if worst is None:
        return None
    behind, goal = worst
    last = goal.check or goal.since
    return Candidate(
        "GOAL_STALLED", person_id, team, "urgent" if behind >= 0.3 else "attention",
        f"'{goal.title}' is at {goal.progress:.0%} where {expected_now(goal, now):.0%} was expected by now, "
        f"and has had no check-in for {_days(now - last)} days.",
        (goal.event_id,), _actors(person_id, manager),
        "Check in on the goal together and give feedback on what moved and what is blocking.",
        {"goal": goal.title, "progress": _pct(goal.progress), "expected": _pct(expected_now(goal, now)), "days": str(_days(now - last))},
    )


def performance_without_development(person_id: str, state: State, now: float, th: Thresholds, *, manager: str, team: str, coach: str) -> Candidate | None:
    """The performance signal falls while there is no development activity in the last 30 days."""
    recent = performance_between(state, now - 30 * DAY, now)
    before = performance_between(state, now - 60 * DAY, now - 30 * DAY)
    if recent is None:
        return None
    falling = (before is not None and before - recent >= th.performance_drop) or (
        recent < th.performance_low and any(d.risk for d in days_between(state, now - 30 * DAY, now))
    )
    if not falling or development_activity(state, now - 30 * DAY, now):
        return None
    # The latest update of each goal and the ratings of the 30 days, oldest first.
    since = now - 30 * DAY
    recent_items = [(g.at, g.event_id) for g in state.goals.values() if since < g.at <= now]
    recent_items += [(r.at, r.event_id) for r in state.rates if since < r.at <= now]
    evidence = tuple(e for _, e in sorted(recent_items))[-10:]
    trend = f"from {before:.0%} to {recent:.0%}" if before is not None else f"to {recent:.0%}"
    return Candidate(
        "PERFORMANCE_WITHOUT_DEVELOPMENT", person_id, team, "attention",
        f"Performance fell {trend} over the last 30 days, with no development activity in that time.",
        evidence, _actors(manager, person_id, coach),
        "Hold a coaching conversation, or agree a development goal.",
        {"recent": _pct(recent), **({"before": _pct(before), "variant": "fell_from"} if before is not None else {"variant": "fell_to"})},
    )


def self_others_gap_insight(person_id: str, state: State, now: float, th: Thresholds, *, manager: str, team: str, coach: str) -> Candidate | None:
    """A self-assessment that differs from others' view by at least gap_threshold on a competency."""
    gaps = self_others_gap(state)
    if not gaps:
        return None
    competency, gap = max(gaps.items(), key=lambda item: (abs(item[1]), item[0]))
    if abs(gap) < th.gap_threshold:
        return None
    direction = "higher" if gap > 0 else "lower"
    evidence = _actors(state.self_ratings[competency].event_id, state.others_ratings[competency].event_id)
    return Candidate(
        "SELF_OTHERS_GAP", person_id, team, "info",
        f"On '{competency}' you rate yourself {abs(gap):.1f} points {direction} than others do.",
        evidence, _actors(person_id, manager),
        f"Talk about '{competency}' in a purple dialogue: what each of you sees, with examples.",
        {"competency": competency, "points": f"{abs(gap):.1f}", "variant": direction},
    )


def feedback_drought(person_id: str, state: State, now: float, th: Thresholds, *, manager: str, team: str, coach: str) -> Candidate | None:
    """No feedback received for drought_days (detected by the timer, not by the next event)."""
    horizon = now - th.drought_days * DAY
    first = state.first
    if not first or first > horizon:
        return None
    last = state.last_received_at
    # A piece older than the retention is no longer known: as if there were none.
    known = bool(last) and now - RETENTION_SECONDS < last <= now
    if known and last > horizon:
        return None
    since = f"since {_days(now - last)} days" if known else f"in the last {th.drought_days} days"
    evidence = (state.last_received_event,) if known else ()
    return Candidate(
        "FEEDBACK_DROUGHT", person_id, team, "attention",
        f"No feedback received {since}.",
        evidence, _actors(person_id, manager),
        "Ask two or three colleagues for feedback on something recent.",
        {"days": str(_days(now - last)), "variant": "since_last"} if known else {"days": str(th.drought_days), "variant": "in_window"},
    )


def single_source_feedback(person_id: str, state: State, now: float, th: Thresholds, *, manager: str, team: str, coach: str) -> Candidate | None:
    """Enough feedback in 90 days with a named giver, all of it from one source. Anonymous pieces have
    no source: they neither count nor break the run, so the insight says nothing about where they came from."""
    counts = [0] * len(SOURCES)
    for d in days_between(state, now - 90 * DAY, now):
        for i, n in enumerate(d.received):
            counts[i] += n
    total = sum(counts)
    named = {SOURCES[i]: n for i, n in enumerate(counts) if n and SOURCES[i] != ANONYMOUS}
    received = sum(named.values())
    if received < th.single_source_min or len(named) != 1:
        return None
    source = SOURCE_NAMES.get(next(iter(named)), next(iter(named)))
    pieces = "pieces of feedback with a named giver" if received < total else "pieces of feedback"
    evidence = [r.event_id for r in state.received if r.flags & NAMED and now - 90 * DAY < r.at <= now]
    return Candidate(
        "SINGLE_SOURCE_FEEDBACK", person_id, team, "info",
        f"All {received} {pieces} in the last 90 days came from {source}.",
        tuple(evidence[-10:]), _actors(person_id),
        "Seek feedback from other sources: peers, reports, customers.",
        {"count": str(received), "source": next(iter(named)), "variant": "named_only" if received < total else "all"},
    )


def constructive_without_action(person_id: str, state: State, now: float, th: Thresholds, *, manager: str, team: str, coach: str) -> Candidate | None:
    """Constructive feedback older than action_days that led to no action."""
    start, end = now - 90 * DAY, now - th.action_days * DAY
    waiting = sum(d.constructive - d.constructive_acted for d in days_between(state, start, end))
    if waiting <= 0:
        return None
    evidence = [r.event_id for r in state.received if r.flags & CONSTRUCTIVE and not r.flags & ACTED and start < r.at <= end]
    return Candidate(
        "CONSTRUCTIVE_WITHOUT_ACTION", person_id, team, "attention",
        f"{waiting} piece(s) of constructive feedback from more than {th.action_days} days ago "
        "have not led to any action yet.",
        tuple(evidence[-10:]), _actors(person_id, manager),
        "Turn the feedback into an action plan: one concrete step with a date.",
        {"count": str(waiting), "days": str(th.action_days)},
    )


def moment_for_feedback(
    person_id: str, state: State, now: float, th: Thresholds, *, manager: str, team: str, teammates: Sequence[str], name: str = ""
) -> Candidate | None:
    """A goal milestone or a completed action item in the last moment_hours: the people around should say something now.

    The actors are the manager and every teammate, the pool ``ask_peers`` picks the few who are asked from."""
    since = now - th.moment_hours * 3600.0
    moments = [m for m in state.moments if since < m.at <= now]
    if not moments:
        return None
    latest = moments[-1]
    what = (f"reached {latest.milestone}% on '{latest.title}'" if latest.milestone else "completed an action item")
    params = {"goal": latest.title, "percent": str(latest.milestone), "variant": "milestone"} if latest.milestone else {"variant": "action_item"}
    if latest.milestone and (goal_id := _goal_of(state, latest.event_id, latest.title)):
        params["goal_id"] = goal_id
    return Candidate(
        "MOMENT_FOR_FEEDBACK", person_id, team, "info",
        f"{name or person_id} just {what}: a good moment for immediate, concrete feedback.",
        tuple(m.event_id for m in moments[-5:]),
        _actors(manager, *[t for t in teammates if t != person_id]),
        "Give feedback now, naming the moment and one concrete example.",
        params,
    )


def _goal_of(state: State, event_id: str, title: str) -> str:
    """The id of the goal whose milestone event this is (so a reader's give-feedback form opens with the goal): the
    goal whose latest snapshot came with that event, else the person's one goal of that title; "" when neither is."""
    goals = state.goals.values()
    by_event = [g.id for g in goals if g.event_id == event_id]
    if by_event:
        return by_event[0]
    by_title = [g.id for g in goals if g.title == title]
    return by_title[0] if len(by_title) == 1 else ""


def ask_peers(candidate: Candidate, manager: str, asked: dict[str, float], now: float, th: Thresholds) -> Candidate:
    """Who a moment for feedback really asks: the manager, and the first ``moment_peers`` teammates not asked about
    any colleague's moment in the last ``moment_peer_hours``. Records them in ``asked`` (teammate -> when).

    A team of twenty with a milestone a week each would otherwise ask every member about every colleague's
    milestone: twenty prompts a week each, four times the default weekly budget, crowding out what is theirs to do.
    Skipping those asked recently also spreads the asking over the team instead of always asking the first few."""
    if candidate.kind != "MOMENT_FOR_FEEDBACK":
        return candidate
    horizon = now - th.moment_peer_hours * 3600.0
    peers: list[str] = []
    for actor in candidate.actors:
        if len(peers) >= th.moment_peers:
            break
        if actor != manager and asked.get(actor, float("-inf")) <= horizon:
            peers.append(actor)
    for peer in peers:
        asked[peer] = now
    return dataclasses.replace(candidate, actors=_actors(manager if manager in candidate.actors else "", *peers))


def forget_asked(asked: dict[str, float], now: float, th: Thresholds) -> None:
    """Drops the teammates whose last ask is past ``moment_peer_hours`` (they may be asked again anyway)."""
    horizon = now - th.moment_peer_hours * 3600.0
    for peer in [p for p, at in asked.items() if at <= horizon]:
        del asked[peer]


def rating_drift(
    ratings_by_manager: Mapping[str, Sequence[tuple[float, str]]],
    th: Thresholds,
    *,
    teams: Mapping[str, str] | None = None,
    hr_for: Mapping[str, Sequence[str]] | None = None,
    managers_of: Mapping[str, str] | None = None,
) -> list[Candidate]:
    """Managers whose ratings sit far from everyone else's (leniency or severity), before any review meeting.
    hr_for: per manager, the HR people whose scope covers them (they act on it too)."""
    teams = teams or {}
    hr_for = hr_for or {}
    managers_of = managers_of or {}
    eligible = {m: r for m, r in ratings_by_manager.items() if len(r) >= th.drift_min_ratings}
    if len(eligible) < 3:
        # With fewer than three raters there is no distribution to drift from.
        return []
    means = {m: sum(v for v, _ in r) / len(r) for m, r in eligible.items()}
    # The median of the managers' averages: one outlier does not drag the reference towards itself.
    org = statistics.median(means.values())
    out = []
    for manager, ratings in sorted(eligible.items()):
        mine = means[manager]
        drift = mine - org
        if abs(drift) < th.drift_threshold:
            continue
        kind = "lenient" if drift > 0 else "severe"
        out.append(Candidate(
            "RATING_DRIFT", manager, teams.get(manager, ""), "attention",
            f"Ratings given by {manager} average {mine:.1f}, {abs(drift):.1f} points "
            f"{'above' if drift > 0 else 'below'} the organisation's median manager ({org:.1f}): possibly {kind}.",
            tuple(e for _, e in ratings[-10:]), _actors(manager, managers_of.get(manager, ""), *hr_for.get(manager, ())),
            "Calibrate before the review meeting: compare a few ratings with concrete examples.",
            {"average": f"{mine:.1f}", "points": f"{abs(drift):.1f}", "median": f"{org:.1f}", "variant": kind},
        ))
    return out


def team_pitfalls(
    team_id: str,
    members: Sequence[tuple[str, State]],
    now: float,
    th: Thresholds,
    k: int,
    *,
    actors: Iterable[str] = (),
) -> list[Candidate]:
    """Pitfalls of the performance system in a team: recency bias, performance-only portfolios, feedback without examples.

    Nothing is said about a group of fewer than k people.
    """
    if len(members) < k:
        return []
    tally = TeamTally(now)
    for _, state in members:
        tally.add(state)
    return tally.pitfalls(team_id, len(members), th, k, actors=actors, last_first=lambda: (s for _, s in reversed(members)))


class TeamTally:
    """What a team's pitfall rules need from its members, gathered one member at a time (the full scan adds each
    person's state to the teams above them, then drops the state): counts over the 90 days before ``now``.

    The evidence of a firing rule (the last ten pieces in the members' order) is read afterwards from the last
    members only (``pitfalls``' ``last_first``), as few as it takes."""

    __slots__ = ("by_day", "example", "now", "only_perf", "received", "review_at", "start", "with_feedback", "with_goals")

    def __init__(self, now: float) -> None:
        self.now = now
        self.start = now - 90 * DAY
        self.received = 0
        # Pieces received per day of the window (the recency rule sums the days before the review, known at the end).
        self.by_day: dict[int, int] = {}
        # The latest review opened in the window (event time), if any.
        self.review_at: int | None = None
        self.example = 0
        self.with_feedback = 0
        self.with_goals = 0
        self.only_perf = 0

    def add(self, state: State) -> None:
        now, by_day = self.now, self.by_day
        any_received = False
        for d in days_between(state, self.start, now):
            n = sum(d.received)
            if n:
                any_received = True
                by_day[d.day] = by_day.get(d.day, 0) + n
                self.received += n
            self.example += d.example
            if d.review and d.review <= now and (self.review_at is None or d.review > self.review_at):
                self.review_at = d.review
        self.with_feedback += any_received
        goals = open_goals(state)
        if goals:
            self.with_goals += 1
            self.only_perf += all(g.kind == "performance" for g in goals)

    def received_between(self, start: float, end: float) -> int:
        """Pieces received on the window's days after start's day up to end's (days_between's days)."""
        lo, hi = day_of(start), day_of(end)
        return sum(n for day, n in self.by_day.items() if lo < day <= hi)

    def pitfalls(
        self, team_id: str, people: int, th: Thresholds, k: int, *, last_first: Callable[[], Iterable[State]],
        actors: Iterable[str] = (),
    ) -> list[Candidate]:
        """The team's pitfalls from the tally of its ``people`` members; ``last_first``: their states, the last
        member first (read only for the evidence of a rule that fires)."""
        if people < k:
            return []
        now, start, received = self.now, self.start, self.received
        act = _actors(*actors)
        out: list[Candidate] = []
        if self.review_at is not None and received >= th.pitfall_min_feedback:
            review_at = float(self.review_at)
            since = review_at - th.recency_days * DAY
            share = self.received_between(max(since, start), review_at) / received
            if share >= th.recency_share:
                evidence = _last_ten(last_first(), lambda r: since < r.at <= review_at)
                out.append(Candidate(
                    "RECENCY_BIAS", team_id, team_id, "attention",
                    f"{share:.0%} of the team's feedback in the last 90 days was given in the {th.recency_days} days "
                    "before the review, instead of spread over the period.",
                    evidence, act,
                    "Give feedback when things happen; set a rhythm of check-ins between reviews.",
                    {"share": _pct(share), "days": str(th.recency_days)},
                ))
        if self.with_goals >= k:
            share = self.only_perf / self.with_goals
            if share >= th.portfolio_share:
                out.append(Candidate(
                    "PERFORMANCE_ONLY_PORTFOLIO", team_id, team_id, "info",
                    f"{share:.0%} of the people in this team with goals have only performance goals: "
                    "no development or wellbeing goal.",
                    (), act,
                    "Add a development or wellbeing goal to each portfolio.",
                    {"share": _pct(share)},
                ))
        if received >= th.pitfall_min_feedback and self.with_feedback >= k:
            share = self.example / received
            if share < th.example_share:
                evidence = _last_ten(last_first(), lambda r: start < r.at <= now)
                out.append(Candidate(
                    "FEEDBACK_WITHOUT_EXAMPLES", team_id, team_id, "info",
                    f"Only {share:.0%} of the feedback in this team in the last 90 days came with a concrete example.",
                    evidence, act,
                    "Ask for, and give, one concrete example per piece of feedback (situation, behaviour, impact).",
                    {"share": _pct(share)},
                ))
        return out


def _last_ten(last_first: Iterable[State], keep: Callable[[Received], bool]) -> tuple[str, ...]:
    """The ids of the last ten received pieces ``keep`` takes, in the members' order (states given last first):
    stops reading states once it has ten."""
    found: list[list[str]] = []
    n = 0
    for state in last_first:
        ids = [r.event_id for r in state.received if keep(r)]
        if ids:
            found.append(ids)
            n += len(ids)
            if n >= 10:
                break
    return tuple(e for ids in reversed(found) for e in ids)[-10:]


def expired(kind: str, detected_at: float, now: float, th: Thresholds) -> bool:
    """Open insights do not stay open forever: moments pass quickly, the rest after insight_ttl_days."""
    ttl = th.moment_hours * 3600.0 if kind == "MOMENT_FOR_FEEDBACK" else th.insight_ttl_days * DAY
    return now - detected_at >= ttl


__all__ = ["Candidate", "TeamTally", "ask_peers", "detect_person", "expired", "forget_asked", "goal_ratio", "rating_drift", "team_pitfalls"]
