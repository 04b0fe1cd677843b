"""What analytics holds about one person (issue 18 item 3), served as paars.privacy.v1.PersonalData beside the
AnalyticsService: their directory record as analytics keeps it, their counted state and the signals computed from
it (30 and 90 days), the insights about them (open and past), their story alignment record, and the Kafka topics
that hold it (the tables' changelogs, keyed by their id, and the insights published about them).

Analytics has no database: an HR export is recorded as an audit log line ("privileged action") and a metric,
not in a store the person can list; ListPrivilegedActions answers an empty list here (docs/privacy.md)."""
from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import grpc
import msgspec

from paars.privacy.v1 import privacy_pb2 as pb
from paars.privacy.v1 import privacy_pb2_grpc
from paars_analytics.signals.person import compute_signals
from paars_analytics.signals.state import DAY_COUNTERS, Day, new_state
from paars_platform.auth import require_person
from paars_platform.data_rights import EXPORTS, HR_ROLES, ExportPersonData, PersonDataExport, jsonable, require_hr, starts_in_goals
from paars_platform.errors import InvalidArgument, PermissionDenied

log = logging.getLogger("paars.analytics.privacy")
INSIGHT_TOPIC = "analytics.insight-detected.v1"
# The tables keyed by a person's id, whose changelog topics therefore hold records about them.
PERSON_TABLES = ("people", "employees", "insights", "story_alignment")


def _named(value: Any) -> Any:
    """A stored state (msgspec structs kept as arrays) with its fields named, for people to read."""
    if isinstance(value, msgspec.Struct):
        return {f: _named(getattr(value, f)) for f in value.__struct_fields__}
    if isinstance(value, Day):
        return {f: _named(getattr(value, f)) for f in ("day", "received", "delays", *DAY_COUNTERS)}
    if isinstance(value, dict):
        return {str(k): _named(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_named(v) for v in value]
    return value


def _changelog(table: Any) -> str:
    topic = getattr(table, "changelog_topic", None)
    try:
        return str(topic.get_topic_name()) if topic is not None else ""
    except Exception:  # a table without a changelog (tests' plain dicts)
        return ""


def export_data(ctx: Any, person: str) -> dict[str, Any]:
    """Everything analytics holds about the person, as JSON-ready lists."""
    employee = ctx.employees.get(person)
    # What every replica holds (app.ReadModel), so any replica exports the same; without one, this worker's tables.
    read = getattr(ctx, "read", None)
    state = (read.people if read is not None else ctx.state).get(person)
    coach = str((employee or {}).get("coach_id", ""))
    signals = [dict(compute_signals(state or new_state(), ctx.now(), window, coach), window_days=window, employee_id=person) for window in (30, 90)] if (state or employee) else []
    record = (read.insights if read is not None else ctx.insights).get(person) or {}
    insights = list((record.get("open") or {}).values()) + list(record.get("history") or [])
    alignments = read.story_alignment if read is not None else getattr(ctx, "story_alignment", None)
    alignment = alignments.get(person) if alignments is not None else None
    tables = {"people": ctx.people, "employees": ctx.employees, "insights": ctx.insights, "story_alignment": getattr(ctx, "story_alignment", None)}
    topics = sorted({t for t in (_changelog(tables[name]) for name in PERSON_TABLES if tables.get(name) is not None) if t})
    events = [{"topic": INSIGHT_TOPIC, "type": "paars.analytics.v1.InsightDetected", "insight": i.get("kind", ""), "created_at": i.get("detected_at", "")} for i in insights]
    return jsonable({
        "directory": [employee] if employee else [],
        "state": [_named(state)] if state is not None else [],
        "signals": signals,
        "insights": insights,
        "story_alignment": [alignment] if alignment else [],
        "changelog_topics": topics,
        "events": events,
        "privileged_actions": [],
    })


class AnalyticsPersonalData(privacy_pb2_grpc.PersonalDataServicer):
    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx

    async def ExportPersonData(self, request: pb.ExportPersonDataRequest, context: grpc.aio.ServicerContext[Any, Any]) -> pb.PersonDataExport:
        query = ExportPersonData(require_person(), request.person_id, request.reason)
        query.check()
        if query.basis == "hr":
            log.warning("privileged action", extra={"action": "export", "actor_id": query.caller.employee_id, "subject_id": query.subject, "reason": query.reason})
        data = export_data(self.ctx, query.subject)
        EXPORTS.labels("analytics", query.basis).inc()
        return PersonDataExport("analytics", query.subject, data).to_proto()

    async def ListPrivilegedActions(
        self, request: pb.ListPrivilegedActionsRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.ListPrivilegedActionsResponse:
        """None that analytics could list: it keeps no audit of its own (its HR exports are audit log lines)."""
        caller = require_person()
        subject = request.person_id or caller.employee_id
        if subject != caller.employee_id and not caller.has(*HR_ROLES):
            raise PermissionDenied("only the person themselves or HR may read the audit about a person")
        return pb.ListPrivilegedActionsResponse()

    # Erasure (issue 18 item 4): it starts in goals; analytics drops the person's state when goals' CHANGE_ERASED
    # reaches it (org/erasure.py) and answers the status from its directory record and its tables.

    async def ErasePerson(self, request: pb.ErasePersonRequest, context: grpc.aio.ServicerContext[Any, Any]) -> pb.ErasureStatus:
        raise starts_in_goals(require_person())

    async def PlaceLegalHold(self, request: pb.PlaceLegalHoldRequest, context: grpc.aio.ServicerContext[Any, Any]) -> pb.LegalHold:
        raise starts_in_goals(require_person())

    async def ReleaseLegalHold(self, request: pb.ReleaseLegalHoldRequest, context: grpc.aio.ServicerContext[Any, Any]) -> pb.LegalHold:
        raise starts_in_goals(require_person())

    async def ListLegalHolds(self, request: pb.ListLegalHoldsRequest, context: grpc.aio.ServicerContext[Any, Any]) -> pb.ListLegalHoldsResponse:
        raise starts_in_goals(require_person())

    async def GetErasureStatus(self, request: pb.GetErasureStatusRequest, context: grpc.aio.ServicerContext[Any, Any]) -> pb.ErasureStatus:
        require_hr(require_person())
        person = request.person_id
        if not person:
            raise InvalidArgument("person_id", "is required")
        return erasure_status(self.ctx, person)


def erasure_status(ctx: Any, person: str) -> pb.ErasureStatus:
    """Erased once the directory's record says so and no table keyed by the person holds them any more (as this
    worker reads them); analytics keeps nothing under a legal hold (its figures per person are recomputed)."""
    record = ctx.employees.get(person) or {}
    read = getattr(ctx, "read", None)
    tables = {
        "state": read.people if read is not None else ctx.state,
        "insights": read.insights if read is not None else ctx.insights,
        "story_alignment": read.story_alignment if read is not None else getattr(ctx, "story_alignment", None),
    }
    left = [name for name, table in tables.items() if table is not None and table.get(person) is not None]
    if not record.get("erased") or left:
        return pb.ErasureStatus(service="analytics", person_id=person, state=pb.ErasureStatus.STATE_NOT_ERASED)
    at = dt.datetime.fromtimestamp(float(record.get("at", 0.0)), dt.UTC).isoformat()
    return pb.ErasureStatus(service="analytics", person_id=person, state=pb.ErasureStatus.STATE_ERASED, erased_at=at)
