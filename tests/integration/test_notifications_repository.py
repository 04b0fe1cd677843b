"""The notifications service's repositories as one behavioural suite: the RPC repositories run on the in-memory
fakes the handler tests use, on SQLite and on PostgreSQL (so a fake cannot promise what the SQL does not keep);
the consumer's batch statements (adapters/prompt_repository.py) on SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt
import pathlib
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from paars.notifications.v1 import notifications_pb2 as pb
from paars_notifications.adapters import tables as t
from paars_notifications.adapters.prompt_repository import SqlPromptRepository
from paars_notifications.adapters.sql_unit_of_work import SqlUnitOfWork
from paars_notifications.bootstrap import MIGRATIONS
from paars_notifications.domain.batches import OpenQuery, Writes
from paars_notifications.domain.preferences import StoredPreferences
from paars_notifications.domain.subscriptions import Webhook
from paars_notifications.domain.visibility import Person
from paars_notifications.service_layer.unit_of_work import UnitOfWork
from paars_platform.db import Database, migrate
from tests.conftest import create_pg_database, drop_pg_database
from tests.helpers import StatementLog, migrated
from tests.unit.notifications_fakes import Clock, FakeUnitOfWork, Store

NOW = dt.datetime(2026, 12, 1, 9, 30, 15, 123456, tzinfo=dt.UTC)
Units = Callable[..., UnitOfWork]


@pytest.fixture(params=["fake", "sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: pathlib.Path) -> Iterator[str]:
    if request.param != "postgresql":
        yield "fake" if request.param == "fake" else f"sqlite+aiosqlite:///{tmp_path}/test.db"
        return
    url = create_pg_database()
    try:
        yield url
    finally:
        drop_pg_database(url)


class Seed:
    """Rows the RPCs read but do not write (prompts, cursors, people, deliveries): into the fake's store or the tables."""

    def __init__(self, store: Store | None, db: Database | None) -> None:
        self.store, self.db = store, db

    async def prompt(self, prompt_id: str, recipient: str, cursor: int | None, *, read: bool = False) -> None:
        row = dict(
            id=prompt_id, recipient_id=recipient, kind=pb.PROMPT_KIND_GIVE_FEEDBACK, priority=pb.PRIORITY_NORMAL, title=prompt_id, body="b",
            about_id="", ref_id="", cause_event_id=uuid.uuid4().hex, cause_type="t", cause_topic="goals.goal-updated.v1", cause_occurred_at=NOW,
            visibility=0, created_at=NOW, state="released" if cursor else "held", release_at=NOW, released_at=NOW if cursor else None,
            cursor=cursor, digest=False, budgeted=True, read=read, acted=False, acted_at=None, action_event_id=None, moment_id=None,
        )
        if self.store is not None:
            self.store.prompts[prompt_id] = row
            if cursor:
                self.store.cursors[recipient] = max(cursor, self.store.cursors.get(recipient, 0))
            return
        assert self.db is not None
        async with self.db.transaction() as conn:
            await conn.execute(t.prompts.insert().values(**row))
            if cursor:
                await conn.execute(sa.delete(t.recipient_cursors).where(t.recipient_cursors.c.recipient_id == recipient))
                await conn.execute(t.recipient_cursors.insert().values(recipient_id=recipient, last_cursor=cursor))

    async def person(self, person: Person) -> None:
        if self.store is not None:
            self.store.people[person.id] = person
            return
        assert self.db is not None
        async with self.db.transaction() as conn:
            await conn.execute(t.people.insert().values(
                id=person.id, name=person.name, email=person.email, manager_id=person.manager_id or None, time_zone=person.time_zone,
                hr=person.hr, roles=[], active=person.active, version=1,
            ))

    async def delivery(self, owner: str, state: str, minute: int, subscription: str | None) -> int:
        values = dict(
            owner_id=owner, state=state, channel=pb.CHANNEL_WEBHOOK, target="https://chat.example/w", event_type="prompt.sent", attempts=8,
            last_error="503", finished_at=NOW + dt.timedelta(minutes=minute), subscription_id=subscription, next_attempt_at=NOW,
        )
        if self.store is not None:
            delivery_id = len(self.store.deliveries) + 1
            self.store.deliveries[delivery_id] = values
            return delivery_id
        assert self.db is not None
        async with self.db.transaction() as conn:
            result = await conn.execute(t.deliveries.insert().values(
                delivery_key=uuid.uuid4().hex, kind=0, subject="", payload="{}", lease_until=None, created_at=NOW, **values,
            ).returning(t.deliveries.c.id))
            return int(result.scalar_one())

    async def state_of(self, delivery_id: int) -> tuple[str, int]:
        if self.store is not None:
            d = self.store.deliveries[delivery_id]
            return d["state"], d["attempts"]
        assert self.db is not None
        async with self.db.read() as conn:
            row = (await conn.execute(sa.select(t.deliveries).where(t.deliveries.c.id == delivery_id))).one()
        return row.state, row.attempts


@pytest.fixture
async def suite(backend: str) -> AsyncIterator[tuple[Units, Seed]]:
    if backend == "fake":
        store = Store()
        yield (lambda read_only=False: FakeUnitOfWork(store, Clock(NOW), read_only=read_only)), Seed(store, None)
        return
    await migrate(backend, MIGRATIONS)
    database = Database(backend)
    try:
        yield (lambda read_only=False: SqlUnitOfWork(database, lambda: NOW, read_only=read_only)), Seed(None, database)
    finally:
        await database.dispose()


async def test_a_page_of_prompts_is_the_recipients_released_ones_newest_first_with_the_latest_cursor(suite: tuple[Units, Seed]) -> None:
    units, seed = suite
    for prompt_id, cursor, read in (("a1", 1, False), ("a2", 2, True), ("a3", 3, False), ("held", None, False)):
        await seed.prompt(prompt_id, "ann", cursor, read=read)
    await seed.prompt("b1", "bob", 1)
    async with units(read_only=True) as uow:
        rows, latest = await uow.prompts.page("ann", unread_only=False, limit=50)
        assert ([r["id"] for r in rows], latest) == (["a3", "a2", "a1"], 3)
        rows, latest = await uow.prompts.page("ann", unread_only=True, limit=1)
        assert ([r["id"] for r in rows], latest) == (["a3"], 3)
        assert await uow.prompts.page("nobody", unread_only=False, limit=5) == ([], 0)
    async with units() as uow:
        assert await uow.prompts.mark_read("ann", ["a1", "a2", "b1"]) == 1
        await uow.commit()
    async with units(read_only=True) as uow:
        rows, _ = await uow.prompts.page("ann", unread_only=True, limit=50)
        assert [r["id"] for r in rows] == ["a3"]
        rows, _ = await uow.prompts.page("bob", unread_only=True, limit=50)
        assert [r["id"] for r in rows] == ["b1"]


async def test_preferences_read_back_as_saved_and_the_person_from_the_directory(suite: tuple[Units, Seed]) -> None:
    units, seed = suite
    await seed.person(Person("ann", "Ann Peeters", "ann@paars.example", time_zone="Europe/Brussels"))
    chosen = StoredPreferences(
        channels=(pb.CHANNEL_IN_APP, pb.CHANNEL_EMAIL), quiet_start="22:00", quiet_end="07:00", time_zone="", daily_digest=True,
        weekly_budget=12, email="", language="nl",
    )
    async with units() as uow:
        assert await uow.preferences.stored("ann") is None
        await uow.preferences.save("ann", chosen, NOW)
        await uow.commit()
    async with units() as uow:
        assert await uow.preferences.stored("ann") == chosen
        await uow.preferences.save("ann", StoredPreferences(channels=(pb.CHANNEL_IN_APP,), weekly_budget=5, language="en"), NOW)
        # Not committed: rolled back.
    async with units(read_only=True) as uow:
        assert await uow.preferences.stored("ann") == chosen
        person = await uow.preferences.person("ann")
        assert person is not None and (person.time_zone, person.email) == ("Europe/Brussels", "ann@paars.example")
        assert await uow.preferences.person("nobody") is None


async def test_webhooks_read_back_list_by_owner_oldest_first_and_end_with_their_pending_calls(suite: tuple[Units, Seed]) -> None:
    units, seed = suite

    def hook(hook_id: str, owner: str, minute: int) -> Webhook:
        return Webhook(
            hook_id, owner, f"https://chat.example/{hook_id}", ("prompt.sent",), pb.WebhookSubscription.FORMAT_CHAT_INCOMING_WEBHOOK,
            "whsec_x", owner == "root", True, NOW + dt.timedelta(minutes=minute),
        )

    async with units() as uow:
        for h in (hook("w2", "ann", 2), hook("w1", "ann", 1), hook("w3", "root", 3)):
            await uow.webhooks.add(h)
        await uow.commit()
    pending = await seed.delivery("ann", "pending", 0, "w1")
    dead = await seed.delivery("ann", "dead", 0, "w1")
    async with units() as uow:
        assert await uow.webhooks.get("w1") == hook("w1", "ann", 1)
        assert await uow.webhooks.get("nope") is None
        assert [h.id for h in await uow.webhooks.active("ann")] == ["w1", "w2"]
        assert [h.id for h in await uow.webhooks.active(None)] == ["w1", "w2", "w3"]
        w1 = await uow.webhooks.get("w1")
        assert w1 is not None
        await uow.webhooks.end(w1.deleted_by("ann", privileged=False))
        await uow.commit()
    async with units(read_only=True) as uow:
        assert [h.id for h in await uow.webhooks.active(None)] == ["w2", "w3"]
        ended = await uow.webhooks.get("w1")
        assert ended is not None and not ended.active
    assert await seed.state_of(pending) == ("cancelled", 8) and await seed.state_of(dead) == ("dead", 8)


async def test_dead_letters_list_latest_first_by_owner_and_a_retry_starts_from_the_first_attempt(suite: tuple[Units, Seed]) -> None:
    units, seed = suite
    first = await seed.delivery("ann", "dead", 1, None)
    latest = await seed.delivery("ann", "dead", 5, "w1")
    bobs = await seed.delivery("bob", "dead", 3, None)
    sent = await seed.delivery("ann", "sent", 9, None)
    async with units(read_only=True) as uow:
        assert [d.id for d in await uow.dead_letters.latest("ann", 10)] == [latest, first]
        assert [d.id for d in await uow.dead_letters.latest(None, 2)] == [latest, bobs]
        letter = await uow.dead_letters.get(latest)
        assert letter is not None and (letter.owner_id, letter.attempts, letter.subscription_id, letter.last_error) == ("ann", 8, "w1", "503")
        assert letter.failed_at == NOW + dt.timedelta(minutes=5)
        assert await uow.dead_letters.get(sent) is None, "a delivery that did not die is no dead letter"
    async with units() as uow:
        await uow.dead_letters.retry(latest, NOW)
        await uow.commit()
    assert await seed.state_of(latest) == ("pending", 0)


# ---------- the consumer's batch statements ----------


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    async with migrated(database_url, MIGRATIONS) as database:
        yield database


def draft_row(recipient: str, *, moment: str | None = None, cause: str | None = None, created: dt.datetime = NOW, budgeted: bool = True, **kw: Any) -> dict[str, Any]:
    row = dict(
        id=uuid.uuid4().hex, recipient_id=recipient, kind=pb.PROMPT_KIND_GIVE_FEEDBACK, priority=pb.PRIORITY_NORMAL, title="t", body="b",
        about_id="ann", ref_id="g1", cause_event_id=cause or uuid.uuid4().hex, cause_type="t", cause_topic="goals.goal-updated.v1",
        cause_occurred_at=created, visibility=0, created_at=created, state="released", release_at=created, released_at=None, cursor=None,
        digest=False, budgeted=budgeted, read=False, acted=False, acted_at=None, action_event_id=None, moment_id=moment, insight_kind=0, goal_id="",
    )
    row.update(kw)
    return row


async def test_a_batch_stores_its_prompts_once_per_moment_and_cause_and_says_which_went_in(db: Database) -> None:
    cause = uuid.uuid4().hex
    async with db.transaction() as conn:
        repo = SqlPromptRepository(conn)
        first = await repo.add([draft_row("mgr", moment="m1"), draft_row("boss", moment="m1", cause=cause)])
        assert len(first) == 2
        again = [draft_row("mgr", moment="m1"), draft_row("boss", cause=cause), draft_row("mgr", moment="m2"), draft_row("mgr", moment="m2")]
        stored = await repo.add(again)
        assert stored == {again[2]["id"]}, "the same moment, the same cause and kind, and a repeat within the statement: refused"
        assert await repo.add([]) == set()


async def test_a_held_prompt_gives_its_moment_to_another_in_one_unit_of_work_and_a_released_one_does_not(db: Database) -> None:
    held, shown = draft_row("mgr", moment="m1", state="held", budgeted=True), draft_row("mgr", moment="m2")
    async with db.transaction() as conn:
        repo = SqlPromptRepository(conn)
        await repo.add([held, shown])
        taker, refused = draft_row("mgr", moment="m1", priority=pb.PRIORITY_HIGH), draft_row("mgr", moment="m2", priority=pb.PRIORITY_HIGH)
        rivals = await repo.moment_rivals([taker, refused])
        assert sorted((r.id, r.moment_id, r.state) for r in rivals) == sorted([(held["id"], "m1", "held"), (shown["id"], "m2", "released")])
        assert await repo.take_moment(held["id"], taker)
        assert not await repo.take_moment(shown["id"], refused), "a released prompt keeps its moment"
        assert not await repo.take_moment(held["id"], draft_row("mgr", moment="m1")), "withdrawn already: nothing again"
    async with db.read() as conn:
        rows = {r.id: r for r in (await conn.execute(sa.select(t.prompts))).all()}
    assert (rows[held["id"]].state, rows[held["id"]].moment_id, rows[held["id"]].budgeted) == ("withdrawn", None, False)
    assert rows[taker["id"]].moment_id == "m1" and refused["id"] not in rows and rows[shown["id"]].state == "released"


async def test_cursors_are_taken_per_recipient_consecutively_in_one_statement(db: Database) -> None:
    async with db.transaction() as conn:
        repo = SqlPromptRepository(conn)
        assert await repo.take_cursors({"mgr": 2}) == {"mgr": 2}
        assert await repo.take_cursors({"mgr": 3, "boss": 1, "ann": 2}) == {"mgr": 5, "boss": 1, "ann": 2}
        assert await repo.take_cursors({}) == {}


async def test_one_read_gives_the_budget_spent_and_the_open_prompts_an_action_may_close(db: Database) -> None:
    week_ago = NOW - dt.timedelta(days=7)
    rows = [
        draft_row("mgr"), draft_row("mgr", created=NOW - dt.timedelta(days=2)), draft_row("mgr", budgeted=False),
        draft_row("mgr", created=week_ago - dt.timedelta(seconds=1)), draft_row("boss"),
        draft_row("mgr", about_id="bob", acted=True), draft_row("mgr", about_id="bob", state="dropped"), draft_row("mgr", about_id="bob", ref_id="g9"),
    ]
    async with db.transaction() as conn:
        repo = SqlPromptRepository(conn)
        assert len(await repo.add(rows)) == len(rows)
        query = OpenQuery(frozenset({"mgr"}), frozenset({pb.PROMPT_KIND_GIVE_FEEDBACK}), frozenset({"bob"}), frozenset(), NOW)
        spent, open_rows = await repo.budget_and_open({"mgr", "boss", "ann"}, week_ago, query)
        assert spent == {"mgr": 5, "boss": 1}, "budgeted, within the week (acted and dropped ones used their slot too)"
        assert [r.id for r in open_rows] == [rows[7]["id"]], "about bob, neither acted on nor dropped"
        assert await repo.budget_and_open({"mgr"}, week_ago, None) == ({"mgr": 5}, [])
        spent, open_rows = await repo.budget_and_open(set(), week_ago, query)
        assert spent == {} and [r.id for r in open_rows] == [rows[7]["id"]]
        assert await repo.budget_and_open(set(), week_ago, None) == ({}, [])


async def test_a_batchs_writes_go_in_one_statement_each_and_the_open_requests_end_as_the_events_left_them(db: Database) -> None:
    rows = [draft_row("mgr"), draft_row("mgr", state="held"), draft_row("boss")]

    def request(request_id: str) -> dict[str, Any]:
        return dict(request_id=request_id, requester_id="ann", subject_id="ann", recipient_id="mgr", due_date="", visibility=0, cause_occurred_at=NOW, reminded=False)

    async with db.transaction() as conn:
        repo = SqlPromptRepository(conn)
        await repo.add(rows)
        await repo.write(Writes(requests=[("kept", request("kept")), ("gone", request("gone"))]))
        writes = Writes(
            acted=[{"b_id": rows[0]["id"], "b_at": NOW, "b_action": "e9"}], dropped=[rows[1]["id"]],
            requests=[("gone", None), ("new", request("new")), ("new", None), ("back", None), ("back", request("back"))],
            released={"boss": [rows[2]["id"]]}, released_at=NOW,
        )
        assert await repo.write(writes) == {"boss": 1}, "the recipient's last cursor"
        got = {r.id: r for r in (await conn.execute(sa.select(t.prompts))).all()}
        requests = sorted((await conn.execute(sa.select(t.open_requests.c.request_id))).scalars())
    assert (got[rows[0]["id"]].acted, got[rows[0]["id"]].action_event_id) == (True, "e9")
    assert got[rows[1]["id"]].state == "dropped"
    assert (got[rows[2]["id"]].cursor, got[rows[2]["id"]].state) == (1, "released")
    assert requests == ["back", "kept"]


async def test_on_postgresql_the_consumers_statements_have_one_text_whatever_the_batchs_size(db: Database) -> None:
    """asyncpg's statement cache is keyed by a statement's text: the rows and lists go as arrays, so a connection
    prepares each statement of the consumer's path once, not again for every row count or list length."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the cache is asyncpg's; SQLite keeps its IN lists and VALUES rows")
    async def one_batch(n: int) -> list[str]:
        tag = uuid.uuid4().hex[:8]
        rows = [draft_row(f"{tag}-{i}") for i in range(n)]
        requests = [(f"{tag}-q{i}", dict(
            request_id=f"{tag}-q{i}", requester_id="ann", subject_id="ann", recipient_id="mgr", due_date="", visibility=0,
            cause_occurred_at=NOW, reminded=False,
        )) for i in range(n)]
        deliveries = [dict(
            delivery_key=f"{tag}-d{i}", channel=1, subscription_id=None, owner_id="mgr", target="https://example.org/hook",
            event_type="t", kind=0, subject="s", payload="{}", state="pending", attempts=0, next_attempt_at=NOW, lease_until=None,
            last_error="", created_at=NOW, finished_at=None,
        ) for i in range(n)]
        people = frozenset(r["recipient_id"] for r in rows)
        with StatementLog(db) as statements:
            async with db.transaction() as conn:
                repo = SqlPromptRepository(conn)
                assert len(await repo.add(rows)) == n
                query = OpenQuery(people, frozenset(range(1, n + 1)), people, people, NOW)
                await repo.budget_and_open(people, NOW - dt.timedelta(days=7), query)
                await repo.write(Writes(
                    dropped=[r["id"] for r in rows], requests=[*requests, *((f"{tag}-gone{i}", None) for i in range(n))], deliveries=deliveries,
                ))
        return statements.texts

    one, three = await one_batch(1), await one_batch(3)
    assert len(one) == 6, one  # the prompts, the read, the drops, the requests forgotten and kept, the deliveries
    assert three == one


async def test_a_batchs_releases_take_consecutive_cursors_and_its_events_keep_their_order(db: Database) -> None:
    """The cursors, the release marks and the outbox rows of a batch (one statement on PostgreSQL): each recipient's
    prompts get the cursors after their last one, in the order given, and the events go in as listed."""
    from paars_platform.events import new_metadata

    rows = [draft_row("mgr", state="held"), draft_row("mgr", state="held"), draft_row("boss", state="held"), draft_row("mgr", state="held")]
    events = [
        pb.PromptSent(metadata=new_metadata(producer="notifications", subject_id=r["recipient_id"], visibility=0), prompt_id=r["id"], recipient_id=r["recipient_id"])
        for r in rows
    ]
    async with db.transaction() as conn:
        repo = SqlPromptRepository(conn)
        await repo.add(rows)
        assert await repo.take_cursors({"mgr": 4}) == {"mgr": 4}
        lasts = await repo.write(Writes(released={"mgr": [rows[1]["id"], rows[0]["id"]], "boss": [rows[2]["id"]]}, released_at=NOW, events=events[:3]))
        assert lasts == {"mgr": 6, "boss": 1}
        assert await repo.write(Writes(released={"mgr": [rows[3]["id"]]}, released_at=NOW, events=events[3:])) == {"mgr": 7}
        assert await repo.write(Writes(events=[])) == {}
        got = {r.id: (r.state, r.cursor, r.released_at) for r in (await conn.execute(sa.select(t.prompts))).all()}
        sent = (await conn.execute(sa.select(t.platform["outbox"]).order_by(t.platform["outbox"].c.id))).all()
    assert [got[r["id"]] for r in rows] == [("released", 6, NOW), ("released", 5, NOW), ("released", 1, NOW), ("released", 7, NOW)]
    assert [s.event_id for s in sent] == [e.metadata.event_id for e in events], "in the order given"
    assert sent[0].topic == "notifications.prompt-sent.v1" and sent[0].record_key == b"mgr"
    assert dict(sent[0].headers)["ce_id"] == events[0].metadata.event_id


async def test_the_delivery_queue_leases_due_calls_once_and_records_each_outcome(db: Database) -> None:
    from paars_notifications.adapters.delivery_repository import SqlDeliveryQueue

    seed = Seed(None, db)
    due = await seed.delivery("ann", "pending", 0, None)
    later = await seed.delivery("ann", "pending", 0, None)
    async with db.transaction() as conn:
        await conn.execute(t.deliveries.update().where(t.deliveries.c.id == later).values(next_attempt_at=NOW + dt.timedelta(hours=1)))
    queue = SqlDeliveryQueue(db)
    assert await queue.next_due() == NOW
    [claimed] = await queue.claim(NOW, dt.timedelta(seconds=60), 50)
    assert claimed.id == due and claimed.subscription_active is None, "no subscription: an e-mail"
    assert await queue.claim(NOW, dt.timedelta(seconds=60), 50) == [], "leased: not claimed twice"
    assert await queue.next_due() == NOW + dt.timedelta(seconds=60), "due again when its lease ends"
    await queue.hand_back([due])
    assert [r.id for r in await queue.claim(NOW, dt.timedelta(seconds=60), 50)] == [due], "handed back: due at once"
    await queue.reschedule(due, attempts=1, error="x" * 600, at=NOW + dt.timedelta(minutes=5))
    assert await seed.state_of(due) == ("pending", 1)
    await queue.finish(due, state="dead", error="the endpoint failed", attempts=8, at=NOW)
    assert await seed.state_of(due) == ("dead", 8)
    await queue.postpone(later, NOW)
    assert [r.id for r in await queue.claim(NOW, dt.timedelta(seconds=60), 50)] == [later]


async def test_the_streams_read_the_latest_cursors_and_replay_in_cursor_order(db: Database) -> None:
    from paars_notifications.adapters.repository import SqlStreamReads

    seed = Seed(None, db)
    for prompt_id, cursor in (("a2", 2), ("a1", 1), ("a3", 3)):
        await seed.prompt(prompt_id, "ann", cursor)
    await seed.prompt("b1", "bob", 1)
    reads = SqlStreamReads(db)
    assert (await reads.last_cursor("ann"), await reads.last_cursor("nobody")) == (3, 0)
    assert await reads.cursors_of(["ann", "bob", "nobody"]) == {"ann": 3, "bob": 1}
    assert [r["id"] for r in await reads.replay("ann", 0, None, 200)] == ["a1", "a2", "a3"]
    assert [r["id"] for r in await reads.replay("ann", 1, 2, 200)] == ["a2"]
    assert [r["id"] for r in await reads.replay("ann", 0, None, 2)] == ["a1", "a2"], "a page at a time"
