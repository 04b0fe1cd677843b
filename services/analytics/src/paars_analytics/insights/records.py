"""Insight records as stored in the insights table, and their protobuf form."""
from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from typing import Any

from paars.analytics.v1 import analytics_pb2 as pb
from paars.common.v1 import event_pb2
from paars_analytics.signals.insights import Candidate
from paars_platform.events import new_metadata, timestamp

NAMESPACE = uuid.UUID("6f1c7a52-2b1e-4d0e-9a55-0a7c1b6e4e11")
HISTORY = 20


def new_insight(candidate: dict[str, Any], detected_at: float) -> dict[str, Any]:
    """The stored insight; its id is derived from the command, so a redelivered command yields the same insight."""
    ident = uuid.uuid5(NAMESPACE, f"{candidate['kind']}|{candidate['subject_id']}|{detected_at:.6f}")
    return {**candidate, "id": str(ident), "detected_at": detected_at, "open": True,
            "evidence": list(candidate["evidence"]), "actors": list(candidate["actors"])}


_CANDIDATE_FIELDS = tuple(f.name for f in dataclasses.fields(Candidate))


def candidate_dict(candidate: Candidate) -> dict[str, Any]:
    """The candidate as an open command carries it: what ``dataclasses.asdict`` gives, without its recursive copy
    (a tenth of the worker's CPU in the throughput bench's profile). The fields are strings and tuples of strings,
    which need no copy; params is copied."""
    out = {name: getattr(candidate, name) for name in _CANDIDATE_FIELDS}
    out["params"] = dict(candidate.params)
    return out


def to_proto(insight: dict[str, Any]) -> pb.Insight:
    return pb.Insight(
        id=insight["id"],
        kind=pb.InsightKind.Value(f"INSIGHT_KIND_{insight['kind']}"),
        severity=pb.Severity.Value(f"SEVERITY_{insight['severity'].upper()}"),
        subject_id=insight["subject_id"],
        team_id=insight["team_id"],
        reason=insight["reason"],
        evidence_event_ids=insight["evidence"],
        actors=insight["actors"],
        suggested_action=insight["suggested_action"],
        detected_at=timestamp(dt.datetime.fromtimestamp(insight["detected_at"], dt.UTC)),
        open=insight["open"],
        # Insights stored before params existed have none: readers fall back to the English reason.
        params=insight.get("params") or {},
    )


def detected_event(insight: dict[str, Any]) -> pb.InsightDetected:
    team_level = insight["subject_id"] == insight["team_id"]
    visibility = event_pb2.VISIBILITY_INTERNAL if team_level else event_pb2.VISIBILITY_RECEIVER_AND_MANAGER
    meta = new_metadata(
        producer="analytics", subject_id=insight["subject_id"], visibility=visibility,
        occurred_at=dt.datetime.fromtimestamp(insight["detected_at"], dt.UTC), event_id=insight["id"],
        causation_id=insight["evidence"][-1] if insight["evidence"] else "",
    )
    return pb.InsightDetected(metadata=meta, insight=to_proto(insight))


def empty_record() -> dict[str, Any]:
    return {"open": {}, "history": []}


def close(record: dict[str, Any], kind: str, why: str, at: float) -> bool:
    insight = record["open"].pop(kind, None)
    if insight is None:
        return False
    insight = dict(insight, open=False, closed_at=at, closed_because=why)
    record["history"] = [*record["history"], insight][-HISTORY:]
    return True
