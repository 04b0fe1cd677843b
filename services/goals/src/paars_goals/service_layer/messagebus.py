"""Runs commands and queries through their handlers: a command's checks first, then its handler in one unit
of work that commits the change, its events and (with an idempotency key) its answer together."""
from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar, cast

from paars_goals.service_layer import commands as c
from paars_goals.service_layer import erasure_handlers, goal_handlers, org_handlers
from paars_goals.service_layer.unit_of_work import Clock, PrivilegedAct, RequestRace, UnitOfWork, UnitOfWorkFactory
from paars_platform.errors import InvalidArgument

A = TypeVar("A")
Handler = Callable[[Any, UnitOfWork], Awaitable[Any]]

COMMAND_HANDLERS: Mapping[type[c.Command[Any]], Handler] = {
    c.ProposeGoal: goal_handlers.propose_goal,
    c.CounterProposeGoal: goal_handlers.counter_propose_goal,
    c.AgreeGoal: goal_handlers.agree_goal,
    c.CommentOnGoal: goal_handlers.comment_on_goal,
    c.CheckIn: goal_handlers.check_in,
    c.CloseGoal: goal_handlers.close_goal,
    c.ImportDirectory: org_handlers.import_directory,
    c.ErasePerson: erasure_handlers.erase_person,
    c.PlaceLegalHold: erasure_handlers.place_legal_hold,
    c.ReleaseLegalHold: erasure_handlers.release_legal_hold,
}
QUERY_HANDLERS: Mapping[type[c.Query[Any]], Handler] = {
    c.GetGoal: goal_handlers.get_goal,
    c.ListGoals: goal_handlers.list_goals,
    c.ListTeamGoals: goal_handlers.list_team_goals,
    c.GetAlignmentTree: goal_handlers.get_alignment_tree,
    c.GetEmployee: org_handlers.get_employee,
    c.ListEmployees: org_handlers.list_employees,
    c.ListTeams: org_handlers.list_teams,
    c.ListLegalHolds: erasure_handlers.list_legal_holds,
}
# Run after a command was answered (committed, or answered again for a retry), outside its transaction.
Then = Callable[[c.Command[Any]], None]
# Records what a use case did on a privileged basis (HR, admin), with who did it and by which path.
Record = Callable[[str, str, Sequence[PrivilegedAct]], Awaitable[None]]


class MessageBus:
    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, *, then: Mapping[type[c.Command[Any]], Then] | None = None, record: Record | None = None,
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.then = dict(then or {})
        self.record = record

    async def handle(self, command: c.Command[A]) -> A:
        handler = COMMAND_HANDLERS[type(command)]
        answer = await self._run(command, handler)
        after = self.then.get(type(command))
        if after is not None:
            after(command)
        return answer

    async def _run(self, command: c.Command[A], handler: Handler) -> A:
        # What the command alone decides is refused before a transaction (and SQLite's write lock) is taken.
        command.check(self.clock().date())
        request = command.request
        if len(request.key) > c.MAX_IDEMPOTENCY_KEY:
            raise InvalidArgument("idempotency_key", f"must be at most {c.MAX_IDEMPOTENCY_KEY} characters")
        caller = command.caller.employee_id
        for attempt in (1, 2):
            try:
                async with self.uow() as uow:
                    if request.key:
                        earlier = await uow.recall(caller, command.METHOD, request, command.ANSWER)
                        if earlier is not None:
                            return cast(A, earlier)
                    answer = cast(A, await handler(command, uow))
                    if request.key:
                        await uow.remember(caller, command.METHOD, request, answer)  # type: ignore[arg-type]
                    await uow.commit()
                    acts = list(uow.privileged)
                if acts and self.record is not None:
                    await self.record(caller, command.METHOD, acts)
                return answer
            except RequestRace:
                # A concurrent call with the same key won the race; the next attempt returns its answer.
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def ask(self, query: c.Query[A]) -> A:
        async with self.uow(read_only=True) as uow:
            answer = cast(A, await QUERY_HANDLERS[type(query)](query, uow))
            acts = list(uow.privileged)
        if acts and self.record is not None:
            # After the read, in a write of its own: HR's read of someone's goals is in their audit.
            await self.record(cast(Any, query).caller.employee_id, type(query).__name__, acts)
        return answer
