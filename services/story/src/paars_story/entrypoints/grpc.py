"""Thin gRPC servicer: a request and its caller become a command or query, the bus runs it, the answer becomes
the response. Domain errors become gRPC statuses in the platform's server (paars_platform.errors)."""
from __future__ import annotations

import grpc

from paars.story.v1 import story_pb2 as pb
from paars.story.v1 import story_pb2_grpc
from paars_platform.auth import require_person
from paars_story.adapters import protobuf as out
from paars_story.service_layer import commands as c
from paars_story.service_layer.messagebus import MessageBus


class StoryServicer(story_pb2_grpc.StoryServiceServicer):
    def __init__(self, bus: MessageBus) -> None:
        self.bus = bus
        self.policy = bus.policy

    async def GetStory(self, request: pb.GetStoryRequest, context: grpc.aio.ServicerContext) -> pb.GetStoryResponse:
        view = await self.bus.ask(c.GetStory(require_person()))
        response = pb.GetStoryResponse()
        if view.published is not None:
            response.published.CopyFrom(out.version_to_proto(view.published, self.policy))
        if view.draft is not None:
            response.draft.CopyFrom(out.version_to_proto(view.draft, self.policy))
        return response

    async def GetVersion(self, request: pb.GetVersionRequest, context: grpc.aio.ServicerContext) -> pb.StoryVersion:
        return out.version_to_proto(await self.bus.ask(c.GetVersion(require_person(), version=request.version)), self.policy)

    async def CheckText(self, request: pb.CheckTextRequest, context: grpc.aio.ServicerContext) -> pb.TextCheck:
        query = c.CheckText(require_person(), language=request.language, text=request.text)
        return out.text_check_to_proto(self.bus.check_text(query))

    async def SaveDraft(self, request: pb.SaveDraftRequest, context: grpc.aio.ServicerContext) -> pb.StoryVersion:
        command = c.SaveDraft(
            require_person(), base_version=request.base_version,
            passages=tuple(out.passage_from_proto(p) for p in request.passages),
        )
        return out.version_to_proto(await self.bus.handle(command), self.policy)

    async def PublishDraft(self, request: pb.PublishDraftRequest, context: grpc.aio.ServicerContext) -> pb.StoryVersion:
        command = c.PublishDraft(
            require_person(), draft_version=request.draft_version,
            readability_override_reason=request.readability_override_reason,
        )
        return out.version_to_proto(await self.bus.handle(command), self.policy)

    async def DecideProposal(self, request: pb.DecideProposalRequest, context: grpc.aio.ServicerContext) -> pb.Proposal:
        command = c.DecideProposal(require_person(), proposal_id=request.proposal_id, accept=request.accept)
        return out.proposal_to_proto(await self.bus.handle(command), self.policy)

    async def ProposeChange(self, request: pb.ProposeChangeRequest, context: grpc.aio.ServicerContext) -> pb.Proposal:
        command = c.ProposeChange(require_person(), passage=out.passage_from_proto(request.passage), reason=request.reason)
        return out.proposal_to_proto(await self.bus.handle(command), self.policy)

    async def CommentOnProposal(self, request: pb.CommentOnProposalRequest, context: grpc.aio.ServicerContext) -> pb.Proposal:
        command = c.CommentOnProposal(require_person(), proposal_id=request.proposal_id, text=request.text)
        return out.proposal_to_proto(await self.bus.handle(command), self.policy)

    async def EndorseProposal(self, request: pb.EndorseProposalRequest, context: grpc.aio.ServicerContext) -> pb.Proposal:
        command = c.EndorseProposal(require_person(), proposal_id=request.proposal_id)
        return out.proposal_to_proto(await self.bus.handle(command), self.policy)

    async def ListProposals(self, request: pb.ListProposalsRequest, context: grpc.aio.ServicerContext) -> pb.ListProposalsResponse:
        proposals = await self.bus.ask(c.ListProposals(require_person(), open_only=request.open_only))
        return pb.ListProposalsResponse(proposals=[out.proposal_to_proto(p, self.policy) for p in proposals])
