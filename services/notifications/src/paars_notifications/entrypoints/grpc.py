"""Thin gRPC servicer: the caller's identity in, a handler's answer out."""
from __future__ import annotations

from collections.abc import AsyncIterator

import grpc

from paars.notifications.v1 import notifications_pb2 as pb
from paars.notifications.v1 import notifications_pb2_grpc
from paars_notifications.service_layer.handlers import NotificationHandlers
from paars_platform.auth import require_person


class NotificationServicer(notifications_pb2_grpc.NotificationServiceServicer):
    def __init__(self, handlers: NotificationHandlers) -> None:
        self.handlers = handlers

    async def Subscribe(self, request: pb.SubscribeRequest, context: grpc.aio.ServicerContext) -> AsyncIterator[pb.Prompt]:  # type: ignore[override]
        async for prompt in self.handlers.stream(require_person(), request.after_cursor, from_cursor=request.from_cursor):
            yield prompt

    async def ListPrompts(self, request: pb.ListPromptsRequest, context: grpc.aio.ServicerContext) -> pb.ListPromptsResponse:
        return await self.handlers.list_prompts(require_person(), request)

    async def MarkRead(self, request: pb.MarkReadRequest, context: grpc.aio.ServicerContext) -> pb.MarkReadResponse:
        return await self.handlers.mark_read(require_person(), request)

    async def GetPreferences(self, request: pb.GetPreferencesRequest, context: grpc.aio.ServicerContext) -> pb.Preferences:
        return await self.handlers.get_preferences(require_person())

    async def SetPreferences(self, request: pb.SetPreferencesRequest, context: grpc.aio.ServicerContext) -> pb.Preferences:
        return await self.handlers.set_preferences(require_person(), request)

    async def CreateWebhook(self, request: pb.CreateWebhookRequest, context: grpc.aio.ServicerContext) -> pb.WebhookSubscription:
        return await self.handlers.create_webhook(require_person(), request)

    async def ListWebhooks(self, request: pb.ListWebhooksRequest, context: grpc.aio.ServicerContext) -> pb.ListWebhooksResponse:
        return await self.handlers.list_webhooks(require_person())

    async def DeleteWebhook(self, request: pb.DeleteWebhookRequest, context: grpc.aio.ServicerContext) -> pb.WebhookSubscription:
        return await self.handlers.delete_webhook(require_person(), request)

    async def ListDeadLetters(self, request: pb.ListDeadLettersRequest, context: grpc.aio.ServicerContext) -> pb.ListDeadLettersResponse:
        return await self.handlers.list_dead_letters(require_person(), request)

    async def RetryDeadLetter(self, request: pb.RetryDeadLetterRequest, context: grpc.aio.ServicerContext) -> pb.DeadLetter:
        return await self.handlers.retry_dead_letter(require_person(), request)
