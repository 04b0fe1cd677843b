"""The life of a service process: migrate, provision topics, start relay, consumers and gRPC; stop gracefully on SIGTERM."""
from __future__ import annotations

import asyncio
import gc
import logging
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import grpc
import sqlalchemy as sa

from paars.org.v1 import org_pb2
from paars_platform import db as dbmod
from paars_platform import logs, metrics, personal_data
from paars_platform.auth import CallerResolver, DirectoryLookup
from paars_platform.config import Settings
from paars_platform.grpc_server import GrpcServer
from paars_platform.inbox import AfterCommit, Handler, InboxConsumer, TransactionHooks
from paars_platform.kafka import Publisher, provision_topics
from paars_platform.keyring import KeyRing, KeySource, RemoteKeySource, offer_in_process, withdraw_in_process
from paars_platform.legal_holds import RemoteLegalHolds
from paars_platform.outbox import OutboxRelay
from paars_platform.parent import die_with_parent_from_env
from paars_platform.personal_data import PersonalDataStore
from paars_platform.retention import RetentionJob

log = logging.getLogger("paars.runtime")


@dataclass
class ConsumerSpec:
    group_id: str
    handlers: dict[str, Handler]
    after_commit: AfterCommit | None = None
    hooks: TransactionHooks | None = None


@dataclass
class ServiceRuntime:
    """Composition root shared by the services; each service passes its tables, servicers and consumers."""

    settings: Settings
    metadata: sa.MetaData
    migrations: str
    service_names: list[str]
    register: Callable[[ServiceRuntime, grpc.aio.Server], None]
    # How the service looks a caller up in its own directory data (called once the database is open).
    directory: Callable[[ServiceRuntime], DirectoryLookup]
    consumers: list[ConsumerSpec] = field(default_factory=list)
    public_methods: tuple[str, ...] = ()
    on_started: Callable[[ServiceRuntime], Awaitable[None]] | None = None
    # Called once the database is open, before anything (relay, consumers, RPCs) uses it: a check that may refuse to
    # start (goals: every person key's key-encryption key is configured).
    on_database: Callable[[ServiceRuntime], Awaitable[None]] | None = None
    on_stopping: Callable[[ServiceRuntime], Awaitable[None]] | None = None
    # What the service holds about a person (issue 18): served as paars.privacy.v1.PersonalData next to its API.
    personal_data: Callable[[ServiceRuntime], PersonalDataStore] | None = None
    # Its retention rules (issue 18 item 5): a job deleting what is past the organisation's periods.
    retention: Callable[[ServiceRuntime], RetentionJob] | None = None
    # Where the person keys of crypto-shredding come from (issue 18 item 4): goals' own key store in goals, else
    # goals' PersonKeys RPC (RemoteKeySource). Called once the database is open.
    key_source: Callable[[ServiceRuntime], KeySource] | None = None

    def __post_init__(self) -> None:
        self.db: dbmod.Database | None = None
        self.publisher: Publisher | None = None
        self.relay: OutboxRelay | None = None
        self.keyring: KeyRing | None = None
        self.grpc: GrpcServer | None = None
        self.callers: CallerResolver | None = None
        self.inboxes: list[InboxConsumer] = []
        self.retention_job: RetentionJob | None = None
        # The legal holds in force, from goals (paars_platform.legal_holds): what the retention job keeps.
        self.legal_holds = RemoteLegalHolds.from_settings(self.settings)
        self.metrics_port = 0
        self.grpc_port = 0
        self._stop = asyncio.Event()

    def table(self, name: str) -> sa.Table:
        return self.metadata.tables[name]

    async def start(self) -> None:
        s = self.settings
        if s.metrics_port >= 0:
            self.metrics_port = metrics.serve_metrics(s.metrics_port, host=s.grpc_host)
        if s.migrate_on_start:
            await dbmod.migrate(s.database_url, self.migrations)
        if s.provision_topics:
            outcome = await asyncio.to_thread(provision_topics, s.kafka_bootstrap, security=s.kafka_security)
            log.info("topics provisioned", extra={"topics_created": sum(1 for v in outcome.values() if v == "created")})
        self.db = dbmod.Database(s.database_url, pool_size=s.db_pool_size, max_overflow=s.db_max_overflow)
        if self.on_database is not None:
            await self.on_database(self)
        self.publisher = await asyncio.to_thread(
            Publisher, s.kafka_bootstrap, client_id=s.producer_name, idempotence=s.kafka_idempotence,
            security=s.kafka_security, signer=s.event_keys.signer(s.service),
        )
        if self.key_source is not None:
            own = self.key_source(self)
            offer_in_process(own)
            self.keyring = KeyRing(own)
        else:
            self.keyring = KeyRing(RemoteKeySource.from_settings(s))
        self.relay = OutboxRelay(
            self.db, self.table("outbox"), self.publisher, service=s.service, poll_seconds=s.relay_poll_seconds, keyring=self.keyring,
        )
        self.relay.start()
        self.callers = CallerResolver(s, self.directory(self))
        self.grpc = GrpcServer(
            s, service_names=self.service_names + ([personal_data.SERVICE_NAME] if self.personal_data else []), register=self._register,
            callers=self.callers, public_methods=self.public_methods,
        )
        for spec in self.consumers:
            inbox = InboxConsumer(
                s, self.db, self.table("inbox"), self.publisher,
                group_id=spec.group_id, handlers=spec.handlers, after_commit=self._forgetting(spec.after_commit), hooks=spec.hooks,
                keyring=self.keyring,
            )
            await inbox.start()
            self.inboxes.append(inbox)
        self.grpc_port = await self.grpc.start()
        if self.retention is not None:
            self.retention_job = self.retention(self)
            await self.retention_job.start()
        if self.on_started:
            await self.on_started(self)
        log.info("service started", extra={"grpc_port": self.grpc_port, "metrics_port": self.metrics_port})

    def _register(self, server: grpc.aio.Server) -> None:
        self.register(self, server)
        if self.personal_data is not None:
            personal_data.add_to_server(self.personal_data(self), server)

    def _forgetting(self, after_commit: AfterCommit | None) -> AfterCommit:
        """after_commit, preceded by dropping the remembered caller an applied directory change is about."""
        callers = self.callers
        assert callers is not None

        async def after(event: object) -> None:
            if isinstance(event, org_pb2.EmployeeChanged):
                callers.forget(event.employee.id)
            if after_commit is not None:
                await after_commit(event)

        return after

    async def stop(self) -> None:
        grace = self.settings.shutdown_grace_seconds
        if self.on_stopping:
            await self.on_stopping(self)
        if self.retention_job is not None:
            await self.retention_job.stop()
        if self.grpc:
            await self.grpc.stop(grace)
        for inbox in self.inboxes:
            await inbox.stop()
        if self.relay:
            await self.relay.stop()
        if self.publisher:
            await asyncio.to_thread(self.publisher.close)
        await self.legal_holds.close()
        if self.keyring is not None:
            if isinstance(self.keyring.source, RemoteKeySource):
                await self.keyring.source.close()
            else:
                withdraw_in_process(self.keyring.source)
        if self.db:
            await self.db.dispose()
        log.info("service stopped")

    def request_stop(self) -> None:
        self._stop.set()

    async def run_until_signal(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.request_stop)
        await self.start()
        # What start-up loaded (modules, descriptors, table metadata, pools) lives as long as the
        # process; frozen, the cyclic collector stops re-scanning it. Under load a full collection
        # otherwise stalled the event loop for 50-60 ms, visible in the prompt latency's tail.
        gc.collect()
        gc.freeze()
        await self._stop.wait()
        await self.stop()


def main(build: Callable[[Settings], ServiceRuntime], service: str, argv: list[str]) -> None:
    """`python -m paars_<service> [serve|migrate]`."""
    die_with_parent_from_env()
    settings = Settings.from_env(service)
    logs.configure(service, settings.log_level)
    command = argv[1] if len(argv) > 1 else "serve"
    runtime = build(settings)
    if command == "migrate":
        dbmod.migrate_sync(settings.database_url, runtime.migrations)
        log.info("migrations applied")
        return
    if command != "serve":
        raise SystemExit(f"usage: python -m paars_{service} [serve|migrate]")
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(runtime.run_until_signal())
