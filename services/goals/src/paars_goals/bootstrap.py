"""Composition root of the goals service: builds the unit of work and the message bus over the platform
runtime's database, and the servicers over the bus. Tests build the bus over a fake unit of work instead
(tests/unit/goals_fakes.py)."""
from __future__ import annotations

import dataclasses
import logging
import pathlib
from collections.abc import Awaitable, Callable
from typing import Any

import grpc

from paars.goals.v1 import goals_pb2, goals_pb2_grpc
from paars.org.v1 import org_pb2, org_pb2_grpc
from paars.privacy.v1 import keys_pb2, keys_pb2_grpc
from paars.story.v1 import story_pb2
from paars_goals.adapters import key_rewrap, person_data
from paars_goals.adapters.callers import directory_lookup
from paars_goals.adapters.key_rewrap import KeyRewrapper
from paars_goals.adapters.key_store import KeyStore
from paars_goals.adapters.sql_unit_of_work import SqlUnitOfWork
from paars_goals.adapters.story_catalogue import apply_story_published
from paars_goals.adapters.tables import metadata
from paars_goals.entrypoints.grpc import ErasureServicer, GoalServicer, OrgServicer
from paars_goals.entrypoints.keys import PersonKeysServicer
from paars_goals.entrypoints.scim import ScimApp, ScimServer, ScimSettings
from paars_goals.service_layer import commands
from paars_goals.service_layer.messagebus import MessageBus
from paars_goals.service_layer.unit_of_work import Clock
from paars_platform import registry
from paars_platform.auth import DirectoryLookup
from paars_platform.config import Settings
from paars_platform.crypto import KeyEncryptionKeys
from paars_platform.db import Database, utcnow
from paars_platform.personal_data import PersonalDataStore
from paars_platform.runtime import ConsumerSpec, ServiceRuntime

log = logging.getLogger(__name__)

MIGRATIONS = str(pathlib.Path(__file__).parent / "migrations")
SERVICE_NAMES = [
    goals_pb2.DESCRIPTOR.services_by_name["GoalService"].full_name,
    org_pb2.DESCRIPTOR.services_by_name["OrgService"].full_name,
    keys_pb2.DESCRIPTOR.services_by_name["PersonKeys"].full_name,
]
# Goals keeps the story's catalogue of values and themes (adapters/story_catalogue.py).
STORY_CONSUMER_GROUP = "paars-goals-story"


def story_consumer_group(settings: Settings) -> str:
    """One group per deployment; Settings.extra["story_consumer_group"] lets two deployments (or test runs) share a broker."""
    return settings.extra.get("story_consumer_group", STORY_CONSUMER_GROUP)


def message_bus(
    db: Database, *, clock: Clock = utcnow, forget_callers: Callable[..., None] | None = None, forget_keys: Callable[..., None] | None = None,
) -> MessageBus:
    """The bus over the SQL unit of work; an import makes the callers it changed be looked up afresh, an erasure
    also the person's destroyed data key (the relay's KeyRing)."""

    def unit_of_work(*, read_only: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(db, clock, read_only=read_only)

    def forget_imported(command: Any) -> None:
        if forget_callers is not None:
            forget_callers(*(e.id for e in command.employees))

    def forget_erased(command: Any) -> None:
        if forget_callers is not None:
            forget_callers(command.person_id)
        if forget_keys is not None:
            forget_keys(command.person_id)

    return MessageBus(
        unit_of_work, clock, then={commands.ImportDirectory: forget_imported, commands.ErasePerson: forget_erased},
        record=person_data.recorder(db, clock),
    )


def _register(runtime: ServiceRuntime, server: grpc.aio.Server) -> None:
    assert runtime.db is not None and runtime.callers is not None and runtime.keyring is not None
    bus = message_bus(runtime.db, forget_callers=runtime.callers.forget, forget_keys=runtime.keyring.forget)
    goals_pb2_grpc.add_GoalServiceServicer_to_server(GoalServicer(bus), server)
    org_pb2_grpc.add_OrgServiceServicer_to_server(OrgServicer(bus), server)


def key_encryption_keys(settings: Settings) -> KeyEncryptionKeys:
    """The current key-encryption key and the retired ones (rotation: adapters/key_rewrap.py)."""
    if not settings.key_encryption_key:
        raise ValueError("PAARS_KEY_ENCRYPTION_KEY must be set (base64 of 32 bytes): it wraps the person keys of crypto-shredding")
    return KeyEncryptionKeys.from_text(settings.key_encryption_key, settings.key_encryption_keys_retired)


class PersonKeys:
    """The process's one key store (person keys, issue 18 item 4), made once the database is open: the relay's and
    consumers' KeyRing reads it directly, the key RPC serves it, and a destroyed key is forgotten by the KeyRing at once.
    Before that, ``prepare`` refuses to start when a row's key-encryption key is not configured; once serving, the
    re-wrap moves the rows of retired keys to the current one."""

    def __init__(self, keks: KeyEncryptionKeys, rewrap_every_seconds: float = 60.0) -> None:
        self.keks = keks
        self.rewrap_every_seconds = rewrap_every_seconds
        self.store: KeyStore | None = None
        self.rewrapper: KeyRewrapper | None = None

    async def prepare(self, runtime: ServiceRuntime) -> None:
        assert runtime.db is not None
        log.info("key-encryption keys", extra={"kek_id": self.keks.current.id, "retired_kek_ids": list(self.keks.retired_ids)})
        await key_rewrap.prepare(runtime.db, self.keks)

    async def start_rewrap(self, runtime: ServiceRuntime) -> None:
        assert runtime.db is not None
        self.rewrapper = KeyRewrapper(runtime.db, self.keks, self.rewrap_every_seconds)
        await self.rewrapper.start()

    async def stop_rewrap(self, runtime: ServiceRuntime) -> None:
        if self.rewrapper is not None:
            await self.rewrapper.stop()

    def __call__(self, runtime: ServiceRuntime) -> KeyStore:
        if self.store is None:
            assert runtime.db is not None
            self.store = KeyStore(runtime.db, self.keks)
            self.store.on_destroyed.append(lambda person_id: runtime.keyring.forget(person_id) if runtime.keyring else None)
            self.store.on_keys_destroyed.append(lambda key_ids: runtime.keyring.forget_keys(*key_ids) if runtime.keyring else None)
        return self.store

    def register(self, runtime: ServiceRuntime, server: grpc.aio.Server) -> None:
        _register(runtime, server)
        keys_pb2_grpc.add_PersonKeysServicer_to_server(PersonKeysServicer(self(runtime)), server)


def _personal_data(runtime: ServiceRuntime) -> PersonalDataStore:
    """The export's store, with erasure and the legal holds, which start here (issue 18 item 4)."""
    assert runtime.db is not None and runtime.callers is not None and runtime.keyring is not None
    bus = message_bus(runtime.db, forget_callers=runtime.callers.forget, forget_keys=runtime.keyring.forget)
    return dataclasses.replace(person_data.store(runtime.db), starter=ErasureServicer(bus))


def _directory(runtime: ServiceRuntime) -> DirectoryLookup:
    assert runtime.db is not None
    return directory_lookup(runtime.db)


def _scim(settings: Settings) -> tuple[Callable[[ServiceRuntime], Awaitable[None]] | None, Callable[[ServiceRuntime], Awaitable[None]] | None]:
    """SCIM provisioning on its own port when PAARS_SCIM_PORT is set (entrypoints/scim.py)."""
    scim_settings = ScimSettings.from_env(settings.grpc_host)
    if scim_settings is None:
        return None, None
    servers: list[ScimServer] = []

    async def started(runtime: ServiceRuntime) -> None:
        assert runtime.db is not None and runtime.callers is not None
        db = runtime.db

        def unit_of_work(*, read_only: bool = False) -> SqlUnitOfWork:
            return SqlUnitOfWork(db, utcnow, read_only=read_only)

        server = ScimServer(ScimApp(scim_settings, unit_of_work, runtime.callers.forget))
        await server.start()
        servers.append(server)

    async def stopping(runtime: ServiceRuntime) -> None:
        for server in servers:
            await server.stop()

    return started, stopping


def _both(
    first: Callable[[ServiceRuntime], Awaitable[None]], then: Callable[[ServiceRuntime], Awaitable[None]] | None,
) -> Callable[[ServiceRuntime], Awaitable[None]]:
    async def run(runtime: ServiceRuntime) -> None:
        await first(runtime)
        if then is not None:
            await then(runtime)

    return run


def build(settings: Settings) -> ServiceRuntime:
    # Refuses to start without a key-encryption key, and (once the database is open) with a row's key missing.
    keys = PersonKeys(key_encryption_keys(settings), settings.key_rewrap_every_seconds)
    started, stopping = _scim(settings)
    return ServiceRuntime(
        settings=settings, metadata=metadata, migrations=MIGRATIONS, service_names=SERVICE_NAMES, register=keys.register,
        directory=_directory, on_database=keys.prepare, on_started=_both(keys.start_rewrap, started),
        on_stopping=_both(keys.stop_rewrap, stopping),
        personal_data=_personal_data,
        retention=lambda runtime: person_data.retention(runtime.db, keys=keys(runtime)),  # type: ignore[arg-type]
        key_source=keys,
        consumers=[ConsumerSpec(
            group_id=story_consumer_group(settings),
            handlers=registry.subscribe("goals", {story_pb2.StoryPublished: apply_story_published}),
        )],
    )
