"""Rotation of the key-encryption key (issue 18): goals holds the current key and the retired ones
(paars_platform.crypto.KeyEncryptionKeys); every person key row names the key that wrapped it (person_keys.kek_id), and
this module moves the rows of retired keys to the current one.

- ``prepare`` runs when goals starts, before anything reads a key: it stamps the rows from before key ids (NULL,
  migration 0009) with the id of the configured key that opens them, then refuses to start (MissingKeyEncryptionKey,
  naming the variables) when a row is wrapped by a key that is neither current nor retired, rather than failing to
  decrypt later.
- ``rewrap_batch`` re-wraps up to a batch of rows of retired keys in one transaction: selected FOR UPDATE SKIP LOCKED
  on PostgreSQL (two replicas take different rows; an erasure holding a row is skipped, not waited for), each updated
  only while it still names the retired key and still has its key, so a batch done twice, or a row erased meanwhile,
  changes nothing. The data key itself never changes: what it encrypted (events, topics, dead letters) still opens.
  A crash loses at most the open batch; the rows still name their retired key and the next pass takes them.
- ``KeyRewrapper`` runs the passes in goals' process and keeps paars_person_keys_on_retired_kek; ``rewrap_all`` is the
  command ``python -m paars_goals rewrap-keys``.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

import sqlalchemy as sa

from paars_goals.adapters.tables import person_keys
from paars_platform import metrics
from paars_platform.crypto import RETIRED_VARIABLE, KeyEncryptionKeys, UndecryptableField
from paars_platform.db import Database

log = logging.getLogger(__name__)

BATCH = 500

ON_RETIRED = metrics.gauge(
    "paars_person_keys_on_retired_kek", "Person keys still wrapped by a retired key-encryption key (goals re-wraps them to the current one)",
)
REWRAPPED = metrics.counter("paars_person_keys_rewrapped_total", "Person keys re-wrapped from a retired key-encryption key to the current one")
REWRAP_FAILED = metrics.counter(
    "paars_person_keys_rewrap_failed_total", "Person keys of a retired key-encryption key that it did not unwrap (left as they were)",
)


class MissingKeyEncryptionKey(RuntimeError):
    """Rows are wrapped by a key-encryption key goals was not given: it refuses to start."""


@dataclass(frozen=True)
class RewrapOutcome:
    rewrapped: int
    failed: int
    remaining: int


async def prepare(db: Database, keys: KeyEncryptionKeys) -> None:
    """Stamps the rows from before key ids, then checks that every wrapped row's key is configured."""
    await _adopt_unlabelled(db, keys)
    t = person_keys
    async with db.read() as conn:
        rows = (await conn.execute(
            sa.select(t.c.kek_id, sa.func.count()).where(t.c.wrapped_key.is_not(None)).group_by(t.c.kek_id),
        )).all()
    missing = {kek_id: n for kek_id, n in rows if kek_id is not None and kek_id not in keys.by_id}
    if missing:
        named = ", ".join(f"{kek_id} ({n} rows)" for kek_id, n in sorted(missing.items()))
        raise MissingKeyEncryptionKey(
            f"person_keys has data keys wrapped by key-encryption key {named}, which is neither PAARS_KEY_ENCRYPTION_KEY "
            f"(id {keys.current.id}) nor in {RETIRED_VARIABLE} ({', '.join(keys.retired_ids) or 'empty'}): add the key that wrapped "
            f"them to {RETIRED_VARIABLE} (a key's id is the first 8 bytes of SHA-256 of it, hex); goals does not start without it",
        )


async def _adopt_unlabelled(db: Database, keys: KeyEncryptionKeys) -> None:
    # Before migration 0009 there was one key-encryption key at a time: the key that opens one unlabelled row wrapped
    # them all. Rows an older goals process writes during a rolling upgrade are unlabelled too; the passes adopt them.
    t = person_keys
    async with db.read() as conn:
        sample = (await conn.execute(
            sa.select(t.c.person_id, t.c.key_id, t.c.wrapped_key).where(t.c.kek_id.is_(None), t.c.wrapped_key.is_not(None)).limit(1),
        )).first()
    if sample is None:
        return
    person_id, key_id, wrapped = sample
    for kek in (keys.current, *keys.retired):
        try:
            kek.unwrap(person_id, key_id, bytes(wrapped))
        except UndecryptableField:
            continue
        async with db.transaction(notify=False) as conn:
            stamped = (await conn.execute(
                t.update().where(t.c.kek_id.is_(None), t.c.wrapped_key.is_not(None)).values(kek_id=kek.id),
            )).rowcount
        log.info("person keys from before key ids stamped", extra={"kek_id": kek.id, "rows": stamped})
        return
    raise MissingKeyEncryptionKey(
        f"person_keys has data keys from before key-encryption key ids (migration 0009) that neither PAARS_KEY_ENCRYPTION_KEY "
        f"nor {RETIRED_VARIABLE} unwraps (key {key_id}): add the key-encryption key that wrapped them to {RETIRED_VARIABLE}",
    )


async def count_on_retired(db: Database, keys: KeyEncryptionKeys) -> int:
    if not keys.retired:
        return 0
    t = person_keys
    async with db.read() as conn:
        return int((await conn.execute(
            sa.select(sa.func.count()).select_from(t).where(t.c.kek_id.in_(keys.retired_ids), t.c.wrapped_key.is_not(None)),
        )).scalar_one())


async def rewrap_batch(db: Database, keys: KeyEncryptionKeys, limit: int = BATCH) -> tuple[int, int]:
    """(rows re-wrapped, rows their retired key did not unwrap) of one batch, in one transaction."""
    if not keys.retired:
        return 0, 0
    t = person_keys
    async with db.transaction(notify=False) as conn:
        rows = (await conn.execute(
            sa.select(t.c.person_id, t.c.key_id, t.c.wrapped_key, t.c.kek_id)
            .where(t.c.kek_id.in_(keys.retired_ids), t.c.wrapped_key.is_not(None))
            .limit(limit).with_for_update(skip_locked=True),
        )).all()
        updates = []
        failed = 0
        for person_id, key_id, wrapped, kek_id in rows:
            try:
                data_key = keys.unwrap(person_id, key_id, bytes(wrapped), kek_id)
            except UndecryptableField:
                failed += 1
                log.error("a person key does not unwrap with the retired key-encryption key it names", extra={"key_id": key_id, "kek_id": kek_id})
                continue
            new_id, rewrapped = keys.wrap(person_id, key_id, data_key)
            updates.append({"b_key_id": key_id, "b_old": kek_id, "b_wrapped": rewrapped, "b_new": new_id})
        if updates:
            await conn.execute(
                t.update()
                .where(t.c.key_id == sa.bindparam("b_key_id"), t.c.kek_id == sa.bindparam("b_old"), t.c.wrapped_key.is_not(None))
                .values(wrapped_key=sa.bindparam("b_wrapped"), kek_id=sa.bindparam("b_new")),
                updates,
            )
    REWRAPPED.inc(len(updates))
    REWRAP_FAILED.inc(failed)
    return len(updates), failed


async def rewrap_pass(db: Database, keys: KeyEncryptionKeys, batch: int = BATCH) -> RewrapOutcome:
    """Batches until none is left, or a batch re-wraps nothing (only rows that fail, or rows other replicas hold)."""
    await _adopt_unlabelled(db, keys)
    rewrapped = failed = 0
    # Counted once per pass, then less what each batch did (a count per batch would scan what is left each time).
    remaining = await count_on_retired(db, keys)
    ON_RETIRED.set(remaining)
    while remaining > 0:
        done, bad = await rewrap_batch(db, keys, batch)
        rewrapped += done
        failed += bad
        if done == 0:
            break
        remaining = max(0, remaining - done)
        ON_RETIRED.set(remaining)
        await asyncio.sleep(0)
    remaining = await count_on_retired(db, keys)
    ON_RETIRED.set(remaining)
    return RewrapOutcome(rewrapped, failed, remaining)


async def rewrap_all(db: Database, keys: KeyEncryptionKeys, batch: int = BATCH) -> RewrapOutcome:
    """The command's run to completion: prepare (refusing an unknown key), then passes while they make progress."""
    await prepare(db, keys)
    total = RewrapOutcome(0, 0, await count_on_retired(db, keys))
    while total.remaining:
        outcome = await rewrap_pass(db, keys, batch)
        total = RewrapOutcome(total.rewrapped + outcome.rewrapped, outcome.failed, outcome.remaining)
        if outcome.rewrapped == 0:
            break
    return total


class KeyRewrapper:
    """goals' background re-wrap: a pass at start and every ``every_seconds`` (PAARS_KEY_REWRAP_EVERY_SECONDS)."""

    def __init__(self, db: Database, keys: KeyEncryptionKeys, every_seconds: float = 60.0, batch: int = BATCH) -> None:
        self.db = db
        self.keys = keys
        self.every_seconds = every_seconds
        self.batch = batch
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        ON_RETIRED.set(await count_on_retired(self.db, self.keys))
        self._task = asyncio.create_task(self._run(), name="person-keys-rewrap")

    async def _run(self) -> None:
        while True:
            try:
                outcome = await rewrap_pass(self.db, self.keys, self.batch)
                if outcome.rewrapped or outcome.failed:
                    log.info("person keys re-wrapped", extra={
                        "rewrapped": outcome.rewrapped, "failed": outcome.failed, "remaining": outcome.remaining, "kek_id": self.keys.current.id,
                    })
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("person keys re-wrap pass failed; the next pass resumes it")
            await asyncio.sleep(self.every_seconds)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
