"""Runs commands and queries through their handlers: a command's checks first, then its handler in one unit of
work that commits the change and its events together; queries on a read-only unit of work; the
plain-language check of a text on nothing but the policy.

The policy a handler gets is the organisation's effective one: the thresholds from the environment and the
jargon list HR keeps through the API (read from the database, kept for POLICY_SECONDS)."""
from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar, cast

from paars_platform.privileged import Record
from paars_story.domain.plain_language import PlainLanguagePolicy, TextCheck
from paars_story.service_layer import commands as c
from paars_story.service_layer import handlers as h
from paars_story.service_layer import team_handlers as th
from paars_story.service_layer.unit_of_work import UnitOfWork, UnitOfWorkFactory

A = TypeVar("A")
Handler = Callable[[Any, UnitOfWork, PlainLanguagePolicy], Awaitable[Any]]
POLICY_SECONDS = 5.0

COMMAND_HANDLERS: Mapping[type[c.Command[Any]], Handler] = {
    c.SaveDraft: h.save_draft,
    c.PublishDraft: h.publish_draft,
    c.DecideProposal: h.decide_proposal,
    c.ProposeChange: h.propose_change,
    c.CommentOnProposal: h.comment_on_proposal,
    c.EndorseProposal: h.endorse_proposal,
    c.SaveTeamStory: th.save_team_story,
    c.PublishTeamStory: th.publish_team_story,
    c.MarkStoryRead: th.mark_story_read,
    c.SetJargon: th.set_jargon,
    c.SaveAmbition: th.save_ambition,
}
QUERY_HANDLERS: Mapping[type[c.Query[Any]], Handler] = {
    c.GetStory: h.get_story,
    c.GetVersion: h.get_version,
    c.ListProposals: h.list_proposals,
    c.GetTeamStory: th.get_team_story,
    c.ListTeamStories: th.list_team_stories,
    c.GetStoryReach: th.get_story_reach,
    c.GetJargon: th.get_jargon,
    c.GetAmbition: th.get_ambition,
}
# Told of every command that succeeded, with its answer (the service metrics, adapters/metrics.py).
Observer = Callable[[c.Command[Any], Any], None]


class MessageBus:
    def __init__(
        self, uow: UnitOfWorkFactory, policy: PlainLanguagePolicy, *, observers: tuple[Observer, ...] = (), record: Record | None = None,
    ) -> None:
        self.uow = uow
        # Writes what a command did on a privileged basis (a story published over the readability check) once committed.
        self.record = record
        # The environment's policy; the effective one adds HR's jargon list (effective_policy).
        self.policy = policy
        self.observers = observers
        self._effective: tuple[float, PlainLanguagePolicy] | None = None

    async def _policy_in(self, uow: UnitOfWork) -> PlainLanguagePolicy:
        cached = self._effective
        if cached is not None and time.monotonic() - cached[0] < POLICY_SECONDS:
            return cached[1]
        policy = th.with_jargon(self.policy, await uow.jargon.all())
        self._effective = (time.monotonic(), policy)
        return policy

    async def effective_policy(self) -> PlainLanguagePolicy:
        """The policy responses are checked under (cached for POLICY_SECONDS; a SetJargon here renews it at once)."""
        cached = self._effective
        if cached is not None and time.monotonic() - cached[0] < POLICY_SECONDS:
            return cached[1]
        async with self.uow(read_only=True) as uow:
            return await self._policy_in(uow)

    async def handle(self, command: c.Command[A]) -> A:
        # What the command alone decides is refused before a transaction (and SQLite's write lock) is taken.
        command.check()
        async with self.uow() as uow:
            policy = await self._policy_in(uow)
            uow.policy = policy
            answer = cast(A, await COMMAND_HANDLERS[type(command)](command, uow, policy))
            await uow.commit()
            acts = list(uow.privileged)
        if acts and self.record is not None:
            await self.record(command.caller.employee_id, type(command).__name__, acts)
        if isinstance(command, c.SetJargon):
            self._effective = None
        for observe in self.observers:
            observe(command, answer)
        return answer

    def check_text(self, query: c.CheckText, policy: PlainLanguagePolicy | None = None) -> TextCheck:
        """Pure computation over the request: no unit of work, no database read."""
        return h.check_text(query, policy or self.policy)

    async def ask(self, query: c.Query[A]) -> A:
        async with self.uow(read_only=True) as uow:
            policy = await self._policy_in(uow)
            return cast(A, await QUERY_HANDLERS[type(query)](query, uow, policy))
