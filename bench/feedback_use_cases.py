"""CPU and SQL statements per durable GiveFeedback and AcknowledgeFeedback, in-process through the servicer
(no gRPC transport, no broker): the feedback service layer's own cost, so a reshape or a new statement
shows up as a number.

Standalone: feedback's migrations on a fresh SQLite file (or `--database-url`), the demo directory applied
to its projection, then `--rounds` times a peer's praise, a manager's constructive feedback and the
receiver acknowledging the praise, each with an idempotency key (the durable write the write-path bench
drives: the change, its outbox row and the idempotency record in one transaction). Prints, and writes to
bench/results/feedback_use_cases.json, the median CPU milliseconds and the statements per call. Not a test.
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

from paars.feedback.v1 import feedback_pb2 as pb
from paars.org.v1 import org_pb2
from paars_feedback.adapters import directory
from paars_feedback.bootstrap import MIGRATIONS, servicer
from paars_feedback.config import DEFAULT_VISIBILITIES, VISIBILITY_NAMES, FeedbackConfig
from paars_platform.auth import Identity, current_identity
from paars_platform.db import Database, migrate

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from tests.helpers import demo_directory

RESULT = pathlib.Path(__file__).parent / "results" / "feedback_use_cases.json"
CASES = ("GiveFeedback peer praise", "GiveFeedback manager constructive", "AcknowledgeFeedback")
# The default limits' statements run; their counts are raised so that one giver can give 200 in a minute.
CONFIG = FeedbackConfig(tuple(VISIBILITY_NAMES[n] for n in DEFAULT_VISIBILITIES.split(",")), 3, 30, ((1_000_000, 60), (1_000_000, 86400)), 0.0)


def act_as(employee_id: str, *roles: str) -> None:
    current_identity.set(Identity(employee_id, frozenset(roles or ("employee",)), "person"))


async def measure(url: str, rounds: int) -> dict[str, Any]:
    await migrate(url, MIGRATIONS)
    db = Database(url)
    async with db.transaction() as conn:
        for employee in demo_directory().employees:
            await directory.apply_employee_changed(conn, org_pb2.EmployeeChanged(employee=employee))
    executed = [0]

    def count(*_: object, **__: object) -> None:
        executed[0] += 1

    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    feedback = servicer(db, CONFIG)
    cpu: dict[str, list[float]] = {c: [] for c in CASES}
    statements = dict.fromkeys(CASES, 0)

    async def timed(case: str, call: Awaitable[Any]) -> Any:
        before, started = executed[0], time.process_time()
        answer = await call
        cpu[case].append(time.process_time() - started)
        statements[case] += executed[0] - before
        return answer

    for i in range(rounds):
        act_as("ann")
        praise = await timed(CASES[0], feedback.GiveFeedback(pb.GiveFeedbackRequest(
            receiver_id="bob", kind=pb.FEEDBACK_KIND_PRAISE, relation=pb.RELATION_PEER, tags=["collaboration"],
            text="Clear hand-over this morning: the customer did not have to repeat anything.", idempotency_key=f"praise-{i}",
        ), None))  # type: ignore[arg-type]
        act_as("mgr", "manager")
        await timed(CASES[1], feedback.GiveFeedback(pb.GiveFeedbackRequest(
            receiver_id="ann", kind=pb.FEEDBACK_KIND_CONSTRUCTIVE, relation=pb.RELATION_MANAGER,
            text="The demo ran long.", examples=[pb.Example(situation="Friday demo", behaviour="20 minutes over", impact="no time for questions")],
            idempotency_key=f"constructive-{i}",
        ), None))  # type: ignore[arg-type]
        act_as("bob")
        await timed(CASES[2], feedback.AcknowledgeFeedback(pb.AcknowledgeFeedbackRequest(
            feedback_id=praise.id, note="Thanks", idempotency_key=f"acknowledge-{i}",
        ), None))  # type: ignore[arg-type]
    await db.dispose()
    return {
        c: {"cpu_ms_median": round(statistics.median(cpu[c]) * 1000, 3), "statements_per_call": round(statements[c] / len(cpu[c]), 2), "calls": len(cpu[c])}
        for c in CASES
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{tmp}/feedback.db"
        figures = asyncio.run(measure(url, args.rounds))
    result = {"database": url.split(":", 1)[0], "rounds": args.rounds, "use_cases": figures}
    for case, f in figures.items():
        print(f"{case:34} {f['cpu_ms_median']:8.3f} ms CPU  {f['statements_per_call']:6.2f} statements")
    RESULT.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
