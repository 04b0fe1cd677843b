"""Story use cases: save a draft, propose, comment, endorse, accept or decline a proposal, publish; and the reads.

Each handler takes a command (or query), a unit of work and the organisation's plain-language policy, and holds
the rules of its use case only: SQL is in adapters/, protobuf in entrypoints/ and adapters/protobuf.py, the
transaction and outbox in the unit of work, running them in service_layer/messagebus.py."""
from __future__ import annotations

import uuid
from dataclasses import replace

from paars_platform.errors import FailedPrecondition, InvalidArgument, NotFound, StaleVersion
from paars_platform.privileged import PrivilegedAct
from paars_story.domain import story as s
from paars_story.domain.plain_language import LANGUAGES, PlainLanguagePolicy, TextCheck, UnknownLanguage, check
from paars_story.service_layer import commands as c
from paars_story.service_layer.unit_of_work import UnitOfWork


def checks_of(version: s.StoryVersion, policy: PlainLanguagePolicy) -> tuple[s.PassageCheck, ...]:
    return tuple(s.check_passage(p, policy) for p in version.passages)


async def save_draft(command: c.SaveDraft, uow: UnitOfWork, policy: PlainLanguagePolicy) -> s.StoryVersion:
    latest = await uow.stories.latest(for_update=True)
    current = latest.version if latest else 0
    if command.base_version != current:
        raise StaleVersion(f"base_version {command.base_version} is not the latest version {current}: reload and edit again")
    draft = s.next_draft(latest, command.passages, by=command.caller.employee_id, at=uow.clock())
    await uow.stories.add(draft)
    return draft


async def publish_draft(command: c.PublishDraft, uow: UnitOfWork, policy: PlainLanguagePolicy) -> s.StoryVersion:
    latest = await uow.stories.latest(for_update=True)
    if latest is None or latest.version != command.draft_version:
        raise StaleVersion(f"draft_version {command.draft_version} is not the latest version {latest.version if latest else 0}")
    if latest.published:
        raise FailedPrecondition(f"version {latest.version} is already published")
    incomplete = {p.key: s.missing_languages(p) for p in latest.passages if s.missing_languages(p)}
    if incomplete:
        shown = "; ".join(f"{key}: {', '.join(langs)}" for key, langs in incomplete.items())
        raise FailedPrecondition(f"every passage is published in Dutch and English side by side; missing {shown}")
    checks = checks_of(latest, policy)
    try:
        published = s.publish(latest, checks, by=command.caller.employee_id, at=uow.clock(), override_reason=command.readability_override_reason)
    except s.BelowThreshold as below:
        raise InvalidArgument("readability_override_reason", f"is required to publish {below}") from None
    await uow.stories.mark_published(published)
    uow.add_events(s.StoryPublished(published, checks, command.caller.employee_id))
    if published.readability_override_reason:
        # Published over the readability check: a privileged act (issue 18 item 6), in the publisher's own audit.
        basis = next((r for r in s.CURATOR_ROLES if command.caller.has(r)), "curator")
        uow.privileged.append(PrivilegedAct(
            "override", command.caller.employee_id, basis, "story", str(published.version),
            {"check": "readability", "override_reason": published.readability_override_reason, "version": published.version},
        ))
    return published


async def _proposal(uow: UnitOfWork, proposal_id: str) -> s.Proposal:
    proposal = await uow.proposals.get(proposal_id, for_update=True)
    if proposal is None:
        raise NotFound(f"proposal {proposal_id!r} not found")
    return proposal


def _open(proposal: s.Proposal) -> None:
    if proposal.state is not s.ProposalState.OPEN:
        raise FailedPrecondition(f"proposal {proposal.id!r} is already {proposal.state.name.lower()}")


async def propose_change(command: c.ProposeChange, uow: UnitOfWork, policy: PlainLanguagePolicy) -> s.Proposal:
    proposal = s.Proposal(
        id=str(uuid.uuid4()), author_id=command.caller.employee_id, passage=command.passage,
        reason=command.reason.strip(), created_at=uow.clock(),
    )
    await uow.proposals.add(proposal)
    uow.add_events(s.ProposalUpdated(proposal, "proposed", command.caller.employee_id, proposal.created_at))
    return proposal


async def comment_on_proposal(command: c.CommentOnProposal, uow: UnitOfWork, policy: PlainLanguagePolicy) -> s.Proposal:
    proposal = await _proposal(uow, command.proposal_id)
    _open(proposal)
    now = uow.clock()
    comment = s.ProposalComment(str(uuid.uuid4()), command.caller.employee_id, command.text.strip(), now)
    proposal = replace(proposal, comments=(*proposal.comments, comment))
    await uow.proposals.save(proposal)
    uow.add_events(s.ProposalUpdated(proposal, "commented", command.caller.employee_id, now))
    return proposal


async def endorse_proposal(command: c.EndorseProposal, uow: UnitOfWork, policy: PlainLanguagePolicy) -> s.Proposal:
    proposal = await _proposal(uow, command.proposal_id)
    _open(proposal)
    endorsed = proposal.endorsed_by(command.caller.employee_id)
    if endorsed is not proposal:
        await uow.proposals.save(endorsed)
        uow.add_events(s.ProposalUpdated(endorsed, "endorsed", command.caller.employee_id, uow.clock()))
    return endorsed


async def decide_proposal(command: c.DecideProposal, uow: UnitOfWork, policy: PlainLanguagePolicy) -> s.Proposal:
    proposal = await _proposal(uow, command.proposal_id)
    _open(proposal)
    now = uow.clock()
    if not command.accept:
        decided = replace(proposal, state=s.ProposalState.DECLINED)
        await uow.proposals.save(decided)
        uow.add_events(s.ProposalUpdated(decided, "declined", command.caller.employee_id, now))
        return decided
    # Accepting takes the passage into the next draft, made from the latest version (draft or published).
    latest = await uow.stories.latest(for_update=True)
    base = latest.with_passage(proposal.passage) if latest else (proposal.passage,)
    draft = s.next_draft(latest, base, by=command.caller.employee_id, at=now, contributors=proposal.contributors)
    await uow.stories.add(draft)
    accepted = replace(proposal, state=s.ProposalState.ACCEPTED, accepted_into_version=draft.version)
    await uow.proposals.save(accepted)
    uow.add_events(s.ProposalUpdated(accepted, "accepted", command.caller.employee_id, now))
    return accepted


# ---- queries: the story is everyone's to read ----

async def get_story(query: c.GetStory, uow: UnitOfWork, policy: PlainLanguagePolicy) -> c.StoryView:
    latest = await uow.stories.latest()
    published = latest if latest is not None and latest.published else await uow.stories.latest_published()
    draft = latest if latest is not None and not latest.published else None
    return c.StoryView(published, draft)


async def get_version(query: c.GetVersion, uow: UnitOfWork, policy: PlainLanguagePolicy) -> s.StoryVersion:
    if query.version <= 0:
        raise InvalidArgument("version", "is required")
    version = await uow.stories.get(query.version)
    if version is None:
        raise NotFound(f"story version {query.version} not found")
    return version


async def list_proposals(query: c.ListProposals, uow: UnitOfWork, policy: PlainLanguagePolicy) -> list[s.Proposal]:
    return await uow.proposals.list(open_only=query.open_only)


def check_text(query: c.CheckText, policy: PlainLanguagePolicy) -> TextCheck:
    if len(query.text) > s.MAX_TEXT:
        raise InvalidArgument("text", f"must be at most {s.MAX_TEXT} characters")
    try:
        return check(query.text, query.language, policy)
    except UnknownLanguage:
        raise InvalidArgument("language", f"must be one of {', '.join(LANGUAGES)}") from None
