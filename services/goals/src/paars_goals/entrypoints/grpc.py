"""Thin gRPC servicers: take the caller's identity, call a handler, return its answer."""
from __future__ import annotations

import grpc

from paars.goals.v1 import goals_pb2 as pb
from paars.goals.v1 import goals_pb2_grpc
from paars.org.v1 import org_pb2, org_pb2_grpc
from paars_goals.service_layer.goal_handlers import GoalHandlers
from paars_goals.service_layer.org_handlers import OrgHandlers
from paars_platform.auth import require_person


class GoalServicer(goals_pb2_grpc.GoalServiceServicer):
    def __init__(self, handlers: GoalHandlers) -> None:
        self.handlers = handlers

    async def ProposeGoal(self, request: pb.ProposeGoalRequest, context: grpc.aio.ServicerContext) -> pb.Goal:
        return await self.handlers.propose(require_person(), request)

    async def CounterProposeGoal(self, request: pb.CounterProposeGoalRequest, context: grpc.aio.ServicerContext) -> pb.Goal:
        return await self.handlers.counter_propose(require_person(), request)

    async def AgreeGoal(self, request: pb.AgreeGoalRequest, context: grpc.aio.ServicerContext) -> pb.Goal:
        return await self.handlers.agree(require_person(), request)

    async def CommentOnGoal(self, request: pb.CommentOnGoalRequest, context: grpc.aio.ServicerContext) -> pb.Comment:
        return await self.handlers.comment(require_person(), request)

    async def CheckIn(self, request: pb.CheckInRequest, context: grpc.aio.ServicerContext) -> pb.Goal:
        return await self.handlers.check_in(require_person(), request)

    async def CloseGoal(self, request: pb.CloseGoalRequest, context: grpc.aio.ServicerContext) -> pb.Goal:
        return await self.handlers.close(require_person(), request)

    async def GetGoal(self, request: pb.GetGoalRequest, context: grpc.aio.ServicerContext) -> pb.GoalDetail:
        return await self.handlers.get(require_person(), request.goal_id)

    async def ListGoals(self, request: pb.ListGoalsRequest, context: grpc.aio.ServicerContext) -> pb.ListGoalsResponse:
        return await self.handlers.list_for(require_person(), request)

    async def ListTeamGoals(self, request: pb.ListTeamGoalsRequest, context: grpc.aio.ServicerContext) -> pb.ListTeamGoalsResponse:
        return await self.handlers.list_team(require_person(), request)

    async def GetAlignmentTree(self, request: pb.GetAlignmentTreeRequest, context: grpc.aio.ServicerContext) -> pb.AlignmentNode:
        return await self.handlers.alignment_tree(require_person(), request.goal_id)


class OrgServicer(org_pb2_grpc.OrgServiceServicer):
    def __init__(self, handlers: OrgHandlers) -> None:
        self.handlers = handlers

    async def ImportDirectory(self, request: org_pb2.ImportDirectoryRequest, context: grpc.aio.ServicerContext) -> org_pb2.ImportDirectoryResponse:
        return await self.handlers.import_directory(require_person(), request)

    async def GetEmployee(self, request: org_pb2.GetEmployeeRequest, context: grpc.aio.ServicerContext) -> org_pb2.Employee:
        require_person()
        return await self.handlers.get_employee(request.employee_id)

    async def ListEmployees(self, request: org_pb2.ListEmployeesRequest, context: grpc.aio.ServicerContext) -> org_pb2.ListEmployeesResponse:
        require_person()
        return await self.handlers.list_employees(request)

    async def ListTeams(self, request: org_pb2.ListTeamsRequest, context: grpc.aio.ServicerContext) -> org_pb2.ListTeamsResponse:
        require_person()
        return await self.handlers.list_teams()
