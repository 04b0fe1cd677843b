"""`make chaos`: traffic with faults injected, then the history checker; prints and saves the report.

    python -m tests.chaos.run --duration 120 [--no-postgres-restart] [--analytics-workers 2] [--out bench/results/chaos.json]

Analytics runs as several workers of one consumer group (2 by default): its kill fault SIGKILLs one of them, and
every worker must count each acknowledged feedback exactly once (each answers from its own read model).

Exit status 1 on any loss, duplicate, missing dead letter, or service that did not recover within the bound.
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import logging
import pathlib
import platform
import random
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

from kafka import KafkaConsumer, TopicPartition

from paars_platform.events import decode
from tests.chaos import checker
from tests.chaos.harness import (
    ChaosStack,
    Recovery,
    consumed_topics,
    ensure_postgres_up,
    postgres_reachable,
    runnable,
)
from tests.chaos.workloads import DRIVERS, Ack, Driver, History

log = logging.getLogger("paars.chaos")
ROOT = pathlib.Path(__file__).resolve().parents[2]


@dataclass
class ChaosConfig:
    duration: float = 120.0
    seed: int = 0
    postgres: bool = True
    restart_postgres: bool = True
    recovery_bound_s: float = 60.0
    pace_s: float = 0.15
    settle_s: float = 60.0
    services: tuple[str, ...] = ()
    # Services to SIGKILL (None: every one).
    kill: tuple[str, ...] | None = None
    # Analytics workers in one consumer group.
    analytics_workers: int = 2
    out: pathlib.Path | None = None
    data_dir: pathlib.Path | None = None


@dataclass
class Report:
    started: str
    duration_s: float
    backend: str
    services: list[str]
    faults: list[str] = field(default_factory=list)
    writes: dict[str, Any] = field(default_factory=dict)
    prompts: dict[str, Any] = field(default_factory=dict)
    analytics: dict[str, Any] = field(default_factory=dict)
    poison: dict[str, Any] = field(default_factory=dict)
    recoveries: list[dict[str, Any]] = field(default_factory=list)
    attempts: dict[str, int] = field(default_factory=dict)
    retried: dict[str, int] = field(default_factory=dict)
    rejected: list[str] = field(default_factory=list)
    error_logs: dict[str, list[str]] = field(default_factory=dict)
    not_covered: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    machine: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        lines = [f"chaos run {self.started} ({self.duration_s:.0f} s, {self.backend}, services: {', '.join(self.services)})"]
        for service, t in self.writes.items():
            lines.append(f"  {service:<13} acknowledged writes ok {t['ok']}, lost {t['lost']}, duplicated {t['duplicated']}")
        for worker, a in self.analytics.items():
            lines.append(f"  {worker:<13} feedback, coaching and 1:1s counted ok {a['ok']}, lost {a['lost']}, duplicated {a['duplicated']}")
        if self.prompts:
            lines.append(f"  notifications prompts {self.prompts.get('prompts', 0)}, duplicated {self.prompts.get('duplicated', 0)}")
        if self.poison:
            lines.append(f"  poison records {self.poison['written']}: dead-lettered {self.poison['dead_lettered']}/{self.poison['expected_dead_letters']}")
        for r in self.recoveries:
            serving = "-" if r["to_serving_s"] is None else f"{r['to_serving_s']:.1f} s"
            write = "-" if r["to_first_write_s"] is None else f"{r['to_first_write_s']:.1f} s"
            lines.append(f"  {r['fault']:<16} {r['target']:<13} down {r['down_s']:.1f} s  to SERVING {serving:>7}  to first write {write:>7}  {r['note']}")
        for f in self.failures:
            lines.append(f"  FAIL {f}")
        lines.append("  PASSED" if self.passed else "  FAILED")
        return "\n".join(lines)


def tail_until(bootstrap: str, topic: str, start: dict[Any, int], predicate: Any, timeout: float) -> bool:
    """Reads a topic from the given offsets until an event satisfies predicate (or the timeout)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, consumer_timeout_ms=500)
    try:
        consumer.assign(list(start))
        for tp, offset in start.items():
            consumer.seek(tp, offset)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=300).values():
                for r in records:
                    try:
                        if predicate(decode(r.value, r.headers)):
                            return True
                    except Exception:  # poison records are not ours to judge here
                        continue
        return False
    finally:
        consumer.close()


def end_offsets(bootstrap: str, topic: str) -> dict[Any, int]:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        return dict(consumer.end_offsets(tps))
    finally:
        consumer.close()


class ChaosRun:
    def __init__(self, config: ChaosConfig) -> None:
        self.config = config
        self.rng = random.Random(config.seed or time.time_ns())
        self.run_id = uuid.uuid4().hex[:8]
        self.history = History()
        self.recoveries: list[Recovery] = []
        self.drivers: dict[str, Driver] = {}
        self.poison: list[dict[str, str]] = []
        self.fault_log: list[str] = []

    def _now(self, chaos: ChaosStack) -> float:
        return time.monotonic() - chaos.t0

    async def _probe_write(self, service: str, since: float) -> float | None:
        """Seconds from `since` to the next acknowledged write on the service (None if it has no writes)."""
        driver = self.drivers.get(service)
        if driver is None:
            return None
        await asyncio.wait_for(driver.probe(), self.config.recovery_bound_s * 2)
        return time.monotonic() - since

    async def _probe_end_to_end(self, chaos: ChaosStack, since: float) -> float | None:
        """Seconds from `since` until a fresh write of each writing service is on its topic."""
        slowest: float | None = None
        for driver in self.drivers.values():
            start = await asyncio.to_thread(end_offsets, chaos.bootstrap, driver.topic)
            ack: Ack | None = await asyncio.wait_for(driver.probe(), self.config.recovery_bound_s * 2)
            if ack is None:
                continue
            found = await asyncio.to_thread(tail_until, chaos.bootstrap, driver.topic, start, lambda e, a=ack, d=driver: d.carries(e, a), self.config.recovery_bound_s * 2)
            took = time.monotonic() - since if found else float("inf")
            slowest = took if slowest is None else max(slowest, took)
        return slowest

    async def fault(self, chaos: ChaosStack, kind: str, target: str) -> None:
        if kind == "kill":
            # Analytics: one of its workers, the others keep the group going.
            target = chaos.kill_target(target)
        started = self._now(chaos)
        self.fault_log.append(f"{started:6.1f}s {kind} {target}")
        log.warning("fault: %s %s", kind, target)
        if kind == "kill":
            delay = self.rng.uniform(0.5, 3.0)
            restarted, to_serving = await chaos.kill_and_restart(target, delay)
            to_write = await self._probe_write(target, restarted)
            note = "" if to_write is not None else "no people's writes: SERVING only"
            self.recoveries.append(Recovery("kill+restart", target, started, delay, to_serving, to_write, note))
        elif kind == "pause-broker":
            seconds = self.rng.uniform(2.0, 5.0)
            resumed = await chaos.pause_broker(seconds)
            took = await self._probe_end_to_end(chaos, resumed)
            self.recoveries.append(Recovery("broker-paused", "broker", started, seconds, None, took, "to a fresh write on its topic"))
        elif kind == "cut-network":
            seconds = self.rng.uniform(2.0, 5.0)
            restored = await chaos.cut_network(seconds)
            took = await self._probe_end_to_end(chaos, restored)
            self.recoveries.append(Recovery("network-cut", "broker", started, seconds, None, took, "to a fresh write on its topic"))
        elif kind == "restart-postgres":
            began = time.monotonic()
            back = await chaos.restart_postgres()
            took = None
            for service in self.drivers:
                t = await self._probe_write(service, back)
                took = t if took is None or (t is not None and t > took) else took
            self.recoveries.append(Recovery("postgres-restart", "postgresql", started, back - began, None, took, "to a write on every writing service"))

    async def drive(self, chaos: ChaosStack) -> None:
        cfg = self.config
        for service in chaos.services:
            if service in DRIVERS:
                driver = DRIVERS[service](chaos.grpc_address(service), self.history, self.run_id, self.rng)
                await driver.setup()
                self.drivers[service] = driver
        stop = asyncio.Event()
        workers = [asyncio.create_task(w) for d in self.drivers.values() for w in d.workers(stop, cfg.pace_s)]
        consumers = {s: consumed_topics(s) for s in chaos.services}
        topics = sorted({t for ts in consumers.values() for t in ts})
        faults: list[tuple[str, str]] = [("kill", s) for s in chaos.services if cfg.kill is None or s in cfg.kill]
        faults += [("pause-broker", "broker"), ("cut-network", "broker")]
        if cfg.restart_postgres and cfg.postgres:
            faults.append(("restart-postgres", "postgresql"))
        self.rng.shuffle(faults)
        try:
            await asyncio.sleep(min(3.0, cfg.duration * 0.05))
            if topics:
                self.fault_log.append(f"{self._now(chaos):6.1f}s poison {len(topics)} topics")
                self.poison = await asyncio.to_thread(chaos.write_poison, topics)
            began = time.monotonic()
            window = cfg.duration * 0.8
            for i, (kind, target) in enumerate(faults):
                slot_start = began + window * i / len(faults)
                await asyncio.sleep(max(0.0, slot_start - time.monotonic()))
                await self.fault(chaos, kind, target)
            await asyncio.sleep(max(0.0, began + cfg.duration - time.monotonic()))
        finally:
            stop.set()
            await asyncio.gather(*workers, return_exceptions=True)

    async def check(self, chaos: ChaosStack, report: Report) -> None:
        cfg = self.config
        consumers = {s: consumed_topics(s) for s in chaos.services}
        deadline = time.monotonic() + cfg.settle_s
        while True:
            # Waiting heals only what is late (an outbox still draining, a consumer catching up), never a duplicate.
            writes: dict[str, checker.Tally] = {}
            if "goals" in self.drivers:
                writes["goals"] = await checker.check_goals(self.drivers["goals"], self.history, chaos.bootstrap)  # type: ignore[arg-type]
            if "feedback" in self.drivers:
                writes["feedback"] = await checker.check_feedback(self.drivers["feedback"], self.history, chaos.bootstrap)  # type: ignore[arg-type]
            if "conversations" in self.drivers:
                writes["conversations"] = await checker.check_conversations(self.drivers["conversations"], self.history, chaos.bootstrap)  # type: ignore[arg-type]
            poison = await asyncio.to_thread(checker.check_poison, chaos.bootstrap, self.poison, consumers)
            late = any(t.lost for t in writes.values()) or poison["lost"]
            if not late or time.monotonic() > deadline:
                break
            await asyncio.sleep(2.0)
        report.writes = {s: t.as_dict() for s, t in writes.items()}
        report.poison = poison
        assert chaos.stack is not None
        dead = [name for name, proc in chaos.stack.processes.items() if not proc.alive()]
        for name in dead:
            report.failures.append(f"{name} is not running at the end of the run (crashed after a fault): {chaos.stack.processes[name].log_tail(3)[-600:]}")
        if "notifications" in chaos.services and "notifications" not in dead:
            report.prompts = await checker.check_prompts(chaos.grpc_address("notifications"))
        else:
            report.not_covered.append("notifications: prompts (service not runnable in this tree)")
        workers = chaos.analytics_names
        if workers and "feedback" in self.drivers and not set(workers) & set(dead):
            # Each worker answers from its own read model of the changelogs: every one must count each once.
            for worker in workers:
                deadline = time.monotonic() + cfg.settle_s
                while True:
                    try:
                        counted = await checker.check_analytics(chaos.grpc_address(worker), self.history)
                    except TimeoutError:
                        counted = {"ok": 0, "lost": -1, "duplicated": 0, "mismatches": ["analytics did not answer GetSignals"]}
                        break
                    if not counted["lost"] or time.monotonic() > deadline:
                        break
                    await asyncio.sleep(2.0)
                report.analytics[worker] = counted
                if counted["lost"] or counted["duplicated"]:
                    report.failures.append(f"{worker}: {counted['lost']} feedback or conversations events not counted, {counted['duplicated']} counted twice")
        else:
            report.not_covered.append("analytics: counted exactly once (analytics or feedback not runnable in this tree)")
        for service, t in writes.items():
            if t.lost:
                report.failures.append(f"{service}: {t.lost} acknowledged writes lost")
            if t.duplicated:
                report.failures.append(f"{service}: {len(t.duplicated)} duplicates")
        if report.prompts.get("duplicated"):
            report.failures.append(f"notifications: {report.prompts['duplicated']} prompts delivered twice")
        if poison["lost"]:
            report.failures.append(f"{poison['lost']} poison records not dead-lettered")
        for r in self.recoveries:
            worst = max(x for x in (r.to_serving_s, r.to_first_write_s, 0.0) if x is not None)
            if worst > cfg.recovery_bound_s:
                report.failures.append(f"{r.target} did not recover within {cfg.recovery_bound_s:.0f} s after {r.fault}")
        if self.history.rejected:
            report.failures.append(f"{len(self.history.rejected)} workload calls rejected (the workload itself is wrong)")

    async def run(self, chaos: ChaosStack) -> Report:
        cfg = self.config
        report = Report(
            started=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), duration_s=cfg.duration,
            backend="postgresql" if cfg.postgres else "sqlite", services=list(chaos.services),
            machine={"python": platform.python_version(), "platform": platform.platform(), "cpus": __import__("os").cpu_count()},
        )
        try:
            await self.drive(chaos)
            await self.check(chaos, report)
        finally:
            for d in self.drivers.values():
                await d.close()
        report.faults = self.fault_log
        report.recoveries = [asdict(r) for r in self.recoveries]
        report.attempts = dict(self.history.attempts)
        report.retried = dict(self.history.retried_codes)
        report.rejected = self.history.rejected[:20]
        return report


def run_chaos(config: ChaosConfig) -> Report:
    """Starts the stack, drives traffic with faults, checks, stops everything (PostgreSQL is left running)."""
    services = config.services or tuple(s for s in ("goals", "feedback", "conversations", "notifications", "analytics") if runnable(s))
    config.postgres = config.postgres and postgres_reachable()
    data_dir = config.data_dir or pathlib.Path(tempfile.mkdtemp(prefix="paars-chaos-"))
    runner = ChaosRun(config)
    chaos = ChaosStack(data_dir, services, config.postgres, runner.rng, analytics_workers=config.analytics_workers)
    report: Report | None = None
    try:
        chaos.start()
        report = asyncio.run(runner.run(chaos))
        report.error_logs = chaos.error_lines()
    finally:
        if config.restart_postgres and config.postgres:
            ensure_postgres_up()
        chaos.stop()
    if config.out is not None:
        config.out.parent.mkdir(parents=True, exist_ok=True)
        config.out.write_text(json.dumps(asdict(report), indent=2) + "\n")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=120.0, help="seconds of traffic under faults")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    parser.add_argument("--no-postgres-restart", action="store_true", help="skip restarting the machine's PostgreSQL")
    parser.add_argument("--recovery-bound", type=float, default=60.0)
    parser.add_argument("--analytics-workers", type=int, default=2, help="analytics workers in one consumer group")
    parser.add_argument("--out", type=pathlib.Path, default=ROOT / "bench" / "results" / "chaos.json")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(message)s")
    config = ChaosConfig(
        duration=args.duration, seed=args.seed, postgres=not args.sqlite, restart_postgres=not args.no_postgres_restart,
        recovery_bound_s=args.recovery_bound, analytics_workers=args.analytics_workers, out=args.out,
    )
    report = run_chaos(config)
    print(report.summary())
    print(f"report: {args.out}")
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
