"""The outbox relay on PostgreSQL under a write load (issue 13 item 5): in process, a fresh database and the embedded
broker; `--writers` tasks each commit one outbox event after another for `--seconds` while the relay publishes them.
Measures commit -> published (the relay's publish returned) p50/p99, the relay's reads and marks per 100 events and
the CPU of the database's backends per event. Compare code versions by putting one on PYTHONPATH (a copy of
paars_platform) for the same script. Writes bench/results/outbox_relay.json (`--output`), with the load average."""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import pathlib
import sys
import time
import uuid
from typing import Any

import sqlalchemy as sa

REPO = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from paars.common.v1 import event_pb2  # noqa: E402
from paars.goals.v1 import goals_pb2 as pb  # noqa: E402
from paars_platform import outbox  # noqa: E402
from paars_platform.db import Database, platform_tables  # noqa: E402
from paars_platform.embedded_broker import EmbeddedBroker  # noqa: E402
from paars_platform.events import new_metadata  # noqa: E402
from paars_platform.kafka import Publisher, provision_topics  # noqa: E402
from tests.conftest import create_pg_database, drop_pg_database  # noqa: E402


def event() -> pb.GoalUpdated:
    return pb.GoalUpdated(
        metadata=new_metadata(producer="goals", subject_id="bench", visibility=event_pb2.VISIBILITY_INTERNAL),
        changes=[pb.GoalUpdated.CHANGE_PROPOSED], goal=pb.Goal(id=uuid.uuid4().hex, title="bench", owner_id="bench"),
    )


def cpu_seconds(pid: int) -> float:
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class RelayUnderTest:
    """A fresh database with the platform's tables, a publisher that records when each event went out, and the
    relay over them; `close` drops it all again."""

    @classmethod
    async def open(cls, bootstrap: str) -> RelayUnderTest:
        self = cls()
        self.url = await asyncio.to_thread(create_pg_database)
        metadata = sa.MetaData()
        self.tables = platform_tables(metadata)
        self.db = Database(self.url)
        async with self.db.engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        self.publisher = Publisher(bootstrap, client_id="bench-relay", idempotence=False)
        self.published_at: dict[str, float] = {}
        publish = self.publisher.publish

        def timed(records: Any, timeout: float = 30.0) -> None:
            publish(records, timeout)
            now = time.perf_counter()
            for r in records:
                self.published_at[r.event_id] = now

        self.publisher.publish = timed  # type: ignore[method-assign]
        self.relay = outbox.OutboxRelay(self.db, self.tables["outbox"], self.publisher, service="bench", poll_seconds=1.0)
        return self

    async def close(self) -> None:
        await self.relay.stop()
        self.publisher.close()
        await self.db.dispose()
        await asyncio.to_thread(drop_pg_database, self.url)

    def latencies(self, committed: dict[str, float]) -> dict[str, Any]:
        """Commit -> published of the committed events, p50 and p99 in ms."""
        ms = sorted((self.published_at[k] - t) * 1000 for k, t in committed.items() if k in self.published_at)
        return {"published": len(ms), "committed": len(committed),
                "commit_to_published_p50_ms": round(ms[len(ms) // 2], 1),
                "commit_to_published_p99_ms": round(ms[min(len(ms) - 1, int(len(ms) * 0.99))], 1)}


async def measure(bootstrap: str, writers: int, seconds: float) -> dict[str, Any]:
    bench = await RelayUnderTest.open(bootstrap)
    db, tables, relay = bench.db, bench.tables, bench.relay
    counts = {"reads": 0, "marks": 0}
    read, mark = relay.publish_pending, relay.mark_published

    async def counted_read() -> int:
        counts["reads"] += 1
        return await read()

    async def counted_mark() -> int:
        counts["marks"] += 1
        return await mark()

    relay.publish_pending = counted_read  # type: ignore[method-assign]
    relay.mark_published = counted_mark  # type: ignore[method-assign]
    relay.start()
    await asyncio.sleep(1)
    committed: dict[str, float] = {}
    stopping = False

    async def writer() -> None:
        while not stopping:
            e = event()
            async with db.transaction() as conn:
                await outbox.append(conn, tables["outbox"], e)
            committed[e.metadata.event_id] = time.perf_counter()

    async def backends() -> list[int]:
        async with db.read() as conn:
            return [p for (p,) in (await conn.execute(sa.text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()"))).all()]

    tasks = [asyncio.create_task(writer()) for _ in range(writers)]
    await asyncio.sleep(1)
    before = {p: cpu_seconds(p) for p in await backends()}
    start, n0, c0 = time.perf_counter(), len(committed), dict(counts)
    await asyncio.sleep(seconds)
    pg_cpu = sum(cpu_seconds(p) - before[p] for p in await backends() if p in before)
    elapsed, n = time.perf_counter() - start, len(committed) - n0
    reads, marks = counts["reads"] - c0["reads"], counts["marks"] - c0["marks"]
    stopping = True
    await asyncio.gather(*tasks)
    await asyncio.sleep(2)
    await bench.close()
    return {
        "writers": writers, "commits_per_s": round(n / elapsed), **bench.latencies(committed),
        "relay_reads_per_100_events": round(reads * 100 / max(1, n), 1), "marks_per_100_events": round(marks * 100 / max(1, n), 1),
        "pg_cpu_ms_per_event": round(pg_cpu * 1000 / max(1, n), 3),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--writers", default="0,64", type=lambda s: [int(x) for x in s.split(",")], help="0: one commit every 10 ms")
    parser.add_argument("--seconds", default=6.0, type=float)
    parser.add_argument("--label", default="", help="what code ran (kept in the results)")
    parser.add_argument("--output", default="outbox_relay.json")
    args = parser.parse_args()
    load_start = os.getloadavg()[0]
    results = []
    with EmbeddedBroker() as broker:
        provision_topics(broker.bootstrap)
        for w in args.writers:
            results.append(asyncio.run(measure(broker.bootstrap, w, args.seconds)) if w else asyncio.run(paced(broker.bootstrap, args.seconds)))
            print(json.dumps(results[-1]))
    out = REPO / "bench" / "results" / args.output
    record = {"label": args.label, "runs": results, "load_average_1m": [round(load_start, 2), round(os.getloadavg()[0], 2)],
              "outbox_module": outbox.__file__, "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    out.write_text(json.dumps(record, indent=2) + "\n")
    print(f"wrote {out.relative_to(REPO)}")
    return 0


async def paced(bootstrap: str, seconds: float) -> dict[str, Any]:
    """No competing writers: one commit every 10 ms, the latency of a lone event."""
    bench = await RelayUnderTest.open(bootstrap)
    db, tables, relay = bench.db, bench.tables, bench.relay
    relay.start()
    await asyncio.sleep(1)
    committed: dict[str, float] = {}
    for _ in range(int(seconds * 100)):
        e = event()
        async with db.transaction() as conn:
            await outbox.append(conn, tables["outbox"], e)
        committed[e.metadata.event_id] = time.perf_counter()
        await asyncio.sleep(0.01)
    await asyncio.sleep(1)
    await bench.close()
    return {"writers": 0, **bench.latencies(committed)}


if __name__ == "__main__":
    sys.exit(main())
