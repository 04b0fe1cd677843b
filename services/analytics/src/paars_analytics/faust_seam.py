"""A faster Faust consumer: the aiokafka transport, minus four asyncio tasks per message, plus a bulk path.

faust-streaming 0.15.3 hands every message to the conductor through
``Service.wait_first(callback(message), suspend_flow.wait())``, which creates four tasks
(callback, suspend flag, stopped, crashed) and an ``asyncio.wait`` per message: in the profile
of a do-nothing agent this was the largest single cost. The method below is faust's own
``Consumer._drain_messages`` with two changes:

- while the flow is not suspended (no rebalance in progress), the callback is awaited directly;
  during a rebalance the original path is taken;
- records of a *bulk* topic (``FastApp.bulk_handlers``) skip Faust's per-message machinery
  (Message, Event, channel queue, stream, per-event ack: about half of a do-nothing agent's cost)
  and go, one list per fetch, to their handler. The handler acknowledges the offsets itself with
  ``ack_offsets`` once their effects are in the changelog; Faust commits acknowledged offsets only,
  after flushing the producer, so at-least-once delivery holds.
"""
# mypy: ignore-errors
# ruff: noqa: SIM102  (faust's own code, kept as close to the original as possible)
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, AsyncIterator, cast

import faust
from faust.transport.consumer import CONSUMER_FETCHING
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import TP
from mode import Service, ServiceT

# A bulk handler gets (partition, records) pairs of one fetch, records being aiokafka ConsumerRecords.
BulkHandler = Callable[[list[tuple[TP, list[Any]]]], Awaitable[None]]


class FastConsumer(faust_aiokafka.Consumer):
    """faust's aiokafka consumer with a direct callback on the hot path."""

    async def _drain_messages(self, fetcher: ServiceT) -> None:
        # This is the background thread started by Fetcher, used to
        # constantly read messages using Consumer.getmany.
        # It takes Fetcher as argument, because we must be able to
        # stop it using `await Fetcher.stop()`.
        callback = self.callback
        suspend_flow = self.suspend_flow
        getmany = self.getmany
        consumer_should_stop = cast(Service, self)._stopped.is_set
        fetcher_should_stop = cast(Service, fetcher)._stopped.is_set

        get_read_offset = self._read_offset.__getitem__
        set_read_offset = self._read_offset.__setitem__
        flag_consumer_fetching = CONSUMER_FETCHING
        set_flag = self.diag.set_flag
        unset_flag = self.diag.unset_flag
        commit_every = self._commit_every
        acks_enabled_for = self.app.topics.acks_enabled_for

        yield_every = 100
        num_since_yield = 0
        sleep = asyncio.sleep

        bulk_handlers: dict[str, BulkHandler] = getattr(self.app, "bulk_handlers", {})

        try:
            while not (consumer_should_stop() or fetcher_should_stop()):
                set_flag(flag_consumer_fetching)
                if bulk_handlers:
                    await self._drain_once(bulk_handlers, callback, suspend_flow)
                    unset_flag(flag_consumer_fetching)
                    continue
                ait = cast(AsyncIterator, getmany(timeout=1.0))

                # Sleeping because sometimes getmany is called in a loop
                # never releasing to the event loop
                await self.sleep(0)
                if not self.should_stop:
                    async for tp, message in ait:
                        num_since_yield += 1
                        if num_since_yield > yield_every:
                            await sleep(0)
                            num_since_yield = 0

                        offset = message.offset
                        r_offset = get_read_offset(tp)
                        if r_offset is None or offset >= r_offset:
                            gap = offset - (r_offset or 0)
                            # We have a gap in income messages
                            if gap > 1 and r_offset:
                                acks_enabled = acks_enabled_for(message.topic)
                                if acks_enabled:
                                    await self._add_gap(tp, r_offset + 1, offset)
                            if commit_every is not None:
                                if self._n_acked >= commit_every:
                                    self._n_acked = 0
                                    await self.commit()
                            if suspend_flow.is_set():
                                await self.wait_first(
                                    callback(message), suspend_flow.wait()
                                )
                            else:
                                await callback(message)
                            set_read_offset(tp, offset)
                        else:
                            self.log.dev(
                                "DROPPED MESSAGE ROFF %r: k=%r v=%r",
                                offset,
                                message.key,
                                message.value,
                            )
                    unset_flag(flag_consumer_fetching)

        except self.consumer_stopped_errors:
            if self.transport.app.should_stop:
                # we're already stopping so ignore
                self.log.info("Broker stopped consumer, shutting down...")
                return
            raise
        except asyncio.CancelledError:
            if self.transport.app.should_stop:
                # we're already stopping so ignore
                self.log.info("Consumer shutting down for user cancel.")
                return
            raise
        except Exception as exc:
            self.log.exception("Drain messages raised: %r", exc)
            raise
        finally:
            unset_flag(flag_consumer_fetching)


    async def _drain_once(self, bulk_handlers: dict[str, BulkHandler], callback: Any, suspend_flow: Any) -> None:
        """One fetch: bulk topics' records to their handlers as lists, every other record through Faust's path.

        The checks are those of faust's ``Consumer.getmany`` (flow, generation, active partitions, read offsets).
        """
        records, active_partitions = await self._wait_next_records(1.0)
        await self.sleep(0)
        if records is None or self.should_stop:
            return
        if not self.flow_active:
            await self.perform_seek()
            return
        generation_id = self.app.consumer_generation_id
        get_read_offset = self._read_offset.__getitem__
        set_read_offset = self._read_offset.__setitem__
        buffered = self._buffered_partitions
        per_handler: dict[Any, list[tuple[TP, list[Any]]]] = {}
        others: dict[TP, list[Any]] = {}
        for tp, batch in records.items():
            if not batch or (active_partitions is not None and tp not in active_partitions and tp not in buffered):
                continue
            r_offset = get_read_offset(tp)
            if r_offset is not None and batch[0].offset < r_offset:
                batch = [r for r in batch if r.offset >= r_offset]
                if not batch:
                    continue
            handler = bulk_handlers.get(tp.topic)
            if handler is None:
                others[tp] = batch
                continue
            if r_offset and batch[0].offset - r_offset > 1 and self.app.topics.acks_enabled_for(tp.topic):
                await self._add_gap(tp, r_offset + 1, batch[0].offset)
            previous = batch[0].offset
            for record in batch:
                # Compaction and transaction markers leave holes; acked offsets must not wait for them.
                if record.offset - previous > 1:
                    await self._add_gap(tp, previous + 1, record.offset)
                previous = record.offset
            per_handler.setdefault(handler, []).append((tp, batch))
            set_read_offset(tp, batch[-1].offset)
        for handler, batches in per_handler.items():
            if self.app.consumer_generation_id != generation_id or not self.flow_active:
                return
            await handler(batches)
        if self._commit_every is not None and self._n_acked >= self._commit_every:
            self._n_acked = 0
            await self.commit()
        if others:
            to_message = self._to_message
            for tp, record in self.scheduler.iterate(others):
                if self.app.consumer_generation_id != generation_id or not self.flow_active:
                    break
                message = to_message(tp, record)
                if suspend_flow.is_set():
                    await self.wait_first(callback(message), suspend_flow.wait())
                else:
                    await callback(message)
                set_read_offset(tp, record.offset)

    def ack_offsets(self, tp: TP, offsets: Iterable[int]) -> int:
        """Acknowledges offsets of a bulk topic (what ``ack`` does for one Faust message); returns how many were new."""
        committed = self._committed_offset[tp]
        acked_index = self._acked_index[tp]
        acked = self._acked[tp]
        n = 0
        for offset in offsets:
            if (committed is None or offset >= committed) and offset not in acked_index:
                acked_index.add(offset)
                acked.append(offset)
                n += 1
        self._n_acked += n
        return n


class FastTransport(faust_aiokafka.Transport):
    Consumer = FastConsumer


class FastApp(faust.App):
    """A Faust app whose consumer is FastConsumer (same broker URL, same settings), with bulk topics and
    callbacks run when partitions are revoked, before Faust's own handling (tables, flow, producer flush)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.bulk_handlers: dict[str, BulkHandler] = {}
        self.revoke_callbacks: list[Callable[[], None]] = []

    def bulk_topic(self, topic: Any, handler: BulkHandler) -> None:
        """Subscribes to ``topic`` (a faust Topic) and hands its records to ``handler`` in bulk, not to an agent."""
        self.topics.add(topic)
        for name in topic.topics:
            self.bulk_handlers[name] = handler

    async def _on_partitions_revoked(self, revoked: Any) -> None:
        # On the app's event loop (not the consumer thread's, where on_rebalance_start runs), so the callbacks
        # may touch state the agents and timers share.
        if not self.should_stop:
            for callback in self.revoke_callbacks:
                callback()
        await super()._on_partitions_revoked(revoked)

    def _new_transport(self):
        return FastTransport(self.conf.broker_consumer, self)
