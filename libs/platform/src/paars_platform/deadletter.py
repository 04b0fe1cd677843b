"""The one dead-letter writer: what a consumer could not decode or process becomes a record for
``<service>.dead-letter.v1`` with the original bytes and headers, and the reason in dlq_* headers."""
from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from paars_platform.events import Headers, header

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
class DeadLetter:
    topic: str
    key: bytes | None
    value: bytes | None
    headers: Headers


def dead_letter_topic(service: str) -> str:
    return f"{service}.dead-letter.v1"


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
