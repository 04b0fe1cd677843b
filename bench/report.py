"""Turns a bench result into bench/results/<name>.json, a Markdown table and PNG plots."""
from __future__ import annotations

import json
import pathlib
from typing import Any

from bench.loadgen import LoadResult


def _fmt(value: Any) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "**no**"
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) >= 10 else f"{value:.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def markdown(result: dict[str, Any]) -> str:
    m = result.get("machine", {})
    cases = result["cases"]
    lines = [
        f"# Paars benchmark, {result.get('date', '')}",
        "",
        f"Machine: {m.get('cores')} cores ({m.get('cpu_model')}), {m.get('memory_mb', 0) // 1024} GiB, Python {m.get('python')}, "
        f"{m.get('database')}, {m.get('broker')}; load average {m.get('load_average_1m_at_start')} at the start, "
        f"{m.get('load_average_1m_at_end')} at the end (the machine is shared). Reproduce with `make bench`.",
        "",
        "| case | figure | measured | baseline (same run) | ratio | target | met |",
        "|---|---|---|---|---|---|---|",
    ]
    w = cases.get("write_path")
    if w:
        lines.append(
            f"| write_path | durable GiveFeedback RPCs/s ({w['concurrency']} callers) | {_fmt(w['rps'])} | "
            f"{_fmt(w['baseline_echo_rps'])} (grpc.aio echo, {w['baseline_echo_concurrency']} callers) | {w['ratio']:.2f} | "
            f"≥ {w['targets']['rps']:,.0f}/s, ≥ {w['targets']['ratio']:.0%} of echo | {_fmt(w['rps'] >= w['targets']['rps'] and w['ratio'] >= w['targets']['ratio'])} |"
        )
        lines.append(
            f"| write_path | GiveFeedback p50 / p99 ms | {_fmt(w['p50_ms'])} / {_fmt(w['p99_ms'])} | "
            f"{_fmt(w['baseline_echo_p50_ms'])} / {_fmt(w['baseline_echo_p99_ms'])} | | p99 ≤ {w['targets']['p99_ms']:.0f} | {_fmt(w['p99_ms'] <= w['targets']['p99_ms'])} |"
        )
        lines.append(
            f"| write_path | CheckIn RPCs/s ({w['checkin_concurrency']} callers), p99 ms | {_fmt(w['checkin_rps'])}, {_fmt(w['checkin_p99_ms'])} | "
            f"{_fmt(w['baseline_echo_rps'])} | {w['checkin_rps'] / (w['baseline_echo_rps'] or 1):.2f} | | |"
        )
    for name, key, label in (("prompt_latency", "p50_ms", "cause → in-app prompt p50 / p95 / p99 ms"), ("analytics", "events_per_s", "input events/s, one worker with state")):
        c = cases.get(name)
        if c is None:
            continue
        if c.get("status") != "ok":
            lines.append(f"| {name} | {label} | not measured: {c.get('status')} ({c.get('detail', '')}) | | | | |")
        elif name == "prompt_latency":
            for sub, db in ((c, c.get("database", "sqlite")), (c.get("postgresql"), "postgresql")):
                if not isinstance(sub, dict):
                    continue
                if sub.get("status") != "ok":
                    lines.append(f"| prompt_latency | {label} on {db} | not measured: {sub.get('status')} ({sub.get('detail', '')}) | | | | |")
                    continue
                lines.append(
                    f"| prompt_latency | {label} at {_fmt(sub.get('rate_per_s'))}/s on {db} | {_fmt(sub.get('p50_ms'))} / {_fmt(sub.get('p95_ms'))} / {_fmt(sub.get('p99_ms'))} | "
                    f"broker round trip {_fmt(sub.get('baseline_p50_ms'))} / – / {_fmt(sub.get('baseline_p99_ms'))} | {_fmt(sub.get('ratio'))} | p50 ≤ 50, p99 ≤ 200 | {_fmt(sub.get('met'))} |"
                )
        else:
            baselines = ", ".join(
                f"{k.removeprefix('baseline_').removesuffix('_events_per_s')} {_fmt(v)}" for k, v in c.items() if k.startswith("baseline_") and k.endswith("_events_per_s")
            )
            ratios = ", ".join(f"{k.removeprefix('ratio_')} {_fmt(v)}" for k, v in c.items() if k.startswith("ratio_") and "memory" not in k)
            lines.append(f"| analytics | {label} | {_fmt(c.get(key))} | {baselines} | {ratios} | ≥ 10,000/s | {_fmt(c.get('met'))} |")
    web = cases.get("web")
    if web is not None and web.get("status") != "ok":
        lines.append(f"| web | server time of the Now page and of giving feedback | not measured: {web.get('status')} ({web.get('detail', '')}) | | | | |")
    elif web is not None:
        floor = web["static"]
        for page, label in (("now", "Now page (GET /)"), ("give", "give feedback (POST)")):
            c = web[page]
            lines.append(
                f"| web | {label} p50 / p99 ms, {web['sessions']} sessions at {_fmt(c['per_s'])}/s, {c['errors']} errors | {_fmt(c['p50_ms'])} / {_fmt(c['p99_ms'])} | "
                f"static file {_fmt(floor['p50_ms'])} / {_fmt(floor['p99_ms'])} | {_fmt(c['p50_ratio'])} / {_fmt(c['p99_ratio'])} | p99 ≤ 150 | "
                f"{_fmt(c['p99_ms'] <= web['targets']['p99_ms'] and not c['errors'])} |"
            )
    f = cases.get("footprint")
    if f:
        for name, rss in f["rss_mb"].items():
            target = "" if name == "broker" else f"≤ {f['target_rss_mb']:.0f} MB"
            met = "" if name == "broker" else _fmt(rss["load"] <= f["target_rss_mb"])
            lines.append(f"| footprint | {name} RSS MB idle → under write load | {_fmt(rss['idle'])} → {_fmt(rss['load'])} | | | {target} | {met} |")
        for name, why in f.get("not_started", {}).items():
            lines.append(f"| footprint | {name} | not measured: {why} | | | | |")
    if w:
        lines += ["", "Write path, every level (closed loop, separate load process, 4 channels):", "",
                  "| RPC | callers | RPCs/s | p50 ms | p99 ms | ratio to echo | CPU ms per call, by process | errors |", "|---|---|---|---|---|---|---|---|"]
        echo_cpu = ", ".join(f"{k} {v:.2f}" for k, v in w.get("baseline_echo_cpu_ms_per_call", {}).items())
        lines.append(f"| echo (baseline) | {w['baseline_echo_concurrency']} | {_fmt(w['baseline_echo_rps'])} | {_fmt(w['baseline_echo_p50_ms'])} | {_fmt(w['baseline_echo_p99_ms'])} | 1.00 | {echo_cpu} | |")
        for r in w["runs"]:
            cpu = ", ".join(f"{k} {v:.2f}" for k, v in r.get("cpu_ms_per_call", {}).items())
            lines.append(f"| {r['rpc']} | {r['concurrency']} | {_fmt(r['rps'])} | {_fmt(r['p50_ms'])} | {_fmt(r['p99_ms'])} | {r['ratio']:.2f} | {cpu} | {r['errors'] or ''} |")
    return "\n".join(lines) + "\n"


def plots(runs: list[LoadResult], out_dir: pathlib.Path, name: str) -> list[pathlib.Path]:
    """Latency distributions (CDFs) and completed calls per second over time, one line per load."""
    if not runs:
        return []
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = []
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=80)
    for r in runs:
        if not r.latencies_ms:
            continue
        ordered = sorted(r.latencies_ms)
        step = max(1, len(ordered) // 400)
        xs = ordered[::step]
        ys = [i * step / len(ordered) for i in range(len(xs))]
        ax.plot(xs, ys, label=f"{r.name} ×{r.concurrency}", linewidth=1.2)
    ax.set_xscale("log")
    ax.set_xlabel("latency (ms, log)")
    ax.set_ylabel("fraction of calls")
    ax.set_title("write path: latency distribution per load")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    path = out_dir / f"{name}-latency.png"
    fig.savefig(path)
    plt.close(fig)
    paths.append(path)

    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=80)
    offset = 0
    for r in runs:
        whole_seconds = r.timeline[:-1]  # the last bucket is a fraction of a second
        xs = list(range(offset, offset + len(whole_seconds)))
        ax.plot(xs, whole_seconds, label=f"{r.name} ×{r.concurrency}", linewidth=1.2)
        offset += len(whole_seconds)
    ax.set_xlabel("seconds (loads one after another; first second is warm-up)")
    ax.set_ylabel("completed calls per second")
    ax.set_title("write path: throughput over time")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    path = out_dir / f"{name}-throughput.png"
    fig.savefig(path)
    plt.close(fig)
    paths.append(path)
    return paths


def write(result: dict[str, Any], runs: list[LoadResult], out_dir: pathlib.Path, name: str) -> list[pathlib.Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / f"{name}.json"
    json_path.write_text(json.dumps(result, indent=2, sort_keys=False) + "\n")
    md_path = out_dir / f"{name}.md"
    md_path.write_text(markdown(result))
    return [json_path, md_path, *plots(runs, out_dir, name)]
