"""The short chaos run of `make test`: traffic under SIGKILL, broker pause, network cut and poison records;
nothing acknowledged is lost or duplicated anywhere downstream. Analytics runs as 2 workers of one group, and each
must count every acknowledged feedback once. (`make chaos` is the long run, with a PostgreSQL restart and a SIGKILL
of every service, analytics' being one of its 2 workers. Killing an analytics worker here too took this test from
71 s, one worker, to 148 s; 2 workers without that kill took 115 s, at load 8-9.)"""
from __future__ import annotations

import pathlib

import pytest

from tests.chaos.run import ChaosConfig, run_chaos

pytestmark = pytest.mark.e2e


def test_acknowledged_writes_survive_kills_broker_pause_network_cut_and_poison(tmp_path: pathlib.Path) -> None:
    # SQLite and no PostgreSQL restart: other tests of the same session share the machine's PostgreSQL.
    config = ChaosConfig(duration=30, postgres=False, restart_postgres=False, kill=("goals",), analytics_workers=2,
                         settle_s=45, data_dir=tmp_path / "chaos")
    report = run_chaos(config)
    print(report.summary())
    assert report.writes, "no traffic was checked"
    assert all(w["ok"] > 0 for w in report.writes.values()), report.summary()
    # Both analytics workers answered, each from its own read model.
    assert len(report.analytics) == 2 and all(a["ok"] > 0 for a in report.analytics.values()), report.summary()
    assert report.passed, report.summary()
