"""The grpc.aio server every Paars service runs: health, reflection, identity, RED metrics, deadlines, errors."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import Any

import grpc
from google.protobuf.message import DecodeError
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from grpc_status import rpc_status

from paars_platform import metrics
from paars_platform.auth import ANONYMOUS, CallerResolver, Identity, TokenVerifier, current_identity, rpc_scope, scope_allows
from paars_platform.config import Settings
from paars_platform.errors import DomainError, InvalidArgument, PermissionDenied, Unauthenticated, internal_status, shown, to_rpc_status
from paars_platform.logs import correlation_id, new_correlation_id
from paars_platform.outage import is_unavailable

log = logging.getLogger("paars.grpc")

CORRELATION_HEADER = "x-correlation-id"


class _Undecodable:
    """Takes the place of a request whose bytes are not a valid message, so it becomes INVALID_ARGUMENT."""

    def __init__(self, error: Exception) -> None:
        self.error = error


def _lenient(deserializer: Callable[[bytes], Any] | None) -> Callable[[bytes], Any] | None:
    if deserializer is None:
        return None

    def parse(data: bytes) -> Any:
        try:
            return deserializer(data)
        except (DecodeError, ValueError, TypeError) as exc:
            return _Undecodable(exc)

    return parse


def nul_field(message: Any, prefix: str = "") -> str:
    """The path of the first string field holding a NUL character ("" if none).

    PostgreSQL text cannot store NUL, so one platform-wide check keeps every service's behaviour the
    same on both backends and turns what would be a driver error into INVALID_ARGUMENT.
    """
    for field, value in message.ListFields():
        name = f"{prefix}{field.name}"
        if field.type == field.TYPE_STRING:
            values = value if field.is_repeated else [value]
            for i, v in enumerate(values):
                if "\x00" in v:
                    return f"{name}[{i}]" if field.is_repeated else name
        elif field.type == field.TYPE_MESSAGE:
            if field.message_type.GetOptions().map_entry:
                for k, v in value.items():
                    if "\x00" in str(k) or (isinstance(v, str) and "\x00" in v):
                        return f"{name}[{k!r}]"
                    if hasattr(v, "ListFields"):
                        found = nul_field(v, f"{name}[{k!r}].")
                        if found:
                            return found
                continue
            items = value if field.is_repeated else [value]
            for i, item in enumerate(items):
                found = nul_field(item, f"{name}[{i}]." if field.is_repeated else f"{name}.")
                if found:
                    return found
    return ""


def _check_request(request: Any) -> None:
    if isinstance(request, _Undecodable):
        raise InvalidArgument("request", f"is not a valid message: {request.error}")
    bad = nul_field(request)
    if bad:
        raise InvalidArgument(bad, "must not contain NUL characters")


class PlatformInterceptor(grpc.aio.ServerInterceptor):
    """One place for what every RPC needs; servicers only translate and call handlers."""

    def __init__(
        self, settings: Settings, verifier: TokenVerifier, callers: CallerResolver, public_methods: Iterable[str] = ()
    ) -> None:
        self.settings = settings
        self.verifier = verifier
        self.callers = callers
        self.public_methods = set(public_methods)
        svc = settings.service
        self.requests = metrics.counter(
            f"paars_{svc}_grpc_requests_total", "gRPC requests by method and status code.", ("method", "code")
        )
        self.latency = metrics.histogram(
            f"paars_{svc}_grpc_request_duration_seconds", "gRPC request latency by method.", ("method",)
        )

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler[Any, Any] | None]],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        handler = await continuation(details)
        method = details.method
        if handler is None or method.startswith("/grpc."):
            return handler
        short = method.rsplit("/", 1)[-1]
        if handler.unary_unary:
            return grpc.unary_unary_rpc_method_handler(
                self._unary(short, method, handler.unary_unary),
                request_deserializer=_lenient(handler.request_deserializer),
                response_serializer=handler.response_serializer,
            )
        if handler.unary_stream:
            return grpc.unary_stream_rpc_method_handler(
                self._stream(short, method, handler.unary_stream),
                request_deserializer=_lenient(handler.request_deserializer),
                response_serializer=handler.response_serializer,
            )
        return handler

    async def _authenticate(self, method: str, context: grpc.aio.ServicerContext[Any, Any]) -> Identity:
        md = {k: v for k, v in (context.invocation_metadata() or ())}
        correlation_id.set(str(md.get(CORRELATION_HEADER) or new_correlation_id()))
        auth = md.get("authorization", "")
        if isinstance(auth, bytes):
            auth = auth.decode(errors="replace")
        if not auth:
            if method in self.public_methods:
                return ANONYMOUS
            raise Unauthenticated("missing bearer token (metadata 'authorization: Bearer <jwt>')")
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Unauthenticated("authorization metadata must be 'Bearer <jwt>'")
        who = await self.callers.resolve(await self.verifier.verify(token.strip()))
        if who.kind == "system":
            self._check_scope(who, method)
        return who

    def _check_scope(self, who: Identity, method: str) -> None:
        """A system calls only the RPCs its scopes name. Only a development token (HS256, minted by
        `paars token` or the demo) may name none; the provider's tokens always carry their scopes."""
        if who.scopes is None:
            if self.settings.is_development and self.settings.jwt_algorithm == "HS256":
                return
            raise PermissionDenied(f"a system token needs the scope {rpc_scope(method)} (it names no scopes)")
        if not scope_allows(who.scopes, method):
            raise PermissionDenied(f"client {shown(who.employee_id)} lacks the scope {rpc_scope(method)}")

    async def _fail(self, context: grpc.aio.ServicerContext[Any, Any], error: DomainError) -> None:
        await context.abort_with_status(rpc_status.to_status(to_rpc_status(error)))

    def _timeout(self, context: grpc.aio.ServicerContext[Any, Any]) -> float:
        remaining = context.time_remaining()
        default = self.settings.default_deadline_seconds
        return default if remaining is None else max(0.0, min(remaining, default))

    @contextlib.asynccontextmanager
    async def _outcome(self, short: str, context: grpc.aio.ServicerContext[Any, Any], started: float | None) -> AsyncIterator[None]:
        """Maps whatever the call raised to its status (the one place that does) and records RED metrics."""
        code = grpc.StatusCode.OK
        try:
            yield
        except DomainError as err:
            code = err.code
            await self._fail(context, err)
        except TimeoutError:
            code = grpc.StatusCode.DEADLINE_EXCEEDED
            await context.abort(code, "deadline exceeded")
        except asyncio.CancelledError:
            code = grpc.StatusCode.CANCELLED
            raise
        except grpc.aio.AbortError:
            code = context.code() or grpc.StatusCode.UNKNOWN
            raise
        except Exception as exc:
            if is_unavailable(exc):
                # A restarting database is not the caller's fault nor a bug: UNAVAILABLE tells clients
                # to retry (with their idempotency key), and nothing was committed.
                code = grpc.StatusCode.UNAVAILABLE
                log.warning("database unavailable in %s: %s", short, exc.__class__.__name__)
                await context.abort(code, "temporarily unavailable; retry with the same idempotency key")
            else:
                code = grpc.StatusCode.INTERNAL
                log.exception("unhandled error in %s", short)
                await context.abort_with_status(rpc_status.to_status(internal_status()))
        finally:
            self.requests.labels(short, code.name).inc()
            if started is not None:
                self.latency.labels(short).observe(time.perf_counter() - started)

    def _unary(self, short: str, method: str, inner: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def call(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
            async with self._outcome(short, context, time.perf_counter()):
                # Who calls comes first: a caller without a token learns nothing about what a valid request is.
                current_identity.set(await self._authenticate(method, context))
                _check_request(request)
                return await asyncio.wait_for(inner(request, context), timeout=self._timeout(context))

        return call

    def _stream(self, short: str, method: str, inner: Callable[..., Any]) -> Callable[..., Any]:
        # Streams are long-lived (Subscribe): their duration is not a latency, so only the outcome is counted.
        async def call(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
            async with self._outcome(short, context, None):
                current_identity.set(await self._authenticate(method, context))
                _check_request(request)
                async for item in inner(request, context):
                    yield item

        return call


class GrpcServer:
    """Builds, starts and gracefully stops a grpc.aio server with the platform's standard parts."""

    def __init__(
        self,
        settings: Settings,
        *,
        service_names: list[str],
        register: Callable[[grpc.aio.Server], None],
        callers: CallerResolver,
        public_methods: Iterable[str] = (),
    ) -> None:
        self.settings = settings
        self.service_names = service_names
        self.interceptor = PlatformInterceptor(settings, TokenVerifier(settings), callers, public_methods)
        self.server = grpc.aio.server(
            interceptors=[self.interceptor],
            options=[("grpc.so_reuseport", 0), ("grpc.max_receive_message_length", 4 * 1024 * 1024)],
        )
        register(self.server)
        self.health = health.aio.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        reflection.enable_server_reflection([*service_names, health.SERVICE_NAME, reflection.SERVICE_NAME], self.server)
        self.port = 0

    async def start(self) -> int:
        self.port = self.server.add_insecure_port(f"{self.settings.grpc_host}:{self.settings.grpc_port}")
        if self.port == 0:
            raise RuntimeError(f"cannot bind gRPC port {self.settings.grpc_host}:{self.settings.grpc_port}")
        await self.server.start()
        for name in ["", *self.service_names]:
            await self.health.set(name, health_pb2.HealthCheckResponse.SERVING)
        log.info("gRPC serving", extra={"port": self.port, "services": ",".join(self.service_names)})
        return self.port

    async def stop(self, grace: float) -> None:
        """NOT_SERVING first (so load balancers drain), then let in-flight RPCs finish."""
        for name in ["", *self.service_names]:
            await self.health.set(name, health_pb2.HealthCheckResponse.NOT_SERVING)
        await self.server.stop(grace)
