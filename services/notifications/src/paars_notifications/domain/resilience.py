"""Retry schedule (exponential backoff with jitter) and a per-endpoint circuit breaker, clock injected."""
from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"


def backoff_delay(attempt: int, *, base: float, cap: float, rand: Callable[[], float] = random.random) -> float:
    """Seconds to wait after the attempt-th failure: half of the exponential step fixed, half random
    ("equal jitter"), so retries of many deliveries spread out yet never come back at once."""
    step: int = 2 ** max(0, attempt - 1)
    ceiling = min(cap, base * step)
    return ceiling / 2 + rand() * ceiling / 2


@dataclass
class CircuitBreaker:
    """closed -> open after `threshold` consecutive failures; open -> half-open after `reset_seconds`,
    letting one trial through; the trial's success closes it, its failure opens it again."""

    threshold: int = 5
    reset_seconds: float = 30.0
    clock: Callable[[], float] = time.monotonic
    state: str = CLOSED
    failures: int = 0
    opened_at: float = 0.0
    trial_in_flight: bool = False

    def allow(self) -> bool:
        if self.state == CLOSED:
            return True
        if self.state == OPEN and self.clock() - self.opened_at >= self.reset_seconds:
            self.state = HALF_OPEN
            self.trial_in_flight = False
        if self.state == HALF_OPEN and not self.trial_in_flight:
            self.trial_in_flight = True
            return True
        return False

    def record_success(self) -> None:
        self.state = CLOSED
        self.failures = 0
        self.trial_in_flight = False

    def record_failure(self) -> None:
        self.failures += 1
        if self.state == HALF_OPEN or self.failures >= self.threshold:
            self.state = OPEN
            self.opened_at = self.clock()
        self.trial_in_flight = False

    def seconds_until_trial(self) -> float:
        if self.state != OPEN:
            return 0.0
        return max(0.0, self.reset_seconds - (self.clock() - self.opened_at))


class Breakers:
    """One breaker per endpoint, created on first use."""

    def __init__(self, *, threshold: int, reset_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.threshold = threshold
        self.reset_seconds = reset_seconds
        self.clock = clock
        self._by_endpoint: dict[str, CircuitBreaker] = {}

    def for_endpoint(self, endpoint: str) -> CircuitBreaker:
        breaker = self._by_endpoint.get(endpoint)
        if breaker is None:
            breaker = self._by_endpoint[endpoint] = CircuitBreaker(self.threshold, self.reset_seconds, self.clock)
        return breaker
