"""The org directory (employees, teams) from org.*: manager chains for privacy, the tree for roll-ups.

Every worker keeps the whole directory (privacy checks and team rules need anyone's manager chain, whichever
worker holds the person): it reads both compacted org topics itself (``directory_replica``, see replica.py), not
through the consumer group. The group's agents only dead-letter what the read model skips (a record not signed by
goals, or one that does not decode), so each bad record is dead-lettered once, by the owner of its partition.
"""
from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import Any

from paars.org.v1 import org_pb2
from paars_analytics.app import Analytics
from paars_analytics.pipeline import dead_letter
from paars_analytics.replica import TopicReplica
from paars_analytics.translate import DIRECTORY_RECORDS
from paars_platform import registry
from paars_platform.events import UndecodableEvent
from paars_platform.signing import UntrustedEvent

EMPLOYEE_TOPIC = registry.topic_of(org_pb2.EmployeeChanged)
# Called with a person's id when a directory replica of this process applies their erasure: the query API's KeyRing
# forgets their keys at once (api/grpc.py), so no answer decrypts their words from its cache for the 5 minutes of
# its time to live. Process-wide: a second worker in the same process (tests) only costs a key fetch.
ON_ERASED: list[Callable[[str], None]] = []
TEAM_TOPIC = registry.topic_of(org_pb2.TeamChanged)


def _newer(current: dict[str, Any] | None, record: dict[str, Any]) -> bool:
    """Compacted topics replay; an older version must not undo a newer one."""
    return current is None or (record["version"], record["at"]) >= (current["version"], current["at"])


def _decode(ctx: Analytics, topic: str, key: bytes | None, value: bytes | None, headers: Any, to_record: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    """The directory record in a record: raises UntrustedEvent (not signed by goals: applying it could make anyone a
    manager, and so a reader of feedback), UndecodableEvent, or whatever the translation raised."""
    assert ctx.verifier is not None
    return to_record(ctx.verifier.decode(topic, key, value, headers, ctx.expected_type(topic)))


def _write(ctx: Analytics, table: MutableMapping[str, Any], record: dict[str, Any]) -> bool:
    if not _newer(table.get(record["id"]), record):
        return False
    table[record["id"]] = record
    ctx.directory_version += 1
    ctx.dirty.add(record["id"])
    if record.get("erased"):
        for hook in list(ON_ERASED):
            hook(record["id"])
    return True


async def _checked(ctx: Analytics, event: Any, to_record: Callable[[Any], dict[str, Any]]) -> dict[str, Any] | None:
    """The record, or None once the Faust event went to the dead-letter topic."""
    message = event.message
    try:
        return _decode(ctx, message.topic, message.key, message.value, message.headers, to_record)
    except UntrustedEvent as exc:
        await dead_letter(ctx, message, exc.reason, str(exc))
    except UndecodableEvent as exc:
        await dead_letter(ctx, message, "undecodable", str(exc))
    except Exception as exc:
        await dead_letter(ctx, message, "handler-failed", repr(exc)[:500])
    return None


async def _apply(ctx: Analytics, event: Any, table: MutableMapping[str, Any], to_record: Callable[[Any], dict[str, Any]]) -> None:
    """One directory event checked and, when genuine and newer, written (the rule the read model applies)."""
    record = await _checked(ctx, event, to_record)
    if record is not None:
        _write(ctx, table, record)
        ctx.processed.labels(event.message.topic).inc()


def directory_replica(ctx: Analytics) -> TopicReplica:
    """This worker's copy of the whole directory, read from the org topics into ``ctx.employees`` and ``ctx.teams``."""

    def applier(table: MutableMapping[str, Any], to_record: Callable[[Any], dict[str, Any]]) -> Callable[[Any], None]:
        def apply(record: Any) -> None:
            try:
                found = _decode(ctx, record.topic, record.key, record.value, record.headers, to_record)
            except Exception:
                return  # dead-lettered by the partition's owner in the group (_checked)
            _write(ctx, table, found)

        return apply

    return TopicReplica(ctx.config.settings, {
        EMPLOYEE_TOPIC: applier(ctx.employees, DIRECTORY_RECORDS[org_pb2.EmployeeChanged]),
        TEAM_TOPIC: applier(ctx.teams, DIRECTORY_RECORDS[org_pb2.TeamChanged]),
    }, name="directory")


def register(ctx: Analytics) -> None:
    @ctx.app.agent(ctx.source_topic(EMPLOYEE_TOPIC), name="paars_analytics.employees")
    async def employee_events(stream: Any) -> None:
        async for event in stream.events():
            if await _checked(ctx, event, DIRECTORY_RECORDS[org_pb2.EmployeeChanged]) is not None:
                ctx.processed.labels(event.message.topic).inc()

    @ctx.app.agent(ctx.source_topic(TEAM_TOPIC), name="paars_analytics.teams")
    async def team_events(stream: Any) -> None:
        async for event in stream.events():
            if await _checked(ctx, event, DIRECTORY_RECORDS[org_pb2.TeamChanged]) is not None:
                ctx.processed.labels(event.message.topic).inc()
