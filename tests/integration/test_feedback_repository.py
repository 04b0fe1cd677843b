"""The feedback service's repositories and unit of work as one behavioural suite: the repository tests run on
the in-memory fakes the handler tests use, on SQLite and on PostgreSQL (so a fake cannot promise what the SQL
does not keep); the transaction, outbox and idempotency tests on SQLite and PostgreSQL."""
from __future__ import annotations

import dataclasses
import datetime as dt
import pathlib
from collections.abc import AsyncIterator, Iterator

import pytest
import sqlalchemy as sa

from paars.common.v1 import event_pb2
from paars.feedback.v1 import feedback_pb2 as pb
from paars_feedback.adapters import tables as t
from paars_feedback.adapters.protobuf import declined_to_proto
from paars_feedback.adapters.repository import feedback_from_row
from paars_feedback.adapters.sql_unit_of_work import SqlUnitOfWork
from paars_feedback.bootstrap import MIGRATIONS
from paars_feedback.domain.feedback import ActionItem, Example, Feedback, FeedbackGiven, FeedbackRequest
from paars_feedback.service_layer.commands import RequestKey
from paars_feedback.service_layer.unit_of_work import UnitOfWork
from paars_platform.db import Database, migrate
from paars_platform.errors import InvalidArgument
from tests.conftest import create_pg_database, drop_pg_database
from tests.unit.feedback_fakes import FakeService, FakeUnitOfWork, Person, Store

NOW = dt.datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=dt.UTC)


def an_item(item_id: str, giver: str = "ann", receiver: str = "bob", at: dt.datetime = NOW, **kw: object) -> Feedback:
    values: dict[str, object] = dict(
        id=item_id, giver_id=giver, receiver_id=receiver, kind=pb.FEEDBACK_KIND_CONSTRUCTIVE, relation=pb.RELATION_PEER,
        setting=pb.FEEDBACK_SETTING_INFORMAL, text="The demo ran long.", examples=(Example("Friday demo", "20 minutes over", "no questions"),),
        visibility=event_pb2.VISIBILITY_RECEIVER_AND_MANAGER, goal_ids=("g1",), tags=("demo",), moment_at=at - dt.timedelta(hours=2), given_at=at,
        request_id="r1",
    )
    values.update(kw)
    return Feedback(**values)  # type: ignore[arg-type]


def a_request(request_id: str, token: str | None = None) -> FeedbackRequest:
    return FakeService().request(request_id, recipient=None if token else "bob", token_hash=token, expires_at=NOW + dt.timedelta(days=3))


class Backend:
    """Fresh units of work over one store (the fakes' memory, or a migrated database), and a way to seed it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.store = Store()
        self.db: Database | None = None

    async def start(self) -> None:
        if self.url != "fake":
            await migrate(self.url, MIGRATIONS)
            self.db = Database(self.url)

    def uow(self) -> UnitOfWork:
        if self.db is None:
            return FakeUnitOfWork(self.store, lambda: NOW)
        return SqlUnitOfWork(self.db, lambda: NOW)

    async def person(self, employee_id: str, manager_id: str | None = None, *, active: bool = True) -> None:
        if self.db is None:
            self.store.people[employee_id] = Person(active, manager_id)
            return
        async with self.db.transaction() as conn:
            await conn.execute(t.people.insert().values(
                id=employee_id, name=employee_id, manager_id=manager_id, team_id=None, roles=["employee"], active=active,
                directory_coach_id=None, version=1, updated_at=NOW,
            ))

    async def request(self, request: FeedbackRequest) -> None:
        if self.db is None:
            self.store.requests[request.id] = request
            return
        async with self.db.transaction() as conn:
            await conn.execute(t.feedback_requests.insert().values(**dataclasses.asdict(request)))


@pytest.fixture(params=["fake", "sqlite", "postgresql"])
def backend_url(request: pytest.FixtureRequest, tmp_path: pathlib.Path) -> Iterator[str]:
    if request.param != "postgresql":
        yield "fake" if request.param == "fake" else f"sqlite+aiosqlite:///{tmp_path}/test.db"
        return
    url = create_pg_database()
    try:
        yield url
    finally:
        drop_pg_database(url)


@pytest.fixture
async def backend(backend_url: str) -> AsyncIterator[Backend]:
    b = Backend(backend_url)
    await b.start()
    try:
        yield b
    finally:
        if b.db is not None:
            await b.db.dispose()


@pytest.fixture
def sql_url(database_url: str) -> str:
    return database_url


LIMITS = [(2, NOW - dt.timedelta(minutes=1)), (3, NOW - dt.timedelta(days=1))]


async def test_an_unknown_receiver_is_none(backend: Backend) -> None:
    async with backend.uow() as uow:
        assert await uow.feedback.receiver("zed", "ann", LIMITS) is None


async def test_the_receiver_read_says_who_manages_whom_up_the_whole_chain(backend: Backend) -> None:
    for person, manager in (("boss", None), ("mgr", "boss"), ("ann", "mgr"), ("bob", "mgr")):
        await backend.person(person, manager)
    await backend.person("cas", "mgr", active=False)
    async with backend.uow() as uow:
        boss_to_ann = await uow.feedback.receiver("ann", "boss", LIMITS)
        ann_to_boss = await uow.feedback.receiver("boss", "ann", LIMITS)
        bob_to_ann = await uow.feedback.receiver("ann", "bob", LIMITS)
        to_cas = await uow.feedback.receiver("cas", "ann", LIMITS)
    assert boss_to_ann is not None and (boss_to_ann.active, boss_to_ann.giver_manages, boss_to_ann.receiver_manages) == (True, True, False)
    assert ann_to_boss is not None and (ann_to_boss.giver_manages, ann_to_boss.receiver_manages) == (False, True)
    assert bob_to_ann is not None and (bob_to_ann.giver_manages, bob_to_ann.receiver_manages) == (False, False)
    assert to_cas is not None and not to_cas.active


async def test_a_cycle_in_the_directory_ends_the_chain_and_nobody_manages_themselves(backend: Backend) -> None:
    await backend.person("a", "b")
    await backend.person("b", "a")
    await backend.person("c", "b")
    async with backend.uow() as uow:
        c_to_a = await uow.feedback.receiver("a", "c", LIMITS)
        a_to_c = await uow.feedback.receiver("c", "a", LIMITS)
        a_to_a = await uow.feedback.receiver("a", "a", LIMITS)
    assert c_to_a is not None and (c_to_a.giver_manages, c_to_a.receiver_manages) == (False, True)
    assert a_to_c is not None and a_to_c.giver_manages
    assert a_to_a is not None and (a_to_a.giver_manages, a_to_a.receiver_manages) == (False, False)


async def test_the_receiver_read_finds_the_givers_count_th_item_in_each_window(backend: Backend) -> None:
    await backend.person("bob")
    async with backend.uow() as uow:
        for i, ago in enumerate((dt.timedelta(seconds=10), dt.timedelta(seconds=20), dt.timedelta(hours=2))):
            await uow.feedback.add(an_item(f"f{i}", at=NOW - ago))
        await uow.feedback.add(an_item("other", giver="cas", at=NOW))
        await uow.commit()
    async with backend.uow() as uow:
        receiver = await uow.feedback.receiver("bob", "ann", LIMITS)
        fresh = await uow.feedback.receiver("bob", "dan", LIMITS)
    assert receiver is not None and receiver.oldest_in_window == (NOW - dt.timedelta(seconds=20), NOW - dt.timedelta(hours=2))
    assert fresh is not None and fresh.oldest_in_window == (None, None)


async def test_a_request_is_found_by_id_and_by_token_and_saved(backend: Backend) -> None:
    await backend.request(a_request("r1"))
    await backend.request(a_request("r2", token="ab" * 32))
    async with backend.uow() as uow:
        r1 = await uow.requests.get("r1")
        assert r1 is not None and r1 == a_request("r1")
        by_token = await uow.requests.by_token("ab" * 32)
        assert by_token is not None and by_token.id == "r2"
        assert await uow.requests.get("r9") is None and await uow.requests.by_token("cd" * 32) is None
        r1.answer(an_item("f1"), NOW)
        await uow.requests.save(r1)
        await uow.commit()
    async with backend.uow() as uow:
        saved = await uow.requests.get("r1")
    assert saved is not None and (saved.state, saved.answered_feedback_id, saved.updated_at) == (pb.FeedbackRequest.STATE_ANSWERED, "f1", NOW)


async def test_what_is_not_committed_is_not_kept(backend: Backend) -> None:
    await backend.person("bob")
    async with backend.uow() as uow:
        await uow.feedback.add(an_item("f1", at=NOW - dt.timedelta(seconds=1)))
        await uow.feedback.add(an_item("f2", at=NOW - dt.timedelta(seconds=2)))
    async with backend.uow() as uow:
        receiver = await uow.feedback.receiver("bob", "ann", LIMITS)
    assert receiver is not None and receiver.oldest_in_window == (None, None)


async def test_an_item_is_got_and_its_acknowledgement_saved(backend: Backend) -> None:
    item = an_item("f1")
    async with backend.uow() as uow:
        await uow.feedback.add(item)
        await uow.commit()
    async with backend.uow() as uow:
        got = await uow.feedback.get("f1", for_update=True)
        assert got == item and await uow.feedback.get("f9") is None
        action = ActionItem.from_feedback("a1", item, "", 0, dt.date(2026, 4, 1), NOW)
        await uow.action_items.add(action)
        await uow.feedback.save(item.acknowledge("bob", " Thanks ", "a1", NOW))
        await uow.commit()
    async with backend.uow() as uow:
        saved = await uow.feedback.get("f1")
    assert saved is not None and (saved.acknowledged_at, saved.acknowledgement_note, saved.action_item_id) == (NOW, "Thanks", "a1")
    assert saved.text == item.text and saved.examples == item.examples


# ---------- SQL only: the stored row, the outbox and the idempotency record ----------


@pytest.fixture
async def sql(sql_url: str) -> AsyncIterator[Backend]:
    b = Backend(sql_url)
    await b.start()
    try:
        yield b
    finally:
        assert b.db is not None
        await b.db.dispose()


async def test_an_item_reads_back_as_it_was_written(sql: Backend) -> None:
    item = an_item("f1", acknowledged_at=None)
    async with sql.uow() as uow:
        await uow.feedback.add(item)
        await uow.feedback.record_read("bob", "f1", "paars-feedback-events", "system", "event", NOW)
        await uow.commit()
    assert sql.db is not None
    async with sql.db.read() as conn:
        row = (await conn.execute(sa.select(t.feedback))).one()
        read = (await conn.execute(sa.select(t.content_reads))).one()
    assert feedback_from_row(row) == item
    assert (read.subject_id, read.item_id, read.reader_id, read.reader_role, read.path, read.read_at) == ("bob", "f1", "paars-feedback-events", "system", "event", NOW)


async def test_the_events_and_the_answer_commit_with_the_change(sql: Backend) -> None:
    item = an_item("f1")
    key = RequestKey("k1", "fingerprint")
    async with sql.uow() as uow:
        await uow.feedback.add(item)
        uow.add_events(FeedbackGiven(item, NOW))
        await uow.remember("ann", "GiveFeedback", key, item)
        assert await uow.commit() == [FeedbackGiven(item, NOW)]
    assert sql.db is not None
    async with sql.db.read() as conn:
        [row] = (await conn.execute(sa.select(t.platform["outbox"]))).all()
    given = pb.FeedbackGiven.FromString(row.payload)
    assert (row.topic, bytes(row.record_key), given.feedback_id, given.receiver_id) == ("feedback.feedback-given.v1", b"bob", "f1", "bob")
    async with sql.uow() as uow:
        assert await uow.recall("ann", "GiveFeedback", key, Feedback) == item
        assert await uow.recall("bob", "GiveFeedback", key, Feedback) is None
        with pytest.raises(InvalidArgument, match="different request"):
            await uow.recall("ann", "GiveFeedback", RequestKey("k1", "other"), Feedback)


async def test_a_second_answer_for_the_same_key_is_not_kept_and_the_first_comes_back(sql: Backend) -> None:
    key = RequestKey("k1", "fingerprint")
    first = an_item("f1")
    async with sql.uow() as uow:
        assert await uow.remember("ann", "GiveFeedback", key, first) is None
        await uow.commit()
    async with sql.uow() as uow:
        assert await uow.remember("ann", "GiveFeedback", key, an_item("f2")) == first
        with pytest.raises(InvalidArgument, match="different request"):
            await uow.remember("ann", "GiveFeedback", RequestKey("k1", "other"), an_item("f3"))


async def test_a_declined_request_is_answered_again_as_it_was_shown(sql: Backend) -> None:
    declined = a_request("r1")
    declined.decline(" busy ", NOW)
    key = RequestKey("k1", "fingerprint")
    async with sql.uow() as uow:
        assert await uow.remember("bob", "DeclineFeedbackRequest", key, declined) is None
        await uow.commit()
    async with sql.uow() as uow:
        again = await uow.recall("bob", "DeclineFeedbackRequest", key, FeedbackRequest)
    assert again is not None and declined_to_proto(again) == declined_to_proto(declined)
    assert again.state == pb.FeedbackRequest.STATE_DECLINED and again.decline_reason == "busy"
