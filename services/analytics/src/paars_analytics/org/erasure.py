"""Erasure in analytics (issue 18 item 4): when goals erases a person (CHANGE_ERASED on org.employee-changed.v1),
the worker that owns the person's partition drops what analytics keeps about them: their state in the people table,
their insights and their story alignment record, each with a tombstone on the table's changelog. Team figures
already counted stay (nobody is in them by name, and k-anonymity still hides a team under k). The directory
replica keeps the erased record (id, manager, team, inactive, no name): GetErasureStatus answers from it."""
from __future__ import annotations

import logging
from typing import Any

from paars.org.v1 import org_pb2
from paars_analytics.app import Analytics
from paars_analytics.faust_seam import no_table_partition, table_partition
from paars_analytics.org.agents import EMPLOYEE_TOPIC, _checked
from paars_analytics.translate import DIRECTORY_RECORDS

log = logging.getLogger("paars.analytics.erasure")
# The tables keyed by a person's id other than the people state (api/person_data.PERSON_TABLES names them all).
KEYED_TABLES = ("insights", "story_alignment")


def forget(ctx: Analytics, person: str, partition: int) -> dict[str, int]:
    """Drops the person from every table keyed by them (on the partition their records live in); what went."""
    dropped = {"state": int(ctx.state.forget(person, partition))}
    for name in KEYED_TABLES:
        table = getattr(ctx, name, None)
        if table is None:
            continue
        try:
            table_partition(ctx.state.source_topic, partition)
            had = table.get(person) is not None
            if had:
                del table[person]
        finally:
            no_table_partition()
        dropped[name] = int(had)
    ctx.dirty.add(person)
    log.info("person erased", extra={"subject_id": person, "dropped": dropped})
    return dropped


def register(ctx: Analytics) -> None:
    @ctx.app.agent(ctx.source_topic(EMPLOYEE_TOPIC), name="paars_analytics.erasures")
    async def erasures(stream: Any) -> None:
        async for event in stream.events():
            record = await _checked(ctx, event, DIRECTORY_RECORDS[org_pb2.EmployeeChanged])
            if record is not None and record.get("erased"):
                forget(ctx, record["id"], event.message.partition)
