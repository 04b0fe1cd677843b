"""The periodic expiry sweep: open requests past their expiry become expired, so events say so even unread."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger("paars.feedback.sweeper")


class Sweeper:
    """Runs sweep every `every` seconds between the service's start and stop (never when every is 0)."""

    def __init__(self, every: float) -> None:
        self.every = every
        self.sweep: Callable[[], Awaitable[int]] | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self, _runtime: object) -> None:
        if self.every > 0 and self.sweep is not None:
            self._task = asyncio.create_task(self._run(self.sweep), name="feedback-expiry-sweep")

    async def stop(self, _runtime: object) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self, sweep: Callable[[], Awaitable[int]]) -> None:
        while True:
            try:
                expired = await sweep()
                if expired:
                    log.info("requests expired", extra={"expired": expired})
            except Exception:
                # A database hiccup must not end the sweep; the next round tries again.
                log.exception("expiry sweep failed")
            await asyncio.sleep(self.every)
