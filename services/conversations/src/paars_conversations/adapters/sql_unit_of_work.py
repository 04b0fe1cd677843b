"""The unit of work on the service's database: one transaction (or, for queries, one read connection) and the
outbox rows of its events and the idempotency record of its answer, committed together or not at all. The
transaction, the events and recall are paars_platform.unit_of_work's; answers are stored by adapters/answers.py."""
from __future__ import annotations

from types import TracebackType
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from paars_conversations.adapters import repository as r
from paars_conversations.adapters import tables as t
from paars_conversations.adapters.answers import decode_answer, encode_answer
from paars_conversations.adapters.protobuf import event_to_proto
from paars_conversations.service_layer import unit_of_work as u
from paars_platform import metrics, outbox
from paars_platform.db import utcnow
from paars_platform.privileged import PrivilegedAct
from paars_platform.shape import RequestKey, RequestRace
from paars_platform.unit_of_work import SqlUnitOfWorkBase

# What happened, counted once committed; the label is the event's kind (eight values), never a person or a text.
EVENTS = metrics.counter("paars_conversations_events_total", "Conversations events committed to the outbox, by kind.", ("kind",))
_IDEMPOTENCY = t.platform["idempotency_keys"]
_REMEMBER = _IDEMPOTENCY.insert()


class SqlUnitOfWork(SqlUnitOfWorkBase[u.Event]):
    IDEMPOTENCY = _IDEMPOTENCY
    ANSWER_DECODER = decode_answer
    people: u.PeopleRepository
    pairs: u.PairRepository
    meetings: u.MeetingRepository
    private_notes: u.PrivateNoteRepository
    reads: u.ReadAuditRepository
    coaching: u.CoachingRepository
    concerns: u.ConcernRepository
    circles: u.CircleRepository
    support: u.SupportRepository

    def _attach(self, conn: AsyncConnection) -> None:
        self.privileged: list[PrivilegedAct] = []
        self.people = r.SqlPeopleRepository(conn)
        self.pairs = r.SqlPairRepository(conn)
        self.meetings = r.SqlMeetingRepository(conn)
        self.private_notes = r.SqlPrivateNoteRepository(conn)
        self.reads = r.SqlReadAuditRepository(conn)
        self.coaching = r.SqlCoachingRepository(conn)
        self.concerns = r.SqlConcernRepository(conn)
        self.circles = r.SqlCircleRepository(conn)
        self.support = r.SqlSupportRepository(conn)

    async def remember(self, caller_id: str, method: str, request: RequestKey, answer: Any) -> None:
        self._remembered = True
        try:
            await self._connection.execute(_REMEMBER, {
                "caller": caller_id, "key": request.key, "method": method, "request_hash": request.fingerprint,
                "response": encode_answer(answer), "created_at": utcnow(),
            })
        except IntegrityError as error:
            raise RequestRace() from error

    async def commit(self) -> None:
        self._kinds = [type(e).__name__ for e in self._events]
        await outbox.append(self._connection, t.platform["outbox"], *(event_to_proto(e) for e in self._events))
        self._events.clear()
        self._committed = True

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        await super().__aexit__(exc_type, exc, tb)
        if exc is None and self._committed:
            for kind in getattr(self, "_kinds", ()):
                EVENTS.labels(kind).inc()
