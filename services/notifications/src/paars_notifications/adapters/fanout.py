"""In-process fan-out of released prompts to the live Subscribe streams of their recipients."""
from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterable

from paars.notifications.v1 import notifications_pb2 as pb

QUEUE_SIZE = 1000


class Subscription:
    """One live stream's queue. A full queue drops the newest prompt: the stream notices the gap in
    cursors and reads the missing ones from the database, so nothing is lost."""

    def __init__(self, recipient_id: str) -> None:
        self.recipient_id = recipient_id
        self.queue: asyncio.Queue[pb.Prompt | None] = asyncio.Queue(QUEUE_SIZE)

    def offer(self, prompt: pb.Prompt | None) -> None:
        try:
            self.queue.put_nowait(prompt)
        except asyncio.QueueFull:
            pass


class FanOut:
    def __init__(self) -> None:
        self._subscribers: dict[str, set[Subscription]] = defaultdict(set)
        self.closed = False

    def subscribe(self, recipient_id: str) -> Subscription:
        sub = Subscription(recipient_id)
        self._subscribers[recipient_id].add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        subs = self._subscribers.get(sub.recipient_id)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self._subscribers[sub.recipient_id]

    def publish(self, prompts: Iterable[pb.Prompt]) -> None:
        for prompt in prompts:
            for sub in tuple(self._subscribers.get(prompt.recipient_id, ())):
                sub.offer(prompt)

    def subscribers(self, recipient_id: str) -> int:
        return len(self._subscribers.get(recipient_id, ()))

    def close(self) -> None:
        """Ends every live stream (the service is stopping); clients resume from their cursor elsewhere."""
        self.closed = True
        for subs in list(self._subscribers.values()):
            for sub in tuple(subs):
                while sub.queue.full():
                    sub.queue.get_nowait()
                sub.offer(None)
