"""A durable GiveFeedback on PostgreSQL with its two hot statements straight on asyncpg
(adapters/asyncpg_direct.py) against the same statements through SQLAlchemy, in one process and one database,
the two alternating call by call so that a machine shared with others loads both alike. In-process through the
servicer (no gRPC, no broker), as bench/feedback_use_cases.py measures.

Prints, and writes to bench/results/direct_statements.json, the median CPU milliseconds per call of each path
and their ratio. Not a test; needs PostgreSQL (`--database-url`, default a fresh database on 127.0.0.1).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import pathlib
import statistics
import sys
import time
from typing import Any

from paars.feedback.v1 import feedback_pb2 as pb
from paars.org.v1 import org_pb2
from paars_feedback.adapters import directory
from paars_feedback.adapters.sql_unit_of_work import SqlUnitOfWork
from paars_feedback.bootstrap import MIGRATIONS, servicer
from paars_platform.db import Database, migrate

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from bench.feedback_use_cases import CONFIG, act_as
from tests.conftest import create_pg_database, drop_pg_database
from tests.helpers import demo_directory

RESULT = pathlib.Path(__file__).parent / "results" / "direct_statements.json"
PATHS = ("asyncpg direct", "through SQLAlchemy")
_direct = SqlUnitOfWork._direct
# Which path the next call takes (the bench alternates it).
through_sqlalchemy = [False]


async def _either(self: SqlUnitOfWork, statement: Any, params: dict[str, Any]) -> Any:
    if through_sqlalchemy[0]:
        return await self._raw.execute(statement, params)
    return await _direct(self, statement, params)


async def measure(url: str, rounds: int) -> dict[str, Any]:
    await migrate(url, MIGRATIONS)
    db = Database(url)
    async with db.transaction() as conn:
        for employee in demo_directory().employees:
            await directory.apply_employee_changed(conn, org_pb2.EmployeeChanged(employee=employee))
    SqlUnitOfWork._direct = _either  # type: ignore[method-assign]
    feedback = servicer(db, CONFIG)
    cpu: dict[str, list[float]] = {p: [] for p in PATHS}
    act_as("ann")
    for i in range(2 * rounds):
        path = PATHS[i % 2]
        through_sqlalchemy[0] = path == PATHS[1]
        started = time.process_time()
        await feedback.GiveFeedback(pb.GiveFeedbackRequest(
            receiver_id="bob", kind=pb.FEEDBACK_KIND_PRAISE, relation=pb.RELATION_PEER, tags=["collaboration"],
            text="Clear hand-over this morning: the customer did not have to repeat anything.", idempotency_key=f"praise-{i}",
        ), None)  # type: ignore[arg-type]
        cpu[path].append(time.process_time() - started)
    await db.dispose()
    medians = {p: round(statistics.median(cpu[p][10:]) * 1000, 3) for p in PATHS}
    return {"cpu_ms_median": medians, "ratio_direct_to_sqlalchemy": round(medians[PATHS[0]] / medians[PATHS[1]], 3), "calls_each": rounds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args()
    url = args.database_url or create_pg_database()
    try:
        figures = asyncio.run(measure(url, args.rounds))
    finally:
        if not args.database_url:
            drop_pg_database(url)
    for path, ms in figures["cpu_ms_median"].items():
        print(f"GiveFeedback, {path:20} {ms:8.3f} ms CPU")
    print(f"direct / SQLAlchemy: {figures['ratio_direct_to_sqlalchemy']:.3f}")
    RESULT.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
