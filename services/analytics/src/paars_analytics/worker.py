"""Starts one Faust worker (agents, timers, tables) plus the query API; SIGTERM stops it gracefully."""
from __future__ import annotations

import gc
import os

import faust

from paars_analytics.api.grpc import ApiService
from paars_analytics.app import create_app, register_agents
from paars_analytics.config import AnalyticsConfig
from paars_platform.config import Settings


def run(settings: Settings) -> None:
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    config = AnalyticsConfig.from_env(settings)
    # Fewer passes of the cyclic collector over people's states (config.py: gc_threshold).
    gc.set_threshold(*config.gc_threshold)
    os.makedirs(config.state_dir, exist_ok=True)
    ctx = create_app(config)
    register_agents(ctx)
    worker = faust.Worker(
        ctx.app, *ctx.replicas, ApiService(ctx), loglevel=settings.log_level.lower(), override_logging=False,
    )
    worker.execute_from_commandline()
