"""The in-app stream (Subscribe): a person's prompts after a cursor, then live ones as they are released, with
no gap and no repeat; and the replica watch that wakes streams for prompts another replica released. The
NotificationService's other RPCs are commands and queries (commands.py, rpc_handlers.py, messagebus.py)."""
from __future__ import annotations

import time
from collections.abc import AsyncIterator

import grpc

from paars.notifications.v1 import notifications_pb2 as pb
from paars_notifications.adapters.fanout import FanOut, Signal
from paars_notifications.adapters.protobuf import prompt_proto
from paars_notifications.config import NotificationsConfig
from paars_notifications.service_layer.unit_of_work import StreamReads
from paars_platform import metrics
from paars_platform.auth import Identity
from paars_platform.errors import DomainError, InvalidArgument

REPLAY_BATCH = 200
# Recipients looked up per query of the replica watch.
WATCH_BATCH = 500
# Fine buckets under 200 ms: the promise is p50 < 50 ms and p99 < 200 ms.
PROMPT_LATENCY_BUCKETS = (0.005, 0.01, 0.02, 0.03, 0.04, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1.0, 2.5, 5.0, 10.0)


class StreamReplaced(DomainError):
    """The person opened more live streams than the cap: the oldest ends, and says why."""

    code = grpc.StatusCode.RESOURCE_EXHAUSTED


class PromptStreams:
    def __init__(self, config: NotificationsConfig, fanout: FanOut) -> None:
        self.config = config
        self.fanout = fanout
        # What the streams read (adapters/repository.py, SqlStreamReads), set by attach().
        self.reads: StreamReads | None = None
        self.latency = metrics.histogram(
            "paars_notifications_prompt_latency_seconds",
            "From the cause event's occurred_at to the prompt's delivery on a live in-app stream.",
            buckets=PROMPT_LATENCY_BUCKETS,
        )
        self.streams = metrics.gauge("paars_notifications_streams_open", "Live Subscribe streams.")

    def attach(self, reads: StreamReads) -> None:
        self.reads = reads

    @property
    def _reads(self) -> StreamReads:
        assert self.reads is not None, "attach() the reads first"
        return self.reads

    # ---------- the in-app stream ----------

    async def stream(self, caller: Identity, after_cursor: int, *, from_cursor: bool = False) -> AsyncIterator[pb.Prompt]:
        """The caller's prompts after the cursor, then live ones as they are released, with no gap and no
        repeat: the live queue is registered before the database is read, repeats are skipped by cursor,
        and a jump in cursors is filled from the database."""
        if after_cursor < 0:
            raise InvalidArgument("after_cursor", "must be 0 (only new prompts) or a cursor you received")
        me = caller.employee_id
        sub = self.fanout.subscribe(me, limit=self.config.max_streams_per_person)
        self.streams.inc()
        try:
            if after_cursor > 0 or from_cursor:
                sub.last_cursor = after_cursor
            else:
                sub.last_cursor = await self._reads.last_cursor(me)
            async for prompt in self._replay(me, sub.last_cursor):
                sub.last_cursor = prompt.cursor
                yield prompt
            while not self.fanout.closed:
                # Idle streams cost nothing: no timer each, one replica watch for all (watch_replicas).
                item = await sub.queue.get()
                if item is Signal.CLOSED:
                    return
                if item is Signal.EVICTED:
                    raise StreamReplaced(
                        f"closed: you opened a newer stream, and one person keeps at most {self.config.max_streams_per_person} "
                        "open; resume with after_cursor when you need this one again"
                    )
                if item is Signal.WAKE:
                    sub.wake_pending = False
                    async for prompt in self._replay(me, sub.last_cursor):
                        sub.last_cursor = prompt.cursor
                        yield prompt
                    continue
                assert isinstance(item, pb.Prompt)
                if item.cursor <= sub.last_cursor:
                    continue
                if item.cursor > sub.last_cursor + 1:
                    async for prompt in self._replay(me, sub.last_cursor, upto=item.cursor - 1):
                        sub.last_cursor = prompt.cursor
                        yield prompt
                self.latency.observe(max(0.0, time.time() - item.cause_occurred_at.ToNanoseconds() / 1e9))
                sub.last_cursor = item.cursor
                yield item
        finally:
            self.streams.dec()
            self.fanout.unsubscribe(sub)

    async def watch_replicas(self) -> int:
        """One read for every open stream of this process: wakes those whose recipient got prompts from
        another replica (or the scheduler of one) that the in-process fan-out never saw; returns how many."""
        recipients = self.fanout.recipients()
        woken = 0
        for start in range(0, len(recipients), WATCH_BATCH):
            woken += self.fanout.wake_behind(await self._reads.cursors_of(recipients[start:start + WATCH_BATCH]))
        return woken

    async def _replay(self, recipient: str, after: int, upto: int | None = None) -> AsyncIterator[pb.Prompt]:
        while True:
            rows = await self._reads.replay(recipient, after, upto, REPLAY_BATCH)
            for row in rows:
                after = row["cursor"]
                yield prompt_proto(row)
            if len(rows) < REPLAY_BATCH:
                return
