"""Use cases beside the organisation story itself: team stories, who the story reached (k-anonymous), the
organisation's jargon list, and a person's own ambition. Same shape as handlers.py: a command (or query), a unit
of work and the effective plain-language policy; the rules of the use case only."""
from __future__ import annotations

from dataclasses import replace

from paars_platform.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied, StaleVersion
from paars_platform.privileged import PrivilegedAct
from paars_story.domain import reach as r
from paars_story.domain import story as s
from paars_story.domain import team_story as ts
from paars_story.domain.ambition import Ambition, may_read
from paars_story.domain.plain_language import PlainLanguagePolicy
from paars_story.service_layer import commands as c
from paars_story.service_layer.unit_of_work import UnitOfWork


async def _team(uow: UnitOfWork, team_id: str) -> ts.Team:
    team = await uow.directory.team(team_id)
    if team is None:
        raise NotFound(f"team {team_id!r} not found")
    return team


async def save_team_story(command: c.SaveTeamStory, uow: UnitOfWork, policy: PlainLanguagePolicy) -> ts.TeamStory:
    caller = command.caller
    team = await _team(uow, command.team_id)
    if not ts.may_write(team, caller.employee_id, await uow.directory.team_of(caller.employee_id), caller.roles):
        raise PermissionDenied("a team's story is written by its members and its manager")
    published = await uow.stories.latest_published()
    if published is None:
        raise FailedPrecondition("the organisation story is not published yet: a team story tells it for the team's work")
    try:
        ts.check_links(published, command.value_keys, command.theme_keys)
    except ts.UnknownLinks as unknown:
        raise InvalidArgument(unknown.field, str(unknown)) from None
    latest = await uow.team_stories.latest(team.id, for_update=True)
    current = latest.version if latest else 0
    if command.base_version != current:
        raise StaleVersion(f"base_version {command.base_version} is not the latest team story version {current}: reload and edit again")
    draft = ts.next_team_version(
        latest, team_id=team.id, title=command.title, text=command.text, value_keys=command.value_keys,
        theme_keys=command.theme_keys, story_version=published.version, by=caller.employee_id, at=uow.clock(),
    )
    await uow.team_stories.add(draft)
    return draft


async def publish_team_story(command: c.PublishTeamStory, uow: UnitOfWork, policy: PlainLanguagePolicy) -> ts.TeamStory:
    caller = command.caller
    team = await _team(uow, command.team_id)
    if not ts.may_publish(team, caller.employee_id, caller.roles):
        raise PermissionDenied("the team's manager publishes the team's story")
    latest = await uow.team_stories.latest(team.id, for_update=True)
    if latest is None or latest.version != command.version:
        raise StaleVersion(f"version {command.version} is not the latest team story version {latest.version if latest else 0}")
    if latest.published:
        raise FailedPrecondition(f"team story version {latest.version} is already published")
    missing = [lang for lang in ("nl", "en") if not latest.text.get(lang).strip()]
    if missing:
        raise FailedPrecondition(f"a team story is published in Dutch and English side by side; missing {', '.join(missing)}")
    checked = ts.check_team_story(latest, policy)
    try:
        published = ts.publish_team_story(latest, checked, by=caller.employee_id, at=uow.clock(), override_reason=command.readability_override_reason)
    except s.BelowThreshold as below:
        raise InvalidArgument("readability_override_reason", f"is required to publish {below}") from None
    await uow.team_stories.mark_published(published)
    uow.add_events(ts.TeamStoryPublished(published, checked, team, caller.employee_id))
    # Privileged acts (issue 18 item 6), about the team's manager (whose story it is), or the publisher without one.
    concerned = team.manager_id or caller.employee_id
    basis = "manager" if team.manager_id == caller.employee_id else next((r for r in s.CURATOR_ROLES if caller.has(r)), "manager")
    if team.manager_id and team.manager_id != caller.employee_id:
        # HR, a leader or an admin publishing a team's story instead of its manager.
        uow.privileged.append(PrivilegedAct("publish", concerned, basis, "team_story", team.id, {"version": published.version}))
    if published.readability_override_reason:
        uow.privileged.append(PrivilegedAct(
            "override", concerned, basis, "team_story", team.id,
            {"check": "readability", "override_reason": published.readability_override_reason, "version": published.version},
        ))
    return published


async def get_team_story(query: c.GetTeamStory, uow: UnitOfWork, policy: PlainLanguagePolicy) -> c.TeamStoryView:
    """A published team story is everyone's to read (as the organisation's); its draft too: it is written in the open."""
    team = await _team(uow, query.team_id)
    latest = await uow.team_stories.latest(team.id)
    published = latest if latest is not None and latest.published else await uow.team_stories.latest_published(team.id)
    draft = latest if latest is not None and not latest.published else None
    return c.TeamStoryView(published, draft, team.manager_id)


async def list_team_stories(query: c.ListTeamStories, uow: UnitOfWork, policy: PlainLanguagePolicy) -> list[ts.TeamStory]:
    return await uow.team_stories.all_published()


# ---- reach ----

async def mark_story_read(command: c.MarkStoryRead, uow: UnitOfWork, policy: PlainLanguagePolicy) -> None:
    version = await uow.stories.get(command.version)
    if version is None or not version.published:
        raise NotFound(f"published story version {command.version} not found")
    await uow.reach.mark_read(command.version, command.caller.employee_id, uow.clock())


async def get_story_reach(query: c.GetStoryReach, uow: UnitOfWork, policy: PlainLanguagePolicy) -> c.StoryReach:
    """HR and leaders see every team; a manager the teams they manage; counts under k are held back."""
    caller = query.caller
    version = await uow.stories.get(query.version) if query.version else await uow.stories.latest_published()
    if version is None or not version.published:
        raise NotFound("no published story version to count")
    teams = await uow.directory.teams()
    if not caller.has(*s.CURATOR_ROLES):
        teams = [t for t in teams if t.manager_id == caller.employee_id]
        if not teams:
            raise PermissionDenied("the story's reach is for HR, leaders and a team's manager")
    all_members = await uow.directory.members()
    members = {t.id: all_members.get(t.id, []) for t in teams}
    # Reactions to a version: while it was the published story (from its publication to the next one's).
    following = await uow.stories.next_published(version.version)
    people = {
        "read": await uow.reach.readers(version.version),
        "reacted": await uow.reach.reactors(version.published_at, following.published_at if following else None),
        "contributed": set(version.contributor_ids),
    }
    per_team, organisation = r.reach(members, {t.id: t.name for t in teams}, people)
    if not caller.has(*s.CURATOR_ROLES):
        # A manager sees their own teams; the organisation's total is HR's and leaders'.
        organisation = r.TeamReach("", "", r.KCount(0, True), r.KCount(0, True), r.KCount(0, True), r.KCount(0, True))
    return c.StoryReach(version.version, r.K, per_team, organisation)


# ---- the jargon list ----

async def get_jargon(query: c.GetJargon, uow: UnitOfWork, policy: PlainLanguagePolicy) -> dict[str, dict[str, str]]:
    return {lang: dict(terms) for lang, terms in policy.jargon.items()}


async def set_jargon(command: c.SetJargon, uow: UnitOfWork, policy: PlainLanguagePolicy) -> dict[str, dict[str, str]]:
    terms: dict[str, dict[str, str]] = {}
    for language, term, plain in command.terms:
        terms.setdefault(language, {})[term.strip().lower()] = plain.strip()
    await uow.jargon.replace(terms)
    return terms


# ---- a person's own ambition ----

async def save_ambition(command: c.SaveAmbition, uow: UnitOfWork, policy: PlainLanguagePolicy) -> Ambition:
    if command.passage_keys:
        published = await uow.stories.latest_published()
        known = {p.key for p in published.passages if p.kind in (s.PassageKind.VALUE, s.PassageKind.THEME)} if published else set()
        unknown = [k for k in command.passage_keys if k not in known]
        if unknown:
            raise InvalidArgument("passage_keys", f"not a value or theme of the published story: {', '.join(unknown)}")
    ambition = Ambition(
        command.caller.employee_id, command.text.strip(), command.share_with_manager, command.share_with_coach,
        tuple(dict.fromkeys(command.passage_keys)), uow.clock(),
    )
    await uow.ambitions.save(ambition)
    return ambition


async def get_ambition(query: c.GetAmbition, uow: UnitOfWork, policy: PlainLanguagePolicy) -> Ambition:
    """Not shared with you and not there look the same (NOT_FOUND): nobody learns that someone wrote one."""
    owner = query.employee_id or query.caller.employee_id
    ambition = await uow.ambitions.get(owner)
    relations = await uow.directory.relations(owner)
    if ambition is None or relations is None or not may_read(ambition, query.caller.employee_id, relations):
        if owner == query.caller.employee_id:
            return Ambition(owner, "", False, False, (), uow.clock())
        raise NotFound(f"no ambition of {owner!r} shared with you")
    return ambition


def with_jargon(policy: PlainLanguagePolicy, kept: dict[str, dict[str, str]]) -> PlainLanguagePolicy:
    """The policy with the list HR keeps through the API; until HR sets one (or after it is emptied), the
    PAARS_STORY_JARGON_FILE's list."""
    return replace(policy, jargon=kept) if kept else policy
