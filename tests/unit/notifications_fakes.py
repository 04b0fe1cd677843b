"""In-memory fakes of the notifications service's unit of work and repositories (the cosmicpython
way): the RPC handler tests run the real handlers and message bus over them, with no database and no broker.
A unit of work works on a copy of the store and writes it back on commit, so a refused request changes nothing."""
from __future__ import annotations

import contextlib
import copy
import dataclasses
import datetime as dt
import types
from collections.abc import Sequence
from types import TracebackType
from typing import Any, Self

from paars_notifications.adapters.read_cache import ReadCache
from paars_notifications.domain import rules
from paars_notifications.domain.policy import DeliveryPreferences
from paars_notifications.domain.preferences import StoredPreferences
from paars_notifications.domain.subscriptions import DeadLetter, Webhook
from paars_notifications.domain.visibility import Directory, Person
from paars_notifications.service_layer.messagebus import MessageBus
from paars_notifications.service_layer.rpc_handlers import Services
from paars_notifications.service_layer.unit_of_work import PromptRow
from paars_platform.errors import InvalidArgument

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


class Clock:
    def __init__(self, now: dt.datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@dataclasses.dataclass
class Store:
    """What the fake database holds."""

    prompts: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    cursors: dict[str, int] = dataclasses.field(default_factory=dict)
    preferences: dict[str, tuple[StoredPreferences, dt.datetime]] = dataclasses.field(default_factory=dict)
    people: dict[str, Person] = dataclasses.field(default_factory=dict)
    webhooks: dict[str, Webhook] = dataclasses.field(default_factory=dict)
    # Deliveries: id -> (state, the dead letter's fields, subscription id, next attempt).
    deliveries: dict[int, dict[str, Any]] = dataclasses.field(default_factory=dict)
    commits: int = 0


class FakePrompts:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def page(self, recipient: str, *, unread_only: bool, limit: int) -> tuple[list[PromptRow], int]:
        mine = [p for p in self.store.prompts.values() if p["recipient_id"] == recipient and p["cursor"] is not None]
        if unread_only:
            mine = [p for p in mine if not p["read"]]
        mine.sort(key=lambda p: p["cursor"], reverse=True)
        return [dict(p) for p in mine[:limit]], self.store.cursors.get(recipient, 0)

    async def mark_read(self, recipient: str, prompt_ids: Sequence[str]) -> int:
        changed = 0
        for prompt_id in set(prompt_ids):
            p = self.store.prompts.get(prompt_id)
            if p is not None and p["recipient_id"] == recipient and not p["read"]:
                p["read"] = True
                changed += 1
        return changed


class FakePreferences:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def stored(self, person_id: str) -> StoredPreferences | None:
        found = self.store.preferences.get(person_id)
        return found[0] if found else None

    async def save(self, person_id: str, preferences: StoredPreferences, at: dt.datetime) -> None:
        self.store.preferences[person_id] = (preferences, at)

    async def person(self, person_id: str) -> Person | None:
        return self.store.people.get(person_id)


class FakeWebhooks:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def add(self, webhook: Webhook) -> None:
        if webhook.id in self.store.webhooks:
            raise InvalidArgument("id", "taken")  # the primary key the table keeps
        self.store.webhooks[webhook.id] = webhook

    async def get(self, webhook_id: str) -> Webhook | None:
        return self.store.webhooks.get(webhook_id)

    async def active(self, owner_id: str | None) -> list[Webhook]:
        hooks = [w for w in self.store.webhooks.values() if w.active and (owner_id is None or w.owner_id == owner_id)]
        return sorted(hooks, key=lambda w: w.created_at)

    async def end(self, webhook: Webhook) -> None:
        self.store.webhooks[webhook.id] = dataclasses.replace(webhook, active=False)
        for delivery in self.store.deliveries.values():
            if delivery["subscription_id"] == webhook.id and delivery["state"] == "pending":
                delivery["state"] = "cancelled"


class FakeDeadLetters:
    def __init__(self, store: Store) -> None:
        self.store = store

    def _letter(self, delivery_id: int, d: dict[str, Any]) -> DeadLetter:
        return DeadLetter(
            delivery_id, d["owner_id"], d["channel"], d["target"], d["event_type"], d["attempts"], d["last_error"], d["finished_at"],
            d["subscription_id"] or "",
        )

    async def latest(self, owner_id: str | None, limit: int) -> list[DeadLetter]:
        dead = [(i, d) for i, d in self.store.deliveries.items() if d["state"] == "dead" and (owner_id is None or d["owner_id"] == owner_id)]
        dead.sort(key=lambda pair: pair[1]["finished_at"], reverse=True)
        return [self._letter(i, d) for i, d in dead[:limit]]

    async def get(self, delivery_id: int) -> DeadLetter | None:
        d = self.store.deliveries.get(delivery_id)
        return self._letter(delivery_id, d) if d is not None and d["state"] == "dead" else None

    async def retry(self, delivery_id: int, at: dt.datetime) -> None:
        self.store.deliveries[delivery_id].update(state="pending", attempts=0, next_attempt_at=at)


class FakeUnitOfWork:
    def __init__(self, store: Store, clock: Clock, *, read_only: bool = False) -> None:
        self.committed_to = store
        self.clock = clock
        self.read_only = read_only
        self._committed = False

    async def __aenter__(self) -> Self:
        self.store = copy.deepcopy(self.committed_to)
        self.prompts = FakePrompts(self.store)
        self.preferences = FakePreferences(self.store)
        self.webhooks = FakeWebhooks(self.store)
        self.dead_letters = FakeDeadLetters(self.store)
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if exc is None and self._committed and not self.read_only:
            for field in dataclasses.fields(Store):
                if field.name != "commits":
                    setattr(self.committed_to, field.name, getattr(self.store, field.name))
            self.committed_to.commits += 1

    async def commit(self) -> None:
        assert not self.read_only, "a query does not commit"
        self._committed = True


class Targets:
    """The webhook target check: hosts named here are refused (as a private address would be)."""

    def __init__(self, *refused: str) -> None:
        self.refused = set(refused)
        self.checked: list[str] = []

    async def __call__(self, url: str) -> None:
        self.checked.append(url)
        if any(host in url for host in self.refused):
            raise InvalidArgument("url", "resolves to a private address")


def bus(store: Store, clock: Clock | None = None, targets: Targets | None = None, then: dict[type, Any] | None = None) -> MessageBus:
    clock = clock or Clock()

    def unit_of_work(*, read_only: bool = False) -> FakeUnitOfWork:
        return FakeUnitOfWork(store, clock, read_only=read_only)

    return MessageBus(unit_of_work, Services(targets or Targets()), then=then)


# ---------- the consumer: its statements and its read cache, in memory ----------


class FakePromptStore:
    """adapters/prompt_repository.py's SqlPromptRepository in memory: the once-only keys, the cursors, the writes.
    Every call is recorded (`calls`), so a test can see the batch's statements and their order."""

    def __init__(self) -> None:
        self.prompts: dict[str, dict[str, Any]] = {}
        self.cursors: dict[str, int] = {}
        self.requests: dict[str, dict[str, Any]] = {}
        self.people: dict[str, dict[str, Any]] = {}
        self.outbox: list[Any] = []
        self.deliveries: dict[str, dict[str, Any]] = {}
        self.parked_events: dict[int, dict[str, Any]] = {}
        # What dead_letter wrote to the outbox (paars_platform.deadletter.DeadLetter), in order.
        self.dead_letters: list[Any] = []
        # The inbox rows unclaim deleted: (consumer, event id).
        self.unclaimed: list[tuple[str, str]] = []
        self.calls: list[str] = []

    def __call__(self, conn: object) -> FakePromptStore:
        return self  # one store, whatever the connection

    def _row(self, prompt_id: str) -> Any:
        """A copy of the row, read like a database row (attributes, and `_mapping` by column name)."""
        row = types.SimpleNamespace(**self.prompts[prompt_id])
        row._mapping = dict(self.prompts[prompt_id])
        return row

    async def budget_and_open(self, budget_for: Any, since: dt.datetime, open_query: Any) -> tuple[dict[str, int], list[Any]]:
        self.calls.append("read")
        spent: dict[str, int] = {}
        for p in self.prompts.values():
            if p["recipient_id"] in budget_for and p["budgeted"] and p["created_at"] >= since:
                spent[p["recipient_id"]] = spent.get(p["recipient_id"], 0) + 1
        rows = []
        if open_query is not None:
            q = open_query
            rows = [
                self._row(i) for i, p in self.prompts.items()
                if p["recipient_id"] in q.actors and p["kind"] in q.kinds and not p["acted"] and p["state"] not in ("dropped", "withdrawn")
                and p["created_at"] <= q.before and (p["about_id"] in q.abouts or p["ref_id"] in q.refs)
            ]
        return spent, rows

    async def add(self, rows: Sequence[Any]) -> set[str]:
        self.calls.append("add")
        stored = set()
        for row in rows:
            taken = any(
                (p["cause_event_id"], p["recipient_id"], p["kind"]) == (row["cause_event_id"], row["recipient_id"], row["kind"])
                or (row["moment_id"] and (p["recipient_id"], p["moment_id"]) == (row["recipient_id"], row["moment_id"]))
                for p in self.prompts.values()
            )
            if not taken:
                self.prompts[row["id"]] = dict(row)
                stored.add(row["id"])
        return stored

    async def moment_rivals(self, rows: Sequence[Any]) -> list[Any]:
        self.calls.append("rivals")
        recipients = {row["recipient_id"] for row in rows}
        moments = {row["moment_id"] for row in rows if row["moment_id"]}
        causes = {row["cause_event_id"] for row in rows}
        return [
            self._row(i) for i, p in self.prompts.items()
            if p["recipient_id"] in recipients and (p["moment_id"] in moments or p["cause_event_id"] in causes)
        ]

    async def take_moment(self, held_id: str, row: Any) -> bool:
        self.calls.append("take")
        if self.prompts[held_id]["state"] != "held":
            return False
        self.prompts[held_id].update(state="withdrawn", moment_id=None, budgeted=False)
        assert await self.add([row]), "the moment was free"
        self.calls.pop()  # the add inside the same statement pair
        return True

    async def write(self, writes: Any) -> dict[str, int]:
        self.calls.append("write")
        for a in writes.acted:
            self.prompts[a["b_id"]].update(acted=True, acted_at=a["b_at"], action_event_id=a["b_action"])
        for prompt_id in writes.dropped:
            self.prompts[prompt_id]["state"] = "dropped"
        for request_id, row in writes.requests:
            if row is None:
                self.requests.pop(request_id, None)
            else:
                self.requests.setdefault(request_id, row)
        for d in writes.deliveries:
            self.deliveries.setdefault(d["delivery_key"], d)
        lasts: dict[str, int] = {}
        for recipient in sorted(writes.released):
            ids = writes.released[recipient]
            first = self.cursors.get(recipient, 0) + 1
            self.cursors[recipient] = lasts[recipient] = first + len(ids) - 1
            for offset, prompt_id in enumerate(ids):
                self.prompts[prompt_id].update(state="released", cursor=first + offset, released_at=writes.released_at)
        self.outbox += writes.events
        return lasts

    async def person_version(self, person_id: str) -> int | None:
        person = self.people.get(person_id)
        return person["version"] if person else None

    async def project_person(self, values: Any) -> None:
        self.calls.append("project")
        self.people[values["id"]] = dict(values)

    async def park(self, rows: Sequence[Any]) -> None:
        self.calls.append("park")
        for row in rows:
            if all(p["event_id"] != row["event_id"] for p in self.parked_events.values()):
                key = max(self.parked_events, default=0) + 1
                self.parked_events[key] = {**row, "id": key}

    async def parked(self, awaiting: str | None = None) -> list[Any]:
        self.calls.append("parked")
        return [types.SimpleNamespace(**p) for _k, p in sorted(self.parked_events.items()) if awaiting is None or awaiting in p["awaited"]]

    async def unpark(self, ids: Sequence[int]) -> None:
        for key in ids:
            self.parked_events.pop(key, None)

    def attempt(self) -> contextlib.AbstractAsyncContextManager[None]:
        return contextlib.nullcontext()

    async def dead_letter(self, letters: Sequence[Any]) -> None:
        self.calls.append("dead_letter")
        self.dead_letters += letters

    async def unclaim(self, consumer: str, event_ids: Any) -> None:
        self.calls.append("unclaim")
        self.unclaimed += [(consumer, event_id) for event_id in event_ids]

    async def known(self, person_ids: Any) -> set[str]:
        return {i for i in person_ids if i in self.people}

    async def held_due(self, now: dt.datetime) -> list[Any]:
        return [self._row(i) for i, p in self.prompts.items() if p["state"] == "held" and p["release_at"] <= now]

    async def due_requests(self, horizon: str) -> list[Any]:
        return []

    async def mark_reminded(self, request_id: str) -> None:
        self.requests[request_id]["reminded"] = True


class FakeReadCache(ReadCache):
    """The read cache over the fake store's people (no database): everyone, with their preferences."""

    def __init__(self, store: FakePromptStore, preferences: dict[str, Any] | None = None) -> None:
        super().__init__()
        self.store = store
        self.prefs = preferences or {}

    def everyone(self) -> dict[str, Person]:
        return {
            i: Person(i, p["name"], p["email"], p["manager_id"] or "", p["time_zone"], p["hr"], p["active"])
            for i, p in self.store.people.items()
        }

    async def directory(self, conn: Any, ids: Any, depth: int = 0) -> Directory:
        return Directory(self.everyone())

    async def preferences(self, conn: Any, person_id: str) -> Any:
        return (await self.preferences_of(conn, [person_id]))[person_id]

    async def preferences_of(self, conn: Any, person_ids: Any) -> dict[str, Any]:
        return {i: self.prefs.get(i, DeliveryPreferences(time_zone="UTC")) for i in person_ids}

    async def webhooks(self, conn: Any) -> list[Any]:
        return []

    async def audience(self, conn: Any, group: str) -> list[Person]:
        people = self.everyone().values()
        if group == rules.MANAGERS:
            managers = {p.manager_id for p in people if p.active and p.manager_id}
            return sorted((p for p in people if p.id in managers and p.active), key=lambda p: p.id)
        if group == rules.EVERYONE:
            return sorted((p for p in people if p.active), key=lambda p: p.id)
        return sorted((p for p in people if p.hr and p.active), key=lambda p: p.id)
