"""How far a version of the story reached, per team: how many read it, reacted (commented, endorsed) or
contributed, k-anonymous. A count of fewer than k people is held back, and so is a team with fewer than k
members; when exactly one team's count is held back, the next smallest shown count is held back too, so the
organisation's total cannot give it away by subtraction (secondary suppression)."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

K = 3
METRICS = ("read", "reacted", "contributed")


@dataclass(frozen=True)
class KCount:
    value: int
    hidden: bool = False

    @classmethod
    def of(cls, value: int, k: int) -> KCount:
        return cls(0, True) if 0 < value < k else cls(value)


@dataclass(frozen=True)
class TeamReach:
    team_id: str
    team_name: str
    members: KCount
    read: KCount
    reacted: KCount
    contributed: KCount


def reach(
    members: Mapping[str, Iterable[str]], names: Mapping[str, str], people: Mapping[str, set[str]], *, k: int = K,
) -> tuple[list[TeamReach], TeamReach]:
    """members: team id -> its people; people: metric ("read", ...) -> the people it counts.
    Returns each team's reach and the organisation's (everyone in a team)."""
    rows: dict[str, dict[str, int]] = {}
    for team, ids in members.items():
        team_people = set(ids)
        rows[team] = {"members": len(team_people), **{m: len(team_people & people.get(m, set())) for m in METRICS}}
    small = {team for team, row in rows.items() if row["members"] < k}
    shown: dict[str, dict[str, KCount]] = {
        team: {
            name: (KCount(0, True) if team in small else KCount.of(value, k)) for name, value in row.items()
        }
        for team, row in rows.items()
    }
    for metric in ("members", *METRICS):
        hidden = [t for t in shown if shown[t][metric].hidden]
        if len(hidden) == 1:
            candidates = sorted((rows[t][metric], t) for t in shown if not shown[t][metric].hidden and rows[t][metric] > 0)
            if candidates:
                shown[candidates[0][1]][metric] = KCount(0, True)
    teams = [
        TeamReach(team, names.get(team, team), shown[team]["members"], shown[team]["read"], shown[team]["reacted"], shown[team]["contributed"])
        for team in sorted(rows, key=lambda t: names.get(t, t))
    ]
    everyone = set().union(*(set(ids) for ids in members.values())) if members else set()
    organisation = TeamReach(
        "", "", KCount.of(len(everyone), k), *(KCount.of(len(everyone & people.get(m, set())), k) for m in METRICS),
    )
    return teams, organisation
