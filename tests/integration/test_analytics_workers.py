"""Analytics on 1, 2 and 3 workers (real Faust processes in one consumer group each, on the shared broker): the same
recorded input gives the same roll-ups, insights and query answers on every replica, and a worker SIGKILLed during
the 3-worker run hands its partitions over with nothing lost or counted twice."""
from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
import urllib.request
import uuid
from typing import Any

import grpc
import pytest
from google.protobuf.json_format import MessageToDict

from paars.analytics.v1 import analytics_pb2 as pb
from paars.analytics.v1 import analytics_pb2_grpc
from paars.feedback.v1 import feedback_pb2 as fb
from paars.goals.v1 import goals_pb2 as goals
from paars.org.v1 import org_pb2 as org
from paars_platform.embedded_broker import free_port
from paars_platform.events import Record, new_metadata, to_record
from paars_platform.kafka import Publisher
from tests.helpers import auth
from tests.integration.test_analytics_stream import Worker, publisher  # noqa: F401  (its signed publisher fixture)

PARTITIONS = 6
RELATIONS = (fb.RELATION_PEER, fb.RELATION_MANAGER, fb.RELATION_DIRECT_REPORT)


class Org:
    """A small organisation: a root team with two teams of four under their managers, an HR person at the root."""

    def __init__(self, run: str) -> None:
        self.run = run
        self.root, self.teams = f"org-{run}", [f"t1-{run}", f"t2-{run}"]
        self.boss, self.hr = f"boss-{run}", f"hr-{run}"
        self.managers = [f"m1-{run}", f"m2-{run}"]
        self.members = {team: [f"{team[:2]}p{i}-{run}" for i in range(4)] for team in self.teams}
        self.people = [self.boss, self.hr, *self.managers, *(p for ps in self.members.values() for p in ps)]
        self.now = dt.datetime.now(dt.UTC).replace(hour=12, minute=0, second=0, microsecond=0)

    def directory(self) -> list[Record]:
        def team(tid: str, parent: str, manager: str) -> Record:
            return to_record(org.TeamChanged(metadata=new_metadata(producer="goals", subject_id=tid, visibility=6),
                                             team=org.Team(id=tid, name=tid, parent_team_id=parent, manager_id=manager, version=1)))

        def person(pid: str, team_id: str, manager: str, *roles: int) -> Record:
            return to_record(org.EmployeeChanged(
                metadata=new_metadata(producer="goals", subject_id=pid, visibility=6), change=org.EmployeeChanged.CHANGE_CREATED,
                employee=org.Employee(id=pid, name=pid, manager_id=manager, team_id=team_id, active=True, version=1,
                                      roles=[org.ROLE_EMPLOYEE, *roles])))

        out = [team(self.root, "", self.boss), *(team(t, self.root, m) for t, m in zip(self.teams, self.managers, strict=True))]
        out += [person(self.boss, self.root, "", org.ROLE_MANAGER), person(self.hr, self.root, self.boss, org.ROLE_HR)]
        out += [person(m, self.root, self.boss, org.ROLE_MANAGER) for m in self.managers]
        for team_id, manager in zip(self.teams, self.managers, strict=True):
            out += [person(p, team_id, manager) for p in self.members[team_id]]
        return out

    def activity(self) -> list[Record]:
        """Feedback (sources, examples, givers, days apart) and goals (one behind, one a milestone), in a fixed order."""
        out: list[Record] = []
        members = [p for ps in self.members.values() for p in ps]
        for i, receiver in enumerate(members):
            for j in range(1 + i % 4):
                eid = f"fb-{self.run}-{i}-{j}"
                at = self.now - dt.timedelta(days=3 * j + i % 3, hours=1)
                giver = members[(i + j + 1) % len(members)] if j % 2 == 0 else ""
                out.append(to_record(fb.FeedbackGiven(
                    metadata=new_metadata(producer="feedback", subject_id=receiver, visibility=2, event_id=eid, occurred_at=at),
                    feedback_id=f"f-{eid}", receiver_id=receiver, giver_id=giver,
                    kind=fb.FEEDBACK_KIND_PRAISE if j % 3 else fb.FEEDBACK_KIND_CONSTRUCTIVE,
                    relation=RELATIONS[0] if i % 4 == 0 else RELATIONS[j % 3], has_example=(i + j) % 3 != 0,
                )))
            kind = goals.GOAL_KIND_PERFORMANCE if i % 2 else goals.GOAL_KIND_DEVELOPMENT
            out.append(to_record(goals.GoalUpdated(
                metadata=new_metadata(producer="goals", subject_id=receiver, visibility=2, event_id=f"g-{self.run}-{i}",
                                      occurred_at=self.now - dt.timedelta(days=20)),
                changes=[goals.GoalUpdated.CHANGE_PROGRESS], milestone_percent=50 if i == 0 else 0,
                goal=goals.Goal(id=f"goal-{self.run}-{i}", kind=kind, level=goals.GOAL_LEVEL_INDIVIDUAL, title=f"Goal {i}", owner_id=receiver,
                                progress=0.1 * (i % 5), expected_progress=0.6, agreement=goals.AGREEMENT_STATE_AGREED, version=1),
            )))
        return out


class Run:
    """N workers of one app id (one consumer group)."""

    def __init__(self, bootstrap: str, app_id: str, n: int, tmp_path: Any) -> None:
        self.app_id = app_id
        self.workers = [Worker(bootstrap, app_id, str(tmp_path / f"{app_id}-{i}.log")) for i in range(n)]
        for w in self.workers:
            # Closures and team rules within seconds, not the minute a production scan waits.
            w.env["PAARS_ANALYTICS_SCAN_INTERVAL_SECONDS"] = "1"
            # A session a loaded machine's pauses do not expire (each expiry is one more rebalance, and a moved
            # partition waits for the read model: see the README, "Several workers"); a killed worker's partitions
            # move after it.
            w.env["PAARS_CONSUMER_SESSION_TIMEOUT_MS"] = "15000"
            # /metrics, read when a run falls short (which partitions lag, what was applied).
            w.env["PAARS_METRICS_PORT"] = str(free_port())

    def start(self) -> Run:
        for w in self.workers:
            w.start()
        return self

    def alive(self) -> list[Worker]:
        return [w for w in self.workers if w.process is not None and w.process.poll() is None]

    def stop(self) -> None:
        for w in self.workers:
            if w.process is not None:
                w.stop()


def assignments(worker: Worker) -> list[int] | None:
    """The person partitions the worker logged as its own at its last rebalance (app.py, "partitions assigned")."""
    found = None
    with open(worker.log_path, "rb") as log:
        for line in log:
            if b"partitions assigned" in line:
                try:
                    found = json.loads(line)["person_partitions"]
                    # The JSON log writes a list field as its text.
                    found = json.loads(found) if isinstance(found, str) else found
                except (ValueError, KeyError):
                    continue
    return found


def lag(worker: Worker) -> list[str]:
    """The worker's consumer lag and applied events per topic, from its /metrics."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{worker.env['PAARS_METRICS_PORT']}/metrics", timeout=5) as response:
            text = response.read().decode()
    except OSError as exc:
        return [repr(exc)]
    return [line for line in text.splitlines() if line.startswith(("paars_analytics_consumer_lag", "paars_analytics_events_flushed_total"))
            and "feedback-given" in line]


def read_model_bytes(worker: Worker, table: str) -> dict[str, float]:
    """The worker's read model values of ``table`` in their file (spill.py), live and file bytes, from its /metrics."""
    with urllib.request.urlopen(f"http://127.0.0.1:{worker.env['PAARS_METRICS_PORT']}/metrics", timeout=5) as response:
        text = response.read().decode()
    found = {}
    for line in text.splitlines():
        if line.startswith("paars_analytics_read_model_bytes{") and f'table="{table}"' in line:
            kind = line.split('kind="', 1)[1].split('"', 1)[0]
            found[kind] = float(line.rsplit(" ", 1)[1])
    return found


def _plain(message: Any) -> dict[str, Any]:
    return MessageToDict(message, preserving_proto_field_name=True)


def _insight(i: pb.Insight) -> tuple[Any, ...]:
    # The id and time are the detection's (each run detects at its own moment); the teammates a moment asks are
    # kept per process (README: "Who a moment for feedback asks"), so a moment's actors are its manager only.
    actors = tuple(sorted(i.actors)) if i.kind != pb.INSIGHT_KIND_MOMENT_FOR_FEEDBACK else tuple(i.actors[:1])
    return (pb.InsightKind.Name(i.kind), i.subject_id, i.team_id, actors, i.open)


async def answers(worker: Worker, o: Org) -> dict[str, Any] | None:
    """Every query's answer about the organisation, as this replica gives it (None: it does not answer yet)."""
    out: dict[str, Any] = {}
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{worker.port}") as channel:
            stub = analytics_pb2_grpc.AnalyticsServiceStub(channel)
            system, boss = auth("hris", "system"), auth(o.boss, "manager")
            for pid in o.people:
                for window in (30, 90):
                    s = _plain(await stub.GetSignals(pb.GetSignalsRequest(employee_id=pid, window_days=window), metadata=system, timeout=5))
                    s.pop("computed_at", None)
                    out[f"signals/{pid}/{window}"] = s
                card = _plain(await stub.GetSenseMaking(pb.GetSenseMakingRequest(employee_id=pid, window_days=30), metadata=system, timeout=5))
                card.pop("computed_at", None)
                out[f"card/{pid}"] = card
                listed = await stub.ListInsights(pb.ListInsightsRequest(subject_id=pid, open_only=True), metadata=system, timeout=5)
                out[f"insights/{pid}"] = sorted(_insight(i) for i in listed.insights)
            for tid in (o.root, *o.teams):
                for window in (30, 90):
                    out[f"rollup/{tid}/{window}"] = _plain(await stub.GetTeamRollup(pb.GetTeamRollupRequest(team_id=tid, window_days=window), metadata=system, timeout=5))
                team_card = _plain(await stub.GetSenseMaking(pb.GetSenseMakingRequest(team_id=tid, window_days=30), metadata=system, timeout=5))
                team_card.pop("computed_at", None)
                out[f"card/{tid}"] = team_card
                listed = await stub.ListInsights(pb.ListInsightsRequest(team_id=tid, open_only=True), metadata=system, timeout=5)
                out[f"insights/team/{tid}"] = sorted(_insight(i) for i in listed.insights)
                pitfalls = await stub.ListPitfalls(pb.ListPitfallsRequest(team_id=tid), metadata=system, timeout=5)
                out[f"pitfalls/{tid}"] = [_plain(t) for t in pitfalls.teams]
            overview = await stub.GetTeamOverview(pb.GetTeamOverviewRequest(team_ids=[o.root, *o.teams], employee_ids=o.managers, window_days=30),
                                                  metadata=boss, timeout=5)
            out["overview/rollups"] = [_plain(r) for r in overview.rollups]
            out["overview/person_cards"] = [{k: v for k, v in _plain(c).items() if k != "computed_at"} for c in overview.person_cards]
            out["overview/insights"] = sorted(_insight(i) for i in overview.insights)
            out["overview/calibration"] = _plain(overview.calibration)
            out["calibration"] = _plain(await stub.GetCalibration(pb.GetCalibrationRequest(), metadata=boss, timeout=5))
    except grpc.aio.AioRpcError:
        return None
    return out


def received(found: dict[str, Any], o: Org) -> int:
    return sum(sum(found[f"signals/{pid}/90"].get("received_by_source", {}).values()) for pid in o.people)


def _team_insights(found: dict[str, Any], o: Org) -> int:
    return sum(len(found[f"insights/team/{t}"]) for t in (o.root, *o.teams))


async def progress(worker: Worker, o: Org) -> tuple[int, int] | None:
    """Two calls: the organisation's feedback counted and its open team insights, as this replica sees them."""
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{worker.port}") as channel:
            stub = analytics_pb2_grpc.AnalyticsServiceStub(channel)
            system = auth("hris", "system")
            card = await stub.GetSenseMaking(pb.GetSenseMakingRequest(team_id=o.root, window_days=30), metadata=system, timeout=5)
            listed = await stub.ListInsights(pb.ListInsightsRequest(team_id=o.root, open_only=True), metadata=system, timeout=5)
    except grpc.aio.AioRpcError:
        return None
    return card.feedback_received, len(listed.insights)


STEADY_SECONDS = 3.0


async def settled(run: Run, o: Org, expected: int, deadline: float) -> dict[str, Any]:
    """The answers once every live replica gives the same ones, with all the expected feedback counted and the team
    rules run, and they stayed the same for STEADY_SECONDS (an insight a rule raises takes a few hops, the
    insight-commands topic, the owner's table, its changelog, every replica's read model, so replicas can agree on
    a moment before it); what was last seen if the deadline passes first (the assertions then say what differs)."""
    last: dict[str, Any] = {}
    agreed: dict[str, Any] | None = None
    since = 0.0
    while time.monotonic() < deadline:
        quick = [await progress(w, o) for w in run.alive()]
        last = {"progress": quick}
        if all(q is not None and q[0] == expected and q[1] > 0 for q in quick):
            seen = [await answers(w, o) for w in run.alive()]
            last = {"replicas": seen}
            first = seen[0]
            if first is not None and all(s == first for s in seen) and received(first, o) == expected:
                if first != agreed:
                    agreed, since = first, time.monotonic()
                elif time.monotonic() - since >= STEADY_SECONDS:
                    return first
            else:
                agreed = None
        await asyncio.sleep(0.5)
    return last


@pytest.mark.workers
@pytest.mark.timeout(600)  # a ceiling for a machine under load; on a quiet one it takes well under a minute
async def test_one_two_and_three_workers_answer_alike_and_a_killed_worker_loses_and_doubles_nothing(kafka_bootstrap: str, publisher: Publisher, tmp_path: Any) -> None:  # noqa: F811
    run_id = uuid.uuid4().hex[:8]
    o = Org(run_id)
    activity = o.activity()
    half = len(activity) // 2
    runs = {n: Run(kafka_bootstrap, f"analytics-workers-{run_id}-{n}", n, tmp_path) for n in (1, 2, 3)}
    try:
        for r in runs.values():
            r.start()
        publisher.publish(o.directory() + activity[:half])
        expected_first = sum(1 for r in activity[:half] if r.topic == "feedback.feedback-given.v1")
        expected = sum(1 for r in activity if r.topic == "feedback.feedback-given.v1")

        # The 3-worker group has settled with every worker owning person partitions and the first half counted.
        three = runs[3]
        deadline = time.monotonic() + 300
        while True:
            owned = [assignments(w) for w in three.workers]
            if all(owned) and sorted(p for ps in owned if ps for p in ps) == list(range(PARTITIONS)):
                first = await progress(three.workers[0], o)
                if first is not None and first[0] == expected_first:
                    break
            assert time.monotonic() < deadline, f"the 3-worker group did not settle: {owned}"
            await asyncio.sleep(0.5)
        victim = three.workers[2]
        moved = assignments(victim)
        victim.kill()

        # The second half, and five of the first half again (redelivered: the same event ids).
        publisher.publish(activity[half:] + activity[:5])
        deadline = time.monotonic() + 300
        settling = await asyncio.gather(*(settled(r, o, expected, deadline) for r in runs.values()))
        results = dict(zip(runs, settling, strict=True))
        # Runs that each settled on different answers are asked again until they agree or the deadline passes: the
        # equivalence is of what each group ends at, not of the moment each one first looked steady.
        while time.monotonic() < deadline and any(results[n] != results[1] for n in (2, 3)) and all(
                "progress" not in f and "replicas" not in f for f in results.values()):
            await asyncio.sleep(1.0)
            settling = await asyncio.gather(*(settled(r, o, expected, deadline) for r in runs.values()))
            results = dict(zip(runs, settling, strict=True))
        wanted: dict[str, int] = {}
        for r in activity:
            if r.topic == "feedback.feedback-given.v1":
                wanted[r.key.decode()] = wanted.get(r.key.decode(), 0) + 1
        for n, found in results.items():
            if "progress" in found:
                seen = [await answers(w, o) for w in runs[n].alive()]
                counts = [{p: sum(a[f"signals/{p}/90"].get("received_by_source", {}).values()) for p in wanted} if a else None for a in seen]
                short = [{p: (c[p], k) for p, k in wanted.items() if c[p] != k} if c else None for c in counts]
                assert not short, (f"{n} worker(s): (feedback counted, team insights) {found['progress']}, expected {expected}; "
                                   f"(counted, sent) per person: {short}; workers' metrics: {[lag(w) for w in runs[n].alive()]}")
            assert "replicas" not in found, f"{n} worker(s) never agreed on the answers: {_diff(found)}"
        # The survivors own the victim's partitions now.
        survivors = [assignments(w) for w in three.alive()]
        assert sorted(p for ps in survivors if ps for p in ps) == list(range(PARTITIONS)) and moved
        one = results[1]
        assert received(one, o) == expected, "nothing lost, nothing counted twice"
        assert _team_insights(one, o) > 0 and any(one[f"insights/{p}"] for p in o.people)
        assert not one["rollup/" + o.root + "/30"].get("suppressed", False)
        for n in (2, 3):
            assert results[n] == one, f"{n} workers answer differently from one: {_diff({'replicas': [one, results[n]]})}"
        # Every worker holds every person's state in its read model, off the heap: in its data directory's file.
        for w in three.alive():
            held = read_model_bytes(w, "people")
            assert held.get("live", 0) > 0 and held["file"] >= held["live"], held
    finally:
        for r in runs.values():
            r.stop()


def _diff(found: dict[str, Any]) -> str:
    replicas = found.get("replicas") or []
    if len(replicas) < 2:
        return f"{len(replicas)} replicas answered"
    a, b = replicas[0], replicas[1]
    keys = [k for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
    return "; ".join(f"{k}: {a.get(k)} != {b.get(k)}" for k in keys[:5]) or "all equal; counts short"
