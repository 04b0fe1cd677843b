"""What the RPC handlers may use: the unit of work and its repositories, as protocols. The SQL ones are in
adapters/repository.py and adapters/sql_unit_of_work.py; the handler tests give fakes (tests/unit/notifications_fakes.py)."""
from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Collection, Mapping, Sequence
from types import TracebackType
from typing import Any, Protocol, Self

from paars_notifications.domain.batches import OpenQuery, Writes
from paars_notifications.domain.preferences import StoredPreferences
from paars_notifications.domain.subscriptions import DeadLetter, Webhook
from paars_notifications.domain.visibility import Person
from paars_platform import deadletter
from paars_platform.inbox import InboxClaim

Clock = Callable[[], dt.datetime]
# A released prompt as stored, by column name (adapters/protobuf.py's prompt_proto maps it to the API).
PromptRow = Mapping[str, Any]


class PromptRepository(Protocol):
    async def page(self, recipient: str, *, unread_only: bool, limit: int) -> tuple[list[PromptRow], int]:
        """The recipient's released prompts, newest first, and their latest cursor (from the same snapshot)."""

    async def mark_read(self, recipient: str, prompt_ids: Sequence[str]) -> int:
        """Marks the recipient's unread prompts among these as read; returns how many changed."""


class PreferencesRepository(Protocol):
    async def stored(self, person_id: str) -> StoredPreferences | None: ...

    async def save(self, person_id: str, preferences: StoredPreferences, at: dt.datetime) -> None: ...

    async def person(self, person_id: str) -> Person | None:
        """The org projection's person (time zone and address the preferences fall back to)."""


class WebhookRepository(Protocol):
    async def add(self, webhook: Webhook) -> None: ...

    async def get(self, webhook_id: str) -> Webhook | None: ...

    async def active(self, owner_id: str | None) -> list[Webhook]:
        """Active subscriptions, oldest first: one owner's, or (None) everyone's."""

    async def end(self, webhook: Webhook) -> None:
        """Stores the subscription as ended and cancels its pending calls."""


class DeadLetterRepository(Protocol):
    async def latest(self, owner_id: str | None, limit: int) -> list[DeadLetter]:
        """Dead letters, the latest failure first: one owner's, or (None) everyone's."""

    async def get(self, delivery_id: int) -> DeadLetter | None: ...

    async def retry(self, delivery_id: int, at: dt.datetime) -> None:
        """Sends it again from the first attempt."""


class UnitOfWork(Protocol):
    prompts: PromptRepository
    preferences: PreferencesRepository
    webhooks: WebhookRepository
    dead_letters: DeadLetterRepository
    clock: Clock

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None: ...

    async def commit(self) -> None: ...


# ---------- the consumer ----------


class PromptStore(Protocol):
    """The consumer's statements on the inbox's (or the scheduler's) connection: adapters/prompt_repository.py."""

    async def budget_and_open(self, budget_for: Collection[str], since: dt.datetime, open_query: OpenQuery | None) -> tuple[dict[str, int], list[Any]]: ...

    async def claim_and_read(
        self, claim: InboxClaim, budget_for: Collection[str], since: dt.datetime, open_query: OpenQuery | None,
    ) -> tuple[set[str], dict[str, int], list[Any]]:
        """The inbox's claim (the new event ids) and budget_and_open's read, in one round trip where the database can."""

    async def add(self, rows: Sequence[Mapping[str, Any]]) -> set[str]: ...

    async def moment_rivals(self, rows: Sequence[Mapping[str, Any]]) -> list[Any]:
        """For refused rows about a moment: the stored prompts holding one of their (recipient, moment), or with one of
        their (cause, recipient); rows with id, recipient_id, moment_id, cause_event_id, kind, priority, state, budgeted."""

    async def take_moment(self, held_id: str, row: Mapping[str, Any]) -> bool:
        """Withdraws the held prompt and stores the row in its moment's place, together; False (nothing done) when that
        prompt is no longer held."""

    async def write(self, writes: Writes) -> dict[str, int]:
        """Makes the writes (taking the cursors of writes.released); returns each of those recipients' last cursor."""

    async def person_version(self, person_id: str) -> int | None: ...

    async def project_person(self, values: Mapping[str, Any]) -> None: ...

    async def park(self, rows: Sequence[Mapping[str, Any]]) -> None: ...

    async def parked(self, awaiting: str | None = None) -> list[Any]: ...

    async def unpark(self, ids: Sequence[int]) -> None: ...

    def attempt(self) -> contextlib.AbstractAsyncContextManager[Any]:
        """A part of the transaction that may fail alone (a parked event's rules, dead-lettered when they raise): what
        it wrote is undone when it raises, and the transaction goes on."""

    async def dead_letter(self, letters: Sequence[deadletter.DeadLetter]) -> None:
        """Writes the dead letters to the outbox, in the transaction: published only if it commits."""

    async def unclaim(self, consumer: str, event_ids: Collection[str]) -> None:
        """Deletes the consumer's inbox rows of these events, so that the events are applied when they come again."""

    async def known(self, person_ids: Collection[str]) -> set[str]: ...

    async def held_due(self, now: dt.datetime) -> list[Any]: ...

    async def due_requests(self, horizon: str) -> list[Any]: ...

    async def mark_reminded(self, request_id: str) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, read_only: bool = False) -> UnitOfWork: ...


# ---------- the delivery worker ----------


class DeliveryQueue(Protocol):
    """The deliveries table as the worker's queue (adapters/delivery_repository.py)."""

    async def claim(self, now: dt.datetime, lease: dt.timedelta, limit: int) -> list[Any]:
        """Due deliveries leased until now + lease: rows with the delivery's columns, the subscription's secret and
        subscription_active."""

    async def hand_back(self, ids: Sequence[int]) -> None:
        """Leases given up (a graceful stop): due again at once."""

    async def next_due(self) -> dt.datetime | None: ...

    async def reschedule(self, delivery_id: int, *, attempts: int, error: str, at: dt.datetime) -> None: ...

    async def postpone(self, delivery_id: int, at: dt.datetime) -> None: ...

    async def finish(self, delivery_id: int, *, state: str, error: str, attempts: int, at: dt.datetime) -> None: ...


# ---------- the in-app streams ----------


class StreamReads(Protocol):
    """What the Subscribe streams and the replica watch read (adapters/repository.py, SqlStreamReads)."""

    async def last_cursor(self, recipient: str) -> int: ...

    async def cursors_of(self, recipients: Sequence[str]) -> dict[str, int]:
        """The latest cursor of each recipient that has one."""

    async def replay(self, recipient: str, after: int, upto: int | None, limit: int) -> list[PromptRow]: ...
