"""The goals service's repositories and unit of work as one behavioural suite: the repository tests run on
the in-memory fakes the handler tests use, on SQLite and on PostgreSQL (so a fake cannot promise what the
SQL does not keep); the transaction, outbox and idempotency tests on SQLite and PostgreSQL."""
from __future__ import annotations

import dataclasses
import datetime as dt
import pathlib
from collections.abc import AsyncIterator, Callable, Iterator

import pytest
import sqlalchemy as sa

from paars.goals.v1 import goals_pb2 as pb
from paars.org.v1 import org_pb2
from paars_goals.adapters import tables as t
from paars_goals.adapters.sql_unit_of_work import SqlUnitOfWork
from paars_goals.bootstrap import MIGRATIONS
from paars_goals.domain.goals import CheckIn, Comment, FieldChange, Goal, GoalUpdated, GoalView, KeyResult
from paars_goals.domain.org import Employee, EmployeeChanged, ImportCounts, Team
from paars_goals.service_layer.commands import RequestKey
from paars_goals.service_layer.unit_of_work import UnitOfWork
from paars_platform.db import Database, migrate
from paars_platform.errors import InvalidArgument, StaleVersion
from tests.conftest import create_pg_database, drop_pg_database
from tests.helpers import migrated
from tests.unit.goals_fakes import Clock, FakeUnitOfWork, Store

NOW = dt.datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=dt.UTC)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    async with migrated(database_url, MIGRATIONS) as database:
        yield database


def uow(db: Database, *, read_only: bool = False) -> SqlUnitOfWork:
    return SqlUnitOfWork(db, lambda: NOW, read_only=read_only)


Units = Callable[..., UnitOfWork]


@pytest.fixture(params=["fake", "sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: pathlib.Path) -> Iterator[str]:
    """"fake", or the URL of a fresh SQLite file or PostgreSQL database."""
    if request.param != "postgresql":
        yield "fake" if request.param == "fake" else f"sqlite+aiosqlite:///{tmp_path}/test.db"
        return
    url = create_pg_database()
    try:
        yield url
    finally:
        drop_pg_database(url)


@pytest.fixture
async def units(backend: str) -> AsyncIterator[Units]:
    """Fresh units of work over one store: the fakes' memory, or the migrated database."""
    if backend == "fake":
        store = Store()
        yield lambda read_only=False: FakeUnitOfWork(store, Clock(NOW), read_only=read_only)
        return
    await migrate(backend, MIGRATIONS)
    database = Database(backend)
    try:
        yield lambda read_only=False: uow(database, read_only=read_only)
    finally:
        await database.dispose()


def a_goal(goal_id: str, *, parent: str | None = None, agreement: int = pb.AGREEMENT_STATE_AGREED, at: dt.datetime = NOW, **kw: object) -> Goal:
    values: dict[str, object] = dict(
        id=goal_id, kind=pb.GOAL_KIND_DEVELOPMENT, level=pb.GOAL_LEVEL_INDIVIDUAL, title="Present at the guild", description="Twice",
        owner_id="ann", team_id="team-a", parent_goal_id=parent, weight=1.5,
        key_results=[KeyResult("talks", "talks given", 0.0, 4.0, 1.5, "talks"), KeyResult("posts", "posts", 10.0, 2.0, 10.0, "")],
        start_date=dt.date(2026, 1, 1), due_date=dt.date(2026, 12, 31), agreement=agreement, closed_status=None,
        proposed_by="ann", counterpart_id="mgr", awaiting_from=None, confidence=3, last_check_in_at=None, version=1,
        created_at=at, updated_at=at,
    )
    values.update(kw)
    return Goal(**values)  # type: ignore[arg-type]


async def test_a_goal_reads_back_as_written_and_each_save_is_the_next_version(units: Units) -> None:
    goal = a_goal("g1", last_check_in_at=NOW)
    async with units() as work:
        await work.goals.add(goal)
        await work.commit()
    async with units(read_only=True) as reading:
        assert await reading.goals.get("g1") == goal
        assert await reading.goals.get("nope") is None
    async with units() as work:
        stored = await work.goals.get("g1", for_update=True)
        assert stored is not None
        stored.title, stored.confidence, stored.closed_status = "Present twice", 5, pb.GOAL_STATUS_DONE
        stored.story_keys = ("theme.clients", "value.openness")  # a counter-proposal changes them
        await work.goals.save(stored)
        await work.commit()
    assert stored.version == 2
    async with units() as work:
        stale = a_goal("g1")  # still at version 1
        with pytest.raises(StaleVersion):
            await work.goals.save(stale)
    async with units(read_only=True) as reading:
        now = await reading.goals.get("g1")
        assert now is not None and (now.title, now.confidence, now.closed_status, now.version) == ("Present twice", 5, pb.GOAL_STATUS_DONE, 2)
        assert now.story_keys == ("theme.clients", "value.openness")


async def test_children_lists_and_team_goals_are_the_ones_each_query_names_oldest_first(units: Units) -> None:
    def minute(n: int) -> dt.datetime:
        return NOW + dt.timedelta(minutes=n)

    async with units() as work:
        await work.goals.add(a_goal("parent", level=pb.GOAL_LEVEL_TEAM, owner_id="mgr"))
        await work.goals.add(a_goal("b-agreed", parent="parent", at=minute(3)))
        await work.goals.add(a_goal("a-proposed", parent="parent", agreement=pb.AGREEMENT_STATE_PROPOSED, at=minute(1)))
        await work.goals.add(a_goal("closed", parent="parent", agreement=pb.AGREEMENT_STATE_CLOSED, closed_status=pb.GOAL_STATUS_DROPPED, team_id=None, at=minute(2)))
        await work.commit()
    async with units(read_only=True) as reading:
        assert sorted(g.id for g in await reading.goals.children("parent")) == ["b-agreed", "closed"]
        below = await reading.goals.children_of(["parent", "b-agreed", "nope"])
        assert {k: sorted(g.id for g in v) for k, v in below.items()} == {"parent": ["b-agreed", "closed"], "b-agreed": [], "nope": []}
        assert [g.id for g in await reading.goals.owned_by("ann", include_all=False)] == ["b-agreed"]
        assert [g.id for g in await reading.goals.owned_by("ann", include_all=True)] == ["a-proposed", "closed", "b-agreed"]
        assert [g.id for g in await reading.goals.of_team("team-a")] == ["parent", "b-agreed"]


async def test_comments_and_check_ins_read_back_in_the_order_they_were_made(units: Units) -> None:
    first, second = Comment("c1", "g1", "ann", "Started", False, NOW), Comment("c2", "g1", "mgr", "Fewer", True, NOW + dt.timedelta(seconds=1))
    check_in = CheckIn("ci1", "g1", "ann", "Two talks", 4, (("talks", 2.0), ("posts", 8.5)), NOW)
    async with units() as work:
        await work.goals.add(a_goal("g1"))
        await work.goals.add_comment(second)
        await work.goals.add_comment(first)
        await work.goals.add_check_in(check_in)
        await work.commit()
    async with units(read_only=True) as reading:
        assert await reading.goals.comments("g1") == [first, second]
        assert await reading.goals.check_ins("g1") == [check_in]


async def test_the_directory_reads_back_filters_and_gives_the_org_view(units: Units) -> None:
    org, team_a = Team("org", "Paars NV", None, None, 1, NOW), Team("team-a", "Team A", "org", "mgr", 1, NOW)
    mgr = Employee("mgr", "Mo", "mo@paars.example", None, "team-a", (org_pb2.ROLE_MANAGER,), True, "UTC", None, 1, NOW)
    ann = Employee("ann", "Ann", "ann@paars.example", "mgr", "team-a", (org_pb2.ROLE_EMPLOYEE, org_pb2.ROLE_COACH), True, "Europe/Brussels", "mgr", 1, NOW)
    async with units() as work:
        for team in (org, team_a):
            await work.directory.add_team(team)
        for person in (mgr, ann):
            await work.directory.add_employee(person)
        await work.commit()
    moved = dataclasses.replace(ann, team_id=None, active=False, coach_id=None, version=2)
    async with units() as work:
        await work.directory.save_employee(moved)
        await work.directory.save_team(Team("team-a", "Team Alpha", "org", "mgr", 2, NOW))
        await work.commit()
    async with units(read_only=True) as reading:
        assert await reading.directory.employee("ann") == moved and await reading.directory.employee("x") is None
        assert (await reading.directory.team("team-a")) == Team("team-a", "Team Alpha", "org", "mgr", 2, NOW)
        assert [e.id for e in await reading.directory.employees()] == ["ann", "mgr"]
        assert [e.id for e in await reading.directory.employees(team_id="team-a")] == ["mgr"]
        assert [e.id for e in await reading.directory.employees(manager_id="mgr")] == ["ann"]
        assert [e.id for e in await reading.directory.employees(team_id="team-a", manager_id="mgr")] == []
        assert [t.id for t in await reading.directory.teams()] == ["org", "team-a"]
        view = await reading.directory.org()
        assert (dict(view.managers), dict(view.team_of), dict(view.parents)) == (
            {"ann": "mgr", "mgr": None}, {"ann": None, "mgr": "team-a"}, {"org": None, "team-a": "org"},
        )


async def _count(db: Database, table: sa.Table) -> int:
    async with db.read() as conn:
        return int((await conn.execute(sa.select(sa.func.count()).select_from(table))).scalar_one())


async def test_a_unit_of_work_commits_the_change_and_its_events_together_or_neither(db: Database) -> None:
    view = GoalView.of(a_goal("g1"), progress=0.375, today=NOW.date())
    event = GoalUpdated(view, "ann", (pb.GoalUpdated.CHANGE_PROPOSED,), (FieldChange("agreement", "", "AGREEMENT_STATE_AGREED"),), NOW)
    async with uow(db) as work:
        await work.goals.add(a_goal("g1"))
        work.add_events(event)
        # no commit(): nothing of it stays
    with pytest.raises(RuntimeError):
        async with uow(db) as work:
            await work.goals.add(a_goal("g1"))
            work.add_events(event)
            raise RuntimeError("the handler failed")
    assert await _count(db, t.goals) == 0 and await _count(db, t.platform["outbox"]) == 0
    employee = Employee("ann", "Ann", "ann@paars.example", None, None, (org_pb2.ROLE_EMPLOYEE,), True, "UTC", None, 1, NOW)
    async with uow(db) as work:
        await work.goals.add(a_goal("g1"))
        work.add_events(event, EmployeeChanged(employee, org_pb2.EmployeeChanged.CHANGE_CREATED, "hris", ()))
        await work.commit()
    async with db.read() as conn:
        rows = (await conn.execute(sa.select(t.platform["outbox"]).order_by(t.platform["outbox"].c.id))).all()
    assert [r.topic for r in rows] == ["goals.goal-updated.v1", "org.employee-changed.v1"]
    published = pb.GoalUpdated.FromString(rows[0].payload)
    assert published.goal.progress == 0.375 and published.goal.owner_id == "ann" and list(published.changes) == [pb.GoalUpdated.CHANGE_PROPOSED]


async def test_a_remembered_answer_is_recalled_for_the_same_request_only(db: Database) -> None:
    view = GoalView.of(a_goal("g1", last_check_in_at=NOW), progress=0.5, today=NOW.date())
    request = RequestKey("k1", "fingerprint-1")
    async with uow(db) as work:
        assert await work.recall("ann", "CheckIn", request, GoalView) is None
        await work.remember("ann", "CheckIn", request, view)
        await work.remember("ann", "ImportDirectory", RequestKey("k2", "f2"), ImportCounts(1, 0, 3, 0, 2))
        await work.commit()
    async with uow(db) as work:
        assert await work.recall("ann", "CheckIn", request, GoalView) == view
        assert await work.recall("ann", "ImportDirectory", RequestKey("k2", "f2"), ImportCounts) == ImportCounts(1, 0, 3, 0, 2)
        assert await work.recall("bob", "CheckIn", request, GoalView) is None
        with pytest.raises(InvalidArgument):
            await work.recall("ann", "CheckIn", RequestKey("k1", "another request"), GoalView)
        with pytest.raises(InvalidArgument):
            await work.recall("ann", "AgreeGoal", request, GoalView)
