"""Conversations settings: the platform's Settings (paars_platform.config) are all it reads; this module names the
consumer group of its directory projection."""
from __future__ import annotations

from paars_platform.config import Settings

ORG_CONSUMER_GROUP = "paars-conversations-org"


def org_consumer_group(settings: Settings) -> str:
    """One group per deployment; Settings.extra["org_consumer_group"] lets two deployments (or test runs) share a broker."""
    return settings.extra.get("org_consumer_group", ORG_CONSUMER_GROUP)
