"""Read cost of feedback before and after a flood: one giver's 2,000 private items to one person, then
ListFeedback(receiver) and GetFeedbackSummary as the receiver, their manager, HR and a colleague who sees nothing.

Standalone and in-process: the embedded broker, the feedback service on a SQLite file (or `--database-url`),
its directory projection written straight from org events. Prints a table of median and p90 milliseconds
per call and writes bench/results/feedback_read_cost.json. Not a test: figures, no assertions.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import pathlib
import statistics
import sys
import tempfile
import time
from typing import Any

import grpc
import sqlalchemy as sa

# The flood has to get through: lift the per-giver write limit for this process only.
os.environ.setdefault("PAARS_FEEDBACK_GIVE_LIMITS", "100000/60,100000/86400")

from paars.common.v1 import event_pb2
from paars.feedback.v1 import feedback_pb2 as pb
from paars.feedback.v1 import feedback_pb2_grpc
from paars.org.v1 import org_pb2
from paars_feedback.adapters import directory
from paars_feedback.bootstrap import build
from paars_platform.auth import mint_token
from paars_platform.config import DEV_JWT_SECRET, Settings
from paars_platform.embedded_broker import EmbeddedBroker

RESULTS = pathlib.Path(__file__).resolve().parent / "results"
READERS = {"receiver": ("ann",), "manager": ("mgr", "manager"), "hr": ("hr1", "hr"), "colleague (sees nothing)": ("zoe",)}
PEOPLE = [
    ("boss", "", "org", [org_pb2.ROLE_MANAGER]), ("hr1", "boss", "org", [org_pb2.ROLE_HR]),
    ("mgr", "boss", "team-a", [org_pb2.ROLE_MANAGER]), ("ann", "mgr", "team-a", [org_pb2.ROLE_EMPLOYEE]),
    ("bob", "mgr", "team-a", [org_pb2.ROLE_EMPLOYEE]), ("zoe", "mgr", "team-a", [org_pb2.ROLE_EMPLOYEE]),
]


def auth(sub: str, *roles: str) -> list[tuple[str, str]]:
    return [("authorization", f"Bearer {mint_token(sub, roles or ('employee',), secret=DEV_JWT_SECRET)}")]


async def seed_directory(runtime: Any) -> None:
    async with runtime.db.transaction() as conn:
        for team, parent in (("org", ""), ("team-a", "org")):
            await directory.apply_team_changed(conn, org_pb2.TeamChanged(team=org_pb2.Team(id=team, name=team, parent_team_id=parent, version=1)))
        for pid, manager, team, roles in PEOPLE:
            employee = org_pb2.Employee(id=pid, name=pid, email=f"{pid}@paars.example", manager_id=manager, team_id=team, roles=roles, active=True, version=1)
            await directory.apply_employee_changed(conn, org_pb2.EmployeeChanged(employee=employee))


async def give(stub: Any, n: int, visibility: int, concurrency: int = 8) -> None:
    request = pb.GiveFeedbackRequest(receiver_id="ann", kind=pb.FEEDBACK_KIND_PRAISE, relation=pb.RELATION_PEER, text="Goed gedaan", visibility=visibility)
    queue = iter(range(n))

    async def worker() -> None:
        for _ in queue:
            await stub.GiveFeedback(request, metadata=auth("bob"))

    await asyncio.gather(*(worker() for _ in range(concurrency)))


class Statements:
    """Counts the SQL statements the service runs: unlike milliseconds, not moved by what else runs on the machine."""

    def __init__(self, runtime: Any) -> None:
        self.count = 0
        sa.event.listen(runtime.db.engine.sync_engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args: Any) -> None:
        self.count += 1


async def drained(runtime: Any) -> None:
    """Waits until the relay published the flood's events, so it does not compete with the reads measured."""
    outbox = runtime.table("outbox")
    for _ in range(600):
        async with runtime.db.read() as conn:
            if not (await conn.execute(sa.select(sa.func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None)))).scalar():
                return
        await asyncio.sleep(0.5)


async def measure(stub: Any, calls: int, statements: Statements) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for reader, who in READERS.items():
        md = auth(*who)
        for name, call in (
            ("ListFeedback", lambda md=md: stub.ListFeedback(pb.ListFeedbackRequest(receiver_id="ann"), metadata=md)),
            ("GetFeedbackSummary", lambda md=md: stub.GetFeedbackSummary(pb.GetFeedbackSummaryRequest(employee_id="ann"), metadata=md)),
        ):
            times, counts = [], []
            for _ in range(calls):
                before = statements.count
                started = time.perf_counter()
                answer = await call()
                times.append((time.perf_counter() - started) * 1000)
                counts.append(statements.count - before)
            times.sort()
            out[f"{name} as {reader}"] = {
                "p50_ms": round(statistics.median(times), 1), "p90_ms": round(times[int(0.9 * (len(times) - 1))], 1),
                "sql_statements": statistics.median(counts), "items": len(answer.feedback) if name == "ListFeedback" else answer.total,
            }
    return out


async def main(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp, EmbeddedBroker(log_path=f"{tmp}/broker.log") as broker:
        url = args.database_url or f"sqlite+aiosqlite:///{tmp}/feedback.db"
        import dataclasses

        settings = dataclasses.replace(Settings.from_env("feedback"), database_url=url, kafka_bootstrap=broker.bootstrap, kafka_idempotence=False, grpc_port=0, metrics_port=-1,
            default_deadline_seconds=300.0,
        )
        runtime = build(settings)
        await runtime.start()
        try:
            await seed_directory(runtime)
            statements = Statements(runtime)
            async with grpc.aio.insecure_channel(f"127.0.0.1:{runtime.grpc_port}") as channel:
                stub = feedback_pb2_grpc.FeedbackServiceStub(channel)
                await give(stub, 10, event_pb2.VISIBILITY_RECEIVER_AND_MANAGER)
                await drained(runtime)
                before = await measure(stub, args.calls, statements)
                started = time.perf_counter()
                await give(stub, args.flood, event_pb2.VISIBILITY_PRIVATE)
                flood_s = time.perf_counter() - started
                await drained(runtime)
                after = await measure(stub, args.calls, statements)
        finally:
            await runtime.stop()
    return {
        "database": url.split(":", 1)[0], "flood_items": args.flood, "flood_seconds": round(flood_s, 1), "load_average": os.getloadavg()[0],
        "before_flood": before, "after_flood": after, "code": sys.modules["paars_feedback"].__file__,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flood", type=int, default=2000)
    parser.add_argument("--calls", type=int, default=10)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--out", default=str(RESULTS / "feedback_read_cost.json"))
    result = asyncio.run(main(parser.parse_args()))
    print(f"{'call':47} {'before: p50/p90 ms, statements, items':>38} {'after: p50/p90 ms, statements, items':>38}")
    for key, value in result["after_flood"].items():
        b = result["before_flood"][key]
        print(f"{key:47} {b['p50_ms']:>9}/{b['p90_ms']:<9} {b['sql_statements']:>7} {b['items']:>6}       {value['p50_ms']:>9}/{value['p90_ms']:<9} {value['sql_statements']:>7} {value['items']:>6}")
    print(f"load average {result['load_average']:.1f}")
    pathlib.Path(parser.parse_args().out).write_text(json.dumps(result, indent=2) + "\n")
