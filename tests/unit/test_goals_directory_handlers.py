"""The directory use cases of the goals service through the message bus over fake repositories."""
from __future__ import annotations

import pytest

from paars.org.v1 import org_pb2 as R
from paars_goals.domain.org import EmployeeChanged, TeamChanged
from paars_goals.service_layer import commands as c
from paars_platform.auth import Identity
from paars_platform.errors import InvalidArgument, NotFound, PermissionDenied
from tests.unit.goals_fakes import FakeService

HRIS = Identity("hris", frozenset({"system"}), "system")


def person(id: str, manager: str = "", team_id: str = "org", roles: tuple[int, ...] = (R.ROLE_EMPLOYEE,), **kw: object) -> c.EmployeeRecord:
    values: dict[str, object] = dict(
        id=id, name=f" {id.title()} ", email=f"{id.upper()}@Paars.example", manager_id=manager, team_id=team_id, roles=roles,
        active=True, time_zone="", coach_id="",
    )
    values.update(kw)
    return c.EmployeeRecord(**values)  # type: ignore[arg-type]


def import_(caller: Identity, *employees: c.EmployeeRecord, teams: tuple[c.TeamRecord, ...] = (), key: str = "") -> c.ImportDirectory:
    return c.ImportDirectory(caller, c.RequestKey(key, f"fp-{employees}-{teams}"), teams=teams, employees=employees)


ORG = (c.TeamRecord("org", "Paars NV", "", ""), c.TeamRecord("team-a", "Team A", "org", "mgr"))
PEOPLE = (person("boss", roles=(R.ROLE_MANAGER,)), person("hr1", "boss", roles=(R.ROLE_HR,)), person("mgr", "boss", "team-a"), person("ann", "mgr", "team-a"))


async def test_an_import_creates_the_directory_announces_every_change_and_forgets_the_callers_it_changed() -> None:
    service = FakeService()
    counts = await service.bus.handle(import_(HRIS, *PEOPLE, teams=ORG))
    assert (counts.teams_created, counts.employees_created, counts.unchanged) == (2, 4, 0)
    ann = service.store.employees["ann"]
    assert (ann.name, ann.email, ann.time_zone, ann.version) == ("Ann", "ann@paars.example", "UTC", 1)
    kinds = [type(e) for e in service.store.outbox]
    assert kinds == [TeamChanged] * 2 + [EmployeeChanged] * 4
    ann_changed = service.store.outbox[-1]
    assert isinstance(ann_changed, EmployeeChanged) and ann_changed.team_path == ("team-a", "org") and ann_changed.actor_id == "hris"
    assert ann_changed.change == R.EmployeeChanged.CHANGE_CREATED
    assert service.forgotten == ["boss", "hr1", "mgr", "ann"]


async def test_a_re_import_changes_only_what_differs_and_a_deactivation_says_so() -> None:
    service = FakeService()
    await service.bus.handle(import_(HRIS, *PEOPLE, teams=ORG))
    service.store.outbox.clear()
    counts = await service.bus.handle(import_(HRIS, *PEOPLE[:3], person("ann", "mgr", "team-a", active=False), teams=ORG))
    assert (counts.employees_updated, counts.unchanged) == (1, 5)
    [event] = service.store.outbox
    assert isinstance(event, EmployeeChanged) and event.change == R.EmployeeChanged.CHANGE_DEACTIVATED and event.employee.version == 2


async def test_only_hr_admins_or_systems_import_and_that_is_decided_before_the_rows_are_checked() -> None:
    service = FakeService()
    with pytest.raises(PermissionDenied):
        await service.bus.handle(import_(Identity("ann", frozenset({"employee"}))))
    with pytest.raises(InvalidArgument) as refused:
        await service.bus.handle(import_(HRIS, person("x", email="not-mail", roles=())))
    assert {v.field for v in refused.value.violations} == {"employees[0].email", "employees[0].roles"}


async def test_unknown_references_and_manager_cycles_are_refused_whole() -> None:
    service = FakeService()
    with pytest.raises(InvalidArgument) as unknown:
        await service.bus.handle(import_(HRIS, person("ann", "ghost", "nowhere")))
    assert {v.field for v in unknown.value.violations} == {"employees[0].manager_id", "employees[0].team_id"}
    with pytest.raises(InvalidArgument, match="manager cycle"):
        await service.bus.handle(import_(HRIS, person("a", "b", ""), person("b", "a", "")))
    assert not service.store.employees and not service.store.outbox


async def test_an_hr_person_cannot_make_themselves_someones_manager() -> None:
    service = FakeService()
    await service.bus.handle(import_(HRIS, *PEOPLE, teams=ORG))
    hr = Identity("hr1", frozenset({"hr"}))
    with pytest.raises(PermissionDenied, match="manager"):
        await service.bus.handle(import_(hr, person("ann", "hr1", "team-a")))
    assert service.store.employees["ann"].manager_id == "mgr"


async def test_a_retried_import_is_answered_again_without_a_second_change() -> None:
    service = FakeService()
    first = await service.bus.handle(import_(HRIS, *PEOPLE, teams=ORG, key="nightly-1"))
    again = await service.bus.handle(import_(HRIS, *PEOPLE, teams=ORG, key="nightly-1"))
    assert again == first and service.store.commits == 1 and len(service.store.outbox) == 6


async def test_employees_and_teams_are_looked_up_and_listed_by_id() -> None:
    service = FakeService()
    await service.bus.handle(import_(HRIS, *PEOPLE, teams=ORG))
    assert (await service.bus.ask(c.GetEmployee("ann"))).manager_id == "mgr"
    with pytest.raises(NotFound):
        await service.bus.ask(c.GetEmployee("ghost"))
    with pytest.raises(InvalidArgument):
        await service.bus.ask(c.GetEmployee(""))
    assert [e.id for e in await service.bus.ask(c.ListEmployees("", "boss"))] == ["hr1", "mgr"]
    assert [e.id for e in await service.bus.ask(c.ListEmployees("team-a", ""))] == ["ann", "mgr"]
    assert [t.id for t in await service.bus.ask(c.ListTeams())] == ["org", "team-a"]
