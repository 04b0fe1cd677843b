"""`make soak DURATION=10m`: steady traffic against the stack; samples memory, latency and lag; fails (exit 1) on unbounded growth."""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import logging
import pathlib
import sys
import time
from typing import Any

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from bench import growth, harness, loadgen
from bench.run import PEOPLE, write_loads

log = logging.getLogger("paars.soak")

PORT_OFFSET = 400


def sample_services(stack: harness.BenchStack) -> dict[str, float]:
    """RSS of every process, and each service's outbox backlog and consumer lag from its /metrics."""
    values: dict[str, float] = {}
    for name, pid in stack.pids().items():
        rss = harness.rss_mb(pid)
        if rss is not None:
            values[f"rss_mb.{name}"] = round(rss, 1)
    for name in stack.processes:
        try:
            metrics = harness.scrape(stack.metrics_url(name))
        except OSError:
            continue
        for kind in ("outbox_backlog", "consumer_lag"):
            metric = f"paars_{name}_{kind}"
            if metric in metrics:
                values[f"{kind}.{name}"] = metrics[metric]
    return values


def soak(duration: float, rate: float, force_sqlite: bool) -> dict[str, Any]:
    interval = growth.sample_interval(duration)
    samples: list[dict[str, Any]] = []
    with harness.running_stack(harness.REPO / ".paars" / "soak", PORT_OFFSET, force_sqlite=force_sqlite) as stack:
        log.info("stack up on %s: %s (not started: %s)", stack.backend.describe(), ", ".join(stack.processes), stack.failed or "none")
        goals = asyncio.run(harness.seed(stack, PEOPLE))
        loads = write_loads(stack, goals, PEOPLE, duration)
        spec = loadgen.Steady([loads["GiveFeedback"], loads["CheckIn"]], [4, 1], rate, duration, interval)
        proc, windows = loadgen.start_steady(spec)
        started = time.monotonic()
        latest: dict[str, Any] = {}
        try:
            while True:
                deadline = started + (len(samples) + 1) * interval
                finished = False
                while time.monotonic() < deadline:
                    if windows.poll(max(0.0, min(0.5, deadline - time.monotonic()))):
                        message = windows.recv()
                        if message is None:
                            finished = True
                            break
                        if isinstance(message, Exception):
                            raise message
                        latest = message
                sample: dict[str, Any] = {"t": round(time.monotonic() - started, 1), **sample_services(stack)}
                if latest:
                    sample.update({"p50_ms": round(latest["p50_ms"], 2), "p99_ms": round(latest["p99_ms"], 2), "ok": latest["ok"],
                                   "errors": latest["errors"], "skipped": latest["skipped"]})
                    latest = {}
                samples.append(sample)
                log.info("%s", sample)
                if finished or not proc.is_alive() or time.monotonic() - started > duration + 30:
                    break
                dead = [n for n, p in stack.processes.items() if not p.alive()]
                if dead:
                    raise RuntimeError(f"{', '.join(dead)} died during the soak")
        finally:
            proc.join(timeout=30)
            if proc.is_alive():
                proc.kill()
        database = stack.backend.describe()
        failed = dict(stack.failed)
    series: dict[str, list[tuple[float, float]]] = {}
    for s in samples:
        for key, value in s.items():
            if key.split(".", 1)[0] in growth.LIMITS and isinstance(value, (int, float)):
                series.setdefault(key, []).append((s["t"], float(value)))
    # The embedded broker keeps every record in memory (memory:// storage): it grows with the data by design.
    verdicts = [growth.judge(name, points) for name, points in sorted(series.items()) if name != "rss_mb.broker"]
    total_ok = sum(s.get("ok", 0) for s in samples)
    total_errors = sum(sum(s.get("errors", {}).values()) for s in samples)
    return {
        "duration_s": duration, "rate_per_s": rate, "sample_interval_s": interval, "database": database, "not_started": failed,
        "calls_ok": total_ok, "calls_failed": total_errors,
        "verdicts": [v.as_dict() for v in verdicts],
        "grew": [v.series for v in verdicts if v.grew],
        "judged": all(v.judged for v in verdicts) and bool(verdicts),
        "passed": not any(v.grew for v in verdicts),
        "rules": {k: {"slope_limit_per_min": a, "rise_floor": b} for k, (a, b) in growth.LIMITS.items()},
        "not_judged": {"rss_mb.broker": "the embedded broker stores every record in memory, so it grows with the data by design"},
        "last": {name: points[-1][1] for name, points in sorted(series.items())},
        "samples": samples,
    }


def plot(result: dict[str, Any], path: pathlib.Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    samples = result["samples"]
    fig, axes = plt.subplots(2, 2, figsize=(10, 6), dpi=80, sharex=True)
    panels = [("rss_mb", "resident memory (MB)"), ("p99_ms", "RPC latency (ms)"), ("outbox_backlog", "outbox backlog (rows)"), ("consumer_lag", "consumer lag (records)")]
    for ax, (kind, title) in zip(axes.flat, panels, strict=True):
        keys = sorted({k for s in samples for k in s if k.split(".", 1)[0] == kind or (kind == "p99_ms" and k == "p50_ms")})
        for key in keys:
            points = [(s["t"], s[key]) for s in samples if key in s]
            ax.plot([p[0] for p in points], [p[1] for p in points], label=key.split(".", 1)[-1], linewidth=1.2)
        ax.set_title(title, fontsize=9)
        ax.grid(alpha=0.3)
        if keys:
            ax.legend(fontsize=7)
    for ax in axes[1]:
        ax.set_xlabel("seconds")
    verdict = "passed" if result["passed"] else f"FAILED: {', '.join(result['grew'])} grew"
    fig.suptitle(f"soak {result['duration_s']:.0f} s at {result['rate_per_s']:.0f} RPC/s: {verdict}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", default="10m", help="30s, 10m, 1h, ...")
    parser.add_argument("--rate", default=50.0, type=float, help="RPCs per second (4 GiveFeedback : 1 CheckIn)")
    parser.add_argument("--sqlite", action="store_true", help="use SQLite even when PostgreSQL is reachable")
    parser.add_argument("--output", default="soak", help="name of the result files in bench/results/")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    for noisy in ("kafka", "aiokafka"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    duration = growth.parse_duration(args.duration)
    result = soak(duration, args.rate, args.sqlite)
    result["date"] = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    result["machine"] = {k: v for k, v in harness.machine(harness.Backend(harness.REPO / ".paars" / "soak-probe", force_sqlite=args.sqlite).open()).items() if k != "database"}
    harness.RESULTS.mkdir(parents=True, exist_ok=True)
    (harness.RESULTS / f"{args.output}.json").write_text(json.dumps(result, indent=2) + "\n")
    plot(result, harness.RESULTS / f"{args.output}.png")
    for v in result["verdicts"]:
        state = "GREW" if v["grew"] else ("ok" if v["judged"] else "not judged (too few samples)")
        print(f"{v['series']:<32} slope {v['slope_per_min']:>9.2f}/min (limit {v['limit_per_min']}), rise {v['rise_second_half']:>9.2f} (floor {v['floor']}): {state}")
    print(f"{result['calls_ok']} calls ok, {result['calls_failed']} failed; {'PASSED' if result['passed'] else 'FAILED: unbounded growth of ' + ', '.join(result['grew'])}")
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
