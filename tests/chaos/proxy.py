"""A TCP proxy between the services and the broker whose link can be cut and restored (fault injection).

It runs its own event loop in a thread, so the load generator's loop (or a blocking Kafka reader in
the checker) never slows the traffic it carries. Cutting closes every live connection and refuses new
ones until restored, which is what clients see when a network path to the broker goes down.
"""
from __future__ import annotations

import asyncio
import contextlib
import threading

from paars_platform.embedded_broker import free_port


class TcpProxy:
    def __init__(self, target_host: str, target_port: int, *, listen_port: int = 0, host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self.host = host
        self.port = listen_port or free_port()
        self.connections_total = 0
        self._cut = False
        self._writers: set[asyncio.StreamWriter] = set()
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, name="chaos-proxy", daemon=True)

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def start(self) -> TcpProxy:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._listen(), self._loop).result(timeout=10)
        return self

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._accept, self.host, self.port, reuse_address=True)

    async def _accept(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        if self._cut:
            _abort(client_writer)
            return
        try:
            broker_reader, broker_writer = await asyncio.open_connection(*self.target)
        except OSError:
            _abort(client_writer)
            return
        self.connections_total += 1
        self._writers.update((client_writer, broker_writer))
        try:
            await asyncio.gather(_pipe(client_reader, broker_writer), _pipe(broker_reader, client_writer))
        finally:
            for writer in (client_writer, broker_writer):
                self._writers.discard(writer)
                _abort(writer)

    def cut(self) -> None:
        """Drop every connection and refuse new ones."""
        asyncio.run_coroutine_threadsafe(self._set_cut(True), self._loop).result(timeout=10)

    def restore(self) -> None:
        asyncio.run_coroutine_threadsafe(self._set_cut(False), self._loop).result(timeout=10)

    async def _set_cut(self, cut: bool) -> None:
        self._cut = cut
        if cut:
            for writer in list(self._writers):
                _abort(writer)
            self._writers.clear()

    def stop(self) -> None:
        async def close() -> None:
            await self._set_cut(True)
            if self._server is not None:
                self._server.close()
                await self._server.wait_closed()

        if self._thread.is_alive():
            with contextlib.suppress(Exception):
                asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=10)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError, asyncio.CancelledError):
        pass
    finally:
        _abort(writer)


def _abort(writer: asyncio.StreamWriter) -> None:
    """Close at once (RST), as a cut link does, instead of a polite FIN after pending data."""
    transport = writer.transport
    if not transport.is_closing():
        transport.abort()
