"""Thin gRPC servicers: a request and its caller become a command or query, the bus runs it, the answer
becomes the response. Domain errors become gRPC statuses in the platform's server (paars_platform.errors)."""
from __future__ import annotations

import hashlib

import grpc
from google.protobuf.message import Message

from paars.goals.v1 import goals_pb2 as pb
from paars.goals.v1 import goals_pb2_grpc
from paars.org.v1 import org_pb2, org_pb2_grpc
from paars.privacy.v1 import privacy_pb2
from paars_goals.adapters import protobuf as out
from paars_goals.domain.goals import ProposedKeyResult
from paars_goals.service_layer import commands as c
from paars_goals.service_layer.messagebus import MessageBus
from paars_platform.auth import Identity, require_person


def request_key(key: str, request: Message) -> c.RequestKey:
    """The idempotency key and the request's fingerprint (a retry must send the same request)."""
    if not key:
        return c.RequestKey()
    return c.RequestKey(key, hashlib.sha256(request.SerializeToString(deterministic=True)).hexdigest())


def key_results(krs: object) -> tuple[ProposedKeyResult, ...]:
    return tuple(
        ProposedKeyResult(kr.id, kr.title, kr.start_value, kr.target_value, kr.unit, kr.current_value)
        for kr in krs  # type: ignore[attr-defined]
    )


class GoalServicer(goals_pb2_grpc.GoalServiceServicer):
    def __init__(self, bus: MessageBus) -> None:
        self.bus = bus

    async def ProposeGoal(self, request: pb.ProposeGoalRequest, context: grpc.aio.ServicerContext) -> pb.Goal:
        command = c.ProposeGoal(
            require_person(), request_key(request.idempotency_key, request), kind=request.kind, level=request.level,
            title=request.title, description=request.description, owner_id=request.owner_id, team_id=request.team_id,
            parent_goal_id=request.parent_goal_id, weight=request.weight, key_results=key_results(request.key_results),
            start_date=request.start_date, due_date=request.due_date, story_keys=tuple(request.story_keys),
        )
        return out.goal_to_proto(await self.bus.handle(command))

    async def CounterProposeGoal(self, request: pb.CounterProposeGoalRequest, context: grpc.aio.ServicerContext) -> pb.Goal:
        command = c.CounterProposeGoal(
            require_person(), request_key(request.idempotency_key, request), goal_id=request.goal_id,
            expected_version=request.expected_version, comment=request.comment, title=request.title,
            description=request.description, weight=request.weight, key_results=key_results(request.key_results),
            due_date=request.due_date, story_keys=tuple(request.story_keys) if request.replace_story_keys else None,
        )
        return out.goal_to_proto(await self.bus.handle(command))

    async def AgreeGoal(self, request: pb.AgreeGoalRequest, context: grpc.aio.ServicerContext) -> pb.Goal:
        command = c.AgreeGoal(
            require_person(), request_key(request.idempotency_key, request), goal_id=request.goal_id,
            expected_version=request.expected_version, comment=request.comment,
        )
        return out.goal_to_proto(await self.bus.handle(command))

    async def CommentOnGoal(self, request: pb.CommentOnGoalRequest, context: grpc.aio.ServicerContext) -> pb.Comment:
        command = c.CommentOnGoal(require_person(), request_key(request.idempotency_key, request), goal_id=request.goal_id, text=request.text)
        return out.comment_to_proto(await self.bus.handle(command))

    async def CheckIn(self, request: pb.CheckInRequest, context: grpc.aio.ServicerContext) -> pb.Goal:
        command = c.CheckIn(
            require_person(), request_key(request.idempotency_key, request), goal_id=request.goal_id,
            expected_version=request.expected_version, note=request.note, confidence=request.confidence,
            updates=tuple((u.key_result_id, u.current_value) for u in request.updates),
        )
        return out.goal_to_proto(await self.bus.handle(command))

    async def CloseGoal(self, request: pb.CloseGoalRequest, context: grpc.aio.ServicerContext) -> pb.Goal:
        command = c.CloseGoal(
            require_person(), request_key(request.idempotency_key, request), goal_id=request.goal_id,
            expected_version=request.expected_version, achieved=request.achieved, note=request.note,
        )
        return out.goal_to_proto(await self.bus.handle(command))

    async def GetGoal(self, request: pb.GetGoalRequest, context: grpc.aio.ServicerContext) -> pb.GoalDetail:
        return out.detail_to_proto(await self.bus.ask(c.GetGoal(require_person(), request.goal_id)))

    async def ListGoals(self, request: pb.ListGoalsRequest, context: grpc.aio.ServicerContext) -> pb.ListGoalsResponse:
        goals = await self.bus.ask(c.ListGoals(require_person(), request.owner_id, request.include_all))
        return pb.ListGoalsResponse(goals=[out.goal_to_proto(g) for g in goals])

    async def ListTeamGoals(self, request: pb.ListTeamGoalsRequest, context: grpc.aio.ServicerContext) -> pb.ListTeamGoalsResponse:
        return out.team_goals_to_proto(await self.bus.ask(c.ListTeamGoals(require_person(), request.team_id)))

    async def GetAlignmentTree(self, request: pb.GetAlignmentTreeRequest, context: grpc.aio.ServicerContext) -> pb.AlignmentNode:
        return out.node_to_proto(await self.bus.ask(c.GetAlignmentTree(require_person(), request.goal_id)))


class OrgServicer(org_pb2_grpc.OrgServiceServicer):
    def __init__(self, bus: MessageBus) -> None:
        self.bus = bus

    async def ImportDirectory(self, request: org_pb2.ImportDirectoryRequest, context: grpc.aio.ServicerContext) -> org_pb2.ImportDirectoryResponse:
        command = c.ImportDirectory(
            require_person(), request_key(request.idempotency_key, request),
            teams=tuple(c.TeamRecord(t.id, t.name, t.parent_team_id, t.manager_id) for t in request.teams),
            employees=tuple(
                c.EmployeeRecord(e.id, e.name, e.email, e.manager_id, e.team_id, tuple(int(r) for r in e.roles), e.active, e.time_zone, e.coach_id)
                for e in request.employees
            ),
        )
        return out.import_counts_to_proto(await self.bus.handle(command))

    async def GetEmployee(self, request: org_pb2.GetEmployeeRequest, context: grpc.aio.ServicerContext) -> org_pb2.Employee:
        require_person()
        return out.employee_to_proto(await self.bus.ask(c.GetEmployee(request.employee_id)))

    async def ListEmployees(self, request: org_pb2.ListEmployeesRequest, context: grpc.aio.ServicerContext) -> org_pb2.ListEmployeesResponse:
        require_person()
        employees = await self.bus.ask(c.ListEmployees(request.team_id, request.manager_id))
        return org_pb2.ListEmployeesResponse(employees=[out.employee_to_proto(e) for e in employees])

    async def ListTeams(self, request: org_pb2.ListTeamsRequest, context: grpc.aio.ServicerContext) -> org_pb2.ListTeamsResponse:
        require_person()
        return org_pb2.ListTeamsResponse(teams=[out.team_to_proto(t) for t in await self.bus.ask(c.ListTeams())])


class ErasureServicer:
    """ErasePerson and the legal holds of paars.privacy.v1.PersonalData, which start in goals (the platform's
    PersonalDataServicer hands them here; elsewhere they answer FAILED_PRECONDITION)."""

    def __init__(self, bus: MessageBus) -> None:
        self.bus = bus

    async def erase(self, caller: Identity, request: privacy_pb2.ErasePersonRequest) -> privacy_pb2.ErasureStatus:
        command = c.ErasePerson(caller, request_key(request.idempotency_key, request), person_id=request.person_id, reason=request.reason)
        return (await self.bus.handle(command)).to_proto()

    async def place_hold(self, caller: Identity, request: privacy_pb2.PlaceLegalHoldRequest) -> privacy_pb2.LegalHold:
        command = c.PlaceLegalHold(
            caller, request_key(request.idempotency_key, request), person_id=request.person_id, service=request.service,
            kind=request.kind, reason=request.reason,
        )
        return out.legal_hold_to_proto(await self.bus.handle(command))

    async def release_hold(self, caller: Identity, request: privacy_pb2.ReleaseLegalHoldRequest) -> privacy_pb2.LegalHold:
        command = c.ReleaseLegalHold(caller, c.RequestKey(), hold_id=request.hold_id, reason=request.reason)
        return out.legal_hold_to_proto(await self.bus.handle(command))

    async def list_holds(self, caller: Identity, request: privacy_pb2.ListLegalHoldsRequest) -> privacy_pb2.ListLegalHoldsResponse:
        holds = await self.bus.ask(c.ListLegalHolds(caller, request.person_id))
        return privacy_pb2.ListLegalHoldsResponse(holds=[out.legal_hold_to_proto(h) for h in holds])
