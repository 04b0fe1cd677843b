"""What every feedback use case shares: the reader, the read audit, link tokens, validation helpers."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from paars_feedback.domain.privacy import Reader
from paars_platform.auth import Identity
from paars_platform.errors import Validator

# Re-exported: the handlers take the shared id, e-mail and date rules from here.
from paars_platform.values import EMAIL_PATTERN as EMAIL_PATTERN
from paars_platform.values import ID_PATTERN as ID_PATTERN
from paars_platform.values import parse_date as parse_date
from paars_platform.values import valid_id as valid_id

PRODUCER = "feedback"
MAX_TEXT = 4000
MAX_LIST = 20

Clock = Callable[[], dt.datetime]


def reader_of(caller: Identity) -> Reader:
    return Reader(caller.employee_id, frozenset(caller.roles), caller.kind)


def check_ids(v: Validator, values: Sequence[str], field: str) -> None:
    v.check(len(values) <= MAX_LIST, field, f"at most {MAX_LIST}")
    for i, value in enumerate(values):
        v.check(valid_id(value), f"{field}[{i}]", "is not a valid id")


def check_tags(v: Validator, values: Sequence[str], field: str) -> None:
    v.check(len(values) <= MAX_LIST, field, f"at most {MAX_LIST}")
    for i, value in enumerate(values):
        v.check(0 < len(value.strip()) <= 64, f"{field}[{i}]", "must be 1-64 characters")


# Categories that draw nothing: controls, format characters (zero-width space, joiners, BOM, bidi marks),
# separators, private use, unassigned, and combining marks with nothing to combine with.
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp", "Mn", "Me"})
# Letters and symbols that render as blank space (Hangul fillers, the braille blank, the Khmer inherent vowels).
BLANK_CHARACTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u17b4\u17b5")


def visible(text: str) -> bool:
    """The text has at least one character a reader would see."""
    return any(c not in BLANK_CHARACTERS and unicodedata.category(c) not in INVISIBLE_CATEGORIES for c in text)


def require_text(v: Validator, value: str, field: str, max_length: int = 200) -> bool:
    """Required free text: present, not over max_length, and not made only of invisible characters."""
    if not v.require(value, field, max_length):
        return False
    return v.check(visible(value), field, "has no visible characters")


# What google.protobuf.Timestamp can hold (0001-01-01 to 9999-12-31): anything else is a malformed request.
MIN_TIMESTAMP_SECONDS = -62135596800
MAX_TIMESTAMP_SECONDS = 253402300799


def timestamp_value(v: Validator, value: Any, field: str) -> dt.datetime | None:
    """The Timestamp as an aware datetime, or a violation naming the field when it is out of range."""
    ok = MIN_TIMESTAMP_SECONDS <= value.seconds <= MAX_TIMESTAMP_SECONDS and 0 <= value.nanos <= 999_999_999
    if not v.check(ok, field, "is not a valid time (seconds within years 1-9999, nanos 0-999999999)"):
        return None
    return dt.datetime.fromtimestamp(value.seconds, dt.UTC) + dt.timedelta(microseconds=value.nanos // 1000)


# ---------- single-use link tokens ----------


def new_link_token() -> str:
    """256 random bits: nothing about the request or invitation it opens can be derived from it, nor it from them."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What is stored of a link token: SHA-256 is enough for 256 random bits (nothing to brute-force)."""
    return hashlib.sha256(token.encode()).hexdigest()


def end_of_day(due: dt.date) -> dt.datetime:
    """A due date holds until its end (UTC)."""
    return dt.datetime.combine(due + dt.timedelta(days=1), dt.time(), dt.UTC)


def link_expiry(due: dt.date, now: dt.datetime, max_days: int) -> dt.datetime:
    """A link works until the end of its due date, and never longer than max_days after it was made."""
    return min(end_of_day(due), now + dt.timedelta(days=max_days))


def rater_hash(review_id: str, rater: str) -> str:
    return hashlib.sha256(f"{review_id}\x00{rater}".encode()).hexdigest()


# ---------- the read audit ----------


@dataclass(frozen=True)
class Read:
    subject_id: str
    item_id: str
    basis: str


def audited_reads(reader: Reader, reads: Iterable[Read]) -> list[Read]:
    """The reads the audit records: every read of feedback content, except a person reading what is about themselves."""
    return [r for r in reads if r.subject_id != reader.employee_id]
