"""Webhook subscriptions and dead letters (deliveries that gave up): who may create, delete and retry them."""
from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from paars.notifications.v1 import notifications_pb2 as pb
from paars_platform.errors import PermissionDenied

FORMATS = frozenset({pb.WebhookSubscription.FORMAT_PAARS_JSON, pb.WebhookSubscription.FORMAT_CHAT_INCOMING_WEBHOOK})


@dataclass(frozen=True)
class Webhook:
    id: str
    owner_id: str
    url: str
    event_filter: tuple[str, ...]
    format: int
    secret: str
    organisation_wide: bool
    active: bool
    created_at: dt.datetime

    @classmethod
    def create(
        cls, *, id: str, owner_id: str, url: str, event_filter: tuple[str, ...], format: int, secret: str,
        organisation_wide: bool, privileged: bool, now: dt.datetime,
    ) -> Webhook:
        """A new subscription; organisation-wide ones (every person's prompts) only for admin or system callers."""
        if organisation_wide and not privileged:
            raise PermissionDenied("organisation-wide webhooks are for admin or system callers")
        return cls(id, owner_id, url, event_filter, format or pb.WebhookSubscription.FORMAT_PAARS_JSON, secret, organisation_wide, True, now)

    def deleted_by(self, caller_id: str, *, privileged: bool) -> Webhook:
        """The subscription ended (its pending calls are cancelled with it)."""
        if self.owner_id != caller_id and not privileged:
            raise PermissionDenied("only its owner or an admin deletes a webhook")
        return dataclasses.replace(self, active=False)


@dataclass(frozen=True)
class DeadLetter:
    """A webhook call or e-mail that failed every attempt."""

    id: int
    owner_id: str
    channel: int
    target: str
    event_type: str
    attempts: int
    last_error: str
    failed_at: dt.datetime | None
    subscription_id: str

    def check_retry_by(self, caller_id: str, *, privileged: bool) -> None:
        if self.owner_id != caller_id and not privileged:
            raise PermissionDenied("only its owner or an admin retries a dead letter")
