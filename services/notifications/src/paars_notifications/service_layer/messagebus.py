"""Runs the NotificationService's commands and queries: the request's checks first, then its handler in one
unit of work (read-only for a query) that commits the change; then, once committed, what must follow in this
process (forget cached preferences or subscriptions, wake the delivery worker)."""
from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar, cast

from paars_notifications.service_layer import commands as c
from paars_notifications.service_layer import rpc_handlers as h
from paars_notifications.service_layer.unit_of_work import UnitOfWork, UnitOfWorkFactory

A = TypeVar("A")
Handler = Callable[[Any, UnitOfWork, h.Services], Awaitable[Any]]

HANDLERS: Mapping[type[c.Request], Handler] = {
    c.ListPrompts: h.list_prompts,
    c.MarkRead: h.mark_read,
    c.GetPreferences: h.get_preferences,
    c.SetPreferences: h.set_preferences,
    c.CreateWebhook: h.create_webhook,
    c.ListWebhooks: h.list_webhooks,
    c.DeleteWebhook: h.delete_webhook,
    c.ListDeadLetters: h.list_dead_letters,
    c.RetryDeadLetter: h.retry_dead_letter,
}
# Run after a request was handled and committed, outside its transaction.
Then = Callable[[Any], None]


class MessageBus:
    def __init__(self, uow: UnitOfWorkFactory, services: h.Services, *, then: Mapping[type[c.Request], Then] | None = None) -> None:
        self.uow = uow
        self.services = services
        self.then = dict(then or {})

    async def handle(self, request: c.Request) -> Any:
        """The request's answer (its type is the handler's; see HANDLERS)."""
        request.check()
        handler = HANDLERS[type(request)]
        async with self.uow(read_only=request.READ_ONLY) as uow:
            answer = await handler(request, uow, self.services)
            if not request.READ_ONLY:
                await uow.commit()
        after = self.then.get(type(request))
        if after is not None:
            after(request)
        return answer

    async def ask(self, request: c.Request, answer: type[A]) -> A:
        """handle(), typed for the caller that knows the answer's type."""
        return cast(A, await self.handle(request))
