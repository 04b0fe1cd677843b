"""From incoming events to prompts: rules, exactly-once per (cause, recipient, kind), the delivery policy,
release with per-recipient cursors, webhook and e-mail deliveries, and closing the loop (sent / acted)."""
from __future__ import annotations

import datetime as dt
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
from paars_notifications.adapters.prompt_repository import OpenQuery, SqlPromptRepository, Writes
from paars_notifications.config import NotificationsConfig
from paars_notifications.domain import involvement, payloads, policy, rules, texts
from paars_notifications.domain.involvement import involved_ids
from paars_notifications.domain.visibility import Directory, Person
from paars_platform import metrics, registry
from paars_platform.auth import ROLE_NAMES
from paars_platform.db import Database, upsert, utcnow
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

    async def audience(self, conn: AsyncConnection, group: str) -> list[Person]:
        """Everyone in a group a rule addresses (rules.MANAGERS, rules.HR), read when such an event comes (rarely:
        a published story, a referral), not cached."""
        rows = (await conn.execute(_AUDIENCE[group])).all()
        return [_person_of(row) for row in rows]

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


# Statements the service layer still runs itself (the consumer path's are in adapters/prompt_repository.py).
_PEOPLE_OF = sa.select(t.people).where(t.people.c.id.in_(sa.bindparam("b_ids", expanding=True)))
_reports = t.people.alias("reports")
_AUDIENCE = {
    rules.MANAGERS: sa.select(t.people).where(
        t.people.c.active.is_(True),
        t.people.c.id.in_(sa.select(_reports.c.manager_id).where(_reports.c.active.is_(True), _reports.c.manager_id.is_not(None))),
    ).order_by(t.people.c.id),
    rules.HR: sa.select(t.people).where(t.people.c.active.is_(True), t.people.c.hr.is_(True)).order_by(t.people.c.id),
}
_PREFERENCES_OF = sa.select(t.preferences).where(t.preferences.c.employee_id.in_(sa.bindparam("b_ids", expanding=True)))


@dataclass
class Applied:
    """One event of a batch with its rules applied (pure work, done when its handler runs), waiting for the
    batch's statements: the prompts it drafts and what it shows someone did."""

    event: Any
    cause: Cause
    drafts: list[rules.PromptDraft]
    matches: list[rules.ActionMatch]
    # FeedbackRequested: the open request to keep (its row), or None to forget it; absent for other events.
    request: tuple[str, dict[str, Any] | None] | None = None


def acts_on(match: rules.ActionMatch, draft: rules.PromptDraft) -> bool:
    """Whether an action would close the prompt a draft becomes (an action in the same batch as its prompt)."""
    return (
        draft.recipient_id == match.recipient_id and draft.kind in match.kinds
        and (not match.about_id or draft.about_id == match.about_id) and (not match.ref_id or draft.ref_id == match.ref_id)
    )


def closes(match: rules.ActionMatch, row: Any, before: dt.datetime) -> bool:
    """The open-prompt query of one action, on a row already read (see SqlPromptRepository.budget_and_open)."""
    return (
        row.recipient_id == match.recipient_id and row.kind in match.kinds and not row.acted and row.state != "dropped"
        and row.created_at <= before and (not match.about_id or row.about_id == match.about_id)
        and (not match.ref_id or row.ref_id == match.ref_id)
    )


def runs(items: Sequence[Applied]) -> list[list[Applied]]:
    """A batch cut where an event acts on a prompt an earlier event of the same run drafts: each run's statements
    are made before the next run's reads, so that action sees (and closes) the prompt, as one by one."""
    out: list[list[Applied]] = [[]]
    for item in items:
        run = out[-1]
        if item.matches and any(acts_on(m, d) for m in item.matches for earlier in run for d in earlier.drafts):
            out.append(run := [])
        run.append(item)
    return [run for run in out if run]


@dataclass
class _Gathered:
    """The events of one inbox transaction (a poll's batch, or one event), applied together at its end."""

    conn: AsyncConnection
    items: list[Applied]


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
    #
    # The inbox calls handle() per event inside its transaction; with its TransactionHooks (begin, prepare,
    # before_commit) the events of the transaction are only gathered there, with their rules applied, and the
    # whole batch is written at before_commit: the budget and the open prompts read in one statement, every
    # prompt in one INSERT, every cursor in one upsert, then the releases, deliveries and outbox events with
    # one statement each (on PostgreSQL each round trip was ~1 ms and a batch paid about five per event).
    # A directory change is applied where it comes (after writing the events before it). A failing batch
    # rolls back whole and the inbox applies its events one by one, so a poison event is dead-lettered alone.
    # handle() called without begin() (a direct call) writes its event at once.

    def handlers(self) -> dict[str, Handler]:
        return registry.subscribe(PRODUCER, dict.fromkeys(rules.RULES, self.handle))

    async def handle(self, conn: AsyncConnection, event: Any) -> None:
        """Applies one event inside the inbox transaction (so a redelivery changes nothing)."""
        self._pending.pop(event.metadata.event_id, None)
        gathered = self._gathered if self._gathered is not None and self._gathered.conn is conn else None
        if isinstance(event, org_pb2.EmployeeChanged):
            if gathered is not None and gathered.items:
                items, gathered.items = gathered.items, []
                await self.apply(conn, items)
            await self._project(conn, event)
            return
        item = await self.rules_of(conn, event)
        if gathered is not None:
            gathered.items.append(item)
        else:
            await self.apply(conn, [item])

    async def rules_of(self, conn: AsyncConnection, event: Any) -> Applied:
        """The rules of one event: its prompts and actions (the directory from the cache prepare() filled)."""
        cause = cause_of(event)
        directory = await self.cache.directory(conn, involved_ids(event))
        rule = rules.RULES.get(type(event))
        if rule is not None and rule.audience:
            members = await self.cache.audience(conn, rule.audience)
            directory = Directory({**directory.people, **{p.id: p for p in members}}, audience=tuple(sorted(p.id for p in members)))
        request: tuple[str, dict[str, Any] | None] | None = None
        if isinstance(event, fb.FeedbackRequested):
            keep = event.state == fb.FeedbackRequest.STATE_OPEN and event.recipient_id and not event.external
            request = (event.request_id, dict(
                request_id=event.request_id, requester_id=event.requester_id, subject_id=event.subject_id,
                recipient_id=event.recipient_id, due_date=event.due_date[:10], visibility=cause.visibility,
                cause_occurred_at=cause.occurred_at, reminded=False,
            ) if keep else None)
        return Applied(event, cause, rules.prompts_for(event, directory, self.clock().date()), rules.actions_in(event), request)

    def begin(self, conn: AsyncConnection) -> None:
        self._gathered = _Gathered(conn, [])

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
        if gathered is None or gathered.conn is not conn or not gathered.items:
            return
        await self.apply(conn, gathered.items)

    async def apply(self, conn: AsyncConnection, items: Sequence[Applied]) -> None:
        """Writes what a batch of events decided, run by run (see runs())."""
        for run in runs(items):
            await self._apply_run(conn, run)

    async def _apply_run(self, conn: AsyncConnection, items: Sequence[Applied]) -> None:
        now = self.clock()
        repo = SqlPromptRepository(conn)
        writes = Writes()
        drafts = [(item, draft) for item in items for draft in item.drafts]
        recipients = {draft.recipient_id for _item, draft in drafts}
        actions = [(item, match) for item in items for match in item.matches]
        open_query = OpenQuery(
            actors=frozenset(m.recipient_id for _i, m in actions), kinds=frozenset(k for _i, m in actions for k in m.kinds),
            abouts=frozenset(m.about_id for _i, m in actions if m.about_id), refs=frozenset(m.ref_id for _i, m in actions if m.ref_id),
            before=max(item.cause.occurred_at for item, _m in actions),
        ) if actions else None
        spent, open_rows = await repo.budget_and_open(recipients, now - policy.BUDGET_WINDOW, open_query)
        acted = self._close_loop(actions, open_rows, writes)
        await self._enqueue_acted(conn, writes, acted, now)
        writes.requests += [item.request for item in items if item.request is not None]
        due = await self._store(conn, repo, drafts, spent, now)
        released = await self.release(conn, due, now, writes=writes, repo=repo)
        await repo.write(writes)
        by_cause: dict[str, list[pb.Prompt]] = defaultdict(list)
        for prompt in released:
            by_cause[prompt.cause_event_id].append(prompt)
        for item in items:
            event_id = item.event.metadata.event_id
            if by_cause.get(event_id):
                self._pending[event_id] = by_cause[event_id]
        while len(self._pending) > _PENDING_LIMIT:
            self._pending.popitem(last=False)

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

    # ---------- accepting and releasing prompts ----------

    async def _store(
        self, conn: AsyncConnection, repo: SqlPromptRepository, drafts: Sequence[tuple[Applied, rules.PromptDraft]],
        spent: dict[str, int], now: dt.datetime,
    ) -> list[dict[str, Any]]:
        """Stores a run's drafts once per (cause, recipient, kind) and once per (moment, recipient); returns the
        rows to release now, in the order of the drafts.

        Whether a person's earlier draft goes in decides the budget left for their next one. Each draft is
        decided as if all earlier ones of its recipient went in and as if none did: where both agree (nearly
        always: a budget is rarely at its edge) nothing can change it, and all those go in one INSERT; the
        drafts of a recipient at the edge are then stored one by one, in order, with what really went in."""
        if not drafts:
            return []
        prefs = await self.cache.preferences_of(conn, [d.recipient_id for _item, d in drafts])
        assumed = dict(spent)
        at_edge: set[str] = set()
        planned: list[tuple[int, Applied, rules.PromptDraft, policy.Decision, dict[str, Any]]] = []
        for index, (item, draft) in enumerate(drafts):
            r = draft.recipient_id
            decision = policy.decide(now, prefs[r], draft.priority, assumed.get(r, 0), self.config.digest_at)
            if decision != policy.decide(now, prefs[r], draft.priority, spent.get(r, 0), self.config.digest_at):
                at_edge.add(r)
            if decision.budgeted:
                assumed[r] = assumed.get(r, 0) + 1
            planned.append((index, item, draft, decision, self._row(draft, prefs[r], decision, item.cause, now)))
        due: list[tuple[int, dict[str, Any]]] = []
        clear = [p for p in planned if p[2].recipient_id not in at_edge]
        stored = await repo.add([row for *_rest, row in clear])
        for index, _item, draft, decision, row in clear:
            if row["id"] in stored and self._stored(draft, decision, spent):
                due.append((index, row))
        for index, item, draft, _decision, _row in (p for p in planned if p[2].recipient_id in at_edge):
            r = draft.recipient_id
            decision = policy.decide(now, prefs[r], draft.priority, spent.get(r, 0), self.config.digest_at)
            row = self._row(draft, prefs[r], decision, item.cause, now)
            if await repo.add([row]) and self._stored(draft, decision, spent):
                due.append((index, row))
        return [row for _index, row in sorted(due, key=lambda pair: pair[0])]

    async def accept(self, conn: AsyncConnection, draft: rules.PromptDraft, cause: Cause, now: dt.datetime) -> list[pb.Prompt]:
        """Stores one prompt (the scheduler's reminders), and releases it now or holds it."""
        repo = SqlPromptRepository(conn)
        spent, _ = await repo.budget_and_open({draft.recipient_id}, now - policy.BUDGET_WINDOW, None)
        prefs = await self.cache.preferences(conn, draft.recipient_id)
        decision = policy.decide(now, prefs, draft.priority, spent.get(draft.recipient_id, 0), self.config.digest_at)
        row = self._row(draft, prefs, decision, cause, now)
        if not await repo.add([row]) or not self._stored(draft, decision, spent):
            return []  # held, or this cause already prompted this person for this (or another cause for the same moment)
        return await self.release(conn, [row], now)

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

    async def release(
        self, conn: AsyncConnection, rows: Sequence[Any], now: dt.datetime, *, writes: Writes | None = None,
        repo: SqlPromptRepository | None = None,
    ) -> list[pb.Prompt]:
        """Gives prompts their in-app cursors, queues their webhook calls and e-mails, and announces them. With
        `writes` (a batch's) the marks, deliveries and events are left to the batch; without, written here."""
        repo = repo or SqlPromptRepository(conn)
        own = writes is None
        writes = writes if writes is not None else Writes()
        by_recipient: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
        for row in rows:
            by_recipient[_fields(row)["recipient_id"]].append(_fields(row))
        out: list[pb.Prompt] = []
        lasts = await repo.take_cursors({recipient: len(group) for recipient, group in by_recipient.items()})
        for recipient, group in by_recipient.items():
            last = lasts[recipient]
            for offset, row in enumerate(group):
                cursor = last - len(group) + 1 + offset
                writes.marks.append({"b_id": row["id"], "b_cursor": cursor, "b_at": now})
                out.append(prompt_proto(row, cursor=cursor, read=False, acted=False))
            channels = await self._enqueue_deliveries(conn, writes, recipient, [_view(row) for row in group], now)
            writes.events += [
                pb.PromptSent(
                    metadata=new_metadata(producer=PRODUCER, subject_id=recipient, visibility=row["visibility"], causation_id=row["cause_event_id"]),
                    prompt_id=row["id"], recipient_id=recipient, kind=row["kind"],
                    cause_event_id=row["cause_event_id"], about_id=row["about_id"],
                    channels=channels, digest=bool(row["digest"]),  # type: ignore[arg-type]
                    latency_seconds=max(0.0, time.time() - row["cause_occurred_at"].timestamp()),
                )
                for row in group
            ]
        if own:
            await repo.write(writes)
        return out

    async def _enqueue_deliveries(
        self, conn: AsyncConnection, writes: Writes, recipient: str, views: list[payloads.PromptView], now: dt.datetime,
    ) -> list[int]:
        channels: list[int] = [pb.CHANNEL_IN_APP]
        prefs = await self.cache.preferences(conn, recipient)
        if await self._enqueue_webhooks(conn, writes, recipient, payloads.PROMPT_SENT, views, now):
            channels.append(pb.CHANNEL_WEBHOOK)
        address = prefs.email
        if self.config.email_enabled and pb.CHANNEL_EMAIL in prefs.channels and address:
            person = (await self.cache.directory(conn, [recipient], depth=1)).people.get(recipient)
            digest = any(v.digest for v in views)
            batches = [views] if digest else [[v] for v in views]
            for batch in batches:
                subject, text = payloads.email_text(
                    person.name if person else recipient, batch, digest=digest, base_url=self.config.web_base_url, language=prefs.language,
                )
                key = f"digest:{batch[0].id}:email" if digest else f"{batch[0].id}:email"
                self._delivery(writes, key, pb.CHANNEL_EMAIL, None, recipient, address, "email", 0 if digest else batch[0].kind, subject, json.dumps({"text": text}))
            channels.append(pb.CHANNEL_EMAIL)
        return channels

    async def _enqueue_webhooks(
        self, conn: AsyncConnection, writes: Writes, recipient: str, event_type: str, views: list[payloads.PromptView], now: dt.datetime,
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
                self._delivery(writes, f"{view.id}:{event_type}:{sub.id}", pb.CHANNEL_WEBHOOK, sub.id, sub.owner_id, sub.url, event_type, view.kind, "", body)
                queued = True
        return queued

    def _delivery(
        self, writes: Writes, key: str, channel: int, subscription_id: str | None, owner: str, target: str,
        event_type: str, kind: int, subject: str, payload: str,
    ) -> None:
        self._deliveries_queued = True
        at = utcnow()
        writes.deliveries.append(dict(
            delivery_key=key, channel=channel, subscription_id=subscription_id, owner_id=owner, target=target,
            event_type=event_type, kind=kind, subject=subject[:300], payload=payload, state="pending", attempts=0,
            next_attempt_at=at, lease_until=None, last_error="", created_at=at, finished_at=None,
        ))

    # ---------- closing the loop ----------

    def _close_loop(
        self, actions: Sequence[tuple[Applied, rules.ActionMatch]], open_rows: Sequence[Any], writes: Writes,
    ) -> list[tuple[Any, Cause, float]]:
        """Each action, in order, closes the open prompts it matches (a prompt once, by the first action): one
        not yet shown is dropped, a shown one is acted on. Returns the acted ones (row, action, seconds to act)."""
        taken: set[str] = set()
        acted: list[tuple[Any, Cause, float]] = []
        for item, match in actions:
            cause = item.cause
            for row in open_rows:
                if row.id in taken or not closes(match, row, cause.occurred_at):
                    continue
                taken.add(row.id)
                if row.state != "released":
                    # Done before we even showed it: the prompt is moot, and the person is not bothered.
                    writes.dropped.append(row.id)
                    continue
                writes.acted.append({"b_id": row.id, "b_at": cause.occurred_at, "b_action": cause.event_id})
                seconds = max(0.0, (cause.occurred_at - (row.released_at or row.created_at)).total_seconds())
                writes.events.append(pb.PromptActed(
                    metadata=new_metadata(producer=PRODUCER, subject_id=row.recipient_id, visibility=row.visibility, causation_id=cause.event_id),
                    prompt_id=row.id, recipient_id=row.recipient_id, kind=row.kind, action_event_id=cause.event_id,
                    seconds_to_act=seconds,
                ))
                acted.append((row, cause, seconds))
                self.acted_total.labels(pb.PromptKind.Name(row.kind)).inc()
        return acted

    async def _enqueue_acted(self, conn: AsyncConnection, writes: Writes, acted: Sequence[tuple[Any, Cause, float]], now: dt.datetime) -> None:
        """The prompt.acted webhook calls of the prompts acted on."""
        for row, cause, seconds in acted:
            view = _view(row)
            await self._enqueue_webhooks(
                conn, writes, row.recipient_id, payloads.PROMPT_ACTED, [view], now,
                extra={view.id: {"action_event_id": cause.event_id, "seconds_to_act": seconds}},
            )

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


