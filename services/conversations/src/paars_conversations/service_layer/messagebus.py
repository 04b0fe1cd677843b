"""Runs commands and queries through their handlers: a request's checks first, then its handler in one unit of
work that commits the change, its events and (with a request key) its answer together; queries on a read-only
unit of work."""
from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar, cast

from paars_conversations.service_layer import commands as c
from paars_conversations.service_layer import handlers as h
from paars_conversations.service_layer.unit_of_work import RequestRace, UnitOfWork, UnitOfWorkFactory
from paars_platform.privileged import PrivilegedAct, Record

A = TypeVar("A")
Handler = Callable[[Any, UnitOfWork], Awaitable[Any]]

COMMAND_HANDLERS: Mapping[type[c.Command[Any]], Handler] = {
    c.SchedulePair: h.schedule_pair,
    c.ReadMeeting: h.read_meeting,
    c.AddAgendaTopic: h.add_agenda_topic,
    c.AddNote: h.add_note,
    c.ProposeAgreement: h.propose_agreement,
    c.ConfirmAgreement: h.confirm_agreement,
    c.CompleteMeeting: h.complete_meeting,
    c.MarkHat: h.mark_hat,
    c.SetCoachProfile: h.set_coach_profile,
    c.RequestCoaching: h.request_coaching,
    c.AnswerCoachingRequest: h.answer_coaching_request,
    c.AddCoachingGoal: h.add_coaching_goal,
    c.RecordCoachingSession: h.record_coaching_session,
    c.RaiseConcern: h.raise_concern,
    c.AcknowledgeConcern: h.acknowledge_concern,
    c.ResolveConcern: h.resolve_concern,
    c.FormCircle: h.form_circle,
    c.HoldCircleSession: h.hold_circle_session,
    c.SetProfessionalService: h.set_professional_service,
}
QUERY_HANDLERS: Mapping[type[c.Query[Any]], Handler] = {
    c.ListPairs: h.list_pairs,
    c.ListMeetings: h.list_meetings,
    c.GetHatMix: h.get_hat_mix,
    c.ListMeetingReads: h.list_meeting_reads,
    c.ListCoaches: h.list_coaches,
    c.ListCoachingRequests: h.list_coaching_requests,
    c.ListCoachingSessions: h.list_coaching_sessions,
    c.ListConcerns: h.list_concerns,
    c.SuggestCircle: h.suggest_circle,
    c.ListCircles: h.list_circles,
    c.ListCircleSessions: h.list_circle_sessions,
    c.ListProfessionalServices: h.list_professional_services,
}


class MessageBus:
    def __init__(self, uow: UnitOfWorkFactory, *, record: Record | None = None) -> None:
        self.uow = uow
        # Writes what a use case did on a privileged basis (HR reading or handling a concern) once it is answered.
        self.record = record

    async def handle(self, command: c.Command[A]) -> A:
        # What the request alone decides is refused before a transaction (and SQLite's write lock) is taken.
        command.check()
        handler, request, caller = COMMAND_HANDLERS[type(command)], command.request, command.caller.employee_id
        for attempt in (1, 2):
            try:
                async with self.uow() as uow:
                    if request.key:
                        earlier = await uow.recall(caller, command.METHOD, request, command.ANSWER)
                        if earlier is not None:
                            return cast(A, earlier)
                    answer = cast(A, await handler(command, uow))
                    if request.key:
                        await uow.remember(caller, command.METHOD, request, answer)
                    await uow.commit()
                    acts = list(uow.privileged)
                await self._record(caller, command.METHOD, acts)
                return answer
            except RequestRace:
                # A concurrent request with the same key committed first: the second attempt answers with its answer.
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def ask(self, query: c.Query[A]) -> A:
        query.check()
        async with self.uow(read_only=True) as uow:
            answer = cast(A, await QUERY_HANDLERS[type(query)](query, uow))
            acts = list(uow.privileged)
        await self._record(cast(Any, query).caller.employee_id, type(query).__name__, acts)
        return answer

    async def _record(self, actor: str, path: str, acts: list[PrivilegedAct]) -> None:
        # After the use case, in a write of its own (a query's connection only reads): HR's read is in the person's audit.
        if acts and self.record is not None:
            await self.record(actor, path, acts)
