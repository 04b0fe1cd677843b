"""Composition root of the goals service: wires tables, handlers and servicers into the platform runtime."""
from __future__ import annotations

import pathlib

import grpc

from paars.goals.v1 import goals_pb2, goals_pb2_grpc
from paars.org.v1 import org_pb2, org_pb2_grpc
from paars_goals.adapters.callers import directory_lookup
from paars_goals.adapters.tables import metadata
from paars_goals.entrypoints.grpc import GoalServicer, OrgServicer
from paars_goals.service_layer.goal_handlers import GoalHandlers
from paars_goals.service_layer.org_handlers import OrgHandlers
from paars_platform.auth import DirectoryLookup
from paars_platform.config import Settings
from paars_platform.runtime import ServiceRuntime

MIGRATIONS = str(pathlib.Path(__file__).parent / "migrations")
SERVICE_NAMES = [
    goals_pb2.DESCRIPTOR.services_by_name["GoalService"].full_name,
    org_pb2.DESCRIPTOR.services_by_name["OrgService"].full_name,
]


def _register(runtime: ServiceRuntime, server: grpc.aio.Server) -> None:
    assert runtime.db is not None and runtime.callers is not None
    goals_pb2_grpc.add_GoalServiceServicer_to_server(GoalServicer(GoalHandlers(runtime.db)), server)
    org_pb2_grpc.add_OrgServiceServicer_to_server(OrgServicer(OrgHandlers(runtime.db, runtime.callers.forget)), server)


def _directory(runtime: ServiceRuntime) -> DirectoryLookup:
    assert runtime.db is not None
    return directory_lookup(runtime.db)


def build(settings: Settings) -> ServiceRuntime:
    return ServiceRuntime(
        settings=settings, metadata=metadata, migrations=MIGRATIONS, service_names=SERVICE_NAMES, register=_register,
        directory=_directory,
    )
