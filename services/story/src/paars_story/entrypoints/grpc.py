"""Thin gRPC servicer: a request and its caller become a command or query, the bus runs it, the answer becomes
the response. Domain errors become gRPC statuses in the platform's server (paars_platform.errors)."""
from __future__ import annotations

import grpc

from paars.story.v1 import story_pb2 as pb
from paars.story.v1 import story_pb2_grpc
from paars_platform.auth import require_person
from paars_story.adapters import protobuf as out
from paars_story.domain.plain_language import PlainLanguagePolicy
from paars_story.domain.story import Localized
from paars_story.service_layer import commands as c
from paars_story.service_layer.messagebus import MessageBus


class StoryServicer(story_pb2_grpc.StoryServiceServicer):
    def __init__(self, bus: MessageBus) -> None:
        self.bus = bus

    async def _policy(self) -> PlainLanguagePolicy:
        """The effective policy (HR's jargon list included) the answers' checks are computed under."""
        return await self.bus.effective_policy()

    async def GetStory(self, request: pb.GetStoryRequest, context: grpc.aio.ServicerContext) -> pb.GetStoryResponse:
        view = await self.bus.ask(c.GetStory(require_person()))
        policy = await self._policy()
        response = pb.GetStoryResponse()
        if view.published is not None:
            response.published.CopyFrom(out.version_to_proto(view.published, policy))
        if view.draft is not None:
            response.draft.CopyFrom(out.version_to_proto(view.draft, policy))
        return response

    async def GetVersion(self, request: pb.GetVersionRequest, context: grpc.aio.ServicerContext) -> pb.StoryVersion:
        return out.version_to_proto(await self.bus.ask(c.GetVersion(require_person(), version=request.version)), await self._policy())

    async def CheckText(self, request: pb.CheckTextRequest, context: grpc.aio.ServicerContext) -> pb.TextCheck:
        query = c.CheckText(require_person(), language=request.language, text=request.text)
        return out.text_check_to_proto(self.bus.check_text(query, await self._policy()))

    async def SaveDraft(self, request: pb.SaveDraftRequest, context: grpc.aio.ServicerContext) -> pb.StoryVersion:
        command = c.SaveDraft(
            require_person(), base_version=request.base_version,
            passages=tuple(out.passage_from_proto(p) for p in request.passages),
        )
        return out.version_to_proto(await self.bus.handle(command), await self._policy())

    async def PublishDraft(self, request: pb.PublishDraftRequest, context: grpc.aio.ServicerContext) -> pb.StoryVersion:
        command = c.PublishDraft(
            require_person(), draft_version=request.draft_version,
            readability_override_reason=request.readability_override_reason,
        )
        return out.version_to_proto(await self.bus.handle(command), await self._policy())

    async def DecideProposal(self, request: pb.DecideProposalRequest, context: grpc.aio.ServicerContext) -> pb.Proposal:
        command = c.DecideProposal(require_person(), proposal_id=request.proposal_id, accept=request.accept)
        return out.proposal_to_proto(await self.bus.handle(command), await self._policy())

    async def ProposeChange(self, request: pb.ProposeChangeRequest, context: grpc.aio.ServicerContext) -> pb.Proposal:
        command = c.ProposeChange(require_person(), passage=out.passage_from_proto(request.passage), reason=request.reason)
        return out.proposal_to_proto(await self.bus.handle(command), await self._policy())

    async def CommentOnProposal(self, request: pb.CommentOnProposalRequest, context: grpc.aio.ServicerContext) -> pb.Proposal:
        command = c.CommentOnProposal(require_person(), proposal_id=request.proposal_id, text=request.text)
        return out.proposal_to_proto(await self.bus.handle(command), await self._policy())

    async def EndorseProposal(self, request: pb.EndorseProposalRequest, context: grpc.aio.ServicerContext) -> pb.Proposal:
        command = c.EndorseProposal(require_person(), proposal_id=request.proposal_id)
        return out.proposal_to_proto(await self.bus.handle(command), await self._policy())

    async def ListProposals(self, request: pb.ListProposalsRequest, context: grpc.aio.ServicerContext) -> pb.ListProposalsResponse:
        proposals = await self.bus.ask(c.ListProposals(require_person(), open_only=request.open_only))
        policy = await self._policy()
        return pb.ListProposalsResponse(proposals=[out.proposal_to_proto(p, policy) for p in proposals])

    # ---- team stories ----

    async def GetTeamStory(self, request: pb.GetTeamStoryRequest, context: grpc.aio.ServicerContext) -> pb.GetTeamStoryResponse:
        view = await self.bus.ask(c.GetTeamStory(require_person(), team_id=request.team_id))
        policy = await self._policy()
        response = pb.GetTeamStoryResponse(manager_id=view.manager_id)
        if view.published is not None:
            response.published.CopyFrom(out.team_story_to_proto(view.published, policy))
        if view.draft is not None:
            response.draft.CopyFrom(out.team_story_to_proto(view.draft, policy))
        return response

    async def SaveTeamStory(self, request: pb.SaveTeamStoryRequest, context: grpc.aio.ServicerContext) -> pb.TeamStory:
        command = c.SaveTeamStory(
            require_person(), team_id=request.team_id, base_version=request.base_version,
            title=Localized(request.title.nl, request.title.en), text=Localized(request.text.nl, request.text.en),
            value_keys=tuple(request.value_keys), theme_keys=tuple(request.theme_keys),
        )
        return out.team_story_to_proto(await self.bus.handle(command), await self._policy())

    async def PublishTeamStory(self, request: pb.PublishTeamStoryRequest, context: grpc.aio.ServicerContext) -> pb.TeamStory:
        command = c.PublishTeamStory(
            require_person(), team_id=request.team_id, version=request.version, readability_override_reason=request.readability_override_reason,
        )
        return out.team_story_to_proto(await self.bus.handle(command), await self._policy())

    async def ListTeamStories(self, request: pb.ListTeamStoriesRequest, context: grpc.aio.ServicerContext) -> pb.ListTeamStoriesResponse:
        stories = await self.bus.ask(c.ListTeamStories(require_person()))
        policy = await self._policy()
        return pb.ListTeamStoriesResponse(stories=[out.team_story_to_proto(s, policy) for s in stories])

    # ---- reach, jargon, ambition ----

    async def MarkStoryRead(self, request: pb.MarkStoryReadRequest, context: grpc.aio.ServicerContext) -> pb.MarkStoryReadResponse:
        await self.bus.handle(c.MarkStoryRead(require_person(), version=request.version))
        return pb.MarkStoryReadResponse()

    async def GetStoryReach(self, request: pb.GetStoryReachRequest, context: grpc.aio.ServicerContext) -> pb.GetStoryReachResponse:
        answer = await self.bus.ask(c.GetStoryReach(require_person(), version=request.version))
        return pb.GetStoryReachResponse(
            version=answer.version, k=answer.k, teams=[out.team_reach_to_proto(t) for t in answer.teams],
            organisation=out.team_reach_to_proto(answer.organisation),
        )

    async def GetJargon(self, request: pb.GetJargonRequest, context: grpc.aio.ServicerContext) -> pb.JargonList:
        return out.jargon_to_proto(await self.bus.ask(c.GetJargon(require_person())))

    async def SetJargon(self, request: pb.SetJargonRequest, context: grpc.aio.ServicerContext) -> pb.JargonList:
        caller = require_person()
        await self.bus.handle(c.SetJargon(caller, terms=tuple((t.language, t.term, t.plain) for t in request.terms)))
        return out.jargon_to_proto(await self.bus.ask(c.GetJargon(caller)))

    async def SaveAmbition(self, request: pb.SaveAmbitionRequest, context: grpc.aio.ServicerContext) -> pb.Ambition:
        command = c.SaveAmbition(
            require_person(), text=request.text, share_with_manager=request.share_with_manager,
            share_with_coach=request.share_with_coach, passage_keys=tuple(request.passage_keys),
        )
        return out.ambition_to_proto(await self.bus.handle(command))

    async def GetAmbition(self, request: pb.GetAmbitionRequest, context: grpc.aio.ServicerContext) -> pb.Ambition:
        return out.ambition_to_proto(await self.bus.ask(c.GetAmbition(require_person(), employee_id=request.employee_id)))
