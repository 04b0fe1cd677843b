"""One detection round over the tables: which insights hold now, and which open ones no longer do."""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from paars_analytics.config import Thresholds
from paars_analytics.signals.directory import hr_covering, members_of, team_ancestry, team_path_of
from paars_analytics.signals.insights import Candidate, TeamTally, detect_person, expired, rating_drift, team_pitfalls
from paars_analytics.signals.overview import Ratings, add_ratings, ratings_by_manager
from paars_analytics.signals.state import State, new_state

# People per step of a full scan (between steps it yields to the event loop).
CHUNK = 500


@dataclass
class Round:
    candidates: list[Candidate] = field(default_factory=list)
    # (subject, kind, why) of open insights to close.
    closures: list[tuple[str, str, str]] = field(default_factory=list)


def teams_of(employees: Mapping[str, Mapping[str, Any]]) -> dict[str, list[str]]:
    """Direct members per team (the people around someone, for moment-for-feedback prompts)."""
    out: dict[str, list[str]] = {}
    for pid, person in employees.items():
        if person.get("active", True) and person.get("team_id"):
            out.setdefault(str(person["team_id"]), []).append(pid)
    return out


def people_round(
    keys: Iterable[str], people: Mapping[str, State], employees: Mapping[str, Mapping[str, Any]], now: float, th: Thresholds,
    *, by_team: Mapping[str, Sequence[str]] | None = None,
) -> list[Candidate]:
    by_team = teams_of(employees) if by_team is None else by_team
    out: list[Candidate] = []
    for key in keys:
        state = people.get(key)
        if state is None:
            continue
        person = employees.get(key) or {}
        out += detect_person(key, state, now, th, person=person, teammates=by_team.get(str(person.get("team_id", "")), ()))
    return out


def full_round(
    people: Mapping[str, State],
    employees: Mapping[str, Mapping[str, Any]],
    teams: Mapping[str, Mapping[str, Any]],
    open_insights: Mapping[str, Mapping[str, Any]],
    now: float,
    th: Thresholds,
    k: int,
    *,
    everyone: Mapping[str, State] | None = None,
    owns: Callable[[str], bool] | None = None,
) -> Round:
    """Every rule over everyone this worker holds, plus closures of open insights that no longer hold or expired.

    On several workers, ``people`` are the states this worker owns (its partitions), ``everyone`` every person's
    state (the read model) and ``owns`` says which subjects' insights this worker keeps: person rules run over its
    own people, a team's rules and a manager's rating drift (over everyone's states) only where the team or manager
    is owned, so each insight is raised, and closed, by one worker. ``open_insights`` are this worker's own.

    This form holds every state at once (each team's members as a list): the rules as written. The worker runs
    ``scan``, the same round over the states one at a time (tests/unit/test_analytics_scan.py holds them equal)."""
    everyone = people if everyone is None else everyone
    mine = owns or (lambda subject: True)
    result = Round(candidates=people_round(list(people.keys()), people, employees, now, th))
    for team_id in sorted(_team_ids(employees, teams)):
        if not mine(team_id):
            continue
        members = members_of(team_id, employees, teams)
        manager = str(teams.get(team_id, {}).get("manager_id", ""))
        states = [(pid, everyone.get(pid) or new_state()) for pid in members]
        # HR acts on (and so sees) a team's insights only where the team is in their scope.
        result.candidates += team_pitfalls(team_id, states, now, th, k, actors=[manager, *hr_covering(team_ancestry(team_id, teams), employees)])
    # The same ratings the calibration aid shows (signals/overview.py).
    result.candidates += _drift(ratings_by_manager(everyone, now), employees, teams, th, mine)
    result.closures = _closures(open_insights, result.candidates, now, th)
    return result


async def scan(
    people: Mapping[str, State],
    employees: Mapping[str, Mapping[str, Any]],
    teams: Mapping[str, Mapping[str, Any]],
    open_insights: Mapping[str, Mapping[str, Any]],
    now: float,
    th: Thresholds,
    k: int,
    *,
    everyone: Mapping[str, State] | None = None,
    owns: Callable[[str], bool] | None = None,
    chunk: int = CHUNK,
    emit: Callable[[list[Candidate]], Awaitable[object]] | None = None,
) -> Round:
    """``full_round``'s result, with at most one person's state decoded at a time: the person rules over ``people``
    in chunks of ``chunk`` keys, then ``everyone`` in chunks, each state added to the tallies of the teams above its
    person (TeamTally) and to the managers' ratings, then dropped; the team rules run on the tallies (a firing
    rule's evidence reads its team's last members again). Yields to the event loop after each chunk.

    Decoded at once, 20,000 people of 500 events took ~90 KB each (twice: the worker's own and the read model's).

    With ``emit``, the candidates are not kept: each chunk's go to ``emit`` as they are found (the person rules' per
    chunk of people, then the team rules' and the rating drift's), in ``full_round``'s order, and only their keys
    stay for the closures (20,000 people with a candidate each held ~50 MB of candidates until the round's end)."""
    everyone = people if everyone is None else everyone
    mine = owns or (lambda subject: True)
    by_team = teams_of(employees)
    result = Round()
    holding: set[tuple[str, str]] = set()

    async def found(candidates: list[Candidate]) -> None:
        if emit is None:
            result.candidates += candidates
        elif candidates:
            holding.update(c.key for c in candidates)
            await emit(candidates)

    keys = list(people.keys())
    for i in range(0, len(keys), chunk):
        await found(people_round(keys[i:i + chunk], people, employees, now, th, by_team=by_team))
        await asyncio.sleep(0)
    # Each owned team's members (active people in it or below), sorted as members_of sorts them, in one pass.
    members: dict[str, list[str]] = {t: [] for t in _team_ids(employees, teams) if mine(t)}
    for pid, person in employees.items():
        if person.get("active", True):
            for team_id in set(team_path_of(person, teams)):
                if team_id in members:
                    members[team_id].append(pid)
    tallies: dict[str, TeamTally] = {}
    teams_above: dict[str, list[TeamTally]] = {}
    for team_id, pids in members.items():
        pids.sort()
        if len(pids) >= k:
            tally = tallies[team_id] = TeamTally(now)
            for pid in pids:
                teams_above.setdefault(pid, []).append(tally)
    ratings: Ratings = {}
    keys = list(everyone.keys())
    for i in range(0, len(keys), chunk):
        for pid in keys[i:i + chunk]:
            state = everyone.get(pid)
            if state is None:
                continue
            add_ratings(ratings, state, now)
            for tally in teams_above.get(pid, ()):
                tally.add(state)
        del state
        await asyncio.sleep(0)
    del teams_above
    hr_people = _hr_people(employees)

    def last_first(pids: list[str]) -> Callable[[], Iterator[State]]:
        return lambda: (everyone.get(pid) or new_state() for pid in reversed(pids))

    for team_id in sorted(tallies):
        manager = str(teams.get(team_id, {}).get("manager_id", ""))
        pids = members[team_id]
        await found(tallies[team_id].pitfalls(
            team_id, len(pids), th, k, last_first=last_first(pids),
            actors=[manager, *hr_covering(team_ancestry(team_id, teams), hr_people)]))
    await found(_drift({m: list(r.values()) for m, r in ratings.items()}, employees, teams, th, mine, hr_people))
    holding.update(c.key for c in result.candidates)
    result.closures = _closures_of(open_insights, holding, now, th)
    return result


def _team_ids(employees: Mapping[str, Mapping[str, Any]], teams: Mapping[str, Mapping[str, Any]]) -> set[str]:
    return set(teams) | {str(p["team_id"]) for p in employees.values() if p.get("team_id")}


def _hr_people(employees: Mapping[str, Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """The people with the HR role (hr_covering over them answers as over everyone, without reading everyone)."""
    return {pid: p for pid, p in employees.items() if "hr" in (p.get("roles") or ())}


def _drift(
    ratings: Mapping[str, Sequence[tuple[float, str]]], employees: Mapping[str, Mapping[str, Any]],
    teams: Mapping[str, Mapping[str, Any]], th: Thresholds, mine: Callable[[str], bool],
    hr_people: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[Candidate]:
    hr = employees if hr_people is None else hr_people
    return [c for c in rating_drift(
        ratings, th,
        teams={pid: str(p.get("team_id", "")) for pid, p in employees.items()},
        hr_for={m: hr_covering(team_path_of(employees[m], teams), hr) for m in ratings if m in employees},
        managers_of={pid: str(p.get("manager_id", "")) for pid, p in employees.items()},
    ) if mine(c.subject_id)]


def _closures(open_insights: Mapping[str, Mapping[str, Any]], candidates: Iterable[Candidate], now: float, th: Thresholds) -> list[tuple[str, str, str]]:
    """(subject, kind, why) of the open insights that expired or that no candidate holds any more."""
    return _closures_of(open_insights, {c.key for c in candidates}, now, th)


def _closures_of(open_insights: Mapping[str, Mapping[str, Any]], holding: set[tuple[str, str]], now: float, th: Thresholds) -> list[tuple[str, str, str]]:
    """_closures over the keys ((kind, subject)) of the candidates that hold."""
    out: list[tuple[str, str, str]] = []
    for subject, record in open_insights.items():
        for kind, insight in (record or {}).get("open", {}).items():
            if expired(kind, float(insight["detected_at"]), now, th):
                out.append((subject, kind, "expired"))
            elif (kind, subject) not in holding:
                out.append((subject, kind, "resolved"))
    return out
