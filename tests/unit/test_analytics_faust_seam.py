"""Analytics' one seam into Faust's internals (paars_analytics/faust_seam.py): pinned to the Faust version and sources
it was verified against, so an upgrade fails here, loudly, instead of changing the worker silently; and what the seam
does, checked against the real Faust objects (no broker: the consumer is never started)."""
from __future__ import annotations

import asyncio
from collections import namedtuple
from typing import Any, cast

import faust
import pytest
from faust.types import TP

from paars_analytics import app as analytics_app  # noqa: F401  (registers the table codecs)
from paars_analytics.faust_seam import FAUST_VERSION, RELIED_ON, BulkApp, no_table_partition, seam_drift, table_partition

Record = namedtuple("Record", "topic partition offset key value headers timestamp")


def test_the_installed_faust_is_the_one_the_seam_was_verified_against() -> None:
    drift = seam_drift()
    assert drift == [], (
        "Faust changed under paars_analytics/faust_seam.py. Re-read each internal below in the new Faust, adapt the "
        "seam, then re-pin FAUST_VERSION and RELIED_ON (python -m paars_analytics.faust_seam prints the fingerprints):\n  "
        + "\n  ".join(drift))
    assert faust.__version__ == FAUST_VERSION and len(RELIED_ON) == 21


def test_constraints_pin_the_verified_version() -> None:
    import pathlib

    pins = pathlib.Path(__file__).resolve().parents[2].joinpath("constraints.txt").read_text().splitlines()
    assert f"faust-streaming=={FAUST_VERSION}" in pins


async def test_the_worker_consumer_waits_at_most_the_apps_fetch_wait_per_fetch() -> None:
    # Faust's own is 1500 ms; a broker that does not answer a fetch early (Tansu) would hold each record that long.
    for wait, expected in ((10, 10), (None, 1500)):
        app = BulkApp("seam-fetch-test", broker="kafka://127.0.0.1:1", web_enabled=False, store="memory://", fetch_max_wait_ms=wait)
        thread = app.consumer._thread
        consumer = thread._create_worker_consumer(app.transport)
        assert consumer._fetch_max_wait_ms == expected


@pytest.fixture
def app() -> BulkApp:
    return BulkApp("seam-test", broker="kafka://127.0.0.1:1", web_enabled=False, store="memory://")


def test_table_partition_sets_the_current_event_a_table_write_takes_its_partition_from(app: BulkApp) -> None:
    no_table_partition()  # as outside any stream (an earlier test may have left one set)
    assert faust.current_event() is None
    anchor = table_partition("goals.goal-updated.v1", 4)
    assert faust.current_event() is anchor and anchor.message.partition == 4
    no_table_partition()
    assert faust.current_event() is None


def test_bulk_records_go_to_their_handler_per_partition_and_the_rest_to_fausts_path(app: BulkApp) -> None:
    got: list[list[tuple[TP, list[Any]]]] = []

    async def handler(batches: list[tuple[TP, list[Any]]]) -> None:
        got.append(batches)

    app.bulk_topic(app.topic("bulk.a", "bulk.b"), handler)
    app.topic("other")
    consumer = app.consumer
    a0, b1, other = TP("bulk.a", 0), TP("bulk.b", 1), TP("other", 0)

    def records(tp: TP, *offsets: int) -> list[Record]:
        return [Record(tp.topic, tp.partition, o, b"k", b"v", [], 0) for o in offsets]

    consumer._read_offset[a0] = 4
    fetched = {a0: records(a0, 3, 4, 5, 6, 9), b1: records(b1, 0, 1), other: records(other, 7)}
    rest = asyncio.run(consumer._run_bulk(fetched, None, app.bulk_handlers))
    assert rest == {other: fetched[other]}
    # One call per fetch; what was read before is dropped, as Faust drops it after a seek.
    assert got == [[(a0, records(a0, 4, 5, 6, 9)), (b1, records(b1, 0, 1))]]
    assert (consumer.read_offset(a0), consumer.read_offset(b1)) == (9, 1)
    # A partition not active (paused, revoked) is not handed out.
    got.clear()
    asyncio.run(consumer._run_bulk({b1: records(b1, 2)}, {a0}, app.bulk_handlers))
    assert got == []


def test_acknowledged_bulk_offsets_commit_through_fausts_own_bookkeeping_skipping_the_fetchs_holes(app: BulkApp) -> None:
    async def handler(batches: list[tuple[TP, list[Any]]]) -> None:
        pass

    app.bulk_topic(app.topic("bulk.a"), handler)
    asyncio.run(app.topics._update_indices())
    consumer = app.consumer
    tp = TP("bulk.a", 0)
    consumer._read_offset[tp] = 4
    consumer._committed_offset[tp] = 5
    # Offsets 7 and 8 are not in the fetch (compacted away, say): a gap, so they do not hold back the commit.
    fetched = [Record("bulk.a", 0, o, b"k", b"v", [], 0) for o in (5, 6, 9)]
    asyncio.run(consumer._run_bulk({tp: fetched}, None, app.bulk_handlers))
    assert consumer._new_offset(tp) is None
    assert consumer.ack_offsets(tp, [5, 6, 9]) == 3
    assert consumer.ack_offsets(tp, [6]) == 0
    assert consumer._new_offset(tp) == 10
    # Bulk acks do not count towards broker_commit_every: that count makes Faust's drain loop commit inline, the
    # fetch loop standing still for the producer flush; they commit on the commit timer.
    assert cast(Any, consumer)._n_acked == 0


def test_the_lag_gauge_counts_what_is_behind_each_consumed_topic(app: BulkApp) -> None:
    from types import SimpleNamespace

    from paars_analytics.insights.agents import Detector

    given, commands = TP("feedback.feedback-given.v1", 0), TP("seam-test-insight-commands", 0)
    ends, read = {given: 10, commands: 64}, {given: 6, commands: 63}
    gauge: dict[str, float] = {}
    consumer = SimpleNamespace(assignment=lambda: set(ends), highwater=ends.get, read_offset=read.get)
    lag = SimpleNamespace(labels=lambda topic: SimpleNamespace(set=lambda value: gauge.__setitem__(topic, value)))
    ctx = SimpleNamespace(app=SimpleNamespace(consumer=consumer, tables=app.tables), consumer_lag=lag)
    detector = Detector(ctx)  # type: ignore[arg-type]
    detector.update_consumer_lag()
    # Offsets 7, 8 and 9 wait; the commands topic is read to its end.
    assert gauge == {"feedback.feedback-given.v1": 3, "seam-test-insight-commands": 0}
    assert not detector.behind
    ends[given] = 6 + 1 + 1_000
    detector.update_consumer_lag()
    assert detector.behind


async def test_far_behind_the_round_of_changed_people_runs_at_most_every_behind_round_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    """Catching up, a person changed by fetch after fetch is looked at once a second, not after every fetch; once
    caught up, every detect interval again. Nobody changed is left out: the dirty set waits for the next round."""
    from types import SimpleNamespace

    from paars_analytics.config import Thresholds
    from paars_analytics.insights import agents

    rounds: list[set[str]] = []
    monkeypatch.setattr(agents, "people_round", lambda keys, *args, **kwargs: rounds.append(set(keys)) or [])
    clock = [1_000.0]
    monkeypatch.setattr(agents.time, "monotonic", lambda: clock[0])
    ctx = SimpleNamespace(
        app=SimpleNamespace(), ready=lambda: True, now=lambda: 5_000.0, dirty=set(), state={}, employees={}, insights={}, commands_topic=None,
        config=SimpleNamespace(scan_interval_seconds=1e9, thresholds=Thresholds()),
    )
    detector = agents.Detector(ctx)  # type: ignore[arg-type]
    detector.last_full = 5_000.0
    detector._lag_at = float("inf")  # no lag reading in this test: behind is set by hand
    detector.behind = True
    ctx.dirty = {"ann"}
    await detector.tick()
    ctx.dirty = {"ann", "bob"}
    clock[0] += 0.05
    await detector.tick()
    clock[0] += 0.5
    await detector.tick()
    assert rounds == [{"ann"}] and ctx.dirty == {"ann", "bob"}
    clock[0] += agents.BEHIND_ROUND_SECONDS
    await detector.tick()
    assert rounds == [{"ann"}, {"ann", "bob"}] and not ctx.dirty
    detector.behind = False
    ctx.dirty = {"cy"}
    clock[0] += 0.05
    await detector.tick()
    assert rounds[-1] == {"cy"}


async def test_the_round_of_changed_people_decodes_and_sends_a_chunk_at_a_time_and_lets_the_stream_run_between(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A catch-up's fetch changes thousands of people at once: their round takes COMMANDS_CHUNK of them at a time, so
    no more than a chunk's candidates are held, and the loop runs other tasks (the stream) between chunks. What it
    sends is what one round over everyone sends, in the same order."""
    from types import SimpleNamespace

    from paars_analytics.config import Thresholds
    from paars_analytics.insights import agents
    from paars_analytics.signals.insights import Candidate

    chunks: list[list[str]] = []
    stream: list[int] = []

    def people_round(keys: list[str], *args: Any, by_team: Any = None) -> list[Candidate]:
        assert by_team is not None, "the directory's teams are grouped once per round, not once per chunk"
        chunks.append(list(keys))
        return [Candidate("QUIET_FEEDBACK", key, "t1", "info", "why", (), (), "do") for key in keys]

    monkeypatch.setattr(agents, "people_round", people_round)
    sent: list[bytes] = []
    ctx = SimpleNamespace(
        commands_topic=SimpleNamespace(send_soon=lambda *, key, value: sent.append(key)), insights={}, state={},
        employees={}, app=SimpleNamespace(producer=SimpleNamespace(buffer=SimpleNamespace(size=0))),
        config=SimpleNamespace(thresholds=Thresholds()),
    )
    detector = agents.Detector(ctx)  # type: ignore[arg-type]
    keys = [f"p{i:05d}" for i in range(2 * agents.COMMANDS_CHUNK + 3)]

    async def the_stream() -> None:
        while len(chunks) < 3:
            stream.append(len(chunks))
            await asyncio.sleep(0)

    other = asyncio.ensure_future(the_stream())
    assert await detector.changed_round(keys, 1_000.0) == len(keys)
    await other
    assert [len(chunk) for chunk in chunks] == [agents.COMMANDS_CHUNK, agents.COMMANDS_CHUNK, 3]
    assert sent == [key.encode() for key in keys]
    # The other task ran between the chunks, not only before the round or after it.
    assert 1 in stream and 2 in stream


def test_detection_sends_its_commands_to_the_producer_buffer_in_order_without_awaiting_each() -> None:
    """Open commands go through one buffer (send_soon, as the scan's closes), in the order detection found them: a
    subject's commands share its key and partition, so they reach the commands agent in that order. A kind already
    open is not sent; the call itself awaits nothing (it is a plain function)."""
    from types import SimpleNamespace

    from paars_analytics.config import Thresholds
    from paars_analytics.insights.agents import SENT_SECONDS, Detector
    from paars_analytics.signals.insights import Candidate

    def candidate(kind: str, subject: str) -> Candidate:
        return Candidate(kind, subject, "t1", "info", "why", (), (), "do")

    sent: list[tuple[bytes, str, str]] = []
    commands = SimpleNamespace(send_soon=lambda *, key, value: sent.append((key, value["op"], value["c"]["kind"])))
    ctx = SimpleNamespace(commands_topic=commands, insights={"bob": {"open": {"QUIET_FEEDBACK": {}}}},
                          employees={"ann": {"manager_id": "mgr"}}, config=SimpleNamespace(thresholds=Thresholds()))
    detector = Detector(ctx)  # type: ignore[arg-type]
    found = [candidate("QUIET_FEEDBACK", "ann"), candidate("QUIET_FEEDBACK", "bob"), candidate("NO_DEVELOPMENT", "ann")]
    assert detector._open(found, 1_000.0) == 2
    assert sent == [(b"ann", "open", "QUIET_FEEDBACK"), (b"ann", "open", "NO_DEVELOPMENT")]
    # The next rounds, while the commands are on their way: nothing is sent again.
    assert detector._open(found, 1_000.05) == 0 and detector._open(found, 1_020.0) == 0 and len(sent) == 2
    # One of them applied (open), then closed again: a new candidate of that kind is sent at once.
    ctx.insights["ann"] = {"open": {"QUIET_FEEDBACK": {}}}
    assert detector._open(found[:1], 1_021.0) == 0
    ctx.insights["ann"] = {"open": {}}
    assert detector._open(found[:1], 1_022.0) == 1 and sent[-1] == (b"ann", "open", "QUIET_FEEDBACK")
    # The other never seen open (its command lost): sent again once SENT_SECONDS have passed.
    assert detector._open(found[2:], 1_000.0 + SENT_SECONDS) == 1 and sent[-1] == (b"ann", "open", "NO_DEVELOPMENT")


async def test_a_round_hands_its_commands_to_the_producer_a_chunk_at_a_time_in_order() -> None:
    """A round with thousands of insights to open (a full scan, a catch-up) never holds more than two chunks of
    commands waiting in the producer's buffer: after each chunk it waits until the buffer holds no more than one. The
    commands are the ones, and in the order, a single _open would send."""
    from types import SimpleNamespace

    from paars_analytics.config import Thresholds
    from paars_analytics.insights.agents import COMMANDS_CHUNK, Detector
    from paars_analytics.signals.insights import Candidate

    waiting: list[bytes] = []
    handed: list[bytes] = []
    most = [0]

    def send_soon(*, key: bytes, value: dict) -> None:
        waiting.append(key)
        most[0] = max(most[0], len(waiting))

    class Buffer:
        """The producer's buffer: hands over 100 messages, in order, each time the detector polls it."""

        @property
        def size(self) -> int:
            handed.extend(waiting[:100])
            del waiting[:100]
            return len(waiting)

    ctx = SimpleNamespace(commands_topic=SimpleNamespace(send_soon=send_soon), insights={}, employees={},
                          app=SimpleNamespace(producer=SimpleNamespace(buffer=Buffer())),
                          config=SimpleNamespace(thresholds=Thresholds()))
    detector = Detector(ctx)  # type: ignore[arg-type]
    found = [Candidate("QUIET_FEEDBACK", f"p{i:05d}", "t1", "info", "why", (), (), "do") for i in range(4 * COMMANDS_CHUNK + 7)]
    assert await detector._open_in_chunks(found, 1_000.0) == len(found)
    assert handed + waiting == [c.subject_id.encode() for c in found]
    assert COMMANDS_CHUNK < most[0] <= 2 * COMMANDS_CHUNK and len(waiting) <= COMMANDS_CHUNK


def test_a_candidate_dict_is_what_dataclasses_asdict_gives() -> None:
    import dataclasses

    from paars_analytics.insights.records import candidate_dict
    from paars_analytics.signals.insights import Candidate

    candidate = Candidate("MOMENT_FOR_FEEDBACK", "ann", "t1", "info", "why", ("e1", "e2"), ("mgr", "bob"), "do", {"goal": "Tables"})
    out = candidate_dict(candidate)
    assert out == dataclasses.asdict(candidate) and list(out) == [f.name for f in dataclasses.fields(Candidate)]
    assert out["params"] is not candidate.params


def test_the_worker_is_wired_through_the_seam_with_its_tables_changelogs_unchanged(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from paars_analytics.app import create_app, register_agents
    from paars_analytics.config import AnalyticsConfig
    from paars_analytics.faust_seam import BulkConsumer

    monkeypatch.setenv("PAARS_ANALYTICS_STATE_DIR", str(tmp_path))
    ctx = create_app(AnalyticsConfig.from_env())
    register_agents(ctx)
    assert isinstance(ctx.app, BulkApp) and isinstance(ctx.app.consumer, BulkConsumer)
    # The same changelog topics (names) as before the seam, so a worker upgraded in place recovers its state;
    # the story's two tables (issue 16: the value/theme catalogue, the alignment counts) came later, with a schema codec too.
    # The directory is no table since issue 14 item 2: every worker reads the org topics whole (org/agents.py).
    assert ctx.tables is not None
    codecs = {t.changelog(): (t.key_serializer, t.value_serializer) for t in ctx.tables}
    app_id = ctx.config.app_id
    assert codecs == {f"{app_id}-people-changelog": ("json", "paars-person"), f"{app_id}-insights-changelog": ("json", "paars-record"),
                      f"{app_id}-story_catalogue-changelog": ("json", "paars-record"), f"{app_id}-story_alignment-changelog": ("json", "paars-record")}
    # Every worker reads those changelogs whole (the read model the queries answer from) and the org topics.
    read = {topic for replica in ctx.replicas for topic in replica.appliers}
    assert read == set(codecs) | {"org.employee-changed.v1", "org.team-changed.v1"}
    # No Faust table, so no Faust table recovery (tables.py): the new owner of a partition reads the read model.
    assert not ctx.app.tables and ctx.app.assign_callbacks == [ctx.tables.assigned]
    # Person topics are bulk; the directory and insight commands are agents' topics.
    assert "goals.goal-updated.v1" in ctx.app.bulk_handlers and "feedback.feedback-given.v1" in ctx.app.bulk_handlers
    assert "org.employee-changed.v1" not in ctx.app.bulk_handlers and ctx.app.revoke_callbacks == [ctx.state.drop, ctx.tables.revoked]


def test_assign_callbacks_run_before_faust_handles_the_assignment_and_resumes_the_streams(app: BulkApp, monkeypatch: pytest.MonkeyPatch) -> None:
    order: list[str] = []

    async def fausts(self: Any, assigned: set[TP], generation_id: int = 0) -> None:
        order.append(f"faust {sorted(tp.partition for tp in assigned)} {generation_id}")

    async def tables_ready(assigned: set[TP]) -> None:
        await asyncio.sleep(0.01)
        order.append("tables")

    monkeypatch.setattr(faust.App, "_on_partitions_assigned", fausts)
    app.assign_callbacks.append(tables_ready)
    asyncio.run(app._on_partitions_assigned({TP("goals.goal-updated.v1", 2)}, 7))
    assert order == ["tables", "faust [2] 7"]
