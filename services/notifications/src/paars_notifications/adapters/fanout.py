"""In-process fan-out of released prompts to the live Subscribe streams of their recipients, with a cap on
the streams one person holds open, and wake-ups for streams behind what another replica released."""
from __future__ import annotations

import asyncio
import enum
from collections import defaultdict
from collections.abc import Iterable, Mapping

from paars.notifications.v1 import notifications_pb2 as pb

QUEUE_SIZE = 1000


class Signal(enum.Enum):
    # The database holds prompts this stream has not sent yet (another replica released them).
    WAKE = "wake"
    # The person opened a newer stream beyond the cap: this one, the oldest, ends.
    EVICTED = "evicted"
    # The service is stopping; clients resume from their cursor elsewhere.
    CLOSED = "closed"


class Subscription:
    """One live stream's queue. A full queue drops the newest prompt: the stream notices the gap in
    cursors and reads the missing ones from the database, so nothing is lost."""

    def __init__(self, recipient_id: str) -> None:
        self.recipient_id = recipient_id
        self.queue: asyncio.Queue[pb.Prompt | Signal] = asyncio.Queue(QUEUE_SIZE)
        # The last cursor the stream sent; kept by the stream, read by the replica watch.
        self.last_cursor = 0
        self.wake_pending = False

    def offer(self, item: pb.Prompt | Signal) -> None:
        try:
            self.queue.put_nowait(item)
        except asyncio.QueueFull:
            pass

    def end(self, signal: Signal) -> None:
        """Ends the stream: the signal goes first in line, whatever is queued (it is in the database)."""
        while not self.queue.empty():
            self.queue.get_nowait()
        self.offer(signal)


class FanOut:
    def __init__(self) -> None:
        # Per recipient, the open streams oldest first (a dict keeps insertion order).
        self._subscribers: dict[str, dict[Subscription, None]] = defaultdict(dict)
        self.closed = False

    def subscribe(self, recipient_id: str, limit: int = 0) -> Subscription:
        """A new live stream; with `limit`, the recipient's oldest streams beyond it are ended (EVICTED)."""
        subs = self._subscribers[recipient_id]
        while limit > 0 and len(subs) >= limit:
            oldest = next(iter(subs))
            del subs[oldest]
            oldest.end(Signal.EVICTED)
        sub = Subscription(recipient_id)
        subs[sub] = None
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        subs = self._subscribers.get(sub.recipient_id)
        if subs is not None:
            subs.pop(sub, None)
            if not subs:
                del self._subscribers[sub.recipient_id]

    def publish(self, prompts: Iterable[pb.Prompt]) -> None:
        for prompt in prompts:
            for sub in tuple(self._subscribers.get(prompt.recipient_id, ())):
                sub.offer(prompt)

    def subscribers(self, recipient_id: str) -> int:
        return len(self._subscribers.get(recipient_id, ()))

    def recipients(self) -> list[str]:
        return list(self._subscribers)

    def wake_behind(self, latest: Mapping[str, int]) -> int:
        """Wakes each stream whose last sent cursor is behind its recipient's latest; returns how many."""
        woken = 0
        for recipient, cursor in latest.items():
            for sub in tuple(self._subscribers.get(recipient, ())):
                if sub.last_cursor < cursor and not sub.wake_pending:
                    sub.wake_pending = True
                    sub.offer(Signal.WAKE)
                    woken += 1
        return woken

    def close(self) -> None:
        """Ends every live stream (the service is stopping)."""
        self.closed = True
        for subs in list(self._subscribers.values()):
            for sub in tuple(subs):
                sub.end(Signal.CLOSED)
