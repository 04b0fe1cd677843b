"""The consumer's offset commit runs beside its batches (paars_platform.inbox.InboxConsumer._run): a slow commit (a
broker round trip) does not hold the next poll's records, only one commit is under way at a time, and stopping
commits what was processed."""
from __future__ import annotations

import asyncio

import pytest
from aiokafka import TopicPartition
from aiokafka.structs import ConsumerRecord

from paars_platform import inbox as inbox_module
from paars_platform.config import Settings

TOPIC = "goals.goal-updated.v1"
TP = TopicPartition(TOPIC, 0)


def record(offset: int) -> ConsumerRecord[bytes, bytes]:
    return ConsumerRecord(TOPIC, 0, offset, 0, 0, b"k", b"v", None, 1, 1, [])


class SlowCommits:
    """What the loop uses of AIOKafkaConsumer; each commit waits until `release` is set."""

    def __init__(self, polls: list[list[ConsumerRecord[bytes, bytes]]]) -> None:
        self.polls = polls
        self.release = asyncio.Event()
        self.started: list[dict[TopicPartition, int]] = []
        self.committed: list[dict[TopicPartition, int]] = []

    async def getmany(self, timeout_ms: int = 0, max_records: int = 500) -> dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]]:
        await asyncio.sleep(0.001)  # a fetch's trip: the commit task starts meanwhile
        if self.polls:
            return {TP: self.polls.pop(0)}
        await asyncio.sleep(timeout_ms / 1000)
        return {}

    def assignment(self) -> set[TopicPartition]:
        return {TP}

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        self.started.append(dict(offsets))
        await self.release.wait()
        self.committed.append(dict(offsets))

    def highwater(self, tp: TopicPartition) -> int:
        return 3

    async def position(self, tp: TopicPartition) -> int:
        return 3

    async def stop(self) -> None:
        pass


async def test_a_slow_offset_commit_does_not_hold_the_next_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inbox_module, "COMMIT_INTERVAL_SECONDS", 0.0)  # a commit is due after every poll
    consumer = inbox_module.InboxConsumer(
        Settings.from_env("feedback"), None, None, None, group_id="paars-test", handlers={TOPIC: None},  # type: ignore[arg-type, dict-item]
    )
    fake = SlowCommits([[record(0)], [record(1)], [record(2)]])
    consumer._consumer = fake
    applied: list[int] = []

    async def process_batch(records: list[ConsumerRecord[bytes, bytes]]) -> None:
        applied.extend(r.offset for r in records)

    consumer.process_batch = process_batch  # type: ignore[method-assign]
    consumer._task = asyncio.create_task(consumer._run())
    for _ in range(100):
        if applied == [0, 1, 2]:
            break
        await asyncio.sleep(0.01)
    assert applied == [0, 1, 2], "the polls after the first went on while its offset commit waited for the broker"
    assert fake.started == [{TP: 1}], "one commit at a time, of what was processed when it started"
    fake.release.set()
    for _ in range(100):
        if fake.committed and fake.committed[-1] == {TP: 3}:
            break
        await asyncio.sleep(0.01)
    assert fake.committed[0] == {TP: 1}
    assert fake.committed[-1] == {TP: 3}, "the next commit takes what was processed meanwhile"
    await consumer.stop()
    assert fake.committed[-1] == {TP: 3}
