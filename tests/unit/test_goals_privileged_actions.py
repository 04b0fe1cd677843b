"""HR's and admins' reads and changes of someone's individual goals are privileged actions (issue 18 item 6): the bus
hands them to the recorder after the use case; a person's own goals, their manager's work on them and team goals are
not. Over the fake units of work (the SQL recorder: tests/e2e/test_personal_data_export.py)."""
from __future__ import annotations

import pytest

from paars_goals.service_layer import commands as c
from paars_goals.service_layer.unit_of_work import PrivilegedAct
from paars_platform.errors import PermissionDenied
from tests.unit.test_goals_handlers import a_service, an_agreed_goal, propose


async def test_hr_reading_a_persons_goal_is_recorded_with_its_basis_and_path() -> None:
    service = await a_service()
    goal_id = await an_agreed_goal(service)
    service.privileged.clear()

    await service.bus.ask(c.GetGoal(service.person("hr1", "hr"), goal_id))
    await service.bus.ask(c.ListGoals(service.person("hr1", "hr"), "ann", False))

    assert service.privileged == [
        ("hr1", "GetGoal", PrivilegedAct("read", "ann", goal_id, "hr")),
        ("hr1", "ListGoals", PrivilegedAct("read", "ann", "", "hr")),
    ]


async def test_the_person_and_their_manager_reading_are_not_privileged() -> None:
    service = await a_service()
    goal_id = await an_agreed_goal(service)
    service.privileged.clear()

    await service.bus.ask(c.GetGoal(service.person("ann"), goal_id))
    await service.bus.ask(c.GetGoal(service.person("mgr", "manager"), goal_id))
    await service.bus.ask(c.GetGoal(service.person("boss", "manager", "leader"), goal_id))
    await service.bus.ask(c.ListGoals(service.person("mgr", "manager"), "ann", False))

    assert service.privileged == []


async def test_hr_proposing_a_goal_for_someone_is_a_recorded_change_and_an_admin_read_names_admin() -> None:
    service = await a_service()
    goal = await service.bus.handle(propose("hr1", "bob"))
    assert service.privileged == [("hr1", "ProposeGoal", PrivilegedAct("edit", "bob", "", "hr"))]
    service.privileged.clear()

    await service.bus.ask(c.GetGoal(service.person("root", "admin"), goal.id))

    assert service.privileged == [("root", "GetGoal", PrivilegedAct("read", "bob", goal.id, "admin"))]


async def test_a_refused_read_records_nothing() -> None:
    service = await a_service()
    goal_id = await an_agreed_goal(service)
    service.privileged.clear()
    with pytest.raises(PermissionDenied):
        await service.bus.ask(c.GetGoal(service.person("bob"), goal_id))
    assert service.privileged == []
