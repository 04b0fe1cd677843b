"""Analytics on restart: how long a fresh worker takes to read N people's states from the people changelog into its
read model (replica.py), and its resident memory then and once every one of those people is hot (decoded in
PeopleStore.hot after an event each).

Every worker reads every changelog whole at each start (tables.py), so this replay time is what a restart, a new
worker or a moved partition costs, and the RSS with N states is what every worker holds whatever its share of the
partitions. Standalone, on the embedded broker:

    .venv/bin/python bench/analytics_replay.py [--people 20000] [--events-each 500] [--out bench/results/analytics_replay.json] [--hold 70]

The states are real ones (the bench's mix of events, `events_each` per person, encoded as the worker encodes them:
analytics_bench.bytes_per_person), written under N keys on the partitions of their person.
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time
import uuid

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.analytics_bench import metric_total, people_states, processed_in, rss_mb, scrape  # noqa: E402

PARTITIONS = 6
# Distinct states written (cycled over the N keys): enough variety in size, without applying events_each x N events.
DISTINCT = 40
# Seconds without a new insight after which the first scan's commands count as applied.
SETTLED_S = 5.0
INSIGHTS = "paars_analytics_insights_total"


def encoded_states(events_each: int, people: int = DISTINCT) -> list[bytes]:
    """`people` states after `events_each` events each (the throughput bench's mix), encoded as in the changelog."""
    from paars_analytics.app import PersonCodec

    codec = PersonCodec()
    return [codec.dumps(s) for s in people_states(events_each, people).values()]


def partition_of(key: bytes) -> int:
    """The default partitioner's choice (murmur2), as for the input events keyed by the person."""
    from aiokafka.partitioner import murmur2

    return (murmur2(key) & 0x7FFFFFFF) % PARTITIONS


async def fill_changelog(bootstrap: str, topic: str, people: int, states: list[bytes]) -> int:
    from aiokafka import AIOKafkaProducer
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, PARTITIONS, 1, topic_configs={"cleanup.policy": "compact"})])
    finally:
        await admin.close()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=10, max_batch_size=1024 * 1024, acks=1)
    await producer.start()
    written = 0
    try:
        futures = []
        for i in range(people):
            person = f"p{i}"
            value = states[i % len(states)]
            written += len(value)
            futures.append(await producer.send(topic, value, key=json.dumps(person).encode(), partition=partition_of(person.encode())))
        await asyncio.gather(*futures)
    finally:
        await producer.stop()
    return written


def one_event_each(people: int) -> list:
    """A feedback for each person (so each becomes hot in the worker: its state read back and decoded)."""
    from paars.feedback.v1 import feedback_pb2 as fb
    from paars_platform.events import new_metadata, timestamp, to_record

    now = dt.datetime.now(dt.UTC)
    out = []
    for i in range(people):
        who = f"p{i}"
        meta = new_metadata(producer="bench", subject_id=who, visibility=1, occurred_at=now, event_id=str(uuid.uuid4()))
        event = fb.FeedbackGiven(metadata=meta, feedback_id=f"replay-{i}", receiver_id=who, kind=1, relation=2,
                                 has_example=True, moment_at=timestamp(now - dt.timedelta(hours=2)))
        out.append(to_record(event))
    return out


async def read_rate(bootstrap: str, topic: str) -> tuple[int, float]:
    """The read model's own reading, in this process: the worker's replica (replica.py) over the people changelog
    with the worker's applier (the values kept encoded), from its start to ``ready``. Returns (records, seconds)."""
    from paars_analytics import app as analytics_app
    from paars_analytics.replica import Replicated, TopicReplica
    from paars_platform.config import Settings

    people = Replicated(analytics_app.codecs.get_codec("paars-person").loads)
    settings = Settings.from_env("analytics")
    replica = TopicReplica(settings, {topic: lambda r: people.put(analytics_app._changelog_key(r.key), r.value, r.partition)}, name="replay")
    began = time.perf_counter()
    await replica.start()
    try:
        await asyncio.wait_for(replica.ready.wait(), 600)
        took = time.perf_counter() - began
    finally:
        await replica.stop()
    return len(people), took


def caught_up(log_path: str) -> int | None:
    """The records the tables' read model had applied when it caught up (its log line), else None."""
    try:
        text = pathlib.Path(log_path).read_text(errors="replace")
    except OSError:
        return None
    for line in text.splitlines():
        if "read model caught up" in line and '"tables"' in line:
            try:
                return int(json.loads(line).get("records", 0))
            except (ValueError, AttributeError):
                return 0
    return None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--events-each", type=int, default=500)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "analytics_replay.json"))
    # Seconds the worker keeps running once all are hot (sampled): past the scan interval (60 s), at least one full
    # insight scan over everyone hot is inside the peak.
    parser.add_argument("--hold", type=float, default=0.0)
    args = parser.parse_args()

    from bench.analytics_bench import preload
    from paars_platform.embedded_broker import EmbeddedBroker, free_port
    from paars_platform.kafka import provision_topics

    started = time.time()
    load_at_start = round(os.getloadavg()[0], 2)
    app_id = f"bench-replay-{uuid.uuid4().hex[:6]}"
    states = encoded_states(args.events_each)
    with EmbeddedBroker() as broker, tempfile.TemporaryDirectory() as state_dir:
        provision_topics(broker.bootstrap)
        changelog = f"{app_id}-people-changelog"
        written = asyncio.run(fill_changelog(broker.bootstrap, changelog, args.people, states))
        os.environ["PAARS_KAFKA_BOOTSTRAP"] = broker.bootstrap
        read_records, read_s = asyncio.run(read_rate(broker.bootstrap, changelog))
        metrics_port = free_port()
        env = dict(os.environ, PAARS_KAFKA_BOOTSTRAP=broker.bootstrap, PAARS_KAFKA_IDEMPOTENCE="false", PAARS_ANALYTICS_APP_ID=app_id,
                   PAARS_ANALYTICS_STATE_DIR=state_dir, PAARS_METRICS_PORT=str(metrics_port), PAARS_GRPC_PORT=str(free_port()),
                   PAARS_PROVISION_TOPICS="false", PAARS_CONSUMER_SESSION_TIMEOUT_MS="6000",
                   PAARS_CONSUMER_REBALANCE_TIMEOUT_MS="2000", PAARS_LOG_LEVEL="INFO")
        log_path = os.path.join(state_dir, "worker.log")
        t0 = time.perf_counter()
        with open(log_path, "wb") as log:
            proc = subprocess.Popen([sys.executable, "-m", "paars_analytics"], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 900
            records = None
            while time.monotonic() < deadline:
                if proc.poll() is not None:
                    raise RuntimeError(f"the worker exited with {proc.returncode}:\n{pathlib.Path(log_path).read_text(errors='replace')[-3000:]}")
                records = caught_up(log_path)
                if records is not None:
                    break
                time.sleep(0.05)
            if records is None:
                raise TimeoutError("the read model did not catch up in time")
            to_caught_up = time.perf_counter() - t0
            time.sleep(1.0)
            rss_read_model = rss_mb(proc.pid)
            # Every person hot: one event each, applied (decoded from the read model) and written back.
            events = one_event_each(args.people)
            asyncio.run(preload(broker.bootstrap, events))
            touched, cold_s = time.perf_counter(), float("nan")
            # Insights opened (the full scans' commands applied, every kind), and when that count last moved.
            opened = first = metric_total(scrape(metrics_port), INSIGHTS)
            opened_at = touched

            def seen(text: str) -> None:
                nonlocal opened, opened_at
                if (now_opened := metric_total(text, INSIGHTS)) != opened:
                    opened, opened_at = now_opened, time.perf_counter()

            while time.monotonic() < deadline:
                if proc.poll() is not None:
                    raise RuntimeError(f"the worker exited with {proc.returncode}")
                text = scrape(metrics_port)
                seen(text)
                count, flushed = processed_in(text)
                if count >= len(events) and flushed >= len(events):
                    cold_s = time.perf_counter() - touched
                    break
                time.sleep(0.2)
            # The whole catch-up: the first full scan (at the worker's start, over the read model) opens insights
            # whose commands the worker applies alongside those first events or after them; done once insights have
            # been opened and none for SETTLED_S (at most the hold's length more: a scan that opens none ends there).
            settle_until = time.monotonic() + max(args.hold, 30.0)
            while time.monotonic() < settle_until and (opened == first or time.perf_counter() - opened_at < SETTLED_S):
                seen(scrape(metrics_port))
                time.sleep(0.2)
            catch_up_s = max(cold_s, opened_at - touched)
            time.sleep(1.0)
            rss_hot = rss_mb(proc.pid)
            held_max, hold_until = rss_hot, time.monotonic() + args.hold
            while time.monotonic() < hold_until and proc.poll() is None:
                time.sleep(0.5)
                held_max = max(held_max, rss_mb(proc.pid))
            rss_end, rss_peak = rss_mb(proc.pid), rss_mb(proc.pid, "VmHWM")
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
    # From the process start (imports, Faust's start, the group join run alongside) to the read model's end.
    results = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)), "people": args.people, "events_each": args.events_each,
        "bytes_per_person": round(written / args.people, 1), "changelog_mb": round(written / 1e6, 1),
        # The read model's reading alone (in this process, the worker's replica and applier).
        "read_records": read_records, "read_s": round(read_s, 2), "read_states_per_s": round(read_records / read_s),
        "read_mb_per_s": round(written / 1e6 / read_s, 1),
        # A fresh worker process: imports, Faust's start, topics, the group join, and the same reading.
        "records_applied": records, "worker_start_to_read_model_s": round(to_caught_up, 2),
        # Then one event for each person, none of them hot yet (each state decoded from the read model, then
        # written back): the first events after a restart.
        "cold_events_per_s": round(args.people / cold_s, 1),
        # Those events and the first scan's insights both done (from the first of those events on): what a restart
        # takes to be current, whichever of the two the worker did first.
        "insights_opened": opened, "catch_up_with_scan_s": round(catch_up_s, 2),
        "rss_mb_read_model": round(rss_read_model, 1), "rss_mb_all_hot": round(rss_hot, 1),
        # Then --hold seconds more: the highest sample, the last one, and the process's peak (VmHWM) over its life.
        "hold_s": args.hold, "rss_mb_held_max": round(held_max, 1), "rss_mb_end": round(rss_end, 1), "rss_mb_peak": round(rss_peak, 1),
        "load_average_1m_at_start": load_at_start, "load_average_1m_at_end": round(os.getloadavg()[0], 2), "cpus": os.cpu_count(),
    }
    print(json.dumps(results, indent=2))
    pathlib.Path(args.out).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
