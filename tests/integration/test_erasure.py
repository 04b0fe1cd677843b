"""Erasure (issue 18 item 4) on SQLite and PostgreSQL, on databases migrated as the services migrate them: goals
erases a person through its use case; feedback, notifications, story and conversations through their directory
consumer on CHANGE_ERASED. Every kind a service declares (adapters/person_data.KINDS) gets rows about the erased
person and about someone else; afterwards no row of any kind is about the person (deleted, or their id taken out
of what is someone else's too), what a legal hold names is kept with the reason, the other person's rows are all
there, the outbox rows keyed by the person are gone, one privileged action records it, and a second erasure
changes nothing."""
from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Awaitable, Callable
from types import ModuleType
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from paars.common.v1 import event_pb2
from paars.org.v1 import org_pb2
from paars_conversations.adapters import directory as conversations_directory
from paars_conversations.adapters import person_data as conversations_data
from paars_conversations.bootstrap import MIGRATIONS as CONVERSATIONS_MIGRATIONS
from paars_feedback.adapters import directory as feedback_directory
from paars_feedback.adapters import person_data as feedback_data
from paars_feedback.bootstrap import MIGRATIONS as FEEDBACK_MIGRATIONS
from paars_goals.adapters import person_data as goals_data
from paars_goals.adapters import tables as gt
from paars_goals.bootstrap import MIGRATIONS as GOALS_MIGRATIONS
from paars_goals.bootstrap import message_bus
from paars_goals.service_layer import commands as c
from paars_notifications.adapters import person_data as notifications_data
from paars_notifications.adapters.fanout import FanOut
from paars_notifications.bootstrap import MIGRATIONS as NOTIFICATIONS_MIGRATIONS
from paars_notifications.config import NotificationsConfig
from paars_notifications.service_layer.prompting import PromptService
from paars_platform import outbox
from paars_platform.auth import Identity
from paars_platform.db import Database, migrate
from paars_platform.erasure import ServiceErasure
from paars_platform.events import new_metadata
from paars_platform.personal_data import PersonalKind
from paars_story.adapters import directory as story_directory
from paars_story.adapters import person_data as story_data
from paars_story.bootstrap import MIGRATIONS as STORY_MIGRATIONS
from tests.integration.test_retention import row

NOW = dt.datetime(2030, 6, 1, 12, 0, tzinfo=dt.UTC)
HR = Identity("hr1", frozenset({"hr"}))
_numbers = itertools.count(1)
Apply = Callable[[AsyncConnection, org_pb2.EmployeeChanged], Awaitable[None]]


def _notifications_apply() -> Apply:
    service = PromptService(NotificationsConfig.from_env(), FanOut())
    return service.handle


SERVICES: dict[str, tuple[str, ModuleType, Callable[[], Apply] | None]] = {
    "goals": (GOALS_MIGRATIONS, goals_data, None),
    "feedback": (FEEDBACK_MIGRATIONS, feedback_data, lambda: feedback_directory.apply_employee_changed),
    "notifications": (NOTIFICATIONS_MIGRATIONS, notifications_data, _notifications_apply),
    "story": (STORY_MIGRATIONS, story_data, lambda: story_directory.apply_employee_changed),
    "conversations": (CONVERSATIONS_MIGRATIONS, conversations_data, lambda: conversations_directory.apply_employee_changed),
}


def _json_lists(kind: PersonalKind) -> set[str]:
    return set(kind.id_lists)


async def _seed(conn: AsyncConnection, kinds: tuple[PersonalKind, ...], person: str) -> None:
    """A row of every kind about the person (every person column theirs, every id list holding them and someone
    else), each row hanging on the rows of the same person inserted before it."""
    parents: dict[str, dict[str, Any]] = {}
    for kind in kinds:
        t = kind.table
        given: dict[str, Any] = {col: person for col in kind.person_columns}
        for col in kind.keep_for_others:
            given[col] = person
        for col in _json_lists(kind):
            given[col] = [person, "someone-else"]
        for column in t.primary_key.columns:
            if column.autoincrement is not True and column.type.python_type is int and column.name not in given:
                given[column.name] = next(_numbers)
        if t.name == "scim_resources":
            given["kind"] = "User"
        for column in t.c:
            for fk in column.foreign_keys:
                parent = parents.get(fk.column.table.name)
                if parent is not None:
                    given[column.name] = parent[fk.column.name]
        if t.name in ("employees", "people"):
            given.update(name=f"{person} Name", active=True, version=1, roles=[])
        values = row(t, NOW, **given)
        for column in t.c:
            length = getattr(column.type, "length", None)
            if isinstance(values.get(column.name), str) and length:
                values[column.name] = values[column.name][:length]
        if t.name in ("employees", "people") and t.name in parents:
            continue
        await conn.execute(t.insert(), [values])
        parents[t.name] = values


async def _about(db: Database, kinds: tuple[PersonalKind, ...], person: str) -> dict[str, int]:
    async with db.read() as conn:
        return {
            kind.name: int((await conn.execute(sa.select(sa.func.count()).select_from(kind.table).where(kind.rows_about(person)))).scalar_one())
            for kind in kinds if not kind.directory_record
        }


def _erased_event(person: str, *held: org_pb2.HeldOnErasure) -> org_pb2.EmployeeChanged:
    return org_pb2.EmployeeChanged(
        metadata=new_metadata(producer="goals", subject_id=person, visibility=event_pb2.VISIBILITY_INTERNAL, actor_id="hr1"),
        change=org_pb2.EmployeeChanged.CHANGE_ERASED, employee=org_pb2.Employee(id=person, version=2, active=False), held=list(held),
    )


async def _erase(service: str, db: Database, person: str, *held: org_pb2.HeldOnErasure) -> None:
    _, _, apply = SERVICES[service]
    if apply is None:
        bus = message_bus(db, clock=lambda: NOW)
        for h in held:
            await bus.handle(c.PlaceLegalHold(HR, c.RequestKey(), person_id=person, service=h.service, kind=h.kind, reason=h.reason))
        await bus.handle(c.ErasePerson(HR, c.RequestKey(), person_id=person, reason="ann asked to be forgotten (art. 17)"))
        return
    handler = apply()
    async with db.transaction() as conn:
        await handler(conn, _erased_event(person, *held))


async def _outbox_keyed(db: Database, table: sa.Table, person: str) -> list[str]:
    async with db.read() as conn:
        return [r.topic for r in await conn.execute(sa.select(table.c.topic).where(table.c.record_key == person.encode()))]


async def _erasures(db: Database, audit: sa.Table, person: str) -> list[dict[str, Any]]:
    async with db.read() as conn:
        return [dict(r) for r in (await conn.execute(sa.select(audit).where(audit.c.subject_id == person, audit.c.action == "erase"))).mappings()]


def _some_event(person: str) -> org_pb2.TeamChanged:
    return org_pb2.TeamChanged(
        metadata=new_metadata(producer="x", subject_id=person, visibility=event_pb2.VISIBILITY_INTERNAL), team=org_pb2.Team(id=f"team-of-{person}", name="T"),
    )


@pytest.fixture
async def service_db(request: pytest.FixtureRequest, database_url: str) -> Any:
    service = request.param
    migrations, data, _ = SERVICES[service]
    await migrate(database_url, migrations)
    db = Database(database_url)
    kinds: tuple[PersonalKind, ...] = data.KINDS
    store = data.store(db)
    async with db.transaction() as conn:
        for person in ("ann", "bob"):
            await _seed(conn, kinds, person)
            await outbox.append(conn, store.outbox, _some_event(person))
    try:
        yield service, db, kinds, store
    finally:
        await db.dispose()


@pytest.mark.parametrize("service_db", list(SERVICES), indirect=True)
async def test_after_erasure_no_row_of_any_kind_is_about_the_person_and_the_others_rows_stay(service_db: Any) -> None:
    service, db, kinds, store = service_db
    bob_before = await _about(db, kinds, "bob")
    assert all(bob_before.values()), bob_before
    assert all((await _about(db, kinds, "ann")).values())

    await _erase(service, db, "ann")

    assert await _about(db, kinds, "ann") == dict.fromkeys(bob_before, 0)
    assert await _about(db, kinds, "bob") == bob_before
    # The outbox keyed by ann: nothing, except (in goals) the erased record every service is told by.
    assert await _outbox_keyed(db, store.outbox, "ann") == (["org.employee-changed.v1"] if service == "goals" else [])
    assert await _outbox_keyed(db, store.outbox, "bob") != []
    [line] = await _erasures(db, store.audit, "ann")
    assert line["actor_id"] == ("hr1" if service == "goals" else "system:erasure")
    assert line["detail"]["kept"] == [] and line["detail"]["erased"]["events"] == 1
    directory = next(k for k in kinds if k.directory_record)
    async with db.read() as conn:
        record = (await conn.execute(sa.select(directory.table).where(directory.table.c.id == "ann"))).mappings().one()
    assert record["name"] == "" and not record["active"]
    # The JSON lists the person was in keep the others.
    for kind in kinds:
        for col in kind.id_lists:
            async with db.read() as conn:
                lists = [r[0] for r in await conn.execute(sa.select(kind.table.c[col]))]
            assert ["someone-else"] in lists and not any("ann" in (ids or []) for ids in lists), (kind.name, lists)
    # Where the row was someone else's too, it stays without the person's id.
    kept_for_others = [k for k in kinds if k.keep_for_others]
    if kept_for_others:
        kind = kept_for_others[0]
        async with db.read() as conn:
            ids = {r[0] for r in await conn.execute(sa.select(kind.table.c[kind.keep_for_others[0]]))}
        assert "ann" not in ids

    await _erase(service, db, "ann")
    assert len(await _erasures(db, store.audit, "ann")) == 1


async def test_feedback_keeps_what_a_legal_hold_names_with_the_reason(database_url: str) -> None:
    await migrate(database_url, FEEDBACK_MIGRATIONS)
    db = Database(database_url)
    try:
        store = feedback_data.store(db)
        async with db.transaction() as conn:
            await _seed(conn, feedback_data.KINDS, "ann")
        await _erase("feedback", db, "ann", org_pb2.HeldOnErasure(service="feedback", kind="reviews", reason="signed review under dispute", hold_id="h1"))
        left = await _about(db, feedback_data.KINDS, "ann")
        assert left.pop("reviews") == 1 and not any(left.values()), left
        [line] = await _erasures(db, store.audit, "ann")
        assert line["detail"]["kept"] == [{"kind": "reviews", "reason": "signed review under dispute", "rows": 1}]
        assert "reviews" not in line["detail"]["erased"]
    finally:
        await db.dispose()


async def test_an_erasure_rolled_back_counts_nothing_and_the_one_committed_counts_once(database_url: str) -> None:
    # The erasure metrics count what committed (db.after_commit): a consumer's transaction that fails after the
    # erasure is applied again, and counted again, by the inbox.
    from prometheus_client import REGISTRY

    def erasures() -> float:
        return REGISTRY.get_sample_value("paars_erasures_total", {"service": "feedback"}) or 0.0

    await migrate(database_url, FEEDBACK_MIGRATIONS)
    db = Database(database_url)
    try:
        async with db.transaction() as conn:
            await _seed(conn, feedback_data.KINDS, "ann")
        before = erasures()
        handler = SERVICES["feedback"][2]
        assert handler is not None
        with pytest.raises(RuntimeError):
            async with db.transaction() as conn:
                await handler()(conn, _erased_event("ann"))
                raise RuntimeError("after the erasure, before the commit")
        assert erasures() == before and all((await _about(db, feedback_data.KINDS, "ann")).values())
        await _erase("feedback", db, "ann")
        assert erasures() == before + 1 and not any((await _about(db, feedback_data.KINDS, "ann")).values())
    finally:
        await db.dispose()


async def test_goals_erases_through_its_use_case_keeps_a_held_kind_and_tells_every_service(database_url: str) -> None:
    await migrate(database_url, GOALS_MIGRATIONS)
    db = Database(database_url)
    try:
        async with db.transaction() as conn:
            await _seed(conn, goals_data.KINDS, "ann")
        await _erase("goals", db, "ann", org_pb2.HeldOnErasure(service="goals", kind="goals", reason="the goal is evidence in a dispute"))
        left = await _about(db, goals_data.KINDS, "ann")
        assert left["goals"] == 1 and left["provisioning"] == 0
        async with db.read() as conn:
            employee = (await conn.execute(sa.select(gt.employees).where(gt.employees.c.id == "ann"))).mappings().one()
            [payload] = [r.payload for r in await conn.execute(sa.select(gt.platform["outbox"].c.payload).where(gt.platform["outbox"].c.record_key == b"ann"))]
        assert employee["erased_at"] is not None and employee["email"] == "" and employee["version"] == 2
        event = org_pb2.EmployeeChanged.FromString(payload)
        assert event.change == org_pb2.EmployeeChanged.CHANGE_ERASED and not event.employee.name and not event.employee.email
        assert [(h.service, h.kind, h.reason) for h in event.held] == [("goals", "goals", "the goal is evidence in a dispute")]
        s = goals_data.store(db)
        status = (await ServiceErasure("goals", s.kinds, s.outbox, s.audit).status(db, HR, "ann")).to_proto()
        assert status.state == status.STATE_ERASED and [(k.kind, k.rows) for k in status.kept] == [("goals", 1)]
        assert status.erased["provisioning"] == 1
    finally:
        await db.dispose()
