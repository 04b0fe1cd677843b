"""What one SCIM write costs as the directory grows (issue 18 item 2): in process, through goals' provisioning use
cases over the SQL unit of work (no HTTP, no broker), at each directory size a fresh database seeded with that many
provisioned people (a manager tree of fan-out 8, eight departments, a role group of five), then `--writes` times each write
a provider sends: create a User (with manager and department), replace one (a new name), deactivate one
(active=false), add a member to a Group. Prints, and writes to bench/results/scim_write_cost.<database>.json, the median
wall-clock milliseconds and SQL statements per write, and each size's figure as a ratio to the smallest size's of
the same run (the machine is shared: compare ratios, not milliseconds across runs). Not a test.

    .venv/bin/python bench/scim_write_cost.py [--sizes 100,1000,2000] [--writes 30] [--postgresql]
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import pathlib
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import event

from paars.org.v1 import org_pb2
from paars_goals.adapters.sql_unit_of_work import SqlUnitOfWork
from paars_goals.bootstrap import MIGRATIONS
from paars_goals.domain.scim import ENTERPRISE, GROUP, USER, ScimResource
from paars_goals.service_layer.scim_handlers import Outcome, Provisioning
from paars_platform.db import Database, migrate

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from tests.conftest import create_pg_database, drop_pg_database  # the tests' fresh-database helpers

RESULTS = pathlib.Path(__file__).parent / "results"
PROVISIONING = Provisioning({"paars hr": org_pb2.ROLE_HR})
WRITES = ("create_user", "replace_user", "deactivate_user", "add_group_member")
DEPARTMENTS = 8


def user_body(uid: str, manager: str, department: str, name: str | None = None, *, active: bool = True) -> dict[str, Any]:
    extension: dict[str, Any] = {"department": department}
    if manager:
        extension["manager"] = {"value": manager}
    return {
        "userName": uid, "displayName": name or f"Person {uid}", "emails": [{"value": f"{uid}@example.org", "primary": True}],
        "active": active, ENTERPRISE: extension,
    }


def manager_of(i: int) -> str:
    return f"p{(i - 1) // 8:05d}" if i else ""


async def seed(db: Database, size: int) -> None:
    """`size` people provisioned as one import (the bench's set-up, not what it measures) and a role group."""
    now = dt.datetime.now(dt.UTC)
    async with SqlUnitOfWork(db, lambda: now) as uow:
        ids = [f"p{i:05d}" for i in range(size)]
        for i, uid in enumerate(ids):
            await uow.scim.add(ScimResource(USER, uid, user_body(uid, manager_of(i), f"Department {i % DEPARTMENTS}"), 1, now, now))
        await PROVISIONING._sync(uow, ids)  # one import of everyone, as a first push ends
        # The same five members at every size: the Group's own size is not the directory's.
        members = [{"value": uid} for uid in ids[:5]]
        await uow.scim.add(ScimResource(GROUP, "group-hr", {"displayName": "Paars HR", "members": members}, 1, now, now))
        await uow.commit()


class Statements:
    def __init__(self, db: Database) -> None:
        self.count = 0
        event.listen(db.engine.sync_engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args: Any) -> None:
        self.count += 1


async def timed(db: Database, statements: Statements, action: Callable[[SqlUnitOfWork], Awaitable[Outcome]]) -> tuple[float, float, int]:
    """Wall-clock and CPU milliseconds (this process, SQLite's thread included) and statements of one write."""
    before = statements.count
    start, cpu = time.perf_counter(), time.process_time()
    async with SqlUnitOfWork(db, lambda: dt.datetime.now(dt.UTC)) as uow:
        await action(uow)
        await uow.commit()
    return (time.perf_counter() - start) * 1000, (time.process_time() - cpu) * 1000, statements.count - before


async def measure(url: str, size: int, writes: int) -> dict[str, dict[str, float]]:
    await migrate(url, MIGRATIONS)
    db = Database(url)
    try:
        await seed(db, size)
        statements = Statements(db)
        samples: dict[str, list[tuple[float, float, int]]] = {w: [] for w in WRITES}
        for n in range(writes):
            new = f"new{n:04d}"
            existing = f"p{(n * 37 + 11) % size:05d}"
            leaver = f"p{(n * 53 + 7) % size:05d}"
            samples["create_user"].append(await timed(db, statements, lambda u, new=new, n=n: PROVISIONING.create(
                u, USER, user_body(new, manager_of(size // 2), f"Department {n % DEPARTMENTS}"),
            )))

            async def replace(u: SqlUnitOfWork, uid: str = existing, n: int = n) -> Outcome:
                old = await PROVISIONING.get(u, USER, uid)
                body = {**old.body, "displayName": f"Renamed {uid} {n}"}
                return await PROVISIONING.replace(u, USER, uid, body)

            async def deactivate(u: SqlUnitOfWork, uid: str = leaver) -> Outcome:
                old = await PROVISIONING.get(u, USER, uid)
                return await PROVISIONING.replace(u, USER, uid, {**old.body, "active": False})

            async def add_member(u: SqlUnitOfWork, uid: str = new) -> Outcome:
                # The newest member replaces the one added before (the group stays at six).
                group = await PROVISIONING.get(u, GROUP, "group-hr")
                return await PROVISIONING.replace(u, GROUP, group.id, {**group.body, "members": [*group.body["members"][:5], {"value": uid}]})

            samples["replace_user"].append(await timed(db, statements, replace))
            samples["deactivate_user"].append(await timed(db, statements, deactivate))
            samples["add_group_member"].append(await timed(db, statements, add_member))
        return {
            w: {
                "ms": round(statistics.median(s[0] for s in samples[w]), 2), "cpu_ms": round(statistics.median(s[1] for s in samples[w]), 2),
                "statements": statistics.median(s[2] for s in samples[w]),
            }
            for w in WRITES
        }
    finally:
        await db.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100,1000,2000")
    parser.add_argument("--writes", type=int, default=30)
    parser.add_argument("--postgresql", action="store_true", help="a fresh PostgreSQL database per size (PAARS_TEST_PG_DSN, as the tests); default a fresh SQLite file")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    results: dict[int, dict[str, dict[str, float]]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for size in sizes:
            if not args.postgresql:
                results[size] = await measure(f"sqlite+aiosqlite:///{folder}/scim-{size}.db", size, args.writes)
                continue
            url = await asyncio.to_thread(create_pg_database)
            try:
                results[size] = await measure(url, size, args.writes)
            finally:
                await asyncio.to_thread(drop_pg_database, url)
    base = results[sizes[0]]
    print("median per write: wall ms (ratio to the smallest size), CPU ms (ratio), SQL statements")
    print(f"{'people':>7} " + " ".join(f"{w:>38}" for w in WRITES))
    for size in sizes:
        cells = [
            f"{r['ms']:7.2f} (x{r['ms'] / b['ms']:4.2f}) {r['cpu_ms']:6.2f} (x{r['cpu_ms'] / b['cpu_ms']:4.2f}) {r['statements']:3.0f}"
            for r, b in ((results[size][w], base[w]) for w in WRITES)
        ]
        print(f"{size:>7} " + " ".join(f"{c:>38}" for c in cells))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"scim_write_cost.{'postgresql' if args.postgresql else 'sqlite'}.json").write_text(json.dumps({
        "database": "postgresql" if args.postgresql else "sqlite",
        "writes_per_kind": args.writes,
        "by_size": {
            str(size): {
                w: {
                    **results[size][w], "ratio_to_smallest": round(results[size][w]["ms"] / base[w]["ms"], 2),
                    "cpu_ratio_to_smallest": round(results[size][w]["cpu_ms"] / base[w]["cpu_ms"], 2),
                } for w in WRITES
            } for size in sizes
        },
    }, indent=2) + "\n")


if __name__ == "__main__":
    asyncio.run(main())
