"""What every feedback use case shares: the reader, the read audit, link tokens, validation helpers."""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from google.protobuf.message import Message
from paars_platform.auth import Identity
from paars_platform.db import Database, utcnow
from paars_platform.errors import Validator
from paars_platform.idempotency import run_once
from sqlalchemy.ext.asyncio import AsyncConnection

from paars_feedback.adapters import directory
from paars_feedback.adapters import tables as t
from paars_feedback.config import FeedbackConfig
from paars_feedback.domain.privacy import Reader, Ties, ties_of

PRODUCER = "feedback"
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_TEXT = 4000
MAX_LIST = 20

R = TypeVar("R", bound=Message)
Clock = Callable[[], dt.datetime]


def valid_id(value: str) -> bool:
    return bool(ID_PATTERN.match(value))


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


def parse_date(value: str, field: str, v: Validator, *, required: bool = True) -> dt.date | None:
    if not value:
        v.check(not required, field, "is required (YYYY-MM-DD)")
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        v.check(False, field, "must be a date YYYY-MM-DD")
        return None


def enum_ok(value: int, allowed: Iterable[int]) -> bool:
    return value in set(allowed)


# ---------- single-use link tokens ----------


def link_token(secret: bytes, purpose: str, item_id: str) -> str:
    """Derived from a random item id with a server secret: the token is never stored, only its hash,
    yet a retried call (idempotency key) returns the same token again."""
    mac = hmac.new(secret, f"{purpose}:{item_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def rater_hash(review_id: str, rater: str) -> str:
    return hashlib.sha256(f"{review_id}\x00{rater}".encode()).hexdigest()


# ---------- the read audit ----------


@dataclass(frozen=True)
class Read:
    subject_id: str
    item_id: str
    basis: str


async def record_reads(conn: AsyncConnection, reader: Reader, reads: Iterable[Read], path: str) -> None:
    """Every read of feedback content, except a person reading what is about themselves."""
    now = utcnow()
    rows = [
        {"subject_id": r.subject_id, "reader_id": reader.employee_id, "reader_role": r.basis, "item_id": r.item_id, "path": path, "read_at": now}
        for r in reads
        if r.subject_id != reader.employee_id
    ]
    if rows:
        await conn.execute(t.content_reads.insert(), rows)


class Base:
    """Database, settings and clock, shared by the handler groups."""

    def __init__(self, db: Database, config: FeedbackConfig, clock: Clock | None = None) -> None:
        self.db = db
        self.config = config
        self.clock = clock or utcnow

    async def once(self, caller_key: str, key: str, method: str, request: Message, response_type: type[R], work: Callable[[AsyncConnection], Awaitable[R]]) -> R:
        return await run_once(
            self.db, t.platform["idempotency_keys"], caller=caller_key, key=key, method=method,
            request=request, response_type=response_type, work=work,
        )


async def ties_for(
    conn: AsyncConnection,
    reader: Reader,
    subject_id: str,
    *,
    author_id: str = "",
    share: tuple[str, str] | None = None,
    participants: Iterable[str] = (),
) -> Ties:
    """The reader's ties to the subject, from the org projection and the person's coach shares."""
    if not reader.is_person:
        return Ties()
    chain = await directory.manager_chain(conn, subject_id)
    coach = await directory.coach_of(conn, subject_id)
    shared = share is not None and coach == reader.employee_id and await directory.is_shared(conn, subject_id, *share)
    return ties_of(
        reader.employee_id, subject_id=subject_id, author_id=author_id, manager_chain=chain,
        coach_id=coach, shared=shared, participants=participants,
    )
