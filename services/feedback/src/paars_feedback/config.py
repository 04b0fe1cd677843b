"""Feedback settings from the environment on top of the platform's Settings: what the organisation allows."""
from __future__ import annotations

import os
from dataclasses import dataclass

from paars.common.v1 import event_pb2
from paars_platform.config import Settings

VISIBILITY_NAMES = {
    "private": event_pb2.VISIBILITY_PRIVATE,
    "receiver_and_manager": event_pb2.VISIBILITY_RECEIVER_AND_MANAGER,
    "public": event_pb2.VISIBILITY_PUBLIC,
    "anonymous_aggregate": event_pb2.VISIBILITY_ANONYMOUS_AGGREGATE,
}
DEFAULT_VISIBILITIES = "receiver_and_manager,private,public,anonymous_aggregate"


@dataclass(frozen=True)
class FeedbackConfig:
    # The visibilities givers may choose; the first is the default when a giver chooses none.
    allowed_visibilities: tuple[int, ...]
    # Minimum responses before an anonymous 360 group shows (organisation floor; a cycle may ask more).
    anonymity_k: int
    # Signs the single-use link tokens of external givers (only their hashes are stored).
    link_secret: bytes

    @classmethod
    def from_settings(cls, settings: Settings) -> FeedbackConfig:
        raw = os.environ.get("PAARS_FEEDBACK_VISIBILITIES") or DEFAULT_VISIBILITIES
        names = [n.strip().lower() for n in raw.split(",") if n.strip()]
        unknown = [n for n in names if n not in VISIBILITY_NAMES]
        if unknown or not names:
            raise ValueError(f"PAARS_FEEDBACK_VISIBILITIES: unknown {unknown}; choose from {', '.join(VISIBILITY_NAMES)}")
        if settings.anonymity_k < 2:
            raise ValueError("PAARS_ANONYMITY_K must be at least 2")
        secret = os.environ.get("PAARS_FEEDBACK_LINK_SECRET") or f"links:{settings.jwt_secret}"
        return cls(tuple(VISIBILITY_NAMES[n] for n in names), settings.anonymity_k, secret.encode())
