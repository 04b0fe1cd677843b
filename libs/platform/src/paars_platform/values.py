"""The values every Paars API and event shares, checked and named one way: ids, e-mail addresses, ISO dates and
the short names of protobuf enum values."""
from __future__ import annotations

import datetime as dt
import re
from typing import Protocol

from google.protobuf.descriptor import EnumDescriptor

from paars_platform.errors import Validator

# An id as every service accepts it (employees, teams, goals, feedback, ...): what the directory import allows.
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def valid_id(value: str) -> bool:
    return bool(ID_PATTERN.match(value))


def parse_date(value: str, field: str, v: Validator, *, required: bool = True) -> dt.date | None:
    """A request's YYYY-MM-DD field; a violation on `field` (and None) when it is missing or not a date."""
    if not value:
        v.check(not required, field, "is required (YYYY-MM-DD)")
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        v.check(False, field, "must be a date YYYY-MM-DD")
        return None


def date_or_none(value: str) -> dt.date | None:
    """An event's YYYY-MM-DD field, None when empty or not a date (events are read, never rejected)."""
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


class ProtoEnum(Protocol):
    """A generated protobuf enum (its EnumTypeWrapper)."""

    @property
    def DESCRIPTOR(self) -> EnumDescriptor: ...

    def Name(self, number: int) -> str: ...


def short_name(name: str, prefix: str) -> str:
    """An enum value's name without its prefix, lower case: FEEDBACK_KIND_PRAISE -> praise."""
    return name.removeprefix(prefix).lower()


def enum_name(enum: ProtoEnum, number: int, prefix: str) -> str:
    """The short name of one enum value (ValueError for a number the enum does not have)."""
    return short_name(enum.Name(number), prefix)


def enum_names(enum: ProtoEnum, prefix: str) -> dict[int, str]:
    """Every value of an enum by number, with its short name (a lookup table for hot paths)."""
    return {value.number: short_name(value.name, prefix) for value in enum.DESCRIPTOR.values}
