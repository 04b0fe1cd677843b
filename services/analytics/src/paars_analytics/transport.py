"""A faster Faust consumer: the aiokafka transport, minus four asyncio tasks per message.

faust-streaming 0.15.3 hands every message to the conductor through
``Service.wait_first(callback(message), suspend_flow.wait())``, which creates four tasks
(callback, suspend flag, stopped, crashed) and an ``asyncio.wait`` per message: in the profile
of a do-nothing agent this was the largest single cost. The method below is faust's own
``Consumer._drain_messages`` with one change: while the flow is not suspended (no rebalance in
progress), the callback is awaited directly. During a rebalance the original path is taken.
"""
# mypy: ignore-errors
# ruff: noqa: SIM102  (faust's own code, kept as close to the original as possible)
from __future__ import annotations

import asyncio
from typing import AsyncIterator, cast

import faust
from faust.transport.consumer import CONSUMER_FETCHING
from faust.transport.drivers import aiokafka as faust_aiokafka
from mode import Service, ServiceT


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

        try:
            while not (consumer_should_stop() or fetcher_should_stop()):
                set_flag(flag_consumer_fetching)
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


class FastTransport(faust_aiokafka.Transport):
    Consumer = FastConsumer


class FastApp(faust.App):
    """A Faust app whose consumer is FastConsumer (same broker URL, same settings)."""

    def _new_transport(self):
        return FastTransport(self.conf.broker_consumer, self)
