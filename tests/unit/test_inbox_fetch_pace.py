"""The consumer's fetch wait: short while records come, long once it has been idle (paars_platform.inbox.FetchPace)."""
from __future__ import annotations

from aiokafka import AIOKafkaConsumer

from paars_platform.inbox import IDLE_AFTER_SECONDS, FetchPace, _set_fetch_wait


def test_the_wait_stays_short_while_records_come_and_for_the_first_second_without() -> None:
    pace = FetchPace(10, 200)
    assert pace.after_poll(True, 100.0) == 10
    assert pace.after_poll(False, 100.0 + IDLE_AFTER_SECONDS / 2) == 10
    assert pace.after_poll(True, 101.2) == 10


def test_an_idle_consumer_waits_long_and_the_first_record_brings_the_short_wait_back() -> None:
    pace = FetchPace(10, 200)
    pace.after_poll(True, 100.0)
    assert pace.after_poll(False, 100.0 + IDLE_AFTER_SECONDS) == 200
    assert pace.after_poll(False, 130.0) == 200
    assert pace.after_poll(True, 130.5) == 10
    assert pace.after_poll(False, 130.6) == 10


def test_an_idle_wait_below_the_busy_one_is_the_busy_one() -> None:
    assert FetchPace(50, 5).after_poll(False, 1e9) == 50


async def test_the_wait_reaches_the_fetch_requests_aiokafka_builds() -> None:
    # aiokafka has no public setter: this fails when the attribute its fetcher builds requests from goes away.
    consumer = AIOKafkaConsumer(bootstrap_servers="127.0.0.1:1", fetch_max_wait_ms=10)
    consumer._fetcher = type("Fetcher", (), {"_fetch_max_wait_ms": 10})()
    _set_fetch_wait(consumer, 200)
    assert consumer._fetcher._fetch_max_wait_ms == 200
    import inspect

    from aiokafka.consumer import fetcher

    assert "self._fetch_max_wait_ms," in inspect.getsource(fetcher.Fetcher._get_actions_per_node), "aiokafka builds fetches from another attribute now"
