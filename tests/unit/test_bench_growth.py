"""The soak run's verdict on unbounded growth, and the durations `make soak DURATION=...` accepts."""
from __future__ import annotations

import pytest

from bench.growth import judge, parse_duration, sample_interval, slope


@pytest.mark.parametrize(("text", "seconds"), [("30s", 30), ("10m", 600), ("1h", 3600), ("1.5h", 5400), ("90", 90), ("2 min", 120)])
def test_durations_are_read_in_seconds_minutes_or_hours(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "ten minutes", "10d", "0s", "-5m"])
def test_a_duration_that_is_not_one_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def test_samples_are_taken_every_ten_seconds_and_more_often_on_short_runs() -> None:
    assert sample_interval(600) == 10
    assert sample_interval(30) == 2.5


def minutes(values: list[float], every_s: float = 10) -> list[tuple[float, float]]:
    return [(i * every_s, v) for i, v in enumerate(values)]


def test_memory_that_keeps_rising_is_unbounded_growth() -> None:
    leaking = minutes([100 + 0.5 * i for i in range(60)])  # 3 MB a minute for ten minutes
    verdict = judge("rss_mb.feedback", leaking)
    assert verdict.judged and verdict.grew
    assert verdict.slope_per_min == pytest.approx(3.0)


def test_memory_that_levels_off_after_warming_up_is_not_growth() -> None:
    settling = minutes([80 + min(i, 20) for i in range(60)])
    assert not judge("rss_mb.feedback", settling).grew


def test_a_single_step_that_then_holds_is_not_growth() -> None:
    stepped = minutes([100.0] * 33 + [112.0] * 27)
    assert not judge("rss_mb.goals", stepped).grew


def test_noise_around_a_level_is_not_growth() -> None:
    noisy = minutes([100 + (3 if i % 2 else -3) for i in range(60)])
    assert not judge("rss_mb.goals", noisy).grew


def test_a_slow_rise_below_the_floor_is_not_growth_on_a_short_run() -> None:
    short = minutes([100 + 0.3 * i for i in range(12)], every_s=2.5)  # steep per minute, 1.8 MB in all
    verdict = judge("rss_mb.goals", short)
    assert verdict.judged and not verdict.grew


def test_a_backlog_that_falls_further_behind_fails_the_soak() -> None:
    assert judge("outbox_backlog.feedback", minutes([20.0 * i for i in range(40)])).grew


def test_too_few_samples_give_no_verdict() -> None:
    verdict = judge("consumer_lag.analytics", minutes([0, 500, 1000]))
    assert not verdict.judged and not verdict.grew


def test_the_slope_is_the_median_of_pairwise_slopes() -> None:
    with_an_outlier = [(0, 0), (1, 1), (2, 2), (3, 3), (4, 100)]
    assert slope(with_an_outlier) == pytest.approx(1.0)
    assert slope([(0, 5), (60, 5)]) == 0
    assert slope([(0, 0), (10, 10), (20, 20)]) == pytest.approx(1.0)
