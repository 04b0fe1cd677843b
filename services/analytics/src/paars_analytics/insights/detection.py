"""One detection round over the tables: which insights hold now, and which open ones no longer do."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from paars_analytics.config import Thresholds
from paars_analytics.signals.directory import hr_covering, members_of, team_ancestry, team_path_of
from paars_analytics.signals.insights import Candidate, detect_person, expired, rating_drift, team_pitfalls
from paars_analytics.signals.overview import ratings_by_manager
from paars_analytics.signals.state import State, new_state


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
    keys: Iterable[str], people: Mapping[str, State], employees: Mapping[str, Mapping[str, Any]], now: float, th: Thresholds
) -> list[Candidate]:
    by_team = teams_of(employees)
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
    is owned, so each insight is raised, and closed, by one worker. ``open_insights`` are this worker's own."""
    everyone = people if everyone is None else everyone
    mine = owns or (lambda subject: True)
    result = Round(candidates=people_round(list(people.keys()), people, employees, now, th))
    team_ids = set(teams) | {str(p["team_id"]) for p in employees.values() if p.get("team_id")}
    for team_id in sorted(team_ids):
        if not mine(team_id):
            continue
        members = members_of(team_id, employees, teams)
        manager = str(teams.get(team_id, {}).get("manager_id", ""))
        states = [(pid, everyone.get(pid) or new_state()) for pid in members]
        # HR acts on (and so sees) a team's insights only where the team is in their scope.
        result.candidates += team_pitfalls(team_id, states, now, th, k, actors=[manager, *hr_covering(team_ancestry(team_id, teams), employees)])
    # The same ratings the calibration aid shows (signals/overview.py).
    ratings = ratings_by_manager(everyone, now)
    result.candidates += [c for c in rating_drift(
        ratings, th,
        teams={pid: str(p.get("team_id", "")) for pid, p in employees.items()},
        hr_for={m: hr_covering(team_path_of(employees[m], teams), employees) for m in ratings if m in employees},
        managers_of={pid: str(p.get("manager_id", "")) for pid, p in employees.items()},
    ) if mine(c.subject_id)]
    holding = {c.key for c in result.candidates}
    for subject, record in open_insights.items():
        for kind, insight in (record or {}).get("open", {}).items():
            if expired(kind, float(insight["detected_at"]), now, th):
                result.closures.append((subject, kind, "expired"))
            elif (kind, subject) not in holding:
                result.closures.append((subject, kind, "resolved"))
    return result
