"""People's state in process memory, written back to the people table (store and changelog) at most once per flush.

Each person's state (up to 90 days of facts, a few KB pickled) used to be read from the table and written back,
whole, once per batch: in the profile the changelog (pickling, Faust's send path, the producer) and, with RocksDB,
the read-back dominated. Here the state stays in memory between events; while the stream is behind, a person
touched many times within a flush interval is written once; once it has caught up, every fetch is written back. The input offsets of the events behind a write are acknowledged only after that
write went to the producer, and Faust flushes the producer before it commits offsets: a committed offset's effect
is always in the changelog (at-least-once; a replay is absorbed by the event-id ring).

Memory: a decoded state is ~66 KB at 500 events against ~2.8 KB encoded, so `hot` is a least-recently-used cache of
at most `hot_people` decoded states (PAARS_ANALYTICS_HOT_PEOPLE). Only clean states are evicted: a dirty one stays
until a flush writes it (then it is evictable), so no change is lost before its write. Dirty states are bounded by
the same number: the change that would make more than `hot_people` people dirty flushes first (early, whatever the
interval), so a fetch of thousands of people not in memory (a restart, a backfill) never holds more than
`hot_people` decoded states. An evicted person is decoded again from the table on use (tables.py: this worker's own
writes since the assignment, else the read model's bytes).

When partitions are revoked (a rebalance) everything pending is written and acknowledged, then the memory is
dropped: partitions may move, and the table (the changelog, as the read model has read it to its end at the
assignment: tables.py) is the truth for whoever owns them next.
"""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator
from typing import Any

from faust.types import TP

from paars_analytics.faust_seam import no_table_partition, table_partition
from paars_analytics.signals.state import State, held_bytes

# Decoded states kept: past either bound, the least recently used clean ones are dropped and decoded again on use, and
# no more than this many (this much) are dirty at once (a flush comes first). The bytes are held_bytes' estimate of
# each state's heap (~19 KB at 50 events, ~34 KB at 500): 48 MiB holds ~2,500 people of 50 events (the throughput
# bench's 2,000 people stay hot) or ~1,450 of 500, which keeps a worker of 20,000 people under 200 MB.
HOT_PEOPLE = 3_000
HOT_BYTES = 48 * 1024 * 1024


class Changes:
    """Which people's figures changed, as counts, so the query API recomputes a team only when one of its members
    changed: each change to a person (their state, their story alignment record) takes the next count; a change that
    may touch anyone (a rebalance, a new story catalogue) starts a new generation. One int per person who changed."""

    def __init__(self) -> None:
        self.count = 0
        self.generation = 0
        self._of: dict[str, int] = {}

    def bump(self, key: str) -> None:
        self.count += 1
        self._of[key] = self.count

    def reset(self) -> None:
        self.generation += 1
        self._of.clear()

    def of(self, keys: Iterable[str]) -> tuple[int, int]:
        """A stamp that moves whenever any of these people changes."""
        return self.generation, max((self._of.get(k, 0) for k in keys), default=0)


class PeopleStore:
    """A write-back cache in front of the people table, shared by every agent that updates a person."""

    def __init__(self, table: Any, consumer: Any, source_topic: str, *, flush_interval: float, flush_events: int,
                 hot_people: int = HOT_PEOPLE, hot_bytes: int = HOT_BYTES) -> None:
        self.table = table
        # A callable: the app's consumer exists only once the worker runs.
        self.consumer = consumer
        self.source_topic = source_topic
        self.flush_interval = flush_interval
        self.flush_events = flush_events
        self.hot_people = max(0, hot_people)
        self.hot_bytes = max(0, hot_bytes)
        # Decoded states: every dirty one (until its flush) and up to `hot_people` (`hot_bytes`) in all while clean
        # ones remain.
        self.hot: dict[str, State] = {}
        # Each hot state's held_bytes when it was loaded, became dirty or was written; their sum, and the dirty ones'.
        self.sizes: dict[str, int] = {}
        self.held = 0
        self.dirty_held = 0
        # The clean keys of `hot`, least recently used first: the ones eviction may drop.
        self.clean: OrderedDict[str, None] = OrderedDict()
        self.dirty: dict[str, int] = {}
        self.pending: dict[TP, list[int]] = {}
        self.pending_events = 0
        self.last_flush = 0.0
        self.changes = Changes()
        # Optional counters (prometheus): person states written, input events whose effects are now in the changelog.
        self.writes_metric: Any = None
        self.flushed_metric: Any = None

    def state(self, key: str, partition: int) -> State | None:
        """The person's state for an update, from memory or else from the table (this partition's store)."""
        state = self.hot.get(key)
        if state is not None:
            if key in self.clean:
                self.clean.move_to_end(key)
            return state
        # Outside stream iteration: the table is told the partition (RocksDB keeps one store per partition).
        table_partition(self.source_topic, partition)
        loaded: State | None = self.table.get(key)
        if loaded is not None:
            self.hot[key] = loaded
            self.clean[key] = None
            self._record(key, held_bytes(loaded))
            self._evict()
        return loaded

    def _record(self, key: str, size: int) -> None:
        """Records a hot state's held_bytes (``size``) in the bytes held."""
        self.held += size - self.sizes.get(key, 0)
        self.sizes[key] = size

    def put(self, key: str, state: State, partition: int) -> None:
        if key not in self.dirty:
            size = held_bytes(state)
            if self.dirty and (len(self.dirty) >= max(1, self.hot_people) or self.dirty_held + size > self.hot_bytes):
                # One more dirty person would pass a bound: write those there are first (no await, so safe within a
                # fetch's apply; the offsets acknowledged are only those held before, whose effects these writes
                # carry). The interval's clock is left as it was.
                self.flush(self.last_flush)
            self._record(key, size)
            self.dirty_held += size
        self.hot[key] = state
        self.clean.pop(key, None)
        self.dirty[key] = partition
        self.changes.bump(key)
        self._evict()

    def _evict(self) -> None:
        """Drops the least recently used clean states past `hot_people` or `hot_bytes`; dirty ones stay until their
        flush (which makes them clean, most recently used, and evicts again). O(1) per state dropped."""
        hot, clean, sizes = self.hot, self.clean, self.sizes
        while (len(hot) > self.hot_people or self.held > self.hot_bytes) and clean:
            key, _ = clean.popitem(last=False)
            del hot[key]
            self.held -= sizes.pop(key, 0)

    def hold(self, tp: TP, offsets: list[int]) -> None:
        """Offsets to acknowledge at the next flush (their effects are in memory only)."""
        self.pending.setdefault(tp, []).extend(offsets)
        self.pending_events += len(offsets)

    def due(self, now: float) -> bool:
        return bool(self.dirty or self.pending) and (
            now - self.last_flush >= self.flush_interval or self.pending_events >= self.flush_events)

    def flush(self, now: float) -> int:
        """Writes each changed person once, then acknowledges the offsets behind the writes. No await inside."""
        table = self.table
        written = 0
        try:
            for key, partition in self.dirty.items():
                table_partition(self.source_topic, partition)
                table[key] = self.hot[key]
                written += 1
        finally:
            no_table_partition()
        # Written: clean now, the most recently used in the order they were changed (sized again: they grew).
        hot = self.hot
        for key in self.dirty:
            self.clean[key] = None
            self._record(key, held_bytes(hot[key]))
        self.dirty.clear()
        self.dirty_held = 0
        consumer = self.consumer()
        for tp, offsets in self.pending.items():
            consumer.ack_offsets(tp, offsets)
            if self.flushed_metric is not None:
                self.flushed_metric.labels(tp.topic).inc(len(offsets))
        if self.writes_metric is not None:
            self.writes_metric.inc(written)
        self.pending.clear()
        self.pending_events = 0
        self.last_flush = now
        # Everything is clean now: back to the bound.
        self._evict()
        return written

    def drop(self) -> None:
        """Flushes, then forgets the memory (at a rebalance: the table is the truth for whoever owns a partition)."""
        if self.dirty or self.pending:
            self.flush(self.last_flush)
        self.hot.clear()
        self.clean.clear()
        self.sizes.clear()
        self.held = self.dirty_held = 0
        # Whoever owns these partitions next may hold other states: nothing computed from them stays current.
        self.changes.reset()

    def forget(self, key: str, partition: int) -> bool:
        """Drops the person's state (erasure, issue 18 item 4): from memory, and from the table with a tombstone on
        its changelog. Whether there was one."""
        had = key in self
        self.hot.pop(key, None)
        self.clean.pop(key, None)
        size = self.sizes.pop(key, 0)
        self.held -= size
        if self.dirty.pop(key, None) is not None:
            self.dirty_held -= size
        try:
            table_partition(self.source_topic, partition)
            if self.table.get(key) is not None:
                del self.table[key]
        finally:
            no_table_partition()
        self.changes.bump(key)
        return had

    # A read-only mapping view for detection and the query API: memory first, then the table.
    def get(self, key: str, default: Any = None) -> State | None:
        state = self.hot.get(key)
        if state is None:
            state = self.table.get(key)
        return state if state is not None else default

    def keys(self) -> list[str]:
        keys = dict.fromkeys(self.hot)
        for key in self.table:
            keys.setdefault(str(key), None)
        return list(keys)

    def items(self) -> Iterator[tuple[str, State]]:
        for key in self.keys():
            state = self.get(key)
            if state is not None:
                yield key, state

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None
