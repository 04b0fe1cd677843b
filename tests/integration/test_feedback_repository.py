"""The feedback service's repositories and unit of work as one behavioural suite: the repository tests run on
the in-memory fakes the handler tests use, on SQLite and on PostgreSQL (so a fake cannot promise what the SQL
does not keep); the transaction, outbox and idempotency tests on SQLite and PostgreSQL."""
from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import pathlib
from collections.abc import AsyncIterator, Iterator

import pytest
import sqlalchemy as sa

from paars.common.v1 import event_pb2
from paars.feedback.v1 import feedback_pb2 as pb
from paars.story.v1 import story_pb2
from paars_feedback.adapters import story_catalogue
from paars_feedback.adapters import tables as t
from paars_feedback.adapters.protobuf import declined_to_proto
from paars_feedback.adapters.repository import feedback_from_row
from paars_feedback.adapters.sql_unit_of_work import SqlUnitOfWork
from paars_feedback.bootstrap import MIGRATIONS
from paars_feedback.domain.feedback import ActionItem, Example, Feedback, FeedbackGiven, FeedbackRequest, Invitation, ReadRecord, Referral
from paars_feedback.domain.feedback import Person as DirectoryPerson
from paars_feedback.domain.privacy import Reader, Ties
from paars_feedback.service_layer.commands import PageAfter, RequestKey
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

    async def person(self, employee_id: str, manager_id: str | None = None, *, active: bool = True, team_id: str | None = None) -> None:
        if self.db is None:
            self.store.people[employee_id] = Person(active, manager_id, team_id, employee_id.title())
            return
        async with self.db.transaction() as conn:
            await conn.execute(t.people.insert().values(
                id=employee_id, name=employee_id.title(), manager_id=manager_id, team_id=team_id, roles=["employee"], active=active,
                directory_coach_id=None, version=1, updated_at=NOW,
            ))

    async def team(self, team_id: str, parent_id: str | None = None) -> None:
        if self.db is None:
            self.store.teams[team_id] = parent_id
            return
        async with self.db.transaction() as conn:
            await conn.execute(t.teams.insert().values(id=team_id, name=team_id, parent_team_id=parent_id, manager_id=None, version=1, updated_at=NOW))

    async def invitation(self, invitation: Invitation, token_hash: str) -> None:
        if self.db is None:
            self.store.invitations[invitation.id] = invitation
            self.store.invitation_tokens[invitation.id] = token_hash
            return
        async with self.db.transaction() as conn:
            await conn.execute(t.reviews.insert().values(
                id=invitation.review_id, cycle_name="2026", subject_id=invitation.subject_id, opened_by=invitation.opened_by, manager_id=None,
                rater_groups=[], questions=[{"competency": c, "question": q} for c, q in invitation.questions], anonymity_threshold=3,
                due_date=invitation.due_date, state=pb.Review.STATE_CLOSED if invitation.review_closed else pb.Review.STATE_COLLECTING,
                created_at=NOW, updated_at=NOW,
            ))
            await conn.execute(t.review_invitations.insert().values(
                id=invitation.id, review_id=invitation.review_id, token_hash=token_hash, name="Chris", email="c@example.org",
                used_at=invitation.used_at, created_at=NOW, expires_at=invitation.expires_at, revoked_at=invitation.revoked_at,
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


async def test_the_directory_gives_people_and_the_readers_ties_to_them(backend: Backend) -> None:
    await backend.team("root")
    await backend.team("eng", "root")
    for person, manager, team in (("boss", None, "root"), ("mgr", "boss", "eng"), ("ann", "mgr", "eng"), ("hr", None, "root"), ("cas", None, None)):
        await backend.person(person, manager, team_id=team)
    async with backend.uow() as uow:
        await uow.coaches.assign("ann", "cas", "ann", NOW)
        await uow.coaches.share("ann", "feedback", "f1", NOW)
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.directory.person("ann") == DirectoryPerson("ann", "Ann", True)
        assert await uow.directory.person("zed") is None
        boss = await uow.directory.ties(Reader("boss"), "ann", author_id="boss")
        hr = await uow.directory.ties(Reader("hr", frozenset({"hr"})), "ann")
        coach = await uow.directory.ties(Reader("cas"), "ann", share=("feedback", "f1"))
        not_shared = await uow.directory.ties(Reader("cas"), "ann", share=("feedback", "f2"))
        system = await uow.directory.ties(Reader("paars", frozenset({"system"}), "system"), "ann")
    assert (boss.in_manager_chain, boss.is_author, boss.in_hr_scope) == (True, True, False)
    assert (hr.in_hr_scope, hr.in_manager_chain) == (True, False)
    assert (coach.is_coach, coach.shared_with_coach, not_shared.shared_with_coach) == (True, True, False)
    assert system == Ties()


async def test_requests_are_added_listed_and_the_overdue_ones_expired(backend: Backend) -> None:
    r1, r2, r3 = a_request("r1"), a_request("r2", token="ab" * 32), a_request("r3")
    r1.expires_at = NOW - dt.timedelta(hours=2)
    r2.expires_at = NOW - dt.timedelta(hours=1)
    r3.created_at = NOW
    async with backend.uow() as uow:
        for r in (r1, r2, r3):
            await uow.requests.add(r)
        await uow.commit()
    async with backend.uow() as uow:
        assert [r.id for r in await uow.requests.listed("", "", "ann", 10)][0] == "r3"
        assert {r.id for r in await uow.requests.listed("bob", "", "zed", 10)} == {"r1", "r3"}
        assert [r.id for r in await uow.requests.listed("", "ann", "zed", 1)] == ["r3"]
        assert [r.id for r in await uow.requests.overdue(NOW, None, 10)] == ["r1", "r2"]
        assert [r.id for r in await uow.requests.overdue(NOW, ["r2", "r3"], 10)] == ["r2"]
        await uow.requests.expire(["r1"], NOW)
        got = await uow.requests.get("r3")
        assert got is not None
        got.token_hash = "cd" * 32
        await uow.requests.save_token(got)
        await uow.commit()
    async with backend.uow() as uow:
        expired, reissued = await uow.requests.get("r1"), await uow.requests.by_token("cd" * 32)
        assert [r.id for r in await uow.requests.overdue(NOW, None, 10)] == ["r2"]
    assert expired is not None and (expired.state, expired.updated_at) == (pb.FeedbackRequest.STATE_EXPIRED, NOW)
    assert reissued is not None and reissued.id == "r3"


async def test_a_page_is_what_the_policy_lists_newest_first_after_the_cursor(backend: Backend) -> None:
    await backend.person("mgr")
    await backend.person("bob", "mgr")
    async with backend.uow() as uow:
        for i in range(4):
            await uow.feedback.add(an_item(f"f{i}", at=NOW - dt.timedelta(minutes=i)))
        await uow.feedback.add(an_item("private", at=NOW, visibility=event_pb2.VISIBILITY_PRIVATE))
        await uow.feedback.add(an_item("anon", at=NOW, visibility=event_pb2.VISIBILITY_ANONYMOUS_AGGREGATE))
        await uow.feedback.add(an_item("cas", giver="cas", at=NOW))
        await uow.coaches.share("bob", "feedback", "f1", NOW)
        await uow.commit()
    manager = Reader("mgr")
    async with backend.uow() as uow:
        ties = {"bob": await uow.directory.ties(manager, "bob")}
        page = await uow.feedback.page(manager, ties, with_giver=False, giver_id="", after=None, limit=3)
        after = await uow.feedback.page(manager, ties, with_giver=False, giver_id="ann", after=PageAfter(page[-1][0].given_at, page[-1][0].id), limit=10)
        own = await uow.feedback.page(Reader("ann"), {"bob": Ties()}, with_giver=True, giver_id="ann", after=None, limit=10)
        assert await uow.feedback.receivers_of("ann") == ["bob"]
    # Newest first, ties broken by id, descending; the private and the anonymous item are not listed to the manager.
    assert [(f.id, shared) for f, shared in page] == [("f0", False), ("cas", False), ("f1", True)]
    assert [f.id for f, _ in after] == ["f2", "f3"]
    assert {f.id for f, _ in own} == {"f0", "f1", "f2", "f3", "private", "anon"}
    assert page[0][0] == an_item("f0", at=NOW)


async def test_the_summary_groups_what_the_reader_may_count(backend: Backend) -> None:
    await backend.person("bob")
    async with backend.uow() as uow:
        await uow.feedback.add(an_item("f1"))
        await uow.feedback.add(an_item("f2", examples=(), acknowledged_at=NOW, kind=pb.FEEDBACK_KIND_PRAISE))
        await uow.feedback.add(an_item("f3", visibility=event_pb2.VISIBILITY_ANONYMOUS_AGGREGATE))
        await uow.feedback.add(an_item("f4", visibility=event_pb2.VISIBILITY_PRIVATE))
        await uow.commit()
    async with backend.uow() as uow:
        groups = await uow.feedback.summary("bob", Reader("bob"), await uow.directory.ties(Reader("bob"), "bob"))
        stranger = await uow.feedback.summary("bob", Reader("dan"), Ties())
    got = sorted((g.kind, g.visibility, g.has_example, g.acknowledged, g.count, round(g.hours, 6)) for g in groups)
    rm, anon, private = event_pb2.VISIBILITY_RECEIVER_AND_MANAGER, event_pb2.VISIBILITY_ANONYMOUS_AGGREGATE, event_pb2.VISIBILITY_PRIVATE
    assert got == sorted([
        (pb.FEEDBACK_KIND_CONSTRUCTIVE, rm, True, False, 1, 2.0), (pb.FEEDBACK_KIND_PRAISE, rm, False, True, 1, 2.0),
        (pb.FEEDBACK_KIND_CONSTRUCTIVE, anon, True, False, 1, 2.0), (pb.FEEDBACK_KIND_CONSTRUCTIVE, private, True, False, 1, 2.0),
    ])
    assert sum(g.count for g in stranger) < 4


async def test_the_read_audit_keeps_lines_and_gives_them_back_newest_first(backend: Backend) -> None:
    lines = [ReadRecord("bob", "mgr", "manager", f"f{i}", "ListFeedback", NOW) for i in range(3)]
    async with backend.uow() as uow:
        await uow.feedback.record_reads(lines[:2])
        await uow.feedback.record_reads(lines[2:])
        await uow.feedback.record_reads([])
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.feedback.reads_of("bob", 2) == [lines[2], lines[1]]
        assert await uow.feedback.reads_of("ann", 10) == []


async def test_coach_shares_and_owners(backend: Backend) -> None:
    async with backend.uow() as uow:
        await uow.feedback.add(an_item("f1", visibility=event_pb2.VISIBILITY_ANONYMOUS_AGGREGATE))
        await uow.coaches.share("bob", "feedback", "f1", NOW)
        await uow.coaches.share("bob", "action-plan", "bob", NOW)
        await uow.coaches.share("bob", "action-plan", "bob", NOW)
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.coaches.owner_of("feedback", "f1") == ("bob", event_pb2.VISIBILITY_ANONYMOUS_AGGREGATE)
        assert await uow.coaches.owner_of("review", "rv9") is None and await uow.coaches.owner_of("dialogue", "d9") is None
        assert await uow.coaches.shared("bob") == ["action-plan:bob", "feedback:f1"]
        await uow.coaches.unshare("bob", "feedback", "f1")
        assert await uow.coaches.shared("bob") == ["action-plan:bob"]
        await uow.coaches.assign("bob", "cas", "hr", NOW)
        assert await uow.coaches.shared("bob") == []
        await uow.commit()
    async with backend.uow() as uow:
        assert (await uow.directory.ties(Reader("cas"), "bob")).is_coach


async def test_referrals_are_kept_oldest_first(backend: Backend) -> None:
    first, second = Referral("x1", "bob", "mgr", "one", NOW - dt.timedelta(days=1)), Referral("x2", "bob", "hr", "", NOW)
    async with backend.uow() as uow:
        await uow.referrals.add(second)
        await uow.referrals.add(first)
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.referrals.of("bob") == [first, second] and await uow.referrals.of("ann") == []


async def test_a_referral_moves_through_its_states_under_a_lock(backend: Backend) -> None:
    raised = Referral("x3", "bob", "mgr", "drie", NOW - dt.timedelta(days=1))
    async with backend.uow() as uow:
        await uow.referrals.add(raised)
        await uow.commit()
    async with backend.uow() as uow:
        locked = await uow.referrals.get_for_update("x3")
        assert locked == raised and locked.state == pb.Referral.STATE_RAISED and locked.changed_at == raised.created_at
        assert await uow.referrals.get_for_update("x9") is None
        await uow.referrals.save(locked.acknowledge("hr", NOW))
        await uow.commit()
    async with backend.uow() as uow:
        acknowledged = await uow.referrals.get_for_update("x3")
        assert acknowledged is not None and (acknowledged.state, acknowledged.updated_at, acknowledged.handled_by, acknowledged.note) == (pb.Referral.STATE_ACKNOWLEDGED, NOW, "hr", "drie")
        await uow.referrals.save(acknowledged.close("hr", NOW + dt.timedelta(hours=1)))
        await uow.commit()
    async with backend.uow() as uow:
        [closed] = await uow.referrals.of("bob")
        assert (closed.state, closed.updated_at, closed.handled_by, closed.raised_by) == (pb.Referral.STATE_CLOSED, NOW + dt.timedelta(hours=1), "hr", "mgr")


async def test_an_invitation_is_found_by_id_and_token_and_its_revocation_saved(backend: Backend) -> None:
    invitation = Invitation(
        id="i1", review_id="rv1", subject_id="bob", opened_by="mgr", review_closed=False, questions=(("craft", "How is the craft?"),),
        due_date=NOW.date(), used_at=None, revoked_at=None, expires_at=NOW + dt.timedelta(days=1),
    )
    await backend.invitation(invitation, "ef" * 32)
    async with backend.uow() as uow:
        got = await uow.invitations.get("i1")
        assert got == invitation and await uow.invitations.by_token("ef" * 32) == invitation
        assert await uow.invitations.get("i9") is None and await uow.invitations.by_token("00" * 32) is None
        got.revoke(NOW)
        await uow.invitations.save(got)
        await uow.commit()
    async with backend.uow() as uow:
        saved = await uow.invitations.get("i1")
    assert saved is not None and saved.revoked_at == NOW and saved.link_state(NOW) == pb.LINK_STATE_REVOKED


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


def published(version: int, *values: str) -> story_pb2.StoryPublished:
    passages = [story_pb2.Passage(key="mission", kind=story_pb2.PASSAGE_KIND_MISSION, title=story_pb2.LocalizedText(nl="Missie", en="Mission"))]
    passages += [story_pb2.Passage(key=v, kind=story_pb2.PASSAGE_KIND_VALUE, title=story_pb2.LocalizedText(nl=v, en=v)) for v in values]
    return story_pb2.StoryPublished(story=story_pb2.StoryVersion(version=version, published=True, passages=passages))


async def test_the_value_catalogue_is_the_latest_published_versions_values(sql: Backend) -> None:
    assert sql.db is not None

    async def apply(event: story_pb2.StoryPublished) -> None:
        assert sql.db is not None
        async with sql.db.transaction() as conn:
            await story_catalogue.apply_story_published(conn, event)

    async def named(*keys: str) -> set[str]:
        async with sql.uow() as uow:
            return {k for k in keys if await uow.values.named(k)}

    keys = ("mission", "value.openness", "value.craft", "value.speed")
    assert await named(*keys) == set()
    await apply(published(2, "value.openness", "value.craft"))
    assert await named(*keys) == {"value.openness", "value.craft"}
    # An older version replayed (the topic is compacted, and may deliver late) changes nothing.
    await apply(published(1, "value.speed"))
    assert await named(*keys) == {"value.openness", "value.craft"}
    await apply(published(3, "value.craft", "value.speed"))
    assert await named(*keys) == {"value.craft", "value.speed"}
    await apply(published(3, "value.craft", "value.speed"))
    await apply(published(4))
    assert await named(*keys) == set()


async def test_an_item_keeps_the_value_it_names(sql: Backend) -> None:
    item = an_item("f1", value_key="value.openness")
    async with sql.uow() as uow:
        await uow.feedback.add(item)
        await uow.commit()
    async with sql.uow() as uow:
        assert await uow.feedback.get("f1") == item


async def test_concurrent_requests_with_one_key_keep_one_change_and_one_event(sql: Backend) -> None:
    """On PostgreSQL the change, its outbox row and the idempotency record are one statement: the one that
    loses the key writes nothing, and answers with the winner's answer."""
    key = RequestKey("k1", "fingerprint")

    async def attempt(item_id: str) -> Feedback | None:
        async with sql.uow() as uow:
            item = an_item(item_id)
            await uow.feedback.add(item)
            uow.add_events(FeedbackGiven(item, NOW))
            earlier = await uow.remember("ann", "GiveFeedback", key, item)
            if earlier is None:
                await uow.commit()
            assert earlier is None or isinstance(earlier, Feedback)
            return earlier

    answers = await asyncio.gather(*(attempt(f"f{i}") for i in range(4)))
    assert sql.db is not None
    async with sql.db.read() as conn:
        kept = [r.id for r in await conn.execute(sa.select(t.feedback.c.id))]
        events = (await conn.execute(sa.select(sa.func.count()).select_from(t.platform["outbox"]))).scalar()
    assert len(kept) == 1 and events == 1
    assert sorted(a.id if a is not None else "kept" for a in answers) == sorted(["kept"] + kept * 3)


async def test_what_waits_is_written_before_a_later_read_and_rolled_back_with_the_rest(sql: Backend) -> None:
    async with sql.uow() as uow:
        await uow.feedback.add(an_item("f1"))
        assert await uow.feedback.get("f1") == an_item("f1")
        assert await uow.feedback.receivers_of("ann") == ["bob"]
    async with sql.uow() as uow:
        assert await uow.feedback.get("f1") is None
        await uow.feedback.add(an_item("f2"))
        await uow.coaches.unshare("bob", "feedback", "f2")
        await uow.feedback.add(an_item("f3"))
        await uow.commit()
    async with sql.uow() as uow:
        assert await uow.feedback.receivers_of("ann") == ["bob"] and await uow.feedback.get("f3") is not None
