"""The RPCs' unit of work on the database: one transaction (or one read connection for a query) with the
repositories on it. The RPCs publish no events and keep no idempotency keys, so commit() only ends the
transaction (SqlUnitOfWorkBase rolls back a unit of work that was not committed)."""
from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from paars_notifications.adapters.repository import (
    SqlDeadLetterRepository,
    SqlPreferencesRepository,
    SqlPromptReads,
    SqlWebhookRepository,
)
from paars_notifications.service_layer.unit_of_work import DeadLetterRepository, PreferencesRepository, PromptRepository, WebhookRepository
from paars_platform.unit_of_work import SqlUnitOfWorkBase


class SqlUnitOfWork(SqlUnitOfWorkBase[None]):
    prompts: PromptRepository
    preferences: PreferencesRepository
    webhooks: WebhookRepository
    dead_letters: DeadLetterRepository

    def _attach(self, conn: AsyncConnection) -> None:
        self.prompts = SqlPromptReads(conn)
        self.preferences = SqlPreferencesRepository(conn)
        self.webhooks = SqlWebhookRepository(conn)
        self.dead_letters = SqlDeadLetterRepository(conn)

    async def commit(self) -> None:
        self._committed = True
