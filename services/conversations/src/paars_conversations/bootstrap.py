"""Composition root of the conversations service: tables, the message bus over the SQL unit of work, the servicer,
and the org-directory consumer that keeps the projection the caller lookup and the pair, coaching and circle rules
read. Tests build the bus over a fake unit of work instead (tests/unit/conversations_fakes.py)."""
from __future__ import annotations

import pathlib

import grpc

from paars.conversations.v1 import conversations_pb2, conversations_pb2_grpc
from paars.org.v1 import org_pb2
from paars_conversations.adapters import directory, person_data
from paars_conversations.adapters.callers import directory_lookup
from paars_conversations.adapters.sql_unit_of_work import SqlUnitOfWork
from paars_conversations.adapters.tables import metadata, privileged_actions
from paars_conversations.config import org_consumer_group
from paars_conversations.entrypoints.grpc import ConversationsServicer
from paars_conversations.service_layer.messagebus import MessageBus
from paars_conversations.service_layer.unit_of_work import Clock
from paars_platform import privileged, registry
from paars_platform.auth import DirectoryLookup
from paars_platform.config import Settings
from paars_platform.db import Database, utcnow
from paars_platform.runtime import ConsumerSpec, ServiceRuntime

MIGRATIONS = str(pathlib.Path(__file__).parent / "migrations")
SERVICE_NAMES = [conversations_pb2.DESCRIPTOR.services_by_name["ConversationsService"].full_name]


def message_bus(db: Database, *, clock: Clock = utcnow) -> MessageBus:
    def unit_of_work(*, read_only: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(db, clock, read_only=read_only)

    return MessageBus(unit_of_work, record=privileged.recorder(db, privileged_actions, clock))


def build(settings: Settings) -> ServiceRuntime:
    def register(runtime: ServiceRuntime, server: grpc.aio.Server) -> None:
        assert runtime.db is not None
        conversations_pb2_grpc.add_ConversationsServiceServicer_to_server(ConversationsServicer(message_bus(runtime.db)), server)

    def callers(runtime: ServiceRuntime) -> DirectoryLookup:
        assert runtime.db is not None
        return directory_lookup(runtime.db)

    return ServiceRuntime(
        settings=settings, metadata=metadata, migrations=MIGRATIONS, service_names=SERVICE_NAMES, register=register,
        consumers=[
            ConsumerSpec(
                group_id=org_consumer_group(settings),
                handlers=registry.subscribe(
                    "conversations",
                    {org_pb2.EmployeeChanged: directory.apply_employee_changed, org_pb2.TeamChanged: directory.apply_team_changed},
                ),
            )
        ],
        directory=callers,
        personal_data=lambda runtime: person_data.store(runtime.db),  # type: ignore[arg-type]
        retention=lambda runtime: person_data.retention(runtime.db, holds=runtime.legal_holds.fetch),  # type: ignore[arg-type]
    )
