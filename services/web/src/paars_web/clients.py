"""The services' gRPC stubs on one channel per service for the app's life; every call carries the correlation id."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import grpc

from paars.analytics.v1 import analytics_pb2_grpc
from paars.conversations.v1 import conversations_pb2_grpc
from paars.feedback.v1 import feedback_pb2_grpc
from paars.goals.v1 import goals_pb2_grpc
from paars.notifications.v1 import notifications_pb2_grpc
from paars.org.v1 import org_pb2_grpc
from paars.story.v1 import story_pb2_grpc
from paars_platform.logs import ensure_correlation_id

CORRELATION_HEADER = "x-correlation-id"


def _with_correlation(details: grpc.aio.ClientCallDetails) -> grpc.aio.ClientCallDetails:
    metadata = grpc.aio.Metadata(*(details.metadata or ()))
    if CORRELATION_HEADER not in metadata:
        metadata.add(CORRELATION_HEADER, ensure_correlation_id())
    return grpc.aio.ClientCallDetails(details.method, details.timeout, metadata, details.credentials, details.wait_for_ready)


class _UnaryCorrelation(grpc.aio.UnaryUnaryClientInterceptor):
    async def intercept_unary_unary(self, continuation: Any, client_call_details: grpc.aio.ClientCallDetails, request: Any) -> Any:
        return await continuation(_with_correlation(client_call_details), request)


class _StreamCorrelation(grpc.aio.UnaryStreamClientInterceptor):
    async def intercept_unary_stream(self, continuation: Any, client_call_details: grpc.aio.ClientCallDetails, request: Any) -> Any:
        return await continuation(_with_correlation(client_call_details), request)


@dataclass
class Stubs:
    """What the pages call; unit tests pass fakes with the same attributes."""

    goals: Any
    org: Any
    feedback: Any
    notifications: Any
    analytics: Any
    story: Any = None
    conversations: Any = None


class Channels:
    """One grpc.aio channel per service, opened at start-up and closed at shutdown."""

    def __init__(self, addresses: Mapping[str, str]) -> None:
        interceptors = [_UnaryCorrelation(), _StreamCorrelation()]
        self.channels = {name: grpc.aio.insecure_channel(address, interceptors=interceptors) for name, address in addresses.items()}

    def stubs(self) -> Stubs:
        c = self.channels
        return Stubs(
            goals=goals_pb2_grpc.GoalServiceStub(c["goals"]),
            org=org_pb2_grpc.OrgServiceStub(c["goals"]),
            feedback=feedback_pb2_grpc.FeedbackServiceStub(c["feedback"]),
            notifications=notifications_pb2_grpc.NotificationServiceStub(c["notifications"]),
            analytics=analytics_pb2_grpc.AnalyticsServiceStub(c["analytics"]),
            story=story_pb2_grpc.StoryServiceStub(c["story"]),
            conversations=conversations_pb2_grpc.ConversationsServiceStub(c["conversations"]),
        )

    async def close(self) -> None:
        for channel in self.channels.values():
            await channel.close()
