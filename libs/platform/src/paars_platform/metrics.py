"""Prometheus metrics named paars_<service>_<thing>_<unit>, created once per process."""
from __future__ import annotations

import threading
from typing import TypeVar

from prometheus_client import REGISTRY, Counter, Gauge, Histogram, start_http_server

_lock = threading.Lock()
_metrics: dict[str, object] = {}
M = TypeVar("M", Counter, Gauge, Histogram)

# Latency buckets from 1 ms to 10 s: RPCs, relays and prompts all live in that range.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1.0, 2.5, 5.0, 10.0)


def _get(kind: type[M], name: str, doc: str, labels: tuple[str, ...], **kwargs: object) -> M:
    with _lock:
        existing = _metrics.get(name)
        if existing is None:
            existing = kind(name, doc, labels, **kwargs)  # type: ignore[arg-type]
            _metrics[name] = existing
        if not isinstance(existing, kind):
            raise TypeError(f"metric {name} already registered as {type(existing).__name__}")
        return existing


def counter(name: str, doc: str, labels: tuple[str, ...] = ()) -> Counter:
    return _get(Counter, name, doc, labels)


def gauge(name: str, doc: str, labels: tuple[str, ...] = ()) -> Gauge:
    return _get(Gauge, name, doc, labels)


def histogram(name: str, doc: str, labels: tuple[str, ...] = (), buckets: tuple[float, ...] = LATENCY_BUCKETS) -> Histogram:
    return _get(Histogram, name, doc, labels, buckets=buckets)


_servers: dict[int, object] = {}


def serve_metrics(port: int, host: str = "0.0.0.0") -> int:
    """Starts the /metrics endpoint once per port (port 0: any free port); returns the port."""
    if port in _servers:
        return port
    server, _thread = start_http_server(port, addr=host, registry=REGISTRY)
    bound = int(server.server_port)
    _servers[bound] = server
    return bound
