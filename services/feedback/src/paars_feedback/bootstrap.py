"""Composition root of the feedback service: tables, handlers, the servicer and the org-directory consumer."""
from __future__ import annotations

import pathlib

import grpc

from paars.feedback.v1 import feedback_pb2, feedback_pb2_grpc
from paars.org.v1 import org_pb2
from paars_feedback.adapters import directory
from paars_feedback.adapters.callers import directory_lookup
from paars_feedback.adapters.tables import metadata
from paars_feedback.config import FeedbackConfig
from paars_feedback.entrypoints.grpc import FeedbackServicer, Handlers
from paars_feedback.entrypoints.sweeper import Sweeper
from paars_feedback.service_layer.action_plans import ActionPlanHandlers
from paars_feedback.service_layer.dialogue_handlers import DialogueHandlers
from paars_feedback.service_layer.feedback_handlers import FeedbackHandlers
from paars_feedback.service_layer.review_handlers import ReviewHandlers
from paars_platform import registry
from paars_platform.config import Settings
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


def build(settings: Settings) -> ServiceRuntime:
    config = FeedbackConfig.from_settings(settings)
    sweeper = Sweeper(config.expiry_sweep_seconds)

    def register(runtime: ServiceRuntime, server: grpc.aio.Server) -> None:
        assert runtime.db is not None
        db = runtime.db
        handlers = Handlers(
            feedback=FeedbackHandlers(db, config), reviews=ReviewHandlers(db, config),
            dialogues=DialogueHandlers(db, config), actions=ActionPlanHandlers(db, config),
        )
        feedback_pb2_grpc.add_FeedbackServiceServicer_to_server(FeedbackServicer(handlers), server)
        sweeper.sweep = handlers.feedback.expire_overdue

    return ServiceRuntime(
        settings=settings, metadata=metadata, migrations=MIGRATIONS, service_names=SERVICE_NAMES, register=register,
        consumers=[
            ConsumerSpec(
                group_id=org_consumer_group(settings),
                handlers=registry.subscribe(
                    "feedback", {org_pb2.EmployeeChanged: directory.apply_employee_changed, org_pb2.TeamChanged: directory.apply_team_changed},
                ),
            )
        ],
        public_methods=PUBLIC_METHODS,
        on_started=sweeper.start, on_stopping=sweeper.stop,
        directory=lambda runtime: directory_lookup(runtime.db),  # type: ignore[arg-type]
    )
