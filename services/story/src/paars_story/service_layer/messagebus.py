"""Runs commands and queries through their handlers: a command's checks first, then its handler in one unit of
work that commits the change and its events together; queries on a read-only unit of work; the
plain-language check of a text on nothing but the policy."""
from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar, cast

from paars_story.domain.plain_language import PlainLanguagePolicy, TextCheck
from paars_story.service_layer import commands as c
from paars_story.service_layer import handlers as h
from paars_story.service_layer.unit_of_work import UnitOfWork, UnitOfWorkFactory

A = TypeVar("A")
Handler = Callable[[Any, UnitOfWork, PlainLanguagePolicy], Awaitable[Any]]

COMMAND_HANDLERS: Mapping[type[c.Command[Any]], Handler] = {
    c.SaveDraft: h.save_draft,
    c.PublishDraft: h.publish_draft,
    c.DecideProposal: h.decide_proposal,
    c.ProposeChange: h.propose_change,
    c.CommentOnProposal: h.comment_on_proposal,
    c.EndorseProposal: h.endorse_proposal,
}
QUERY_HANDLERS: Mapping[type[c.Query[Any]], Handler] = {
    c.GetStory: h.get_story,
    c.GetVersion: h.get_version,
    c.ListProposals: h.list_proposals,
}


class MessageBus:
    def __init__(self, uow: UnitOfWorkFactory, policy: PlainLanguagePolicy) -> None:
        self.uow = uow
        self.policy = policy

    async def handle(self, command: c.Command[A]) -> A:
        # What the command alone decides is refused before a transaction (and SQLite's write lock) is taken.
        command.check()
        async with self.uow() as uow:
            answer = cast(A, await COMMAND_HANDLERS[type(command)](command, uow, self.policy))
            await uow.commit()
            return answer

    def check_text(self, query: c.CheckText) -> TextCheck:
        """Pure computation over the request: no unit of work, no database read."""
        return h.check_text(query, self.policy)

    async def ask(self, query: c.Query[A]) -> A:
        async with self.uow(read_only=True) as uow:
            return cast(A, await QUERY_HANDLERS[type(query)](query, uow, self.policy))
