"""The org directory projection (employees, teams) from org.*: manager chains for privacy, the tree for roll-ups."""
from __future__ import annotations

from typing import Any

from paars.org.v1 import org_pb2
from paars_analytics.app import Analytics
from paars_analytics.pipeline import dead_letter
from paars_analytics.translate import DIRECTORY_RECORDS
from paars_platform import registry
from paars_platform.events import UndecodableEvent
from paars_platform.signing import UntrustedEvent


def _newer(current: dict[str, Any] | None, record: dict[str, Any]) -> bool:
    """Compacted topics replay; an older version must not undo a newer one."""
    return current is None or (record["version"], record["at"]) >= (current["version"], current["at"])


def register(ctx: Analytics) -> None:
    @ctx.app.agent(ctx.source_topic(registry.topic_of(org_pb2.EmployeeChanged)), name="paars_analytics.employees")
    async def employee_events(stream: Any) -> None:
        async for event in stream.events():
            await _apply(ctx, event, ctx.employees, DIRECTORY_RECORDS[org_pb2.EmployeeChanged])

    @ctx.app.agent(ctx.source_topic(registry.topic_of(org_pb2.TeamChanged)), name="paars_analytics.teams")
    async def team_events(stream: Any) -> None:
        async for event in stream.events():
            await _apply(ctx, event, ctx.teams, DIRECTORY_RECORDS[org_pb2.TeamChanged])


async def _apply(ctx: Analytics, event: Any, table: Any, to_record: Any) -> None:
    message = event.message
    assert ctx.verifier is not None
    try:
        decoded = ctx.verifier.decode(message.topic, message.key, message.value, message.headers, ctx.expected_type(message.topic))
        record = to_record(decoded)
    except UntrustedEvent as exc:
        # Not signed by goals: applying it could make anyone a manager (and so a reader of feedback).
        await dead_letter(ctx, message, exc.reason, str(exc))
        return
    except UndecodableEvent as exc:
        await dead_letter(ctx, message, "undecodable", str(exc))
        return
    except Exception as exc:
        await dead_letter(ctx, message, "handler-failed", repr(exc)[:500])
        return
    if _newer(table.get(record["id"]), record):
        table[record["id"]] = record
        ctx.directory_version += 1
        ctx.dirty.add(record["id"])
    ctx.processed.labels(message.topic).inc()
