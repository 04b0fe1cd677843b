"""The goals service in-process on a real database and broker, driven through its gRPC API."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import grpc
import pytest
from alembic import command

from paars.goals.v1 import goals_pb2 as pb
from paars.goals.v1 import goals_pb2_grpc
from paars.org.v1 import org_pb2, org_pb2_grpc
from paars_goals.adapters import tables as t
from paars_goals.bootstrap import MIGRATIONS, build
from paars_platform.db import Database, alembic_config, utcnow
from paars_platform.errors import field_violations
from paars_platform.events import header
from tests.conftest import make_settings
from tests.helpers import auth, decoded, demo_directory, plaintext, read_topic, system_auth


@pytest.fixture
async def goals(database_url: str, kafka_bootstrap: str) -> AsyncIterator[tuple[goals_pb2_grpc.GoalServiceStub, org_pb2_grpc.OrgServiceStub]]:
    runtime = build(make_settings("goals", database_url=database_url, kafka_bootstrap=kafka_bootstrap))
    await runtime.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{runtime.grpc_port}")
    try:
        org = org_pb2_grpc.OrgServiceStub(channel)
        await org.ImportDirectory(demo_directory(), metadata=system_auth())
        yield goals_pb2_grpc.GoalServiceStub(channel), org
    finally:
        await channel.close()
        await runtime.stop()


def a_goal(owner: str = "ann", **kw: object) -> pb.ProposeGoalRequest:
    values: dict[str, object] = dict(
        kind=pb.GOAL_KIND_DEVELOPMENT, level=pb.GOAL_LEVEL_INDIVIDUAL, title="Present at the guild", owner_id=owner,
        key_results=[pb.KeyResult(title="talks given", start_value=0, target_value=4, unit="talks")],
        start_date="2026-01-01", due_date="2027-12-31",
    )
    values.update(kw)
    return pb.ProposeGoalRequest(**values)  # type: ignore[arg-type]


async def test_propose_agree_check_in_publishes_goal_updated_with_cloudevents_headers(goals, kafka_bootstrap: str) -> None:
    stub, _ = goals
    proposed = await stub.ProposeGoal(a_goal(), metadata=auth("ann"))
    assert proposed.agreement == pb.AGREEMENT_STATE_PROPOSED
    assert proposed.awaiting_agreement_from == "mgr"
    agreed = await stub.AgreeGoal(pb.AgreeGoalRequest(goal_id=proposed.id, expected_version=proposed.version), metadata=auth("mgr", "manager"))
    assert agreed.agreement == pb.AGREEMENT_STATE_AGREED
    kr = agreed.key_results[0].id
    checked = await stub.CheckIn(
        pb.CheckInRequest(goal_id=agreed.id, expected_version=agreed.version, updates=[pb.KeyResultUpdate(key_result_id=kr, current_value=2)], note="first talk done", confidence=4),
        metadata=auth("ann"),
    )
    assert checked.progress == pytest.approx(0.5)

    def ours(records: list) -> list:
        return [r for r in records if r.key == b"ann" and any(e.goal.id == proposed.id for e in decoded([r]))]

    records = ours(await asyncio.to_thread(read_topic, kafka_bootstrap, "goals.goal-updated.v1", until=lambda rs: len(ours(rs)) >= 3))
    # On the topic the goal's words are encrypted with ann's key (crypto-shredding); consumers read them decrypted.
    assert not any(b"first talk done" in r.value or b"Present at the guild" in r.value for r in records)
    events = await plaintext(decoded(records))
    assert events[2].note == "first talk done" and events[0].goal.title == "Present at the guild"
    assert [list(e.changes)[0] for e in events] == [pb.GoalUpdated.CHANGE_PROPOSED, pb.GoalUpdated.CHANGE_AGREED, pb.GoalUpdated.CHANGE_PROGRESS]
    assert events[2].milestone_percent == 50
    assert ("progress", "0.0000", "0.5000") in [(f.field, f.before, f.after) for f in events[2].field_changes]
    for record, event in zip(records, events, strict=True):
        assert header(record.headers, "ce_specversion") == "1.0"
        assert header(record.headers, "ce_type") == "paars.goals.v1.GoalUpdated"
        assert header(record.headers, "ce_id") == event.metadata.event_id
        assert header(record.headers, "ce_source") == "/paars/goals"
        assert header(record.headers, "ce_time").endswith("Z")
        assert header(record.headers, "content-type") == "application/x-protobuf"


async def test_constructive_input_errors_name_every_wrong_field(goals) -> None:
    stub, _ = goals
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.ProposeGoal(a_goal(title="", key_results=[], due_date="next year"), metadata=auth("ann"))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    fields = {f for f, _ in field_violations(err.value)}
    assert {"title", "key_results", "due_date"} <= fields


async def test_only_the_other_party_agrees_and_stale_versions_are_aborted(goals) -> None:
    stub, _ = goals
    proposed = await stub.ProposeGoal(a_goal(), metadata=auth("ann"))
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.AgreeGoal(pb.AgreeGoalRequest(goal_id=proposed.id), metadata=auth("ann"))
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.AgreeGoal(pb.AgreeGoalRequest(goal_id=proposed.id), metadata=auth("bob"))
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
    countered = await stub.CounterProposeGoal(
        pb.CounterProposeGoalRequest(goal_id=proposed.id, expected_version=proposed.version, comment="Two talks is plenty this year", key_results=[pb.KeyResult(id=proposed.key_results[0].id, title="talks given", start_value=0, target_value=2)]),
        metadata=auth("mgr", "manager"),
    )
    assert countered.awaiting_agreement_from == "ann"
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.AgreeGoal(pb.AgreeGoalRequest(goal_id=proposed.id, expected_version=proposed.version), metadata=auth("ann"))
    assert err.value.code() == grpc.StatusCode.ABORTED
    agreed = await stub.AgreeGoal(pb.AgreeGoalRequest(goal_id=proposed.id, expected_version=countered.version), metadata=auth("ann"))
    assert agreed.agreement == pb.AGREEMENT_STATE_AGREED
    assert agreed.key_results[0].target_value == 2


async def test_a_retried_call_with_the_same_idempotency_key_changes_nothing_twice(goals) -> None:
    stub, _ = goals
    request = a_goal(idempotency_key="propose-1")
    first, second = await asyncio.gather(stub.ProposeGoal(request, metadata=auth("ann")), stub.ProposeGoal(request, metadata=auth("ann")))
    third = await stub.ProposeGoal(request, metadata=auth("ann"))
    assert first.id == second.id == third.id
    listed = await stub.ListGoals(pb.ListGoalsRequest(owner_id="ann", include_all=True), metadata=auth("ann"))
    assert [g.id for g in listed.goals] == [first.id]


async def test_team_roll_up_counts_only_agreed_goals_by_weight(goals) -> None:
    stub, _ = goals
    team_goal = await stub.ProposeGoal(
        a_goal(owner="", level=pb.GOAL_LEVEL_TEAM, team_id="team-a", kind=pb.GOAL_KIND_PERFORMANCE, title="Ship the release"),
        metadata=auth("mgr", "manager"),
    )
    team_goal = await stub.AgreeGoal(pb.AgreeGoalRequest(goal_id=team_goal.id), metadata=auth("boss", "manager"))
    children = []
    for owner, weight in (("ann", 3.0), ("bob", 1.0)):
        g = await stub.ProposeGoal(a_goal(owner=owner, weight=weight, parent_goal_id=team_goal.id), metadata=auth("mgr", "manager"))
        children.append(await stub.AgreeGoal(pb.AgreeGoalRequest(goal_id=g.id), metadata=auth(owner)))
    # A proposal that is not agreed yet must not move the roll-up.
    await stub.ProposeGoal(a_goal(owner="cas", weight=10, parent_goal_id=team_goal.id), metadata=auth("mgr", "manager"))
    kr = children[0].key_results[0].id
    await stub.CheckIn(pb.CheckInRequest(goal_id=children[0].id, updates=[pb.KeyResultUpdate(key_result_id=kr, current_value=4)], confidence=5), metadata=auth("ann"))
    team = await stub.ListTeamGoals(pb.ListTeamGoalsRequest(team_id="team-a"), metadata=auth("mgr", "manager"))
    assert team.rolled_up_progress == pytest.approx(0.75)
    tree = await stub.GetAlignmentTree(pb.GetAlignmentTreeRequest(goal_id=team_goal.id), metadata=auth("mgr", "manager"))
    assert tree.goal.progress == pytest.approx(0.75)
    assert sorted(c.goal.owner_id for c in tree.children) == ["ann", "bob"]


async def test_unknown_ids_are_not_found_and_strangers_cannot_read_personal_goals(goals) -> None:
    stub, _ = goals
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.GetGoal(pb.GetGoalRequest(goal_id="nope"), metadata=auth("ann"))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    g = await stub.ProposeGoal(a_goal(), metadata=auth("ann"))
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.GetGoal(pb.GetGoalRequest(goal_id=g.id), metadata=auth("bob"))
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
    detail = await stub.GetGoal(pb.GetGoalRequest(goal_id=g.id), metadata=auth("boss", "manager"))
    assert detail.goal.id == g.id


async def test_the_correlation_id_of_a_call_travels_on_its_events(goals, kafka_bootstrap: str) -> None:
    stub, _ = goals
    goal = await stub.ProposeGoal(a_goal(title="Correlated"), metadata=auth("ann") + [("x-correlation-id", "corr-42")])

    def ours(records: list) -> list:
        return [e for e in decoded(records) if e.goal.id == goal.id]

    events = ours(await asyncio.to_thread(read_topic, kafka_bootstrap, "goals.goal-updated.v1", until=lambda rs: bool(ours(rs))))
    assert events[0].metadata.correlation_id == "corr-42"
    assert events[0].metadata.actor_id == "ann"


async def test_calls_without_a_valid_token_are_unauthenticated(goals) -> None:
    stub, _ = goals
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.ListGoals(pb.ListGoalsRequest())
    assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.ListGoals(pb.ListGoalsRequest(), metadata=[("authorization", "Bearer not-a-jwt")])
    assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_a_counter_proposal_hands_the_decision_back_to_the_manager_who_proposed(goals, kafka_bootstrap: str) -> None:
    stub, _ = goals
    proposed = await stub.ProposeGoal(a_goal(title="Mentor a new colleague"), metadata=auth("mgr", "manager"))
    assert (proposed.proposed_by, proposed.awaiting_agreement_from) == ("mgr", "ann")
    countered = await stub.CounterProposeGoal(
        pb.CounterProposeGoalRequest(goal_id=proposed.id, expected_version=proposed.version, comment="Two talks, not four", title="Mentor two new colleagues"),
        metadata=auth("ann"),
    )
    assert (countered.proposed_by, countered.awaiting_agreement_from) == ("ann", "mgr")
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.AgreeGoal(pb.AgreeGoalRequest(goal_id=proposed.id), metadata=auth("ann"))
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
    again = await stub.CounterProposeGoal(
        pb.CounterProposeGoalRequest(goal_id=proposed.id, expected_version=countered.version, comment="Three, then"), metadata=auth("mgr", "manager"),
    )
    assert (again.proposed_by, again.awaiting_agreement_from) == ("mgr", "ann")
    back = await stub.CounterProposeGoal(
        pb.CounterProposeGoalRequest(goal_id=proposed.id, expected_version=again.version, comment="Two it is"), metadata=auth("ann"),
    )
    assert back.awaiting_agreement_from == "mgr"
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.CounterProposeGoal(pb.CounterProposeGoalRequest(goal_id=proposed.id, comment="me too"), metadata=auth("bob"))
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
    agreed = await stub.AgreeGoal(pb.AgreeGoalRequest(goal_id=proposed.id, expected_version=back.version), metadata=auth("mgr", "manager"))
    assert agreed.agreement == pb.AGREEMENT_STATE_AGREED and agreed.title == "Mentor two new colleagues"

    # The events name the awaited party each time, so the prompts built from them ask the right person.
    def ours(records: list) -> list:
        return [e for e in decoded(records) if e.goal.id == proposed.id]

    events = ours(await asyncio.to_thread(read_topic, kafka_bootstrap, "goals.goal-updated.v1", until=lambda rs: len(ours(rs)) >= 5))
    assert [(e.metadata.actor_id, e.goal.awaiting_agreement_from) for e in events] == [
        ("mgr", "ann"), ("ann", "mgr"), ("mgr", "ann"), ("ann", "mgr"), ("mgr", ""),
    ]


async def test_a_team_list_shows_and_counts_only_the_goals_the_caller_may_read(goals) -> None:
    stub, _ = goals
    personal = await stub.ProposeGoal(a_goal(title="Private growth goal"), metadata=auth("ann"))
    await stub.AgreeGoal(pb.AgreeGoalRequest(goal_id=personal.id), metadata=auth("mgr", "manager"))
    team_goal = await stub.ProposeGoal(
        a_goal(owner="", level=pb.GOAL_LEVEL_TEAM, team_id="team-a", kind=pb.GOAL_KIND_PERFORMANCE, title="Ship the release"), metadata=auth("mgr", "manager"),
    )
    await stub.AgreeGoal(pb.AgreeGoalRequest(goal_id=team_goal.id), metadata=auth("boss", "manager"))
    for caller in (auth("bob"), auth("boss", "manager"), auth("mgr", "manager"), auth("ann")):
        listed = await stub.ListTeamGoals(pb.ListTeamGoalsRequest(team_id="team-a"), metadata=caller)
        for g in listed.goals:
            await stub.GetGoal(pb.GetGoalRequest(goal_id=g.id), metadata=caller)  # readable, or this raises
        assert listed.agreed_goals == len(listed.goals) == sum(listed.goals_by_status.values())
    peer = await stub.ListTeamGoals(pb.ListTeamGoalsRequest(team_id="team-a"), metadata=auth("bob"))
    assert personal.id not in {g.id for g in peer.goals}
    assert team_goal.id in {g.id for g in peer.goals}
    manager = await stub.ListTeamGoals(pb.ListTeamGoalsRequest(team_id="team-a"), metadata=auth("mgr", "manager"))
    assert {personal.id, team_goal.id} <= {g.id for g in manager.goals}


@pytest.mark.parametrize("zone", ["A" * 300, "Europe", "../../etc/passwd", "Mars/Olympus_Mons"])
async def test_a_wrong_time_zone_is_an_invalid_argument_naming_the_field(goals, zone: str) -> None:
    _, org = goals
    request = org_pb2.ImportDirectoryRequest(employees=[org_pb2.Employee(id="tz", name="Tz", email="tz@paars.example", roles=[org_pb2.ROLE_EMPLOYEE], active=True, time_zone=zone)])
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await org.ImportDirectory(request, metadata=auth("hr1", "hr"))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [f for f, _ in field_violations(err.value)] == ["employees[0].time_zone"]


def _as_in_directory(employee_id: str, **changes: object) -> org_pb2.Employee:
    employee = next(e for e in demo_directory().employees if e.id == employee_id)
    for name, value in changes.items():
        if name == "roles":
            del employee.roles[:]
            employee.roles.extend(value)  # type: ignore[arg-type]
        else:
            setattr(employee, name, value)
    return employee


@pytest.mark.parametrize(
    "change",
    [
        org_pb2.ImportDirectoryRequest(employees=[_as_in_directory("ann", manager_id="hr1")]),
        org_pb2.ImportDirectoryRequest(employees=[_as_in_directory("ann", coach_id="hr1")]),
        org_pb2.ImportDirectoryRequest(employees=[_as_in_directory("hr1", roles=[org_pb2.ROLE_HR, org_pb2.ROLE_ADMIN])]),
        org_pb2.ImportDirectoryRequest(employees=[_as_in_directory("hr1", team_id="team-a")]),
        org_pb2.ImportDirectoryRequest(teams=[org_pb2.Team(id="team-a", name="Team A", parent_team_id="org", manager_id="hr1")]),
    ],
    ids=["manager", "coach", "own roles", "own team", "team manager"],
)
async def test_an_hr_person_cannot_give_themselves_power_through_the_directory_import(goals, change: org_pb2.ImportDirectoryRequest) -> None:
    _, org = goals
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await org.ImportDirectory(change, metadata=auth("hr1", "hr"))
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
    ann = await org.GetEmployee(org_pb2.GetEmployeeRequest(employee_id="ann"), metadata=auth("ann"))
    assert (ann.manager_id, ann.coach_id) == ("mgr", "")


async def test_another_hr_person_or_the_hris_makes_the_change_and_is_recorded_as_its_actor(goals, kafka_bootstrap: str) -> None:
    _, org = goals
    # The same full directory again by the same HR person changes nothing, and so is allowed.
    unchanged = await org.ImportDirectory(demo_directory(), metadata=auth("hr1", "hr"))
    assert unchanged.unchanged == len(demo_directory().teams) + len(demo_directory().employees)
    hr2 = org_pb2.Employee(id="hr2", name="Hilde HR", email="hilde@paars.example", manager_id="boss", team_id="org", roles=[org_pb2.ROLE_HR], active=True)
    await org.ImportDirectory(org_pb2.ImportDirectoryRequest(employees=[hr2]), metadata=auth("hr1"))
    await org.ImportDirectory(org_pb2.ImportDirectoryRequest(employees=[_as_in_directory("cas", coach_id="hr1")]), metadata=auth("hr2"))
    await org.ImportDirectory(org_pb2.ImportDirectoryRequest(employees=[_as_in_directory("bob", coach_id="hr1")]), metadata=system_auth())

    def changes_of(records: list) -> list:
        return [(e.employee.id, e.metadata.actor_id) for e in decoded(records) if e.employee.coach_id == "hr1"]

    found = changes_of(await asyncio.to_thread(read_topic, kafka_bootstrap, "org.employee-changed.v1", until=lambda rs: len(changes_of(rs)) >= 2))
    assert ("cas", "hr2") in found and ("bob", "hris") in found


async def test_hr_reads_and_shapes_goals_only_in_the_subtree_of_their_own_team(goals) -> None:
    stub, org = goals
    # A second HR person, in team B: Ann (team A) is outside their scope; hr1 (the root team) covers everyone.
    await org.ImportDirectory(org_pb2.ImportDirectoryRequest(employees=[org_pb2.Employee(
        id="hr2", name="Hilde HR", email="hilde@paars.example", manager_id="boss", team_id="team-b", roles=[org_pb2.ROLE_HR], active=True)]),
        metadata=auth("hr1", "hr"))
    goal = await stub.ProposeGoal(a_goal(title="Scoped"), metadata=auth("ann"))
    assert (await stub.GetGoal(pb.GetGoalRequest(goal_id=goal.id), metadata=auth("hr1", "hr"))).goal.id == goal.id
    for call in (
        stub.GetGoal(pb.GetGoalRequest(goal_id=goal.id), metadata=auth("hr2", "hr")),
        stub.ListGoals(pb.ListGoalsRequest(owner_id="ann", include_all=True), metadata=auth("hr2", "hr")),
        stub.ProposeGoal(a_goal(title="Imposed"), metadata=auth("hr2", "hr")),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await call
        assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_the_migration_gives_stored_goals_proposed_for_someone_else_the_proposer_as_other_party(database_url: str) -> None:
    await asyncio.to_thread(command.upgrade, alembic_config(database_url, MIGRATIONS), "0001")
    db = Database(database_url)
    now = utcnow()
    common = dict(kind=1, level=pb.GOAL_LEVEL_INDIVIDUAL, title="g", description="", owner_id="ann", team_id="team-a", parent_goal_id=None, weight=1.0,
                  key_results=[], start_date=now.date(), due_date=now.date(), closed_status=None, confidence=0, last_check_in_at=None, version=1,
                  created_at=now, updated_at=now, agreement=pb.AGREEMENT_STATE_PROPOSED)
    async with db.transaction() as conn:
        await conn.execute(t.employees.insert().values(id="ann", name="Ann", email="ann@x.be", manager_id="mgr", team_id="team-a", roles=[1], active=True,
                                                       time_zone="UTC", coach_id=None, version=1, updated_at=now))
        # As the old rule stored them: a manager's proposal, and one the owner has counter-proposed since.
        await conn.execute(t.goals.insert().values(id="by-mgr", proposed_by="mgr", counterpart_id="ann", awaiting_from="ann", **common))
        await conn.execute(t.goals.insert().values(id="countered", proposed_by="ann", counterpart_id="ann", awaiting_from="ann", **common))
        await conn.execute(t.goals.insert().values(id="own", proposed_by="ann", counterpart_id="mgr", awaiting_from="mgr", **common))
    await db.dispose()
    await asyncio.to_thread(command.upgrade, alembic_config(database_url, MIGRATIONS), "head")
    db = Database(database_url)
    async with db.read() as conn:
        rows = {r.id: (r.counterpart_id, r.awaiting_from) for r in (await conn.execute(t.goals.select())).all()}
    await db.dispose()
    assert rows == {"by-mgr": ("mgr", "ann"), "countered": ("mgr", "mgr"), "own": ("mgr", "mgr")}


async def test_an_hr_person_cannot_move_people_or_teams_into_their_own_scope(goals) -> None:
    _, org = goals
    hr2 = org_pb2.Employee(id="hr2", name="Hilde HR", email="hilde@paars.example", manager_id="boss", team_id="team-b", roles=[org_pb2.ROLE_HR], active=True)
    await org.ImportDirectory(org_pb2.ImportDirectoryRequest(employees=[hr2]), metadata=auth("hr1"))
    for change in (
        org_pb2.ImportDirectoryRequest(employees=[_as_in_directory("ann", team_id="team-b")]),
        org_pb2.ImportDirectoryRequest(teams=[org_pb2.Team(id="team-a", name="Team A", parent_team_id="team-b", manager_id="mgr")]),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await org.ImportDirectory(change, metadata=auth("hr2"))
        assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED and "into your own HR scope" in (err.value.details() or "")
    # hr1 (the root team) has everyone in scope already: moving Ann gives hr1 nothing new.
    moved = await org.ImportDirectory(org_pb2.ImportDirectoryRequest(employees=[_as_in_directory("ann", team_id="team-b")]), metadata=auth("hr1"))
    assert moved.employees_updated == 1
