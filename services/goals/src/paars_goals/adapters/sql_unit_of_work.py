"""The unit of work on the service's database: one transaction (or, for queries, one read connection), the
outbox rows of its events and the idempotency record of its answer, committed together or not at all.
The transaction, the events and recall are paars_platform.unit_of_work's; this attaches the repositories."""
from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from paars_goals.adapters import tables as t
from paars_goals.adapters.erasure_repository import SqlErasureRepository
from paars_goals.adapters.protobuf import decode_answer, encode_answer, event_to_proto
from paars_goals.adapters.repository import SqlDirectoryRepository, SqlGoalRepository
from paars_goals.adapters.scim_repository import SqlScimRepository
from paars_goals.service_layer.commands import RequestKey
from paars_goals.service_layer.unit_of_work import (
    Answer,
    DirectoryRepository,
    ErasureRepository,
    Event,
    GoalRepository,
    PrivilegedAct,
    RequestRace,
    ScimRepository,
)
from paars_platform import outbox
from paars_platform.db import utcnow
from paars_platform.unit_of_work import SqlUnitOfWorkBase

_IDEMPOTENCY = t.platform["idempotency_keys"]
_REMEMBER = _IDEMPOTENCY.insert()


class SqlUnitOfWork(SqlUnitOfWorkBase[Event]):
    IDEMPOTENCY = _IDEMPOTENCY
    ANSWER_DECODER = decode_answer
    goals: GoalRepository
    directory: DirectoryRepository
    scim: ScimRepository
    erasure: ErasureRepository

    def _attach(self, conn: AsyncConnection) -> None:
        self.privileged: list[PrivilegedAct] = []
        self.goals = SqlGoalRepository(conn)
        self.directory = SqlDirectoryRepository(conn)
        self.scim = SqlScimRepository(conn)
        self.erasure = SqlErasureRepository(conn)

    async def remember(self, caller_id: str, method: str, request: RequestKey, answer: Answer) -> None:
        self._remembered = True
        try:
            await self._connection.execute(_REMEMBER, {
                "caller": caller_id, "key": request.key, "method": method, "request_hash": request.fingerprint,
                "response": encode_answer(answer), "created_at": utcnow(),
            })
        except IntegrityError as error:
            raise RequestRace() from error

    async def commit(self) -> None:
        await outbox.append(self._connection, t.platform["outbox"], *(event_to_proto(e) for e in self._events))
        self._events.clear()
        self._committed = True
