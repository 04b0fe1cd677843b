"""Analytics throughput: our worker (with state) against a naive Faust agent, a do-nothing Faust agent and a plain
aiokafka loop, all in the same run.

Standalone: starts the embedded broker, preloads N events (a mix of goal, feedback, acknowledgement and action-item
events over P people), runs each consumer in its own process on the same records, and measures events/s from the
first to the N-th processed event (start-up and group join excluded). Prints and writes bench/results/analytics.json.

One case runs our worker: its people's state lives in process memory and in the read model of the changelogs
(tables.py, replica.py), not in a Faust store, so the RocksDB and memory cases of before ran the same worker.

    .venv/bin/python bench/analytics_bench.py [--events 100000] [--people 2000] [--only worker,noop] [--repeat 3] [--profile DIR]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import pathlib
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid

ROOT = pathlib.Path(__file__).resolve().parent.parent
TOPICS = ("goals.goal-updated.v1", "feedback.feedback-given.v1", "feedback.feedback-acknowledged.v1", "feedback.action-item-updated.v1")


def make_events(n: int, people: int, seed: int = 4) -> list:
    import datetime as dt

    from paars.feedback.v1 import feedback_pb2 as fb
    from paars.goals.v1 import goals_pb2 as goals
    from paars_platform.events import new_metadata, timestamp, to_record

    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC)
    out = []
    for i in range(n):
        who = f"p{rng.randrange(people)}"
        when = now - dt.timedelta(days=rng.random() * 80)
        meta = new_metadata(producer="bench", subject_id=who, visibility=1, occurred_at=when, event_id=str(uuid.uuid4()))
        r = rng.random()
        if r < 0.35:
            event = goals.GoalUpdated(metadata=meta, changes=[goals.GoalUpdated.CHANGE_PROGRESS], goal=goals.Goal(
                id=f"g-{who}-{i % 3}", kind=1 + i % 2, level=3, title="Goal", owner_id=who, progress=rng.random(),
                expected_progress=rng.random(), status=1, agreement=2, version=i))
        elif r < 0.75:
            event = fb.FeedbackGiven(metadata=meta, feedback_id=f"f{i}", receiver_id=who, kind=1 + i % 3, relation=2 + i % 5,
                                     has_example=bool(i % 2), moment_at=timestamp(when - dt.timedelta(hours=5)),
                                     giver_id=f"p{rng.randrange(people)}" if i % 10 == 0 else "")
        elif r < 0.9:
            event = fb.FeedbackAcknowledged(metadata=meta, feedback_id=f"f{i - 7}", receiver_id=who, action_item_created=bool(i % 3 == 0))
        else:
            event = fb.ActionItemUpdated(metadata=meta, action_item_id=f"a{i % 500}", employee_id=who, state=1 + i % 4)
        out.append(to_record(event))
    return out


async def preload(bootstrap: str, records: list) -> None:
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=10, max_batch_size=512 * 1024, acks=1)
    await producer.start()
    try:
        futures = [await producer.send(r.topic, r.value, key=r.key, headers=r.headers) for r in records]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


def people_states(events_each: int, people: int) -> dict:
    """`people` states after `events_each` events each, with the same mix and 80 days of event time as the
    throughput run, applied the way the worker applies them."""
    from paars_analytics.signals.state import apply_update, new_state
    from paars_analytics.translate import person_updates
    from paars_platform.events import decode
    from paars_platform.topics import topic as registered

    states: dict = {}
    now = time.time()
    for offset, record in enumerate(make_events(events_each * people, people, seed=events_each)):
        decoded = decode(record.value, record.headers, registered(record.topic).message_type)
        for update in person_updates(record.topic, decoded):
            state = states.setdefault(update.key, new_state())
            apply_update(state, update, now, (record.topic, 0, offset))
    return states


def bytes_per_person(events_each: int, people: int = 20) -> float:
    """Encoded state per person (what the people changelog and every worker's read model hold) after `events_each`
    events each (people_states)."""
    from paars_analytics.signals.state import encode_state

    return statistics.mean(len(encode_state(s)) for s in people_states(events_each, people).values())


def memory_per_person(events_each: int, people: int = 200) -> float:
    """Python heap per person in the worker's memory (PeopleStore.hot: the people it is working on; the read model
    keeps every person encoded, bytes_per_person) after `events_each` events each, written back once (the encoded day buckets are kept): tracemalloc."""
    import gc
    import tracemalloc

    from paars_analytics.signals.state import apply_update, encode_state, new_state
    from paars_analytics.translate import person_updates
    from paars_platform.events import decode
    from paars_platform.topics import topic as registered

    updates = []
    for offset, record in enumerate(make_events(events_each * people, people, seed=events_each)):
        decoded = decode(record.value, record.headers, registered(record.topic).message_type)
        updates += [(record.topic, offset, u) for u in person_updates(record.topic, decoded)]
    now = time.time()
    gc.collect()
    tracemalloc.start()
    states: dict = {}
    for topic, offset, update in updates:
        state = states.setdefault(update.key, new_state())
        apply_update(state, update, now, (topic, 0, offset))
    for state in states.values():
        encode_state(state)
    gc.collect()
    held = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return held / len(states)


# ---------- baselines, each run as `analytics_bench.py --baseline NAME` in its own process ----------

def faust_baseline(name: str, bootstrap: str, n: int, out: str) -> None:
    import faust

    from paars_analytics.signals.state import apply_update, new_state
    from paars_analytics.translate import person_updates
    from paars_platform.events import decode
    from paars_platform.topics import topic as registered

    app = faust.App(f"bench-{name}-{uuid.uuid4().hex[:6]}", broker=f"kafka://{bootstrap}", value_serializer="raw", key_serializer="raw",
                    web_enabled=False, topic_partitions=6, store="memory://", consumer_auto_offset_reset="earliest",
                    # Faust makes its data directory even with no store on disk: not in the repository's root.
                    datadir=tempfile.mkdtemp(prefix=f"bench-{name}-"),
                    broker_session_timeout=6, broker_rebalance_timeout=2, broker_heartbeat_interval=1)
    from paars_analytics import app as analytics_app  # noqa: F401  (registers the paars-person codec)

    # A plain Faust table (the naive way), its values encoded as the worker encodes a person (the msgpack schema):
    # the naive agent pays the same per write.
    changelog = app.topic(f"{app.conf.id}-people-changelog", partitions=6, compacting=True, deleting=None, acks=False,
                          internal=True, allow_empty=True, key_serializer="json", value_serializer="paars-person")
    table = app.Table("people", default=None, partitions=6, changelog_topic=changelog)
    table.key_serializer, table.value_serializer = "json", "paars-person"
    seen = {"n": 0, "t0": 0.0, "c0": 0.0}

    def tick() -> None:
        if not seen["t0"]:
            seen["t0"], seen["c0"] = time.perf_counter(), time.process_time()
        seen["n"] += 1
        if seen["n"] >= n:
            pathlib.Path(out).write_text(json.dumps({"events_per_s": n / (time.perf_counter() - seen["t0"]),
                                                     "events_per_cpu_s": n / max(1e-9, time.process_time() - seen["c0"])}))
            os.kill(os.getpid(), signal.SIGTERM)

    @app.agent(app.topic(*TOPICS, value_serializer="raw", key_serializer="raw"))
    async def agent(stream):  # type: ignore[no-untyped-def]
        async for event in stream.events():
            if name == "naive":
                message = event.message
                decoded = decode(message.value, message.headers, registered(message.topic).message_type)
                for update in person_updates(message.topic, decoded):
                    if update.event_id.endswith(":given"):
                        continue
                    state = table.get(update.key) or new_state()
                    apply_update(state, update, time.time())
                    table[update.key] = state
            tick()

    sys.argv = [sys.argv[0], "worker", "-l", "warn", "--without-web"]
    app.main()


async def aiokafka_baseline(bootstrap: str, n: int, out: str) -> None:
    from aiokafka import AIOKafkaConsumer

    from paars_analytics.signals.state import apply_update, new_state
    from paars_analytics.translate import person_updates
    from paars_platform.events import decode
    from paars_platform.topics import topic as registered

    expected = {t: registered(t).message_type for t in TOPICS}
    consumer = AIOKafkaConsumer(*TOPICS, bootstrap_servers=bootstrap, group_id=f"bench-aiokafka-{uuid.uuid4().hex[:6]}",
                                auto_offset_reset="earliest", enable_auto_commit=False, max_poll_records=5000,
                                session_timeout_ms=6000, rebalance_timeout_ms=2000)
    await consumer.start()
    people: dict = {}
    done, t0, c0 = 0, 0.0, 0.0
    try:
        while done < n:
            batches = await consumer.getmany(timeout_ms=500, max_records=5000)
            now = time.time()
            for records in batches.values():
                if not t0:
                    t0, c0 = time.perf_counter(), time.process_time()
                for record in records:
                    decoded = decode(record.value, record.headers, expected[record.topic])
                    for update in person_updates(record.topic, decoded):
                        state = people.get(update.key)
                        if state is None:
                            state = people[update.key] = new_state()
                        apply_update(state, update, now)
                done += len(records)
            if batches:
                await consumer.commit()
    finally:
        await consumer.stop()
    pathlib.Path(out).write_text(json.dumps({"events_per_s": n / (time.perf_counter() - t0),
                                             "events_per_cpu_s": n / max(1e-9, time.process_time() - c0)}))


# ---------- our worker: `python -m paars_analytics`, watched through its /metrics ----------

def scrape(metrics_port: int) -> str:
    """The worker's /metrics text ("" while it does not answer)."""
    try:
        return urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=1).read().decode()
    except OSError:
        return ""


def metric_total(text: str, metric: str, topics: tuple[str, ...] | None = None) -> float:
    """The sum of a counter's samples in a /metrics text, over every label set (or those naming one of `topics`)."""
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith(metric + "{") and (topics is None or any(t in line for t in topics)))


def processed_in(text: str) -> tuple[float, float]:
    """Input events applied to state (memory), and of those, written back to the people changelog."""
    return (metric_total(text, "paars_analytics_events_processed_total", TOPICS),
            metric_total(text, "paars_analytics_events_flushed_total", TOPICS))


def processed(metrics_port: int) -> tuple[float, float]:
    return processed_in(scrape(metrics_port))


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc): a figure less sensitive to a busy machine than wall time."""
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    """Resident memory of a process (Linux /proc), in MB; field="VmHWM": its peak so far."""
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def run_worker(bootstrap: str, n: int, state_dir: str, profile: str = "") -> dict[str, float]:
    from paars_platform.embedded_broker import free_port

    metrics_port = free_port()
    env = dict(os.environ, PAARS_KAFKA_BOOTSTRAP=bootstrap, PAARS_KAFKA_IDEMPOTENCE="false",
               PAARS_ANALYTICS_STATE_DIR=state_dir, PAARS_ANALYTICS_APP_ID=f"bench-worker-{uuid.uuid4().hex[:6]}",
               PAARS_METRICS_PORT=str(metrics_port), PAARS_GRPC_PORT=str(free_port()), PAARS_PROVISION_TOPICS="false",
               PAARS_CONSUMER_SESSION_TIMEOUT_MS="6000", PAARS_CONSUMER_REBALANCE_TIMEOUT_MS="2000", PAARS_LOG_LEVEL="WARNING")
    os.makedirs(state_dir, exist_ok=True)
    log_path = os.path.join(state_dir, "worker.log")
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "paars_analytics"], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    spy = None
    try:
        deadline = time.monotonic() + 600
        first = applied_at = 0.0
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                tail = pathlib.Path(log_path).read_text(errors="replace")[-3000:]
                raise RuntimeError(f"the worker exited with {proc.returncode}:\n{tail}")
            count, flushed = processed(metrics_port)
            if count > 0 and not first:
                first, first_count, first_cpu = time.perf_counter(), count, cpu_seconds(proc.pid)
                if profile:
                    # Sampling starts with the first processed event: start-up and group join stay out of the profile.
                    spy = subprocess.Popen([str(pathlib.Path(sys.executable).with_name("py-spy")), "record", "--format", "raw",
                                            "--rate", "250", "--nonblocking", "-o", profile, "--pid", str(proc.pid)],
                                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if count >= n and not applied_at:
                applied_at = time.perf_counter()
            # The run ends when the last event's state is in the changelog, not merely in memory: a longer flush
            # interval must not hide the write-back from the figure.
            if count >= n and flushed >= n:
                wall = time.perf_counter() - first
                cpu = cpu_seconds(proc.pid) - first_cpu
                return {"events_per_s": (n - first_count) / wall, "events_per_cpu_s": (n - first_count) / max(cpu, 1e-9),
                        "applied_events_per_s": (n - first_count) / max(applied_at - first, 1e-9),
                        "rss_mb": rss_mb(proc.pid)}
            # The worker serves each poll of /metrics itself (a thread, the GIL, the whole registry): polling every
            # 20 ms cost it about 8% of its CPU in the profile. 100 ms keeps the end-point error under 2% of a run.
            time.sleep(0.1)
        raise TimeoutError("the worker did not finish in time")
    finally:
        if spy is not None:
            spy.send_signal(signal.SIGINT)
            spy.wait(timeout=60)
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def run_baseline(name: str, bootstrap: str, n: int) -> dict[str, float]:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        out = f.name
    subprocess.run([sys.executable, __file__, "--baseline", name, "--bootstrap", bootstrap, "--events", str(n), "--out", out],
                   cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=900, check=False)
    return {k: float(v) for k, v in json.loads(pathlib.Path(out).read_text()).items()}


CASES = ("worker", "naive", "noop", "aiokafka")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--only", default=",".join(CASES), help=f"comma-separated subset of {', '.join(CASES)} (a subset is not saved)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="rounds over every case, interleaved; each figure is the median of its rounds")
    parser.add_argument("--profile", default="", help="directory for py-spy collapsed stacks of the worker runs")
    parser.add_argument("--baseline")
    parser.add_argument("--bootstrap")
    parser.add_argument("--out")
    args = parser.parse_args()
    if args.baseline == "aiokafka":
        asyncio.run(aiokafka_baseline(args.bootstrap, args.events, args.out))
        return
    if args.baseline:
        faust_baseline(args.baseline, args.bootstrap, args.events, args.out)
        return

    from paars_platform.embedded_broker import EmbeddedBroker
    from paars_platform.kafka import provision_topics

    cases = [c.strip() for c in args.only.split(",") if c.strip()]
    if args.profile:
        os.makedirs(args.profile, exist_ok=True)
    rounds: dict[str, list[dict[str, float]]] = {case: [] for case in cases}
    started = time.time()
    load_at_start = round(os.getloadavg()[0], 2)
    with EmbeddedBroker() as broker, tempfile.TemporaryDirectory() as state_dir:
        provision_topics(broker.bootstrap)
        records = make_events(args.events, args.people)
        asyncio.run(preload(broker.bootstrap, records))
        # Interleaved rounds: a burst of load from elsewhere on the machine hits every case alike.
        for round_no in range(args.repeat):
            for case in cases:
                if case == "worker":
                    profile = os.path.join(args.profile, f"analytics-{case}-{round_no}.txt") if args.profile else ""
                    figures = run_worker(broker.bootstrap, args.events, os.path.join(state_dir, f"{case}-{round_no}"), profile)
                else:
                    figures = run_baseline(case, broker.bootstrap, args.events)
                rounds[case].append(figures)
                print(case, {k: round(v) for k, v in figures.items()}, flush=True)
    measured = {case: {k: statistics.median(r[k] for r in runs) for k in runs[0]} for case, runs in rounds.items()}
    names = {"worker": "events_per_s", "naive": "baseline_naive_events_per_s",
             "noop": "baseline_noop_events_per_s", "aiokafka": "baseline_aiokafka_events_per_s"}
    results: dict[str, object] = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)), "events": args.events, "people": args.people,
        # A busy machine lowers every wall-clock figure; the ratios (same run) and CPU figures are steadier.
        "load_average_1m_at_start": load_at_start, "load_average_1m_at_end": round(os.getloadavg()[0], 2),
        "cpus": os.cpu_count(), "rounds": args.repeat,
    }
    for case, figures in measured.items():
        results[names[case]] = figures["events_per_s"]
        results[names[case].replace("events_per_s", "events_per_cpu_s")] = figures.get("events_per_cpu_s", 0.0)
        if "applied_events_per_s" in figures:
            # Until the last event is applied in memory (the headline waits for its write-back too).
            results[names[case].replace("events_per_s", "applied_events_per_s")] = figures["applied_events_per_s"]
        if "rss_mb" in figures:
            # The worker's resident memory once every event is in the changelog (people x state + Faust + buffers).
            results[names[case].replace("events_per_s", "rss_mb")] = figures["rss_mb"]
    for ref in ("naive", "noop", "aiokafka"):
        if "worker" in measured and ref in measured:
            results[f"ratio_{ref}"] = measured["worker"]["events_per_s"] / measured[ref]["events_per_s"]
    # Memory per person: the encoded state at the larger event count (issue 14 target: <= 4 KB at both).
    results["bytes_per_person_50_events"] = bytes_per_person(50)
    results["bytes_per_person"] = bytes_per_person(500)
    # The same people in the worker's memory (Python objects): what RSS grows by per person.
    results["memory_per_person_50_events"] = memory_per_person(50)
    results["memory_per_person"] = memory_per_person(500, people=40)
    results = {k: round(v, 2) if isinstance(v, float) else v for k, v in results.items()}
    print(json.dumps(results, indent=2))
    if set(cases) == set(CASES):
        target = ROOT / "bench" / "results" / "analytics.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(results, indent=2) + "\n")
        # `make bench` copies analytics.json into latest.json's analytics case; a run of this script alone updates
        # that case's figures in place, so latest.json never shows events/s without bytes per person.
        latest = ROOT / "bench" / "results" / "latest.json"
        if latest.exists():
            report = json.loads(latest.read_text())
            case = report.get("cases", {}).get("analytics")
            if isinstance(case, dict):
                # The memory-store case is gone (it ran the same worker as the RocksDB one): no stale figures of it.
                for stale in [k for k in case if k.endswith("_memory_store")]:
                    del case[stale]
                case.update(results)
                if isinstance(case.get("targets"), dict) and "events_per_s" in case["targets"]:
                    case["met"] = results["events_per_s"] >= case["targets"]["events_per_s"]
                latest.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
