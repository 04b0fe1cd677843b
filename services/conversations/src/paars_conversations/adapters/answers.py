"""The answers remembered for idempotent requests, as bytes and back (the platform's idempotency_keys.response).

Every answer of a conversations command is a frozen dataclass of ids, texts, enums, dates and tuples (PairView,
MeetingView, CoachProfile, CoachingRequest, CoachingSession, Concern, Circle, CircleSession), so one codec
over the dataclass fields stores each whole: a retry is answered exactly as the first time, from the same
domain object the response is built from. A remembered answer is read back only by its own caller with the
same key (SqlUnitOfWorkBase.recall), so it holds nothing that caller could not read in the first answer."""
from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import functools
import json
import types
import typing
from typing import Any


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, tuple | list | frozenset | set):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return [[_plain(k), _plain(v)] for k, v in value.items()]
    return value


def encode_answer(answer: Any) -> bytes:
    return json.dumps(_plain(answer), separators=(",", ":"), ensure_ascii=False).encode()


@functools.cache
def _hints(cls: type[Any]) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _typed(kind: Any, value: Any) -> Any:
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (types.UnionType, typing.Union):
        if value is None:
            return None
        return _typed(next(a for a in args if a is not type(None)), value)
    if origin is tuple:
        return tuple(_typed(args[0], v) for v in value)
    if origin is list:
        return [_typed(args[0], v) for v in value]
    if origin is frozenset:
        return frozenset(_typed(args[0], v) for v in value)
    if origin is dict:
        return {_typed(args[0], k): _typed(args[1], v) for k, v in value}
    if isinstance(kind, type):
        if dataclasses.is_dataclass(kind):
            hints = _hints(kind)
            return kind(**{f.name: _typed(hints[f.name], value[f.name]) for f in dataclasses.fields(kind) if f.init and f.name in value})
        if issubclass(kind, enum.Enum):
            return kind(value)
        if kind is dt.datetime:
            return dt.datetime.fromisoformat(value)
        if kind is dt.date:
            return dt.date.fromisoformat(value)
    return value


def decode_answer(answer_type: type[Any], data: bytes) -> Any:
    return _typed(answer_type, json.loads(data))
