"""The read side of the story's alignment: who may ask for which team, and the answer as a protobuf message."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from paars.analytics.v1 import analytics_pb2 as pb
from paars_analytics.signals.directory import PRIVILEGED, can_read_team, members_of
from paars_analytics.story import alignment as a
from paars_analytics.story.agents import CATALOGUE_KEY
from paars_platform.auth import Identity
from paars_platform.errors import NotFound, PermissionDenied

Tables = Mapping[str, Any]
ORGANISATION_READERS = ("hr", "leader", *PRIVILEGED)


class StoryQueries:
    """Snapshots of the tables per call (dict-like), so tests can pass plain dicts."""

    def __init__(self, alignment: Tables, catalogue: Tables, employees: Tables, teams: Tables, *, k: int) -> None:
        self.records, self.catalogue, self.employees, self.teams = alignment, catalogue, employees, teams
        self.k = k

    def alignment(self, who: Identity, team_id: str) -> tuple[str, int, a.Alignment]:
        employees = {str(key): v for key, v in self.employees.items() if v}
        teams = {str(key): v for key, v in self.teams.items() if v}
        if team_id:
            if team_id not in teams:
                raise NotFound(f"team {team_id!r} not found")
            if not can_read_team(who.employee_id, who.roles, team_id, employees, teams):
                raise PermissionDenied("a team's alignment is for its members, its managers and HR")
            members = members_of(team_id, employees, teams)
        else:
            if not who.has(*ORGANISATION_READERS):
                raise PermissionDenied("the organisation's alignment is for HR and leaders")
            members = sorted(pid for pid, p in employees.items() if p.get("active", True))
        return self.of_members(team_id, members)

    def of_members(self, team_id: str, members: list[str]) -> tuple[str, int, a.Alignment]:
        """The alignment of these people (a team's members, whom the caller was allowed to read about)."""
        catalogue = self.catalogue.get(CATALOGUE_KEY)
        records = {pid: self.records.get(pid) for pid in members}
        return team_id, self.k, a.alignment(records, members, catalogue, k=self.k)


def _count(c: a.Count) -> pb.StoryCount:
    return pb.StoryCount(value=c.value, hidden=c.hidden)


def story_alignment_proto(answer: tuple[str, int, a.Alignment]) -> pb.StoryAlignment:
    team_id, k, found = answer
    return pb.StoryAlignment(
        team_id=team_id, story_version=found.story_version, k=k, people=_count(found.people),
        parts=[
            pb.StoryPart(
                key=p.key, kind=p.kind, title_nl=p.title_nl, title_en=p.title_en, lived_in_feedback=_count(p.lived_in_feedback),
                served_by_goals=_count(p.served_by_goals), untouched=p.untouched,
            )
            for p in found.parts
        ],
    )
