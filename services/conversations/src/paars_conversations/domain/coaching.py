"""Coaching: a coachee asks their manager, an internal coach or a peer; the coach accepts or declines (an internal
coach within their capacity); goals link to development goals; sessions' notes belong to coach and coachee."""
from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, replace

from paars_conversations.domain import privacy
from paars_platform.errors import FailedPrecondition, InvalidArgument, PermissionDenied

MAX_BIO = 600
MAX_TOPIC = 2000
MAX_NOTES = 8000
MAX_GOALS = 10
MAX_CAPACITY = 20
DEFAULT_CAPACITY = 3


class Relation(enum.Enum):
    MANAGER = 1
    INTERNAL_COACH = 2
    PEER = 3


class State(enum.Enum):
    REQUESTED = 1
    ACCEPTED = 2
    DECLINED = 3


@dataclass(frozen=True)
class CoachProfile:
    coach_id: str
    bio: str
    capacity: int
    active_coachees: int = 0

    @property
    def available(self) -> bool:
        return self.active_coachees < self.capacity


@dataclass(frozen=True)
class CoachingGoal:
    id: str
    text: str
    development_goal_id: str = ""


@dataclass(frozen=True)
class CoachingRequest:
    id: str
    coachee_id: str
    coach_id: str
    relation: Relation
    topic: str
    requested_at: dt.datetime
    state: State = State.REQUESTED
    goals: tuple[CoachingGoal, ...] = ()

    @property
    def members(self) -> frozenset[str]:
        return frozenset((self.coachee_id, self.coach_id))

    def item(self) -> privacy.Item:
        return privacy.Item(privacy.Content.COACHING, self.coachee_id, self.members)

    def answer(self, *, accept: bool, by: str, profile: CoachProfile | None) -> CoachingRequest:
        if by != self.coach_id:
            raise PermissionDenied("only the person asked to coach answers the request")
        if self.state is not State.REQUESTED:
            raise FailedPrecondition(f"this request is already {self.state.name.lower()}")
        if accept and self.relation is Relation.INTERNAL_COACH and (profile is None or not profile.available):
            raise FailedPrecondition("you have no room for another coachee: raise your capacity first")
        return replace(self, state=State.ACCEPTED if accept else State.DECLINED)

    def add_goal(self, goal: CoachingGoal, by: str) -> CoachingRequest:
        if by not in self.members:
            raise PermissionDenied("only coach and coachee set coaching goals")
        if self.state is State.DECLINED:
            raise FailedPrecondition("this request was declined")
        if len(self.goals) >= MAX_GOALS:
            raise FailedPrecondition(f"at most {MAX_GOALS} coaching goals")
        return replace(self, goals=(*self.goals, goal))

    def development_goal_ids(self) -> tuple[str, ...]:
        return tuple(g.development_goal_id for g in self.goals if g.development_goal_id)


def check_relation(relation: Relation, *, coachee_id: str, coach_id: str, coachee_manager_id: str | None,
                   coach_roles: frozenset[str], coach_active: bool) -> None:
    """Who may be asked: the coachee's own manager; a person with the coach role; any other colleague as a peer."""
    if coach_id == coachee_id:
        raise InvalidArgument("coach_id", "cannot be yourself")
    if not coach_active:
        raise InvalidArgument("coach_id", "is not an active colleague")
    if relation is Relation.MANAGER and coachee_manager_id != coach_id:
        raise InvalidArgument("coach_id", "is not your manager")
    if relation is Relation.INTERNAL_COACH and "coach" not in coach_roles:
        raise InvalidArgument("coach_id", "is not an internal coach")


@dataclass(frozen=True)
class CoachingSession:
    id: str
    request_id: str
    held_on: dt.date
    notes: str
    recorded_by: str


def record_session(request: CoachingRequest, session: CoachingSession) -> CoachingSession:
    if session.recorded_by not in request.members:
        raise PermissionDenied("only coach and coachee record their sessions")
    if request.state is not State.ACCEPTED:
        raise FailedPrecondition("sessions follow an accepted coaching request")
    return session


@dataclass(frozen=True)
class CoachingRequestUpdated:
    request: CoachingRequest
    actor_id: str
    at: dt.datetime


@dataclass(frozen=True)
class CoachingSessionCompleted:
    request: CoachingRequest
    session: CoachingSession
    at: dt.datetime
