"""The notifications consumer takes a whole inbox batch: its statements do not grow with the batch, it decides
exactly what applying the same events one by one decides, and a poison event in a batch still leaves every
other event's prompts written once while it alone is dead-lettered. On SQLite and PostgreSQL."""
from __future__ import annotations

import asyncio
import datetime as dt
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import sqlalchemy as sa
from aiokafka.structs import ConsumerRecord

from paars.analytics.v1 import analytics_pb2 as an
from paars.common.v1 import event_pb2 as ev
from paars.feedback.v1 import feedback_pb2 as fb
from paars.goals.v1 import goals_pb2 as gl
from paars.org.v1 import org_pb2
from paars_notifications.adapters import tables as t
from paars_notifications.adapters.fanout import FanOut
from paars_notifications.bootstrap import GROUP_ID, MIGRATIONS
from paars_notifications.config import NotificationsConfig
from paars_notifications.domain import rules
from paars_notifications.service_layer.prompting import PromptService
from paars_platform.db import Database, migrate, utcnow
from paars_platform.events import header, new_metadata, to_record
from paars_platform.inbox import InboxClaim, InboxConsumer
from paars_platform.topics import topic_for_message
from tests.conftest import make_settings
from tests.helpers import StatementLog, migrated

CONFIG = NotificationsConfig()
MANAGERS = 4
REPORTS = 5


def employee(person: str, manager: str, *, version: int = 1, time_zone: str = "Europe/Brussels") -> org_pb2.EmployeeChanged:
    return org_pb2.EmployeeChanged(
        metadata=new_metadata(producer="goals", subject_id=person, visibility=ev.VISIBILITY_INTERNAL),
        change=org_pb2.EmployeeChanged.CHANGE_CREATED,
        employee=org_pb2.Employee(
            id=person, name=person.upper(), email=f"{person}@paars.example", manager_id=manager, active=True, version=version, time_zone=time_zone,
        ),
    )


def milestone(owner: str, goal: str = "", *, percent: int = 50, title: str = "Present at the guild", event_id: str | None = None) -> gl.GoalUpdated:
    return gl.GoalUpdated(
        metadata=new_metadata(producer="goals", subject_id=owner, visibility=ev.VISIBILITY_RECEIVER_AND_MANAGER, actor_id=owner, event_id=event_id),
        changes=[gl.GoalUpdated.CHANGE_PROGRESS], milestone_percent=percent, confidence=4,
        goal=gl.Goal(
            id=goal or uuid.uuid4().hex, title=title, owner_id=owner, agreement=gl.AGREEMENT_STATE_AGREED,
            status=gl.GOAL_STATUS_ON_TRACK, progress=percent / 100,
        ),
    )


def given(giver: str, receiver: str) -> fb.FeedbackGiven:
    return fb.FeedbackGiven(
        metadata=new_metadata(producer="feedback", subject_id=receiver, visibility=ev.VISIBILITY_RECEIVER_AND_MANAGER, actor_id=giver),
        feedback_id=uuid.uuid4().hex, giver_id=giver, receiver_id=receiver,
    )


def insight_on(milestone_event: gl.GoalUpdated, manager: str) -> an.InsightDetected:
    """analytics' moment for feedback about the same milestone: the manager gets one prompt for the moment."""
    owner = milestone_event.goal.owner_id
    return an.InsightDetected(
        metadata=new_metadata(producer="analytics", subject_id=owner, visibility=ev.VISIBILITY_RECEIVER_AND_MANAGER),
        insight=an.Insight(
            id=uuid.uuid4().hex, kind=an.INSIGHT_KIND_MOMENT_FOR_FEEDBACK, severity=an.SEVERITY_ATTENTION,
            subject_id=owner, actors=[manager], evidence_event_ids=[milestone_event.metadata.event_id],
        ),
    )


def people() -> list[org_pb2.EmployeeChanged]:
    out = [employee("boss", "")]
    for m in range(MANAGERS):
        out.append(employee(f"m{m}", "boss"))
        out += [employee(f"r{m}-{r}", f"m{m}") for r in range(REPORTS)]
    return out


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    async with migrated(database_url, MIGRATIONS) as database:
        yield database


def service(db: Database, behind: dt.timedelta = dt.timedelta()) -> PromptService:
    prompts = PromptService(CONFIG, FanOut(), lambda: utcnow() - behind)
    prompts.attach(db)
    return prompts


async def as_batch(db: Database, prompts: PromptService, events: list[Any]) -> None:
    """What the inbox does with a batch: begin, the claim (the hooks' own, with the inbox's rows), prepare, the handler
    of each event new to the consumer, before_commit, in one transaction."""
    async with db.transaction() as conn:
        prompts.begin(conn)
        ids = dict.fromkeys((e.metadata.event_id, topic_for_message(e.DESCRIPTOR.full_name).name) for e in events)
        fresh = await prompts.claim(conn, InboxClaim(t.platform["inbox"], GROUP_ID, tuple(ids), utcnow()), events)
        await prompts.prepare(conn, [e for e in events if e.metadata.event_id in fresh])
        for event in events:
            if event.metadata.event_id in fresh:
                fresh.discard(event.metadata.event_id)
                await prompts.handle(conn, event)
        await prompts.before_commit(conn)


async def one_by_one(db: Database, prompts: PromptService, events: list[Any]) -> None:
    for event in events:
        await as_batch(db, prompts, [event])


async def test_a_batch_of_check_ins_costs_the_same_few_statements_however_many_events_it_holds(db: Database) -> None:
    """Before the batch handler each milestone cost about four statements of its own (the open prompts it may
    close, the budget, the prompt, the cursor) plus the batch's release marks and outbox rows: 6 for one event,
    10 for two, 21 for five, 72 for twenty, and the inbox's claim. Now, on PostgreSQL: the claim with the budget
    and the open prompts in one statement, one INSERT, one statement for the cursors, the release marks and the
    outbox rows (3); on SQLite: the claim, the read, the INSERT, one cursor upsert, one update of the releases and
    one outbox append (6). On PostgreSQL each statement's text is also the same at every size (its rows and lists
    are arrays), so a pooled connection prepares it once, not once per batch size."""
    on_postgresql = db.engine.dialect.name == "postgresql"
    expected = 3 if on_postgresql else 6
    prompts = service(db)
    await as_batch(db, prompts, people())
    async with db.transaction() as conn:  # room in every manager's week for all of this test's prompts
        await conn.execute(t.preferences.insert(), [dict(
            employee_id=f"m{m}", channels=[1], quiet_start="", quiet_end="", time_zone="", daily_digest=False, weekly_budget=100,
            email="", updated_at=utcnow(), language="",
        ) for m in range(MANAGERS)])
    counted: dict[int, int] = {}
    texts: dict[int, list[str]] = {}
    for size in (1, 2, 5, 20):
        for _warm in range(2):  # the second round of each size, with the cache warm, is the one counted
            events = [milestone(f"r{i % MANAGERS}-{i // MANAGERS % REPORTS}") for i in range(size)]
            with StatementLog(db) as statements:
                await as_batch(db, prompts, events)
            seen = statements.heads()
            counted[size] = len(seen)
            texts[size] = statements.texts
    assert counted == dict.fromkeys((1, 2, 5, 20), expected), (counted, seen)
    if on_postgresql:
        assert all(texts[size] == texts[1] for size in (2, 5, 20)), "a statement's text changed with the batch's size"
    async with db.read() as conn:
        made = (await conn.execute(sa.select(sa.func.count()).select_from(t.prompts))).scalar_one()
    assert made == 2 * (1 + 2 + 5 + 20), "every check-in prompted its manager once"


async def _outcome(db: Database) -> list[tuple[Any, ...]]:
    """What the events left, without the parts that differ between runs (ids, times)."""
    async with db.read() as conn:
        rows = (await conn.execute(sa.select(t.prompts))).all()
        requests = (await conn.execute(sa.select(t.open_requests.c.request_id))).scalars().all()
        events = (await conn.execute(sa.select(t.platform["outbox"]))).all()
    prompts = sorted(
        (r.recipient_id, r.kind, r.ref_id, r.about_id, r.state, r.cursor, r.acted, r.digest, r.budgeted, r.title) for r in rows
    )
    return [*prompts, ("open requests", *sorted(requests)), ("outbox", len(events))]


async def test_a_batch_decides_what_the_same_events_one_by_one_decide(database_url: str, tmp_path: Any) -> None:
    """The hard cases in one batch: a manager with several prompts (the budget runs out half way), an action on
    a prompt an earlier event of the same batch made, the same moment from goals and from analytics, a directory
    change half way, feedback requests opened and answered. Applied as one batch and one by one (each on a
    fresh database), the prompts, their states, cursors and the outbox are the same."""
    second = f"sqlite+aiosqlite:///{tmp_path}/one-by-one.db"
    await migrate(database_url, MIGRATIONS)
    await migrate(second, MIGRATIONS)
    batch_db, single_db = Database(database_url), Database(second)
    try:
        first = milestone("r0-0", "goal-a")
        request = fb.FeedbackRequested(
            metadata=new_metadata(producer="feedback", subject_id="r1-0", visibility=ev.VISIBILITY_RECEIVER_AND_MANAGER, actor_id="r1-0"),
            request_id="req-1", requester_id="r1-0", subject_id="r1-0", recipient_id="m1", state=fb.FeedbackRequest.STATE_OPEN,
            due_date=(utcnow() + dt.timedelta(days=5)).date().isoformat(),
        )
        answered = fb.FeedbackRequested()
        answered.CopyFrom(request)
        answered.metadata.CopyFrom(new_metadata(producer="feedback", subject_id="r1-0", visibility=ev.VISIBILITY_RECEIVER_AND_MANAGER, actor_id="m1"))
        answered.state = fb.FeedbackRequest.STATE_ANSWERED
        events: list[Any] = [
            first,
            insight_on(first, "m0"),  # the same moment: m0 gets one prompt
            *(milestone(f"r0-{r}") for r in range(1, REPORTS)),  # m0's week fills up
            *(milestone(f"r0-{r}", percent=100) for r in range(REPORTS)),
            given("m0", "r0-0"),  # m0 acts on the first prompt, made in this batch
            request,
            employee("r2-0", "m3", version=2),  # r2-0 moves to m3 half way
            milestone("r2-0"),
            answered,  # m1 answers: the request prompt of this batch is closed, the open request forgotten
            milestone("r3-1"),
        ]
        # The service's clock a minute behind the events' own: an action may close a prompt created before it
        # happened, and here that is a prompt of the same batch.
        batch, single = service(batch_db, dt.timedelta(minutes=1)), service(single_db, dt.timedelta(minutes=1))
        for prompts, database in ((batch, batch_db), (single, single_db)):
            await as_batch(database, prompts, people())
        await as_batch(batch_db, batch, events)
        await one_by_one(single_db, single, events)
        got, expected = await _outcome(batch_db), await _outcome(single_db)
        assert got == expected
        states = [row for row in got if row[0] == "m0"]
        assert any(row[6] for row in states), "m0's action closed a prompt made in the same batch"
        assert any(row[7] for row in states), "m0's budget ran out: the rest went to the digest"
        assert any(row[0] == "m3" for row in got), "r2-0's milestone went to the new manager"
        assert ("open requests",) in got, "the request opened and answered in the batch is forgotten"
    finally:
        await batch_db.dispose()
        await single_db.dispose()


class DeadLetters:
    """The inbox's publisher: only dead letters go through it here."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes | None, bytes, list[tuple[str, bytes]]]] = []

    def send_raw(self, topic: str, key: bytes | None, value: bytes, headers: list[tuple[str, bytes]]) -> None:
        self.sent.append((topic, key, value, headers))


def record(event: Any, offset: int) -> ConsumerRecord[bytes, bytes]:
    r = to_record(event)
    return ConsumerRecord(r.topic, 0, offset, 0, 0, r.key, r.value, None, len(r.key or b""), len(r.value), r.headers)


async def test_a_poison_event_in_a_batch_is_dead_lettered_alone_and_every_other_prompt_is_written_once(
    db: Database, database_url: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    prompts = service(db)
    await as_batch(db, prompts, people())
    real = rules.prompts_for

    def prompts_for(event: Any, *args: Any) -> list[rules.PromptDraft]:
        if isinstance(event, gl.GoalUpdated) and event.goal.title == "poison":
            raise ValueError("a rule cannot read this event")
        return real(event, *args)

    monkeypatch.setattr(rules, "prompts_for", prompts_for)
    settings = make_settings("notifications", database_url=database_url, kafka_bootstrap="127.0.0.1:9")
    letters = DeadLetters()
    consumer = InboxConsumer(
        settings, db, t.platform["inbox"], letters, group_id=GROUP_ID,  # type: ignore[arg-type]
        handlers=prompts.handlers(), after_commit=prompts.after_commit, hooks=prompts,
    )
    good = [milestone(f"r{m}-0") for m in range(MANAGERS)]
    poison = milestone("r0-1", title="poison")
    batch = [good[0], good[1], poison, good[2], good[3]]
    await consumer.process_batch([record(e, i) for i, e in enumerate(batch)])
    # Delivered again (a rebalance before the offset commit): nothing changes.
    await consumer.process_batch([record(e, i) for i, e in enumerate(batch)])
    async with db.read() as conn:
        rows = (await conn.execute(sa.select(t.prompts.c.cause_event_id, t.prompts.c.recipient_id))).all()
    assert sorted(rows) == sorted((e.metadata.event_id, f"m{m}") for m, e in enumerate(good)), "each good event's prompt once"
    assert [header(h, "ce_id") for _t, _k, _v, h in letters.sent] == [poison.metadata.event_id] * 2, "the poison alone, each time it came"
    assert {header(h, "dlq_reason") for _t, _k, _v, h in letters.sent} == {"handler-failed"}


async def test_through_the_inbox_a_batch_claims_with_its_first_read_and_a_repeat_is_applied_once(db: Database, database_url: str) -> None:
    """The consumer's claim hook: on PostgreSQL the inbox's claim goes with the batch's first read (3 statements for
    a batch, claim included; 6 on SQLite). An event delivered again, in a later batch or twice in one, is claimed
    once and prompts once."""
    prompts = service(db)
    await as_batch(db, prompts, people())
    settings = make_settings("notifications", database_url=database_url, kafka_bootstrap="127.0.0.1:9")
    consumer = InboxConsumer(
        settings, db, t.platform["inbox"], DeadLetters(), group_id=GROUP_ID,  # type: ignore[arg-type]
        handlers=prompts.handlers(), after_commit=prompts.after_commit, hooks=prompts,
    )
    first, second, third = (milestone(f"r{m}-0") for m in range(3))
    async with db.read() as conn:  # warm, as a running consumer's cache is
        await prompts.cache.preferences_of(conn, [f"m{m}" for m in range(3)])
        await prompts.cache.directory(conn, [f"r{m}-0" for m in range(3)])
    await consumer.process_batch([record(first, 0), record(second, 1)])
    with StatementLog(db) as statements:
        await consumer.process_batch([record(second, 1), record(third, 2), record(third, 3)])
    seen = statements.heads()
    assert len(seen) == (3 if db.engine.dialect.name == "postgresql" else 6), seen
    async with db.read() as conn:
        rows = (await conn.execute(sa.select(t.prompts.c.cause_event_id, t.prompts.c.recipient_id, t.prompts.c.cursor))).all()
        claimed = (await conn.execute(sa.select(t.platform["inbox"].c.event_id).where(t.platform["inbox"].c.consumer == GROUP_ID))).scalars().all()
    assert sorted(rows) == sorted((e.metadata.event_id, f"m{m}", 1) for m, e in enumerate((first, second, third))), "each once, cursor 1"
    assert {e.metadata.event_id for e in (first, second, third)} <= set(claimed)


async def test_an_entry_past_its_time_is_read_again_beside_the_transaction_not_in_it(db: Database) -> None:
    """With background refresh (as the service runs it), a person or preferences entry past its time is used
    once more and read again on a connection of its own: the consumer's transaction does not wait for it. A
    change committed meanwhile is seen once the refresh is done; an entry forgotten meanwhile (this process
    projected a change) is not overwritten by the refresh."""
    from paars_notifications.adapters.read_cache import ReadCache

    prompts = service(db)
    await as_batch(db, prompts, people())
    cache = ReadCache(seconds=0.0)  # every entry is past its time at once
    cache.refresh_in_background(db)
    try:
        async with db.read() as conn:
            first = await cache.directory(conn, {"r0-0"})
        assert first.name("r0-0") == "R0-0" and first.manager_of("r0-0") == "m0", "absent: read at once"
        async with db.transaction() as conn:
            await conn.execute(t.people.update().where(t.people.c.id == "r0-0").values(name="Renamed"))
        reader = asyncio.current_task()
        in_transaction: list[str] = []

        def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            if asyncio.current_task() is reader:  # the refresh's own statements are not the reader's
                in_transaction.append(" ".join(statement.split()[:3]))

        engine = db.engine.sync_engine
        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            async with db.read() as conn:
                again = await cache.directory(conn, {"r0-0"}, depth=1)
                prefs = await cache.preferences_of(conn, ["r0-0"])
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)
        assert again.name("r0-0") == "R0-0", "the entry past its time, used once more"
        assert in_transaction == ["SELECT preferences.employee_id, preferences.channels,"], (
            "only the preferences, which were absent; the person past its time (also what they fall back to) was not read"
        )
        assert prefs["r0-0"].time_zone == "Europe/Brussels"
        assert cache._refresher is not None
        await cache._refresher
        async with db.read() as conn:
            assert (await cache.directory(conn, {"r0-0"}, depth=1)).name("r0-0") == "Renamed", "seen once the refresh is done"
        # Forgotten while a refresh is under way: the refresh leaves it alone, and the next read is at once.
        cache._queue(people=["r0-0"])
        cache.forget_person("r0-0")
        await cache._refresher
        assert "r0-0" not in cache._people
    finally:
        await cache.close()


# ---------- one moment, one prompt: a held lower-priority prompt gives the moment to a higher one ----------


def low_insight_on(milestone_event: gl.GoalUpdated, manager: str) -> an.InsightDetected:
    """analytics' MOMENT_FOR_FEEDBACK at SEVERITY_INFO: a LOW prompt (linking to the dashboard, not to the goal)."""
    insight = insight_on(milestone_event, manager)
    insight.insight.severity = an.SEVERITY_INFO
    return insight


async def spend(db: Database, recipient: str, n: int) -> None:
    """n prompts released to the recipient this week, each using a slot of the budget (5: LOW may use 3, NORMAL 4)."""
    now = utcnow()
    async with db.transaction() as conn:
        await conn.execute(t.prompts.insert(), [dict(
            id=uuid.uuid4().hex, recipient_id=recipient, kind=rules.K.PROMPT_KIND_CHECK_IN, priority=2, title="t", body="b", about_id="x",
            ref_id="x", cause_event_id=uuid.uuid4().hex, cause_type="t", cause_topic="t", cause_occurred_at=now, visibility=0, created_at=now,
            state="released", release_at=now, released_at=now, cursor=1000 + i, digest=False, budgeted=True, read=False, acted=False,
            acted_at=None, action_event_id=None, moment_id=None,
        ) for i in range(n)])


async def moment_prompts(db: Database, recipient: str) -> dict[int, Any]:
    """The recipient's prompts about the moment (the milestone's GIVE_FEEDBACK, the insight's INSIGHT), by kind."""
    kinds = (rules.K.PROMPT_KIND_GIVE_FEEDBACK, rules.K.PROMPT_KIND_INSIGHT)
    async with db.read() as conn:
        rows = (await conn.execute(sa.select(t.prompts).where(t.prompts.c.recipient_id == recipient, t.prompts.c.kind.in_(kinds)))).all()
    assert len({r.kind for r in rows}) == len(rows)
    return {r.kind: r for r in rows}


async def prompts_sent(db: Database) -> list[str]:
    from paars.notifications.v1 import notifications_pb2 as pb

    outbox = t.platform["outbox"]
    async with db.read() as conn:
        rows = (await conn.execute(sa.select(outbox.c.payload).where(outbox.c.topic == "notifications.prompt-sent.v1"))).scalars().all()
    return [pb.PromptSent.FromString(payload).prompt_id for payload in rows]


async def test_a_held_low_insight_gives_its_moment_to_the_milestone_after_it_which_is_delivered_live(db: Database) -> None:
    """The colleague's case: m0 past the LOW share of the week's budget, analytics' insight about r0-0's milestone
    comes first (in an earlier fetch) and goes to the digest; the milestone's NORMAL prompt used to be refused by the
    moment, so m0 saw nothing. Now the milestone takes the moment: live, and the insight is gone (in no digest, no
    PromptSent). Within one batch the insight is not even stored (the next test)."""
    prompts = service(db)
    await as_batch(db, prompts, people())
    await spend(db, "m0", 3)
    goal = milestone("r0-0", "goal-a")
    events = [low_insight_on(goal, "m0"), goal]
    for part in ([events[0]], [events[1]]):
        await as_batch(db, prompts, part)
    rows = await moment_prompts(db, "m0")
    given, insight = rows[rules.K.PROMPT_KIND_GIVE_FEEDBACK], rows[rules.K.PROMPT_KIND_INSIGHT]
    assert (given.state, given.cursor is not None, given.digest, given.moment_id) == ("released", True, False, goal.metadata.event_id)
    assert (insight.state, insight.cursor, insight.moment_id, insight.budgeted) == ("withdrawn", None, None, False)
    assert await prompts_sent(db) == [given.id]

    # Delivered again straight to the handler (past the inbox's once-only claim): nothing changes.
    async with db.transaction() as conn:
        for event in events:
            await prompts.handle(conn, event)
    assert await moment_prompts(db, "m0") == rows and await prompts_sent(db) == [given.id]

    # The digest's hour: the withdrawn insight is in it no more.
    prompts.clock = lambda: insight.release_at + dt.timedelta(minutes=1)
    assert await prompts.tick() == []
    assert (await moment_prompts(db, "m0"))[rules.K.PROMPT_KIND_INSIGHT].state == "withdrawn"


@pytest.mark.parametrize("spent", [0, 3], ids=["insight would go live", "insight would be held"])
@pytest.mark.parametrize("insight_first", [True, False], ids=["insight first", "milestone first"])
async def test_in_one_batch_the_milestone_takes_the_moment_whichever_of_the_two_came_first(db: Database, insight_first: bool, spent: int) -> None:
    """Both causes of one moment in ONE batch: the milestone's NORMAL prompt is stored before analytics' LOW insight
    (batches.by_moment_priority), so it is the one m0 sees live, whether the insight came first or second in the
    batch, and whether the budget would have let the insight out live (under the LOW share: before, the insight
    first in the batch was stored 'released' and kept the moment) or held it. The insight is never stored and sends
    nothing."""
    prompts = service(db)
    await as_batch(db, prompts, people())
    if spent:
        await spend(db, "m0", spent)
    goal = milestone("r0-0", "goal-a")
    insight = low_insight_on(goal, "m0")
    await as_batch(db, prompts, [insight, goal] if insight_first else [goal, insight])
    rows = await moment_prompts(db, "m0")
    assert list(rows) == [rules.K.PROMPT_KIND_GIVE_FEEDBACK]
    given = rows[rules.K.PROMPT_KIND_GIVE_FEEDBACK]
    assert (given.state, given.cursor is not None, given.digest, given.moment_id) == ("released", True, False, goal.metadata.event_id)
    assert await prompts_sent(db) == [given.id]


async def test_the_milestone_first_keeps_the_moment_and_the_insight_after_it_adds_nothing(db: Database) -> None:
    prompts = service(db)
    await as_batch(db, prompts, people())
    await spend(db, "m0", 3)
    goal = milestone("r0-0", "goal-a")
    await as_batch(db, prompts, [goal, low_insight_on(goal, "m0")])
    rows = await moment_prompts(db, "m0")
    assert list(rows) == [rules.K.PROMPT_KIND_GIVE_FEEDBACK] and rows[rules.K.PROMPT_KIND_GIVE_FEEDBACK].state == "released"
    assert await prompts_sent(db) == [rows[rules.K.PROMPT_KIND_GIVE_FEEDBACK].id]


async def test_an_insight_already_delivered_keeps_the_moment(db: Database) -> None:
    """Under the LOW share the insight goes out live: m0 saw a prompt for the moment, and the milestone after it is
    dropped, as before (one prompt per moment)."""
    prompts = service(db)
    await as_batch(db, prompts, people())
    goal = milestone("r0-0", "goal-a")
    await as_batch(db, prompts, [low_insight_on(goal, "m0")])
    await as_batch(db, prompts, [goal])
    rows = await moment_prompts(db, "m0")
    assert list(rows) == [rules.K.PROMPT_KIND_INSIGHT] and rows[rules.K.PROMPT_KIND_INSIGHT].state == "released"
    assert await prompts_sent(db) == [rows[rules.K.PROMPT_KIND_INSIGHT].id]


async def test_a_moment_taken_in_a_batch_is_what_one_by_one_decides(database_url: str, tmp_path: Any) -> None:
    """m0 past the LOW share, several moments in one batch: insights first, then their milestones, the budget filling
    up half way. One by one each insight is held and then withdrawn by its milestone; in one batch the milestones are
    stored first (batches.by_moment_priority) and the insights never are. Apart from those withdrawn rows the
    prompts, states and outbox are the same."""
    second = f"sqlite+aiosqlite:///{tmp_path}/one-by-one.db"
    await migrate(database_url, MIGRATIONS)
    await migrate(second, MIGRATIONS)
    batch_db, single_db = Database(database_url), Database(second)
    try:
        goals = [milestone(f"r0-{r}") for r in range(3)]
        events: list[Any] = [e for g in goals for e in (low_insight_on(g, "m0"), g)]
        batch, single = service(batch_db), service(single_db)
        for prompts, database in ((batch, batch_db), (single, single_db)):
            await as_batch(database, prompts, people())
            await spend(database, "m0", 3)
        await as_batch(batch_db, batch, events)
        await one_by_one(single_db, single, events)
        got, expected = await _outcome(batch_db), await _outcome(single_db)
        withdrawn = [row for row in expected if len(row) == 10 and row[4] == "withdrawn"]
        assert [(row[0], row[1]) for row in withdrawn] == [("m0", rules.K.PROMPT_KIND_INSIGHT)] * 3
        assert got == [row for row in expected if row not in withdrawn]
        m0 = [row for row in got if row[0] == "m0" and row[1] != rules.K.PROMPT_KIND_CHECK_IN]
        assert sorted((kind, state) for _r, kind, *_x, state, _c, _a, _d, _b, _t in m0) == sorted(
            [(rules.K.PROMPT_KIND_GIVE_FEEDBACK, "released")] + [(rules.K.PROMPT_KIND_GIVE_FEEDBACK, "held")] * 2
        ), "the first milestone live (the 4th slot), the next two for the digest; no insight stored"
    finally:
        await batch_db.dispose()
        await single_db.dispose()


# ---------- the insight's prompt about a moment for feedback links to the give-feedback form ----------


async def test_the_insight_s_prompt_about_a_milestone_opens_the_give_feedback_form_from_the_webhook_and_the_prompt_list(db: Database) -> None:
    """analytics' moment for feedback about r0-0's milestone (its params naming the goal, as analytics now sends them)
    for m0 and a teammate, r0-1, who gets no milestone prompt of their own. The stored prompt keeps the insight's kind
    and the goal; r0-1's webhook body and the web app's link from the gRPC Prompt both open the form with r0-0, the
    moment and the goal, not "/"."""
    from paars_notifications.adapters.protobuf import prompt_proto
    from paars_platform.links import moment_param
    from paars_web.views import prompt_link

    base = "https://paars.example.org"
    prompts = PromptService(NotificationsConfig(web_base_url=base), FanOut())
    prompts.attach(db)
    await as_batch(db, prompts, people())
    async with db.transaction() as conn:
        await conn.execute(t.webhooks.insert(), [dict(
            id="hook-1", owner_id="r0-1", url="https://hooks.example.org/r0-1", event_filter=[], format=0, secret="s", organisation_wide=False,
            active=True, created_at=utcnow(),
        )])
    goal = milestone("r0-0", "goal-a")
    insight = insight_on(goal, "m0")
    insight.insight.actors.append("r0-1")
    insight.insight.params.update({"goal": "Present at the guild", "percent": "50", "variant": "milestone", "goal_id": "goal-a"})
    await as_batch(db, prompts, [insight])
    async with db.read() as conn:
        rows = (await conn.execute(sa.select(t.prompts).where(t.prompts.c.kind == rules.K.PROMPT_KIND_INSIGHT))).all()
        payloads = (await conn.execute(sa.select(t.deliveries.c.payload).where(t.deliveries.c.subscription_id == "hook-1"))).scalars().all()
    assert sorted(r.recipient_id for r in rows) == ["m0", "r0-1"]
    for row in rows:
        assert (row.state, row.insight_kind, row.goal_id) == ("released", an.INSIGHT_KIND_MOMENT_FOR_FEEDBACK, "goal-a")
        moment = moment_param(row.cause_occurred_at).replace(":", "%3A")
        path = f"/feedback/give?receiver=r0-0&moment={moment}&goal=goal-a&prompt={row.id}"
        assert prompt_link(prompt_proto(row)) == path, "the web app's prompt list"
        if row.recipient_id == "r0-1":
            [body] = payloads
            assert json.loads(body)["data"]["prompt"]["link"] == base + path, "the webhook body"
