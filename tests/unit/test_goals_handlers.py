"""The goal use cases through the message bus over fake repositories: the rules of each handler, what it
writes, and the events it leaves in the outbox, without a database or a broker."""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from paars.goals.v1 import goals_pb2 as pb
from paars.org.v1 import org_pb2 as R
from paars_goals.domain.goals import FieldChange, GoalUpdated, ProposedKeyResult
from paars_goals.service_layer import commands as c
from paars_platform.auth import Identity
from paars_platform.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied, StaleVersion
from tests.unit.goals_fakes import FakeService

Change = pb.GoalUpdated


def team(id: str, parent: str = "", manager: str = "") -> c.TeamRecord:
    return c.TeamRecord(id, id.title(), parent, manager)


def person(id: str, manager: str = "", team_id: str = "team-a", *roles: int) -> c.EmployeeRecord:
    return c.EmployeeRecord(id, id.title(), f"{id}@paars.example", manager, team_id, roles or (1,), True, "", "")


async def a_service() -> FakeService:
    """boss (leader) -> mgr -> ann, bob; hr1 in the root team; team-a managed by mgr, team-x by nobody."""
    service = FakeService()
    directory = c.ImportDirectory(
        service.person("hris", "system"), c.RequestKey(),
        teams=(team("org"), team("team-a", "org", "mgr"), team("team-x", "org")),
        employees=(
            person("boss", "", "org", R.ROLE_MANAGER, R.ROLE_LEADER), person("hr1", "boss", "org", R.ROLE_HR),
            person("mgr", "boss", "team-a", R.ROLE_MANAGER), person("ann", "mgr"), person("bob", "mgr"),
        ),
    )
    await service.bus.handle(directory)
    service.store.outbox.clear()
    return service


def propose(caller: str, owner: str = "ann", *, key: str = "", **kw: Any) -> c.ProposeGoal:
    values: dict[str, object] = dict(
        kind=pb.GOAL_KIND_DEVELOPMENT, level=pb.GOAL_LEVEL_INDIVIDUAL, title="  Present at the guild ", description="",
        owner_id=owner, team_id="", parent_goal_id="", weight=0.0,
        key_results=(ProposedKeyResult("talks", "talks given", 0, 4, "talks"),), start_date="2026-01-01", due_date="2026-12-31",
    )
    values.update(kw)
    roles = {"boss": ("manager", "leader"), "hr1": ("hr",), "mgr": ("manager",)}.get(caller, ("employee",))
    return c.ProposeGoal(Identity(caller, frozenset(roles)), c.RequestKey(key, f"fp-{key}-{sorted(values.items())}"), **values)  # type: ignore[arg-type]


def events(service: FakeService) -> list[GoalUpdated]:
    return [e for e in service.store.outbox if isinstance(e, GoalUpdated)]


async def an_agreed_goal(service: FakeService, **kw: Any) -> str:
    goal = await service.bus.handle(propose("ann", **kw))
    await service.bus.handle(c.AgreeGoal(service.person("mgr", "manager"), c.RequestKey(), goal_id=goal.id, expected_version=0, comment=""))
    return goal.id


# ---------- propose ----------


async def test_a_person_proposing_their_own_goal_awaits_their_manager_and_the_proposal_is_an_event() -> None:
    service = await a_service()
    goal = await service.bus.handle(propose("ann"))
    assert (goal.title, goal.agreement, goal.awaiting_agreement_from, goal.team_id, goal.version) == (
        "Present at the guild", pb.AGREEMENT_STATE_PROPOSED, "mgr", "team-a", 1,
    )
    assert goal.weight == 1.0 and goal.progress == 0.0 and goal.key_results[0].current == 0
    [event] = events(service)
    assert event.changes == (Change.CHANGE_PROPOSED,) and event.actor_id == "ann" and event.goal == goal
    assert event.field_changes == (FieldChange("agreement", "", "AGREEMENT_STATE_PROPOSED"),)


async def test_an_invalid_proposal_names_every_wrong_field_and_writes_nothing() -> None:
    service = await a_service()
    commits = service.store.commits
    with pytest.raises(InvalidArgument) as refused:
        await service.bus.handle(propose("ann", title="", kind=0, due_date="31-12-2026", key_results=()))
    assert {v.field for v in refused.value.violations} == {"title", "kind", "due_date", "key_results"}
    assert service.store.commits == commits and not service.store.goals


async def test_without_a_start_date_the_due_date_must_be_after_today() -> None:
    service = await a_service()
    with pytest.raises(InvalidArgument) as refused:
        await service.bus.handle(propose("ann", start_date="", due_date="2026-02-01"))
    assert [v.field for v in refused.value.violations] == ["due_date"]


async def test_a_colleague_cannot_propose_someone_elses_goal_but_their_manager_can() -> None:
    service = await a_service()
    with pytest.raises(PermissionDenied):
        await service.bus.handle(propose("bob"))
    goal = await service.bus.handle(propose("mgr"))
    assert goal.awaiting_agreement_from == "ann" and not [e for e in events(service) if e.actor_id == "bob"]


async def test_organisation_goals_are_agreed_at_once_and_only_set_by_leaders_hr_or_admins() -> None:
    service = await a_service()
    with pytest.raises(PermissionDenied):
        await service.bus.handle(propose("ann", level=pb.GOAL_LEVEL_ORGANISATION, owner_id=""))
    goal = await service.bus.handle(propose("boss", level=pb.GOAL_LEVEL_ORGANISATION, owner_id=""))
    assert goal.agreement == pb.AGREEMENT_STATE_AGREED and goal.owner_id == "boss"
    assert events(service)[-1].changes == (Change.CHANGE_PROPOSED, Change.CHANGE_AGREED)


async def test_a_team_goal_is_owned_by_the_teams_manager_and_needs_one() -> None:
    service = await a_service()
    goal = await service.bus.handle(propose("mgr", level=pb.GOAL_LEVEL_TEAM, team_id="team-a", owner_id=""))
    assert (goal.owner_id, goal.team_id, goal.awaiting_agreement_from) == ("mgr", "team-a", "boss")
    with pytest.raises(FailedPrecondition):
        await service.bus.handle(propose("boss", level=pb.GOAL_LEVEL_TEAM, team_id="team-x", owner_id=""))
    with pytest.raises(NotFound):
        await service.bus.handle(propose("boss", level=pb.GOAL_LEVEL_TEAM, team_id="team-zz", owner_id=""))


async def test_goals_cascade_from_open_goals_of_a_higher_level_only() -> None:
    service = await a_service()
    org_goal = await service.bus.handle(propose("boss", level=pb.GOAL_LEVEL_ORGANISATION, owner_id=""))
    child = await service.bus.handle(propose("ann", parent_goal_id=org_goal.id))
    assert child.parent_goal_id == org_goal.id
    with pytest.raises(InvalidArgument):
        await service.bus.handle(propose("ann", parent_goal_id=child.id))
    await service.bus.handle(c.CloseGoal(service.person("boss", "leader"), c.RequestKey(), goal_id=org_goal.id, expected_version=0, achieved=False, note=""))
    with pytest.raises(FailedPrecondition):
        await service.bus.handle(propose("ann", parent_goal_id=org_goal.id))


async def test_a_retried_proposal_is_answered_again_and_changes_nothing_twice() -> None:
    service = await a_service()
    first = await service.bus.handle(propose("ann", key="k1"))
    again = await service.bus.handle(propose("ann", key="k1"))
    assert again == first and len(service.store.goals) == 1 and len(events(service)) == 1
    with pytest.raises(InvalidArgument):
        await service.bus.handle(propose("ann", key="k1", title="Something else"))


# ---------- counter-propose, agree ----------


async def test_a_counter_proposal_changes_the_proposal_and_hands_the_decision_to_the_other_party() -> None:
    service = await a_service()
    goal = await service.bus.handle(propose("ann"))
    countered = await service.bus.handle(c.CounterProposeGoal(
        service.person("mgr", "manager"), c.RequestKey(), goal_id=goal.id, expected_version=goal.version, comment="Two talks is enough",
        title="", description="", weight=2.0, key_results=(ProposedKeyResult("talks", "talks given", 0, 2, "talks"),), due_date="2026-06-30",
    ))
    assert (countered.proposed_by, countered.awaiting_agreement_from, countered.version, countered.weight) == ("mgr", "ann", 2, 2.0)
    assert countered.key_results[0].target == 2 and countered.due_date == dt.date(2026, 6, 30)
    event = events(service)[-1]
    assert event.changes == (Change.CHANGE_COUNTER_PROPOSED,)
    assert [f.field for f in event.field_changes] == ["weight", "key_results", "due_date"]
    [comment] = service.store.comments
    assert comment.counter_proposal and comment.text == "Two talks is enough"


async def test_only_the_two_parties_counter_propose_and_a_due_date_before_the_start_is_refused() -> None:
    service = await a_service()
    goal = await service.bus.handle(propose("ann"))

    def counter(caller: str, due: str = "") -> c.CounterProposeGoal:
        return c.CounterProposeGoal(
            service.person(caller), c.RequestKey(), goal_id=goal.id, expected_version=0, comment="hm", title="", description="",
            weight=0.0, key_results=(), due_date=due,
        )

    with pytest.raises(PermissionDenied):
        await service.bus.handle(counter("bob"))
    with pytest.raises(InvalidArgument):
        await service.bus.handle(counter("mgr", "2025-12-01"))
    assert service.store.goals[goal.id].version == 1 and not service.store.comments


async def test_only_the_awaited_party_agrees_and_a_stale_version_is_aborted() -> None:
    service = await a_service()
    goal = await service.bus.handle(propose("ann"))

    def agree(caller: str, version: int = 0) -> c.AgreeGoal:
        return c.AgreeGoal(service.person(caller), c.RequestKey(), goal_id=goal.id, expected_version=version, comment="Deal")

    with pytest.raises(PermissionDenied):
        await service.bus.handle(agree("ann"))
    with pytest.raises(StaleVersion):
        await service.bus.handle(agree("mgr", version=7))
    agreed = await service.bus.handle(agree("mgr", version=1))
    assert agreed.agreement == pb.AGREEMENT_STATE_AGREED and agreed.awaiting_agreement_from == ""
    # Two months into a year with nothing done yet: behind by more than the on-track tolerance.
    assert agreed.status == pb.GOAL_STATUS_AT_RISK
    assert events(service)[-1].changes == (Change.CHANGE_AGREED,) and service.store.comments[-1].text == "Deal"
    with pytest.raises(FailedPrecondition):
        await service.bus.handle(agree("mgr"))


# ---------- comment, check in, close ----------


async def test_only_people_who_may_read_a_personal_goal_comment_on_it() -> None:
    service = await a_service()
    goal = await service.bus.handle(propose("ann"))
    with pytest.raises(PermissionDenied):
        await service.bus.handle(c.CommentOnGoal(service.person("bob"), c.RequestKey(), goal_id=goal.id, text="nosy"))
    comment = await service.bus.handle(c.CommentOnGoal(service.person("hr1", "hr"), c.RequestKey(), goal_id=goal.id, text="Nice"))
    assert comment.author_id == "hr1" and service.store.comments == [comment] and not comment.counter_proposal


async def test_a_check_in_moves_progress_tells_the_milestone_and_rolls_up_to_the_agreed_parent() -> None:
    service = await a_service()
    parent = await service.bus.handle(propose("boss", level=pb.GOAL_LEVEL_ORGANISATION, owner_id=""))
    goal_id = await an_agreed_goal(service, parent_goal_id=parent.id)
    service.store.outbox.clear()
    after = await service.bus.handle(c.CheckIn(
        service.person("ann"), c.RequestKey(), goal_id=goal_id, expected_version=0, note="Gave two", confidence=4, updates=(("talks", 2.0),),
    ))
    assert after.progress == 0.5 and after.confidence == 4 and after.last_check_in_at == service.clock.now
    own, rolled_up = events(service)
    assert own.milestone_percent == 50 and own.note == "Gave two" and own.confidence == 4
    assert own.field_changes[:2] == (FieldChange("progress", "0.0000", "0.5000"), FieldChange("key_results.talks.current", "0", "2"))
    assert rolled_up.goal.id == parent.id and rolled_up.goal.progress == 0.5 and rolled_up.changes == (Change.CHANGE_PROGRESS,)
    [check_in] = service.store.check_ins
    assert check_in.updates == (("talks", 2.0),) and check_in.author_id == "ann"


async def test_a_check_in_on_an_unknown_key_result_or_by_a_colleague_changes_nothing() -> None:
    service = await a_service()
    goal_id = await an_agreed_goal(service)
    with pytest.raises(InvalidArgument) as refused:
        await service.bus.handle(c.CheckIn(service.person("ann"), c.RequestKey(), goal_id=goal_id, expected_version=0, note="", confidence=3, updates=(("nope", 1.0),)))
    assert refused.value.violations[0].field == "updates[0].key_result_id"
    with pytest.raises(PermissionDenied):
        await service.bus.handle(c.CheckIn(service.person("bob"), c.RequestKey(), goal_id=goal_id, expected_version=0, note="", confidence=3, updates=(("talks", 1.0),)))
    assert not service.store.check_ins and service.store.goals[goal_id].key_results[0].current == 0


async def test_a_proposal_takes_no_check_ins() -> None:
    service = await a_service()
    goal = await service.bus.handle(propose("ann"))
    with pytest.raises(FailedPrecondition):
        await service.bus.handle(c.CheckIn(service.person("ann"), c.RequestKey(), goal_id=goal.id, expected_version=0, note="x", confidence=3, updates=()))


async def test_a_closed_goal_keeps_its_outcome_cannot_close_twice_and_a_dropped_child_leaves_the_roll_up() -> None:
    service = await a_service()
    parent = await service.bus.handle(propose("boss", level=pb.GOAL_LEVEL_ORGANISATION, owner_id=""))
    done = await an_agreed_goal(service, parent_goal_id=parent.id)
    dropped = await an_agreed_goal(service, parent_goal_id=parent.id)
    await service.bus.handle(c.CheckIn(service.person("ann"), c.RequestKey(), goal_id=done, expected_version=0, note="", confidence=5, updates=(("talks", 4.0),)))

    def close(goal_id: str, achieved: bool) -> c.CloseGoal:
        return c.CloseGoal(service.person("ann"), c.RequestKey(), goal_id=goal_id, expected_version=0, achieved=achieved, note="Moved on")

    closed = await service.bus.handle(close(dropped, False))
    assert closed.status == pb.GOAL_STATUS_DROPPED and closed.agreement == pb.AGREEMENT_STATE_CLOSED
    assert events(service)[-1].changes == (Change.CHANGE_CLOSED, Change.CHANGE_STATUS) and events(service)[-1].note == "Moved on"
    with pytest.raises(FailedPrecondition):
        await service.bus.handle(close(dropped, True))
    detail = await service.bus.ask(c.GetGoal(service.person("boss", "leader"), parent.id))
    assert detail.goal.progress == 1.0


# ---------- reads ----------


async def test_a_goal_reads_with_its_comments_and_check_ins_only_for_those_who_may_see_it() -> None:
    service = await a_service()
    goal_id = await an_agreed_goal(service)
    await service.bus.handle(c.CheckIn(service.person("ann"), c.RequestKey(), goal_id=goal_id, expected_version=0, note="Started", confidence=3, updates=()))
    detail = await service.bus.ask(c.GetGoal(service.person("boss", "manager"), goal_id))
    assert detail.goal.id == goal_id and [ci.note for ci in detail.check_ins] == ["Started"]
    with pytest.raises(PermissionDenied):
        await service.bus.ask(c.GetGoal(service.person("bob"), goal_id))
    with pytest.raises(NotFound):
        await service.bus.ask(c.GetGoal(service.person("ann"), "nope"))
    with pytest.raises(InvalidArgument):
        await service.bus.ask(c.GetGoal(service.person("ann"), ""))


async def test_people_list_their_own_goals_and_managers_their_reports_goals() -> None:
    service = await a_service()
    agreed = await an_agreed_goal(service)
    proposed = (await service.bus.handle(propose("ann"))).id
    mine = await service.bus.ask(c.ListGoals(service.person("ann"), "", False))
    assert [g.id for g in mine] == [agreed]
    everything = await service.bus.ask(c.ListGoals(service.person("mgr", "manager"), "ann", True))
    assert [g.id for g in everything] == [agreed, proposed]
    with pytest.raises(PermissionDenied):
        await service.bus.ask(c.ListGoals(service.person("bob"), "ann", False))
    with pytest.raises(InvalidArgument):
        await service.bus.ask(c.ListGoals(service.person("bob"), "not an id!", False))


async def test_a_team_list_rolls_up_the_tops_of_the_goals_the_caller_may_read() -> None:
    service = await a_service()
    team_goal = await service.bus.handle(propose("mgr", level=pb.GOAL_LEVEL_TEAM, team_id="team-a", owner_id=""))
    await service.bus.handle(c.AgreeGoal(service.person("boss", "manager"), c.RequestKey(), goal_id=team_goal.id, expected_version=0, comment=""))
    personal = await an_agreed_goal(service, parent_goal_id=team_goal.id)
    await service.bus.handle(c.CheckIn(service.person("ann"), c.RequestKey(), goal_id=personal, expected_version=0, note="", confidence=3, updates=(("talks", 4.0),)))
    as_manager = await service.bus.ask(c.ListTeamGoals(service.person("mgr", "manager"), "team-a"))
    assert {g.id for g in as_manager.goals} == {team_goal.id, personal} and as_manager.rolled_up_progress == 1.0
    assert as_manager.goals_by_status == {"GOAL_STATUS_DONE": 2}
    as_colleague = await service.bus.ask(c.ListTeamGoals(service.person("bob"), "team-a"))
    assert [g.id for g in as_colleague.goals] == [team_goal.id]
    with pytest.raises(NotFound):
        await service.bus.ask(c.ListTeamGoals(service.person("bob"), "team-zz"))


async def test_an_alignment_tree_shows_only_the_children_the_caller_may_read() -> None:
    service = await a_service()
    top = await service.bus.handle(propose("boss", level=pb.GOAL_LEVEL_ORGANISATION, owner_id=""))
    child = await an_agreed_goal(service, parent_goal_id=top.id)
    for_manager = await service.bus.ask(c.GetAlignmentTree(service.person("mgr", "manager"), top.id))
    assert [n.goal.id for n in for_manager.children] == [child]
    for_colleague = await service.bus.ask(c.GetAlignmentTree(service.person("bob"), top.id))
    assert for_colleague.goal.id == top.id and for_colleague.children == ()
