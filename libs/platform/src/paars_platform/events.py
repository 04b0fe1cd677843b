"""Event envelope: EventMetadata, Kafka record key/value, CloudEvents 1.0 binary-mode headers, decoding."""
from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from google.protobuf import message as pb_message
from google.protobuf import symbol_database
from google.protobuf.timestamp_pb2 import Timestamp

# Importing the generated modules registers every message type in the default pool.
from paars.analytics.v1 import analytics_pb2  # noqa: F401
from paars.common.v1 import event_pb2
from paars.conversations.v1 import conversations_pb2  # noqa: F401
from paars.feedback.v1 import feedback_pb2  # noqa: F401
from paars.goals.v1 import goals_pb2  # noqa: F401
from paars.notifications.v1 import notifications_pb2  # noqa: F401
from paars.org.v1 import org_pb2  # noqa: F401
from paars.story.v1 import story_pb2  # noqa: F401
from paars_platform.logs import correlation_id
from paars_platform.topics import topic_for_message

CONTENT_TYPE = "application/x-protobuf"
Headers = list[tuple[str, bytes]]


class UndecodableEvent(Exception):
    """A record that is not a Paars event this consumer can read (the reason goes to the dead-letter topic)."""


@dataclass(frozen=True)
class Record:
    topic: str
    key: bytes
    value: bytes
    headers: Headers
    event_id: str


def now_timestamp() -> Timestamp:
    ts = Timestamp()
    ts.GetCurrentTime()
    return ts


def timestamp(at: dt.datetime) -> Timestamp:
    ts = Timestamp()
    ts.FromDatetime(at.astimezone(dt.UTC) if at.tzinfo else at.replace(tzinfo=dt.UTC))
    return ts


def new_metadata(
    *,
    producer: str,
    subject_id: str,
    visibility: int,
    actor_id: str = "",
    causation_id: str = "",
    occurred_at: dt.datetime | None = None,
    event_id: str | None = None,
) -> event_pb2.EventMetadata:
    return event_pb2.EventMetadata(
        event_id=event_id or str(uuid.uuid4()),
        occurred_at=timestamp(occurred_at) if occurred_at else now_timestamp(),
        producer=producer,
        correlation_id=correlation_id.get(),
        subject_id=subject_id,
        visibility=visibility,  # type: ignore[arg-type]
        actor_id=actor_id,
        causation_id=causation_id,
    )


def to_record(event: pb_message.Message) -> Record:
    """Topic from the registry, key = subject id, CloudEvents headers from the metadata."""
    meta: event_pb2.EventMetadata = event.metadata  # type: ignore[attr-defined]
    if not meta.event_id or not meta.subject_id:
        raise ValueError("an event needs metadata.event_id and metadata.subject_id")
    full_name = event.DESCRIPTOR.full_name
    topic = topic_for_message(full_name)
    occurred = meta.occurred_at.ToDatetime(tzinfo=dt.UTC).isoformat().replace("+00:00", "Z")
    headers: Headers = [
        ("ce_specversion", b"1.0"),
        ("ce_id", meta.event_id.encode()),
        ("ce_type", full_name.encode()),
        ("ce_source", f"/paars/{meta.producer or 'unknown'}".encode()),
        ("ce_time", occurred.encode()),
        ("ce_subject", meta.subject_id.encode()),
        ("content-type", CONTENT_TYPE.encode()),
    ]
    if meta.correlation_id:
        headers.append(("ce_correlationid", meta.correlation_id.encode()))
    return Record(topic.name, meta.subject_id.encode(), event.SerializeToString(), headers, meta.event_id)


def header(headers: Iterable[tuple[str, bytes | None]] | None, name: str) -> str:
    for key, value in headers or ():
        if key == name and value is not None:
            return value.decode(errors="replace")
    return ""


def message_class(full_name: str) -> type[pb_message.Message]:
    try:
        return symbol_database.Default().GetSymbol(full_name)
    except KeyError:
        raise UndecodableEvent(f"unknown event type {full_name!r}") from None


def decode(value: bytes | None, headers: Sequence[tuple[str, bytes | None]] | None, expected_type: str = "") -> pb_message.Message:
    """The event in a record; raises UndecodableEvent with a reason fit for a dead-letter header."""
    ce_type = header(headers, "ce_type") or expected_type
    if not ce_type:
        raise UndecodableEvent("missing ce_type header")
    if expected_type and ce_type != expected_type:
        raise UndecodableEvent(f"unexpected ce_type {ce_type!r}, expected {expected_type!r}")
    if value is None:
        raise UndecodableEvent("empty record value")
    cls = message_class(ce_type)
    event = cls()
    try:
        event.ParseFromString(value)
    except pb_message.DecodeError as exc:
        raise UndecodableEvent(f"value is not a valid {ce_type}: {exc}") from None
    meta = getattr(event, "metadata", None)
    if meta is None or not meta.event_id:
        raise UndecodableEvent(f"{ce_type} without metadata.event_id")
    return event
