"""Data rights without a database (issue 18 items 3 and 4): who may export a person's data or read an erasure's
status, the export query and its answer, and values as JSON carries them. paars_platform.personal_data (the export
over a service's tables) and paars_platform.erasure (deleting the rows) build on this and re-export these names; a
service with no database of its own (analytics: its state is in Kafka) uses this module alone, without SQLAlchemy.
"""
from __future__ import annotations

import base64
import datetime as dt
import decimal
import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from paars.privacy.v1 import privacy_pb2 as pb
from paars_platform import metrics
from paars_platform.auth import Identity
from paars_platform.errors import FailedPrecondition, PermissionDenied, Validator

HR_ROLES = ("hr",)
REASON_MIN = 10
REASON_MAX = 500

EXPORTS = metrics.counter("paars_personal_data_exports_total", "Exports of a person's data answered, by service and basis (self, hr)", ("service", "basis"))


def jsonable(value: Any) -> Any:
    """A database value as JSON can carry it."""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    return value


# ---------- who may ----------


def require_hr(caller: Identity) -> None:
    if not caller.has(*HR_ROLES):
        raise PermissionDenied("only HR may read the status of an erasure or the legal holds")


def starts_in_goals(caller: Identity) -> FailedPrecondition:
    """What a service other than goals answers to ErasePerson and the legal-hold RPCs (after the caller's check)."""
    require_hr(caller)
    return FailedPrecondition("erasure and legal holds start in goals, the directory's owner")


# ---------- the export's query and answer ----------


@dataclass(frozen=True)
class ExportPersonData:
    """A query: everything this service holds about a person. The person themselves, or HR with a stated reason."""

    caller: Identity
    person_id: str = ""
    reason: str = ""

    @property
    def subject(self) -> str:
        return self.person_id or self.caller.employee_id

    @property
    def basis(self) -> str:
        return "self" if self.subject == self.caller.employee_id else "hr"

    def check(self) -> None:
        v = Validator()
        v.max_length(self.person_id, "person_id", 100)
        if self.basis == "hr":
            if not self.caller.has(*HR_ROLES) or self.caller.kind != "person":
                raise PermissionDenied("only the person themselves or HR may export a person's data")
            if v.require(self.reason, "reason", REASON_MAX):
                v.check(len(self.reason.strip()) >= REASON_MIN, "reason", f"must say why in at least {REASON_MIN} characters")
        else:
            v.max_length(self.reason, "reason", REASON_MAX)
        v.raise_if_any()


@dataclass(frozen=True)
class PersonDataExport:
    service: str
    person_id: str
    data: dict[str, Any]

    def counts(self) -> dict[str, int]:
        return {k: len(v) for k, v in self.data.items() if isinstance(v, list)}

    def to_proto(self) -> pb.PersonDataExport:
        return pb.PersonDataExport(
            service=self.service, person_id=self.person_id, json=json.dumps(self.data, ensure_ascii=False, sort_keys=True), counts=self.counts(),
        )


SERVICE_NAME = pb.DESCRIPTOR.services_by_name["PersonalData"].full_name
