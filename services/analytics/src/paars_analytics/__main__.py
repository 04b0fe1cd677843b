"""`python -m paars_analytics [serve|migrate]`: the Faust worker with the query API in the same process."""
from __future__ import annotations

import logging
import sys

from paars_platform import logs
from paars_platform.config import Settings
from paars_platform.kafka import provision_topics
from paars_platform.parent import die_with_parent_from_env

log = logging.getLogger("paars.analytics")


def main(argv: list[str]) -> None:
    die_with_parent_from_env()
    settings = Settings.from_env("analytics")
    logs.configure("analytics", settings.log_level)
    command = argv[1] if len(argv) > 1 else "serve"
    if command == "migrate":
        # State lives in Faust tables and their changelogs: there is no schema to migrate.
        log.info("nothing to migrate")
        return
    if command != "serve":
        raise SystemExit("usage: python -m paars_analytics [serve|migrate]")
    from paars_analytics.worker import run

    if settings.provision_topics:
        provision_topics(settings.kafka_bootstrap, security=settings.kafka_security)
    run(settings)


if __name__ == "__main__":
    main(sys.argv)
