"""The thin gRPC servicer: take the caller's identity, call a handler (or build a command for the bus),
return its answer."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

import grpc
from google.protobuf.message import Message

from paars.feedback.v1 import feedback_pb2 as pb
from paars.feedback.v1 import feedback_pb2_grpc
from paars_feedback.adapters.action_plan_repository import item_to_proto
from paars_feedback.adapters.dialogue_repository import dialogue_to_proto, listed_to_proto, read_to_proto
from paars_feedback.adapters.protobuf import (
    AUTHOR,
    declined_to_proto,
    feedback_to_proto,
    link_to_proto,
    made_to_proto,
    page_to_proto,
    reads_to_proto,
    referral_to_proto,
    referrals_to_proto,
    requests_to_proto,
    summary_to_proto,
)
from paars_feedback.adapters.review_repository import (
    assessment_to_proto,
    entries_to_proto,
    gap_to_proto,
    invitation_to_proto,
    opened_to_proto,
    report_to_proto,
    response_to_proto,
    review_to_proto,
)
from paars_feedback.domain.feedback import Example
from paars_feedback.domain.review import Rating
from paars_feedback.service_layer import commands
from paars_feedback.service_layer.messagebus import MessageBus
from paars_platform.auth import Identity, identity, require_person

Context = grpc.aio.ServicerContext


def request_key(key: str, request: Message) -> commands.RequestKey:
    """The idempotency key and the request's fingerprint (what a retry must repeat exactly)."""
    if not key:
        return commands.RequestKey()
    return commands.RequestKey(key, hashlib.sha256(request.SerializeToString(deterministic=True)).hexdigest())


def give_feedback(request: pb.GiveFeedbackRequest, caller: Identity) -> commands.GiveFeedback:
    return commands.GiveFeedback(
        caller, request_key(request.idempotency_key, request), receiver_id=request.receiver_id, kind=request.kind,
        relation=request.relation, setting=request.setting, text=request.text,
        examples=tuple(Example(e.situation, e.behaviour, e.impact) for e in request.examples), visibility=request.visibility,
        goal_ids=tuple(request.goal_ids), tags=tuple(request.tags),
        moment=commands.Moment(request.moment_at.seconds, request.moment_at.nanos) if request.HasField("moment_at") else None,
        request_id=request.request_id, external_token=request.external_token, value_key=request.value_key,
    )


def acknowledge_feedback(request: pb.AcknowledgeFeedbackRequest, caller: Identity) -> commands.AcknowledgeFeedback:
    return commands.AcknowledgeFeedback(
        caller, request_key(request.idempotency_key, request), feedback_id=request.feedback_id, note=request.note,
        create_action_item=request.create_action_item, action_title=request.action_title, action_due_date=request.action_due_date,
        action_kind=request.action_kind,
    )


def decline_feedback_request(request: pb.DeclineFeedbackRequestRequest, caller: Identity) -> commands.DeclineFeedbackRequest:
    return commands.DeclineFeedbackRequest(
        caller, request_key(request.idempotency_key, request), request_id=request.request_id, reason=request.reason,
        external_token=request.external_token,
    )


def request_feedback(request: pb.RequestFeedbackRequest, caller: Identity) -> commands.RequestFeedback:
    return commands.RequestFeedback(
        caller, request_key(request.idempotency_key, request), subject_id=request.subject_id, recipient_id=request.recipient_id,
        external_email=request.external_email, external_name=request.external_name, question=request.question,
        due_date=request.due_date, relation=request.relation,
    )


@dataclass(frozen=True)
class Handlers:
    bus: MessageBus


class FeedbackServicer(feedback_pb2_grpc.FeedbackServiceServicer):
    def __init__(self, handlers: Handlers) -> None:
        self.h = handlers

    async def GiveFeedback(self, request: pb.GiveFeedbackRequest, context: Context) -> pb.Feedback:
        # Public method: an external giver brings a link token instead of a bearer token.
        given = await self.h.bus.handle(give_feedback(request, identity()))
        return feedback_to_proto(given, AUTHOR)

    async def GetFeedback(self, request: pb.GetFeedbackRequest, context: Context) -> pb.Feedback:
        shown = await self.h.bus.ask(commands.GetFeedback(require_person(), request.feedback_id))
        return feedback_to_proto(shown.feedback, shown.view)

    async def ListFeedback(self, request: pb.ListFeedbackRequest, context: Context) -> pb.ListFeedbackResponse:
        return page_to_proto(await self.h.bus.ask(commands.ListFeedback(
            require_person(), request.receiver_id, request.giver_id, request.page_size, request.page_token,
        )))

    async def GetFeedbackSummary(self, request: pb.GetFeedbackSummaryRequest, context: Context) -> pb.FeedbackSummary:
        return summary_to_proto(await self.h.bus.ask(commands.GetFeedbackSummary(require_person(), request.employee_id)))

    async def AcknowledgeFeedback(self, request: pb.AcknowledgeFeedbackRequest, context: Context) -> pb.Feedback:
        acknowledged = await self.h.bus.handle(acknowledge_feedback(request, require_person()))
        return feedback_to_proto(acknowledged, AUTHOR)

    async def RequestFeedback(self, request: pb.RequestFeedbackRequest, context: Context) -> pb.RequestFeedbackResponse:
        caller = require_person()
        made = await self.h.bus.handle(request_feedback(request, caller))
        if made.request.external and not made.token:
            # A retry (same idempotency key) was answered as the first time, whose token it never saw: a fresh one.
            made = replace(made, token=(await self.h.bus.handle(commands.ReissueRequestLink(caller, commands.RequestKey(), made.request.id))).token)
        return made_to_proto(made)

    async def DeclineFeedbackRequest(self, request: pb.DeclineFeedbackRequestRequest, context: Context) -> pb.FeedbackRequest:
        # Public method: an external recipient declines through their link token.
        return declined_to_proto(await self.h.bus.handle(decline_feedback_request(request, identity())))

    async def ListFeedbackRequests(self, request: pb.ListFeedbackRequestsRequest, context: Context) -> pb.ListFeedbackRequestsResponse:
        return requests_to_proto(await self.h.bus.ask(commands.ListFeedbackRequests(require_person(), request.recipient_id, request.requester_id)))

    async def OpenReviewCycle(self, request: pb.OpenReviewCycleRequest, context: Context) -> pb.OpenReviewCycleResponse:
        return opened_to_proto(await self.h.bus.handle(commands.OpenReviewCycle(
            require_person(), request_key(request.idempotency_key, request), request.cycle_name, tuple(request.subject_ids),
            tuple(request.rater_groups), tuple((q.competency, q.question) for q in request.questions), request.anonymity_threshold, request.due_date,
        )))

    async def NominateRaters(self, request: pb.NominateRatersRequest, context: Context) -> pb.Review:
        return review_to_proto(await self.h.bus.handle(commands.NominateRaters(
            require_person(), request_key(request.idempotency_key, request), request.review_id, request.group, tuple(request.rater_ids),
        )))

    async def ApproveRaters(self, request: pb.ApproveRatersRequest, context: Context) -> pb.Review:
        return review_to_proto(await self.h.bus.handle(commands.ApproveRaters(
            require_person(), request_key(request.idempotency_key, request), request.review_id, tuple(request.rater_ids),
        )))

    async def InviteExternalRater(self, request: pb.InviteExternalRaterRequest, context: Context) -> pb.InviteExternalRaterResponse:
        caller = require_person()
        made = await self.h.bus.handle(commands.InviteExternalRater(
            caller, request_key(request.idempotency_key, request), request.review_id, request.name, request.email,
        ))
        if not made.token:
            # A retry (same idempotency key) was answered as the first time, whose token it never saw: a fresh one.
            made = await self.h.bus.handle(commands.ReissueInvitationLink(caller, commands.RequestKey(), made))
        return invitation_to_proto(made)

    async def SubmitReviewResponse(self, request: pb.SubmitReviewResponseRequest, context: Context) -> pb.SubmitReviewResponseResponse:
        # Public method: customers answer through their link token.
        return response_to_proto(await self.h.bus.handle(commands.SubmitReviewResponse(
            identity(), request_key(request.idempotency_key, request), request.review_id,
            tuple(Rating(r.competency, r.score, r.comment) for r in request.ratings), request.comment, request.external_token,
        )))

    async def CloseReviewCycle(self, request: pb.CloseReviewCycleRequest, context: Context) -> pb.Review:
        return review_to_proto(await self.h.bus.handle(commands.CloseReviewCycle(require_person(), request_key(request.idempotency_key, request), request.review_id)))

    async def GetReviewReport(self, request: pb.GetReviewReportRequest, context: Context) -> pb.ReviewReport:
        return report_to_proto(await self.h.bus.ask(commands.GetReviewReport(require_person(), request.review_id)))

    async def SubmitSelfAssessment(self, request: pb.SubmitSelfAssessmentRequest, context: Context) -> pb.SelfAssessment:
        return assessment_to_proto(await self.h.bus.handle(commands.SubmitSelfAssessment(
            require_person(), request_key(request.idempotency_key, request), request.review_id,
            tuple(Rating(r.competency, r.score, r.comment) for r in request.ratings), request.reflection,
        )))

    async def GetGapReport(self, request: pb.GetGapReportRequest, context: Context) -> pb.GapReport:
        return gap_to_proto(await self.h.bus.ask(commands.GetGapReport(require_person(), request.employee_id, request.review_id)))

    async def ScheduleDialogue(self, request: pb.ScheduleDialogueRequest, context: Context) -> pb.Dialogue:
        return dialogue_to_proto(await self.h.bus.handle(commands.ScheduleDialogue(
            require_person(), request_key(request.idempotency_key, request), request.kind, request.employee_id, request.scheduled_for,
            request.review_id, tuple(request.goal_ids),
        )))

    async def SubmitPreparation(self, request: pb.SubmitPreparationRequest, context: Context) -> pb.Dialogue:
        return dialogue_to_proto(await self.h.bus.handle(commands.SubmitPreparation(
            require_person(), request_key(request.idempotency_key, request), request.dialogue_id, request.reflection, tuple(request.agenda_items),
        )))

    async def RecordDialogueNotes(self, request: pb.RecordDialogueNotesRequest, context: Context) -> pb.Dialogue:
        return dialogue_to_proto(await self.h.bus.handle(commands.RecordDialogueNotes(
            require_person(), request_key(request.idempotency_key, request), request.dialogue_id, request.expected_version, request.shared_notes,
        )))

    async def SignDialogue(self, request: pb.SignDialogueRequest, context: Context) -> pb.Dialogue:
        return dialogue_to_proto(await self.h.bus.handle(commands.SignDialogue(require_person(), request_key(request.idempotency_key, request), request.dialogue_id)))

    async def GetDialogue(self, request: pb.GetDialogueRequest, context: Context) -> pb.Dialogue:
        return read_to_proto(await self.h.bus.ask(commands.GetDialogue(require_person(), request.dialogue_id)))

    async def CreateActionItem(self, request: pb.CreateActionItemRequest, context: Context) -> pb.ActionItem:
        planned = await self.h.bus.handle(commands.CreateActionItem(
            require_person(), request_key(request.idempotency_key, request), request.employee_id, request.owner_id, request.title, request.kind,
            request.due_date, request.source_feedback_id, request.source_dialogue_id, request.source_goal_id,
        ))
        return item_to_proto(planned)

    async def UpdateActionItem(self, request: pb.UpdateActionItemRequest, context: Context) -> pb.ActionItem:
        planned = await self.h.bus.handle(commands.UpdateActionItem(
            require_person(), request_key(request.idempotency_key, request), request.action_item_id, request.progress_percent, request.state, request.note,
        ))
        return item_to_proto(planned)

    async def ListActionItems(self, request: pb.ListActionItemsRequest, context: Context) -> pb.ListActionItemsResponse:
        planned = await self.h.bus.ask(commands.ListActionItems(require_person(), request.employee_id))
        return pb.ListActionItemsResponse(items=[item_to_proto(p) for p in planned])

    async def AssignCoach(self, request: pb.AssignCoachRequest, context: Context) -> pb.AssignCoachResponse:
        await self.h.bus.handle(commands.AssignCoach(require_person(), request_key(request.idempotency_key, request), request.employee_id, request.coach_id))
        return pb.AssignCoachResponse()

    async def ShareWithCoach(self, request: pb.ShareWithCoachRequest, context: Context) -> pb.ShareWithCoachResponse:
        shares = await self.h.bus.handle(commands.ShareWithCoach(
            require_person(), request_key(request.idempotency_key, request), request.feedback_id, request.review_id, request.dialogue_id, request.action_plan, request.revoke,
        ))
        return pb.ShareWithCoachResponse(shared=list(shares.shared))

    async def RaiseReferral(self, request: pb.RaiseReferralRequest, context: Context) -> pb.RaiseReferralResponse:
        referral = await self.h.bus.handle(commands.RaiseReferral(require_person(), request_key(request.idempotency_key, request), request.employee_id, request.note))
        return pb.RaiseReferralResponse(referral_id=referral.id)

    async def ListReferrals(self, request: pb.ListReferralsRequest, context: Context) -> pb.ListReferralsResponse:
        return referrals_to_proto(await self.h.bus.ask(commands.ListReferrals(require_person(), request.employee_id)))

    async def AcknowledgeReferral(self, request: pb.AcknowledgeReferralRequest, context: Context) -> pb.Referral:
        return referral_to_proto(await self.h.bus.handle(commands.AcknowledgeReferral(require_person(), request_key(request.idempotency_key, request), request.referral_id)))

    async def CloseReferral(self, request: pb.CloseReferralRequest, context: Context) -> pb.Referral:
        return referral_to_proto(await self.h.bus.handle(commands.CloseReferral(require_person(), request_key(request.idempotency_key, request), request.referral_id)))

    async def ListReads(self, request: pb.ListReadsRequest, context: Context) -> pb.ListReadsResponse:
        return reads_to_proto(await self.h.bus.ask(commands.ListReads(require_person(), request.employee_id)))

    async def RevokeLink(self, request: pb.RevokeLinkRequest, context: Context) -> pb.RevokeLinkResponse:
        revoked = await self.h.bus.handle(commands.RevokeLink(require_person(), request_key(request.idempotency_key, request), request.request_id, request.invitation_id))
        return pb.RevokeLinkResponse(state=revoked.state)  # type: ignore[arg-type]

    async def GetLink(self, request: pb.GetLinkRequest, context: Context) -> pb.Link:
        # Public method: the link token is the credential.
        return link_to_proto(await self.h.bus.ask(commands.GetLink(identity(), request.external_token)))

    async def ListReviews(self, request: pb.ListReviewsRequest, context: Context) -> pb.ListReviewsResponse:
        return entries_to_proto(await self.h.bus.ask(commands.ListReviews(require_person())))

    async def ListDialogues(self, request: pb.ListDialoguesRequest, context: Context) -> pb.ListDialoguesResponse:
        listed = await self.h.bus.ask(commands.ListDialogues(require_person()))
        return pb.ListDialoguesResponse(dialogues=[listed_to_proto(d) for d in listed])

    async def ConfirmActionItem(self, request: pb.ConfirmActionItemRequest, context: Context) -> pb.ActionItem:
        planned = await self.h.bus.handle(commands.ConfirmActionItem(require_person(), request_key(request.idempotency_key, request), request.action_item_id))
        return item_to_proto(planned)
