"""Analytics' tables (people, insights, story alignment and catalogue): each worker's partitions over the read model,
written through the tables' changelogs; no Faust table, so no Faust table recovery.

Every worker reads every changelog whole already (replica.py: the read model the queries answer from). A Faust
table also recovered its partitions from the same changelogs, through the group consumer: on a loaded machine with
partitions moving back and forth (A -> B -> A), that recovery waited for good on changelog partitions its fetcher
no longer fetched (Faust logging "Aiokafka has not sent fetch request", faust-streaming/faust#629; robinhood/faust#542
for the A -> B -> A case), and the moved partition's events stayed unapplied. Here the new owner of a partition
takes its keys' values from the read model once that has read the changelogs' partitions to the end offsets they
had at the assignment (``Tables.assigned``, run before the streams resume): by then the previous owner's last writes
are in (it flushed them, and Faust's producer flush drains since faust_seam.py 6, before its revocation ended), and
nobody else writes the partition. What the owner writes goes to the changelog as a Faust table's write did (same
topic, key and value codecs, the partition of the current event) and is read back from memory until the next
assignment. Idempotence is unchanged: a person's state carries the input offsets and event ids it applied, so an
input replayed from the committed offsets changes nothing.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import Any

from faust.serializers import codecs
from faust.streams import current_event
from faust.types import TP

from paars_analytics.replica import Replicated, TopicReplica, Verdict

log = logging.getLogger("paars.analytics.tables")


class OwnedTable:
    """A table of the partitions this worker owns: reads from this worker's writes since the assignment, else the
    read model; writes to the changelog (on the partition of Faust's current event, as a Faust table's write) and to
    memory. Iterates the keys of the owned partitions. A value the codec rejects reads as absent."""

    def __init__(self, app: Any, name: str, read: Replicated, *, partitions: int, value_serializer: str) -> None:
        self.name = name
        self.read = read
        self.key_serializer = "json"
        self.value_serializer = value_serializer
        self.codec = codecs.get_codec(value_serializer)
        # The settings Faust gave its tables' changelogs (Collection._new_changelog_topic), values already encoded.
        self.changelog_topic = app.topic(
            f"{app.conf.id}-{name}-changelog", partitions=partitions, compacting=True, deleting=None, acks=False,
            internal=True, maxsize=131_072, allow_empty=True, key_serializer="json", value_serializer="raw",
        )
        # The keys written since the last assignment whose last write the read model has not read back from the
        # changelog yet, each with a fingerprint of that write (``_mark``; None for a delete). The write goes into the
        # read model at once (its values are on disk, spill.py), so these keys' newest values are there; a record of
        # one of them read meanwhile is older than it and is not applied (``_accept``: nobody else writes an owned
        # partition, and its changelog is in order). A fingerprint, not the value: the replica reads back behind the
        # stream, up to 15,000 of 20,000 people written in a catch-up.
        self.local: dict[str, int | None] = {}
        self.owned: frozenset[int] = frozenset()
        read.accept = self._accept

    @staticmethod
    def _mark(value: bytes | None) -> int | None:
        return None if value is None else hash(value)

    def _accept(self, key: str, value: bytes | None) -> Verdict:
        """What the read model does with a record of ``key``: skip it while this worker's newer write of it waits to be
        read back (the record is an earlier one). The write itself read back (its fingerprint) ends the wait; its value
        is the one held already (the partition's changelog is in order, and nobody else writes an owned partition).
        An earlier record of the same fingerprint taken for it leaves the newest value held all the same: it ends the
        wait early, and the newest write read back then is applied as any record."""
        local = self.local
        if key not in local:
            return Verdict.APPLY
        if local[key] != self._mark(value):
            return Verdict.SKIP
        del local[key]
        return Verdict.HELD

    def changelog(self) -> str:
        return str(self.changelog_topic.get_topic_name())

    @staticmethod
    def _partition() -> int:
        event = current_event()
        if event is None:
            raise TypeError("a table write needs the partition of its event (faust_seam.table_partition)")
        return int(event.message.partition)

    def __setitem__(self, key: str, value: Any) -> None:
        partition = self._partition()
        raw = self.codec.dumps(value)
        self.local[key] = self._mark(raw)
        self.read.raw[key] = raw
        self.changelog_topic.send_soon(key=key, value=raw, partition=partition)

    def __delitem__(self, key: str) -> None:
        partition = self._partition()
        self.local[key] = None
        self.read.raw.discard(key)
        # A tombstone, as a Faust table's delete (compaction then drops the key).
        self.changelog_topic.send_soon(key=key, value=None, partition=partition)

    def get(self, key: str, default: Any = None) -> Any:
        # The read model holds this worker's own writes too (__setitem__), so it alone is read.
        raw = self.read.raw.get(key)
        if raw is None:
            return default
        value = self.codec.loads(raw)
        return default if value is None else value

    def __getitem__(self, key: str) -> Any:
        value = self.get(key)
        if value is None:
            raise KeyError(key)
        return value

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None

    def __iter__(self) -> Iterator[str]:
        local = self.local
        raw = self.read.raw
        for key in list(local):
            if key in raw:
                yield key
        owned = self.owned
        for key, partition in list(self.read.partitions.items()):
            if partition in owned and key not in local:
                yield key

    def keys(self) -> list[str]:
        return list(self)

    def items(self) -> Iterator[tuple[str, Any]]:
        for key in list(self):
            value = self.get(key)
            if value is not None:
                yield key, value

    def revoked(self) -> None:
        """Partitions may move: what this worker wrote is in the changelog (flushed), the read model has it next."""
        self.local.clear()
        self.owned = frozenset()

    def assigned(self, partitions: Iterable[int]) -> None:
        self.local.clear()
        self.owned = frozenset(partitions)


class Tables:
    """The worker's tables and what moves them at a rebalance (``BulkApp`` runs ``assigned`` before the streams resume,
    ``revoked`` after the people's write-back)."""

    def __init__(self, tables: Iterable[OwnedTable], replica: TopicReplica) -> None:
        self.tables = list(tables)
        self.replica = replica
        self.declared = False

    def __iter__(self) -> Iterator[OwnedTable]:
        return iter(self.tables)

    async def declare(self) -> None:
        """Creates the changelog topics (compacted) if they do not exist: the read model waits for them."""
        if not self.declared:
            for table in self.tables:
                await table.changelog_topic.maybe_declare()
            self.declared = True

    def revoked(self) -> None:
        for table in self.tables:
            table.revoked()

    async def assigned(self, assigned: set[TP]) -> None:
        """Waits until the read model has read every changelog partition of the assigned partitions to the end offset
        it has now, then serves those partitions' keys from it."""
        partitions = sorted({tp.partition for tp in assigned})
        await self.declare()
        wanted = [(table.changelog(), p) for table in self.tables for p in partitions]
        if wanted:
            await self.replica.read_to_end(wanted)
        for table in self.tables:
            table.assigned(partitions)
        log.info("tables ready", extra={"partitions": partitions})
