"""Composition root of the story service: tables, the message bus over the SQL unit of work, the servicer, and the
org-directory consumer that keeps the projection the caller lookup reads. Tests build the bus over a fake unit of
work instead (tests/unit/story_fakes.py)."""
from __future__ import annotations

import pathlib

import grpc

from paars.org.v1 import org_pb2
from paars.story.v1 import story_pb2, story_pb2_grpc
from paars_platform import privileged, registry
from paars_platform.auth import DirectoryLookup
from paars_platform.config import Settings
from paars_platform.db import Database, utcnow
from paars_platform.runtime import ConsumerSpec, ServiceRuntime
from paars_story.adapters import directory, metrics, person_data
from paars_story.adapters.callers import directory_lookup
from paars_story.adapters.sql_unit_of_work import SqlUnitOfWork
from paars_story.adapters.tables import metadata, privileged_actions
from paars_story.config import policy_from_env
from paars_story.domain.plain_language import PlainLanguagePolicy
from paars_story.entrypoints.grpc import StoryServicer
from paars_story.service_layer.messagebus import MessageBus
from paars_story.service_layer.unit_of_work import Clock

MIGRATIONS = str(pathlib.Path(__file__).parent / "migrations")
SERVICE_NAMES = [story_pb2.DESCRIPTOR.services_by_name["StoryService"].full_name]
ORG_CONSUMER_GROUP = "paars-story-org"


def org_consumer_group(settings: Settings) -> str:
    """One group per deployment; Settings.extra["org_consumer_group"] lets two deployments (or test runs) share a broker."""
    return settings.extra.get("org_consumer_group", ORG_CONSUMER_GROUP)


def message_bus(db: Database, policy: PlainLanguagePolicy, *, clock: Clock = utcnow) -> MessageBus:
    def unit_of_work(*, read_only: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(db, clock, policy, read_only=read_only)

    return MessageBus(unit_of_work, policy, observers=(metrics.observe,), record=privileged.recorder(db, privileged_actions, clock))


def build(settings: Settings) -> ServiceRuntime:
    policy = policy_from_env(settings)

    def register(runtime: ServiceRuntime, server: grpc.aio.Server) -> None:
        assert runtime.db is not None
        story_pb2_grpc.add_StoryServiceServicer_to_server(StoryServicer(message_bus(runtime.db, policy)), server)

    def callers(runtime: ServiceRuntime) -> DirectoryLookup:
        assert runtime.db is not None
        return directory_lookup(runtime.db)

    return ServiceRuntime(
        settings=settings, metadata=metadata, migrations=MIGRATIONS, service_names=SERVICE_NAMES, register=register,
        consumers=[
            ConsumerSpec(
                group_id=org_consumer_group(settings),
                handlers=registry.subscribe(
                    "story", {org_pb2.EmployeeChanged: directory.apply_employee_changed, org_pb2.TeamChanged: directory.apply_team_changed},
                ),
            )
        ],
        directory=callers,
        personal_data=lambda runtime: person_data.store(runtime.db),  # type: ignore[arg-type]
        retention=lambda runtime: person_data.retention(runtime.db),  # type: ignore[arg-type]
    )
