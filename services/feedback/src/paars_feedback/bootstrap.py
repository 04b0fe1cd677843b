"""Composition root of the feedback service: the unit of work and message bus over the platform runtime's
database, the handlers, the servicer and the org-directory consumer. Tests build the bus over a fake unit of
work instead (tests/unit/feedback_fakes.py)."""
from __future__ import annotations

import pathlib

import grpc

from paars.feedback.v1 import feedback_pb2, feedback_pb2_grpc
from paars.org.v1 import org_pb2
from paars.story.v1 import story_pb2
from paars_feedback.adapters import directory, person_data, story_catalogue
from paars_feedback.adapters.callers import directory_lookup
from paars_feedback.adapters.metrics import count_committed
from paars_feedback.adapters.sql_unit_of_work import SqlUnitOfWork
from paars_feedback.adapters.tables import metadata
from paars_feedback.config import FeedbackConfig
from paars_feedback.entrypoints.grpc import FeedbackServicer, Handlers
from paars_feedback.entrypoints.sweeper import Sweeper
from paars_feedback.service_layer import commands
from paars_feedback.service_layer.messagebus import MessageBus
from paars_feedback.service_layer.unit_of_work import Clock
from paars_platform import registry
from paars_platform.config import Settings
from paars_platform.db import Database, utcnow
from paars_platform.runtime import ConsumerSpec, ServiceRuntime

MIGRATIONS = str(pathlib.Path(__file__).parent / "migrations")
SERVICE = feedback_pb2.DESCRIPTOR.services_by_name["FeedbackService"].full_name
SERVICE_NAMES = [SERVICE]
# Callable without a bearer token: external givers and customers bring a single-use link token.
PUBLIC_METHODS = tuple(f"/{SERVICE}/{m}" for m in ("GiveFeedback", "SubmitReviewResponse", "DeclineFeedbackRequest", "GetLink"))
ORG_CONSUMER_GROUP = "paars-feedback-org"


def org_consumer_group(settings: Settings) -> str:
    """One group per deployment; Settings.extra["org_consumer_group"] lets two deployments (or test runs) share a broker."""
    return settings.extra.get("org_consumer_group", ORG_CONSUMER_GROUP)


def message_bus(db: Database, config: FeedbackConfig, *, clock: Clock = utcnow) -> MessageBus:
    """The bus over the SQL unit of work; committed events are counted in the service's metrics."""
    return MessageBus(lambda read_only=False: SqlUnitOfWork(db, clock, read_only=read_only), clock, config, observers=[count_committed])


def servicer(db: Database, config: FeedbackConfig) -> FeedbackServicer:
    """The servicer over the bus and the handlers on this database (bench/feedback_use_cases.py drives it in-process)."""
    return FeedbackServicer(Handlers(bus=message_bus(db, config)))


def build(settings: Settings) -> ServiceRuntime:
    config = FeedbackConfig.from_settings(settings)
    sweeper = Sweeper(config.expiry_sweep_seconds)

    def register(runtime: ServiceRuntime, server: grpc.aio.Server) -> None:
        assert runtime.db is not None
        feedback = servicer(runtime.db, config)
        feedback_pb2_grpc.add_FeedbackServiceServicer_to_server(feedback, server)
        bus = feedback.h.bus

        async def sweep() -> int:
            return await bus.handle(commands.ExpireOverdueRequests(commands.SERVICE_CALLER, commands.RequestKey()))

        sweeper.sweep = sweep

    return ServiceRuntime(
        settings=settings, metadata=metadata, migrations=MIGRATIONS, service_names=SERVICE_NAMES, register=register,
        consumers=[
            ConsumerSpec(
                group_id=org_consumer_group(settings),
                # The directory and the story's value catalogue, projected from their owners' events.
                handlers=registry.subscribe("feedback", {
                    org_pb2.EmployeeChanged: directory.apply_employee_changed, org_pb2.TeamChanged: directory.apply_team_changed,
                    story_pb2.StoryPublished: story_catalogue.apply_story_published,
                }),
            )
        ],
        public_methods=PUBLIC_METHODS,
        personal_data=lambda runtime: person_data.store(runtime.db),  # type: ignore[arg-type]
        retention=lambda runtime: person_data.retention(runtime.db, holds=runtime.legal_holds.fetch),  # type: ignore[arg-type]
        on_started=sweeper.start, on_stopping=sweeper.stop,
        directory=lambda runtime: directory_lookup(runtime.db),  # type: ignore[arg-type]
    )
