"""What callers of the NotificationService ask (commands change something, queries only read), each with
check(): what the request alone decides, every wrong field named, before a transaction is opened.

Notifications' RPCs keep no idempotency keys (marking read, setting preferences and deleting are idempotent
by nature; a retried CreateWebhook makes a second subscription, as before), so these carry no RequestKey."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import ClassVar

from paars_notifications.domain import preferences
from paars_notifications.domain.preferences import StoredPreferences
from paars_notifications.domain.subscriptions import FORMATS
from paars_platform.auth import Identity
from paars_platform.errors import InvalidArgument, Validator

MAX_LIST = 500
MAX_ID = 64
# Dead-letter ids are the deliveries table's BIGINT keys.
DELIVERY_ID = re.compile(r"[1-9][0-9]{0,18}")
MAX_DELIVERY_ID = 2**63 - 1


@dataclass(frozen=True)
class Request:
    caller: Identity
    # Whether the bus runs it in a read-only unit of work.
    READ_ONLY: ClassVar[bool] = False

    @property
    def me(self) -> str:
        return self.caller.employee_id

    @property
    def privileged(self) -> bool:
        """Admins and the system see and manage everyone's webhooks and dead letters."""
        return self.caller.has("admin", "system")

    def check(self) -> None:
        """Nothing to check by default."""


@dataclass(frozen=True)
class Query(Request):
    READ_ONLY: ClassVar[bool] = True


@dataclass(frozen=True)
class ListPrompts(Query):
    limit: int = 0
    unread_only: bool = False

    def check(self) -> None:
        if self.limit < 0:
            raise InvalidArgument("limit", "must not be negative")

    @property
    def page_size(self) -> int:
        return min(self.limit or 50, MAX_LIST)


@dataclass(frozen=True)
class MarkRead(Request):
    prompt_ids: tuple[str, ...] = ()

    def check(self) -> None:
        v = Validator()
        v.check(0 < len(self.prompt_ids) <= MAX_LIST, "prompt_ids", f"give between 1 and {MAX_LIST} prompt ids")
        v.check(all(0 < len(i) <= MAX_ID for i in self.prompt_ids), "prompt_ids", f"each id has 1 to {MAX_ID} characters")
        v.raise_if_any()


@dataclass(frozen=True)
class GetPreferences(Query):
    pass


@dataclass(frozen=True)
class SetPreferences(Request):
    preferences: StoredPreferences = field(default_factory=StoredPreferences)
    # The record's employee_id as sent ("" or the caller's own).
    employee_id: str = ""
    # The update mask's paths; None: no mask, the record is replaced whole.
    fields: tuple[str, ...] | None = None

    def check(self) -> None:
        preferences.check_update(self.me, self.employee_id, self.fields)


@dataclass(frozen=True)
class CreateWebhook(Request):
    url: str = ""
    event_filter: tuple[str, ...] = ()
    format: int = 0
    organisation_wide: bool = False

    def check(self) -> None:
        v = Validator()
        v.check(len(self.url) <= 2000, "url", "must be at most 2000 characters")
        v.check(len(self.event_filter) <= 20 and all(0 < len(f) <= 200 for f in self.event_filter), "event_filter", "at most 20 non-empty entries")
        v.check(self.format == 0 or self.format in FORMATS, "format", "unknown format")
        v.raise_if_any()


@dataclass(frozen=True)
class ListWebhooks(Query):
    pass


@dataclass(frozen=True)
class DeleteWebhook(Request):
    id: str = ""


@dataclass(frozen=True)
class ListDeadLetters(Query):
    limit: int = 0

    def check(self) -> None:
        if self.limit < 0:
            raise InvalidArgument("limit", "must not be negative")

    @property
    def page_size(self) -> int:
        return min(self.limit or 100, MAX_LIST)


@dataclass(frozen=True)
class RetryDeadLetter(Request):
    id: str = ""

    def check(self) -> None:
        if DELIVERY_ID.fullmatch(self.id) is None or int(self.id) > MAX_DELIVERY_ID:
            raise InvalidArgument("id", "is not a dead-letter id (the id from ListDeadLetters)")
