"""The unit of work on the feedback database: one transaction, the outbox rows of its events and the
idempotency record of its answer, committed together or not at all. The transaction, the events and
recall are paars_platform.unit_of_work's; this attaches the repositories and keeps feedback's remember()."""
from __future__ import annotations

import functools
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from paars_feedback.adapters import tables as t
from paars_feedback.adapters.action_plan_repository import SqlActionPlanRepository
from paars_feedback.adapters.protobuf import decode_answer, encode_answer, event_to_proto
from paars_feedback.adapters.repository import (
    SqlCoachRepository,
    SqlDirectoryRepository,
    SqlFeedbackRepository,
    SqlInvitationRepository,
    SqlReferralRepository,
    SqlRequestRepository,
    SqlValueCatalogue,
)
from paars_feedback.service_layer.commands import RequestKey
from paars_feedback.service_layer.unit_of_work import (
    ActionItemRepository,
    Answer,
    CoachRepository,
    DirectoryRepository,
    Event,
    FeedbackRepository,
    InvitationRepository,
    ReferralRepository,
    RequestRace,
    RequestRepository,
    ValueCatalogue,
)
from paars_platform import outbox
from paars_platform.db import dialect_insert, utcnow
from paars_platform.unit_of_work import SqlUnitOfWorkBase

_IDEMPOTENCY = t.platform["idempotency_keys"]


@functools.cache
def _remember(dialect: str) -> Any:
    """The idempotency record, or nothing when the key has one: no error, so the transaction stays usable."""
    return dialect_insert(dialect)(_IDEMPOTENCY).on_conflict_do_nothing(index_elements=["caller", "key"])


class SqlUnitOfWork(SqlUnitOfWorkBase[Event]):
    """A transaction, or for a query (read_only) a read connection that commits nothing."""

    IDEMPOTENCY = _IDEMPOTENCY
    ANSWER_DECODER = decode_answer
    feedback: FeedbackRepository
    requests: RequestRepository
    action_items: ActionItemRepository
    directory: DirectoryRepository
    invitations: InvitationRepository
    coaches: CoachRepository
    referrals: ReferralRepository
    values: ValueCatalogue

    def _attach(self, conn: AsyncConnection) -> None:
        self.feedback = SqlFeedbackRepository(conn)
        self.requests = SqlRequestRepository(conn)
        self.action_items = SqlActionPlanRepository(conn)
        self.directory = SqlDirectoryRepository(conn)
        self.invitations = SqlInvitationRepository(conn)
        self.coaches = SqlCoachRepository(conn)
        self.referrals = SqlReferralRepository(conn)
        self.values = SqlValueCatalogue(conn)

    async def remember(self, caller_key: str, method: str, request: RequestKey, answer: Answer) -> Answer | None:
        self._remembered = True
        kept = await self._connection.execute(_remember(self._connection.dialect.name), {
            "caller": caller_key, "key": request.key, "method": method, "request_hash": request.fingerprint,
            "response": encode_answer(answer), "created_at": utcnow(),
        })
        if kept.rowcount == 1:
            return None
        # The key has an answer already (on PostgreSQL a concurrent holder of the key was waited for, and its
        # committed row is visible to the next statement).
        earlier: Answer | None = await self.recall(caller_key, method, request, type(answer))
        if earlier is None:
            raise RequestRace()
        return earlier

    async def commit(self) -> list[Event]:
        await outbox.append(self._connection, t.platform["outbox"], *(event_to_proto(e) for e in self._events))
        events, self._events = self._events, []
        self._committed = True
        return events
