"""The NotificationService's use cases: one async function per RPC, (command, unit of work, services) -> answer.
The rules of the use case only; the protobuf is the entrypoint's, the SQL the repositories'."""
from __future__ import annotations

import secrets
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from paars_notifications.domain import policy
from paars_notifications.domain.preferences import StoredPreferences, effective
from paars_notifications.domain.subscriptions import DeadLetter, Webhook
from paars_notifications.service_layer import commands as c
from paars_notifications.service_layer.unit_of_work import PromptRow, UnitOfWork
from paars_platform.errors import NotFound


@dataclass(frozen=True)
class Services:
    """What handlers use besides the database: the webhook target check (resolves the host and refuses
    private addresses unless allowed; raises InvalidArgument on url)."""

    check_target: Callable[[str], Awaitable[None]]


async def list_prompts(query: c.ListPrompts, uow: UnitOfWork, services: Services) -> tuple[list[PromptRow], int]:
    return await uow.prompts.page(query.me, unread_only=query.unread_only, limit=query.page_size)


async def mark_read(command: c.MarkRead, uow: UnitOfWork, services: Services) -> int:
    return await uow.prompts.mark_read(command.me, command.prompt_ids)


async def get_preferences(query: c.GetPreferences, uow: UnitOfWork, services: Services) -> policy.DeliveryPreferences:
    """What is stored, with the directory's time zone and address where the person left them empty."""
    return effective(await uow.preferences.stored(query.me), await uow.preferences.person(query.me))


async def set_preferences(command: c.SetPreferences, uow: UnitOfWork, services: Services) -> policy.DeliveryPreferences:
    stored = await uow.preferences.stored(command.me) or StoredPreferences()
    record = stored.merged(command.preferences, command.fields)
    record.check()
    record = record.normalised()
    await uow.preferences.save(command.me, record, uow.clock())
    return record.effective(await uow.preferences.person(command.me))


async def create_webhook(command: c.CreateWebhook, uow: UnitOfWork, services: Services) -> Webhook:
    webhook = Webhook.create(
        id=uuid.uuid4().hex, owner_id=command.me, url=command.url, event_filter=command.event_filter, format=command.format,
        secret="whsec_" + secrets.token_urlsafe(32), organisation_wide=command.organisation_wide, privileged=command.privileged,
        now=uow.clock(),
    )
    # Resolved now to refuse early; every call resolves and checks again (DNS rebinding).
    await services.check_target(command.url)
    await uow.webhooks.add(webhook)
    return webhook


async def list_webhooks(query: c.ListWebhooks, uow: UnitOfWork, services: Services) -> list[Webhook]:
    return await uow.webhooks.active(None if query.privileged else query.me)


async def delete_webhook(command: c.DeleteWebhook, uow: UnitOfWork, services: Services) -> Webhook:
    webhook = await uow.webhooks.get(command.id) if len(command.id) <= c.MAX_ID else None
    if webhook is None or not webhook.active:
        raise NotFound(f"no webhook {_shown(command.id)}")
    ended = webhook.deleted_by(command.me, privileged=command.privileged)
    await uow.webhooks.end(ended)
    return ended


async def list_dead_letters(query: c.ListDeadLetters, uow: UnitOfWork, services: Services) -> list[DeadLetter]:
    return await uow.dead_letters.latest(None if query.privileged else query.me, query.page_size)


async def retry_dead_letter(command: c.RetryDeadLetter, uow: UnitOfWork, services: Services) -> DeadLetter:
    letter = await uow.dead_letters.get(int(command.id))
    if letter is None:
        raise NotFound(f"no dead letter {command.id}")
    letter.check_retry_by(command.me, privileged=command.privileged)
    await uow.dead_letters.retry(letter.id, uow.clock())
    return letter


def _shown(value: str) -> str:
    """An id as an error message may echo it: bounded, so a huge one cannot blow up the status trailers."""
    return repr(value if len(value) <= c.MAX_ID else value[:c.MAX_ID] + "…")
