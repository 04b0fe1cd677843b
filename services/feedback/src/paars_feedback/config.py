"""Feedback settings from the environment on top of the platform's Settings: what the organisation allows."""
from __future__ import annotations

import os
from dataclasses import dataclass

from paars.common.v1 import event_pb2
from paars_platform.config import Settings, env_float, env_int, env_str

VISIBILITY_NAMES = {
    "private": event_pb2.VISIBILITY_PRIVATE,
    "receiver_and_manager": event_pb2.VISIBILITY_RECEIVER_AND_MANAGER,
    "public": event_pb2.VISIBILITY_PUBLIC,
    "anonymous_aggregate": event_pb2.VISIBILITY_ANONYMOUS_AGGREGATE,
}
DEFAULT_VISIBILITIES = "receiver_and_manager,private,public,anonymous_aggregate"
# Per giver: at most 20 items a minute and 200 a day (a person giving feedback by hand stays far below).
DEFAULT_GIVE_LIMITS = "20/60,200/86400"


def parse_limits(name: str, raw: str) -> tuple[tuple[int, int], ...]:
    """"count/seconds,count/seconds" -> ((count, seconds), ...)."""
    limits = []
    for part in (p.strip() for p in raw.split(",") if p.strip()):
        count, _, seconds = part.partition("/")
        try:
            limit = (int(count), int(seconds))
        except ValueError:
            raise ValueError(f"{name}: {part!r} is not count/seconds, e.g. 20/60") from None
        if limit[0] < 1 or limit[1] < 1:
            raise ValueError(f"{name}: {part!r} needs a count and a window of at least 1")
        limits.append(limit)
    return tuple(limits)


@dataclass(frozen=True)
class FeedbackConfig:
    # The visibilities givers may choose; the first is the default when a giver chooses none.
    allowed_visibilities: tuple[int, ...]
    # Minimum responses before an anonymous 360 group shows (organisation floor; a cycle may ask more).
    anonymity_k: int
    # A link token works until the request's (or review's) due date, and at most this many days.
    link_max_days: int
    # Per-giver write limits on GiveFeedback: (items, window in seconds).
    give_limits: tuple[tuple[int, int], ...]
    # How often open requests past their due date are marked expired (0: only when read).
    expiry_sweep_seconds: float

    @classmethod
    def from_settings(cls, settings: Settings) -> FeedbackConfig:
        raw = os.environ.get("PAARS_FEEDBACK_VISIBILITIES") or DEFAULT_VISIBILITIES
        names = [n.strip().lower() for n in raw.split(",") if n.strip()]
        unknown = [n for n in names if n not in VISIBILITY_NAMES]
        if unknown or not names:
            raise ValueError(f"PAARS_FEEDBACK_VISIBILITIES: unknown {unknown}; choose from {', '.join(VISIBILITY_NAMES)}")
        if settings.anonymity_k < 2:
            raise ValueError("PAARS_ANONYMITY_K must be at least 2")
        max_days = env_int("PAARS_FEEDBACK_LINK_MAX_DAYS", 30)
        if max_days < 1:
            raise ValueError("PAARS_FEEDBACK_LINK_MAX_DAYS must be at least 1")
        return cls(
            tuple(VISIBILITY_NAMES[n] for n in names), settings.anonymity_k, max_days,
            parse_limits("PAARS_FEEDBACK_GIVE_LIMITS", env_str("PAARS_FEEDBACK_GIVE_LIMITS", DEFAULT_GIVE_LIMITS)),
            env_float("PAARS_FEEDBACK_EXPIRY_SWEEP_SECONDS", 300.0),
        )
