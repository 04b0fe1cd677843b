"""The common parts of the one service shape (docs/architecture.md): what every idempotent command carries.
A service subclasses Command to add its own check(), whose arguments differ per service."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from paars_platform.auth import Identity


@dataclass(frozen=True)
class RequestKey:
    """An idempotency key and the fingerprint of the request it was sent with ("" key: no idempotency)."""

    key: str = ""
    fingerprint: str = ""


A = TypeVar("A")


@dataclass(frozen=True)
class Command(Generic[A]):
    """A change someone asks for, answered with an A. METHOD names it where retries are remembered (the
    RPC's name); ANSWER is the type a retried request is answered with again."""

    METHOD: ClassVar[str] = ""
    ANSWER: ClassVar[type[Any]] = object
    caller: Identity
    request: RequestKey


class RequestRace(Exception):
    """A concurrent request with the same idempotency key committed first; running again returns its answer."""
