"""The services' clock: now, timezone-aware in UTC. A module of its own so that code without a database (the keyring
in analytics' worker) has it without SQLAlchemy; paars_platform.db re-exports it, where most code imports it from."""
from __future__ import annotations

import datetime as dt


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
