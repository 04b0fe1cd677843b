"""Read-side handlers over the tables: a person's signals, a team's roll-up, open insights, with the privacy rules."""
from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from paars_analytics.config import RATINGS_CACHE_SECONDS, Thresholds
from paars_analytics.signals import overview
from paars_analytics.signals.directory import can_oversee_team, can_read_person, can_read_team, team_path_of
from paars_analytics.signals.person import WINDOWS, compute_signals
from paars_analytics.signals.rollups import team_rollup
from paars_analytics.signals.state import new_state
from paars_analytics.story.queries import StoryQueries
from paars_platform.auth import Identity
from paars_platform.errors import InvalidArgument, NotFound, PermissionDenied

Tables = Mapping[str, Any]
# The most teams and people one overview answers about (a page's worth).
OVERVIEW_MAX = 50
# The decoded directory is kept between calls while its version (a count of the directory writes analytics applied)
# stays the same, and at most this long: a write the count does not see (a changelog recovery) is read within it.
DIRECTORY_SECONDS = 5.0
# A team's (or person's) figures on the team page are recomputed when one of its members changes, and at least this
# often: they move with the clock (days since feedback, progress expected by now), and partitions newly assigned to
# this worker bring states that no Changes count saw.
TEAM_SECONDS = 30.0
TEAM_CACHE = 1024


@dataclass(frozen=True)
class Directory:
    """The directory tables decoded once (reading them decodes every record from the store), with each team's
    active members (the team and every team below it, as members_of) worked out in the same pass."""

    employees: dict[str, Any]
    teams: dict[str, Any]
    members: dict[str, list[str]]

    @classmethod
    def of(cls, employees: Tables, teams: Tables) -> Directory:
        people = {str(k): v for k, v in employees.items() if v}
        groups = {str(k): v for k, v in teams.items() if v}
        members: dict[str, list[str]] = {}
        for pid in sorted(people):
            if people[pid].get("active", True):
                for team_id in dict.fromkeys(team_path_of(people[pid], groups)):
                    members.setdefault(str(team_id), []).append(pid)
        return cls(people, groups, members)

    def members_of(self, team_id: str) -> list[str]:
        return self.members.get(team_id, [])


class Queries:
    """Pure reads: each call takes snapshots of the tables it needs (dict-like), so tests can pass plain dicts."""

    def __init__(
        self, people: Tables, employees: Tables, teams: Tables, insights: Tables, *, k: int, clock: Any, thresholds: Thresholds | None = None,
        story: StoryQueries | None = None, directory_version: Callable[[], int] | None = None,
        insights_version: Callable[[], int] | None = None, ratings_seconds: float = RATINGS_CACHE_SECONDS,
    ) -> None:
        self.people, self.employees, self.teams, self.insights = people, employees, teams, insights
        # The story's alignment per team for the team overview (None: the overview carries none).
        self.story = story
        self.k = k
        self.clock = clock
        self.thresholds = thresholds or Thresholds()
        # The managers' ratings behind the calibration aid, gathered from every person's state: at most every
        # ratings_seconds (they change with review rounds), not once per team page.
        self._ratings: tuple[float, dict[str, list[tuple[float, str]]]] | None = None
        self.ratings_seconds = ratings_seconds
        # How many directory writes were applied (None: no count, so the tables are read on every call, as tests pass
        # plain dicts they change between calls).
        self.directory_version = directory_version
        self._snapshot: tuple[int, float, Directory] | None = None
        # The same for the insights table (every subject's record, decoded), which the team page scans for its actor.
        self.insights_version = insights_version
        self._insight_records: tuple[int, float, list[Any]] | None = None
        # The overview's figures per team and per person, most recently used last (see _kept).
        self._kept_figures: OrderedDict[tuple[str, str, int], tuple[tuple[int, ...], float, Any]] = OrderedDict()

    def directory(self) -> Directory:
        """The directory as of the last write analytics applied: decoded once per version, not on every call (it was
        most of a team page's cost, three times over)."""
        if self.directory_version is None:
            return Directory.of(self.employees, self.teams)
        version, cached = self.directory_version(), self._snapshot
        if cached is None or cached[0] != version or time.monotonic() - cached[1] >= DIRECTORY_SECONDS:
            cached = (version, time.monotonic(), Directory.of(self.employees, self.teams))
            self._snapshot = cached
        return cached[2]

    def _all_insight_records(self) -> list[Any]:
        if self.insights_version is None:
            return [v for _, v in self.insights.items()]
        version, cached = self.insights_version(), self._insight_records
        if cached is None or cached[0] != version or time.monotonic() - cached[1] >= DIRECTORY_SECONDS:
            cached = (version, time.monotonic(), [v for _, v in self.insights.items()])
            self._insight_records = cached
        return cached[2]

    def _directory(self) -> tuple[dict[str, Any], dict[str, Any]]:
        found = self.directory()
        return found.employees, found.teams

    @staticmethod
    def _window(window_days: int) -> int:
        window = window_days or 30
        if window not in WINDOWS:
            raise InvalidArgument("window_days", "must be 30 or 90")
        return window

    def signals(self, who: Identity, employee_id: str, window_days: int) -> dict[str, Any]:
        window = self._window(window_days)
        subject = employee_id or who.employee_id
        employees, teams = self._directory()
        if not can_read_person(who.employee_id, who.roles, subject, employees, teams):
            raise PermissionDenied("you may read your own signals, your reports' and, for HR, those in your scope")
        state = self.people.get(subject)
        if state is None and subject not in employees:
            raise NotFound(f"no signals for {subject!r}")
        coach = str(employees.get(subject, {}).get("coach_id", ""))
        result = compute_signals(state or new_state(), self.clock(), window, coach)
        result["employee_id"] = subject
        return result

    def rollup(self, who: Identity, team_id: str, window_days: int) -> dict[str, Any]:
        window = self._window(window_days)
        if not team_id:
            raise InvalidArgument("team_id", "is required")
        directory = self.directory()
        employees, teams = directory.employees, directory.teams
        if team_id not in teams and not any(p.get("team_id") == team_id for p in employees.values()):
            raise NotFound(f"unknown team {team_id!r}")
        if not can_read_team(who.employee_id, who.roles, team_id, employees, teams):
            raise PermissionDenied("team roll-ups are for the team, its managers and HR in scope")
        members = directory.members_of(team_id)
        coaches = {pid: str(employees[pid].get("coach_id", "")) for pid in members}
        return team_rollup(team_id, [(pid, self.people.get(pid)) for pid in members], self.clock(), self.k, window, coaches)

    def insights_for(self, who: Identity, *, subject_id: str, team_id: str, actor_id: str, open_only: bool, limit: int) -> list[dict[str, Any]]:
        employees, teams = self._directory()
        me, roles = who.employee_id, who.roles

        def may_see(insight: Mapping[str, Any]) -> bool:
            if me in insight["actors"] or me == insight["subject_id"]:
                return True
            if insight["subject_id"] in teams or insight["subject_id"] == insight["team_id"]:
                return can_read_team(me, roles, insight["subject_id"], employees, teams)
            return can_read_person(me, roles, insight["subject_id"], employees, teams)

        if actor_id and actor_id != me and not who.has("admin", "system", "hr"):
            raise PermissionDenied("you may list the insights where you are the one to act")
        if team_id and not can_read_team(me, roles, team_id, employees, teams):
            raise PermissionDenied("team insights are for the team, its managers and HR in scope")
        found = []
        records = [self.insights.get(subject_id)] if subject_id else self._all_insight_records()
        for record in records:
            if not record:
                continue
            items = list(record["open"].values()) + ([] if open_only else list(record["history"]))
            for insight in items:
                if team_id and insight["team_id"] != team_id:
                    continue
                if actor_id and actor_id not in insight["actors"]:
                    continue
                if not (subject_id or team_id or actor_id) and me not in insight["actors"] and me != insight["subject_id"]:
                    continue
                if may_see(insight):
                    found.append(insight)
        found.sort(key=lambda i: i["detected_at"], reverse=True)
        return found[: limit or 100]

    def sense_making(self, who: Identity, employee_id: str, team_id: str, window_days: int) -> dict[str, Any]:
        """The sense-making card of a person (who may read their signals may read it) or of a team (who may read
        its roll-up may read it; k-anonymous)."""
        window = self._window(window_days)
        directory = self.directory()
        employees, teams = directory.employees, directory.teams
        if team_id and employee_id:
            raise InvalidArgument("team_id", "ask for a person or a team, not both")
        if team_id:
            if team_id not in teams and not any(p.get("team_id") == team_id for p in employees.values()):
                raise NotFound(f"unknown team {team_id!r}")
            if not can_read_team(who.employee_id, who.roles, team_id, employees, teams):
                raise PermissionDenied("a team's card is for the team, its managers and HR in scope")
            members = directory.members_of(team_id)
            return overview.team_card(team_id, [(pid, self.people.get(pid)) for pid in members], self.clock(), self.k, window)
        subject = employee_id or who.employee_id
        if not can_read_person(who.employee_id, who.roles, subject, employees, teams):
            raise PermissionDenied("you may read your own card, your reports' and, for HR, those in your scope")
        if subject not in employees and self.people.get(subject) is None:
            raise NotFound(f"no card for {subject!r}")
        card = overview.person_card(self.people.get(subject), self.clock(), window)
        card["employee_id"] = subject
        return card

    def calibration(self, who: Identity) -> dict[str, Any]:
        """The calibration aid: the managers' median, and the rows of the managers the caller may read about
        (themselves; for a manager of managers, those below; for HR, those in scope)."""
        employees, teams = self._directory()
        ratings = self._manager_ratings()
        visible = [m for m in ratings if can_read_person(who.employee_id, who.roles, m, employees, teams)]
        return overview.calibration(ratings, self.thresholds, visible)

    def _manager_ratings(self) -> dict[str, list[tuple[float, str]]]:
        if self._ratings is None or time.monotonic() - self._ratings[0] >= self.ratings_seconds:
            self._ratings = (time.monotonic(), overview.ratings_by_manager(self.people, self.clock()))
        return self._ratings[1]

    def pitfalls(self, who: Identity, team_id: str) -> list[dict[str, Any]]:
        """The pitfall monitor over the teams the caller oversees (or the one asked for), k-anonymous."""
        directory = self.directory()
        employees, teams = directory.employees, directory.teams
        if team_id:
            if team_id not in teams:
                raise NotFound(f"unknown team {team_id!r}")
            if not can_oversee_team(who.employee_id, who.roles, team_id, employees, teams):
                raise PermissionDenied("the pitfall monitor is for a team's managers and HR in scope")
            chosen = [team_id]
        else:
            chosen = sorted(t for t in teams if can_oversee_team(who.employee_id, who.roles, t, employees, teams))
        now = self.clock()
        reports = []
        for tid in chosen:
            members = directory.members_of(tid)
            reports.append(overview.pitfall_report(tid, [(pid, self.people.get(pid) or new_state()) for pid in members], now, self.thresholds, self.k))
        return reports

    def _team_figures(self, directory: Directory, team_id: str, now: float, window: int) -> tuple[dict[str, Any], dict[str, Any], Any]:
        """A team's roll-up, card and story alignment (who may read them is the caller's to check)."""
        members = directory.members_of(team_id)

        def compute() -> tuple[dict[str, Any], dict[str, Any], Any]:
            employees = directory.employees
            states = [(pid, self.people.get(pid)) for pid in members]
            coaches = {pid: str(employees[pid].get("coach_id", "")) for pid in members}
            # GetStoryAlignment's rule for a team is can_read_team, the roll-up's: the same members, the same k.
            return (
                team_rollup(team_id, states, now, self.k, window, coaches), overview.team_card(team_id, states, now, self.k, window),
                self.story.of_members(team_id, members) if self.story is not None else None,
            )

        found: tuple[dict[str, Any], dict[str, Any], Any] = self._kept(("team", team_id, window), members, compute)
        return found

    def _kept(self, key: tuple[str, str, int], people: list[str], compute: Callable[[], Any]) -> Any:
        """Figures about these people computed once and kept while none of them changed (the people store's Changes),
        the directory is the same and for at most TEAM_SECONDS (they move with the clock too); at most TEAM_CACHE
        are kept, the least recently used dropped first. Without Changes (tests with plain dicts): computed each time."""
        changes = getattr(self.people, "changes", None)
        if changes is None or self.directory_version is None:
            return compute()
        stamp = (self.directory_version(), *changes.of(people))
        kept = self._kept_figures.get(key)
        if kept is not None and kept[0] == stamp and time.monotonic() - kept[1] < TEAM_SECONDS:
            self._kept_figures.move_to_end(key)
            return kept[2]
        value = compute()
        self._kept_figures[key] = (stamp, time.monotonic(), value)
        self._kept_figures.move_to_end(key)
        while len(self._kept_figures) > TEAM_CACHE:
            self._kept_figures.popitem(last=False)
        return value

    def _person_card(self, employee_id: str, now: float, window: int) -> dict[str, Any]:
        card = overview.person_card(self.people.get(employee_id), now, window)
        card["employee_id"] = employee_id
        return card

    def team_overview(self, who: Identity, team_ids: list[str], employee_ids: list[str], window_days: int) -> dict[str, Any]:
        """The manager's team page in one read: each part by the rule of its own query (rollup, sense_making,
        insights_for, calibration); a team or person the caller may not read is left out, not refused."""
        window = self._window(window_days)
        if len(team_ids) > OVERVIEW_MAX or len(employee_ids) > OVERVIEW_MAX:
            raise InvalidArgument("team_ids", f"at most {OVERVIEW_MAX} teams and {OVERVIEW_MAX} people")
        directory = self.directory()
        employees, teams = directory.employees, directory.teams
        now = self.clock()
        me, roles = who.employee_id, who.roles
        rollups, team_cards, alignments = [], [], []
        for team_id in dict.fromkeys(team_ids):
            if team_id not in teams or not can_read_team(me, roles, team_id, employees, teams):
                continue
            rollup, card, alignment = self._team_figures(directory, team_id, now, window)
            rollups.append(rollup)
            team_cards.append(card)
            if alignment is not None:
                alignments.append(alignment)
        person_cards = []
        for employee_id in dict.fromkeys(employee_ids):
            if employee_id in employees and can_read_person(me, roles, employee_id, employees, teams):
                person_cards.append(self._kept(("person", employee_id, window), [employee_id], partial(self._person_card, employee_id, now, window)))
        return {
            "rollups": rollups, "team_cards": team_cards, "person_cards": person_cards,
            "insights": self.insights_for(who, subject_id="", team_id="", actor_id=me, open_only=True, limit=50),
            "calibration": self.calibration(who), "story_alignments": alignments,
        }
