"""The person keys of crypto-shredding (issue 18 item 4): one AES-256 data key per person in person_keys, wrapped
with the key-encryption key; served to the services by entrypoints/keys.py and used by goals' own relay directly.

Erasure destroys a key (``destroy_key``, inside the erasure's transaction): its row keeps the key id, without the key,
so the id answers "erased" and no new key is ever made for the person.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from paars_goals.adapters.tables import person_keys
from paars_platform.crypto import KeyEncryptionKey, new_data_key, new_key_id
from paars_platform.db import Database, dialect_insert, utcnow
from paars_platform.keyring import PersonKey


class KeyStore:
    """Get-or-create and destroy of person keys; a KeySource for the platform's KeyRing."""

    def __init__(self, db: Database, kek: KeyEncryptionKey, clock: Callable[[], dt.datetime] = utcnow) -> None:
        self.db = db
        self.kek = kek
        self.clock = clock
        # Called with the person id after a destroy committed (goals' own KeyRing forgets the key at once).
        self.on_destroyed: list[Callable[[str], None]] = []

    def _key(self, row: sa.Row[tuple[str, str, bytes | None]]) -> PersonKey:
        person_id, key_id, wrapped = row
        return PersonKey(person_id, key_id, None if wrapped is None else self.kek.unwrap(person_id, key_id, bytes(wrapped)))

    async def _rows(self, conn: AsyncConnection, person_ids: Sequence[str], key_ids: Sequence[str]) -> list[PersonKey]:
        t = person_keys
        where = sa.or_(t.c.person_id.in_(list(person_ids)), t.c.key_id.in_(list(key_ids)))
        rows = (await conn.execute(sa.select(t.c.person_id, t.c.key_id, t.c.wrapped_key).where(where))).all()
        return [self._key(row) for row in rows]

    async def fetch(self, person_ids: Sequence[str], key_ids: Sequence[str], create: bool) -> list[PersonKey]:
        if not person_ids and not key_ids:
            return []
        async with self.db.read() as conn:
            found = await self._rows(conn, person_ids, key_ids)
        missing = sorted(set(person_ids) - {k.person_id for k in found}) if create else []
        if not missing:
            return found
        now = self.clock()
        rows = []
        for person_id in missing:
            key_id = new_key_id()
            rows.append({"key_id": key_id, "person_id": person_id, "wrapped_key": self.kek.wrap(person_id, key_id, new_data_key()),
                         "created_at": now, "destroyed_at": None})
        async with self.db.transaction(notify=False) as conn:
            # Two relays (or a relay and a consumer) making the same person's key at once: the first one wins.
            await conn.execute(dialect_insert(conn.dialect.name)(person_keys).on_conflict_do_nothing(), rows)
            made = await self._rows(conn, missing, ())
        return [k for k in found if k.person_id not in missing] + made

    def forget_destroyed(self, person_id: str) -> None:
        """A destroy committed: the processes' KeyRings (this one's, through on_destroyed) forget the key."""
        for hook in self.on_destroyed:
            hook(person_id)

    async def destroy_now(self, person_id: str) -> None:
        """destroy_key in a transaction of its own."""
        async with self.db.transaction(notify=False) as conn:
            await destroy_key(conn, person_id, self.clock())
        self.forget_destroyed(person_id)


async def destroy_key(conn: AsyncConnection, person_id: str, at: dt.datetime) -> None:
    """Destroys the person's data key in the caller's transaction (erasure's): the wrapped key is gone, the row and
    its key id stay as "erased". A person without a key gets a destroyed row, so none is made for them later."""
    t = person_keys
    done = await conn.execute(t.update().where(t.c.person_id == person_id).values(wrapped_key=None, destroyed_at=sa.func.coalesce(t.c.destroyed_at, at)))
    if not done.rowcount:
        await conn.execute(dialect_insert(conn.dialect.name)(t).on_conflict_do_nothing(),
                           [{"key_id": new_key_id(), "person_id": person_id, "wrapped_key": None, "created_at": at, "destroyed_at": at}])
