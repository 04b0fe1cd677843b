"""Composition root of the notifications service: the RPCs' message bus over the SQL unit of work (message_bus),
the consumer (PromptService, subscribed through the event registry), the stream fan-out, the scheduler and the
delivery worker, wired into the platform runtime. Tests build it with their own clock and settings, and the
handler tests build the bus over a fake unit of work (tests/unit/notifications_fakes.py)."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import pathlib
from collections.abc import Awaitable, Callable

import grpc

from paars.notifications.v1 import notifications_pb2, notifications_pb2_grpc
from paars_notifications.adapters import person_data
from paars_notifications.adapters.callers import directory_lookup
from paars_notifications.adapters.delivery_repository import SqlDeliveryQueue
from paars_notifications.adapters.fanout import FanOut
from paars_notifications.adapters.read_cache import ReadCache
from paars_notifications.adapters.repository import SqlStreamReads
from paars_notifications.adapters.senders import EmailSender, Resolve, WebhookSender, checked_addresses, system_resolve
from paars_notifications.adapters.sql_unit_of_work import SqlUnitOfWork
from paars_notifications.adapters.tables import metadata
from paars_notifications.config import NotificationsConfig
from paars_notifications.domain.resilience import Breakers
from paars_notifications.domain.targets import AllowList, TargetPolicy, TargetRefused
from paars_notifications.entrypoints.grpc import NotificationServicer
from paars_notifications.service_layer import commands
from paars_notifications.service_layer.deliveries import DeliveryWorker
from paars_notifications.service_layer.handlers import PromptStreams
from paars_notifications.service_layer.messagebus import MessageBus
from paars_notifications.service_layer.prompting import GROUP_ID, Clock, PromptService
from paars_notifications.service_layer.rpc_handlers import Services
from paars_platform.config import Settings
from paars_platform.db import Database, utcnow
from paars_platform.errors import InvalidArgument
from paars_platform.runtime import ConsumerSpec, ServiceRuntime

log = logging.getLogger("paars.notifications")

MIGRATIONS = str(pathlib.Path(__file__).parent / "migrations")
SERVICE_NAMES = [notifications_pb2.DESCRIPTOR.services_by_name["NotificationService"].full_name]


def message_bus(
    db: Database, *, targets: TargetPolicy, resolve: Resolve = system_resolve, cache: ReadCache | None = None,
    wake_deliveries: Callable[[], None] = lambda: None, clock: Clock = utcnow,
) -> MessageBus:
    """The RPCs' bus over the SQL unit of work. Once committed, a change of preferences or subscriptions is
    forgotten by this process's read cache, and a retried dead letter wakes the delivery worker."""

    def unit_of_work(*, read_only: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(db, clock, read_only=read_only)

    async def check_target(url: str) -> None:
        try:
            await checked_addresses(targets, resolve, url)
        except TargetRefused as exc:
            raise InvalidArgument("url", str(exc)) from None

    def forget_person(command: commands.SetPreferences) -> None:
        if cache is not None:
            cache.forget_person(command.me)

    def forget_webhooks(command: object) -> None:
        if cache is not None:
            cache.forget_webhooks()

    return MessageBus(unit_of_work, Services(check_target), then={
        commands.SetPreferences: forget_person,
        commands.CreateWebhook: forget_webhooks,
        commands.DeleteWebhook: forget_webhooks,
        commands.RetryDeadLetter: lambda command: wake_deliveries(),
    })


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
        self.cache = ReadCache()
        self.targets, self.resolve = targets, resolve
        self.prompts = PromptService(self.config, self.fanout, clock, on_deliveries=self.deliveries.wake, cache=self.cache)
        # The Subscribe streams and the replica watch (the other RPCs go through the bus, built in _register).
        self.handlers = PromptStreams(self.config, self.fanout)
        self._tasks: list[asyncio.Task[None]] = []
        self.runtime = ServiceRuntime(
            settings=settings, metadata=metadata, migrations=MIGRATIONS, service_names=SERVICE_NAMES,
            register=self._register, directory=lambda runtime: directory_lookup(runtime.db),  # type: ignore[arg-type]
            consumers=[ConsumerSpec(GROUP_ID, self.prompts.handlers(), after_commit=self.prompts.after_commit, hooks=self.prompts)],
            on_started=self._started, on_stopping=self._stopping,
            personal_data=lambda runtime: person_data.store(runtime.db),  # type: ignore[arg-type]
            retention=lambda runtime: person_data.retention(runtime.db, holds=runtime.legal_holds.fetch),  # type: ignore[arg-type]
        )

    def _register(self, runtime: ServiceRuntime, server: grpc.aio.Server) -> None:
        # Called once the database exists and before the consumers start.
        assert runtime.db is not None
        self.prompts.attach(runtime.db)
        self.cache.refresh_in_background(runtime.db)
        self.handlers.attach(SqlStreamReads(runtime.db))
        self.deliveries.attach(SqlDeliveryQueue(runtime.db))
        bus = message_bus(runtime.db, targets=self.targets, resolve=self.resolve, cache=self.cache, wake_deliveries=self.deliveries.wake)
        notifications_pb2_grpc.add_NotificationServiceServicer_to_server(NotificationServicer(self.handlers, bus), server)

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
        await self.cache.close()
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
