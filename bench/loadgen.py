"""Closed-loop gRPC load in a process of its own (so it does not share a core's event loop with what it measures), and the echo baseline server."""
from __future__ import annotations

import asyncio
import multiprocessing
import multiprocessing.connection
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import grpc

ECHO_METHOD = "/paars.bench.v1.Echo/Echo"


@dataclass
class Load:
    """What to call: pre-serialised requests per caller (cycled), each caller with its own metadata."""

    name: str
    target: str
    method: str
    concurrency: int
    requests: list[list[bytes]]
    metadata: list[list[tuple[str, str]]]
    seconds: float
    warmup: float = 1.0
    channels: int = 4
    deadline: float = 10.0


@dataclass
class LoadResult:
    name: str
    concurrency: int
    seconds: float
    ok: int
    errors: dict[str, int]
    latencies_ms: list[float]
    # Completed calls per second since the start of the warm-up.
    timeline: list[int] = field(default_factory=list)
    # CPU seconds the load generator itself used (it shares the machine with what it measures).
    cpu_s: float = 0.0
    # Filled in by the orchestrator: CPU milliseconds per completed call, per process involved.
    cpu_ms_per_call: dict[str, float] = field(default_factory=dict)

    @property
    def rps(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of unsorted values; 0 for none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 100))))
    return ordered[rank - 1]


async def _drive(load: Load) -> LoadResult:
    channels = [
        grpc.aio.insecure_channel(load.target, options=[("grpc.use_local_subchannel_pool", 1)]) for _ in range(max(1, load.channels))
    ]
    for ch in channels:
        await asyncio.wait_for(ch.channel_ready(), timeout=10)
    calls = [ch.unary_unary(load.method) for ch in channels]
    start = time.perf_counter()
    measure_from = start + load.warmup
    end = measure_from + load.seconds
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    ok = 0
    timeline: Counter[int] = Counter()

    async def caller(k: int) -> None:
        nonlocal ok
        call = calls[k % len(calls)]
        requests = load.requests[k % len(load.requests)]
        metadata = load.metadata[k % len(load.metadata)] if load.metadata else None
        i = 0
        while True:
            began = time.perf_counter()
            if began >= end:
                return
            try:
                await call(requests[i % len(requests)], metadata=metadata, timeout=load.deadline)
                failed = ""
            except grpc.aio.AioRpcError as err:
                failed = err.code().name
            done = time.perf_counter()
            i += 1
            timeline[int(done - start)] += 1
            if began >= measure_from and done <= end:
                if failed:
                    errors[failed] += 1
                else:
                    ok += 1
                    latencies.append((done - began) * 1000)

    await asyncio.gather(*(caller(k) for k in range(load.concurrency)))
    for ch in channels:
        await ch.close()
    span = int(load.warmup + load.seconds) + 1
    return LoadResult(load.name, load.concurrency, load.seconds, ok, dict(errors), latencies, [timeline.get(s, 0) for s in range(span)])


def _child(load: Load, conn: multiprocessing.connection.Connection) -> None:
    _fast_loop()
    try:
        began = time.process_time()
        result = asyncio.run(_drive(load))
        result.cpu_s = time.process_time() - began
        conn.send(result)
    except Exception as exc:
        conn.send(exc)
    finally:
        conn.close()


def run_load(load: Load) -> LoadResult:
    """Runs the load in a fresh (spawned) process and returns its measurements."""
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(load, child), name=f"load-{load.name}")
    proc.start()
    child.close()
    try:
        if not parent.poll(load.warmup + load.seconds + 120):
            raise TimeoutError(f"load {load.name} did not report")
        result: Any = parent.recv()
    finally:
        proc.join(timeout=30)
        if proc.is_alive():
            proc.kill()
    if isinstance(result, Exception):
        raise result
    return result


def _fast_loop() -> None:
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass


# ---------- the echo baseline: a bare grpc.aio server with a generic handler and a tiny proto ----------


def _echo_server(port: int, ready: Any, stop: Any) -> None:
    _fast_loop()
    from paars.common.v1 import event_pb2

    async def echo(request: Any, context: grpc.aio.ServicerContext) -> Any:
        return request

    async def serve() -> None:
        server = grpc.aio.server(options=[("grpc.so_reuseport", 0)])
        handler = grpc.method_handlers_generic_handler(
            "paars.bench.v1.Echo",
            {"Echo": grpc.unary_unary_rpc_method_handler(echo, request_deserializer=event_pb2.EventMetadata.FromString, response_serializer=event_pb2.EventMetadata.SerializeToString)},
        )
        server.add_generic_rpc_handlers((handler,))
        server.add_insecure_port(f"127.0.0.1:{port}")
        await server.start()
        ready.set()
        while not stop.is_set():
            await asyncio.sleep(0.1)
        await server.stop(1)

    asyncio.run(serve())


class EchoServer:
    """The baseline: the same grpc.aio, on the same machine, doing nothing but parse and return."""

    def __init__(self, port: int) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.port = port
        self.ready = ctx.Event()
        self.stopping = ctx.Event()
        self.process = ctx.Process(target=_echo_server, args=(port, self.ready, self.stopping), name="echo-server")

    def __enter__(self) -> EchoServer:
        self.process.start()
        if not self.ready.wait(30):
            self.process.kill()
            raise RuntimeError("echo server did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.kill()

    @property
    def pid(self) -> int:
        return int(self.process.pid or 0)


def echo_requests() -> list[list[bytes]]:
    from paars.common.v1 import event_pb2

    message = event_pb2.EventMetadata(event_id="0f8fad5bd9cb469fa16570867728950e", producer="paars-bench", subject_id="e001")
    return [[message.SerializeToString()]]


# ---------- steady (open-loop) traffic for the soak run ----------


@dataclass
class Steady:
    """A fixed rate of calls spread over several targets; each call is issued on schedule, not after the previous one."""

    loads: list[Load]  # each contributes its method/target/requests/metadata; weights say how often
    weights: list[int]
    rate_per_s: float
    seconds: float
    window_s: float
    max_in_flight: int = 500


async def _steady(spec: Steady, conn: multiprocessing.connection.Connection) -> None:
    channels = {load.target: [grpc.aio.insecure_channel(load.target, options=[("grpc.use_local_subchannel_pool", 1)]) for _ in range(2)] for load in spec.loads}
    calls = [[ch.unary_unary(load.method) for ch in channels[load.target]] for load in spec.loads]
    plan = [i for i, w in enumerate(spec.weights) for _ in range(w)]
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    in_flight = 0
    skipped = 0

    async def one(n: int) -> None:
        nonlocal in_flight
        which = plan[n % len(plan)]
        load = spec.loads[which]
        k = n // len(plan)
        requests = load.requests[k % len(load.requests)]
        began = time.perf_counter()
        try:
            await calls[which][n % len(calls[which])](
                requests[(k // len(load.requests)) % len(requests)], metadata=load.metadata[k % len(load.metadata)], timeout=load.deadline
            )
            latencies.append((time.perf_counter() - began) * 1000)
        except grpc.aio.AioRpcError as err:
            errors[err.code().name] += 1
        finally:
            in_flight -= 1

    start = time.perf_counter()
    next_window = start + spec.window_s
    tasks: set[asyncio.Task[None]] = set()
    n = 0
    while True:
        now = time.perf_counter()
        if now - start >= spec.seconds:
            break
        due = int((now - start) * spec.rate_per_s)
        while n < due:
            if in_flight >= spec.max_in_flight:
                skipped += 1
            else:
                in_flight += 1
                task = asyncio.create_task(one(n))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            n += 1
        if now >= next_window:
            conn.send({"t": round(now - start, 2), "ok": len(latencies), "p50_ms": percentile(latencies, 50), "p99_ms": percentile(latencies, 99),
                       "errors": dict(errors), "skipped": skipped, "in_flight": in_flight})
            latencies, errors, skipped = [], Counter(), 0
            next_window += spec.window_s
        await asyncio.sleep(0.002)
    if tasks:
        await asyncio.wait(tasks, timeout=15)
    for chs in channels.values():
        for ch in chs:
            await ch.close()
    conn.send(None)


def _steady_child(spec: Steady, conn: multiprocessing.connection.Connection) -> None:
    _fast_loop()
    try:
        asyncio.run(_steady(spec, conn))
    except Exception as exc:
        conn.send(exc)
    finally:
        conn.close()


def start_steady(spec: Steady) -> tuple[Any, multiprocessing.connection.Connection]:
    """Starts the steady load in a spawned process; windows of {t, ok, p50_ms, p99_ms, errors} arrive on the connection, then None."""
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_steady_child, args=(spec, child), name="soak-load")
    proc.start()
    child.close()
    return proc, parent
