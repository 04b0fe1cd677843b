"""Idempotency keys: a mutating call retried with the same key returns the first answer and changes nothing twice."""
from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import TypeVar

import sqlalchemy as sa
from google.protobuf.message import Message
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from paars_platform.db import Database, utcnow
from paars_platform.errors import InvalidArgument

R = TypeVar("R", bound=Message)


async def run_once(
    db: Database,
    table: sa.Table,
    *,
    caller: str,
    key: str,
    method: str,
    request: Message,
    response_type: type[R],
    work: Callable[[AsyncConnection], Awaitable[R]],
) -> R:
    """Runs work in one transaction; with a key, records the response in that same transaction."""
    if not key:
        async with db.transaction() as conn:
            return await work(conn)
    if len(key) > 200:
        raise InvalidArgument("idempotency_key", "must be at most 200 characters")
    request_hash = hashlib.sha256(request.SerializeToString(deterministic=True)).hexdigest()
    for attempt in (1, 2):
        try:
            async with db.transaction() as conn:
                row = (
                    await conn.execute(
                        sa.select(table.c.method, table.c.request_hash, table.c.response).where(
                            table.c.caller == caller, table.c.key == key
                        )
                    )
                ).first()
                if row is not None:
                    if row.method != method or row.request_hash != request_hash:
                        raise InvalidArgument("idempotency_key", "was already used for a different request")
                    return response_type.FromString(bytes(row.response))
                response = await work(conn)
                await conn.execute(
                    table.insert().values(
                        caller=caller, key=key, method=method, request_hash=request_hash,
                        response=response.SerializeToString(), created_at=utcnow(),
                    )
                )
                return response
        except IntegrityError:
            # A concurrent call with the same key won the race; the next attempt returns its answer.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")
