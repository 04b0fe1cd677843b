"""From incoming events to prompts: rules, exactly-once per (cause, recipient, kind), the delivery policy,
release with per-recipient cursors, webhook and e-mail deliveries, and closing the loop (sent / acted)."""
from __future__ import annotations

import datetime as dt
import functools
import json
import time
import uuid
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from paars.feedback.v1 import feedback_pb2 as fb
from paars.notifications.v1 import notifications_pb2 as pb
from paars.org.v1 import org_pb2
from paars_notifications.adapters import tables as t
from paars_notifications.adapters.fanout import FanOut
from paars_notifications.config import NotificationsConfig
from paars_notifications.domain import involvement, payloads, policy, rules, texts
from paars_notifications.domain.involvement import involved_ids
from paars_notifications.domain.visibility import Directory, Person
from paars_platform import metrics, outbox, registry
from paars_platform.auth import ROLE_NAMES
from paars_platform.db import Database, UtcDateTime, dialect_insert, insert_ignore, upsert, utcnow
from paars_platform.directory import CHAIN_LIMIT
from paars_platform.events import new_metadata, timestamp
from paars_platform.inbox import Handler
from paars_platform.topics import topic_for_message

PRODUCER = "notifications"
Clock = Callable[[], dt.datetime]

# What the registry routes to notifications (paars_platform.topics' consumers); handlers() checks it against
# the events domain/involvement.py knows.
CONSUMED_TOPICS = registry.topics_consumed_by(PRODUCER)
# Prompts released by an event, kept until its transaction committed (then pushed to live streams).
_PENDING_LIMIT = 10_000
# How long the org projection, preferences and subscriptions are reused from memory. Changes made in
# this process invalidate at once; another replica's changes are seen within this time.
CACHE_SECONDS = 5.0


class ReadCache:
    """Per-process read-through cache of what every event needs: it keeps the consumer's transaction to
    the writes (a database round trip per read would cap the prompt rate and lengthen the lock)."""

    def __init__(self, seconds: float = CACHE_SECONDS) -> None:
        self.seconds = seconds
        self._people: dict[str, tuple[float, Person | None]] = {}
        self._prefs: dict[str, tuple[float, policy.DeliveryPreferences]] = {}
        self._webhooks: tuple[float, list[Any]] | None = None

    def _fresh(self, stamp: float) -> bool:
        return time.monotonic() - stamp < self.seconds

    async def directory(self, conn: AsyncConnection, ids: Iterable[str], depth: int = CHAIN_LIMIT) -> Directory:
        """The named people and their manager chains, from the org projection (as deep as every service walks a
        chain; a query per level only while someone still has a manager not loaded)."""
        people: dict[str, Person] = {}
        wanted = {i for i in ids if i}
        for _ in range(depth):
            wanted -= people.keys()
            if not wanted:
                break
            missing = sorted(i for i in wanted if i not in self._people or not self._fresh(self._people[i][0]))
            if missing:
                rows = (await conn.execute(_PEOPLE_OF, {"b_ids": missing})).all()
                found = {row.id: _person_of(row) for row in rows}
                now = time.monotonic()
                for i in missing:
                    self._people[i] = (now, found.get(i))
            batch = {i: self._people[i][1] for i in wanted}
            people.update({i: p for i, p in batch.items() if p is not None})
            wanted = {p.manager_id for p in batch.values() if p is not None and p.manager_id}
        return Directory(people)

    async def preferences(self, conn: AsyncConnection, person_id: str) -> policy.DeliveryPreferences:
        cached = self._prefs.get(person_id)
        if cached is not None and self._fresh(cached[0]):
            return cached[1]
        return (await self.preferences_of(conn, [person_id]))[person_id]

    async def preferences_of(self, conn: AsyncConnection, person_ids: Iterable[str]) -> dict[str, policy.DeliveryPreferences]:
        """Everyone's preferences, the misses read in one query (an insight names several people)."""
        out: dict[str, policy.DeliveryPreferences] = {}
        missing: list[str] = []
        for person_id in person_ids:
            cached = self._prefs.get(person_id)
            if cached is not None and self._fresh(cached[0]):
                out[person_id] = cached[1]
            else:
                missing.append(person_id)
        if missing:
            # The people (time zone, address) from the cached projection.
            people = (await self.directory(conn, missing, depth=1)).people
            rows = (await conn.execute(_PREFERENCES_OF, {"b_ids": sorted(set(missing))})).all()
            stored = {row.employee_id: row for row in rows}
            now = time.monotonic()
            for person_id in missing:
                prefs = _preferences_from(stored.get(person_id), people.get(person_id))
                self._prefs[person_id] = (now, prefs)
                out[person_id] = prefs
        return out

    async def webhooks(self, conn: AsyncConnection) -> list[Any]:
        if self._webhooks is not None and self._fresh(self._webhooks[0]):
            return self._webhooks[1]
        rows = list((await conn.execute(sa.select(t.webhooks).where(t.webhooks.c.active.is_(True)))).all())
        self._webhooks = (time.monotonic(), rows)
        return rows

    def forget_person(self, person_id: str) -> None:
        self._people.pop(person_id, None)
        self._prefs.pop(person_id, None)

    def forget_webhooks(self) -> None:
        self._webhooks = None


@dataclass(frozen=True)
class Cause:
    event_id: str
    type: str
    topic: str
    occurred_at: dt.datetime
    visibility: int
    subject_id: str


def cause_of(event: Any) -> Cause:
    meta = event.metadata
    full_name = event.DESCRIPTOR.full_name
    occurred = meta.occurred_at.ToDatetime(tzinfo=dt.UTC) if meta.occurred_at.seconds or meta.occurred_at.nanos else utcnow()
    return Cause(meta.event_id, full_name, topic_for_message(full_name).name, occurred, meta.visibility, meta.subject_id)


# Statements of the per-event path, built once (values go in as parameters); see paars_platform.db.
_p = t.prompts.c
# Slots of the week each recipient of an event already used: one query for all of them.
_BUDGET_SPENT = (
    sa.select(_p.recipient_id, sa.func.count())
    .where(
        _p.recipient_id.in_(sa.bindparam("b_recipients", expanding=True)), _p.budgeted.is_(True),
        _p.created_at >= sa.bindparam("b_since", type_=UtcDateTime),
    )
    .group_by(_p.recipient_id)
)
_PEOPLE_OF = sa.select(t.people).where(t.people.c.id.in_(sa.bindparam("b_ids", expanding=True)))
_PREFERENCES_OF = sa.select(t.preferences).where(t.preferences.c.employee_id.in_(sa.bindparam("b_ids", expanding=True)))
_MARK_RELEASED = (
    t.prompts.update()
    .where(_p.id == sa.bindparam("b_id"))
    .values(state="released", cursor=sa.bindparam("b_cursor"), released_at=sa.bindparam("b_at", type_=UtcDateTime))
)


@functools.cache
def _open_prompts_query(by_about: bool, by_ref: bool) -> Any:
    query = sa.select(t.prompts).where(
        _p.recipient_id == sa.bindparam("b_recipient"), _p.kind.in_(sa.bindparam("b_kinds", expanding=True)), _p.acted.is_(False),
        _p.state != "dropped", _p.created_at <= sa.bindparam("b_before", type_=UtcDateTime),
    )
    if by_about:
        query = query.where(_p.about_id == sa.bindparam("b_about"))
    if by_ref:
        query = query.where(_p.ref_id == sa.bindparam("b_ref"))
    return query


@functools.cache
def _store_prompts_statement(dialect: str) -> Any:
    # Executed with many rows, SQLAlchemy sends them as one multi-row INSERT ("insertmanyvalues"); RETURNING
    # names the rows that went in, the others hit one of the once-only keys.
    return dialect_insert(dialect)(t.prompts).on_conflict_do_nothing().returning(_p.id)


@functools.cache
def _take_cursors_many_statement(dialect: str) -> Any:
    c = t.recipient_cursors.c
    insert = dialect_insert(dialect)(t.recipient_cursors)
    return insert.on_conflict_do_update(
        index_elements=["recipient_id"], set_={"last_cursor": c.last_cursor + insert.excluded.last_cursor},
    ).returning(c.recipient_id, c.last_cursor)


@functools.cache
def _take_cursors_statement(dialect: str) -> Any:
    c = t.recipient_cursors.c
    n = sa.bindparam("b_n", type_=sa.BigInteger)
    insert = dialect_insert(dialect)(t.recipient_cursors).values(recipient_id=sa.bindparam("b_recipient"), last_cursor=n)
    return insert.on_conflict_do_update(index_elements=["recipient_id"], set_={"last_cursor": c.last_cursor + n}).returning(c.last_cursor)


@dataclass
class _Gathered:
    """The release marks and outbox events of one inbox transaction, written once at its end (before_commit)."""

    conn: AsyncConnection
    marks: list[dict[str, Any]]
    events: list[Any]


class PromptService:
    def __init__(
        self, config: NotificationsConfig, fanout: FanOut, clock: Clock = utcnow, on_deliveries: Callable[[], None] = lambda: None,
        cache: ReadCache | None = None,
    ) -> None:
        self.config = config
        self.cache = cache or ReadCache()
        self._deliveries_queued = False
        self.fanout = fanout
        self.clock = clock
        self.on_deliveries = on_deliveries
        self.db: Database | None = None
        self._pending: OrderedDict[str, list[pb.Prompt]] = OrderedDict()
        self._gathered: _Gathered | None = None
        self.prompts_total = metrics.counter(
            "paars_notifications_prompts_total", "Prompts delivered, by kind and channel.", ("kind", "channel")
        )
        self.held_total = metrics.counter(
            "paars_notifications_prompts_held_total", "Prompts held back on creation, by reason.", ("reason",)
        )
        self.acted_total = metrics.counter("paars_notifications_prompts_acted_total", "Prompts the person acted on.", ("kind",))

    def attach(self, db: Database) -> None:
        self.db = db

    # ---------- consumer ----------

    def handlers(self) -> dict[str, Handler]:
        return registry.subscribe(PRODUCER, dict.fromkeys(involvement.NAMED, self.handle))

    async def handle(self, conn: AsyncConnection, event: Any) -> None:
        """Applies one event inside the inbox transaction (so a redelivery changes nothing)."""
        event_id = event.metadata.event_id
        self._pending.pop(event_id, None)
        if isinstance(event, org_pb2.EmployeeChanged):
            await self._project(conn, event)
            return
        now = self.clock()
        cause = cause_of(event)
        directory = await self.cache.directory(conn, involved_ids(event))
        await self._close_loop(conn, event, cause, now)
        if isinstance(event, fb.FeedbackRequested):
            await self._track_request(conn, event, cause)
        released: list[pb.Prompt] = []
        drafts = rules.prompts_for(event, directory, now.date())
        spent = await self.budget_spent(conn, {d.recipient_id for d in drafts}, now)
        due = await self.store_all(conn, drafts, cause, now, spent)
        if due:
            released = await self.release(conn, due, now)
        if released:
            self._pending[event_id] = released
            while len(self._pending) > _PENDING_LIMIT:
                self._pending.popitem(last=False)

    # The inbox's TransactionHooks: in its transaction (a poll's batch of events, or one event) the prompts'
    # release marks and the outbox events are gathered and written with one statement each at the end, not
    # a round trip each per event (on PostgreSQL the round trips capped the consumer below 100 events/s).
    # Other transactions (the scheduler's tick, direct calls) write theirs at once, as before.

    def begin(self, conn: AsyncConnection) -> None:
        self._gathered = _Gathered(conn, [], [])

    async def prepare(self, conn: AsyncConnection, events: Sequence[Any]) -> None:
        """The inbox's optional hook, before a batch's handlers run: everyone the batch's events name, and their
        manager chains, read into the cache with one query per chain level for the whole batch instead of per
        event (on PostgreSQL the org projection read was a fifth of the consumer's round trips at 100 events/s).
        An EmployeeChanged later in the batch still forgets its person, so the events after it read the new row."""
        ids: set[str] = set()
        for event in events:
            if not isinstance(event, org_pb2.EmployeeChanged) and type(event) in involvement.NAMED:
                ids |= involved_ids(event)
        if ids:
            await self.cache.directory(conn, ids)

    async def before_commit(self, conn: AsyncConnection) -> None:
        gathered, self._gathered = self._gathered, None
        if gathered is None or gathered.conn is not conn:
            return
        if gathered.marks:
            await conn.execute(_MARK_RELEASED, gathered.marks)
        if gathered.events:
            await outbox.append(conn, t.platform["outbox"], *gathered.events)

    async def _write(self, conn: AsyncConnection, marks: list[dict[str, Any]], events: Sequence[Any]) -> None:
        """Marks prompts released and appends events to the outbox, now or (in the inbox's transaction) at its end."""
        gathered = self._gathered
        if gathered is not None and gathered.conn is conn:
            gathered.marks += marks
            gathered.events += events
            return
        if marks:
            await conn.execute(_MARK_RELEASED, marks)
        if events:
            await outbox.append(conn, t.platform["outbox"], *events)

    async def after_commit(self, event: Any) -> None:
        """Pushes what the event released to live streams, and wakes the delivery worker."""
        released = self._pending.pop(event.metadata.event_id, None)
        if released:
            self.published(released)
        if self._deliveries_queued:
            self._deliveries_queued = False
            self.on_deliveries()

    def published(self, prompts: Sequence[pb.Prompt]) -> None:
        for p in prompts:
            self.prompts_total.labels(pb.PromptKind.Name(p.kind), "in_app").inc()
        self.fanout.publish(prompts)

    async def _project(self, conn: AsyncConnection, event: org_pb2.EmployeeChanged) -> None:
        e = event.employee
        current = (await conn.execute(sa.select(t.people.c.version).where(t.people.c.id == e.id))).scalar()
        if current is not None and current > e.version:
            return  # an older state arriving late (compaction, replays) must not win
        values = dict(
            # An unknown time zone (the directory's producer checks them; a replayed old record may not) is UTC.
            id=e.id, name=e.name, email=e.email, manager_id=e.manager_id or None, time_zone=e.time_zone if policy.valid_zone(e.time_zone) else "UTC",
            hr=org_pb2.ROLE_HR in e.roles, roles=sorted({ROLE_NAMES[r] for r in e.roles if r in ROLE_NAMES}),
            active=e.active and event.change != org_pb2.EmployeeChanged.CHANGE_DEACTIVATED,
            version=e.version,
        )
        await upsert(conn, t.people, values, keys=["id"])
        self.cache.forget_person(e.id)

    async def _track_request(self, conn: AsyncConnection, event: fb.FeedbackRequested, cause: Cause) -> None:
        if event.state == fb.FeedbackRequest.STATE_OPEN and event.recipient_id and not event.external:
            await insert_ignore(conn, t.open_requests, dict(
                request_id=event.request_id, requester_id=event.requester_id, subject_id=event.subject_id,
                recipient_id=event.recipient_id, due_date=event.due_date[:10], visibility=cause.visibility,
                cause_occurred_at=cause.occurred_at, reminded=False,
            ))
        else:
            await conn.execute(t.open_requests.delete().where(t.open_requests.c.request_id == event.request_id))

    # ---------- accepting and releasing prompts ----------

    async def budget_spent(self, conn: AsyncConnection, recipients: set[str], now: dt.datetime) -> dict[str, int]:
        """Per recipient, the prompts of the last week that used a slot of the budget."""
        if not recipients:
            return {}
        rows = (await conn.execute(_BUDGET_SPENT, {"b_recipients": sorted(recipients), "b_since": now - policy.BUDGET_WINDOW})).all()
        return {recipient: int(count) for recipient, count in rows}

    async def accept(self, conn: AsyncConnection, draft: rules.PromptDraft, cause: Cause, now: dt.datetime) -> list[pb.Prompt]:
        """Stores the prompt, and releases it now or holds it."""
        row = await self.store(conn, draft, cause, now)
        return await self.release(conn, [row], now) if row is not None else []

    async def store_all(
        self, conn: AsyncConnection, drafts: Sequence[rules.PromptDraft], cause: Cause, now: dt.datetime, spent: dict[str, int],
    ) -> list[dict[str, Any]]:
        """store() for every draft of one event, in one INSERT; returns the rows to release now.

        When one person has several drafts, whether the first goes in decides the budget left for the next,
        so those are stored one by one, in order."""
        recipients = [d.recipient_id for d in drafts]
        if len(drafts) < 2 or len(set(recipients)) < len(recipients):
            return [row for draft in drafts if (row := await self.store(conn, draft, cause, now, spent)) is not None]
        prefs = await self.cache.preferences_of(conn, recipients)
        decided = [(draft, policy.decide(now, prefs[draft.recipient_id], draft.priority, spent.get(draft.recipient_id, 0), self.config.digest_at))
                   for draft in drafts]
        rows = [self._row(draft, prefs[draft.recipient_id], decision, cause, now) for draft, decision in decided]
        stored = set((await conn.execute(_store_prompts_statement(conn.dialect.name), rows)).scalars())
        due = []
        for row, (draft, decision) in zip(rows, decided, strict=True):
            if row["id"] in stored and self._stored(draft, decision, spent):
                due.append(row)
        return due

    def _stored(self, draft: rules.PromptDraft, decision: policy.Decision, spent: dict[str, int]) -> bool:
        """Accounts for a prompt that went in; True when it is to be released now."""
        if decision.budgeted:
            spent[draft.recipient_id] = spent.get(draft.recipient_id, 0) + 1
        if decision.mode != "now":
            for reason in decision.reasons:
                self.held_total.labels(reason).inc()
            return False
        return True

    def _row(self, draft: rules.PromptDraft, prefs: policy.DeliveryPreferences, decision: policy.Decision, cause: Cause, now: dt.datetime) -> dict[str, Any]:
        return dict(
            id=uuid.uuid4().hex, recipient_id=draft.recipient_id, kind=draft.kind, priority=draft.priority,
            title=texts.render(draft.title, prefs.language)[:300], body=texts.render(draft.body, prefs.language),
            about_id=draft.about_id, ref_id=draft.ref_id,
            cause_event_id=cause.event_id, cause_type=cause.type, cause_topic=cause.topic,
            cause_occurred_at=cause.occurred_at, visibility=cause.visibility, created_at=now,
            state="held" if decision.mode != "now" else "released", release_at=decision.release_at,
            released_at=None, cursor=None, digest=decision.mode == "digest", budgeted=decision.budgeted,
            read=False, acted=False, acted_at=None, action_event_id=None, moment_id=draft.moment_id[:80] or None,
        )

    async def store(
        self, conn: AsyncConnection, draft: rules.PromptDraft, cause: Cause, now: dt.datetime, spent: dict[str, int] | None = None,
    ) -> dict[str, Any] | None:
        """Stores the prompt once per (cause, recipient, kind) and once per (moment, recipient); returns it
        when it is to be released now, None when held or already there. `spent` (from budget_spent, kept
        up to date here) saves a query per draft."""
        prefs = await self.cache.preferences(conn, draft.recipient_id)
        if spent is None:
            spent = await self.budget_spent(conn, {draft.recipient_id}, now)
        decision = policy.decide(now, prefs, draft.priority, spent.get(draft.recipient_id, 0), self.config.digest_at)
        row = self._row(draft, prefs, decision, cause, now)
        if not await insert_ignore(conn, t.prompts, row):
            return None  # this cause already prompted this person for this, or another cause for the same moment
        return row if self._stored(draft, decision, spent) else None

    async def release(self, conn: AsyncConnection, rows: Sequence[Any], now: dt.datetime) -> list[pb.Prompt]:
        """Gives prompts their in-app cursors, queues their webhook calls and e-mails, and announces them."""
        by_recipient: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
        for row in rows:
            by_recipient[_fields(row)["recipient_id"]].append(_fields(row))
        out: list[pb.Prompt] = []
        marks: list[dict[str, Any]] = []
        events: list[pb.PromptSent] = []
        lasts = await take_cursors_of(conn, {recipient: len(group) for recipient, group in by_recipient.items()})
        for recipient, group in by_recipient.items():
            last = lasts[recipient]
            for offset, row in enumerate(group):
                cursor = last - len(group) + 1 + offset
                marks.append({"b_id": row["id"], "b_cursor": cursor, "b_at": now})
                out.append(prompt_proto(row, cursor=cursor, read=False, acted=False))
            channels = await self._enqueue_deliveries(conn, recipient, [_view(row) for row in group], now)
            events += [
                pb.PromptSent(
                    metadata=new_metadata(producer=PRODUCER, subject_id=recipient, visibility=row["visibility"], causation_id=row["cause_event_id"]),
                    prompt_id=row["id"], recipient_id=recipient, kind=row["kind"],
                    cause_event_id=row["cause_event_id"], about_id=row["about_id"],
                    channels=channels, digest=bool(row["digest"]),  # type: ignore[arg-type]
                    latency_seconds=max(0.0, time.time() - row["cause_occurred_at"].timestamp()),
                )
                for row in group
            ]
        # One statement each for all the prompts an event (or a scheduler round) releases: an insight
        # names up to a dozen people, and a statement per prompt was most of its cost.
        await self._write(conn, marks, events)
        return out

    async def _enqueue_deliveries(self, conn: AsyncConnection, recipient: str, views: list[payloads.PromptView], now: dt.datetime) -> list[int]:
        channels: list[int] = [pb.CHANNEL_IN_APP]
        prefs = await self.cache.preferences(conn, recipient)
        if await self._enqueue_webhooks(conn, recipient, payloads.PROMPT_SENT, views, now):
            channels.append(pb.CHANNEL_WEBHOOK)
        address = prefs.email
        if self.config.email_enabled and pb.CHANNEL_EMAIL in prefs.channels and address:
            person = await _person(conn, recipient)
            digest = any(v.digest for v in views)
            batches = [views] if digest else [[v] for v in views]
            for batch in batches:
                subject, text = payloads.email_text(
                    person.name if person else recipient, batch, digest=digest, base_url=self.config.web_base_url, language=prefs.language,
                )
                key = f"digest:{batch[0].id}:email" if digest else f"{batch[0].id}:email"
                await self._insert_delivery(conn, key, pb.CHANNEL_EMAIL, None, recipient, address, "email", 0 if digest else batch[0].kind, subject, json.dumps({"text": text}), now)
            channels.append(pb.CHANNEL_EMAIL)
        return channels

    async def _enqueue_webhooks(
        self, conn: AsyncConnection, recipient: str, event_type: str, views: list[payloads.PromptView], now: dt.datetime,
        extra: dict[str, dict[str, Any]] | None = None,
    ) -> bool:
        subs = [s for s in await self.cache.webhooks(conn) if s.organisation_wide or s.owner_id == recipient]
        queued = False
        for sub in subs:
            for view in views:
                if not payloads.matches_filter(sub.event_filter or [], event_type, view):
                    continue
                exposure = payloads.organisation_exposure(view.visibility) if sub.organisation_wide else payloads.FULL
                event_id = uuid.uuid4().hex
                body = payloads.webhook_body(
                    delivery_event_id=event_id, event_type=event_type, occurred_at=now.isoformat().replace("+00:00", "Z"),
                    prompt=view, chat_format=sub.format == pb.WebhookSubscription.FORMAT_CHAT_INCOMING_WEBHOOK,
                    exposure=exposure, extra=(extra or {}).get(view.id), base_url=self.config.web_base_url,
                    # The subscription's owner reads the chat text (for an organisation-wide one, not the recipient).
                    language=(await self.cache.preferences(conn, sub.owner_id)).language,
                )
                if body is None:
                    continue
                await self._insert_delivery(conn, f"{view.id}:{event_type}:{sub.id}", pb.CHANNEL_WEBHOOK, sub.id, sub.owner_id, sub.url, event_type, view.kind, "", body, now)
                queued = True
        return queued

    async def _insert_delivery(
        self, conn: AsyncConnection, key: str, channel: int, subscription_id: str | None, owner: str, target: str,
        event_type: str, kind: int, subject: str, payload: str, now: dt.datetime,
    ) -> None:
        self._deliveries_queued = True
        await insert_ignore(conn, t.deliveries, dict(
            delivery_key=key, channel=channel, subscription_id=subscription_id, owner_id=owner, target=target,
            event_type=event_type, kind=kind, subject=subject[:300], payload=payload, state="pending", attempts=0,
            next_attempt_at=utcnow(), lease_until=None, last_error="", created_at=utcnow(), finished_at=None,
        ))

    # ---------- closing the loop ----------

    async def _close_loop(self, conn: AsyncConnection, event: Any, cause: Cause, now: dt.datetime) -> None:
        p = t.prompts.c
        for match in rules.actions_in(event):
            params = {"b_recipient": match.recipient_id, "b_kinds": sorted(match.kinds), "b_before": cause.occurred_at}
            if match.about_id:
                params["b_about"] = match.about_id
            if match.ref_id:
                params["b_ref"] = match.ref_id
            for row in (await conn.execute(_open_prompts_query(bool(match.about_id), bool(match.ref_id)), params)).all():
                if row.state != "released":
                    # Done before we even showed it: the prompt is moot, and the person is not bothered.
                    await conn.execute(t.prompts.update().where(p.id == row.id).values(state="dropped"))
                    continue
                await conn.execute(
                    t.prompts.update().where(p.id == row.id).values(acted=True, acted_at=cause.occurred_at, action_event_id=cause.event_id)
                )
                seconds = max(0.0, (cause.occurred_at - (row.released_at or row.created_at)).total_seconds())
                await self._write(conn, [], [pb.PromptActed(
                    metadata=new_metadata(producer=PRODUCER, subject_id=row.recipient_id, visibility=row.visibility, causation_id=cause.event_id),
                    prompt_id=row.id, recipient_id=row.recipient_id, kind=row.kind, action_event_id=cause.event_id,
                    seconds_to_act=seconds,
                )])
                view = _view(row)
                await self._enqueue_webhooks(
                    conn, row.recipient_id, payloads.PROMPT_ACTED, [view], now,
                    extra={view.id: {"action_event_id": cause.event_id, "seconds_to_act": seconds}},
                )
                self.acted_total.labels(pb.PromptKind.Name(row.kind)).inc()

    # ---------- scheduled work: held prompts and due reminders ----------

    async def tick(self) -> list[pb.Prompt]:
        """Releases held prompts whose time came and sends due-date reminders; returns what it released."""
        assert self.db is not None
        now = self.clock()
        async with self.db.transaction() as conn:
            released = await self._remind_due_requests(conn, now)
            p = t.prompts.c
            rows = (
                await conn.execute(
                    sa.select(t.prompts).where(p.state == "held", p.release_at <= now)
                    .order_by(p.recipient_id, p.priority.desc(), p.created_at).limit(1000)
                )
            ).all()
            for digest in (False, True):
                group = [r for r in rows if bool(r.digest) == digest]
                if group:
                    released += await self.release(conn, group, now)
        if released:
            self.published(released)
            self.on_deliveries()
        return released

    async def _remind_due_requests(self, conn: AsyncConnection, now: dt.datetime) -> list[pb.Prompt]:
        r = t.open_requests.c
        horizon = (now.date() + dt.timedelta(days=rules.REMIND_DAYS_BEFORE_DUE)).isoformat()
        rows = (await conn.execute(sa.select(t.open_requests).where(r.reminded.is_(False), r.due_date != "", r.due_date <= horizon))).all()
        released: list[pb.Prompt] = []
        for row in rows:
            directory = await self.cache.directory(conn, {row.requester_id, row.subject_id, row.recipient_id})
            draft = rules.request_due_reminder(row.request_id, row.requester_id, row.subject_id, row.recipient_id, row.due_date, now.date(), directory)
            await conn.execute(t.open_requests.update().where(r.request_id == row.request_id).values(reminded=True))
            if draft is None:
                continue
            cause = Cause(f"due:{row.request_id}", fb.FeedbackRequested.DESCRIPTOR.full_name, "feedback.feedback-requested.v1", now, row.visibility, row.subject_id)
            released += await self.accept(conn, draft, cause, now)
        return released


# ---------- shared reads ----------


async def take_cursors(conn: AsyncConnection, recipient: str, n: int) -> int:
    """Reserves n consecutive cursors for the recipient; returns the last. The row lock orders
    concurrent releases for one person, so their commits become visible in cursor order."""
    return int((await conn.execute(_take_cursors_statement(conn.dialect.name), {"b_recipient": recipient, "b_n": n})).scalar_one())


async def take_cursors_of(conn: AsyncConnection, counts: Mapping[str, int]) -> dict[str, int]:
    """take_cursors for several recipients in one statement; the rows are locked in recipient order, so two
    transactions releasing for the same people cannot deadlock."""
    if len(counts) == 1:
        [(recipient, n)] = counts.items()
        return {recipient: await take_cursors(conn, recipient, n)}
    params = [{"recipient_id": r, "last_cursor": counts[r]} for r in sorted(counts)]
    rows = (await conn.execute(_take_cursors_many_statement(conn.dialect.name), params)).all()
    return {recipient: int(last) for recipient, last in rows}


async def last_cursor(conn: AsyncConnection, recipient: str) -> int:
    c = t.recipient_cursors.c
    return int((await conn.execute(sa.select(c.last_cursor).where(c.recipient_id == recipient))).scalar() or 0)


async def _person(conn: AsyncConnection, person_id: str) -> Person | None:
    row = (await conn.execute(sa.select(t.people).where(t.people.c.id == person_id))).first()
    return _person_of(row) if row else None


def _person_of(row: Any) -> Person:
    return Person(row.id, row.name, row.email, row.manager_id or "", row.time_zone, row.hr, row.active)


async def preferences_of(conn: AsyncConnection, person_id: str) -> policy.DeliveryPreferences:
    """Stored preferences, falling back to defaults; the time zone and address from the org projection."""
    return await _preferences_with(conn, person_id, await _person(conn, person_id))


async def _preferences_with(conn: AsyncConnection, person_id: str, person: Person | None) -> policy.DeliveryPreferences:
    row = (await conn.execute(sa.select(t.preferences).where(t.preferences.c.employee_id == person_id))).first()
    return _preferences_from(row, person)


def _preferences_from(row: Any, person: Person | None) -> policy.DeliveryPreferences:
    """Stored preferences (None: none stored), the time zone and address falling back to the org projection's."""
    zone = (row.time_zone if row and row.time_zone else "") or (person.time_zone if person else "") or "UTC"
    email = (row.email if row and row.email else "") or (person.email if person else "")
    if row is None:
        return policy.DeliveryPreferences(time_zone=zone, email=email)
    return policy.DeliveryPreferences(
        channels=tuple(row.channels) or policy.DEFAULT_CHANNELS, quiet_start=row.quiet_start, quiet_end=row.quiet_end,
        time_zone=zone, daily_digest=row.daily_digest, weekly_budget=row.weekly_budget or policy.DEFAULT_WEEKLY_BUDGET, email=email, language=row.language,
    )


def _fields(row: Any) -> Mapping[str, Any]:
    """A prompt row by column name, whether it is the dict about to be inserted or a row read back."""
    return row if isinstance(row, Mapping) else row._mapping


def _view(row: Any) -> payloads.PromptView:
    r = _fields(row)
    return payloads.PromptView(
        id=r["id"], recipient_id=r["recipient_id"], kind=r["kind"], priority=r["priority"], title=r["title"], body=r["body"],
        about_id=r["about_id"], cause_event_id=r["cause_event_id"], cause_type=r["cause_type"], cause_topic=r["cause_topic"],
        visibility=r["visibility"], created_at=r["created_at"].isoformat().replace("+00:00", "Z"), digest=bool(r["digest"]),
    )


def prompt_proto(row: Any, *, cursor: int | None = None, read: bool | None = None, acted: bool | None = None) -> pb.Prompt:
    r = _fields(row)
    return pb.Prompt(
        id=r["id"], recipient_id=r["recipient_id"], kind=r["kind"], priority=r["priority"], title=r["title"], body=r["body"],
        about_id=r["about_id"], ref_id=r["ref_id"], cause_event_id=r["cause_event_id"], cause_type=r["cause_type"],
        cause_occurred_at=timestamp(r["cause_occurred_at"]), created_at=timestamp(r["created_at"]),
        cursor=cursor if cursor is not None else (r["cursor"] or 0),
        read=bool(r["read"]) if read is None else read, digest=bool(r["digest"]),
        acted=bool(r["acted"]) if acted is None else acted,
    )


