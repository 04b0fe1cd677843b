"""Retention through the keys (issue 18 item 5): goals' run of the retention job also destroys, in person_keys, the
keys of each kind's months that ended before that kind's retention (PAARS_RETENTION_<KIND>_DAYS), so the events of
those months on every topic, dead letter and changelog read as erased. A legal hold in force that keeps a kind of a
person's data (paars_platform.retention.EventKind.held_by: its service and kind, "" for all) keeps their keys of that
kind too. Each kind is one transaction with its audit line (privileged_actions, as the rows' retention), counted in
paars_retention_keys_destroyed_total; goals' own KeyRing forgets the keys at once, other processes' within their
KeyRing's time to live (5 minutes)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import sqlalchemy as sa

from paars_goals.adapters import tables as t
from paars_goals.adapters.key_store import KeyStore
from paars_platform import retention
from paars_platform.personal_data import PrivilegedAction, PrivilegedActionRepository

SERVICE = "goals"
_CHUNK = 500


class KeyRetention:
    """A RetentionStep of goals' RetentionJob over its key store."""

    def __init__(self, store: KeyStore) -> None:
        self.store = store

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(k.kind for k in retention.KINDS_OF_EVENTS if k.monthly)

    async def run(self, now: dt.datetime, periods: Mapping[str, int]) -> dict[str, int]:
        destroyed: dict[str, int] = {}
        for cutoff in retention.key_cutoffs(periods, now):
            destroyed[cutoff.kind.kind] = await self._destroy(cutoff, now)
        return destroyed

    async def _destroy(self, cutoff: retention.KeyCutoff, now: dt.datetime) -> int:
        k, h = t.person_keys, t.legal_holds
        async with self.store.db.transaction(notify=False) as conn:
            holds = (await conn.execute(sa.select(h.c.person_id, h.c.service, h.c.kind).where(h.c.released_at.is_(None)))).all()
            held = {person for person, service, kind in holds if cutoff.kind.held_by(service, kind)}
            past = (await conn.execute(sa.select(k.c.key_id, k.c.person_id).where(
                k.c.kind == cutoff.kind.kind, k.c.period != "", k.c.period < cutoff.before, k.c.wrapped_key.is_not(None),
            ))).all()
            ids = [key_id for key_id, person in past if person not in held]
            kept = len(past) - len(ids)
            for i in range(0, len(ids), _CHUNK):
                await conn.execute(k.update().where(k.c.key_id.in_(ids[i : i + _CHUNK])).values(wrapped_key=None, destroyed_at=now))
            if ids:
                await PrivilegedActionRepository(conn, t.privileged_actions).add(PrivilegedAction(
                    "retention", retention.ACTOR, "", f"past the retention period of {cutoff.days} days for {cutoff.kind.kind}", now,
                    {"kind": cutoff.kind.kind, "keys_destroyed": len(ids), "periods_before": cutoff.before, "table": k.name,
                     "kept_by_legal_holds": kept},
                ))
        self.store.forget_keys(ids)
        if ids:
            retention.KEYS_DESTROYED.labels(SERVICE, cutoff.kind.kind).inc(len(ids))
        retention.KEYS_HELD.labels(SERVICE, cutoff.kind.kind).set(kept)
        return len(ids)
