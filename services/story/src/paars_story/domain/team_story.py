"""A team's own telling of the organisation story for its work: written by the team's members with its manager,
linked to the story's values and themes, held to the same plain-language check, versioned per team (append-only,
as the organisation story) and published by the manager (or HR, a leader) below the threshold only with a reason.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace

from paars_story.domain.plain_language import LANGUAGES, PlainLanguagePolicy, check
from paars_story.domain.story import (
    CURATOR_ROLES,
    BelowThreshold,
    Localized,
    PassageCheck,
    PassageKind,
    StoryVersion,
    merge_contributors,
)

MAX_LINKS = 20


@dataclass(frozen=True)
class TeamStory:
    team_id: str
    version: int
    title: Localized
    text: Localized
    value_keys: tuple[str, ...]
    theme_keys: tuple[str, ...]
    # The published organisation story version it was written against.
    story_version: int
    updated_at: dt.datetime
    updated_by: str
    published: bool = False
    published_at: dt.datetime | None = None
    published_by: str = ""
    contributor_ids: tuple[str, ...] = ()
    readability_override_reason: str = ""

    @property
    def check_key(self) -> str:
        return f"team.{self.team_id}"


def check_team_story(story: TeamStory, policy: PlainLanguagePolicy) -> PassageCheck:
    return PassageCheck(story.check_key, tuple(check(story.text.get(lang), lang, policy) for lang in LANGUAGES if story.text.get(lang).strip()))


@dataclass(frozen=True)
class Team:
    """A team as the story service's directory projection knows it."""

    id: str
    name: str
    manager_id: str


def may_write(team: Team, employee_id: str, team_of_caller: str, roles: Iterable[str]) -> bool:
    """The team's members and its manager write their story; HR and leaders may help."""
    return team_of_caller == team.id or team.manager_id == employee_id or any(r in CURATOR_ROLES for r in roles)


def may_publish(team: Team, employee_id: str, roles: Iterable[str]) -> bool:
    """The team's manager publishes it (HR and leaders too: a team without a manager still gets its story out)."""
    return team.manager_id == employee_id or any(r in CURATOR_ROLES for r in roles)


class UnknownLinks(ValueError):
    def __init__(self, field: str, keys: list[str]) -> None:
        self.field = field
        self.keys = keys
        super().__init__(f"not a {field.split('_')[0]} of the published story: {', '.join(keys)}")


def check_links(story: StoryVersion, value_keys: Iterable[str], theme_keys: Iterable[str]) -> None:
    """Every linked key is a value (or theme) of the published organisation story."""
    kinds = {p.key: p.kind for p in story.passages}
    for field, keys, kind in (("value_keys", value_keys, PassageKind.VALUE), ("theme_keys", theme_keys, PassageKind.THEME)):
        unknown = [k for k in keys if kinds.get(k) is not kind]
        if unknown:
            raise UnknownLinks(field, unknown)


def next_team_version(
    latest: TeamStory | None, *, team_id: str, title: Localized, text: Localized, value_keys: Iterable[str],
    theme_keys: Iterable[str], story_version: int, by: str, at: dt.datetime,
) -> TeamStory:
    """The next version, a draft, carrying forward who wrote the drafts since the last publication."""
    carried = latest.contributor_ids if latest is not None and not latest.published else ()
    return TeamStory(
        team_id=team_id, version=(latest.version if latest else 0) + 1, title=title, text=text,
        value_keys=tuple(dict.fromkeys(value_keys)), theme_keys=tuple(dict.fromkeys(theme_keys)), story_version=story_version,
        updated_at=at, updated_by=by, contributor_ids=merge_contributors(carried, [by]),
    )


def publish_team_story(draft: TeamStory, passage_check: PassageCheck, *, by: str, at: dt.datetime, override_reason: str) -> TeamStory:
    if passage_check.below_threshold and not override_reason.strip():
        raise BelowThreshold([passage_check])
    return replace(
        draft, published=True, published_at=at, published_by=by, contributor_ids=merge_contributors(draft.contributor_ids, [by]),
        readability_override_reason=override_reason.strip() if passage_check.below_threshold else "",
    )


@dataclass(frozen=True)
class TeamStoryPublished:
    story: TeamStory
    check: PassageCheck
    team: Team
    actor_id: str
