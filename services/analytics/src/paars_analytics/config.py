"""Analytics settings: the platform Settings plus stream tuning and the insight thresholds (PAARS_ANALYTICS_*)."""
from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from paars_platform.config import Settings, env_float, env_int, env_str

Clock = Callable[[], float]


@dataclass(frozen=True)
class Thresholds:
    """When an insight fires; every value is an environment variable (see the README)."""

    stall_days: int = 14
    behind_margin: float = 0.10
    performance_drop: float = 0.15
    performance_low: float = 0.5
    gap_threshold: float = 1.0
    drought_days: int = 30
    single_source_min: int = 3
    action_days: int = 14
    moment_hours: int = 48
    # A moment for feedback asks the manager and at most this many teammates, each at most once per moment_peer_hours.
    moment_peers: int = 3
    moment_peer_hours: int = 24
    drift_threshold: float = 0.75
    drift_min_ratings: int = 3
    recency_days: int = 14
    recency_share: float = 0.6
    portfolio_share: float = 0.5
    example_share: float = 0.5
    pitfall_min_feedback: int = 5
    insight_ttl_days: int = 14

    @classmethod
    def from_env(cls) -> Thresholds:
        p = "PAARS_ANALYTICS_"
        d = cls()
        return cls(
            stall_days=env_int(p + "STALL_DAYS", d.stall_days),
            behind_margin=env_float(p + "BEHIND_MARGIN", d.behind_margin),
            performance_drop=env_float(p + "PERFORMANCE_DROP", d.performance_drop),
            performance_low=env_float(p + "PERFORMANCE_LOW", d.performance_low),
            gap_threshold=env_float(p + "GAP_THRESHOLD", d.gap_threshold),
            drought_days=env_int(p + "DROUGHT_DAYS", d.drought_days),
            single_source_min=env_int(p + "SINGLE_SOURCE_MIN", d.single_source_min),
            action_days=env_int(p + "ACTION_DAYS", d.action_days),
            moment_hours=env_int(p + "MOMENT_HOURS", d.moment_hours),
            moment_peers=env_int(p + "MOMENT_PEERS", d.moment_peers),
            moment_peer_hours=env_int(p + "MOMENT_PEER_HOURS", d.moment_peer_hours),
            drift_threshold=env_float(p + "DRIFT_THRESHOLD", d.drift_threshold),
            drift_min_ratings=env_int(p + "DRIFT_MIN_RATINGS", d.drift_min_ratings),
            recency_days=env_int(p + "RECENCY_DAYS", d.recency_days),
            recency_share=env_float(p + "RECENCY_SHARE", d.recency_share),
            portfolio_share=env_float(p + "PORTFOLIO_SHARE", d.portfolio_share),
            example_share=env_float(p + "EXAMPLE_SHARE", d.example_share),
            pitfall_min_feedback=env_int(p + "PITFALL_MIN_FEEDBACK", d.pitfall_min_feedback),
            insight_ttl_days=env_int(p + "INSIGHT_TTL_DAYS", d.insight_ttl_days),
        )


# The calibration aid's managers' ratings are gathered from every person's state at most this often by default
# (PAARS_ANALYTICS_RATINGS_CACHE_SECONDS; api/queries.py).
RATINGS_CACHE_SECONDS = 60.0


@dataclass(frozen=True)
class AnalyticsConfig:
    settings: Settings
    thresholds: Thresholds
    app_id: str = "paars-analytics"
    # Faust's data directory (no table, so nothing of the state is kept there: tables.py).
    state_dir: str = ".paars/analytics"
    poll_records: int = 5000
    stream_buffer: int = 20000
    flush_interval_seconds: float = 2.0
    flush_events: int = 50000
    # People kept decoded in memory, least recently used first out, at most this many and this many MiB of heap (the
    # states' held_bytes: ~34 KB each at 500 events): past either, clean ones are dropped and decoded again from the
    # table on use; a dirty one stays until its write-back (people.py).
    hot_people: int = 3_000
    hot_mb: float = 48.0
    detect_interval_seconds: float = 0.05
    scan_interval_seconds: float = 60.0
    # How long the managers' ratings behind the calibration aid are kept before they are gathered again from every
    # person's state (they change with review rounds, not from one team page to the next).
    ratings_cache_seconds: float = RATINGS_CACHE_SECONDS
    # Replication of Faust's own changelog topics: 3 on a production Kafka (as for Paars' topics).
    changelog_replication: int = 1
    # The cyclic garbage collector's thresholds (gc.set_threshold), set when the worker starts. Python's (700, 10,
    # 10) ran a young collection every 700 new containers and a full one every 70,000 while people's states grew:
    # each full pass walks every decoded state (~64 KB of objects each), ~0.1 s with 2,000 people, and the collector
    # took 18% of the worker's CPU (1.35 of 7.55 s in the bench). Reference counting frees the acyclic garbage as
    # before; only garbage in cycles waits longer.
    gc_threshold: tuple[int, int, int] = (50_000, 20, 10)
    clock: Clock = field(default=time.time)

    @property
    def anonymity_k(self) -> int:
        return self.settings.anonymity_k

    @classmethod
    def from_env(cls, settings: Settings | None = None) -> AnalyticsConfig:
        p = "PAARS_ANALYTICS_"
        d = cls(settings=settings or Settings.from_env("analytics"), thresholds=Thresholds())
        return cls(
            settings=d.settings,
            thresholds=Thresholds.from_env(),
            app_id=env_str(p + "APP_ID", d.app_id),
            state_dir=env_str(p + "STATE_DIR", os.path.join(env_str("PAARS_DATA_DIR", ".paars"), "analytics")),
            poll_records=env_int(p + "POLL_RECORDS", d.poll_records),
            stream_buffer=env_int(p + "STREAM_BUFFER", d.stream_buffer),
            flush_interval_seconds=env_float(p + "FLUSH_INTERVAL_SECONDS", d.flush_interval_seconds),
            flush_events=env_int(p + "FLUSH_EVENTS", d.flush_events),
            hot_people=env_int(p + "HOT_PEOPLE", d.hot_people),
            hot_mb=env_float(p + "HOT_MB", d.hot_mb),
            detect_interval_seconds=env_float(p + "DETECT_INTERVAL_SECONDS", d.detect_interval_seconds),
            scan_interval_seconds=env_float(p + "SCAN_INTERVAL_SECONDS", d.scan_interval_seconds),
            ratings_cache_seconds=env_float(p + "RATINGS_CACHE_SECONDS", d.ratings_cache_seconds),
            changelog_replication=env_int(p + "CHANGELOG_REPLICATION", d.changelog_replication),
            gc_threshold=_thresholds(env_str(p + "GC_THRESHOLD", ",".join(map(str, d.gc_threshold)))),
        )


def _thresholds(value: str) -> tuple[int, int, int]:
    """``PAARS_ANALYTICS_GC_THRESHOLD``: three integers, as gc.set_threshold takes them ("700,10,10": Python's)."""
    parts = [int(v) for v in value.split(",")]
    if len(parts) != 3 or any(v < 0 for v in parts):
        raise ValueError(f"PAARS_ANALYTICS_GC_THRESHOLD must be three non-negative integers, not {value!r}")
    return parts[0], parts[1], parts[2]
