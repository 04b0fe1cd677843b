"""CPU and SQL statements per goals use case, in-process through the servicers (no gRPC transport, no broker):
the service layer's own cost, so a reshape or a new statement shows up as a number.

Standalone: the goals service's migrations on a fresh SQLite file (or `--database-url`), the demo directory
imported, then `--rounds` times ProposeGoal, AgreeGoal, CheckIn, GetGoal (and every tenth round
ListTeamGoals), each with an idempotency key where the RPC takes one. Prints, and writes to
bench/results/goals_use_cases.json, the median CPU milliseconds and the statements per call. Not a test.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import pathlib
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable
from typing import Any

from sqlalchemy import event

from paars.goals.v1 import goals_pb2 as pb
from paars_goals.bootstrap import MIGRATIONS, message_bus
from paars_goals.entrypoints.grpc import GoalServicer, OrgServicer
from paars_platform.auth import Identity, current_identity
from paars_platform.db import Database, migrate

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from tests.helpers import demo_directory

RESULT = pathlib.Path(__file__).parent / "results" / "goals_use_cases.json"
METHODS = ("ProposeGoal", "AgreeGoal", "CheckIn", "GetGoal", "ListTeamGoals")


def act_as(employee_id: str, *roles: str) -> None:
    kind = "system" if "system" in roles else "person"
    current_identity.set(Identity(employee_id, frozenset(roles or ("employee",)), kind))


async def measure(url: str, rounds: int) -> dict[str, Any]:
    await migrate(url, MIGRATIONS)
    db = Database(url)
    executed = [0]

    def count(*_: object, **__: object) -> None:
        executed[0] += 1

    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    bus = message_bus(db)
    goals, org = GoalServicer(bus), OrgServicer(bus)
    act_as("hris", "system")
    await org.ImportDirectory(demo_directory(), None)  # type: ignore[arg-type]
    cpu: dict[str, list[float]] = {m: [] for m in METHODS}
    statements = dict.fromkeys(METHODS, 0)

    async def timed(method: str, call: Awaitable[Any]) -> Any:
        before, started = executed[0], time.process_time()
        answer = await call
        cpu[method].append(time.process_time() - started)
        statements[method] += executed[0] - before
        return answer

    for i in range(rounds):
        act_as("ann")
        goal = await timed("ProposeGoal", goals.ProposeGoal(pb.ProposeGoalRequest(
            kind=pb.GOAL_KIND_DEVELOPMENT, level=pb.GOAL_LEVEL_INDIVIDUAL, title=f"Goal {i}", owner_id="ann",
            key_results=[pb.KeyResult(title="talks", start_value=0, target_value=4)], start_date="2026-01-01",
            due_date="2027-12-31", idempotency_key=f"propose-{i}",
        ), None))  # type: ignore[arg-type]
        act_as("mgr", "manager")
        goal = await timed("AgreeGoal", goals.AgreeGoal(pb.AgreeGoalRequest(goal_id=goal.id, idempotency_key=f"agree-{i}"), None))  # type: ignore[arg-type]
        act_as("ann")
        update = pb.KeyResultUpdate(key_result_id=goal.key_results[0].id, current_value=2)
        await timed("CheckIn", goals.CheckIn(pb.CheckInRequest(goal_id=goal.id, confidence=4, updates=[update], idempotency_key=f"check-in-{i}"), None))  # type: ignore[arg-type]
        await timed("GetGoal", goals.GetGoal(pb.GetGoalRequest(goal_id=goal.id), None))  # type: ignore[arg-type]
        if i % 10 == 0:
            act_as("mgr", "manager")
            await timed("ListTeamGoals", goals.ListTeamGoals(pb.ListTeamGoalsRequest(team_id="team-a"), None))  # type: ignore[arg-type]
    await db.dispose()
    return {
        m: {"cpu_ms_median": round(statistics.median(cpu[m]) * 1000, 3), "statements_per_call": round(statements[m] / len(cpu[m]), 2), "calls": len(cpu[m])}
        for m in METHODS
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{tmp}/goals.db"
        figures = asyncio.run(measure(url, args.rounds))
    result = {"database": url.split(":", 1)[0], "rounds": args.rounds, "use_cases": figures}
    for method, f in figures.items():
        print(f"{method:15} {f['cpu_ms_median']:8.3f} ms CPU  {f['statements_per_call']:6.2f} statements")
    RESULT.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
