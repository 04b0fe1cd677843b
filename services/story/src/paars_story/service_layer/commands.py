"""What callers ask the story service to do (commands, imperative) or tell (queries), and the checks a request
must pass before anything is read or written: every wrong field named at once."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Generic, TypeVar

from paars_platform.auth import Identity
from paars_platform.errors import PermissionDenied, Validator
from paars_story.domain import story as s
from paars_story.domain.ambition import MAX_AMBITION, Ambition
from paars_story.domain.plain_language import LANGUAGES, TextCheck
from paars_story.domain.reach import TeamReach
from paars_story.domain.team_story import MAX_LINKS, TeamStory

# HR guards the language: they keep the jargon list (admins may too).
JARGON_KEEPERS = ("hr", "admin")
MAX_JARGON = 500

A = TypeVar("A")


@dataclass(frozen=True)
class Command(Generic[A]):
    """A change someone asks for, answered with an A."""

    CURATORS_ONLY: ClassVar[bool] = False
    caller: Identity

    def check(self) -> None:
        """Raises InvalidArgument (every wrong field) or PermissionDenied for what the command alone decides."""
        if self.CURATORS_ONLY and not self.caller.has(*s.CURATOR_ROLES):
            raise PermissionDenied("only HR and leaders curate and publish the story")
        v = Validator()
        self.validate(v)
        v.raise_if_any()

    def validate(self, v: Validator) -> None:
        """Adds the request's field violations."""


@dataclass(frozen=True)
class Query(Generic[A]):
    caller: Identity


def validate_passage(passage: s.Passage, v: Validator, field: str) -> None:
    if v.require(passage.key, f"{field}.key", 68):
        kind = s.kind_of_key(passage.key)
        if v.check(kind is not None, f"{field}.key", 'must be "mission", "vision", "value.<slug>" or "theme.<slug>" (lowercase, digits, dashes)'):
            v.check(kind == passage.kind, f"{field}.kind", f"must be {kind.name if kind else ''} for key {passage.key!r}")
    text_written = False
    for lang in LANGUAGES:
        v.max_length(passage.title.get(lang), f"{field}.title.{lang}", s.MAX_TITLE)
        v.max_length(passage.text.get(lang), f"{field}.text.{lang}", s.MAX_TEXT)
        text_written = text_written or bool(passage.text.get(lang).strip())
    v.check(text_written, f"{field}.text", "is required in at least one language (nl or en)")
    if passage.kind in (s.PassageKind.VALUE, s.PassageKind.THEME):
        v.check(bool(passage.title.nl.strip() or passage.title.en.strip()), f"{field}.title", "is required for a value or theme")
    if v.check(len(passage.behaviours) <= s.MAX_BEHAVIOURS, f"{field}.behaviours", f"at most {s.MAX_BEHAVIOURS}"):
        v.check(not passage.behaviours or passage.kind is s.PassageKind.VALUE, f"{field}.behaviours", "only a value has behaviours")
        for i, b in enumerate(passage.behaviours):
            v.max_length(b.nl, f"{field}.behaviours[{i}].nl", s.MAX_TITLE)
            v.max_length(b.en, f"{field}.behaviours[{i}].en", s.MAX_TITLE)


@dataclass(frozen=True)
class SaveDraft(Command[s.StoryVersion]):
    CURATORS_ONLY = True
    base_version: int
    passages: tuple[s.Passage, ...]

    def validate(self, v: Validator) -> None:
        v.check(self.base_version >= 0, "base_version", "must not be negative")
        v.check(0 < len(self.passages) <= s.MAX_PASSAGES, "passages", f"between 1 and {s.MAX_PASSAGES} passages")
        keys = [p.key for p in self.passages]
        v.check(len(keys) == len(set(keys)), "passages", "each key at most once")
        for i, p in enumerate(self.passages[: s.MAX_PASSAGES]):
            validate_passage(p, v, f"passages[{i}]")


@dataclass(frozen=True)
class PublishDraft(Command[s.StoryVersion]):
    CURATORS_ONLY = True
    draft_version: int
    readability_override_reason: str

    def validate(self, v: Validator) -> None:
        v.check(self.draft_version > 0, "draft_version", "is required")
        v.max_length(self.readability_override_reason, "readability_override_reason", s.MAX_REASON)


@dataclass(frozen=True)
class DecideProposal(Command[s.Proposal]):
    CURATORS_ONLY = True
    proposal_id: str
    accept: bool

    def validate(self, v: Validator) -> None:
        v.require(self.proposal_id, "proposal_id", 64)


@dataclass(frozen=True)
class ProposeChange(Command[s.Proposal]):
    passage: s.Passage
    reason: str

    def validate(self, v: Validator) -> None:
        validate_passage(self.passage, v, "passage")
        v.max_length(self.reason, "reason", s.MAX_REASON)


@dataclass(frozen=True)
class CommentOnProposal(Command[s.Proposal]):
    proposal_id: str
    text: str

    def validate(self, v: Validator) -> None:
        v.require(self.proposal_id, "proposal_id", 64)
        v.require(self.text, "text", s.MAX_REASON)


@dataclass(frozen=True)
class EndorseProposal(Command[s.Proposal]):
    proposal_id: str

    def validate(self, v: Validator) -> None:
        v.require(self.proposal_id, "proposal_id", 64)


@dataclass(frozen=True)
class StoryView:
    published: s.StoryVersion | None
    draft: s.StoryVersion | None


@dataclass(frozen=True)
class GetStory(Query[StoryView]):
    pass


@dataclass(frozen=True)
class GetVersion(Query[s.StoryVersion]):
    version: int


@dataclass(frozen=True)
class ListProposals(Query[list[s.Proposal]]):
    open_only: bool


@dataclass(frozen=True)
class CheckText(Query[TextCheck]):
    language: str
    text: str



# ---- team stories ----

def _keys(v: Validator, keys: tuple[str, ...], field: str) -> None:
    v.check(len(keys) <= MAX_LINKS, field, f"at most {MAX_LINKS}")
    for i, key in enumerate(keys[:MAX_LINKS]):
        v.require(key, f"{field}[{i}]", 68)


@dataclass(frozen=True)
class SaveTeamStory(Command[TeamStory]):
    team_id: str
    base_version: int
    title: s.Localized
    text: s.Localized
    value_keys: tuple[str, ...]
    theme_keys: tuple[str, ...]

    def validate(self, v: Validator) -> None:
        v.require(self.team_id, "team_id", 64)
        v.check(self.base_version >= 0, "base_version", "must not be negative")
        written = False
        for lang in LANGUAGES:
            v.max_length(self.title.get(lang), f"title.{lang}", s.MAX_TITLE)
            v.max_length(self.text.get(lang), f"text.{lang}", s.MAX_TEXT)
            written = written or bool(self.text.get(lang).strip())
        v.check(written, "text", "is required in at least one language (nl or en)")
        _keys(v, self.value_keys, "value_keys")
        _keys(v, self.theme_keys, "theme_keys")


@dataclass(frozen=True)
class PublishTeamStory(Command[TeamStory]):
    team_id: str
    version: int
    readability_override_reason: str

    def validate(self, v: Validator) -> None:
        v.require(self.team_id, "team_id", 64)
        v.check(self.version > 0, "version", "is required")
        v.max_length(self.readability_override_reason, "readability_override_reason", s.MAX_REASON)


@dataclass(frozen=True)
class TeamStoryView:
    published: TeamStory | None
    draft: TeamStory | None
    manager_id: str


@dataclass(frozen=True)
class GetTeamStory(Query[TeamStoryView]):
    team_id: str


@dataclass(frozen=True)
class ListTeamStories(Query[list[TeamStory]]):
    pass


# ---- reach ----

@dataclass(frozen=True)
class MarkStoryRead(Command[None]):
    version: int

    def validate(self, v: Validator) -> None:
        v.check(self.version > 0, "version", "is required")


@dataclass(frozen=True)
class StoryReach:
    version: int
    k: int
    teams: list[TeamReach]
    organisation: TeamReach


@dataclass(frozen=True)
class GetStoryReach(Query[StoryReach]):
    version: int


# ---- the jargon list ----

@dataclass(frozen=True)
class GetJargon(Query[dict[str, dict[str, str]]]):
    pass


@dataclass(frozen=True)
class SetJargon(Command[dict[str, dict[str, str]]]):
    # (language, term, plainer words)
    terms: tuple[tuple[str, str, str], ...]

    def check(self) -> None:
        if not self.caller.has(*JARGON_KEEPERS):
            raise PermissionDenied("only HR keeps the organisation's jargon list")
        super().check()

    def validate(self, v: Validator) -> None:
        v.check(len(self.terms) <= MAX_JARGON, "terms", f"at most {MAX_JARGON} terms")
        for i, (language, term, plain) in enumerate(self.terms[:MAX_JARGON]):
            v.check(language in LANGUAGES, f"terms[{i}].language", f"must be one of {', '.join(LANGUAGES)}")
            v.require(term, f"terms[{i}].term", 100)
            v.require(plain, f"terms[{i}].plain", 200)


# ---- a person's own ambition ----

@dataclass(frozen=True)
class SaveAmbition(Command[Ambition]):
    text: str
    share_with_manager: bool
    share_with_coach: bool
    passage_keys: tuple[str, ...]

    def validate(self, v: Validator) -> None:
        v.max_length(self.text, "text", MAX_AMBITION)
        _keys(v, self.passage_keys, "passage_keys")


@dataclass(frozen=True)
class GetAmbition(Query[Ambition]):
    employee_id: str
