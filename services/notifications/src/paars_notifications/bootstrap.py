"""Composition root of the notifications service: the consumer, the stream fan-out, the scheduler and the
delivery worker wired into the platform runtime. Tests build it with their own clock and settings."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import pathlib
from collections.abc import Awaitable, Callable

import grpc

from paars.notifications.v1 import notifications_pb2, notifications_pb2_grpc
from paars_notifications.adapters.callers import directory_lookup
from paars_notifications.adapters.fanout import FanOut
from paars_notifications.adapters.senders import EmailSender, Resolve, WebhookSender, system_resolve
from paars_notifications.adapters.tables import metadata
from paars_notifications.config import NotificationsConfig
from paars_notifications.domain.resilience import Breakers
from paars_notifications.domain.targets import AllowList, TargetPolicy
from paars_notifications.entrypoints.grpc import NotificationServicer
from paars_notifications.service_layer.deliveries import DeliveryWorker
from paars_notifications.service_layer.handlers import NotificationHandlers
from paars_notifications.service_layer.prompting import Clock, PromptService, ReadCache
from paars_platform.config import Settings
from paars_platform.db import utcnow
from paars_platform.runtime import ConsumerSpec, ServiceRuntime

log = logging.getLogger("paars.notifications")

MIGRATIONS = str(pathlib.Path(__file__).parent / "migrations")
SERVICE_NAMES = [notifications_pb2.DESCRIPTOR.services_by_name["NotificationService"].full_name]
GROUP_ID = "notifications"


class Notifications:
    """The service's parts. `clock` decides quiet hours, budgets and digests (tests move it);
    latency and retry timing always use the real clock."""

    def __init__(
        self, settings: Settings, *, config: NotificationsConfig | None = None, clock: Clock = utcnow, resolve: Resolve = system_resolve,
    ) -> None:
        self.config = config or NotificationsConfig.from_env()
        self.fanout = FanOut()
        # Plain http only where everything is local anyway.
        targets = TargetPolicy(AllowList.parse(self.config.webhook_allow_hosts), https_only=not settings.is_development)
        self.deliveries = DeliveryWorker(
            self.config, webhooks=WebhookSender(self.config, targets, resolve), email=EmailSender(self.config),
            breakers=Breakers(threshold=self.config.breaker_threshold, reset_seconds=self.config.breaker_reset_seconds),
        )
        cache = ReadCache()
        self.prompts = PromptService(self.config, self.fanout, clock, on_deliveries=self.deliveries.wake, cache=cache)
        self.handlers = NotificationHandlers(
            self.config, self.fanout, on_deliveries=self.deliveries.wake, cache=cache, targets=targets, resolve=resolve,
        )
        self._tasks: list[asyncio.Task[None]] = []
        self.runtime = ServiceRuntime(
            settings=settings, metadata=metadata, migrations=MIGRATIONS, service_names=SERVICE_NAMES,
            register=self._register, directory=lambda runtime: directory_lookup(runtime.db),  # type: ignore[arg-type]
            consumers=[ConsumerSpec(GROUP_ID, self.prompts.handlers(), after_commit=self.prompts.after_commit, hooks=self.prompts)],
            on_started=self._started, on_stopping=self._stopping,
        )

    def _register(self, runtime: ServiceRuntime, server: grpc.aio.Server) -> None:
        # Called once the database exists and before the consumers start.
        assert runtime.db is not None
        for part in (self.prompts, self.handlers, self.deliveries):
            part.attach(runtime.db)
        notifications_pb2_grpc.add_NotificationServiceServicer_to_server(NotificationServicer(self.handlers), server)

    async def _started(self, runtime: ServiceRuntime) -> None:
        self.deliveries.start()
        self._tasks = [
            asyncio.create_task(self._every(self.config.scheduler_seconds, self.prompts.tick, "scheduler round"), name="notifications-scheduler"),
            asyncio.create_task(
                self._every(self.config.stream_poll_seconds, self.handlers.watch_replicas, "replica watch"), name="notifications-replica-watch",
            ),
        ]

    async def _stopping(self, runtime: ServiceRuntime) -> None:
        self.fanout.close()
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self.deliveries.stop()

    @staticmethod
    async def _every(seconds: float, work: Callable[[], Awaitable[object]], what: str) -> None:
        while True:
            try:
                await work()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("%s failed; retrying", what, exc_info=True)
            await asyncio.sleep(seconds)


def build(settings: Settings) -> ServiceRuntime:
    return Notifications(settings).runtime
