"""Boundary concerns: raised confidentially to HR, handled raised -> acknowledged -> resolved; the person sees
the status. Nothing of a concern reaches the manager, analytics or any event's content (domain/privacy.py)."""
from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, replace

from paars_conversations.domain import privacy
from paars_platform.errors import FailedPrecondition, PermissionDenied

MAX_TEXT = 4000


class Kind(enum.Enum):
    THERAPIST_ROLE = 1
    COACH_IS_EVALUATOR = 2
    CONTRADICTORY_EXPECTATIONS = 3
    OTHER = 4


class State(enum.Enum):
    RAISED = 1
    ACKNOWLEDGED = 2
    RESOLVED = 3


@dataclass(frozen=True)
class Concern:
    id: str
    raised_by: str
    kind: Kind
    text: str
    raised_at: dt.datetime
    updated_at: dt.datetime
    state: State = State.RAISED
    resolution: str = ""
    handled_by: str = ""

    def item(self) -> privacy.Item:
        return privacy.Item(privacy.Content.CONCERN, self.raised_by)

    def _hr(self, roles: frozenset[str], by: str) -> None:
        if "hr" not in roles:
            raise PermissionDenied("only HR handles boundary concerns")
        if by == self.raised_by:
            raise PermissionDenied("someone else in HR handles a concern you raised yourself")

    def acknowledge(self, *, by: str, roles: frozenset[str], at: dt.datetime) -> Concern:
        self._hr(roles, by)
        if self.state is not State.RAISED:
            raise FailedPrecondition(f"this concern is already {self.state.name.lower()}")
        return replace(self, state=State.ACKNOWLEDGED, handled_by=by, updated_at=at)

    def resolve(self, *, by: str, roles: frozenset[str], resolution: str, at: dt.datetime) -> Concern:
        self._hr(roles, by)
        if self.state is State.RESOLVED:
            raise FailedPrecondition("this concern is already resolved")
        return replace(self, state=State.RESOLVED, handled_by=by, resolution=resolution, updated_at=at)


@dataclass(frozen=True)
class ConcernUpdated:
    """Carries the concern's id and state only: who raised it, about what and in which words stays in the service."""

    concern_id: str
    state: State
    at: dt.datetime
