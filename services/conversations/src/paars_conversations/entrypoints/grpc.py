"""Thin gRPC servicer: a request and its caller become a command or query, the bus runs it, the answer becomes
the response. Domain errors become gRPC statuses in the platform's server (paars_platform.errors)."""
from __future__ import annotations

import datetime as dt
import hashlib

import grpc
from google.protobuf.message import Message

from paars.conversations.v1 import conversations_pb2 as pb
from paars.conversations.v1 import conversations_pb2_grpc
from paars_conversations.adapters import protobuf as out
from paars_conversations.domain import circles as ci
from paars_conversations.domain import one_on_one as o
from paars_conversations.service_layer import commands as c
from paars_conversations.service_layer.messagebus import MessageBus
from paars_platform.auth import require_person
from paars_platform.events import timestamp
from paars_platform.values import date_or_none

Context = grpc.aio.ServicerContext


def _date(raw: str) -> dt.date | None:
    return date_or_none(raw)


def _key(request: Message) -> c.RequestKey:
    """The request's idempotency key and its fingerprint (a retry must send the same request)."""
    key: str = request.idempotency_key  # type: ignore[attr-defined]  # every write's request has one
    if not key:
        return c.RequestKey()
    return c.RequestKey(key, hashlib.sha256(request.SerializeToString(deterministic=True)).hexdigest())


class ConversationsServicer(conversations_pb2_grpc.ConversationsServiceServicer):
    def __init__(self, bus: MessageBus) -> None:
        self.bus = bus

    # ---------- 1:1s ----------

    async def SchedulePair(self, request: pb.SchedulePairRequest, context: Context) -> pb.Pair:
        command = c.SchedulePair(
            require_person(), request=_key(request), other_id=request.other_id,
            kind=out.pair_kind(request.kind) if request.kind else o.PairKind.MANAGER_REPORT,
            cadence_days=request.cadence_days or o.DEFAULT_CADENCE, first_on=_date(request.first_on), first_on_raw=request.first_on,
        )
        return out.pair_to_proto(await self.bus.handle(command))

    async def ListPairs(self, request: pb.ListPairsRequest, context: Context) -> pb.ListPairsResponse:
        return pb.ListPairsResponse(pairs=[out.pair_to_proto(p) for p in await self.bus.ask(c.ListPairs(require_person()))])

    async def ListMeetings(self, request: pb.ListMeetingsRequest, context: Context) -> pb.ListMeetingsResponse:
        views = await self.bus.ask(c.ListMeetings(require_person(), pair_id=request.pair_id))
        return pb.ListMeetingsResponse(meetings=[out.meeting_to_proto(v) for v in views])

    async def GetMeeting(self, request: pb.GetMeetingRequest, context: Context) -> pb.Meeting:
        return out.meeting_to_proto(await self.bus.handle(c.ReadMeeting(require_person(), meeting_id=request.meeting_id)))

    async def AddAgendaTopic(self, request: pb.AddAgendaTopicRequest, context: Context) -> pb.Meeting:
        command = c.AddAgendaTopic(
            require_person(), request=_key(request), meeting_id=request.meeting_id, text=request.text, link_kind=out.link_kind(request.link_kind), link_id=request.link_id,
        )
        return out.meeting_to_proto(await self.bus.handle(command))

    async def AddNote(self, request: pb.AddNoteRequest, context: Context) -> pb.Meeting:
        command = c.AddNote(require_person(), request=_key(request), meeting_id=request.meeting_id, text=request.text, private=request.private)
        return out.meeting_to_proto(await self.bus.handle(command))

    async def ProposeAgreement(self, request: pb.ProposeAgreementRequest, context: Context) -> pb.Meeting:
        command = c.ProposeAgreement(
            require_person(), request=_key(request), meeting_id=request.meeting_id, text=request.text, owner_id=request.owner_id,
            due_date=_date(request.due_date), due_date_raw=request.due_date,
        )
        return out.meeting_to_proto(await self.bus.handle(command))

    async def ConfirmAgreement(self, request: pb.ConfirmAgreementRequest, context: Context) -> pb.Meeting:
        command = c.ConfirmAgreement(require_person(), request=_key(request), meeting_id=request.meeting_id, agreement_id=request.agreement_id)
        return out.meeting_to_proto(await self.bus.handle(command))

    async def CompleteMeeting(self, request: pb.CompleteMeetingRequest, context: Context) -> pb.Meeting:
        command = c.CompleteMeeting(require_person(), request=_key(request), meeting_id=request.meeting_id, held=request.held)
        return out.meeting_to_proto(await self.bus.handle(command))

    async def MarkHat(self, request: pb.MarkHatRequest, context: Context) -> pb.Meeting:
        command = c.MarkHat(require_person(), request=_key(request), meeting_id=request.meeting_id, hat=out.hat(request.hat))
        return out.meeting_to_proto(await self.bus.handle(command))

    async def GetHatMix(self, request: pb.GetHatMixRequest, context: Context) -> pb.HatMix:
        mix = await self.bus.ask(c.GetHatMix(require_person(), days=request.days or o.HAT_MIX_DAYS))
        return out.hat_mix_to_proto(mix)

    async def ListMeetingReads(self, request: pb.ListMeetingReadsRequest, context: Context) -> pb.ListMeetingReadsResponse:
        reads = await self.bus.ask(c.ListMeetingReads(require_person(), meeting_id=request.meeting_id))
        return pb.ListMeetingReadsResponse(reads=[pb.MeetingRead(reader_id=who, read_at=timestamp(at)) for who, at in reads])

    # ---------- coaching ----------

    async def SetCoachProfile(self, request: pb.SetCoachProfileRequest, context: Context) -> pb.CoachProfile:
        command = c.SetCoachProfile(require_person(), request=_key(request), bio=request.bio, capacity=request.capacity)
        return out.profile_to_proto(await self.bus.handle(command))

    async def ListCoaches(self, request: pb.ListCoachesRequest, context: Context) -> pb.ListCoachesResponse:
        return pb.ListCoachesResponse(coaches=[out.profile_to_proto(p) for p in await self.bus.ask(c.ListCoaches(require_person()))])

    async def RequestCoaching(self, request: pb.RequestCoachingRequest, context: Context) -> pb.CoachingRequest:
        command = c.RequestCoaching(require_person(), request=_key(request), coach_id=request.coach_id, relation=out.relation(request.relation), topic=request.topic)
        return out.request_to_proto(await self.bus.handle(command))

    async def AnswerCoachingRequest(self, request: pb.AnswerCoachingRequestRequest, context: Context) -> pb.CoachingRequest:
        command = c.AnswerCoachingRequest(require_person(), request=_key(request), request_id=request.request_id, accept=request.accept)
        return out.request_to_proto(await self.bus.handle(command))

    async def ListCoachingRequests(self, request: pb.ListCoachingRequestsRequest, context: Context) -> pb.ListCoachingRequestsResponse:
        found = await self.bus.ask(c.ListCoachingRequests(require_person()))
        return pb.ListCoachingRequestsResponse(requests=[out.request_to_proto(r) for r in found])

    async def AddCoachingGoal(self, request: pb.AddCoachingGoalRequest, context: Context) -> pb.CoachingRequest:
        command = c.AddCoachingGoal(require_person(), request=_key(request), request_id=request.request_id, text=request.text, development_goal_id=request.development_goal_id)
        return out.request_to_proto(await self.bus.handle(command))

    async def RecordCoachingSession(self, request: pb.RecordCoachingSessionRequest, context: Context) -> pb.CoachingSession:
        command = c.RecordCoachingSession(
            require_person(), request=_key(request), request_id=request.request_id, held_on=_date(request.held_on), notes=request.notes, held_on_raw=request.held_on,
        )
        return out.session_to_proto(await self.bus.handle(command))

    async def ListCoachingSessions(self, request: pb.ListCoachingSessionsRequest, context: Context) -> pb.ListCoachingSessionsResponse:
        found = await self.bus.ask(c.ListCoachingSessions(require_person(), request_id=request.request_id))
        return pb.ListCoachingSessionsResponse(sessions=[out.session_to_proto(s) for s in found])

    # ---------- boundary concerns ----------

    async def RaiseConcern(self, request: pb.RaiseConcernRequest, context: Context) -> pb.Concern:
        command = c.RaiseConcern(require_person(), request=_key(request), kind=out.concern_kind(request.kind), text=request.text)
        return out.concern_to_proto(await self.bus.handle(command))

    async def ListConcerns(self, request: pb.ListConcernsRequest, context: Context) -> pb.ListConcernsResponse:
        found = await self.bus.ask(c.ListConcerns(require_person(), all=request.all))
        return pb.ListConcernsResponse(concerns=[out.concern_to_proto(x) for x in found])

    async def AcknowledgeConcern(self, request: pb.AcknowledgeConcernRequest, context: Context) -> pb.Concern:
        return out.concern_to_proto(await self.bus.handle(c.AcknowledgeConcern(require_person(), request=_key(request), concern_id=request.concern_id)))

    async def ResolveConcern(self, request: pb.ResolveConcernRequest, context: Context) -> pb.Concern:
        command = c.ResolveConcern(require_person(), request=_key(request), concern_id=request.concern_id, resolution=request.resolution)
        return out.concern_to_proto(await self.bus.handle(command))

    # ---------- circles ----------

    async def SuggestCircle(self, request: pb.SuggestCircleRequest, context: Context) -> pb.SuggestCircleResponse:
        query = c.SuggestCircle(require_person(), size=request.size or ci.DEFAULT_SIZE, exclude_ids=tuple(request.exclude_ids))
        return pb.SuggestCircleResponse(member_ids=await self.bus.ask(query))

    async def FormCircle(self, request: pb.FormCircleRequest, context: Context) -> pb.Circle:
        circle = await self.bus.handle(c.FormCircle(
            require_person(), request=_key(request), name=request.name, member_ids=tuple(request.member_ids),
            first_session_on=_date(request.first_session_on), first_session_on_raw=request.first_session_on,
        ))
        return out.circle_to_proto(c.CircleView(circle, circle.next_case_owner(None)))

    async def ListCircles(self, request: pb.ListCirclesRequest, context: Context) -> pb.ListCirclesResponse:
        return pb.ListCirclesResponse(circles=[out.circle_to_proto(v) for v in await self.bus.ask(c.ListCircles(require_person()))])

    async def HoldCircleSession(self, request: pb.HoldCircleSessionRequest, context: Context) -> pb.CircleSession:
        command = c.HoldCircleSession(
            require_person(), request=_key(request), circle_id=request.circle_id, held_on=_date(request.held_on), case_text=request.case_text,
            notes=request.notes, held_on_raw=request.held_on,
            next_session_on=_date(request.next_session_on), next_session_on_raw=request.next_session_on,
        )
        return out.circle_session_to_proto(await self.bus.handle(command))

    async def ListCircleSessions(self, request: pb.ListCircleSessionsRequest, context: Context) -> pb.ListCircleSessionsResponse:
        found = await self.bus.ask(c.ListCircleSessions(require_person(), circle_id=request.circle_id))
        return pb.ListCircleSessionsResponse(sessions=[out.circle_session_to_proto(s) for s in found])

    # ---------- professional services HR keeps ----------

    async def SetProfessionalService(self, request: pb.SetProfessionalServiceRequest, context: Context) -> pb.ProfessionalService:
        command = c.SetProfessionalService(
            require_person(), request=_key(request), service_id=request.service_id, kind=out.service_kind(request.kind), name=request.name,
            description=request.description, contact=request.contact, active=request.active,
        )
        return out.professional_service_to_proto(await self.bus.handle(command))

    async def ListProfessionalServices(self, request: pb.ListProfessionalServicesRequest, context: Context) -> pb.ListProfessionalServicesResponse:
        found = await self.bus.ask(c.ListProfessionalServices(require_person(), include_retired=request.include_retired))
        return pb.ListProfessionalServicesResponse(services=[out.professional_service_to_proto(s) for s in found])
