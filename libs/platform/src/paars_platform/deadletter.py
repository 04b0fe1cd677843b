"""The one dead-letter writer: what a consumer could not decode or process becomes a record for
``<service>.dead-letter.v1`` with the original bytes and headers, and the reason in dlq_* headers.

The inbox sends its dead letters to the broker at once (the record was never applied, nothing to be atomic with).
A consumer that kept a record and fails it later, inside a transaction of its own (notifications' parked events),
writes the dead letter to its outbox instead (as_record, outbox.append_records): it is published only if that
transaction commits, and then surely."""
from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from prometheus_client import Counter

from paars_platform import metrics
from paars_platform.events import Headers, Record, header

log = logging.getLogger("paars.dead_letter")

# A record value above this is cut: the dead letter must fit the broker's message size, or the consumer
# could never move on (the cut keeps the start, enough to see what the record was).
MAX_VALUE_BYTES = 900_000


class ConsumedRecord(Protocol):
    """An aiokafka ConsumerRecord or a Faust Message: the attributes a dead letter reads."""

    @property
    def topic(self) -> str: ...
    @property
    def partition(self) -> int: ...
    @property
    def offset(self) -> int: ...
    @property
    def key(self) -> bytes | None: ...
    @property
    def value(self) -> bytes | None: ...
    @property
    def headers(self) -> Iterable[tuple[str, bytes]] | Mapping[str, bytes] | None: ...


@dataclass(frozen=True)
class KeptRecord:
    """A record a consumer kept past its transaction and processes later (notifications' parked events), as a dead
    letter reads it: partition and offset are -1, the record's offsets having been committed when it was kept."""

    topic: str
    key: bytes | None
    value: bytes | None
    headers: Headers
    partition: int = -1
    offset: int = -1


@dataclass(frozen=True)
class DeadLetter:
    topic: str
    key: bytes | None
    value: bytes | None
    headers: Headers

    def as_record(self) -> Record:
        """The dead letter as an outbox record (outbox.append_records), under an id of its own: the original
        event's id stays in its ce_id header, and the same event dead-lettered again (replayed, failing again)
        is a second row, not a conflict."""
        return Record(self.topic, self.key or b"", self.value or b"", list(self.headers), uuid.uuid4().hex)


_SUFFIX = ".dead-letter.v1"
# The reason of a record whose handler raised (the inbox's, and a kept record's that fails later).
HANDLER_FAILED = "handler-failed"


def counter(service: str) -> Counter:
    """``paars_<service>_dead_letters_total{topic,reason}``: the records a service sent to its dead-letter topic,
    whichever of its paths sent them (the inbox; notifications' parked events)."""
    return metrics.counter(f"paars_{service}_dead_letters_total", "Records sent to the dead-letter topic.", ("topic", "reason"))


def dead_letter_topic(service: str) -> str:
    return f"{service}{_SUFFIX}"


def source_topic(topic: str, headers: Iterable[tuple[str, bytes]]) -> str:
    """For a record of a dead-letter topic, the topic its value came from (dlq_source_topic); else ""."""
    return header(headers, "dlq_source_topic") if topic.endswith(_SUFFIX) else ""


def dead_letter(record: ConsumedRecord, reason: str, detail: str, *, service: str, consumer: str) -> DeadLetter:
    """The dead letter of a record (logged as it is made); the caller sends it and counts it."""
    raw = record.headers
    original: Headers = list(raw.items() if isinstance(raw, Mapping) else (raw or ()))
    headers = [
        *original,
        ("dlq_reason", reason.encode()),
        ("dlq_detail", detail.encode(errors="replace")),
        ("dlq_source_topic", record.topic.encode()),
        ("dlq_source_partition", str(record.partition).encode()),
        ("dlq_source_offset", str(record.offset).encode()),
        ("dlq_consumer", consumer.encode()),
    ]
    log.warning(
        "dead-lettered a record",
        extra={"topic": record.topic, "offset": record.offset, "reason": reason, "detail": detail[:200], "ce_id": header(original, "ce_id")},
    )
    value = record.value if record.value is None or len(record.value) < MAX_VALUE_BYTES else record.value[:MAX_VALUE_BYTES]
    return DeadLetter(dead_letter_topic(service), record.key, value, headers)
