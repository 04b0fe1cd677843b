"""What the alert on a retention job not run (PaarsRetentionNotRun) reads: a scheduled job exports its interval and
when it was scheduled; a job with nothing configured exports neither (it is never expected to run)."""
from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from prometheus_client import REGISTRY

from paars_platform.retention import RetentionJob, RetentionRule

METADATA = sa.MetaData()
NOTES = sa.Table("notes", METADATA, sa.Column("id", sa.Integer, primary_key=True), sa.Column("at", sa.DateTime))
AUDIT = sa.Table("audit", METADATA, sa.Column("id", sa.Integer, primary_key=True))


class DownDatabase:
    def transaction(self, **_: Any) -> Any:
        raise RuntimeError("database down")

    def read(self) -> Any:
        raise RuntimeError("database down")


async def test_a_scheduled_job_exports_its_interval_and_when_it_was_scheduled() -> None:
    before = time.time()
    job = RetentionJob("unit-schedule", DownDatabase(), AUDIT, [RetentionRule("notes", NOTES, "at")], {"notes": 30}, every_seconds=1800)  # type: ignore[arg-type]
    await job.start()
    await job.stop()
    assert REGISTRY.get_sample_value("paars_retention_interval_seconds", {"service": "unit-schedule"}) == 1800
    started = REGISTRY.get_sample_value("paars_retention_started_timestamp_seconds", {"service": "unit-schedule"})
    assert started is not None and before <= started <= time.time()


async def test_a_job_with_no_period_configured_exports_no_interval() -> None:
    job = RetentionJob("unit-unscheduled", DownDatabase(), AUDIT, [RetentionRule("notes", NOTES, "at")], {"notes": 0}, every_seconds=1800)  # type: ignore[arg-type]
    await job.start()
    await job.stop()
    assert REGISTRY.get_sample_value("paars_retention_interval_seconds", {"service": "unit-unscheduled"}) is None
    assert REGISTRY.get_sample_value("paars_retention_started_timestamp_seconds", {"service": "unit-unscheduled"}) is None
