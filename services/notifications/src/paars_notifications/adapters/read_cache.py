"""Per-process read-through cache of what every event needs (the org projection, preferences, webhook
subscriptions), and the reads behind it: the consumer's transaction keeps to the writes."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from paars_notifications.adapters import tables as t
from paars_notifications.adapters.repository import person_of, stored_preferences_of
from paars_notifications.domain import policy, rules
from paars_notifications.domain.preferences import effective
from paars_notifications.domain.visibility import Directory, Person
from paars_platform.db import Database
from paars_platform.directory import CHAIN_LIMIT

_PEOPLE_OF = sa.select(t.people).where(t.people.c.id.in_(sa.bindparam("b_ids", expanding=True)))
_reports = t.people.alias("reports")
_AUDIENCE = {
    rules.MANAGERS: sa.select(t.people).where(
        t.people.c.active.is_(True),
        t.people.c.id.in_(sa.select(_reports.c.manager_id).where(_reports.c.active.is_(True), _reports.c.manager_id.is_not(None))),
    ).order_by(t.people.c.id),
    rules.HR: sa.select(t.people).where(t.people.c.active.is_(True), t.people.c.hr.is_(True)).order_by(t.people.c.id),
    rules.EVERYONE: sa.select(t.people).where(t.people.c.active.is_(True)).order_by(t.people.c.id),
}
_PREFERENCES_OF = sa.select(t.preferences).where(t.preferences.c.employee_id.in_(sa.bindparam("b_ids", expanding=True)))
# How long the org projection, preferences and subscriptions are reused from memory. Changes made in
# this process invalidate at once; another replica's changes are seen within this time (with background
# refresh: by the first use after it has passed plus one read).
CACHE_SECONDS = 5.0
log = logging.getLogger("paars.notifications.cache")


class ReadCache:
    """Per-process read-through cache of what every event needs: it keeps the consumer's transaction to
    the writes (a database round trip per read would cap the prompt rate and lengthen the lock)."""

    def __init__(self, seconds: float = CACHE_SECONDS) -> None:
        self.seconds = seconds
        self._people: dict[str, tuple[float, Person | None]] = {}
        self._prefs: dict[str, tuple[float, policy.DeliveryPreferences]] = {}
        self._webhooks: tuple[float, list[Any]] | None = None
        # With a database (refresh_in_background), an entry past its time is used once more while it is read
        # again on a connection of its own, so the consumer's transaction never waits for it: id -> the entry
        # as it was when it was queued (a refresh only replaces that very entry: one forgotten since, or read
        # again, stays as it is).
        self._db: Database | None = None
        self._stale_people: dict[str, tuple[float, Person | None]] = {}
        self._stale_prefs: dict[str, tuple[float, policy.DeliveryPreferences]] = {}
        self._refresher: asyncio.Task[None] | None = None

    def refresh_in_background(self, db: Database) -> None:
        self._db = db

    async def close(self) -> None:
        """Stops a refresh under way (the service is stopping)."""
        self._db = None  # no refresh starts any more
        task, self._refresher = self._refresher, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    def _queue(self, people: Iterable[str] = (), prefs: Iterable[str] = ()) -> None:
        for i in people:
            self._stale_people.setdefault(i, self._people[i])
        for i in prefs:
            self._stale_prefs.setdefault(i, self._prefs[i])
        if self._refresher is None or self._refresher.done():
            self._refresher = asyncio.get_running_loop().create_task(self._refresh(), name="notifications-cache-refresh")

    async def _refresh(self) -> None:
        assert self._db is not None
        while self._stale_people or self._stale_prefs:
            people, self._stale_people = self._stale_people, {}
            prefs, self._stale_prefs = self._stale_prefs, {}
            try:
                async with self._db.read() as conn:
                    ids = sorted(set(people) | set(prefs))
                    found = {row.id: person_of(row) for row in (await conn.execute(_PEOPLE_OF, {"b_ids": ids})).all()}
                    stored = {row.employee_id: row for row in (await conn.execute(_PREFERENCES_OF, {"b_ids": sorted(prefs)})).all()} if prefs else {}
            except Exception:
                log.warning("cache refresh failed; the entries are read again when next needed", exc_info=True)
                return
            now = time.monotonic()
            for i, queued in people.items():
                if self._people.get(i) is queued:
                    self._people[i] = (now, found.get(i))
            for i, queued_prefs in prefs.items():
                if self._prefs.get(i) is queued_prefs:
                    row = stored.get(i)
                    self._prefs[i] = (now, effective(stored_preferences_of(row) if row is not None else None, found.get(i)))

    def _fresh(self, stamp: float) -> bool:
        return time.monotonic() - stamp < self.seconds

    async def directory(self, conn: AsyncConnection, ids: Iterable[str], depth: int = CHAIN_LIMIT) -> Directory:
        """The named people and their manager chains, from the org projection (as deep as every service walks a
        chain; a query per level only while someone still has a manager not loaded)."""
        people: dict[str, Person] = {}
        wanted = {i for i in ids if i}
        for _ in range(depth):
            wanted -= people.keys()
            if not wanted:
                break
            stale = [i for i in wanted if i in self._people and not self._fresh(self._people[i][0])]
            if stale and self._db is not None:
                self._queue(people=stale)
                stale = []
            missing = sorted([i for i in wanted if i not in self._people] + stale)
            if missing:
                rows = (await conn.execute(_PEOPLE_OF, {"b_ids": missing})).all()
                found = {row.id: person_of(row) for row in rows}
                now = time.monotonic()
                for i in missing:
                    self._people[i] = (now, found.get(i))
            batch = {i: self._people[i][1] for i in wanted}
            people.update({i: p for i, p in batch.items() if p is not None})
            wanted = {p.manager_id for p in batch.values() if p is not None and p.manager_id}
        return Directory(people)

    async def preferences(self, conn: AsyncConnection, person_id: str) -> policy.DeliveryPreferences:
        cached = self._prefs.get(person_id)
        if cached is not None and self._fresh(cached[0]):
            return cached[1]
        return (await self.preferences_of(conn, [person_id]))[person_id]

    async def preferences_of(self, conn: AsyncConnection, person_ids: Iterable[str]) -> dict[str, policy.DeliveryPreferences]:
        """Everyone's preferences, the misses read in one query (an insight names several people)."""
        out: dict[str, policy.DeliveryPreferences] = {}
        missing: list[str] = []
        stale: list[str] = []
        for person_id in person_ids:
            cached = self._prefs.get(person_id)
            if cached is not None and (self._fresh(cached[0]) or self._db is not None):
                out[person_id] = cached[1]
                if not self._fresh(cached[0]):
                    stale.append(person_id)
            else:
                missing.append(person_id)
        if stale:
            self._queue(prefs=stale)
        if missing:
            # The people (time zone, address) from the cached projection.
            people = (await self.directory(conn, missing, depth=1)).people
            rows = (await conn.execute(_PREFERENCES_OF, {"b_ids": sorted(set(missing))})).all()
            stored = {row.employee_id: row for row in rows}
            now = time.monotonic()
            for person_id in missing:
                row = stored.get(person_id)
                prefs = effective(stored_preferences_of(row) if row is not None else None, people.get(person_id))
                self._prefs[person_id] = (now, prefs)
                out[person_id] = prefs
        return out

    async def webhooks(self, conn: AsyncConnection) -> list[Any]:
        if self._webhooks is not None and self._fresh(self._webhooks[0]):
            return self._webhooks[1]
        rows = list((await conn.execute(sa.select(t.webhooks).where(t.webhooks.c.active.is_(True)))).all())
        self._webhooks = (time.monotonic(), rows)
        return rows

    async def audience(self, conn: AsyncConnection, group: str) -> list[Person]:
        """Everyone in a group a rule addresses (rules.MANAGERS, rules.HR, rules.EVERYONE), read when such an event comes (rarely:
        a published story, a referral), not cached."""
        rows = (await conn.execute(_AUDIENCE[group])).all()
        return [person_of(row) for row in rows]

    def forget_person(self, person_id: str) -> None:
        self._people.pop(person_id, None)
        self._prefs.pop(person_id, None)

    def forget_webhooks(self) -> None:
        self._webhooks = None
