import datetime

from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from paars.common.v1 import event_pb2 as _event_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PromptKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PROMPT_KIND_UNSPECIFIED: _ClassVar[PromptKind]
    PROMPT_KIND_GIVE_FEEDBACK: _ClassVar[PromptKind]
    PROMPT_KIND_ACKNOWLEDGE_FEEDBACK: _ClassVar[PromptKind]
    PROMPT_KIND_PLAN_ACTION: _ClassVar[PromptKind]
    PROMPT_KIND_CHECK_IN: _ClassVar[PromptKind]
    PROMPT_KIND_ANSWER_REQUEST: _ClassVar[PromptKind]
    PROMPT_KIND_PREPARE_DIALOGUE: _ClassVar[PromptKind]
    PROMPT_KIND_INSIGHT: _ClassVar[PromptKind]
    PROMPT_KIND_SEEK_FEEDBACK: _ClassVar[PromptKind]
    PROMPT_KIND_TEAM_STORY: _ClassVar[PromptKind]
    PROMPT_KIND_REFERRAL: _ClassVar[PromptKind]
    PROMPT_KIND_ONE_ON_ONE_AGENDA: _ClassVar[PromptKind]
    PROMPT_KIND_ONE_ON_ONE_AGREEMENTS: _ClassVar[PromptKind]
    PROMPT_KIND_ONE_ON_ONE_FEEDBACK: _ClassVar[PromptKind]
    PROMPT_KIND_COACHING_REQUEST: _ClassVar[PromptKind]
    PROMPT_KIND_COACHING_NEXT_STEP: _ClassVar[PromptKind]
    PROMPT_KIND_BOUNDARY_CONCERN: _ClassVar[PromptKind]
    PROMPT_KIND_CIRCLE_SESSION: _ClassVar[PromptKind]
    PROMPT_KIND_STORY_CHANGED: _ClassVar[PromptKind]

class Priority(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PRIORITY_UNSPECIFIED: _ClassVar[Priority]
    PRIORITY_LOW: _ClassVar[Priority]
    PRIORITY_NORMAL: _ClassVar[Priority]
    PRIORITY_HIGH: _ClassVar[Priority]

class Channel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CHANNEL_UNSPECIFIED: _ClassVar[Channel]
    CHANNEL_IN_APP: _ClassVar[Channel]
    CHANNEL_EMAIL: _ClassVar[Channel]
    CHANNEL_WEBHOOK: _ClassVar[Channel]
PROMPT_KIND_UNSPECIFIED: PromptKind
PROMPT_KIND_GIVE_FEEDBACK: PromptKind
PROMPT_KIND_ACKNOWLEDGE_FEEDBACK: PromptKind
PROMPT_KIND_PLAN_ACTION: PromptKind
PROMPT_KIND_CHECK_IN: PromptKind
PROMPT_KIND_ANSWER_REQUEST: PromptKind
PROMPT_KIND_PREPARE_DIALOGUE: PromptKind
PROMPT_KIND_INSIGHT: PromptKind
PROMPT_KIND_SEEK_FEEDBACK: PromptKind
PROMPT_KIND_TEAM_STORY: PromptKind
PROMPT_KIND_REFERRAL: PromptKind
PROMPT_KIND_ONE_ON_ONE_AGENDA: PromptKind
PROMPT_KIND_ONE_ON_ONE_AGREEMENTS: PromptKind
PROMPT_KIND_ONE_ON_ONE_FEEDBACK: PromptKind
PROMPT_KIND_COACHING_REQUEST: PromptKind
PROMPT_KIND_COACHING_NEXT_STEP: PromptKind
PROMPT_KIND_BOUNDARY_CONCERN: PromptKind
PROMPT_KIND_CIRCLE_SESSION: PromptKind
PROMPT_KIND_STORY_CHANGED: PromptKind
PRIORITY_UNSPECIFIED: Priority
PRIORITY_LOW: Priority
PRIORITY_NORMAL: Priority
PRIORITY_HIGH: Priority
CHANNEL_UNSPECIFIED: Channel
CHANNEL_IN_APP: Channel
CHANNEL_EMAIL: Channel
CHANNEL_WEBHOOK: Channel

class Prompt(_message.Message):
    __slots__ = ("id", "recipient_id", "kind", "priority", "title", "body", "about_id", "cause_event_id", "cause_type", "cause_occurred_at", "created_at", "cursor", "read", "digest", "acted", "ref_id", "insight_kind", "goal_id")
    ID_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    ABOUT_ID_FIELD_NUMBER: _ClassVar[int]
    CAUSE_EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    CAUSE_TYPE_FIELD_NUMBER: _ClassVar[int]
    CAUSE_OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    READ_FIELD_NUMBER: _ClassVar[int]
    DIGEST_FIELD_NUMBER: _ClassVar[int]
    ACTED_FIELD_NUMBER: _ClassVar[int]
    REF_ID_FIELD_NUMBER: _ClassVar[int]
    INSIGHT_KIND_FIELD_NUMBER: _ClassVar[int]
    GOAL_ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    recipient_id: str
    kind: PromptKind
    priority: Priority
    title: str
    body: str
    about_id: str
    cause_event_id: str
    cause_type: str
    cause_occurred_at: _timestamp_pb2.Timestamp
    created_at: _timestamp_pb2.Timestamp
    cursor: int
    read: bool
    digest: bool
    acted: bool
    ref_id: str
    insight_kind: int
    goal_id: str
    def __init__(self, id: _Optional[str] = ..., recipient_id: _Optional[str] = ..., kind: _Optional[_Union[PromptKind, str]] = ..., priority: _Optional[_Union[Priority, str]] = ..., title: _Optional[str] = ..., body: _Optional[str] = ..., about_id: _Optional[str] = ..., cause_event_id: _Optional[str] = ..., cause_type: _Optional[str] = ..., cause_occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., cursor: _Optional[int] = ..., read: _Optional[bool] = ..., digest: _Optional[bool] = ..., acted: _Optional[bool] = ..., ref_id: _Optional[str] = ..., insight_kind: _Optional[int] = ..., goal_id: _Optional[str] = ...) -> None: ...

class SubscribeRequest(_message.Message):
    __slots__ = ("after_cursor", "from_cursor")
    AFTER_CURSOR_FIELD_NUMBER: _ClassVar[int]
    FROM_CURSOR_FIELD_NUMBER: _ClassVar[int]
    after_cursor: int
    from_cursor: bool
    def __init__(self, after_cursor: _Optional[int] = ..., from_cursor: _Optional[bool] = ...) -> None: ...

class ListPromptsRequest(_message.Message):
    __slots__ = ("unread_only", "limit")
    UNREAD_ONLY_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    unread_only: bool
    limit: int
    def __init__(self, unread_only: _Optional[bool] = ..., limit: _Optional[int] = ...) -> None: ...

class ListPromptsResponse(_message.Message):
    __slots__ = ("prompts", "latest_cursor")
    PROMPTS_FIELD_NUMBER: _ClassVar[int]
    LATEST_CURSOR_FIELD_NUMBER: _ClassVar[int]
    prompts: _containers.RepeatedCompositeFieldContainer[Prompt]
    latest_cursor: int
    def __init__(self, prompts: _Optional[_Iterable[_Union[Prompt, _Mapping]]] = ..., latest_cursor: _Optional[int] = ...) -> None: ...

class MarkReadRequest(_message.Message):
    __slots__ = ("prompt_ids",)
    PROMPT_IDS_FIELD_NUMBER: _ClassVar[int]
    prompt_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, prompt_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class MarkReadResponse(_message.Message):
    __slots__ = ("updated",)
    UPDATED_FIELD_NUMBER: _ClassVar[int]
    updated: int
    def __init__(self, updated: _Optional[int] = ...) -> None: ...

class Preferences(_message.Message):
    __slots__ = ("employee_id", "channels", "quiet_start", "quiet_end", "time_zone", "daily_digest", "weekly_budget", "email", "language")
    EMPLOYEE_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    QUIET_START_FIELD_NUMBER: _ClassVar[int]
    QUIET_END_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    DAILY_DIGEST_FIELD_NUMBER: _ClassVar[int]
    WEEKLY_BUDGET_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    employee_id: str
    channels: _containers.RepeatedScalarFieldContainer[Channel]
    quiet_start: str
    quiet_end: str
    time_zone: str
    daily_digest: bool
    weekly_budget: int
    email: str
    language: str
    def __init__(self, employee_id: _Optional[str] = ..., channels: _Optional[_Iterable[_Union[Channel, str]]] = ..., quiet_start: _Optional[str] = ..., quiet_end: _Optional[str] = ..., time_zone: _Optional[str] = ..., daily_digest: _Optional[bool] = ..., weekly_budget: _Optional[int] = ..., email: _Optional[str] = ..., language: _Optional[str] = ...) -> None: ...

class GetPreferencesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SetPreferencesRequest(_message.Message):
    __slots__ = ("preferences", "update_mask")
    PREFERENCES_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    preferences: Preferences
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, preferences: _Optional[_Union[Preferences, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class WebhookSubscription(_message.Message):
    __slots__ = ("id", "url", "event_filter", "format", "secret", "active", "owner_id", "organisation_wide")
    class Format(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        FORMAT_UNSPECIFIED: _ClassVar[WebhookSubscription.Format]
        FORMAT_PAARS_JSON: _ClassVar[WebhookSubscription.Format]
        FORMAT_CHAT_INCOMING_WEBHOOK: _ClassVar[WebhookSubscription.Format]
    FORMAT_UNSPECIFIED: WebhookSubscription.Format
    FORMAT_PAARS_JSON: WebhookSubscription.Format
    FORMAT_CHAT_INCOMING_WEBHOOK: WebhookSubscription.Format
    ID_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    EVENT_FILTER_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    SECRET_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    ORGANISATION_WIDE_FIELD_NUMBER: _ClassVar[int]
    id: str
    url: str
    event_filter: _containers.RepeatedScalarFieldContainer[str]
    format: WebhookSubscription.Format
    secret: str
    active: bool
    owner_id: str
    organisation_wide: bool
    def __init__(self, id: _Optional[str] = ..., url: _Optional[str] = ..., event_filter: _Optional[_Iterable[str]] = ..., format: _Optional[_Union[WebhookSubscription.Format, str]] = ..., secret: _Optional[str] = ..., active: _Optional[bool] = ..., owner_id: _Optional[str] = ..., organisation_wide: _Optional[bool] = ...) -> None: ...

class CreateWebhookRequest(_message.Message):
    __slots__ = ("url", "event_filter", "format", "organisation_wide")
    URL_FIELD_NUMBER: _ClassVar[int]
    EVENT_FILTER_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    ORGANISATION_WIDE_FIELD_NUMBER: _ClassVar[int]
    url: str
    event_filter: _containers.RepeatedScalarFieldContainer[str]
    format: WebhookSubscription.Format
    organisation_wide: bool
    def __init__(self, url: _Optional[str] = ..., event_filter: _Optional[_Iterable[str]] = ..., format: _Optional[_Union[WebhookSubscription.Format, str]] = ..., organisation_wide: _Optional[bool] = ...) -> None: ...

class DeleteWebhookRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class DeadLetter(_message.Message):
    __slots__ = ("id", "channel", "target", "event_type", "attempts", "last_error", "failed_at", "subscription_id")
    ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_FIELD_NUMBER: _ClassVar[int]
    FAILED_AT_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    channel: Channel
    target: str
    event_type: str
    attempts: int
    last_error: str
    failed_at: _timestamp_pb2.Timestamp
    subscription_id: str
    def __init__(self, id: _Optional[str] = ..., channel: _Optional[_Union[Channel, str]] = ..., target: _Optional[str] = ..., event_type: _Optional[str] = ..., attempts: _Optional[int] = ..., last_error: _Optional[str] = ..., failed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., subscription_id: _Optional[str] = ...) -> None: ...

class ListDeadLettersRequest(_message.Message):
    __slots__ = ("limit",)
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    limit: int
    def __init__(self, limit: _Optional[int] = ...) -> None: ...

class ListDeadLettersResponse(_message.Message):
    __slots__ = ("dead_letters",)
    DEAD_LETTERS_FIELD_NUMBER: _ClassVar[int]
    dead_letters: _containers.RepeatedCompositeFieldContainer[DeadLetter]
    def __init__(self, dead_letters: _Optional[_Iterable[_Union[DeadLetter, _Mapping]]] = ...) -> None: ...

class RetryDeadLetterRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class ListWebhooksRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListWebhooksResponse(_message.Message):
    __slots__ = ("subscriptions",)
    SUBSCRIPTIONS_FIELD_NUMBER: _ClassVar[int]
    subscriptions: _containers.RepeatedCompositeFieldContainer[WebhookSubscription]
    def __init__(self, subscriptions: _Optional[_Iterable[_Union[WebhookSubscription, _Mapping]]] = ...) -> None: ...

class PromptSent(_message.Message):
    __slots__ = ("metadata", "prompt_id", "recipient_id", "kind", "cause_event_id", "about_id", "channels", "digest", "latency_seconds")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    PROMPT_ID_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CAUSE_EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    ABOUT_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    DIGEST_FIELD_NUMBER: _ClassVar[int]
    LATENCY_SECONDS_FIELD_NUMBER: _ClassVar[int]
    metadata: _event_pb2.EventMetadata
    prompt_id: str
    recipient_id: str
    kind: PromptKind
    cause_event_id: str
    about_id: str
    channels: _containers.RepeatedScalarFieldContainer[Channel]
    digest: bool
    latency_seconds: float
    def __init__(self, metadata: _Optional[_Union[_event_pb2.EventMetadata, _Mapping]] = ..., prompt_id: _Optional[str] = ..., recipient_id: _Optional[str] = ..., kind: _Optional[_Union[PromptKind, str]] = ..., cause_event_id: _Optional[str] = ..., about_id: _Optional[str] = ..., channels: _Optional[_Iterable[_Union[Channel, str]]] = ..., digest: _Optional[bool] = ..., latency_seconds: _Optional[float] = ...) -> None: ...

class PromptActed(_message.Message):
    __slots__ = ("metadata", "prompt_id", "recipient_id", "kind", "action_event_id", "seconds_to_act")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    PROMPT_ID_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    ACTION_EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    SECONDS_TO_ACT_FIELD_NUMBER: _ClassVar[int]
    metadata: _event_pb2.EventMetadata
    prompt_id: str
    recipient_id: str
    kind: PromptKind
    action_event_id: str
    seconds_to_act: float
    def __init__(self, metadata: _Optional[_Union[_event_pb2.EventMetadata, _Mapping]] = ..., prompt_id: _Optional[str] = ..., recipient_id: _Optional[str] = ..., kind: _Optional[_Union[PromptKind, str]] = ..., action_event_id: _Optional[str] = ..., seconds_to_act: _Optional[float] = ...) -> None: ...
