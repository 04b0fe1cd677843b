"""Erasure rules (issue 18 item 4): what is left of an erased person's directory record, when a legal hold stops an
erasure, and what a legal hold is. Goals starts every erasure (it owns the directory) and keeps the holds."""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, replace

from paars_goals.domain.org import Employee
from paars_platform.errors import FailedPrecondition, NotFound, Validator
from paars_platform.retention import hold_scope_problems

REASON_MIN = 10
REASON_MAX = 500
MAX_NAME = 64


@dataclass(frozen=True)
class LegalHold:
    """HR keeps a kind of a person's data from erasure (e.g. a signed review during a dispute), with the reason."""

    id: str
    person_id: str
    # The service whose data it keeps ("": the kind in every service) and the kind as its KINDS name it ("": all).
    service: str
    kind: str
    reason: str
    placed_by: str
    placed_at: dt.datetime
    released_at: dt.datetime | None = None
    released_by: str = ""
    release_reason: str = ""

    @property
    def in_force(self) -> bool:
        return self.released_at is None

    @property
    def whole_person(self) -> bool:
        """Keeps everything about the person everywhere: erasure waits until it is released."""
        return not self.service and not self.kind

    def same_scope(self, service: str, kind: str) -> bool:
        return self.in_force and (self.service, self.kind) == (service, kind)

    def released(self, by: str, reason: str, at: dt.datetime) -> LegalHold:
        if not self.in_force:
            raise FailedPrecondition(f"legal hold {self.id!r} was already released")
        return replace(self, released_at=at, released_by=by, release_reason=reason)


def new_hold(person_id: str, service: str, kind: str, reason: str, placed_by: str, at: dt.datetime) -> LegalHold:
    return LegalHold(uuid.uuid4().hex, person_id, service, kind, reason, placed_by, at)


def check_hold_scope(service: str, kind: str, v: Validator) -> None:
    """A hold names a service that holds personal data and one of its kinds (paars_platform.retention.HOLD_KINDS),
    either empty for all: a kind no service has would keep nothing while looking like it does."""
    if v.max_length(service, "service", MAX_NAME) and v.max_length(kind, "kind", MAX_NAME):
        for name, problem in hold_scope_problems(service, kind):
            v.check(False, name, problem)


def check_erasable(person_id: str, employee: Employee | None, holds: list[LegalHold]) -> None:
    """An unknown person cannot be erased; a hold on everything about the person stops the erasure."""
    if employee is None:
        raise NotFound(f"employee {person_id!r} not found")
    whole = [h for h in holds if h.in_force and h.whole_person]
    if whole:
        raise FailedPrecondition(f"legal hold {whole[0].id!r} keeps all of {person_id!r}'s data: release it first ({whole[0].reason})")


def anonymised(employee: Employee, at: dt.datetime) -> Employee:
    """What is left of an erased person's directory record: the id (so it is never given to someone else), the
    manager and team (the structure the people below them hang on), inactive, nothing that says who they were."""
    return Employee(employee.id, "", "", employee.manager_id, employee.team_id, (), False, "UTC", None, employee.version + 1, at)
