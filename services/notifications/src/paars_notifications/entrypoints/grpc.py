"""Thin gRPC servicer: protobuf request -> command (with the caller's identity) -> bus -> answer -> protobuf.
Subscribe is a stream, not a use case in a unit of work: it is the PromptStreams' (service_layer/handlers.py)."""
from __future__ import annotations

from collections.abc import AsyncIterator

import grpc

from paars.notifications.v1 import notifications_pb2 as pb
from paars.notifications.v1 import notifications_pb2_grpc
from paars_notifications.adapters import protobuf as convert
from paars_notifications.domain import policy
from paars_notifications.domain.subscriptions import DeadLetter, Webhook
from paars_notifications.service_layer import commands as c
from paars_notifications.service_layer.handlers import PromptStreams
from paars_notifications.service_layer.messagebus import MessageBus
from paars_notifications.service_layer.unit_of_work import PromptRow
from paars_platform.auth import require_person


class NotificationServicer(notifications_pb2_grpc.NotificationServiceServicer):
    def __init__(self, streams: PromptStreams, bus: MessageBus) -> None:
        self.streams = streams
        self.bus = bus

    async def Subscribe(self, request: pb.SubscribeRequest, context: grpc.aio.ServicerContext) -> AsyncIterator[pb.Prompt]:  # type: ignore[override]
        async for prompt in self.streams.stream(require_person(), request.after_cursor, from_cursor=request.from_cursor):
            yield prompt

    async def ListPrompts(self, request: pb.ListPromptsRequest, context: grpc.aio.ServicerContext) -> pb.ListPromptsResponse:
        query = c.ListPrompts(require_person(), limit=request.limit, unread_only=request.unread_only)
        rows, latest = await self.bus.ask(query, tuple[list[PromptRow], int])
        return pb.ListPromptsResponse(prompts=[convert.prompt_proto(r) for r in rows], latest_cursor=latest)

    async def MarkRead(self, request: pb.MarkReadRequest, context: grpc.aio.ServicerContext) -> pb.MarkReadResponse:
        updated = await self.bus.ask(c.MarkRead(require_person(), prompt_ids=tuple(request.prompt_ids)), int)
        return pb.MarkReadResponse(updated=updated)

    async def GetPreferences(self, request: pb.GetPreferencesRequest, context: grpc.aio.ServicerContext) -> pb.Preferences:
        caller = require_person()
        prefs = await self.bus.ask(c.GetPreferences(caller), policy.DeliveryPreferences)
        return convert.preferences_to_proto(caller.employee_id, prefs)

    async def SetPreferences(self, request: pb.SetPreferencesRequest, context: grpc.aio.ServicerContext) -> pb.Preferences:
        caller = require_person()
        paths = tuple(request.update_mask.paths)
        command = c.SetPreferences(
            caller, preferences=convert.preferences_from_proto(request.preferences), employee_id=request.preferences.employee_id,
            fields=paths or None,
        )
        prefs = await self.bus.ask(command, policy.DeliveryPreferences)
        return convert.preferences_to_proto(caller.employee_id, prefs)

    async def CreateWebhook(self, request: pb.CreateWebhookRequest, context: grpc.aio.ServicerContext) -> pb.WebhookSubscription:
        command = c.CreateWebhook(
            require_person(), url=request.url, event_filter=tuple(request.event_filter), format=request.format,
            organisation_wide=request.organisation_wide,
        )
        return convert.webhook_to_proto(await self.bus.ask(command, Webhook), with_secret=True)

    async def ListWebhooks(self, request: pb.ListWebhooksRequest, context: grpc.aio.ServicerContext) -> pb.ListWebhooksResponse:
        hooks = await self.bus.ask(c.ListWebhooks(require_person()), list[Webhook])
        return pb.ListWebhooksResponse(subscriptions=[convert.webhook_to_proto(w, with_secret=False) for w in hooks])

    async def DeleteWebhook(self, request: pb.DeleteWebhookRequest, context: grpc.aio.ServicerContext) -> pb.WebhookSubscription:
        ended = await self.bus.ask(c.DeleteWebhook(require_person(), id=request.id), Webhook)
        return convert.webhook_to_proto(ended, with_secret=False)

    async def ListDeadLetters(self, request: pb.ListDeadLettersRequest, context: grpc.aio.ServicerContext) -> pb.ListDeadLettersResponse:
        letters = await self.bus.ask(c.ListDeadLetters(require_person(), limit=request.limit), list[DeadLetter])
        return pb.ListDeadLettersResponse(dead_letters=[convert.dead_letter_to_proto(d) for d in letters])

    async def RetryDeadLetter(self, request: pb.RetryDeadLetterRequest, context: grpc.aio.ServicerContext) -> pb.DeadLetter:
        return convert.dead_letter_to_proto(await self.bus.ask(c.RetryDeadLetter(require_person(), id=request.id), DeadLetter))
