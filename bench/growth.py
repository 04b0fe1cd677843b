"""Pure helpers of the soak run: durations like 30s/10m/1h, and the verdict on unbounded growth of a sampled series.

A series "grows without bound" when, over the second half of the run (after start-up and warm-up have
settled), its Theil-Sen slope (the median of the slopes between every pair of samples) exceeds a
per-minute limit AND the rise that slope implies over that half exceeds a floor. The median makes a
one-off step (a cache filling once, a batch of lag caught up later) or a GC spike count for little,
while a steady leak moves every pair; the floor keeps noise on a short run from counting. Too few
samples in the second half means no verdict.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# Per series kind: the slope limit per minute and the rise floor over the second half (same unit).
LIMITS: dict[str, tuple[float, float]] = {
    "rss_mb": (1.0, 5.0),  # a process that keeps 1 MB/min more is a leak: 1.4 GB a day
    "outbox_backlog": (60.0, 100.0),  # falling behind by one event a second
    "consumer_lag": (60.0, 100.0),
    "p99_ms": (5.0, 20.0),  # latency creeping up: a table scan over a growing table, a queue building
}
MIN_SAMPLES = 4

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|hr)?\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hr": 3600}


def parse_duration(text: str) -> float:
    """Seconds in '30s', '10m', '1h', '1.5h' or a bare number of seconds."""
    m = _DURATION.match(text)
    if not m:
        raise ValueError(f"not a duration: {text!r} (use e.g. 30s, 10m, 1h)")
    seconds = float(m.group(1)) * _UNIT_SECONDS[(m.group(2) or "s").lower()]
    if seconds <= 0:
        raise ValueError(f"duration must be positive: {text!r}")
    return seconds


def sample_interval(duration_s: float, preferred: float = 10.0) -> float:
    """Every 10 s, except that short runs sample often enough to judge their second half (>= 12 samples)."""
    return max(1.0, min(preferred, duration_s / 12))


def slope(points: list[tuple[float, float]]) -> float:
    """Theil-Sen slope of value over time (value units per second); 0 for fewer than two distinct times."""
    pairs = sorted(
        (v2 - v1) / (t2 - t1) for i, (t1, v1) in enumerate(points) for t2, v2 in points[i + 1:] if t2 != t1
    )
    if not pairs:
        return 0.0
    mid = len(pairs) // 2
    return pairs[mid] if len(pairs) % 2 else (pairs[mid - 1] + pairs[mid]) / 2


@dataclass(frozen=True)
class Verdict:
    series: str
    judged: bool
    grew: bool
    slope_per_min: float
    rise: float
    limit_per_min: float
    floor: float

    def as_dict(self) -> dict[str, object]:
        return {
            "series": self.series, "judged": self.judged, "grew": self.grew, "slope_per_min": round(self.slope_per_min, 3),
            "rise_second_half": round(self.rise, 3), "limit_per_min": self.limit_per_min, "floor": self.floor,
        }


def judge(series: str, points: list[tuple[float, float]], kind: str | None = None) -> Verdict:
    """The verdict on one series of (seconds since start, value); its kind is the series name up to the first dot."""
    limit, floor = LIMITS[kind or series.split(".", 1)[0]]
    if not points:
        return Verdict(series, False, False, 0.0, 0.0, limit, floor)
    start, end = points[0][0], points[-1][0]
    half = [(t, v) for t, v in points if t >= start + (end - start) / 2]
    if len(half) < MIN_SAMPLES:
        return Verdict(series, False, False, 0.0, 0.0, limit, floor)
    per_min = slope(half) * 60
    rise = per_min * (half[-1][0] - half[0][0]) / 60
    return Verdict(series, True, per_min > limit and rise > floor, per_min, rise, limit, floor)
