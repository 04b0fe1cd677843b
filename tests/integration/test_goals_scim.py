"""SCIM provisioning's use cases on the goals database, SQLite and PostgreSQL: a write stores the resource,
changes the directory and leaves its org.* event in the outbox in one transaction, or does none of it."""
from __future__ import annotations

import datetime as dt
import pathlib
from collections.abc import AsyncIterator, Iterator

import pytest
import sqlalchemy as sa

from paars.org.v1 import org_pb2
from paars_goals.adapters import tables as t
from paars_goals.adapters.sql_unit_of_work import SqlUnitOfWork
from paars_goals.bootstrap import MIGRATIONS
from paars_goals.domain.scim import ENTERPRISE, GROUP, USER
from paars_goals.service_layer import commands as c
from paars_goals.service_layer.org_handlers import import_directory
from paars_goals.service_layer.scim_handlers import SCIM_CALLER, Provisioning
from paars_platform.db import Database
from paars_platform.errors import AlreadyExists, InvalidArgument, NotFound, StaleVersion
from tests.conftest import create_pg_database, drop_pg_database
from tests.helpers import migrated

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
PROVISIONING = Provisioning({"paars hr": org_pb2.ROLE_HR})


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: pathlib.Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/scim.db"
        return
    url = create_pg_database()
    try:
        yield url
    finally:
        drop_pg_database(url)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    async with migrated(database_url, MIGRATIONS) as database:
        yield database


def uow(db: Database, *, read_only: bool = False) -> SqlUnitOfWork:
    return SqlUnitOfWork(db, lambda: NOW, read_only=read_only)


async def write(db: Database, action) -> object:  # type: ignore[no-untyped-def]
    async with uow(db) as unit:
        outcome = await action(unit)
        await unit.commit()
    return outcome


async def outbox_count(db: Database) -> int:
    async with db.engine.connect() as conn:
        return int((await conn.execute(sa.select(sa.func.count()).select_from(t.platform["outbox"]))).scalar_one())


async def test_a_user_group_and_deactivation_change_the_directory_with_their_events(db: Database) -> None:
    await write(db, lambda u: PROVISIONING.create(u, USER, {
        "userName": "boss", "displayName": "The Boss", "emails": [{"value": "boss@x.be"}], ENTERPRISE: {"department": "Finance"},
    }))
    outcome = await write(db, lambda u: PROVISIONING.create(u, USER, {
        "userName": "ann", "emails": [{"value": "Ann@X.be", "primary": True}], ENTERPRISE: {"manager": {"value": "boss"}, "department": "finance"},
    }))
    assert outcome.changed_people == ("ann",)  # type: ignore[attr-defined]
    async with uow(db, read_only=True) as unit:
        ann, boss = await unit.directory.employee("ann"), await unit.directory.employee("boss")
        teams = await unit.directory.teams()
    assert ann is not None and boss is not None
    assert (ann.email, ann.manager_id, ann.team_id, ann.active, ann.roles) == ("ann@x.be", "boss", boss.team_id, True, (org_pb2.ROLE_EMPLOYEE,))
    assert [(team.id, team.name) for team in teams] == [("dept-finance", "Finance")]  # one team for the department, any case
    events = await outbox_count(db)

    await write(db, lambda u: PROVISIONING.create(u, GROUP, {"displayName": "Paars HR", "members": [{"value": "ann"}]}))
    async with uow(db, read_only=True) as unit:
        assert set((await unit.directory.employee("ann")).roles) == {org_pb2.ROLE_EMPLOYEE, org_pb2.ROLE_HR}  # type: ignore[union-attr]
    await write(db, lambda u: PROVISIONING.delete(u, USER, "ann"))
    async with uow(db, read_only=True) as unit:
        gone = await unit.directory.employee("ann")
        [group] = await unit.scim.all(GROUP)
        assert await unit.scim.get(USER, "ann") is None
    assert gone is not None and gone.active is False
    assert group.body["members"] == [] and group.version == 2
    assert await outbox_count(db) == events + 2  # the role change, then the deactivation


async def test_a_refused_write_leaves_neither_resource_nor_directory_change_nor_event(db: Database) -> None:
    await write(db, lambda u: PROVISIONING.create(u, USER, {"userName": "ann"}))
    events = await outbox_count(db)
    with pytest.raises(AlreadyExists):
        await write(db, lambda u: PROVISIONING.create(u, USER, {"userName": "ANN"}))
    with pytest.raises(InvalidArgument, match="emails"):
        await write(db, lambda u: PROVISIONING.create(u, USER, {"userName": "bob", "emails": [{"value": "not an address"}]}))
    with pytest.raises(InvalidArgument):
        await write(db, lambda u: PROVISIONING.create(u, USER, {"userName": "has space"}))
    with pytest.raises(InvalidArgument, match="members"):
        await write(db, lambda u: PROVISIONING.create(u, GROUP, {"displayName": "G", "members": [{"value": "nobody"}]}))
    # A manager cycle is the directory's rule, refused before anything is kept.
    await write(db, lambda u: PROVISIONING.replace(u, USER, "ann", {"userName": "ann", ENTERPRISE: {"manager": {"value": "cy"}}}))
    with pytest.raises(InvalidArgument, match="cycle"):
        await write(db, lambda u: PROVISIONING.create(u, USER, {"userName": "cy", ENTERPRISE: {"manager": {"value": "ann"}}}))
    with pytest.raises(StaleVersion):
        await write(db, lambda u: PROVISIONING.replace(u, USER, "ann", {"userName": "ann"}, expected_version=1))
    with pytest.raises(NotFound):
        await write(db, lambda u: PROVISIONING.delete(u, USER, "nobody"))
    async with uow(db, read_only=True) as unit:
        assert [u.id for u in await unit.scim.all(USER)] == ["ann"]
        assert {e.id for e in await unit.directory.employees()} == {"ann"}
    assert await outbox_count(db) == events


async def test_a_write_reads_only_those_it_concerns_and_still_finds_waiting_reports_long_cycles_and_named_teams(db: Database) -> None:
    """What the targeted reads of a write must still see: reports provisioned before their manager, a cycle several
    links long, a team a CSV import made under the department's name, a group's old and new members."""
    await write(db, lambda u: import_directory(c.ImportDirectory(
        caller=SCIM_CALLER, request=c.RequestKey(), teams=(c.TeamRecord("fin", "Finance", "", ""),), employees=(),
    ), u))
    # Two reports arrive before their manager, one before the manager's manager as well.
    for uid, manager in (("dee", "cat"), ("eve", "cat"), ("cat", "bea")):
        await write(db, lambda u, uid=uid, manager=manager: PROVISIONING.create(
            u, USER, {"userName": uid, ENTERPRISE: {"manager": {"value": manager}, "department": "finance"}},
        ))
    async with uow(db, read_only=True) as unit:
        assert [(await unit.directory.employee(x)).manager_id for x in ("dee", "eve", "cat")] == ["cat", "cat", None]  # type: ignore[union-attr]
    outcome = await write(db, lambda u: PROVISIONING.create(u, USER, {"userName": "bea", ENTERPRISE: {"department": "Finance"}}))
    assert outcome.changed_people == ("bea", "cat")  # type: ignore[attr-defined]
    async with uow(db, read_only=True) as unit:
        people = {e.id: e for e in await unit.directory.employees()}
        teams = await unit.directory.teams()
    assert {x: people[x].manager_id for x in people} == {"bea": None, "cat": "bea", "dee": "cat", "eve": "cat"}
    assert {people[x].team_id for x in people} == {"fin"} and [team.id for team in teams] == ["fin"]  # the import's team, by name

    # bea under dee closes bea -> dee -> cat -> bea: refused, three links away from the write.
    with pytest.raises(InvalidArgument, match="cycle"):
        await write(db, lambda u: PROVISIONING.replace(u, USER, "bea", {"userName": "bea", ENTERPRISE: {"manager": {"value": "dee"}}}))

    await write(db, lambda u: PROVISIONING.create(u, GROUP, {"displayName": "Paars HR", "members": [{"value": "dee"}, {"value": "eve"}]}))
    async with uow(db, read_only=True) as unit:
        [group] = await unit.scim.all(GROUP)
    events = await outbox_count(db)
    outcome = await write(db, lambda u: PROVISIONING.replace(u, GROUP, group.id, {"displayName": "Paars HR", "members": [{"value": "eve"}, {"value": "cat"}]}))
    assert sorted(outcome.changed_people) == ["cat", "dee"]  # type: ignore[attr-defined]  # eve stayed: not re-imported
    assert await outbox_count(db) == events + 2
    async with uow(db, read_only=True) as unit:
        roles = {x: set((await unit.directory.employee(x)).roles) for x in ("cat", "dee", "eve")}  # type: ignore[union-attr]
    assert roles == {"cat": {org_pb2.ROLE_EMPLOYEE, org_pb2.ROLE_HR}, "dee": {org_pb2.ROLE_EMPLOYEE}, "eve": {org_pb2.ROLE_EMPLOYEE, org_pb2.ROLE_HR}}
    # A group renamed out of the role mapping takes the role from all its members.
    outcome = await write(db, lambda u: PROVISIONING.replace(u, GROUP, group.id, {"displayName": "Readers", "members": [{"value": "eve"}, {"value": "cat"}]}))
    assert sorted(outcome.changed_people) == ["cat", "eve"]  # type: ignore[attr-defined]
