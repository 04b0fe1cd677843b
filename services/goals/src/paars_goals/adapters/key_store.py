"""The data keys of crypto-shredding (issue 18 items 4 and 5): AES-256 keys per (person, kind of data, period) in
person_keys, wrapped with the key-encryption key; served to the services by entrypoints/keys.py and used by goals'
own relay directly.

A key is made when a relay first encrypts an event of that person, kind and period, so a person has one key per kind
and month they have events in. Erasure destroys all of a person's keys (``destroy_key``, inside the erasure's
transaction) and leaves the person's key of kind and period "" destroyed: the mark that answers "erased" for any
scope asked afterwards, so no new key is ever made for the person. The retention job destroys the keys of a kind's
periods past its retention (adapters/key_retention.py). A destroyed row keeps its key id, so the id answers "erased".
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from paars_goals.adapters.tables import person_keys
from paars_platform.crypto import KeyEncryptionKey, KeyEncryptionKeys, new_data_key, new_key_id
from paars_platform.db import Database, dialect_insert, utcnow
from paars_platform.keyring import KeyScope, PersonKey

# Scopes per statement (a relay's batch asks for its batch's people, kinds and months).
_CHUNK = 500


class KeyStore:
    """Get-or-create and destroy of data keys; a KeySource for the platform's KeyRing."""

    def __init__(self, db: Database, kek: KeyEncryptionKey | KeyEncryptionKeys, clock: Callable[[], dt.datetime] = utcnow) -> None:
        self.db = db
        # The current key-encryption key wraps; each row unwraps with the one its kek_id names (rotation: key_rewrap.py).
        self.keks = kek if isinstance(kek, KeyEncryptionKeys) else KeyEncryptionKeys(kek)
        self.clock = clock
        # Called with the person id after an erasure's destroy committed (goals' own KeyRing forgets their keys at once).
        self.on_destroyed: list[Callable[[str], None]] = []
        # Called with the key ids the retention job destroyed, once committed (goals' own KeyRing forgets them at once).
        self.on_keys_destroyed: list[Callable[[Sequence[str]], None]] = []

    def _key(self, row: sa.Row[tuple[str, str, str, str, bytes | None, str | None]]) -> PersonKey:
        person_id, key_id, kind, period, wrapped, kek_id = row
        key = None if wrapped is None else self.keks.unwrap(person_id, key_id, bytes(wrapped), kek_id)
        return PersonKey(person_id, key_id, key, kind, period)

    async def _rows(self, conn: AsyncConnection, scopes: Sequence[KeyScope], key_ids: Sequence[str]) -> list[PersonKey]:
        t = person_keys
        columns = (t.c.person_id, t.c.key_id, t.c.kind, t.c.period, t.c.wrapped_key, t.c.kek_id)
        out: list[PersonKey] = []
        wanted = set(scopes)
        for i in range(0, len(scopes), _CHUNK):
            chunk = scopes[i : i + _CHUNK]
            # The people's rows of the kinds asked for, narrowed to the scopes here (portable, one index range each).
            where = sa.and_(t.c.person_id.in_({s.person_id for s in chunk}), t.c.kind.in_({s.kind for s in chunk}))
            rows = (await conn.execute(sa.select(*columns).where(where, t.c.period.in_({s.period for s in chunk})))).all()
            out += [self._key(r) for r in rows if KeyScope(r[0], r[2], r[3]) in wanted]
        if key_ids:
            known = {k.key_id for k in out}
            rows = (await conn.execute(sa.select(*columns).where(t.c.key_id.in_(list(key_ids))))).all()
            out += [self._key(r) for r in rows if r[1] not in known]
        return out

    async def _erased(self, conn: AsyncConnection, person_ids: set[str]) -> dict[str, str]:
        """The erased among these people: their destroyed key of kind and period "" (erasure's mark), by person."""
        t = person_keys
        rows = await conn.execute(sa.select(t.c.person_id, t.c.key_id).where(
            t.c.person_id.in_(person_ids), t.c.kind == "", t.c.period == "", t.c.wrapped_key.is_(None),
        ))
        return {person_id: key_id for person_id, key_id in rows}

    async def fetch(self, scopes: Sequence[KeyScope], key_ids: Sequence[str], create: bool) -> list[PersonKey]:
        """The keys of these scopes and ids. A scope without a key answers erased for an erased person; otherwise it
        is made when create, or left out."""
        scopes = list(dict.fromkeys(scopes))
        if not scopes and not key_ids:
            return []
        async with self.db.read() as conn:
            found = await self._rows(conn, scopes, key_ids)
            have = {k.scope for k in found}
            missing = [s for s in scopes if s not in have]
            erased = await self._erased(conn, {s.person_id for s in missing}) if missing else {}
        answered = [PersonKey(s.person_id, erased[s.person_id], None, s.kind, s.period) for s in missing if s.person_id in erased]
        to_make = [s for s in missing if s.person_id not in erased] if create else []
        if not to_make:
            return found + answered
        now = self.clock()
        async with self.db.transaction(notify=False) as conn:
            # Erased meanwhile: their keys are not made (checked in the transaction that makes them).
            erased_now = await self._erased(conn, {s.person_id for s in to_make})
            answered += [PersonKey(s.person_id, erased_now[s.person_id], None, s.kind, s.period) for s in to_make if s.person_id in erased_now]
            to_make = [s for s in to_make if s.person_id not in erased_now]
            rows = []
            for s in to_make:
                key_id = new_key_id()
                kek_id, wrapped = self.keks.wrap(s.person_id, key_id, new_data_key())
                rows.append({"key_id": key_id, "person_id": s.person_id, "kind": s.kind, "period": s.period,
                             "wrapped_key": wrapped, "kek_id": kek_id, "created_at": now, "destroyed_at": None})
            if rows:
                # Two relays (or a relay and a consumer) making the same scope's key at once: the first one wins.
                await conn.execute(dialect_insert(conn.dialect.name)(person_keys).on_conflict_do_nothing(), rows)
            made = await self._rows(conn, to_make, ())
        return found + answered + made

    def forget_destroyed(self, person_id: str) -> None:
        """An erasure's destroy committed: the processes' KeyRings (this one's, through on_destroyed) forget the keys."""
        for hook in self.on_destroyed:
            hook(person_id)

    def forget_keys(self, key_ids: Sequence[str]) -> None:
        """The retention job's destroy committed: this process's KeyRing forgets those keys at once."""
        if key_ids:
            for hook in self.on_keys_destroyed:
                hook(key_ids)

    async def destroy_now(self, person_id: str) -> None:
        """destroy_key in a transaction of its own."""
        async with self.db.transaction(notify=False) as conn:
            await destroy_key(conn, person_id, self.clock())
        self.forget_destroyed(person_id)


async def destroy_key(conn: AsyncConnection, person_id: str, at: dt.datetime) -> None:
    """Destroys all of the person's data keys (every kind and period) in the caller's transaction (erasure's): the
    wrapped keys are gone, the rows and their key ids stay as "erased". The person's key of kind and period "" is
    left destroyed (made so when they had none): it marks them erased, so no key is made for them later."""
    t = person_keys
    await conn.execute(t.update().where(t.c.person_id == person_id).values(wrapped_key=None, destroyed_at=sa.func.coalesce(t.c.destroyed_at, at)))
    await conn.execute(dialect_insert(conn.dialect.name)(t).on_conflict_do_nothing(), [
        {"key_id": new_key_id(), "person_id": person_id, "kind": "", "period": "", "wrapped_key": None, "kek_id": None, "created_at": at,
         "destroyed_at": at},
    ])
