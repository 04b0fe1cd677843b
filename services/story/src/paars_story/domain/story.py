"""The organisation story and its co-authoring: passages in Dutch and English side by side, versions (every saved
draft is a version; one of them is the published story), proposals with comments and endorsements, and the rules
of who curates and when a version may be published.

Versions are append-only: saving a draft or accepting a proposal writes the next version number, so an edit made
from an older version is refused (StaleVersion) instead of silently overwriting a colleague's work.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import Enum

from paars_story.domain.plain_language import LANGUAGES, PlainLanguagePolicy, TextCheck, check

# HR guards the language and leaders tell the story (the source text): they curate and publish; admins may too.
CURATOR_ROLES = ("hr", "leader", "admin")
MAX_PASSAGES = 60
MAX_TITLE = 200
MAX_TEXT = 4000
MAX_BEHAVIOURS = 10
MAX_REASON = 2000
KEY_PATTERN = re.compile(r"^(mission|vision|(value|theme)\.[a-z0-9][a-z0-9-]{0,62})$")


class PassageKind(Enum):
    MISSION = 1
    VISION = 2
    VALUE = 3
    THEME = 4


def kind_of_key(key: str) -> PassageKind | None:
    """The kind a passage key names: "mission", "vision", "value.<slug>", "theme.<slug>"."""
    if not KEY_PATTERN.match(key):
        return None
    head = key.split(".", 1)[0]
    return {"mission": PassageKind.MISSION, "vision": PassageKind.VISION, "value": PassageKind.VALUE, "theme": PassageKind.THEME}[head]


class ProposalState(Enum):
    OPEN = 1
    ACCEPTED = 2
    DECLINED = 3


@dataclass(frozen=True)
class Localized:
    """The same text written in each language (not machine-translated)."""

    nl: str = ""
    en: str = ""

    def get(self, language: str) -> str:
        return self.nl if language == "nl" else self.en


@dataclass(frozen=True)
class Passage:
    key: str
    kind: PassageKind
    title: Localized
    text: Localized
    behaviours: tuple[Localized, ...] = ()


@dataclass(frozen=True)
class PassageCheck:
    passage_key: str
    checks: tuple[TextCheck, ...]

    @property
    def below_threshold(self) -> bool:
        return any(c.below_threshold for c in self.checks)


def check_passage(passage: Passage, policy: PlainLanguagePolicy) -> PassageCheck:
    """The text of the passage in each language it is written in (titles are too short to score)."""
    return PassageCheck(passage.key, tuple(check(passage.text.get(lang), lang, policy) for lang in LANGUAGES if passage.text.get(lang).strip()))


@dataclass(frozen=True)
class StoryVersion:
    version: int
    passages: tuple[Passage, ...]
    updated_at: dt.datetime
    updated_by: str
    published: bool = False
    published_at: dt.datetime | None = None
    published_by: str = ""
    # Whose proposals, comments and endorsements went into the story since the last publication, and the
    # curators who edited it; a published version keeps them.
    contributor_ids: tuple[str, ...] = ()
    readability_override_reason: str = ""

    def passage(self, key: str) -> Passage | None:
        return next((p for p in self.passages if p.key == key), None)

    def with_passage(self, passage: Passage) -> tuple[Passage, ...]:
        """The passages with this one replacing its key's, or added at the end."""
        if self.passage(passage.key) is None:
            return (*self.passages, passage)
        return tuple(passage if p.key == passage.key else p for p in self.passages)


def merge_contributors(*groups: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({c for group in groups for c in group if c}))


def next_draft(
    latest: StoryVersion | None, passages: Sequence[Passage], *, by: str, at: dt.datetime, contributors: Iterable[str] = (),
) -> StoryVersion:
    """The next version, a draft, carrying forward the contributors of the drafts since the last publication."""
    carried = latest.contributor_ids if latest is not None and not latest.published else ()
    return StoryVersion(
        version=(latest.version if latest else 0) + 1, passages=tuple(passages), updated_at=at, updated_by=by,
        contributor_ids=merge_contributors(carried, contributors, [by]),
    )


class BelowThreshold(Exception):
    """Publishing a passage below the readability threshold needs an explicit override reason."""

    def __init__(self, failing: Sequence[PassageCheck]) -> None:
        self.failing = tuple(failing)
        keys = ", ".join(f"{c.passage_key} ({', '.join(f'{t.language} {t.score:.0f} < {t.threshold:.0f}' for t in c.checks if t.below_threshold)})" for c in failing)
        super().__init__(f"below the readability threshold: {keys}")


def missing_languages(passage: Passage) -> list[str]:
    """The languages a passage's text is not yet written in (a published story has both side by side)."""
    return [lang for lang in LANGUAGES if not passage.text.get(lang).strip()]


def publish(draft: StoryVersion, checks: Sequence[PassageCheck], *, by: str, at: dt.datetime, override_reason: str) -> StoryVersion:
    """The draft as the published story; below the threshold only with a recorded override reason."""
    failing = [c for c in checks if c.below_threshold]
    if failing and not override_reason.strip():
        raise BelowThreshold(failing)
    return replace(
        draft, published=True, published_at=at, published_by=by,
        contributor_ids=merge_contributors(draft.contributor_ids, [by]),
        readability_override_reason=override_reason.strip() if failing else "",
    )


@dataclass(frozen=True)
class ProposalComment:
    id: str
    author_id: str
    text: str
    created_at: dt.datetime


@dataclass(frozen=True)
class Proposal:
    id: str
    author_id: str
    passage: Passage
    reason: str
    created_at: dt.datetime
    state: ProposalState = ProposalState.OPEN
    endorser_ids: tuple[str, ...] = ()
    comments: tuple[ProposalComment, ...] = ()
    accepted_into_version: int = 0

    @property
    def contributors(self) -> tuple[str, ...]:
        """The author, everyone who commented and everyone who endorsed."""
        return merge_contributors([self.author_id], (c.author_id for c in self.comments), self.endorser_ids)

    def endorsed_by(self, employee_id: str) -> Proposal:
        """Endorsing twice counts once; the author's own proposal needs no endorsement from them."""
        if employee_id == self.author_id or employee_id in self.endorser_ids:
            return self
        return replace(self, endorser_ids=(*self.endorser_ids, employee_id))


# ---- events ----

@dataclass(frozen=True)
class StoryPublished:
    story: StoryVersion
    checks: tuple[PassageCheck, ...]
    actor_id: str


@dataclass(frozen=True)
class ProposalUpdated:
    proposal: Proposal
    change: str
    actor_id: str
    occurred_at: dt.datetime
