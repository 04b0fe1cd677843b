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

class GoalKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    GOAL_KIND_UNSPECIFIED: _ClassVar[GoalKind]
    GOAL_KIND_PERFORMANCE: _ClassVar[GoalKind]
    GOAL_KIND_DEVELOPMENT: _ClassVar[GoalKind]
    GOAL_KIND_WELLBEING: _ClassVar[GoalKind]

class GoalLevel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    GOAL_LEVEL_UNSPECIFIED: _ClassVar[GoalLevel]
    GOAL_LEVEL_ORGANISATION: _ClassVar[GoalLevel]
    GOAL_LEVEL_TEAM: _ClassVar[GoalLevel]
    GOAL_LEVEL_INDIVIDUAL: _ClassVar[GoalLevel]

class AgreementState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AGREEMENT_STATE_UNSPECIFIED: _ClassVar[AgreementState]
    AGREEMENT_STATE_PROPOSED: _ClassVar[AgreementState]
    AGREEMENT_STATE_AGREED: _ClassVar[AgreementState]
    AGREEMENT_STATE_CLOSED: _ClassVar[AgreementState]

class GoalStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    GOAL_STATUS_UNSPECIFIED: _ClassVar[GoalStatus]
    GOAL_STATUS_ON_TRACK: _ClassVar[GoalStatus]
    GOAL_STATUS_AT_RISK: _ClassVar[GoalStatus]
    GOAL_STATUS_OFF_TRACK: _ClassVar[GoalStatus]
    GOAL_STATUS_DONE: _ClassVar[GoalStatus]
    GOAL_STATUS_DROPPED: _ClassVar[GoalStatus]
GOAL_KIND_UNSPECIFIED: GoalKind
GOAL_KIND_PERFORMANCE: GoalKind
GOAL_KIND_DEVELOPMENT: GoalKind
GOAL_KIND_WELLBEING: GoalKind
GOAL_LEVEL_UNSPECIFIED: GoalLevel
GOAL_LEVEL_ORGANISATION: GoalLevel
GOAL_LEVEL_TEAM: GoalLevel
GOAL_LEVEL_INDIVIDUAL: GoalLevel
AGREEMENT_STATE_UNSPECIFIED: AgreementState
AGREEMENT_STATE_PROPOSED: AgreementState
AGREEMENT_STATE_AGREED: AgreementState
AGREEMENT_STATE_CLOSED: AgreementState
GOAL_STATUS_UNSPECIFIED: GoalStatus
GOAL_STATUS_ON_TRACK: GoalStatus
GOAL_STATUS_AT_RISK: GoalStatus
GOAL_STATUS_OFF_TRACK: GoalStatus
GOAL_STATUS_DONE: GoalStatus
GOAL_STATUS_DROPPED: GoalStatus

class KeyResult(_message.Message):
    __slots__ = ("id", "title", "start_value", "target_value", "current_value", "unit")
    ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    START_VALUE_FIELD_NUMBER: _ClassVar[int]
    TARGET_VALUE_FIELD_NUMBER: _ClassVar[int]
    CURRENT_VALUE_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    id: str
    title: str
    start_value: float
    target_value: float
    current_value: float
    unit: str
    def __init__(self, id: _Optional[str] = ..., title: _Optional[str] = ..., start_value: _Optional[float] = ..., target_value: _Optional[float] = ..., current_value: _Optional[float] = ..., unit: _Optional[str] = ...) -> None: ...

class Goal(_message.Message):
    __slots__ = ("id", "kind", "level", "title", "description", "owner_id", "team_id", "parent_goal_id", "weight", "key_results", "start_date", "due_date", "agreement", "status", "progress", "expected_progress", "proposed_by", "awaiting_agreement_from", "version", "created_at", "updated_at", "confidence", "last_check_in_at", "story_keys")
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    PARENT_GOAL_ID_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    KEY_RESULTS_FIELD_NUMBER: _ClassVar[int]
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    AGREEMENT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_PROGRESS_FIELD_NUMBER: _ClassVar[int]
    PROPOSED_BY_FIELD_NUMBER: _ClassVar[int]
    AWAITING_AGREEMENT_FROM_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    LAST_CHECK_IN_AT_FIELD_NUMBER: _ClassVar[int]
    STORY_KEYS_FIELD_NUMBER: _ClassVar[int]
    id: str
    kind: GoalKind
    level: GoalLevel
    title: str
    description: str
    owner_id: str
    team_id: str
    parent_goal_id: str
    weight: float
    key_results: _containers.RepeatedCompositeFieldContainer[KeyResult]
    start_date: str
    due_date: str
    agreement: AgreementState
    status: GoalStatus
    progress: float
    expected_progress: float
    proposed_by: str
    awaiting_agreement_from: str
    version: int
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    confidence: int
    last_check_in_at: _timestamp_pb2.Timestamp
    story_keys: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, id: _Optional[str] = ..., kind: _Optional[_Union[GoalKind, str]] = ..., level: _Optional[_Union[GoalLevel, str]] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., owner_id: _Optional[str] = ..., team_id: _Optional[str] = ..., parent_goal_id: _Optional[str] = ..., weight: _Optional[float] = ..., key_results: _Optional[_Iterable[_Union[KeyResult, _Mapping]]] = ..., start_date: _Optional[str] = ..., due_date: _Optional[str] = ..., agreement: _Optional[_Union[AgreementState, str]] = ..., status: _Optional[_Union[GoalStatus, str]] = ..., progress: _Optional[float] = ..., expected_progress: _Optional[float] = ..., proposed_by: _Optional[str] = ..., awaiting_agreement_from: _Optional[str] = ..., version: _Optional[int] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., confidence: _Optional[int] = ..., last_check_in_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., story_keys: _Optional[_Iterable[str]] = ...) -> None: ...

class Comment(_message.Message):
    __slots__ = ("id", "author_id", "text", "created_at", "counter_proposal")
    ID_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    COUNTER_PROPOSAL_FIELD_NUMBER: _ClassVar[int]
    id: str
    author_id: str
    text: str
    created_at: _timestamp_pb2.Timestamp
    counter_proposal: bool
    def __init__(self, id: _Optional[str] = ..., author_id: _Optional[str] = ..., text: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., counter_proposal: _Optional[bool] = ...) -> None: ...

class CheckIn(_message.Message):
    __slots__ = ("id", "goal_id", "author_id", "note", "confidence", "updates", "created_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    GOAL_ID_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_ID_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    UPDATES_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    goal_id: str
    author_id: str
    note: str
    confidence: int
    updates: _containers.RepeatedCompositeFieldContainer[KeyResultUpdate]
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., goal_id: _Optional[str] = ..., author_id: _Optional[str] = ..., note: _Optional[str] = ..., confidence: _Optional[int] = ..., updates: _Optional[_Iterable[_Union[KeyResultUpdate, _Mapping]]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class KeyResultUpdate(_message.Message):
    __slots__ = ("key_result_id", "current_value")
    KEY_RESULT_ID_FIELD_NUMBER: _ClassVar[int]
    CURRENT_VALUE_FIELD_NUMBER: _ClassVar[int]
    key_result_id: str
    current_value: float
    def __init__(self, key_result_id: _Optional[str] = ..., current_value: _Optional[float] = ...) -> None: ...

class ProposeGoalRequest(_message.Message):
    __slots__ = ("kind", "level", "title", "description", "owner_id", "team_id", "parent_goal_id", "weight", "key_results", "start_date", "due_date", "idempotency_key", "story_keys")
    KIND_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    PARENT_GOAL_ID_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    KEY_RESULTS_FIELD_NUMBER: _ClassVar[int]
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    STORY_KEYS_FIELD_NUMBER: _ClassVar[int]
    kind: GoalKind
    level: GoalLevel
    title: str
    description: str
    owner_id: str
    team_id: str
    parent_goal_id: str
    weight: float
    key_results: _containers.RepeatedCompositeFieldContainer[KeyResult]
    start_date: str
    due_date: str
    idempotency_key: str
    story_keys: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, kind: _Optional[_Union[GoalKind, str]] = ..., level: _Optional[_Union[GoalLevel, str]] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., owner_id: _Optional[str] = ..., team_id: _Optional[str] = ..., parent_goal_id: _Optional[str] = ..., weight: _Optional[float] = ..., key_results: _Optional[_Iterable[_Union[KeyResult, _Mapping]]] = ..., start_date: _Optional[str] = ..., due_date: _Optional[str] = ..., idempotency_key: _Optional[str] = ..., story_keys: _Optional[_Iterable[str]] = ...) -> None: ...

class CounterProposeGoalRequest(_message.Message):
    __slots__ = ("goal_id", "expected_version", "comment", "title", "description", "weight", "key_results", "due_date", "idempotency_key", "story_keys", "replace_story_keys")
    GOAL_ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    KEY_RESULTS_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    STORY_KEYS_FIELD_NUMBER: _ClassVar[int]
    REPLACE_STORY_KEYS_FIELD_NUMBER: _ClassVar[int]
    goal_id: str
    expected_version: int
    comment: str
    title: str
    description: str
    weight: float
    key_results: _containers.RepeatedCompositeFieldContainer[KeyResult]
    due_date: str
    idempotency_key: str
    story_keys: _containers.RepeatedScalarFieldContainer[str]
    replace_story_keys: bool
    def __init__(self, goal_id: _Optional[str] = ..., expected_version: _Optional[int] = ..., comment: _Optional[str] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., weight: _Optional[float] = ..., key_results: _Optional[_Iterable[_Union[KeyResult, _Mapping]]] = ..., due_date: _Optional[str] = ..., idempotency_key: _Optional[str] = ..., story_keys: _Optional[_Iterable[str]] = ..., replace_story_keys: _Optional[bool] = ...) -> None: ...

class AgreeGoalRequest(_message.Message):
    __slots__ = ("goal_id", "expected_version", "comment", "idempotency_key")
    GOAL_ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    goal_id: str
    expected_version: int
    comment: str
    idempotency_key: str
    def __init__(self, goal_id: _Optional[str] = ..., expected_version: _Optional[int] = ..., comment: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class CommentOnGoalRequest(_message.Message):
    __slots__ = ("goal_id", "text", "idempotency_key")
    GOAL_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    goal_id: str
    text: str
    idempotency_key: str
    def __init__(self, goal_id: _Optional[str] = ..., text: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class CheckInRequest(_message.Message):
    __slots__ = ("goal_id", "expected_version", "updates", "note", "confidence", "idempotency_key")
    GOAL_ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    UPDATES_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    goal_id: str
    expected_version: int
    updates: _containers.RepeatedCompositeFieldContainer[KeyResultUpdate]
    note: str
    confidence: int
    idempotency_key: str
    def __init__(self, goal_id: _Optional[str] = ..., expected_version: _Optional[int] = ..., updates: _Optional[_Iterable[_Union[KeyResultUpdate, _Mapping]]] = ..., note: _Optional[str] = ..., confidence: _Optional[int] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class CloseGoalRequest(_message.Message):
    __slots__ = ("goal_id", "expected_version", "achieved", "note", "idempotency_key")
    GOAL_ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    ACHIEVED_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    goal_id: str
    expected_version: int
    achieved: bool
    note: str
    idempotency_key: str
    def __init__(self, goal_id: _Optional[str] = ..., expected_version: _Optional[int] = ..., achieved: _Optional[bool] = ..., note: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class GetGoalRequest(_message.Message):
    __slots__ = ("goal_id",)
    GOAL_ID_FIELD_NUMBER: _ClassVar[int]
    goal_id: str
    def __init__(self, goal_id: _Optional[str] = ...) -> None: ...

class GoalDetail(_message.Message):
    __slots__ = ("goal", "comments", "check_ins")
    GOAL_FIELD_NUMBER: _ClassVar[int]
    COMMENTS_FIELD_NUMBER: _ClassVar[int]
    CHECK_INS_FIELD_NUMBER: _ClassVar[int]
    goal: Goal
    comments: _containers.RepeatedCompositeFieldContainer[Comment]
    check_ins: _containers.RepeatedCompositeFieldContainer[CheckIn]
    def __init__(self, goal: _Optional[_Union[Goal, _Mapping]] = ..., comments: _Optional[_Iterable[_Union[Comment, _Mapping]]] = ..., check_ins: _Optional[_Iterable[_Union[CheckIn, _Mapping]]] = ...) -> None: ...

class ListGoalsRequest(_message.Message):
    __slots__ = ("owner_id", "include_all")
    OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_ALL_FIELD_NUMBER: _ClassVar[int]
    owner_id: str
    include_all: bool
    def __init__(self, owner_id: _Optional[str] = ..., include_all: _Optional[bool] = ...) -> None: ...

class ListGoalsResponse(_message.Message):
    __slots__ = ("goals",)
    GOALS_FIELD_NUMBER: _ClassVar[int]
    goals: _containers.RepeatedCompositeFieldContainer[Goal]
    def __init__(self, goals: _Optional[_Iterable[_Union[Goal, _Mapping]]] = ...) -> None: ...

class ListTeamGoalsRequest(_message.Message):
    __slots__ = ("team_id",)
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    team_id: str
    def __init__(self, team_id: _Optional[str] = ...) -> None: ...

class ListTeamGoalsResponse(_message.Message):
    __slots__ = ("goals", "rolled_up_progress", "expected_progress", "agreed_goals", "goals_by_status")
    class GoalsByStatusEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    GOALS_FIELD_NUMBER: _ClassVar[int]
    ROLLED_UP_PROGRESS_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_PROGRESS_FIELD_NUMBER: _ClassVar[int]
    AGREED_GOALS_FIELD_NUMBER: _ClassVar[int]
    GOALS_BY_STATUS_FIELD_NUMBER: _ClassVar[int]
    goals: _containers.RepeatedCompositeFieldContainer[Goal]
    rolled_up_progress: float
    expected_progress: float
    agreed_goals: int
    goals_by_status: _containers.ScalarMap[str, int]
    def __init__(self, goals: _Optional[_Iterable[_Union[Goal, _Mapping]]] = ..., rolled_up_progress: _Optional[float] = ..., expected_progress: _Optional[float] = ..., agreed_goals: _Optional[int] = ..., goals_by_status: _Optional[_Mapping[str, int]] = ...) -> None: ...

class GetAlignmentTreeRequest(_message.Message):
    __slots__ = ("goal_id",)
    GOAL_ID_FIELD_NUMBER: _ClassVar[int]
    goal_id: str
    def __init__(self, goal_id: _Optional[str] = ...) -> None: ...

class AlignmentNode(_message.Message):
    __slots__ = ("goal", "children")
    GOAL_FIELD_NUMBER: _ClassVar[int]
    CHILDREN_FIELD_NUMBER: _ClassVar[int]
    goal: Goal
    children: _containers.RepeatedCompositeFieldContainer[AlignmentNode]
    def __init__(self, goal: _Optional[_Union[Goal, _Mapping]] = ..., children: _Optional[_Iterable[_Union[AlignmentNode, _Mapping]]] = ...) -> None: ...

class GoalUpdated(_message.Message):
    __slots__ = ("metadata", "changes", "goal", "field_changes", "note", "confidence", "milestone_percent")
    class Change(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        CHANGE_UNSPECIFIED: _ClassVar[GoalUpdated.Change]
        CHANGE_PROPOSED: _ClassVar[GoalUpdated.Change]
        CHANGE_COUNTER_PROPOSED: _ClassVar[GoalUpdated.Change]
        CHANGE_AGREED: _ClassVar[GoalUpdated.Change]
        CHANGE_PROGRESS: _ClassVar[GoalUpdated.Change]
        CHANGE_STATUS: _ClassVar[GoalUpdated.Change]
        CHANGE_CLOSED: _ClassVar[GoalUpdated.Change]
        CHANGE_COMMENTED: _ClassVar[GoalUpdated.Change]
    CHANGE_UNSPECIFIED: GoalUpdated.Change
    CHANGE_PROPOSED: GoalUpdated.Change
    CHANGE_COUNTER_PROPOSED: GoalUpdated.Change
    CHANGE_AGREED: GoalUpdated.Change
    CHANGE_PROGRESS: GoalUpdated.Change
    CHANGE_STATUS: GoalUpdated.Change
    CHANGE_CLOSED: GoalUpdated.Change
    CHANGE_COMMENTED: GoalUpdated.Change
    METADATA_FIELD_NUMBER: _ClassVar[int]
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    GOAL_FIELD_NUMBER: _ClassVar[int]
    FIELD_CHANGES_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    MILESTONE_PERCENT_FIELD_NUMBER: _ClassVar[int]
    metadata: _event_pb2.EventMetadata
    changes: _containers.RepeatedScalarFieldContainer[GoalUpdated.Change]
    goal: Goal
    field_changes: _containers.RepeatedCompositeFieldContainer[FieldChange]
    note: str
    confidence: int
    milestone_percent: int
    def __init__(self, metadata: _Optional[_Union[_event_pb2.EventMetadata, _Mapping]] = ..., changes: _Optional[_Iterable[_Union[GoalUpdated.Change, str]]] = ..., goal: _Optional[_Union[Goal, _Mapping]] = ..., field_changes: _Optional[_Iterable[_Union[FieldChange, _Mapping]]] = ..., note: _Optional[str] = ..., confidence: _Optional[int] = ..., milestone_percent: _Optional[int] = ...) -> None: ...

class FieldChange(_message.Message):
    __slots__ = ("field", "before", "after")
    FIELD_FIELD_NUMBER: _ClassVar[int]
    BEFORE_FIELD_NUMBER: _ClassVar[int]
    AFTER_FIELD_NUMBER: _ClassVar[int]
    field: str
    before: str
    after: str
    def __init__(self, field: _Optional[str] = ..., before: _Optional[str] = ..., after: _Optional[str] = ...) -> None: ...
