"""Runs commands through their handlers: a command's checks first, then its handler in one unit of work that
commits the change, its events and (with an idempotency key) its answer together."""
from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar, cast

from paars_feedback.config import FeedbackConfig
from paars_feedback.service_layer import action_plans, dialogue_use_cases, item_handlers, review_use_cases
from paars_feedback.service_layer import commands as c
from paars_feedback.service_layer import feedback_handlers as fh
from paars_feedback.service_layer.unit_of_work import Clock, Event, RequestRace, UnitOfWork, UnitOfWorkFactory
from paars_platform.errors import DomainError

A = TypeVar("A")
# A handler takes the command, the unit of work and what the organisation allows (FeedbackConfig).
Handler = Callable[[Any, UnitOfWork, FeedbackConfig], Awaitable[Any]]

COMMAND_HANDLERS: Mapping[type[c.Command[Any]], Handler] = {
    c.GiveFeedback: item_handlers.give_feedback,
    c.AcknowledgeFeedback: item_handlers.acknowledge_feedback,
    c.DeclineFeedbackRequest: item_handlers.decline_feedback_request,
    c.RequestFeedback: fh.request_feedback,
    c.ReissueRequestLink: fh.reissue_request_link,
    c.RevokeLink: fh.revoke_link,
    c.AssignCoach: fh.assign_coach,
    c.ShareWithCoach: fh.share_with_coach,
    c.RaiseReferral: fh.raise_referral,
    c.AcknowledgeReferral: fh.acknowledge_referral,
    c.CloseReferral: fh.close_referral,
    c.ExpireOverdueRequests: fh.expire_overdue_requests,
    c.RecordReads: fh.record_reads,
    c.CreateActionItem: action_plans.create_action_item,
    c.UpdateActionItem: action_plans.update_action_item,
    c.ConfirmActionItem: action_plans.confirm_action_item,
    c.ScheduleDialogue: dialogue_use_cases.schedule_dialogue,
    c.SubmitPreparation: dialogue_use_cases.submit_preparation,
    c.RecordDialogueNotes: dialogue_use_cases.record_dialogue_notes,
    c.SignDialogue: dialogue_use_cases.sign_dialogue,
    c.OpenReviewCycle: review_use_cases.open_review_cycle,
    c.NominateRaters: review_use_cases.nominate_raters,
    c.ApproveRaters: review_use_cases.approve_raters,
    c.CloseReviewCycle: review_use_cases.close_review_cycle,
    c.SubmitSelfAssessment: review_use_cases.submit_self_assessment,
    c.InviteExternalRater: review_use_cases.invite_external_rater,
    c.ReissueInvitationLink: review_use_cases.reissue_invitation_link,
    c.SubmitReviewResponse: review_use_cases.submit_review_response,
}
# A query handler answers with commands.Answered: the answer and what its reading leaves to do.
QUERY_HANDLERS: Mapping[type[c.Query[Any]], Handler] = {
    c.GetFeedback: fh.get_feedback,
    c.ListFeedback: fh.list_feedback,
    c.GetFeedbackSummary: fh.get_feedback_summary,
    c.ListFeedbackRequests: fh.list_feedback_requests,
    c.GetLink: fh.get_link,
    c.ListReferrals: fh.list_referrals,
    c.ListReads: fh.list_reads,
    c.ListActionItems: action_plans.list_action_items,
    c.ListDialogues: dialogue_use_cases.list_dialogues,
    c.GetDialogue: dialogue_use_cases.get_dialogue,
    c.GetReviewReport: review_use_cases.get_review_report,
    c.GetGapReport: review_use_cases.get_gap_report,
    c.ListReviews: review_use_cases.list_reviews,
}
# Told the events of every committed unit of work (metrics), after the commit and outside the transaction.
Observer = Callable[[Sequence[Event]], None]


class MessageBus:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, config: FeedbackConfig, *, observers: Sequence[Observer] = ()) -> None:
        self.uow = uow
        self.clock = clock
        self.config = config
        self.observers = tuple(observers)

    async def handle(self, command: c.Command[A]) -> A:
        # What the command alone decides is refused before a transaction (and SQLite's write lock) is taken.
        command.check(self.clock(), self.config)
        handler = COMMAND_HANDLERS[type(command)]
        request, caller = command.request, command.caller_key
        for attempt in (1, 2):
            try:
                async with self.uow() as uow:
                    # A retry is the rare case: the key is looked up only when the change cannot be kept (the
                    # key already has an answer) or the handler refuses it (a retry of an accepted request may
                    # now meet a used link or a full give limit), not before every change: one statement less.
                    try:
                        answer = cast(A, await handler(command, uow, self.config))
                    except DomainError:
                        earlier = await uow.recall(caller, command.METHOD, request, command.ANSWER) if request.key else None
                        if earlier is None:
                            raise
                        return cast(A, earlier)  # leaving without commit() rolls the attempt back
                    if request.key:
                        earlier = await uow.remember(caller, command.METHOD, request, answer)  # type: ignore[arg-type]
                        if earlier is not None:
                            return cast(A, earlier)
                    events = await uow.commit()
            except RequestRace:
                # A concurrent call with the same key won the race; the next attempt returns its answer.
                if attempt == 2:
                    raise
                continue
            for observe in self.observers:
                observe(events)
            return answer
        raise AssertionError("unreachable")

    async def ask(self, query: c.Query[A]) -> A:
        """Answers a query from a read-only unit of work (no write lock, no transaction to commit), then runs what
        the reading left to do (the read audit, marking overdue requests), each in its own unit of work."""
        query.check(self.clock(), self.config)
        async with self.uow(read_only=True) as uow:
            answered = cast(c.Answered[A], await QUERY_HANDLERS[type(query)](query, uow, self.config))
        for command in answered.then:
            await self.handle(command)
        return answered.answer
