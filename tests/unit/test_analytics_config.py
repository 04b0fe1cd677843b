"""Analytics settings from the environment: the cyclic garbage collector's thresholds the worker sets at start."""
from __future__ import annotations

import pytest

from paars_analytics.config import AnalyticsConfig


def test_the_gc_thresholds_default_to_fewer_passes_and_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PAARS_ANALYTICS_GC_THRESHOLD", raising=False)
    assert AnalyticsConfig.from_env().gc_threshold == (50_000, 20, 10)
    monkeypatch.setenv("PAARS_ANALYTICS_GC_THRESHOLD", "700,10,10")
    assert AnalyticsConfig.from_env().gc_threshold == (700, 10, 10)


@pytest.mark.parametrize("value", ["700,10", "700,10,10,1", "-1,10,10", "a,b,c"])
def test_gc_thresholds_that_are_not_three_non_negative_integers_are_refused(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("PAARS_ANALYTICS_GC_THRESHOLD", value)
    with pytest.raises(ValueError):
        AnalyticsConfig.from_env()
