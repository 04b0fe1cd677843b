"""Domain errors and their one mapping to gRPC status codes (with google.rpc field details)."""
from __future__ import annotations

import math
from dataclasses import dataclass

import grpc
from google.protobuf import any_pb2, duration_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2

# What an error may echo back, in UTF-8 bytes. gRPC refuses trailers over 16 KB ("Stream removed",
# RESOURCE_EXHAUSTED), and the message travels twice (grpc-message, percent-encoded, and
# grpc-status-details-bin, base64): a 10 KB id in a message would replace the status the caller should see.
MAX_MESSAGE = 600
MAX_FIELD = 100
MAX_DESCRIPTION = 200
MAX_VIOLATIONS = 10
MAX_SHOWN = 80


def bounded(text: str, limit: int) -> str:
    """text, or its start and end around an ellipsis when longer than limit bytes (the end often says what went wrong)."""
    data = text.encode()
    if len(data) <= limit:
        return text
    keep = limit - 5
    head, tail = keep - keep // 3, keep // 3
    return data[:head].decode(errors="ignore") + " ... " + data[len(data) - tail :].decode(errors="ignore")


def shown(value: str) -> str:
    """A caller-supplied value as an error message may quote it: repr'd and cut to MAX_SHOWN characters."""
    return repr(value) if len(value) <= MAX_SHOWN else repr(value[:MAX_SHOWN]) + f"... ({len(value)} characters)"


@dataclass(frozen=True)
class FieldViolation:
    field: str
    description: str


class DomainError(Exception):
    """Something the caller did or asked for; never INTERNAL."""

    code: grpc.StatusCode = grpc.StatusCode.FAILED_PRECONDITION

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidArgument(DomainError):
    code = grpc.StatusCode.INVALID_ARGUMENT

    def __init__(self, violations: list[FieldViolation] | FieldViolation | str, description: str = "") -> None:
        if isinstance(violations, str):
            violations = [FieldViolation(violations, description)]
        elif isinstance(violations, FieldViolation):
            violations = [violations]
        self.violations = violations
        summary = "; ".join(f"{v.field}: {v.description}" for v in violations)
        super().__init__(f"invalid request: {summary}")


class NotFound(DomainError):
    code = grpc.StatusCode.NOT_FOUND


class PermissionDenied(DomainError):
    code = grpc.StatusCode.PERMISSION_DENIED


class Unauthenticated(DomainError):
    code = grpc.StatusCode.UNAUTHENTICATED


class Unavailable(DomainError):
    """A dependency (the identity provider's keys) cannot be reached; the caller may retry."""

    code = grpc.StatusCode.UNAVAILABLE


class ResourceExhausted(DomainError):
    """Too many calls from one caller in a while; the status carries a google.rpc.RetryInfo."""

    code = grpc.StatusCode.RESOURCE_EXHAUSTED

    def __init__(self, message: str, retry_after_seconds: float) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class StaleVersion(DomainError):
    """Optimistic concurrency: the caller's expected version is not the current one."""

    code = grpc.StatusCode.ABORTED


class AlreadyExists(DomainError):
    code = grpc.StatusCode.ALREADY_EXISTS


class FailedPrecondition(DomainError):
    code = grpc.StatusCode.FAILED_PRECONDITION


class Validator:
    """Collects every field violation of a request, so the caller fixes them all in one go."""

    def __init__(self) -> None:
        self.violations: list[FieldViolation] = []

    def check(self, ok: bool, field: str, description: str) -> bool:
        if not ok:
            self.violations.append(FieldViolation(field, description))
        return ok

    def require(self, value: str, field: str, max_length: int = 200) -> bool:
        if not value or not value.strip():
            return self.check(False, field, "is required")
        return self.max_length(value, field, max_length)

    def max_length(self, value: str, field: str, max_length: int) -> bool:
        # PostgreSQL text cannot hold NUL; rejecting it here keeps both backends identical.
        if not self.check("\x00" not in value, field, "must not contain NUL characters"):
            return False
        return self.check(len(value) <= max_length, field, f"must be at most {max_length} characters")

    def raise_if_any(self) -> None:
        if self.violations:
            raise InvalidArgument(list(self.violations))


def to_rpc_status(error: DomainError) -> status_pb2.Status:
    """The rich status for grpc-status-details-bin (google.rpc.Status with BadRequest details)."""
    status = status_pb2.Status(code=error.code.value[0], message=bounded(error.message, MAX_MESSAGE))
    if isinstance(error, InvalidArgument):
        detail = any_pb2.Any()
        detail.Pack(
            error_details_pb2.BadRequest(
                field_violations=[
                    error_details_pb2.BadRequest.FieldViolation(
                        field=bounded(v.field, MAX_FIELD), description=bounded(v.description, MAX_DESCRIPTION)
                    )
                    for v in error.violations[:MAX_VIOLATIONS]
                ]
            )
        )
        status.details.append(detail)
    if isinstance(error, ResourceExhausted):
        delay = duration_pb2.Duration()
        delay.FromMilliseconds(max(1, math.ceil(error.retry_after_seconds * 1000)))
        detail = any_pb2.Any()
        detail.Pack(error_details_pb2.RetryInfo(retry_delay=delay))
        status.details.append(detail)
    return status


def retry_delay(err: grpc.RpcError) -> float | None:
    """Client side: the seconds a RESOURCE_EXHAUSTED status asks to wait (its RetryInfo), or None."""
    from grpc_status import rpc_status

    status = rpc_status.from_call(err)  # type: ignore[arg-type]
    for detail in status.details if status is not None else ():
        if detail.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
            info = error_details_pb2.RetryInfo()
            detail.Unpack(info)
            return info.retry_delay.ToTimedelta().total_seconds()
    return None


def internal_status(message: str = "internal error") -> status_pb2.Status:
    return status_pb2.Status(code=code_pb2.INTERNAL, message=message)


def field_violations(err: grpc.RpcError) -> list[tuple[str, str]]:
    """Client side: the (field, description) pairs carried by an INVALID_ARGUMENT status."""
    from grpc_status import rpc_status

    status = rpc_status.from_call(err)  # type: ignore[arg-type]
    if status is None:
        return []
    out: list[tuple[str, str]] = []
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            out.extend((v.field, v.description) for v in bad.field_violations)
    return out
