"""A/B of the inbox consumer's loop in one process: the real InboxConsumer._run of each variant (an inbox.py, e.g. one
from a `git worktree` of the base, loaded side by side) over notifications' real PromptService on a fresh PostgreSQL
database, fed milestones at a Poisson rate by an in-memory consumer in place of aiokafka's (getmany returns what
has arrived, after a 2 ms fetch trip; commit() costs a broker round trip of --commit-min-ms..--commit-max-ms). The
variants alternate in short segments (A B, B A, ...) so that a shared machine's load falls on all alike; the whole
stack's bench (bench/prompt_latency.py) swings by more than a change to the loop on this machine. Latency: a record's
arrival -> its event's after_commit (its prompt pushed). Prints per segment and per variant; --out writes the JSON.

    .venv/bin/python bench/inbox_loop_ab.py --variant A=/tmp/ab-base/libs/platform/src/paars_platform/inbox.py \
        --variant B=libs/platform/src/paars_platform/inbox.py --rounds 8 --seconds 6
"""
from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import pathlib
import random
import statistics
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from aiokafka import TopicPartition
from aiokafka.structs import ConsumerRecord

from paars_notifications.adapters import tables as t
from paars_notifications.adapters.fanout import FanOut
from paars_notifications.bootstrap import GROUP_ID, MIGRATIONS
from paars_notifications.config import NotificationsConfig
from paars_notifications.service_layer.prompting import PromptService
from paars_platform.db import Database, migrate, utcnow
from paars_platform.events import to_record
from tests.conftest import create_pg_database, drop_pg_database, make_settings
from tests.integration.test_notifications_batch import DeadLetters, as_batch, employee, milestone

TP = TopicPartition("goals.goal-updated.v1", 0)


def load(name: str, path: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[name] = module
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


class FakeConsumer:
    """What InboxConsumer._run uses of AIOKafkaConsumer."""

    def __init__(self, commit_ms: tuple[float, float]) -> None:
        self.buffer: list[ConsumerRecord] = []
        self.arrived = asyncio.Event()
        self.offset = 0
        self.commit_ms = commit_ms
        self.commits = 0

    def add(self, record: ConsumerRecord) -> None:
        self.buffer.append(record)
        self.arrived.set()

    async def getmany(self, timeout_ms: int = 0, max_records: int = 500) -> dict[TopicPartition, list[ConsumerRecord]]:
        if not self.buffer:
            self.arrived.clear()
            try:
                await asyncio.wait_for(self.arrived.wait(), timeout_ms / 1000)
            except TimeoutError:
                return {}
            await asyncio.sleep(0.002)  # the fetch response's trip
        out, self.buffer = self.buffer[:max_records], self.buffer[max_records:]
        return {TP: out} if out else {}

    def assignment(self) -> set[TopicPartition]:
        return {TP}

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        self.commits += 1
        await asyncio.sleep(random.uniform(*self.commit_ms) / 1000)

    def highwater(self, tp: TopicPartition) -> int:
        return self.offset

    async def position(self, tp: TopicPartition) -> int:
        return self.offset


async def main(args: argparse.Namespace) -> None:
    variants = {name: load(f"inbox_{name}", path) for name, path in (v.split("=", 1) for v in args.variant)}
    url = await asyncio.to_thread(create_pg_database)
    try:
        await migrate(url, MIGRATIONS)
        db = Database(url)
        prompts = PromptService(NotificationsConfig(), FanOut())
        prompts.attach(db)
        prompts.cache.refresh_in_background(db)
        people = []
        for m in range(25):
            people.append(employee(f"m{m:03d}", ""))
            people += [employee(f"m{m:03d}-e{j:02d}", f"m{m:03d}") for j in range(20)]
        for start in range(0, len(people), 100):
            await as_batch(db, prompts, people[start:start + 100])
        async with db.transaction() as conn:
            await conn.execute(t.preferences.insert(), [dict(
                employee_id=f"m{m:03d}", channels=[1], quiet_start="", quiet_end="", time_zone="", daily_digest=False, weekly_budget=1_000_000,
                email="", updated_at=utcnow(), language="",
            ) for m in range(25)])
        owners = [f"m{m:03d}-e{j:02d}" for m in range(25) for j in range(20)]
        settings = make_settings("notifications", database_url=url, kafka_bootstrap="127.0.0.1:9")
        arrived_at: dict[str, float] = {}
        done_at: dict[str, float] = {}
        real_after = prompts.after_commit

        async def after_commit(event: object) -> None:
            await real_after(event)
            done_at[event.metadata.event_id] = time.perf_counter()  # type: ignore[attr-defined]

        results: dict[str, list[float]] = {name: [] for name in variants}
        per_segment: list[dict[str, object]] = []
        offset = 0
        for rnd in range(args.rounds):
            order = list(variants) if rnd % 2 == 0 else list(reversed(variants))
            for name in order:
                module = variants[name]
                consumer = module.InboxConsumer(settings, db, t.platform["inbox"], DeadLetters(), group_id=GROUP_ID,
                                                handlers=prompts.handlers(), after_commit=after_commit, hooks=prompts)
                fake = FakeConsumer((args.commit_min_ms, args.commit_max_ms))
                consumer._consumer = fake
                task = asyncio.create_task(consumer._run())
                ids: list[str] = []
                end = time.perf_counter() + args.seconds
                next_at = time.perf_counter()
                while next_at < end:
                    await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
                    event = milestone(random.choice(owners), percent=random.choice((25, 50, 75, 100)))
                    r = to_record(event)
                    now = time.perf_counter()
                    arrived_at[r.event_id] = now
                    fake.offset = offset
                    fake.add(ConsumerRecord(TP.topic, 0, offset, int(time.time() * 1000), 0, r.key, r.value, None, len(r.key), len(r.value), r.headers))
                    offset += 1
                    ids.append(r.event_id)
                    next_at += random.expovariate(args.rate)
                deadline = time.perf_counter() + 20
                while time.perf_counter() < deadline and not all(i in done_at for i in ids):
                    await asyncio.sleep(0.05)
                consumer._stopping = True
                task.cancel()
                try:
                    await task
                except (asyncio.CancelledError, Exception):
                    pass
                lat = [(done_at[i] - arrived_at[i]) * 1000 for i in ids if i in done_at]
                results[name] += lat
                q = sorted(lat)
                seg = {"round": rnd, "variant": name, "events": len(ids), "done": len(lat), "p50": round(statistics.median(q), 2),
                       "p99": round(q[int(len(q) * 0.99)], 2), "mean": round(statistics.fmean(q), 2), "load": pathlib.Path("/proc/loadavg").read_text().split()[0]}
                per_segment.append(seg)
                print(json.dumps(seg), flush=True)
        summary = {}
        for name, lat in results.items():
            q = sorted(lat)
            summary[name] = {"events": len(q), "p50": round(statistics.median(q), 2), "p95": round(q[int(len(q) * 0.95)], 2),
                             "p99": round(q[int(len(q) * 0.99)], 2), "mean": round(statistics.fmean(q), 2),
                             "segment_p50s": [s["p50"] for s in per_segment if s["variant"] == name]}
        print(json.dumps(summary, indent=1))
        if args.out:
            pathlib.Path(args.out).write_text(json.dumps({"summary": summary, "segments": per_segment, "args": vars(args)}, indent=1) + "\n")
        await prompts.cache.close()
        await db.dispose()
    finally:
        await asyncio.to_thread(drop_pg_database, url)


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--variant", action="append", required=True, help="name=path/to/inbox.py")
    p.add_argument("--rounds", type=int, default=4)
    p.add_argument("--seconds", type=float, default=8.0)
    p.add_argument("--rate", type=float, default=100.0)
    p.add_argument("--commit-min-ms", type=float, default=4.0)
    p.add_argument("--commit-max-ms", type=float, default=20.0)
    p.add_argument("--out")
    asyncio.run(main(p.parse_args()))
