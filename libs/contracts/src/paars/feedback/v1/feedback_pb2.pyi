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

class FeedbackKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FEEDBACK_KIND_UNSPECIFIED: _ClassVar[FeedbackKind]
    FEEDBACK_KIND_PRAISE: _ClassVar[FeedbackKind]
    FEEDBACK_KIND_CONSTRUCTIVE: _ClassVar[FeedbackKind]
    FEEDBACK_KIND_SUGGESTION: _ClassVar[FeedbackKind]

class Relation(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RELATION_UNSPECIFIED: _ClassVar[Relation]
    RELATION_SELF: _ClassVar[Relation]
    RELATION_MANAGER: _ClassVar[Relation]
    RELATION_PEER: _ClassVar[Relation]
    RELATION_DIRECT_REPORT: _ClassVar[Relation]
    RELATION_HR: _ClassVar[Relation]
    RELATION_OTHER_LEADER: _ClassVar[Relation]
    RELATION_CUSTOMER: _ClassVar[Relation]

class FeedbackSetting(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FEEDBACK_SETTING_UNSPECIFIED: _ClassVar[FeedbackSetting]
    FEEDBACK_SETTING_INFORMAL: _ClassVar[FeedbackSetting]
    FEEDBACK_SETTING_FORMAL: _ClassVar[FeedbackSetting]

class LinkState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LINK_STATE_UNSPECIFIED: _ClassVar[LinkState]
    LINK_STATE_OPEN: _ClassVar[LinkState]
    LINK_STATE_USED: _ClassVar[LinkState]
    LINK_STATE_DECLINED: _ClassVar[LinkState]
    LINK_STATE_REVOKED: _ClassVar[LinkState]
    LINK_STATE_EXPIRED: _ClassVar[LinkState]

class RaterGroup(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RATER_GROUP_UNSPECIFIED: _ClassVar[RaterGroup]
    RATER_GROUP_SELF: _ClassVar[RaterGroup]
    RATER_GROUP_MANAGER: _ClassVar[RaterGroup]
    RATER_GROUP_PEERS: _ClassVar[RaterGroup]
    RATER_GROUP_REPORTS: _ClassVar[RaterGroup]
    RATER_GROUP_CUSTOMERS: _ClassVar[RaterGroup]
    RATER_GROUP_OTHERS: _ClassVar[RaterGroup]

class DialogueKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DIALOGUE_KIND_UNSPECIFIED: _ClassVar[DialogueKind]
    DIALOGUE_KIND_PERFORMANCE: _ClassVar[DialogueKind]
    DIALOGUE_KIND_EVALUATION: _ClassVar[DialogueKind]

class ActionKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ACTION_KIND_UNSPECIFIED: _ClassVar[ActionKind]
    ACTION_KIND_BUILD_STRENGTH: _ClassVar[ActionKind]
    ACTION_KIND_ADJUST_WEAKNESS: _ClassVar[ActionKind]
    ACTION_KIND_DEVELOPMENT_STEP: _ClassVar[ActionKind]
FEEDBACK_KIND_UNSPECIFIED: FeedbackKind
FEEDBACK_KIND_PRAISE: FeedbackKind
FEEDBACK_KIND_CONSTRUCTIVE: FeedbackKind
FEEDBACK_KIND_SUGGESTION: FeedbackKind
RELATION_UNSPECIFIED: Relation
RELATION_SELF: Relation
RELATION_MANAGER: Relation
RELATION_PEER: Relation
RELATION_DIRECT_REPORT: Relation
RELATION_HR: Relation
RELATION_OTHER_LEADER: Relation
RELATION_CUSTOMER: Relation
FEEDBACK_SETTING_UNSPECIFIED: FeedbackSetting
FEEDBACK_SETTING_INFORMAL: FeedbackSetting
FEEDBACK_SETTING_FORMAL: FeedbackSetting
LINK_STATE_UNSPECIFIED: LinkState
LINK_STATE_OPEN: LinkState
LINK_STATE_USED: LinkState
LINK_STATE_DECLINED: LinkState
LINK_STATE_REVOKED: LinkState
LINK_STATE_EXPIRED: LinkState
RATER_GROUP_UNSPECIFIED: RaterGroup
RATER_GROUP_SELF: RaterGroup
RATER_GROUP_MANAGER: RaterGroup
RATER_GROUP_PEERS: RaterGroup
RATER_GROUP_REPORTS: RaterGroup
RATER_GROUP_CUSTOMERS: RaterGroup
RATER_GROUP_OTHERS: RaterGroup
DIALOGUE_KIND_UNSPECIFIED: DialogueKind
DIALOGUE_KIND_PERFORMANCE: DialogueKind
DIALOGUE_KIND_EVALUATION: DialogueKind
ACTION_KIND_UNSPECIFIED: ActionKind
ACTION_KIND_BUILD_STRENGTH: ActionKind
ACTION_KIND_ADJUST_WEAKNESS: ActionKind
ACTION_KIND_DEVELOPMENT_STEP: ActionKind

class Example(_message.Message):
    __slots__ = ("situation", "behaviour", "impact")
    SITUATION_FIELD_NUMBER: _ClassVar[int]
    BEHAVIOUR_FIELD_NUMBER: _ClassVar[int]
    IMPACT_FIELD_NUMBER: _ClassVar[int]
    situation: str
    behaviour: str
    impact: str
    def __init__(self, situation: _Optional[str] = ..., behaviour: _Optional[str] = ..., impact: _Optional[str] = ...) -> None: ...

class Feedback(_message.Message):
    __slots__ = ("id", "giver_id", "receiver_id", "kind", "relation", "setting", "text", "examples", "visibility", "goal_ids", "tags", "moment_at", "given_at", "request_id", "acknowledged", "acknowledgement_note", "action_item_id", "review_id", "acknowledged_at", "value_key")
    ID_FIELD_NUMBER: _ClassVar[int]
    GIVER_ID_FIELD_NUMBER: _ClassVar[int]
    RECEIVER_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    RELATION_FIELD_NUMBER: _ClassVar[int]
    SETTING_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    EXAMPLES_FIELD_NUMBER: _ClassVar[int]
    VISIBILITY_FIELD_NUMBER: _ClassVar[int]
    GOAL_IDS_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    MOMENT_AT_FIELD_NUMBER: _ClassVar[int]
    GIVEN_AT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ACKNOWLEDGED_FIELD_NUMBER: _ClassVar[int]
    ACKNOWLEDGEMENT_NOTE_FIELD_NUMBER: _ClassVar[int]
    ACTION_ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    REVIEW_ID_FIELD_NUMBER: _ClassVar[int]
    ACKNOWLEDGED_AT_FIELD_NUMBER: _ClassVar[int]
    VALUE_KEY_FIELD_NUMBER: _ClassVar[int]
    id: str
    giver_id: str
    receiver_id: str
    kind: FeedbackKind
    relation: Relation
    setting: FeedbackSetting
    text: str
    examples: _containers.RepeatedCompositeFieldContainer[Example]
    visibility: _event_pb2.Visibility
    goal_ids: _containers.RepeatedScalarFieldContainer[str]
    tags: _containers.RepeatedScalarFieldContainer[str]
    moment_at: _timestamp_pb2.Timestamp
    given_at: _timestamp_pb2.Timestamp
    request_id: str
    acknowledged: bool
    acknowledgement_note: str
    action_item_id: str
    review_id: str
    acknowledged_at: _timestamp_pb2.Timestamp
    value_key: str
    def __init__(self, id: _Optional[str] = ..., giver_id: _Optional[str] = ..., receiver_id: _Optional[str] = ..., kind: _Optional[_Union[FeedbackKind, str]] = ..., relation: _Optional[_Union[Relation, str]] = ..., setting: _Optional[_Union[FeedbackSetting, str]] = ..., text: _Optional[str] = ..., examples: _Optional[_Iterable[_Union[Example, _Mapping]]] = ..., visibility: _Optional[_Union[_event_pb2.Visibility, str]] = ..., goal_ids: _Optional[_Iterable[str]] = ..., tags: _Optional[_Iterable[str]] = ..., moment_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., given_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., request_id: _Optional[str] = ..., acknowledged: _Optional[bool] = ..., acknowledgement_note: _Optional[str] = ..., action_item_id: _Optional[str] = ..., review_id: _Optional[str] = ..., acknowledged_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., value_key: _Optional[str] = ...) -> None: ...

class GiveFeedbackRequest(_message.Message):
    __slots__ = ("receiver_id", "kind", "relation", "setting", "text", "examples", "visibility", "goal_ids", "tags", "moment_at", "request_id", "external_token", "idempotency_key", "value_key")
    RECEIVER_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    RELATION_FIELD_NUMBER: _ClassVar[int]
    SETTING_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    EXAMPLES_FIELD_NUMBER: _ClassVar[int]
    VISIBILITY_FIELD_NUMBER: _ClassVar[int]
    GOAL_IDS_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    MOMENT_AT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_TOKEN_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_KEY_FIELD_NUMBER: _ClassVar[int]
    receiver_id: str
    kind: FeedbackKind
    relation: Relation
    setting: FeedbackSetting
    text: str
    examples: _containers.RepeatedCompositeFieldContainer[Example]
    visibility: _event_pb2.Visibility
    goal_ids: _containers.RepeatedScalarFieldContainer[str]
    tags: _containers.RepeatedScalarFieldContainer[str]
    moment_at: _timestamp_pb2.Timestamp
    request_id: str
    external_token: str
    idempotency_key: str
    value_key: str
    def __init__(self, receiver_id: _Optional[str] = ..., kind: _Optional[_Union[FeedbackKind, str]] = ..., relation: _Optional[_Union[Relation, str]] = ..., setting: _Optional[_Union[FeedbackSetting, str]] = ..., text: _Optional[str] = ..., examples: _Optional[_Iterable[_Union[Example, _Mapping]]] = ..., visibility: _Optional[_Union[_event_pb2.Visibility, str]] = ..., goal_ids: _Optional[_Iterable[str]] = ..., tags: _Optional[_Iterable[str]] = ..., moment_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., request_id: _Optional[str] = ..., external_token: _Optional[str] = ..., idempotency_key: _Optional[str] = ..., value_key: _Optional[str] = ...) -> None: ...

class GetFeedbackRequest(_message.Message):
    __slots__ = ("feedback_id",)
    FEEDBACK_ID_FIELD_NUMBER: _ClassVar[int]
    feedback_id: str
    def __init__(self, feedback_id: _Optional[str] = ...) -> None: ...

class ListFeedbackRequest(_message.Message):
    __slots__ = ("receiver_id", "giver_id", "page_size", "page_token")
    RECEIVER_ID_FIELD_NUMBER: _ClassVar[int]
    GIVER_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    receiver_id: str
    giver_id: str
    page_size: int
    page_token: str
    def __init__(self, receiver_id: _Optional[str] = ..., giver_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListFeedbackResponse(_message.Message):
    __slots__ = ("feedback", "next_page_token")
    FEEDBACK_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    feedback: _containers.RepeatedCompositeFieldContainer[Feedback]
    next_page_token: str
    def __init__(self, feedback: _Optional[_Iterable[_Union[Feedback, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetFeedbackSummaryRequest(_message.Message):
    __slots__ = ("employee_id",)
    EMPLOYEE_ID_FIELD_NUMBER: _ClassVar[int]
    employee_id: str
    def __init__(self, employee_id: _Optional[str] = ...) -> None: ...

class FeedbackSummary(_message.Message):
    __slots__ = ("employee_id", "total", "by_kind", "by_relation", "anonymous", "with_example", "average_delay_hours", "acknowledged")
    class ByKindEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    class ByRelationEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    EMPLOYEE_ID_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    BY_KIND_FIELD_NUMBER: _ClassVar[int]
    BY_RELATION_FIELD_NUMBER: _ClassVar[int]
    ANONYMOUS_FIELD_NUMBER: _ClassVar[int]
    WITH_EXAMPLE_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_DELAY_HOURS_FIELD_NUMBER: _ClassVar[int]
    ACKNOWLEDGED_FIELD_NUMBER: _ClassVar[int]
    employee_id: str
    total: int
    by_kind: _containers.ScalarMap[str, int]
    by_relation: _containers.ScalarMap[str, int]
    anonymous: int
    with_example: int
    average_delay_hours: float
    acknowledged: int
    def __init__(self, employee_id: _Optional[str] = ..., total: _Optional[int] = ..., by_kind: _Optional[_Mapping[str, int]] = ..., by_relation: _Optional[_Mapping[str, int]] = ..., anonymous: _Optional[int] = ..., with_example: _Optional[int] = ..., average_delay_hours: _Optional[float] = ..., acknowledged: _Optional[int] = ...) -> None: ...

class AcknowledgeFeedbackRequest(_message.Message):
    __slots__ = ("feedback_id", "note", "create_action_item", "action_title", "action_due_date", "action_kind", "idempotency_key")
    FEEDBACK_ID_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    CREATE_ACTION_ITEM_FIELD_NUMBER: _ClassVar[int]
    ACTION_TITLE_FIELD_NUMBER: _ClassVar[int]
    ACTION_DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    ACTION_KIND_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    feedback_id: str
    note: str
    create_action_item: bool
    action_title: str
    action_due_date: str
    action_kind: ActionKind
    idempotency_key: str
    def __init__(self, feedback_id: _Optional[str] = ..., note: _Optional[str] = ..., create_action_item: _Optional[bool] = ..., action_title: _Optional[str] = ..., action_due_date: _Optional[str] = ..., action_kind: _Optional[_Union[ActionKind, str]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class FeedbackRequest(_message.Message):
    __slots__ = ("id", "requester_id", "subject_id", "recipient_id", "external_email", "external_name", "question", "due_date", "state", "relation", "created_at", "decline_reason", "answered_feedback_id", "expires_at")
    class State(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        STATE_UNSPECIFIED: _ClassVar[FeedbackRequest.State]
        STATE_OPEN: _ClassVar[FeedbackRequest.State]
        STATE_ANSWERED: _ClassVar[FeedbackRequest.State]
        STATE_DECLINED: _ClassVar[FeedbackRequest.State]
        STATE_EXPIRED: _ClassVar[FeedbackRequest.State]
        STATE_REVOKED: _ClassVar[FeedbackRequest.State]
    STATE_UNSPECIFIED: FeedbackRequest.State
    STATE_OPEN: FeedbackRequest.State
    STATE_ANSWERED: FeedbackRequest.State
    STATE_DECLINED: FeedbackRequest.State
    STATE_EXPIRED: FeedbackRequest.State
    STATE_REVOKED: FeedbackRequest.State
    ID_FIELD_NUMBER: _ClassVar[int]
    REQUESTER_ID_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_ID_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_ID_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_EMAIL_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_NAME_FIELD_NUMBER: _ClassVar[int]
    QUESTION_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    RELATION_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    DECLINE_REASON_FIELD_NUMBER: _ClassVar[int]
    ANSWERED_FEEDBACK_ID_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    requester_id: str
    subject_id: str
    recipient_id: str
    external_email: str
    external_name: str
    question: str
    due_date: str
    state: FeedbackRequest.State
    relation: Relation
    created_at: _timestamp_pb2.Timestamp
    decline_reason: str
    answered_feedback_id: str
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., requester_id: _Optional[str] = ..., subject_id: _Optional[str] = ..., recipient_id: _Optional[str] = ..., external_email: _Optional[str] = ..., external_name: _Optional[str] = ..., question: _Optional[str] = ..., due_date: _Optional[str] = ..., state: _Optional[_Union[FeedbackRequest.State, str]] = ..., relation: _Optional[_Union[Relation, str]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., decline_reason: _Optional[str] = ..., answered_feedback_id: _Optional[str] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RequestFeedbackRequest(_message.Message):
    __slots__ = ("subject_id", "recipient_id", "external_email", "external_name", "question", "due_date", "relation", "idempotency_key")
    SUBJECT_ID_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_ID_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_EMAIL_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_NAME_FIELD_NUMBER: _ClassVar[int]
    QUESTION_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    RELATION_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    subject_id: str
    recipient_id: str
    external_email: str
    external_name: str
    question: str
    due_date: str
    relation: Relation
    idempotency_key: str
    def __init__(self, subject_id: _Optional[str] = ..., recipient_id: _Optional[str] = ..., external_email: _Optional[str] = ..., external_name: _Optional[str] = ..., question: _Optional[str] = ..., due_date: _Optional[str] = ..., relation: _Optional[_Union[Relation, str]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class RequestFeedbackResponse(_message.Message):
    __slots__ = ("request", "external_token")
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_TOKEN_FIELD_NUMBER: _ClassVar[int]
    request: FeedbackRequest
    external_token: str
    def __init__(self, request: _Optional[_Union[FeedbackRequest, _Mapping]] = ..., external_token: _Optional[str] = ...) -> None: ...

class DeclineFeedbackRequestRequest(_message.Message):
    __slots__ = ("request_id", "reason", "idempotency_key", "external_token")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_TOKEN_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    reason: str
    idempotency_key: str
    external_token: str
    def __init__(self, request_id: _Optional[str] = ..., reason: _Optional[str] = ..., idempotency_key: _Optional[str] = ..., external_token: _Optional[str] = ...) -> None: ...

class RevokeLinkRequest(_message.Message):
    __slots__ = ("request_id", "invitation_id", "idempotency_key")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    INVITATION_ID_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    invitation_id: str
    idempotency_key: str
    def __init__(self, request_id: _Optional[str] = ..., invitation_id: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class RevokeLinkResponse(_message.Message):
    __slots__ = ("state",)
    STATE_FIELD_NUMBER: _ClassVar[int]
    state: LinkState
    def __init__(self, state: _Optional[_Union[LinkState, str]] = ...) -> None: ...

class GetLinkRequest(_message.Message):
    __slots__ = ("external_token",)
    EXTERNAL_TOKEN_FIELD_NUMBER: _ClassVar[int]
    external_token: str
    def __init__(self, external_token: _Optional[str] = ...) -> None: ...

class Link(_message.Message):
    __slots__ = ("kind", "state", "subject_name", "requester_name", "question", "questions", "due_date", "expires_at")
    class Kind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        KIND_UNSPECIFIED: _ClassVar[Link.Kind]
        KIND_FEEDBACK_REQUEST: _ClassVar[Link.Kind]
        KIND_REVIEW_INVITATION: _ClassVar[Link.Kind]
    KIND_UNSPECIFIED: Link.Kind
    KIND_FEEDBACK_REQUEST: Link.Kind
    KIND_REVIEW_INVITATION: Link.Kind
    KIND_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_NAME_FIELD_NUMBER: _ClassVar[int]
    REQUESTER_NAME_FIELD_NUMBER: _ClassVar[int]
    QUESTION_FIELD_NUMBER: _ClassVar[int]
    QUESTIONS_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    kind: Link.Kind
    state: LinkState
    subject_name: str
    requester_name: str
    question: str
    questions: _containers.RepeatedCompositeFieldContainer[CompetencyQuestion]
    due_date: str
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, kind: _Optional[_Union[Link.Kind, str]] = ..., state: _Optional[_Union[LinkState, str]] = ..., subject_name: _Optional[str] = ..., requester_name: _Optional[str] = ..., question: _Optional[str] = ..., questions: _Optional[_Iterable[_Union[CompetencyQuestion, _Mapping]]] = ..., due_date: _Optional[str] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListFeedbackRequestsRequest(_message.Message):
    __slots__ = ("recipient_id", "requester_id")
    RECIPIENT_ID_FIELD_NUMBER: _ClassVar[int]
    REQUESTER_ID_FIELD_NUMBER: _ClassVar[int]
    recipient_id: str
    requester_id: str
    def __init__(self, recipient_id: _Optional[str] = ..., requester_id: _Optional[str] = ...) -> None: ...

class ListFeedbackRequestsResponse(_message.Message):
    __slots__ = ("requests",)
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    requests: _containers.RepeatedCompositeFieldContainer[FeedbackRequest]
    def __init__(self, requests: _Optional[_Iterable[_Union[FeedbackRequest, _Mapping]]] = ...) -> None: ...

class CompetencyQuestion(_message.Message):
    __slots__ = ("competency", "question")
    COMPETENCY_FIELD_NUMBER: _ClassVar[int]
    QUESTION_FIELD_NUMBER: _ClassVar[int]
    competency: str
    question: str
    def __init__(self, competency: _Optional[str] = ..., question: _Optional[str] = ...) -> None: ...

class Review(_message.Message):
    __slots__ = ("id", "subject_id", "opened_by", "rater_groups", "questions", "anonymity_threshold", "due_date", "state", "cycle_name")
    class State(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        STATE_UNSPECIFIED: _ClassVar[Review.State]
        STATE_NOMINATING: _ClassVar[Review.State]
        STATE_COLLECTING: _ClassVar[Review.State]
        STATE_CLOSED: _ClassVar[Review.State]
    STATE_UNSPECIFIED: Review.State
    STATE_NOMINATING: Review.State
    STATE_COLLECTING: Review.State
    STATE_CLOSED: Review.State
    ID_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_ID_FIELD_NUMBER: _ClassVar[int]
    OPENED_BY_FIELD_NUMBER: _ClassVar[int]
    RATER_GROUPS_FIELD_NUMBER: _ClassVar[int]
    QUESTIONS_FIELD_NUMBER: _ClassVar[int]
    ANONYMITY_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    CYCLE_NAME_FIELD_NUMBER: _ClassVar[int]
    id: str
    subject_id: str
    opened_by: str
    rater_groups: _containers.RepeatedScalarFieldContainer[RaterGroup]
    questions: _containers.RepeatedCompositeFieldContainer[CompetencyQuestion]
    anonymity_threshold: int
    due_date: str
    state: Review.State
    cycle_name: str
    def __init__(self, id: _Optional[str] = ..., subject_id: _Optional[str] = ..., opened_by: _Optional[str] = ..., rater_groups: _Optional[_Iterable[_Union[RaterGroup, str]]] = ..., questions: _Optional[_Iterable[_Union[CompetencyQuestion, _Mapping]]] = ..., anonymity_threshold: _Optional[int] = ..., due_date: _Optional[str] = ..., state: _Optional[_Union[Review.State, str]] = ..., cycle_name: _Optional[str] = ...) -> None: ...

class OpenReviewCycleRequest(_message.Message):
    __slots__ = ("cycle_name", "subject_ids", "rater_groups", "questions", "anonymity_threshold", "due_date", "idempotency_key")
    CYCLE_NAME_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_IDS_FIELD_NUMBER: _ClassVar[int]
    RATER_GROUPS_FIELD_NUMBER: _ClassVar[int]
    QUESTIONS_FIELD_NUMBER: _ClassVar[int]
    ANONYMITY_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    cycle_name: str
    subject_ids: _containers.RepeatedScalarFieldContainer[str]
    rater_groups: _containers.RepeatedScalarFieldContainer[RaterGroup]
    questions: _containers.RepeatedCompositeFieldContainer[CompetencyQuestion]
    anonymity_threshold: int
    due_date: str
    idempotency_key: str
    def __init__(self, cycle_name: _Optional[str] = ..., subject_ids: _Optional[_Iterable[str]] = ..., rater_groups: _Optional[_Iterable[_Union[RaterGroup, str]]] = ..., questions: _Optional[_Iterable[_Union[CompetencyQuestion, _Mapping]]] = ..., anonymity_threshold: _Optional[int] = ..., due_date: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class OpenReviewCycleResponse(_message.Message):
    __slots__ = ("reviews",)
    REVIEWS_FIELD_NUMBER: _ClassVar[int]
    reviews: _containers.RepeatedCompositeFieldContainer[Review]
    def __init__(self, reviews: _Optional[_Iterable[_Union[Review, _Mapping]]] = ...) -> None: ...

class NominateRatersRequest(_message.Message):
    __slots__ = ("review_id", "group", "rater_ids", "idempotency_key")
    REVIEW_ID_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    RATER_IDS_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    review_id: str
    group: RaterGroup
    rater_ids: _containers.RepeatedScalarFieldContainer[str]
    idempotency_key: str
    def __init__(self, review_id: _Optional[str] = ..., group: _Optional[_Union[RaterGroup, str]] = ..., rater_ids: _Optional[_Iterable[str]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class ApproveRatersRequest(_message.Message):
    __slots__ = ("review_id", "rater_ids", "idempotency_key")
    REVIEW_ID_FIELD_NUMBER: _ClassVar[int]
    RATER_IDS_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    review_id: str
    rater_ids: _containers.RepeatedScalarFieldContainer[str]
    idempotency_key: str
    def __init__(self, review_id: _Optional[str] = ..., rater_ids: _Optional[_Iterable[str]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class Rating(_message.Message):
    __slots__ = ("competency", "score", "comment")
    COMPETENCY_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    competency: str
    score: int
    comment: str
    def __init__(self, competency: _Optional[str] = ..., score: _Optional[int] = ..., comment: _Optional[str] = ...) -> None: ...

class SubmitReviewResponseRequest(_message.Message):
    __slots__ = ("review_id", "ratings", "comment", "external_token", "idempotency_key")
    REVIEW_ID_FIELD_NUMBER: _ClassVar[int]
    RATINGS_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_TOKEN_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    review_id: str
    ratings: _containers.RepeatedCompositeFieldContainer[Rating]
    comment: str
    external_token: str
    idempotency_key: str
    def __init__(self, review_id: _Optional[str] = ..., ratings: _Optional[_Iterable[_Union[Rating, _Mapping]]] = ..., comment: _Optional[str] = ..., external_token: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class SubmitReviewResponseResponse(_message.Message):
    __slots__ = ("response_id",)
    RESPONSE_ID_FIELD_NUMBER: _ClassVar[int]
    response_id: str
    def __init__(self, response_id: _Optional[str] = ...) -> None: ...

class InviteExternalRaterRequest(_message.Message):
    __slots__ = ("review_id", "name", "email", "idempotency_key")
    REVIEW_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    review_id: str
    name: str
    email: str
    idempotency_key: str
    def __init__(self, review_id: _Optional[str] = ..., name: _Optional[str] = ..., email: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class InviteExternalRaterResponse(_message.Message):
    __slots__ = ("invitation_id", "external_token", "expires_at")
    INVITATION_ID_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_TOKEN_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    invitation_id: str
    external_token: str
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, invitation_id: _Optional[str] = ..., external_token: _Optional[str] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CloseReviewCycleRequest(_message.Message):
    __slots__ = ("review_id", "idempotency_key")
    REVIEW_ID_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    review_id: str
    idempotency_key: str
    def __init__(self, review_id: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class GetReviewReportRequest(_message.Message):
    __slots__ = ("review_id",)
    REVIEW_ID_FIELD_NUMBER: _ClassVar[int]
    review_id: str
    def __init__(self, review_id: _Optional[str] = ...) -> None: ...

class ListReviewsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class Nomination(_message.Message):
    __slots__ = ("rater_id", "approved")
    RATER_ID_FIELD_NUMBER: _ClassVar[int]
    APPROVED_FIELD_NUMBER: _ClassVar[int]
    rater_id: str
    approved: bool
    def __init__(self, rater_id: _Optional[str] = ..., approved: _Optional[bool] = ...) -> None: ...

class ReviewEntry(_message.Message):
    __slots__ = ("review", "roles", "my_group", "answered", "awaiting_approval", "nominations", "responses_received")
    class Role(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        ROLE_UNSPECIFIED: _ClassVar[ReviewEntry.Role]
        ROLE_SUBJECT: _ClassVar[ReviewEntry.Role]
        ROLE_RATER: _ClassVar[ReviewEntry.Role]
        ROLE_LEAD: _ClassVar[ReviewEntry.Role]
    ROLE_UNSPECIFIED: ReviewEntry.Role
    ROLE_SUBJECT: ReviewEntry.Role
    ROLE_RATER: ReviewEntry.Role
    ROLE_LEAD: ReviewEntry.Role
    REVIEW_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    MY_GROUP_FIELD_NUMBER: _ClassVar[int]
    ANSWERED_FIELD_NUMBER: _ClassVar[int]
    AWAITING_APPROVAL_FIELD_NUMBER: _ClassVar[int]
    NOMINATIONS_FIELD_NUMBER: _ClassVar[int]
    RESPONSES_RECEIVED_FIELD_NUMBER: _ClassVar[int]
    review: Review
    roles: _containers.RepeatedScalarFieldContainer[ReviewEntry.Role]
    my_group: RaterGroup
    answered: bool
    awaiting_approval: bool
    nominations: _containers.RepeatedCompositeFieldContainer[Nomination]
    responses_received: int
    def __init__(self, review: _Optional[_Union[Review, _Mapping]] = ..., roles: _Optional[_Iterable[_Union[ReviewEntry.Role, str]]] = ..., my_group: _Optional[_Union[RaterGroup, str]] = ..., answered: _Optional[bool] = ..., awaiting_approval: _Optional[bool] = ..., nominations: _Optional[_Iterable[_Union[Nomination, _Mapping]]] = ..., responses_received: _Optional[int] = ...) -> None: ...

class ListReviewsResponse(_message.Message):
    __slots__ = ("reviews",)
    REVIEWS_FIELD_NUMBER: _ClassVar[int]
    reviews: _containers.RepeatedCompositeFieldContainer[ReviewEntry]
    def __init__(self, reviews: _Optional[_Iterable[_Union[ReviewEntry, _Mapping]]] = ...) -> None: ...

class GroupResult(_message.Message):
    __slots__ = ("group", "responses", "averages", "comments")
    class AveragesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    GROUP_FIELD_NUMBER: _ClassVar[int]
    RESPONSES_FIELD_NUMBER: _ClassVar[int]
    AVERAGES_FIELD_NUMBER: _ClassVar[int]
    COMMENTS_FIELD_NUMBER: _ClassVar[int]
    group: RaterGroup
    responses: int
    averages: _containers.ScalarMap[str, float]
    comments: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, group: _Optional[_Union[RaterGroup, str]] = ..., responses: _Optional[int] = ..., averages: _Optional[_Mapping[str, float]] = ..., comments: _Optional[_Iterable[str]] = ...) -> None: ...

class ReviewReport(_message.Message):
    __slots__ = ("review", "groups", "suppressed_groups")
    REVIEW_FIELD_NUMBER: _ClassVar[int]
    GROUPS_FIELD_NUMBER: _ClassVar[int]
    SUPPRESSED_GROUPS_FIELD_NUMBER: _ClassVar[int]
    review: Review
    groups: _containers.RepeatedCompositeFieldContainer[GroupResult]
    suppressed_groups: int
    def __init__(self, review: _Optional[_Union[Review, _Mapping]] = ..., groups: _Optional[_Iterable[_Union[GroupResult, _Mapping]]] = ..., suppressed_groups: _Optional[int] = ...) -> None: ...

class SubmitSelfAssessmentRequest(_message.Message):
    __slots__ = ("review_id", "ratings", "reflection", "idempotency_key")
    REVIEW_ID_FIELD_NUMBER: _ClassVar[int]
    RATINGS_FIELD_NUMBER: _ClassVar[int]
    REFLECTION_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    review_id: str
    ratings: _containers.RepeatedCompositeFieldContainer[Rating]
    reflection: str
    idempotency_key: str
    def __init__(self, review_id: _Optional[str] = ..., ratings: _Optional[_Iterable[_Union[Rating, _Mapping]]] = ..., reflection: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class SelfAssessment(_message.Message):
    __slots__ = ("id", "employee_id", "review_id", "ratings", "reflection", "submitted_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    EMPLOYEE_ID_FIELD_NUMBER: _ClassVar[int]
    REVIEW_ID_FIELD_NUMBER: _ClassVar[int]
    RATINGS_FIELD_NUMBER: _ClassVar[int]
    REFLECTION_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    employee_id: str
    review_id: str
    ratings: _containers.RepeatedCompositeFieldContainer[Rating]
    reflection: str
    submitted_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., employee_id: _Optional[str] = ..., review_id: _Optional[str] = ..., ratings: _Optional[_Iterable[_Union[Rating, _Mapping]]] = ..., reflection: _Optional[str] = ..., submitted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetGapReportRequest(_message.Message):
    __slots__ = ("employee_id", "review_id")
    EMPLOYEE_ID_FIELD_NUMBER: _ClassVar[int]
    REVIEW_ID_FIELD_NUMBER: _ClassVar[int]
    employee_id: str
    review_id: str
    def __init__(self, employee_id: _Optional[str] = ..., review_id: _Optional[str] = ...) -> None: ...

class CompetencyGap(_message.Message):
    __slots__ = ("competency", "self_score", "others_by_group", "others_average", "gap", "conversation_starter")
    class OthersByGroupEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    COMPETENCY_FIELD_NUMBER: _ClassVar[int]
    SELF_SCORE_FIELD_NUMBER: _ClassVar[int]
    OTHERS_BY_GROUP_FIELD_NUMBER: _ClassVar[int]
    OTHERS_AVERAGE_FIELD_NUMBER: _ClassVar[int]
    GAP_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_STARTER_FIELD_NUMBER: _ClassVar[int]
    competency: str
    self_score: float
    others_by_group: _containers.ScalarMap[str, float]
    others_average: float
    gap: float
    conversation_starter: str
    def __init__(self, competency: _Optional[str] = ..., self_score: _Optional[float] = ..., others_by_group: _Optional[_Mapping[str, float]] = ..., others_average: _Optional[float] = ..., gap: _Optional[float] = ..., conversation_starter: _Optional[str] = ...) -> None: ...

class GapReport(_message.Message):
    __slots__ = ("employee_id", "gaps")
    EMPLOYEE_ID_FIELD_NUMBER: _ClassVar[int]
    GAPS_FIELD_NUMBER: _ClassVar[int]
    employee_id: str
    gaps: _containers.RepeatedCompositeFieldContainer[CompetencyGap]
    def __init__(self, employee_id: _Optional[str] = ..., gaps: _Optional[_Iterable[_Union[CompetencyGap, _Mapping]]] = ...) -> None: ...

class DialoguePreparation(_message.Message):
    __slots__ = ("author_id", "reflection", "agenda_items", "submitted_at")
    AUTHOR_ID_FIELD_NUMBER: _ClassVar[int]
    REFLECTION_FIELD_NUMBER: _ClassVar[int]
    AGENDA_ITEMS_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_AT_FIELD_NUMBER: _ClassVar[int]
    author_id: str
    reflection: str
    agenda_items: _containers.RepeatedScalarFieldContainer[str]
    submitted_at: _timestamp_pb2.Timestamp
    def __init__(self, author_id: _Optional[str] = ..., reflection: _Optional[str] = ..., agenda_items: _Optional[_Iterable[str]] = ..., submitted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Dialogue(_message.Message):
    __slots__ = ("id", "kind", "employee_id", "manager_id", "scheduled_for", "state", "preparations", "prepared_by", "shared_notes", "signed_by", "review_id", "goal_ids", "action_items", "version", "review_report", "gap_report")
    class State(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        STATE_UNSPECIFIED: _ClassVar[Dialogue.State]
        STATE_PREPARING: _ClassVar[Dialogue.State]
        STATE_READY: _ClassVar[Dialogue.State]
        STATE_HELD: _ClassVar[Dialogue.State]
        STATE_SIGNED: _ClassVar[Dialogue.State]
    STATE_UNSPECIFIED: Dialogue.State
    STATE_PREPARING: Dialogue.State
    STATE_READY: Dialogue.State
    STATE_HELD: Dialogue.State
    STATE_SIGNED: Dialogue.State
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    EMPLOYEE_ID_FIELD_NUMBER: _ClassVar[int]
    MANAGER_ID_FIELD_NUMBER: _ClassVar[int]
    SCHEDULED_FOR_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    PREPARATIONS_FIELD_NUMBER: _ClassVar[int]
    PREPARED_BY_FIELD_NUMBER: _ClassVar[int]
    SHARED_NOTES_FIELD_NUMBER: _ClassVar[int]
    SIGNED_BY_FIELD_NUMBER: _ClassVar[int]
    REVIEW_ID_FIELD_NUMBER: _ClassVar[int]
    GOAL_IDS_FIELD_NUMBER: _ClassVar[int]
    ACTION_ITEMS_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    REVIEW_REPORT_FIELD_NUMBER: _ClassVar[int]
    GAP_REPORT_FIELD_NUMBER: _ClassVar[int]
    id: str
    kind: DialogueKind
    employee_id: str
    manager_id: str
    scheduled_for: str
    state: Dialogue.State
    preparations: _containers.RepeatedCompositeFieldContainer[DialoguePreparation]
    prepared_by: _containers.RepeatedScalarFieldContainer[str]
    shared_notes: str
    signed_by: _containers.RepeatedScalarFieldContainer[str]
    review_id: str
    goal_ids: _containers.RepeatedScalarFieldContainer[str]
    action_items: _containers.RepeatedCompositeFieldContainer[ActionItem]
    version: int
    review_report: ReviewReport
    gap_report: GapReport
    def __init__(self, id: _Optional[str] = ..., kind: _Optional[_Union[DialogueKind, str]] = ..., employee_id: _Optional[str] = ..., manager_id: _Optional[str] = ..., scheduled_for: _Optional[str] = ..., state: _Optional[_Union[Dialogue.State, str]] = ..., preparations: _Optional[_Iterable[_Union[DialoguePreparation, _Mapping]]] = ..., prepared_by: _Optional[_Iterable[str]] = ..., shared_notes: _Optional[str] = ..., signed_by: _Optional[_Iterable[str]] = ..., review_id: _Optional[str] = ..., goal_ids: _Optional[_Iterable[str]] = ..., action_items: _Optional[_Iterable[_Union[ActionItem, _Mapping]]] = ..., version: _Optional[int] = ..., review_report: _Optional[_Union[ReviewReport, _Mapping]] = ..., gap_report: _Optional[_Union[GapReport, _Mapping]] = ...) -> None: ...

class ScheduleDialogueRequest(_message.Message):
    __slots__ = ("kind", "employee_id", "scheduled_for", "review_id", "goal_ids", "idempotency_key")
    KIND_FIELD_NUMBER: _ClassVar[int]
    EMPLOYEE_ID_FIELD_NUMBER: _ClassVar[int]
    SCHEDULED_FOR_FIELD_NUMBER: _ClassVar[int]
    REVIEW_ID_FIELD_NUMBER: _ClassVar[int]
    GOAL_IDS_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    kind: DialogueKind
    employee_id: str
    scheduled_for: str
    review_id: str
    goal_ids: _containers.RepeatedScalarFieldContainer[str]
    idempotency_key: str
    def __init__(self, kind: _Optional[_Union[DialogueKind, str]] = ..., employee_id: _Optional[str] = ..., scheduled_for: _Optional[str] = ..., review_id: _Optional[str] = ..., goal_ids: _Optional[_Iterable[str]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class SubmitPreparationRequest(_message.Message):
    __slots__ = ("dialogue_id", "reflection", "agenda_items", "idempotency_key")
    DIALOGUE_ID_FIELD_NUMBER: _ClassVar[int]
    REFLECTION_FIELD_NUMBER: _ClassVar[int]
    AGENDA_ITEMS_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    dialogue_id: str
    reflection: str
    agenda_items: _containers.RepeatedScalarFieldContainer[str]
    idempotency_key: str
    def __init__(self, dialogue_id: _Optional[str] = ..., reflection: _Optional[str] = ..., agenda_items: _Optional[_Iterable[str]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class RecordDialogueNotesRequest(_message.Message):
    __slots__ = ("dialogue_id", "expected_version", "shared_notes", "idempotency_key")
    DIALOGUE_ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    SHARED_NOTES_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    dialogue_id: str
    expected_version: int
    shared_notes: str
    idempotency_key: str
    def __init__(self, dialogue_id: _Optional[str] = ..., expected_version: _Optional[int] = ..., shared_notes: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class SignDialogueRequest(_message.Message):
    __slots__ = ("dialogue_id", "idempotency_key")
    DIALOGUE_ID_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    dialogue_id: str
    idempotency_key: str
    def __init__(self, dialogue_id: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class GetDialogueRequest(_message.Message):
    __slots__ = ("dialogue_id",)
    DIALOGUE_ID_FIELD_NUMBER: _ClassVar[int]
    dialogue_id: str
    def __init__(self, dialogue_id: _Optional[str] = ...) -> None: ...

class ListDialoguesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListDialoguesResponse(_message.Message):
    __slots__ = ("dialogues",)
    DIALOGUES_FIELD_NUMBER: _ClassVar[int]
    dialogues: _containers.RepeatedCompositeFieldContainer[Dialogue]
    def __init__(self, dialogues: _Optional[_Iterable[_Union[Dialogue, _Mapping]]] = ...) -> None: ...

class ActionItem(_message.Message):
    __slots__ = ("id", "owner_id", "employee_id", "title", "kind", "due_date", "state", "progress_percent", "source_feedback_id", "source_dialogue_id", "source_goal_id", "progress_notes", "confirmed_by", "awaiting_confirmation_from")
    class State(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        STATE_UNSPECIFIED: _ClassVar[ActionItem.State]
        STATE_OPEN: _ClassVar[ActionItem.State]
        STATE_IN_PROGRESS: _ClassVar[ActionItem.State]
        STATE_DONE: _ClassVar[ActionItem.State]
        STATE_DROPPED: _ClassVar[ActionItem.State]
    STATE_UNSPECIFIED: ActionItem.State
    STATE_OPEN: ActionItem.State
    STATE_IN_PROGRESS: ActionItem.State
    STATE_DONE: ActionItem.State
    STATE_DROPPED: ActionItem.State
    ID_FIELD_NUMBER: _ClassVar[int]
    OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    EMPLOYEE_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_PERCENT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FEEDBACK_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_DIALOGUE_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_GOAL_ID_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_NOTES_FIELD_NUMBER: _ClassVar[int]
    CONFIRMED_BY_FIELD_NUMBER: _ClassVar[int]
    AWAITING_CONFIRMATION_FROM_FIELD_NUMBER: _ClassVar[int]
    id: str
    owner_id: str
    employee_id: str
    title: str
    kind: ActionKind
    due_date: str
    state: ActionItem.State
    progress_percent: int
    source_feedback_id: str
    source_dialogue_id: str
    source_goal_id: str
    progress_notes: _containers.RepeatedScalarFieldContainer[str]
    confirmed_by: _containers.RepeatedScalarFieldContainer[str]
    awaiting_confirmation_from: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, id: _Optional[str] = ..., owner_id: _Optional[str] = ..., employee_id: _Optional[str] = ..., title: _Optional[str] = ..., kind: _Optional[_Union[ActionKind, str]] = ..., due_date: _Optional[str] = ..., state: _Optional[_Union[ActionItem.State, str]] = ..., progress_percent: _Optional[int] = ..., source_feedback_id: _Optional[str] = ..., source_dialogue_id: _Optional[str] = ..., source_goal_id: _Optional[str] = ..., progress_notes: _Optional[_Iterable[str]] = ..., confirmed_by: _Optional[_Iterable[str]] = ..., awaiting_confirmation_from: _Optional[_Iterable[str]] = ...) -> None: ...

class CreateActionItemRequest(_message.Message):
    __slots__ = ("employee_id", "owner_id", "title", "kind", "due_date", "source_feedback_id", "source_dialogue_id", "source_goal_id", "idempotency_key")
    EMPLOYEE_ID_FIELD_NUMBER: _ClassVar[int]
    OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FEEDBACK_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_DIALOGUE_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_GOAL_ID_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    employee_id: str
    owner_id: str
    title: str
    kind: ActionKind
    due_date: str
    source_feedback_id: str
    source_dialogue_id: str
    source_goal_id: str
    idempotency_key: str
    def __init__(self, employee_id: _Optional[str] = ..., owner_id: _Optional[str] = ..., title: _Optional[str] = ..., kind: _Optional[_Union[ActionKind, str]] = ..., due_date: _Optional[str] = ..., source_feedback_id: _Optional[str] = ..., source_dialogue_id: _Optional[str] = ..., source_goal_id: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class UpdateActionItemRequest(_message.Message):
    __slots__ = ("action_item_id", "progress_percent", "state", "note", "idempotency_key")
    ACTION_ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_PERCENT_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    action_item_id: str
    progress_percent: int
    state: ActionItem.State
    note: str
    idempotency_key: str
    def __init__(self, action_item_id: _Optional[str] = ..., progress_percent: _Optional[int] = ..., state: _Optional[_Union[ActionItem.State, str]] = ..., note: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class ListActionItemsRequest(_message.Message):
    __slots__ = ("employee_id",)
    EMPLOYEE_ID_FIELD_NUMBER: _ClassVar[int]
    employee_id: str
    def __init__(self, employee_id: _Optional[str] = ...) -> None: ...

class ConfirmActionItemRequest(_message.Message):
    __slots__ = ("action_item_id", "idempotency_key")
    ACTION_ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    action_item_id: str
    idempotency_key: str
    def __init__(self, action_item_id: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class ListActionItemsResponse(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[ActionItem]
    def __init__(self, items: _Optional[_Iterable[_Union[ActionItem, _Mapping]]] = ...) -> None: ...

class AssignCoachRequest(_message.Message):
    __slots__ = ("employee_id", "coach_id", "idempotency_key")
    EMPLOYEE_ID_FIELD_NUMBER: _ClassVar[int]
    COACH_ID_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    employee_id: str
    coach_id: str
    idempotency_key: str
    def __init__(self, employee_id: _Optional[str] = ..., coach_id: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class AssignCoachResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ShareWithCoachRequest(_message.Message):
    __slots__ = ("feedback_id", "review_id", "dialogue_id", "action_plan", "revoke", "idempotency_key")
    FEEDBACK_ID_FIELD_NUMBER: _ClassVar[int]
    REVIEW_ID_FIELD_NUMBER: _ClassVar[int]
    DIALOGUE_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_PLAN_FIELD_NUMBER: _ClassVar[int]
    REVOKE_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    feedback_id: str
    review_id: str
    dialogue_id: str
    action_plan: bool
    revoke: bool
    idempotency_key: str
    def __init__(self, feedback_id: _Optional[str] = ..., review_id: _Optional[str] = ..., dialogue_id: _Optional[str] = ..., action_plan: _Optional[bool] = ..., revoke: _Optional[bool] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class ShareWithCoachResponse(_message.Message):
    __slots__ = ("shared",)
    SHARED_FIELD_NUMBER: _ClassVar[int]
    shared: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, shared: _Optional[_Iterable[str]] = ...) -> None: ...

class RaiseReferralRequest(_message.Message):
    __slots__ = ("employee_id", "note", "idempotency_key")
    EMPLOYEE_ID_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    employee_id: str
    note: str
    idempotency_key: str
    def __init__(self, employee_id: _Optional[str] = ..., note: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class RaiseReferralResponse(_message.Message):
    __slots__ = ("referral_id",)
    REFERRAL_ID_FIELD_NUMBER: _ClassVar[int]
    referral_id: str
    def __init__(self, referral_id: _Optional[str] = ...) -> None: ...

class Referral(_message.Message):
    __slots__ = ("id", "employee_id", "note", "raised_at", "state", "updated_at", "handled_by")
    class State(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        STATE_UNSPECIFIED: _ClassVar[Referral.State]
        STATE_RAISED: _ClassVar[Referral.State]
        STATE_ACKNOWLEDGED: _ClassVar[Referral.State]
        STATE_CLOSED: _ClassVar[Referral.State]
    STATE_UNSPECIFIED: Referral.State
    STATE_RAISED: Referral.State
    STATE_ACKNOWLEDGED: Referral.State
    STATE_CLOSED: Referral.State
    ID_FIELD_NUMBER: _ClassVar[int]
    EMPLOYEE_ID_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    RAISED_AT_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    HANDLED_BY_FIELD_NUMBER: _ClassVar[int]
    id: str
    employee_id: str
    note: str
    raised_at: _timestamp_pb2.Timestamp
    state: Referral.State
    updated_at: _timestamp_pb2.Timestamp
    handled_by: str
    def __init__(self, id: _Optional[str] = ..., employee_id: _Optional[str] = ..., note: _Optional[str] = ..., raised_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., state: _Optional[_Union[Referral.State, str]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., handled_by: _Optional[str] = ...) -> None: ...

class ListReferralsRequest(_message.Message):
    __slots__ = ("employee_id",)
    EMPLOYEE_ID_FIELD_NUMBER: _ClassVar[int]
    employee_id: str
    def __init__(self, employee_id: _Optional[str] = ...) -> None: ...

class AcknowledgeReferralRequest(_message.Message):
    __slots__ = ("referral_id", "idempotency_key")
    REFERRAL_ID_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    referral_id: str
    idempotency_key: str
    def __init__(self, referral_id: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class CloseReferralRequest(_message.Message):
    __slots__ = ("referral_id", "idempotency_key")
    REFERRAL_ID_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    referral_id: str
    idempotency_key: str
    def __init__(self, referral_id: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class ListReferralsResponse(_message.Message):
    __slots__ = ("referrals",)
    REFERRALS_FIELD_NUMBER: _ClassVar[int]
    referrals: _containers.RepeatedCompositeFieldContainer[Referral]
    def __init__(self, referrals: _Optional[_Iterable[_Union[Referral, _Mapping]]] = ...) -> None: ...

class ListReadsRequest(_message.Message):
    __slots__ = ("employee_id",)
    EMPLOYEE_ID_FIELD_NUMBER: _ClassVar[int]
    employee_id: str
    def __init__(self, employee_id: _Optional[str] = ...) -> None: ...

class ReadRecord(_message.Message):
    __slots__ = ("reader_id", "reader_role", "feedback_id", "path", "read_at")
    READER_ID_FIELD_NUMBER: _ClassVar[int]
    READER_ROLE_FIELD_NUMBER: _ClassVar[int]
    FEEDBACK_ID_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    READ_AT_FIELD_NUMBER: _ClassVar[int]
    reader_id: str
    reader_role: str
    feedback_id: str
    path: str
    read_at: _timestamp_pb2.Timestamp
    def __init__(self, reader_id: _Optional[str] = ..., reader_role: _Optional[str] = ..., feedback_id: _Optional[str] = ..., path: _Optional[str] = ..., read_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListReadsResponse(_message.Message):
    __slots__ = ("reads",)
    READS_FIELD_NUMBER: _ClassVar[int]
    reads: _containers.RepeatedCompositeFieldContainer[ReadRecord]
    def __init__(self, reads: _Optional[_Iterable[_Union[ReadRecord, _Mapping]]] = ...) -> None: ...

class FeedbackGiven(_message.Message):
    __slots__ = ("metadata", "feedback_id", "receiver_id", "giver_id", "kind", "relation", "setting", "tags", "goal_ids", "has_example", "moment_at", "visibility", "text", "request_id", "review_id", "value_key")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    FEEDBACK_ID_FIELD_NUMBER: _ClassVar[int]
    RECEIVER_ID_FIELD_NUMBER: _ClassVar[int]
    GIVER_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    RELATION_FIELD_NUMBER: _ClassVar[int]
    SETTING_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    GOAL_IDS_FIELD_NUMBER: _ClassVar[int]
    HAS_EXAMPLE_FIELD_NUMBER: _ClassVar[int]
    MOMENT_AT_FIELD_NUMBER: _ClassVar[int]
    VISIBILITY_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    REVIEW_ID_FIELD_NUMBER: _ClassVar[int]
    VALUE_KEY_FIELD_NUMBER: _ClassVar[int]
    metadata: _event_pb2.EventMetadata
    feedback_id: str
    receiver_id: str
    giver_id: str
    kind: FeedbackKind
    relation: Relation
    setting: FeedbackSetting
    tags: _containers.RepeatedScalarFieldContainer[str]
    goal_ids: _containers.RepeatedScalarFieldContainer[str]
    has_example: bool
    moment_at: _timestamp_pb2.Timestamp
    visibility: _event_pb2.Visibility
    text: str
    request_id: str
    review_id: str
    value_key: str
    def __init__(self, metadata: _Optional[_Union[_event_pb2.EventMetadata, _Mapping]] = ..., feedback_id: _Optional[str] = ..., receiver_id: _Optional[str] = ..., giver_id: _Optional[str] = ..., kind: _Optional[_Union[FeedbackKind, str]] = ..., relation: _Optional[_Union[Relation, str]] = ..., setting: _Optional[_Union[FeedbackSetting, str]] = ..., tags: _Optional[_Iterable[str]] = ..., goal_ids: _Optional[_Iterable[str]] = ..., has_example: _Optional[bool] = ..., moment_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., visibility: _Optional[_Union[_event_pb2.Visibility, str]] = ..., text: _Optional[str] = ..., request_id: _Optional[str] = ..., review_id: _Optional[str] = ..., value_key: _Optional[str] = ...) -> None: ...

class FeedbackRequested(_message.Message):
    __slots__ = ("metadata", "request_id", "requester_id", "subject_id", "recipient_id", "external", "due_date", "state", "relation")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    REQUESTER_ID_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_ID_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_ID_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    RELATION_FIELD_NUMBER: _ClassVar[int]
    metadata: _event_pb2.EventMetadata
    request_id: str
    requester_id: str
    subject_id: str
    recipient_id: str
    external: bool
    due_date: str
    state: FeedbackRequest.State
    relation: Relation
    def __init__(self, metadata: _Optional[_Union[_event_pb2.EventMetadata, _Mapping]] = ..., request_id: _Optional[str] = ..., requester_id: _Optional[str] = ..., subject_id: _Optional[str] = ..., recipient_id: _Optional[str] = ..., external: _Optional[bool] = ..., due_date: _Optional[str] = ..., state: _Optional[_Union[FeedbackRequest.State, str]] = ..., relation: _Optional[_Union[Relation, str]] = ...) -> None: ...

class FeedbackAcknowledged(_message.Message):
    __slots__ = ("metadata", "feedback_id", "receiver_id", "giver_id", "action_item_created", "action_item_id", "kind")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    FEEDBACK_ID_FIELD_NUMBER: _ClassVar[int]
    RECEIVER_ID_FIELD_NUMBER: _ClassVar[int]
    GIVER_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_ITEM_CREATED_FIELD_NUMBER: _ClassVar[int]
    ACTION_ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    metadata: _event_pb2.EventMetadata
    feedback_id: str
    receiver_id: str
    giver_id: str
    action_item_created: bool
    action_item_id: str
    kind: FeedbackKind
    def __init__(self, metadata: _Optional[_Union[_event_pb2.EventMetadata, _Mapping]] = ..., feedback_id: _Optional[str] = ..., receiver_id: _Optional[str] = ..., giver_id: _Optional[str] = ..., action_item_created: _Optional[bool] = ..., action_item_id: _Optional[str] = ..., kind: _Optional[_Union[FeedbackKind, str]] = ...) -> None: ...

class SelfAssessmentSubmitted(_message.Message):
    __slots__ = ("metadata", "assessment_id", "employee_id", "review_id", "ratings")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    ASSESSMENT_ID_FIELD_NUMBER: _ClassVar[int]
    EMPLOYEE_ID_FIELD_NUMBER: _ClassVar[int]
    REVIEW_ID_FIELD_NUMBER: _ClassVar[int]
    RATINGS_FIELD_NUMBER: _ClassVar[int]
    metadata: _event_pb2.EventMetadata
    assessment_id: str
    employee_id: str
    review_id: str
    ratings: _containers.RepeatedCompositeFieldContainer[Rating]
    def __init__(self, metadata: _Optional[_Union[_event_pb2.EventMetadata, _Mapping]] = ..., assessment_id: _Optional[str] = ..., employee_id: _Optional[str] = ..., review_id: _Optional[str] = ..., ratings: _Optional[_Iterable[_Union[Rating, _Mapping]]] = ...) -> None: ...

class ReviewUpdated(_message.Message):
    __slots__ = ("metadata", "review", "change", "responses_received", "results", "rater_manager_id", "manager_average")
    class Change(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        CHANGE_UNSPECIFIED: _ClassVar[ReviewUpdated.Change]
        CHANGE_OPENED: _ClassVar[ReviewUpdated.Change]
        CHANGE_RATERS_NOMINATED: _ClassVar[ReviewUpdated.Change]
        CHANGE_RATERS_APPROVED: _ClassVar[ReviewUpdated.Change]
        CHANGE_RESPONSE_RECEIVED: _ClassVar[ReviewUpdated.Change]
        CHANGE_CLOSED: _ClassVar[ReviewUpdated.Change]
    CHANGE_UNSPECIFIED: ReviewUpdated.Change
    CHANGE_OPENED: ReviewUpdated.Change
    CHANGE_RATERS_NOMINATED: ReviewUpdated.Change
    CHANGE_RATERS_APPROVED: ReviewUpdated.Change
    CHANGE_RESPONSE_RECEIVED: ReviewUpdated.Change
    CHANGE_CLOSED: ReviewUpdated.Change
    METADATA_FIELD_NUMBER: _ClassVar[int]
    REVIEW_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    RESPONSES_RECEIVED_FIELD_NUMBER: _ClassVar[int]
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    RATER_MANAGER_ID_FIELD_NUMBER: _ClassVar[int]
    MANAGER_AVERAGE_FIELD_NUMBER: _ClassVar[int]
    metadata: _event_pb2.EventMetadata
    review: Review
    change: ReviewUpdated.Change
    responses_received: int
    results: _containers.RepeatedCompositeFieldContainer[GroupResult]
    rater_manager_id: str
    manager_average: float
    def __init__(self, metadata: _Optional[_Union[_event_pb2.EventMetadata, _Mapping]] = ..., review: _Optional[_Union[Review, _Mapping]] = ..., change: _Optional[_Union[ReviewUpdated.Change, str]] = ..., responses_received: _Optional[int] = ..., results: _Optional[_Iterable[_Union[GroupResult, _Mapping]]] = ..., rater_manager_id: _Optional[str] = ..., manager_average: _Optional[float] = ...) -> None: ...

class DialogueUpdated(_message.Message):
    __slots__ = ("metadata", "dialogue_id", "employee_id", "manager_id", "kind", "state", "prepared_by", "signed_by", "waiting_for", "scheduled_for")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    DIALOGUE_ID_FIELD_NUMBER: _ClassVar[int]
    EMPLOYEE_ID_FIELD_NUMBER: _ClassVar[int]
    MANAGER_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    PREPARED_BY_FIELD_NUMBER: _ClassVar[int]
    SIGNED_BY_FIELD_NUMBER: _ClassVar[int]
    WAITING_FOR_FIELD_NUMBER: _ClassVar[int]
    SCHEDULED_FOR_FIELD_NUMBER: _ClassVar[int]
    metadata: _event_pb2.EventMetadata
    dialogue_id: str
    employee_id: str
    manager_id: str
    kind: DialogueKind
    state: Dialogue.State
    prepared_by: _containers.RepeatedScalarFieldContainer[str]
    signed_by: _containers.RepeatedScalarFieldContainer[str]
    waiting_for: _containers.RepeatedScalarFieldContainer[str]
    scheduled_for: str
    def __init__(self, metadata: _Optional[_Union[_event_pb2.EventMetadata, _Mapping]] = ..., dialogue_id: _Optional[str] = ..., employee_id: _Optional[str] = ..., manager_id: _Optional[str] = ..., kind: _Optional[_Union[DialogueKind, str]] = ..., state: _Optional[_Union[Dialogue.State, str]] = ..., prepared_by: _Optional[_Iterable[str]] = ..., signed_by: _Optional[_Iterable[str]] = ..., waiting_for: _Optional[_Iterable[str]] = ..., scheduled_for: _Optional[str] = ...) -> None: ...

class ActionItemUpdated(_message.Message):
    __slots__ = ("metadata", "action_item_id", "employee_id", "owner_id", "kind", "state", "progress_percent", "source_feedback_id", "source_dialogue_id", "source_goal_id", "due_date")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    ACTION_ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    EMPLOYEE_ID_FIELD_NUMBER: _ClassVar[int]
    OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_PERCENT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FEEDBACK_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_DIALOGUE_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_GOAL_ID_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    metadata: _event_pb2.EventMetadata
    action_item_id: str
    employee_id: str
    owner_id: str
    kind: ActionKind
    state: ActionItem.State
    progress_percent: int
    source_feedback_id: str
    source_dialogue_id: str
    source_goal_id: str
    due_date: str
    def __init__(self, metadata: _Optional[_Union[_event_pb2.EventMetadata, _Mapping]] = ..., action_item_id: _Optional[str] = ..., employee_id: _Optional[str] = ..., owner_id: _Optional[str] = ..., kind: _Optional[_Union[ActionKind, str]] = ..., state: _Optional[_Union[ActionItem.State, str]] = ..., progress_percent: _Optional[int] = ..., source_feedback_id: _Optional[str] = ..., source_dialogue_id: _Optional[str] = ..., source_goal_id: _Optional[str] = ..., due_date: _Optional[str] = ...) -> None: ...

class ReferralRaised(_message.Message):
    __slots__ = ("metadata", "referral_id")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    REFERRAL_ID_FIELD_NUMBER: _ClassVar[int]
    metadata: _event_pb2.EventMetadata
    referral_id: str
    def __init__(self, metadata: _Optional[_Union[_event_pb2.EventMetadata, _Mapping]] = ..., referral_id: _Optional[str] = ...) -> None: ...

class ReferralUpdated(_message.Message):
    __slots__ = ("metadata", "referral_id", "state")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    REFERRAL_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    metadata: _event_pb2.EventMetadata
    referral_id: str
    state: Referral.State
    def __init__(self, metadata: _Optional[_Union[_event_pb2.EventMetadata, _Mapping]] = ..., referral_id: _Optional[str] = ..., state: _Optional[_Union[Referral.State, str]] = ...) -> None: ...
