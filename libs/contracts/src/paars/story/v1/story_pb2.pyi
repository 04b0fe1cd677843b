import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from paars.common.v1 import event_pb2 as _event_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PassageKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PASSAGE_KIND_UNSPECIFIED: _ClassVar[PassageKind]
    PASSAGE_KIND_MISSION: _ClassVar[PassageKind]
    PASSAGE_KIND_VISION: _ClassVar[PassageKind]
    PASSAGE_KIND_VALUE: _ClassVar[PassageKind]
    PASSAGE_KIND_THEME: _ClassVar[PassageKind]

class FindingKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FINDING_KIND_UNSPECIFIED: _ClassVar[FindingKind]
    FINDING_KIND_LOW_READABILITY: _ClassVar[FindingKind]
    FINDING_KIND_LONG_SENTENCE: _ClassVar[FindingKind]
    FINDING_KIND_JARGON: _ClassVar[FindingKind]
    FINDING_KIND_PASSIVE: _ClassVar[FindingKind]
    FINDING_KIND_NOMINALISATION: _ClassVar[FindingKind]

class ProposalState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PROPOSAL_STATE_UNSPECIFIED: _ClassVar[ProposalState]
    PROPOSAL_STATE_OPEN: _ClassVar[ProposalState]
    PROPOSAL_STATE_ACCEPTED: _ClassVar[ProposalState]
    PROPOSAL_STATE_DECLINED: _ClassVar[ProposalState]
PASSAGE_KIND_UNSPECIFIED: PassageKind
PASSAGE_KIND_MISSION: PassageKind
PASSAGE_KIND_VISION: PassageKind
PASSAGE_KIND_VALUE: PassageKind
PASSAGE_KIND_THEME: PassageKind
FINDING_KIND_UNSPECIFIED: FindingKind
FINDING_KIND_LOW_READABILITY: FindingKind
FINDING_KIND_LONG_SENTENCE: FindingKind
FINDING_KIND_JARGON: FindingKind
FINDING_KIND_PASSIVE: FindingKind
FINDING_KIND_NOMINALISATION: FindingKind
PROPOSAL_STATE_UNSPECIFIED: ProposalState
PROPOSAL_STATE_OPEN: ProposalState
PROPOSAL_STATE_ACCEPTED: ProposalState
PROPOSAL_STATE_DECLINED: ProposalState

class LocalizedText(_message.Message):
    __slots__ = ("nl", "en")
    NL_FIELD_NUMBER: _ClassVar[int]
    EN_FIELD_NUMBER: _ClassVar[int]
    nl: str
    en: str
    def __init__(self, nl: _Optional[str] = ..., en: _Optional[str] = ...) -> None: ...

class Passage(_message.Message):
    __slots__ = ("key", "kind", "title", "text", "behaviours")
    KEY_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    BEHAVIOURS_FIELD_NUMBER: _ClassVar[int]
    key: str
    kind: PassageKind
    title: LocalizedText
    text: LocalizedText
    behaviours: _containers.RepeatedCompositeFieldContainer[LocalizedText]
    def __init__(self, key: _Optional[str] = ..., kind: _Optional[_Union[PassageKind, str]] = ..., title: _Optional[_Union[LocalizedText, _Mapping]] = ..., text: _Optional[_Union[LocalizedText, _Mapping]] = ..., behaviours: _Optional[_Iterable[_Union[LocalizedText, _Mapping]]] = ...) -> None: ...

class Finding(_message.Message):
    __slots__ = ("kind", "start", "end", "words", "suggestion")
    KIND_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    WORDS_FIELD_NUMBER: _ClassVar[int]
    SUGGESTION_FIELD_NUMBER: _ClassVar[int]
    kind: FindingKind
    start: int
    end: int
    words: str
    suggestion: str
    def __init__(self, kind: _Optional[_Union[FindingKind, str]] = ..., start: _Optional[int] = ..., end: _Optional[int] = ..., words: _Optional[str] = ..., suggestion: _Optional[str] = ...) -> None: ...

class TextCheck(_message.Message):
    __slots__ = ("language", "score", "score_name", "threshold", "below_threshold", "findings")
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    SCORE_NAME_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    BELOW_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    FINDINGS_FIELD_NUMBER: _ClassVar[int]
    language: str
    score: float
    score_name: str
    threshold: float
    below_threshold: bool
    findings: _containers.RepeatedCompositeFieldContainer[Finding]
    def __init__(self, language: _Optional[str] = ..., score: _Optional[float] = ..., score_name: _Optional[str] = ..., threshold: _Optional[float] = ..., below_threshold: _Optional[bool] = ..., findings: _Optional[_Iterable[_Union[Finding, _Mapping]]] = ...) -> None: ...

class PassageCheck(_message.Message):
    __slots__ = ("passage_key", "checks")
    PASSAGE_KEY_FIELD_NUMBER: _ClassVar[int]
    CHECKS_FIELD_NUMBER: _ClassVar[int]
    passage_key: str
    checks: _containers.RepeatedCompositeFieldContainer[TextCheck]
    def __init__(self, passage_key: _Optional[str] = ..., checks: _Optional[_Iterable[_Union[TextCheck, _Mapping]]] = ...) -> None: ...

class StoryVersion(_message.Message):
    __slots__ = ("version", "published", "passages", "updated_at", "updated_by", "published_at", "published_by", "contributor_ids", "readability_override_reason", "checks")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_FIELD_NUMBER: _ClassVar[int]
    PASSAGES_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_BY_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_AT_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_BY_FIELD_NUMBER: _ClassVar[int]
    CONTRIBUTOR_IDS_FIELD_NUMBER: _ClassVar[int]
    READABILITY_OVERRIDE_REASON_FIELD_NUMBER: _ClassVar[int]
    CHECKS_FIELD_NUMBER: _ClassVar[int]
    version: int
    published: bool
    passages: _containers.RepeatedCompositeFieldContainer[Passage]
    updated_at: _timestamp_pb2.Timestamp
    updated_by: str
    published_at: _timestamp_pb2.Timestamp
    published_by: str
    contributor_ids: _containers.RepeatedScalarFieldContainer[str]
    readability_override_reason: str
    checks: _containers.RepeatedCompositeFieldContainer[PassageCheck]
    def __init__(self, version: _Optional[int] = ..., published: _Optional[bool] = ..., passages: _Optional[_Iterable[_Union[Passage, _Mapping]]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_by: _Optional[str] = ..., published_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., published_by: _Optional[str] = ..., contributor_ids: _Optional[_Iterable[str]] = ..., readability_override_reason: _Optional[str] = ..., checks: _Optional[_Iterable[_Union[PassageCheck, _Mapping]]] = ...) -> None: ...

class Comment(_message.Message):
    __slots__ = ("comment_id", "author_id", "text", "created_at")
    COMMENT_ID_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    comment_id: str
    author_id: str
    text: str
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, comment_id: _Optional[str] = ..., author_id: _Optional[str] = ..., text: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Proposal(_message.Message):
    __slots__ = ("proposal_id", "author_id", "passage", "reason", "state", "endorser_ids", "comments", "created_at", "check", "accepted_into_version")
    PROPOSAL_ID_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_ID_FIELD_NUMBER: _ClassVar[int]
    PASSAGE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    ENDORSER_IDS_FIELD_NUMBER: _ClassVar[int]
    COMMENTS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    CHECK_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_INTO_VERSION_FIELD_NUMBER: _ClassVar[int]
    proposal_id: str
    author_id: str
    passage: Passage
    reason: str
    state: ProposalState
    endorser_ids: _containers.RepeatedScalarFieldContainer[str]
    comments: _containers.RepeatedCompositeFieldContainer[Comment]
    created_at: _timestamp_pb2.Timestamp
    check: PassageCheck
    accepted_into_version: int
    def __init__(self, proposal_id: _Optional[str] = ..., author_id: _Optional[str] = ..., passage: _Optional[_Union[Passage, _Mapping]] = ..., reason: _Optional[str] = ..., state: _Optional[_Union[ProposalState, str]] = ..., endorser_ids: _Optional[_Iterable[str]] = ..., comments: _Optional[_Iterable[_Union[Comment, _Mapping]]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., check: _Optional[_Union[PassageCheck, _Mapping]] = ..., accepted_into_version: _Optional[int] = ...) -> None: ...

class GetStoryRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetStoryResponse(_message.Message):
    __slots__ = ("published", "draft")
    PUBLISHED_FIELD_NUMBER: _ClassVar[int]
    DRAFT_FIELD_NUMBER: _ClassVar[int]
    published: StoryVersion
    draft: StoryVersion
    def __init__(self, published: _Optional[_Union[StoryVersion, _Mapping]] = ..., draft: _Optional[_Union[StoryVersion, _Mapping]] = ...) -> None: ...

class SaveDraftRequest(_message.Message):
    __slots__ = ("base_version", "passages")
    BASE_VERSION_FIELD_NUMBER: _ClassVar[int]
    PASSAGES_FIELD_NUMBER: _ClassVar[int]
    base_version: int
    passages: _containers.RepeatedCompositeFieldContainer[Passage]
    def __init__(self, base_version: _Optional[int] = ..., passages: _Optional[_Iterable[_Union[Passage, _Mapping]]] = ...) -> None: ...

class CheckTextRequest(_message.Message):
    __slots__ = ("language", "text")
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    language: str
    text: str
    def __init__(self, language: _Optional[str] = ..., text: _Optional[str] = ...) -> None: ...

class ProposeChangeRequest(_message.Message):
    __slots__ = ("passage", "reason")
    PASSAGE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    passage: Passage
    reason: str
    def __init__(self, passage: _Optional[_Union[Passage, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class CommentOnProposalRequest(_message.Message):
    __slots__ = ("proposal_id", "text")
    PROPOSAL_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    proposal_id: str
    text: str
    def __init__(self, proposal_id: _Optional[str] = ..., text: _Optional[str] = ...) -> None: ...

class EndorseProposalRequest(_message.Message):
    __slots__ = ("proposal_id",)
    PROPOSAL_ID_FIELD_NUMBER: _ClassVar[int]
    proposal_id: str
    def __init__(self, proposal_id: _Optional[str] = ...) -> None: ...

class DecideProposalRequest(_message.Message):
    __slots__ = ("proposal_id", "accept")
    PROPOSAL_ID_FIELD_NUMBER: _ClassVar[int]
    ACCEPT_FIELD_NUMBER: _ClassVar[int]
    proposal_id: str
    accept: bool
    def __init__(self, proposal_id: _Optional[str] = ..., accept: _Optional[bool] = ...) -> None: ...

class ListProposalsRequest(_message.Message):
    __slots__ = ("open_only",)
    OPEN_ONLY_FIELD_NUMBER: _ClassVar[int]
    open_only: bool
    def __init__(self, open_only: _Optional[bool] = ...) -> None: ...

class ListProposalsResponse(_message.Message):
    __slots__ = ("proposals",)
    PROPOSALS_FIELD_NUMBER: _ClassVar[int]
    proposals: _containers.RepeatedCompositeFieldContainer[Proposal]
    def __init__(self, proposals: _Optional[_Iterable[_Union[Proposal, _Mapping]]] = ...) -> None: ...

class PublishDraftRequest(_message.Message):
    __slots__ = ("draft_version", "readability_override_reason")
    DRAFT_VERSION_FIELD_NUMBER: _ClassVar[int]
    READABILITY_OVERRIDE_REASON_FIELD_NUMBER: _ClassVar[int]
    draft_version: int
    readability_override_reason: str
    def __init__(self, draft_version: _Optional[int] = ..., readability_override_reason: _Optional[str] = ...) -> None: ...

class GetVersionRequest(_message.Message):
    __slots__ = ("version",)
    VERSION_FIELD_NUMBER: _ClassVar[int]
    version: int
    def __init__(self, version: _Optional[int] = ...) -> None: ...

class TeamStory(_message.Message):
    __slots__ = ("team_id", "version", "published", "title", "text", "value_keys", "theme_keys", "story_version", "updated_at", "updated_by", "published_at", "published_by", "contributor_ids", "readability_override_reason", "check")
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    VALUE_KEYS_FIELD_NUMBER: _ClassVar[int]
    THEME_KEYS_FIELD_NUMBER: _ClassVar[int]
    STORY_VERSION_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_BY_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_AT_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_BY_FIELD_NUMBER: _ClassVar[int]
    CONTRIBUTOR_IDS_FIELD_NUMBER: _ClassVar[int]
    READABILITY_OVERRIDE_REASON_FIELD_NUMBER: _ClassVar[int]
    CHECK_FIELD_NUMBER: _ClassVar[int]
    team_id: str
    version: int
    published: bool
    title: LocalizedText
    text: LocalizedText
    value_keys: _containers.RepeatedScalarFieldContainer[str]
    theme_keys: _containers.RepeatedScalarFieldContainer[str]
    story_version: int
    updated_at: _timestamp_pb2.Timestamp
    updated_by: str
    published_at: _timestamp_pb2.Timestamp
    published_by: str
    contributor_ids: _containers.RepeatedScalarFieldContainer[str]
    readability_override_reason: str
    check: PassageCheck
    def __init__(self, team_id: _Optional[str] = ..., version: _Optional[int] = ..., published: _Optional[bool] = ..., title: _Optional[_Union[LocalizedText, _Mapping]] = ..., text: _Optional[_Union[LocalizedText, _Mapping]] = ..., value_keys: _Optional[_Iterable[str]] = ..., theme_keys: _Optional[_Iterable[str]] = ..., story_version: _Optional[int] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_by: _Optional[str] = ..., published_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., published_by: _Optional[str] = ..., contributor_ids: _Optional[_Iterable[str]] = ..., readability_override_reason: _Optional[str] = ..., check: _Optional[_Union[PassageCheck, _Mapping]] = ...) -> None: ...

class GetTeamStoryRequest(_message.Message):
    __slots__ = ("team_id",)
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    team_id: str
    def __init__(self, team_id: _Optional[str] = ...) -> None: ...

class GetTeamStoryResponse(_message.Message):
    __slots__ = ("published", "draft", "manager_id")
    PUBLISHED_FIELD_NUMBER: _ClassVar[int]
    DRAFT_FIELD_NUMBER: _ClassVar[int]
    MANAGER_ID_FIELD_NUMBER: _ClassVar[int]
    published: TeamStory
    draft: TeamStory
    manager_id: str
    def __init__(self, published: _Optional[_Union[TeamStory, _Mapping]] = ..., draft: _Optional[_Union[TeamStory, _Mapping]] = ..., manager_id: _Optional[str] = ...) -> None: ...

class SaveTeamStoryRequest(_message.Message):
    __slots__ = ("team_id", "base_version", "title", "text", "value_keys", "theme_keys")
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    BASE_VERSION_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    VALUE_KEYS_FIELD_NUMBER: _ClassVar[int]
    THEME_KEYS_FIELD_NUMBER: _ClassVar[int]
    team_id: str
    base_version: int
    title: LocalizedText
    text: LocalizedText
    value_keys: _containers.RepeatedScalarFieldContainer[str]
    theme_keys: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, team_id: _Optional[str] = ..., base_version: _Optional[int] = ..., title: _Optional[_Union[LocalizedText, _Mapping]] = ..., text: _Optional[_Union[LocalizedText, _Mapping]] = ..., value_keys: _Optional[_Iterable[str]] = ..., theme_keys: _Optional[_Iterable[str]] = ...) -> None: ...

class PublishTeamStoryRequest(_message.Message):
    __slots__ = ("team_id", "version", "readability_override_reason")
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    READABILITY_OVERRIDE_REASON_FIELD_NUMBER: _ClassVar[int]
    team_id: str
    version: int
    readability_override_reason: str
    def __init__(self, team_id: _Optional[str] = ..., version: _Optional[int] = ..., readability_override_reason: _Optional[str] = ...) -> None: ...

class ListTeamStoriesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListTeamStoriesResponse(_message.Message):
    __slots__ = ("stories",)
    STORIES_FIELD_NUMBER: _ClassVar[int]
    stories: _containers.RepeatedCompositeFieldContainer[TeamStory]
    def __init__(self, stories: _Optional[_Iterable[_Union[TeamStory, _Mapping]]] = ...) -> None: ...

class MarkStoryReadRequest(_message.Message):
    __slots__ = ("version",)
    VERSION_FIELD_NUMBER: _ClassVar[int]
    version: int
    def __init__(self, version: _Optional[int] = ...) -> None: ...

class MarkStoryReadResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class KCount(_message.Message):
    __slots__ = ("value", "hidden")
    VALUE_FIELD_NUMBER: _ClassVar[int]
    HIDDEN_FIELD_NUMBER: _ClassVar[int]
    value: int
    hidden: bool
    def __init__(self, value: _Optional[int] = ..., hidden: _Optional[bool] = ...) -> None: ...

class TeamReach(_message.Message):
    __slots__ = ("team_id", "team_name", "members", "read", "reacted", "contributed")
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    TEAM_NAME_FIELD_NUMBER: _ClassVar[int]
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    READ_FIELD_NUMBER: _ClassVar[int]
    REACTED_FIELD_NUMBER: _ClassVar[int]
    CONTRIBUTED_FIELD_NUMBER: _ClassVar[int]
    team_id: str
    team_name: str
    members: KCount
    read: KCount
    reacted: KCount
    contributed: KCount
    def __init__(self, team_id: _Optional[str] = ..., team_name: _Optional[str] = ..., members: _Optional[_Union[KCount, _Mapping]] = ..., read: _Optional[_Union[KCount, _Mapping]] = ..., reacted: _Optional[_Union[KCount, _Mapping]] = ..., contributed: _Optional[_Union[KCount, _Mapping]] = ...) -> None: ...

class GetStoryReachRequest(_message.Message):
    __slots__ = ("version",)
    VERSION_FIELD_NUMBER: _ClassVar[int]
    version: int
    def __init__(self, version: _Optional[int] = ...) -> None: ...

class GetStoryReachResponse(_message.Message):
    __slots__ = ("version", "k", "teams", "organisation")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    K_FIELD_NUMBER: _ClassVar[int]
    TEAMS_FIELD_NUMBER: _ClassVar[int]
    ORGANISATION_FIELD_NUMBER: _ClassVar[int]
    version: int
    k: int
    teams: _containers.RepeatedCompositeFieldContainer[TeamReach]
    organisation: TeamReach
    def __init__(self, version: _Optional[int] = ..., k: _Optional[int] = ..., teams: _Optional[_Iterable[_Union[TeamReach, _Mapping]]] = ..., organisation: _Optional[_Union[TeamReach, _Mapping]] = ...) -> None: ...

class JargonTerm(_message.Message):
    __slots__ = ("language", "term", "plain")
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    TERM_FIELD_NUMBER: _ClassVar[int]
    PLAIN_FIELD_NUMBER: _ClassVar[int]
    language: str
    term: str
    plain: str
    def __init__(self, language: _Optional[str] = ..., term: _Optional[str] = ..., plain: _Optional[str] = ...) -> None: ...

class GetJargonRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class JargonList(_message.Message):
    __slots__ = ("terms",)
    TERMS_FIELD_NUMBER: _ClassVar[int]
    terms: _containers.RepeatedCompositeFieldContainer[JargonTerm]
    def __init__(self, terms: _Optional[_Iterable[_Union[JargonTerm, _Mapping]]] = ...) -> None: ...

class SetJargonRequest(_message.Message):
    __slots__ = ("terms",)
    TERMS_FIELD_NUMBER: _ClassVar[int]
    terms: _containers.RepeatedCompositeFieldContainer[JargonTerm]
    def __init__(self, terms: _Optional[_Iterable[_Union[JargonTerm, _Mapping]]] = ...) -> None: ...

class Ambition(_message.Message):
    __slots__ = ("employee_id", "text", "shared_with_manager", "shared_with_coach", "passage_keys", "updated_at")
    EMPLOYEE_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    SHARED_WITH_MANAGER_FIELD_NUMBER: _ClassVar[int]
    SHARED_WITH_COACH_FIELD_NUMBER: _ClassVar[int]
    PASSAGE_KEYS_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    employee_id: str
    text: str
    shared_with_manager: bool
    shared_with_coach: bool
    passage_keys: _containers.RepeatedScalarFieldContainer[str]
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, employee_id: _Optional[str] = ..., text: _Optional[str] = ..., shared_with_manager: _Optional[bool] = ..., shared_with_coach: _Optional[bool] = ..., passage_keys: _Optional[_Iterable[str]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SaveAmbitionRequest(_message.Message):
    __slots__ = ("text", "share_with_manager", "share_with_coach", "passage_keys")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    SHARE_WITH_MANAGER_FIELD_NUMBER: _ClassVar[int]
    SHARE_WITH_COACH_FIELD_NUMBER: _ClassVar[int]
    PASSAGE_KEYS_FIELD_NUMBER: _ClassVar[int]
    text: str
    share_with_manager: bool
    share_with_coach: bool
    passage_keys: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, text: _Optional[str] = ..., share_with_manager: _Optional[bool] = ..., share_with_coach: _Optional[bool] = ..., passage_keys: _Optional[_Iterable[str]] = ...) -> None: ...

class GetAmbitionRequest(_message.Message):
    __slots__ = ("employee_id",)
    EMPLOYEE_ID_FIELD_NUMBER: _ClassVar[int]
    employee_id: str
    def __init__(self, employee_id: _Optional[str] = ...) -> None: ...

class StoryPublished(_message.Message):
    __slots__ = ("metadata", "story")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    STORY_FIELD_NUMBER: _ClassVar[int]
    metadata: _event_pb2.EventMetadata
    story: StoryVersion
    def __init__(self, metadata: _Optional[_Union[_event_pb2.EventMetadata, _Mapping]] = ..., story: _Optional[_Union[StoryVersion, _Mapping]] = ...) -> None: ...

class ProposalUpdated(_message.Message):
    __slots__ = ("metadata", "proposal_id", "passage_key", "state", "change", "endorsements", "comments")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    PROPOSAL_ID_FIELD_NUMBER: _ClassVar[int]
    PASSAGE_KEY_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    ENDORSEMENTS_FIELD_NUMBER: _ClassVar[int]
    COMMENTS_FIELD_NUMBER: _ClassVar[int]
    metadata: _event_pb2.EventMetadata
    proposal_id: str
    passage_key: str
    state: ProposalState
    change: str
    endorsements: int
    comments: int
    def __init__(self, metadata: _Optional[_Union[_event_pb2.EventMetadata, _Mapping]] = ..., proposal_id: _Optional[str] = ..., passage_key: _Optional[str] = ..., state: _Optional[_Union[ProposalState, str]] = ..., change: _Optional[str] = ..., endorsements: _Optional[int] = ..., comments: _Optional[int] = ...) -> None: ...

class TeamStoryPublished(_message.Message):
    __slots__ = ("metadata", "story", "manager_id", "team_name")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    STORY_FIELD_NUMBER: _ClassVar[int]
    MANAGER_ID_FIELD_NUMBER: _ClassVar[int]
    TEAM_NAME_FIELD_NUMBER: _ClassVar[int]
    metadata: _event_pb2.EventMetadata
    story: TeamStory
    manager_id: str
    team_name: str
    def __init__(self, metadata: _Optional[_Union[_event_pb2.EventMetadata, _Mapping]] = ..., story: _Optional[_Union[TeamStory, _Mapping]] = ..., manager_id: _Optional[str] = ..., team_name: _Optional[str] = ...) -> None: ...
