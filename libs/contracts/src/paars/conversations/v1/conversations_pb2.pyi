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

class PairKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PAIR_KIND_UNSPECIFIED: _ClassVar[PairKind]
    PAIR_KIND_MANAGER_REPORT: _ClassVar[PairKind]
    PAIR_KIND_MENTOR: _ClassVar[PairKind]
    PAIR_KIND_COACH: _ClassVar[PairKind]
    PAIR_KIND_PEER: _ClassVar[PairKind]

class MeetingState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MEETING_STATE_UNSPECIFIED: _ClassVar[MeetingState]
    MEETING_STATE_SCHEDULED: _ClassVar[MeetingState]
    MEETING_STATE_HELD: _ClassVar[MeetingState]
    MEETING_STATE_SKIPPED: _ClassVar[MeetingState]

class Hat(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    HAT_UNSPECIFIED: _ClassVar[Hat]
    HAT_LEADER: _ClassVar[Hat]
    HAT_MANAGER: _ClassVar[Hat]
    HAT_COACH: _ClassVar[Hat]

class LinkKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LINK_KIND_UNSPECIFIED: _ClassVar[LinkKind]
    LINK_KIND_GOAL: _ClassVar[LinkKind]
    LINK_KIND_FEEDBACK: _ClassVar[LinkKind]
    LINK_KIND_ACTION_ITEM: _ClassVar[LinkKind]
    LINK_KIND_INSIGHT: _ClassVar[LinkKind]

class CoachRelation(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    COACH_RELATION_UNSPECIFIED: _ClassVar[CoachRelation]
    COACH_RELATION_MANAGER: _ClassVar[CoachRelation]
    COACH_RELATION_INTERNAL_COACH: _ClassVar[CoachRelation]
    COACH_RELATION_PEER: _ClassVar[CoachRelation]

class CoachingState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    COACHING_STATE_UNSPECIFIED: _ClassVar[CoachingState]
    COACHING_STATE_REQUESTED: _ClassVar[CoachingState]
    COACHING_STATE_ACCEPTED: _ClassVar[CoachingState]
    COACHING_STATE_DECLINED: _ClassVar[CoachingState]

class ConcernKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONCERN_KIND_UNSPECIFIED: _ClassVar[ConcernKind]
    CONCERN_KIND_THERAPIST_ROLE: _ClassVar[ConcernKind]
    CONCERN_KIND_COACH_IS_EVALUATOR: _ClassVar[ConcernKind]
    CONCERN_KIND_CONTRADICTORY_EXPECTATIONS: _ClassVar[ConcernKind]
    CONCERN_KIND_OTHER: _ClassVar[ConcernKind]

class ConcernState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONCERN_STATE_UNSPECIFIED: _ClassVar[ConcernState]
    CONCERN_STATE_RAISED: _ClassVar[ConcernState]
    CONCERN_STATE_ACKNOWLEDGED: _ClassVar[ConcernState]
    CONCERN_STATE_RESOLVED: _ClassVar[ConcernState]

class ProfessionalServiceKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PROFESSIONAL_SERVICE_KIND_UNSPECIFIED: _ClassVar[ProfessionalServiceKind]
    PROFESSIONAL_SERVICE_KIND_EMPLOYEE_ASSISTANCE: _ClassVar[ProfessionalServiceKind]
    PROFESSIONAL_SERVICE_KIND_OCCUPATIONAL_PHYSICIAN: _ClassVar[ProfessionalServiceKind]
    PROFESSIONAL_SERVICE_KIND_CONFIDENTIAL_COUNSELLOR: _ClassVar[ProfessionalServiceKind]
    PROFESSIONAL_SERVICE_KIND_EXTERNAL_COACH: _ClassVar[ProfessionalServiceKind]
    PROFESSIONAL_SERVICE_KIND_OTHER: _ClassVar[ProfessionalServiceKind]
PAIR_KIND_UNSPECIFIED: PairKind
PAIR_KIND_MANAGER_REPORT: PairKind
PAIR_KIND_MENTOR: PairKind
PAIR_KIND_COACH: PairKind
PAIR_KIND_PEER: PairKind
MEETING_STATE_UNSPECIFIED: MeetingState
MEETING_STATE_SCHEDULED: MeetingState
MEETING_STATE_HELD: MeetingState
MEETING_STATE_SKIPPED: MeetingState
HAT_UNSPECIFIED: Hat
HAT_LEADER: Hat
HAT_MANAGER: Hat
HAT_COACH: Hat
LINK_KIND_UNSPECIFIED: LinkKind
LINK_KIND_GOAL: LinkKind
LINK_KIND_FEEDBACK: LinkKind
LINK_KIND_ACTION_ITEM: LinkKind
LINK_KIND_INSIGHT: LinkKind
COACH_RELATION_UNSPECIFIED: CoachRelation
COACH_RELATION_MANAGER: CoachRelation
COACH_RELATION_INTERNAL_COACH: CoachRelation
COACH_RELATION_PEER: CoachRelation
COACHING_STATE_UNSPECIFIED: CoachingState
COACHING_STATE_REQUESTED: CoachingState
COACHING_STATE_ACCEPTED: CoachingState
COACHING_STATE_DECLINED: CoachingState
CONCERN_KIND_UNSPECIFIED: ConcernKind
CONCERN_KIND_THERAPIST_ROLE: ConcernKind
CONCERN_KIND_COACH_IS_EVALUATOR: ConcernKind
CONCERN_KIND_CONTRADICTORY_EXPECTATIONS: ConcernKind
CONCERN_KIND_OTHER: ConcernKind
CONCERN_STATE_UNSPECIFIED: ConcernState
CONCERN_STATE_RAISED: ConcernState
CONCERN_STATE_ACKNOWLEDGED: ConcernState
CONCERN_STATE_RESOLVED: ConcernState
PROFESSIONAL_SERVICE_KIND_UNSPECIFIED: ProfessionalServiceKind
PROFESSIONAL_SERVICE_KIND_EMPLOYEE_ASSISTANCE: ProfessionalServiceKind
PROFESSIONAL_SERVICE_KIND_OCCUPATIONAL_PHYSICIAN: ProfessionalServiceKind
PROFESSIONAL_SERVICE_KIND_CONFIDENTIAL_COUNSELLOR: ProfessionalServiceKind
PROFESSIONAL_SERVICE_KIND_EXTERNAL_COACH: ProfessionalServiceKind
PROFESSIONAL_SERVICE_KIND_OTHER: ProfessionalServiceKind

class Pair(_message.Message):
    __slots__ = ("pair_id", "lead_id", "other_id", "kind", "cadence_days", "next_meeting_id", "next_on", "consecutive_skips", "created_at")
    PAIR_ID_FIELD_NUMBER: _ClassVar[int]
    LEAD_ID_FIELD_NUMBER: _ClassVar[int]
    OTHER_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CADENCE_DAYS_FIELD_NUMBER: _ClassVar[int]
    NEXT_MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    NEXT_ON_FIELD_NUMBER: _ClassVar[int]
    CONSECUTIVE_SKIPS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    pair_id: str
    lead_id: str
    other_id: str
    kind: PairKind
    cadence_days: int
    next_meeting_id: str
    next_on: str
    consecutive_skips: int
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, pair_id: _Optional[str] = ..., lead_id: _Optional[str] = ..., other_id: _Optional[str] = ..., kind: _Optional[_Union[PairKind, str]] = ..., cadence_days: _Optional[int] = ..., next_meeting_id: _Optional[str] = ..., next_on: _Optional[str] = ..., consecutive_skips: _Optional[int] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class AgendaTopic(_message.Message):
    __slots__ = ("topic_id", "author_id", "text", "link_kind", "link_id", "added_at")
    TOPIC_ID_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    LINK_KIND_FIELD_NUMBER: _ClassVar[int]
    LINK_ID_FIELD_NUMBER: _ClassVar[int]
    ADDED_AT_FIELD_NUMBER: _ClassVar[int]
    topic_id: str
    author_id: str
    text: str
    link_kind: LinkKind
    link_id: str
    added_at: _timestamp_pb2.Timestamp
    def __init__(self, topic_id: _Optional[str] = ..., author_id: _Optional[str] = ..., text: _Optional[str] = ..., link_kind: _Optional[_Union[LinkKind, str]] = ..., link_id: _Optional[str] = ..., added_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Note(_message.Message):
    __slots__ = ("note_id", "author_id", "text", "private", "written_at")
    NOTE_ID_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    PRIVATE_FIELD_NUMBER: _ClassVar[int]
    WRITTEN_AT_FIELD_NUMBER: _ClassVar[int]
    note_id: str
    author_id: str
    text: str
    private: bool
    written_at: _timestamp_pb2.Timestamp
    def __init__(self, note_id: _Optional[str] = ..., author_id: _Optional[str] = ..., text: _Optional[str] = ..., private: _Optional[bool] = ..., written_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Agreement(_message.Message):
    __slots__ = ("agreement_id", "text", "owner_id", "due_date", "proposed_by", "confirmed_by", "confirmed")
    AGREEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    PROPOSED_BY_FIELD_NUMBER: _ClassVar[int]
    CONFIRMED_BY_FIELD_NUMBER: _ClassVar[int]
    CONFIRMED_FIELD_NUMBER: _ClassVar[int]
    agreement_id: str
    text: str
    owner_id: str
    due_date: str
    proposed_by: str
    confirmed_by: _containers.RepeatedScalarFieldContainer[str]
    confirmed: bool
    def __init__(self, agreement_id: _Optional[str] = ..., text: _Optional[str] = ..., owner_id: _Optional[str] = ..., due_date: _Optional[str] = ..., proposed_by: _Optional[str] = ..., confirmed_by: _Optional[_Iterable[str]] = ..., confirmed: _Optional[bool] = ...) -> None: ...

class Meeting(_message.Message):
    __slots__ = ("meeting_id", "pair_id", "lead_id", "other_id", "kind", "scheduled_on", "state", "agenda", "notes", "agreements", "hat", "held_at")
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    PAIR_ID_FIELD_NUMBER: _ClassVar[int]
    LEAD_ID_FIELD_NUMBER: _ClassVar[int]
    OTHER_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SCHEDULED_ON_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    AGENDA_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    AGREEMENTS_FIELD_NUMBER: _ClassVar[int]
    HAT_FIELD_NUMBER: _ClassVar[int]
    HELD_AT_FIELD_NUMBER: _ClassVar[int]
    meeting_id: str
    pair_id: str
    lead_id: str
    other_id: str
    kind: PairKind
    scheduled_on: str
    state: MeetingState
    agenda: _containers.RepeatedCompositeFieldContainer[AgendaTopic]
    notes: _containers.RepeatedCompositeFieldContainer[Note]
    agreements: _containers.RepeatedCompositeFieldContainer[Agreement]
    hat: Hat
    held_at: _timestamp_pb2.Timestamp
    def __init__(self, meeting_id: _Optional[str] = ..., pair_id: _Optional[str] = ..., lead_id: _Optional[str] = ..., other_id: _Optional[str] = ..., kind: _Optional[_Union[PairKind, str]] = ..., scheduled_on: _Optional[str] = ..., state: _Optional[_Union[MeetingState, str]] = ..., agenda: _Optional[_Iterable[_Union[AgendaTopic, _Mapping]]] = ..., notes: _Optional[_Iterable[_Union[Note, _Mapping]]] = ..., agreements: _Optional[_Iterable[_Union[Agreement, _Mapping]]] = ..., hat: _Optional[_Union[Hat, str]] = ..., held_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SchedulePairRequest(_message.Message):
    __slots__ = ("other_id", "kind", "cadence_days", "first_on", "idempotency_key")
    OTHER_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CADENCE_DAYS_FIELD_NUMBER: _ClassVar[int]
    FIRST_ON_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    other_id: str
    kind: PairKind
    cadence_days: int
    first_on: str
    idempotency_key: str
    def __init__(self, other_id: _Optional[str] = ..., kind: _Optional[_Union[PairKind, str]] = ..., cadence_days: _Optional[int] = ..., first_on: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class ListPairsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListPairsResponse(_message.Message):
    __slots__ = ("pairs",)
    PAIRS_FIELD_NUMBER: _ClassVar[int]
    pairs: _containers.RepeatedCompositeFieldContainer[Pair]
    def __init__(self, pairs: _Optional[_Iterable[_Union[Pair, _Mapping]]] = ...) -> None: ...

class GetMeetingRequest(_message.Message):
    __slots__ = ("meeting_id",)
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    meeting_id: str
    def __init__(self, meeting_id: _Optional[str] = ...) -> None: ...

class ListMeetingsRequest(_message.Message):
    __slots__ = ("pair_id",)
    PAIR_ID_FIELD_NUMBER: _ClassVar[int]
    pair_id: str
    def __init__(self, pair_id: _Optional[str] = ...) -> None: ...

class ListMeetingsResponse(_message.Message):
    __slots__ = ("meetings",)
    MEETINGS_FIELD_NUMBER: _ClassVar[int]
    meetings: _containers.RepeatedCompositeFieldContainer[Meeting]
    def __init__(self, meetings: _Optional[_Iterable[_Union[Meeting, _Mapping]]] = ...) -> None: ...

class AddAgendaTopicRequest(_message.Message):
    __slots__ = ("meeting_id", "text", "link_kind", "link_id", "idempotency_key")
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    LINK_KIND_FIELD_NUMBER: _ClassVar[int]
    LINK_ID_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    meeting_id: str
    text: str
    link_kind: LinkKind
    link_id: str
    idempotency_key: str
    def __init__(self, meeting_id: _Optional[str] = ..., text: _Optional[str] = ..., link_kind: _Optional[_Union[LinkKind, str]] = ..., link_id: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class AddNoteRequest(_message.Message):
    __slots__ = ("meeting_id", "text", "private", "idempotency_key")
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    PRIVATE_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    meeting_id: str
    text: str
    private: bool
    idempotency_key: str
    def __init__(self, meeting_id: _Optional[str] = ..., text: _Optional[str] = ..., private: _Optional[bool] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class ProposeAgreementRequest(_message.Message):
    __slots__ = ("meeting_id", "text", "owner_id", "due_date", "idempotency_key")
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    meeting_id: str
    text: str
    owner_id: str
    due_date: str
    idempotency_key: str
    def __init__(self, meeting_id: _Optional[str] = ..., text: _Optional[str] = ..., owner_id: _Optional[str] = ..., due_date: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class ConfirmAgreementRequest(_message.Message):
    __slots__ = ("meeting_id", "agreement_id", "idempotency_key")
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    AGREEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    meeting_id: str
    agreement_id: str
    idempotency_key: str
    def __init__(self, meeting_id: _Optional[str] = ..., agreement_id: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class CompleteMeetingRequest(_message.Message):
    __slots__ = ("meeting_id", "held", "idempotency_key")
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    HELD_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    meeting_id: str
    held: bool
    idempotency_key: str
    def __init__(self, meeting_id: _Optional[str] = ..., held: _Optional[bool] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class MarkHatRequest(_message.Message):
    __slots__ = ("meeting_id", "hat", "idempotency_key")
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    HAT_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    meeting_id: str
    hat: Hat
    idempotency_key: str
    def __init__(self, meeting_id: _Optional[str] = ..., hat: _Optional[_Union[Hat, str]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class GetHatMixRequest(_message.Message):
    __slots__ = ("days",)
    DAYS_FIELD_NUMBER: _ClassVar[int]
    days: int
    def __init__(self, days: _Optional[int] = ...) -> None: ...

class HatMix(_message.Message):
    __slots__ = ("days", "leader", "manager", "coach", "unmarked")
    DAYS_FIELD_NUMBER: _ClassVar[int]
    LEADER_FIELD_NUMBER: _ClassVar[int]
    MANAGER_FIELD_NUMBER: _ClassVar[int]
    COACH_FIELD_NUMBER: _ClassVar[int]
    UNMARKED_FIELD_NUMBER: _ClassVar[int]
    days: int
    leader: int
    manager: int
    coach: int
    unmarked: int
    def __init__(self, days: _Optional[int] = ..., leader: _Optional[int] = ..., manager: _Optional[int] = ..., coach: _Optional[int] = ..., unmarked: _Optional[int] = ...) -> None: ...

class MeetingRead(_message.Message):
    __slots__ = ("reader_id", "read_at")
    READER_ID_FIELD_NUMBER: _ClassVar[int]
    READ_AT_FIELD_NUMBER: _ClassVar[int]
    reader_id: str
    read_at: _timestamp_pb2.Timestamp
    def __init__(self, reader_id: _Optional[str] = ..., read_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListMeetingReadsRequest(_message.Message):
    __slots__ = ("meeting_id",)
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    meeting_id: str
    def __init__(self, meeting_id: _Optional[str] = ...) -> None: ...

class ListMeetingReadsResponse(_message.Message):
    __slots__ = ("reads",)
    READS_FIELD_NUMBER: _ClassVar[int]
    reads: _containers.RepeatedCompositeFieldContainer[MeetingRead]
    def __init__(self, reads: _Optional[_Iterable[_Union[MeetingRead, _Mapping]]] = ...) -> None: ...

class CoachProfile(_message.Message):
    __slots__ = ("coach_id", "bio", "capacity", "active_coachees", "available")
    COACH_ID_FIELD_NUMBER: _ClassVar[int]
    BIO_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_COACHEES_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    coach_id: str
    bio: str
    capacity: int
    active_coachees: int
    available: bool
    def __init__(self, coach_id: _Optional[str] = ..., bio: _Optional[str] = ..., capacity: _Optional[int] = ..., active_coachees: _Optional[int] = ..., available: _Optional[bool] = ...) -> None: ...

class CoachingGoal(_message.Message):
    __slots__ = ("goal_id", "text", "development_goal_id")
    GOAL_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    DEVELOPMENT_GOAL_ID_FIELD_NUMBER: _ClassVar[int]
    goal_id: str
    text: str
    development_goal_id: str
    def __init__(self, goal_id: _Optional[str] = ..., text: _Optional[str] = ..., development_goal_id: _Optional[str] = ...) -> None: ...

class CoachingRequest(_message.Message):
    __slots__ = ("request_id", "coachee_id", "coach_id", "relation", "topic", "state", "goals", "requested_at")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    COACHEE_ID_FIELD_NUMBER: _ClassVar[int]
    COACH_ID_FIELD_NUMBER: _ClassVar[int]
    RELATION_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    GOALS_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_AT_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    coachee_id: str
    coach_id: str
    relation: CoachRelation
    topic: str
    state: CoachingState
    goals: _containers.RepeatedCompositeFieldContainer[CoachingGoal]
    requested_at: _timestamp_pb2.Timestamp
    def __init__(self, request_id: _Optional[str] = ..., coachee_id: _Optional[str] = ..., coach_id: _Optional[str] = ..., relation: _Optional[_Union[CoachRelation, str]] = ..., topic: _Optional[str] = ..., state: _Optional[_Union[CoachingState, str]] = ..., goals: _Optional[_Iterable[_Union[CoachingGoal, _Mapping]]] = ..., requested_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CoachingSession(_message.Message):
    __slots__ = ("session_id", "request_id", "held_on", "notes", "recorded_by")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    HELD_ON_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    RECORDED_BY_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    request_id: str
    held_on: str
    notes: str
    recorded_by: str
    def __init__(self, session_id: _Optional[str] = ..., request_id: _Optional[str] = ..., held_on: _Optional[str] = ..., notes: _Optional[str] = ..., recorded_by: _Optional[str] = ...) -> None: ...

class SetCoachProfileRequest(_message.Message):
    __slots__ = ("bio", "capacity", "idempotency_key")
    BIO_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    bio: str
    capacity: int
    idempotency_key: str
    def __init__(self, bio: _Optional[str] = ..., capacity: _Optional[int] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class ListCoachesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListCoachesResponse(_message.Message):
    __slots__ = ("coaches",)
    COACHES_FIELD_NUMBER: _ClassVar[int]
    coaches: _containers.RepeatedCompositeFieldContainer[CoachProfile]
    def __init__(self, coaches: _Optional[_Iterable[_Union[CoachProfile, _Mapping]]] = ...) -> None: ...

class RequestCoachingRequest(_message.Message):
    __slots__ = ("coach_id", "relation", "topic", "idempotency_key")
    COACH_ID_FIELD_NUMBER: _ClassVar[int]
    RELATION_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    coach_id: str
    relation: CoachRelation
    topic: str
    idempotency_key: str
    def __init__(self, coach_id: _Optional[str] = ..., relation: _Optional[_Union[CoachRelation, str]] = ..., topic: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class AnswerCoachingRequestRequest(_message.Message):
    __slots__ = ("request_id", "accept", "idempotency_key")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ACCEPT_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    accept: bool
    idempotency_key: str
    def __init__(self, request_id: _Optional[str] = ..., accept: _Optional[bool] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class ListCoachingRequestsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListCoachingRequestsResponse(_message.Message):
    __slots__ = ("requests",)
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    requests: _containers.RepeatedCompositeFieldContainer[CoachingRequest]
    def __init__(self, requests: _Optional[_Iterable[_Union[CoachingRequest, _Mapping]]] = ...) -> None: ...

class AddCoachingGoalRequest(_message.Message):
    __slots__ = ("request_id", "text", "development_goal_id", "idempotency_key")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    DEVELOPMENT_GOAL_ID_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    text: str
    development_goal_id: str
    idempotency_key: str
    def __init__(self, request_id: _Optional[str] = ..., text: _Optional[str] = ..., development_goal_id: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class RecordCoachingSessionRequest(_message.Message):
    __slots__ = ("request_id", "held_on", "notes", "idempotency_key")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    HELD_ON_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    held_on: str
    notes: str
    idempotency_key: str
    def __init__(self, request_id: _Optional[str] = ..., held_on: _Optional[str] = ..., notes: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class ListCoachingSessionsRequest(_message.Message):
    __slots__ = ("request_id",)
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    def __init__(self, request_id: _Optional[str] = ...) -> None: ...

class ListCoachingSessionsResponse(_message.Message):
    __slots__ = ("sessions",)
    SESSIONS_FIELD_NUMBER: _ClassVar[int]
    sessions: _containers.RepeatedCompositeFieldContainer[CoachingSession]
    def __init__(self, sessions: _Optional[_Iterable[_Union[CoachingSession, _Mapping]]] = ...) -> None: ...

class Concern(_message.Message):
    __slots__ = ("concern_id", "raised_by", "kind", "text", "state", "resolution", "raised_at", "updated_at")
    CONCERN_ID_FIELD_NUMBER: _ClassVar[int]
    RAISED_BY_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    RAISED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    concern_id: str
    raised_by: str
    kind: ConcernKind
    text: str
    state: ConcernState
    resolution: str
    raised_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, concern_id: _Optional[str] = ..., raised_by: _Optional[str] = ..., kind: _Optional[_Union[ConcernKind, str]] = ..., text: _Optional[str] = ..., state: _Optional[_Union[ConcernState, str]] = ..., resolution: _Optional[str] = ..., raised_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RaiseConcernRequest(_message.Message):
    __slots__ = ("kind", "text", "idempotency_key")
    KIND_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    kind: ConcernKind
    text: str
    idempotency_key: str
    def __init__(self, kind: _Optional[_Union[ConcernKind, str]] = ..., text: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class ListConcernsRequest(_message.Message):
    __slots__ = ("all",)
    ALL_FIELD_NUMBER: _ClassVar[int]
    all: bool
    def __init__(self, all: _Optional[bool] = ...) -> None: ...

class ListConcernsResponse(_message.Message):
    __slots__ = ("concerns",)
    CONCERNS_FIELD_NUMBER: _ClassVar[int]
    concerns: _containers.RepeatedCompositeFieldContainer[Concern]
    def __init__(self, concerns: _Optional[_Iterable[_Union[Concern, _Mapping]]] = ...) -> None: ...

class AcknowledgeConcernRequest(_message.Message):
    __slots__ = ("concern_id", "idempotency_key")
    CONCERN_ID_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    concern_id: str
    idempotency_key: str
    def __init__(self, concern_id: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class ResolveConcernRequest(_message.Message):
    __slots__ = ("concern_id", "resolution", "idempotency_key")
    CONCERN_ID_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    concern_id: str
    resolution: str
    idempotency_key: str
    def __init__(self, concern_id: _Optional[str] = ..., resolution: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class Circle(_message.Message):
    __slots__ = ("circle_id", "name", "member_ids", "formed_by", "next_case_owner_id", "formed_at", "next_session_on")
    CIRCLE_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    MEMBER_IDS_FIELD_NUMBER: _ClassVar[int]
    FORMED_BY_FIELD_NUMBER: _ClassVar[int]
    NEXT_CASE_OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    FORMED_AT_FIELD_NUMBER: _ClassVar[int]
    NEXT_SESSION_ON_FIELD_NUMBER: _ClassVar[int]
    circle_id: str
    name: str
    member_ids: _containers.RepeatedScalarFieldContainer[str]
    formed_by: str
    next_case_owner_id: str
    formed_at: _timestamp_pb2.Timestamp
    next_session_on: str
    def __init__(self, circle_id: _Optional[str] = ..., name: _Optional[str] = ..., member_ids: _Optional[_Iterable[str]] = ..., formed_by: _Optional[str] = ..., next_case_owner_id: _Optional[str] = ..., formed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., next_session_on: _Optional[str] = ...) -> None: ...

class CircleSession(_message.Message):
    __slots__ = ("session_id", "circle_id", "held_on", "case_owner_id", "case_text", "notes")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    CIRCLE_ID_FIELD_NUMBER: _ClassVar[int]
    HELD_ON_FIELD_NUMBER: _ClassVar[int]
    CASE_OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    CASE_TEXT_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    circle_id: str
    held_on: str
    case_owner_id: str
    case_text: str
    notes: str
    def __init__(self, session_id: _Optional[str] = ..., circle_id: _Optional[str] = ..., held_on: _Optional[str] = ..., case_owner_id: _Optional[str] = ..., case_text: _Optional[str] = ..., notes: _Optional[str] = ...) -> None: ...

class SuggestCircleRequest(_message.Message):
    __slots__ = ("size", "exclude_ids")
    SIZE_FIELD_NUMBER: _ClassVar[int]
    EXCLUDE_IDS_FIELD_NUMBER: _ClassVar[int]
    size: int
    exclude_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, size: _Optional[int] = ..., exclude_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class SuggestCircleResponse(_message.Message):
    __slots__ = ("member_ids",)
    MEMBER_IDS_FIELD_NUMBER: _ClassVar[int]
    member_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, member_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class FormCircleRequest(_message.Message):
    __slots__ = ("name", "member_ids", "idempotency_key", "first_session_on")
    NAME_FIELD_NUMBER: _ClassVar[int]
    MEMBER_IDS_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    FIRST_SESSION_ON_FIELD_NUMBER: _ClassVar[int]
    name: str
    member_ids: _containers.RepeatedScalarFieldContainer[str]
    idempotency_key: str
    first_session_on: str
    def __init__(self, name: _Optional[str] = ..., member_ids: _Optional[_Iterable[str]] = ..., idempotency_key: _Optional[str] = ..., first_session_on: _Optional[str] = ...) -> None: ...

class ListCirclesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListCirclesResponse(_message.Message):
    __slots__ = ("circles",)
    CIRCLES_FIELD_NUMBER: _ClassVar[int]
    circles: _containers.RepeatedCompositeFieldContainer[Circle]
    def __init__(self, circles: _Optional[_Iterable[_Union[Circle, _Mapping]]] = ...) -> None: ...

class HoldCircleSessionRequest(_message.Message):
    __slots__ = ("circle_id", "held_on", "case_text", "notes", "idempotency_key", "next_session_on")
    CIRCLE_ID_FIELD_NUMBER: _ClassVar[int]
    HELD_ON_FIELD_NUMBER: _ClassVar[int]
    CASE_TEXT_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    NEXT_SESSION_ON_FIELD_NUMBER: _ClassVar[int]
    circle_id: str
    held_on: str
    case_text: str
    notes: str
    idempotency_key: str
    next_session_on: str
    def __init__(self, circle_id: _Optional[str] = ..., held_on: _Optional[str] = ..., case_text: _Optional[str] = ..., notes: _Optional[str] = ..., idempotency_key: _Optional[str] = ..., next_session_on: _Optional[str] = ...) -> None: ...

class ListCircleSessionsRequest(_message.Message):
    __slots__ = ("circle_id",)
    CIRCLE_ID_FIELD_NUMBER: _ClassVar[int]
    circle_id: str
    def __init__(self, circle_id: _Optional[str] = ...) -> None: ...

class ListCircleSessionsResponse(_message.Message):
    __slots__ = ("sessions",)
    SESSIONS_FIELD_NUMBER: _ClassVar[int]
    sessions: _containers.RepeatedCompositeFieldContainer[CircleSession]
    def __init__(self, sessions: _Optional[_Iterable[_Union[CircleSession, _Mapping]]] = ...) -> None: ...

class ProfessionalService(_message.Message):
    __slots__ = ("service_id", "kind", "name", "description", "contact", "active", "updated_at")
    SERVICE_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CONTACT_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    service_id: str
    kind: ProfessionalServiceKind
    name: str
    description: str
    contact: str
    active: bool
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, service_id: _Optional[str] = ..., kind: _Optional[_Union[ProfessionalServiceKind, str]] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., contact: _Optional[str] = ..., active: _Optional[bool] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SetProfessionalServiceRequest(_message.Message):
    __slots__ = ("service_id", "kind", "name", "description", "contact", "active", "idempotency_key")
    SERVICE_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CONTACT_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    service_id: str
    kind: ProfessionalServiceKind
    name: str
    description: str
    contact: str
    active: bool
    idempotency_key: str
    def __init__(self, service_id: _Optional[str] = ..., kind: _Optional[_Union[ProfessionalServiceKind, str]] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., contact: _Optional[str] = ..., active: _Optional[bool] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class ListProfessionalServicesRequest(_message.Message):
    __slots__ = ("include_retired",)
    INCLUDE_RETIRED_FIELD_NUMBER: _ClassVar[int]
    include_retired: bool
    def __init__(self, include_retired: _Optional[bool] = ...) -> None: ...

class ListProfessionalServicesResponse(_message.Message):
    __slots__ = ("services",)
    SERVICES_FIELD_NUMBER: _ClassVar[int]
    services: _containers.RepeatedCompositeFieldContainer[ProfessionalService]
    def __init__(self, services: _Optional[_Iterable[_Union[ProfessionalService, _Mapping]]] = ...) -> None: ...

class OneOnOneScheduled(_message.Message):
    __slots__ = ("metadata", "pair_id", "meeting_id", "kind", "lead_id", "other_id", "scheduled_on")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    PAIR_ID_FIELD_NUMBER: _ClassVar[int]
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    LEAD_ID_FIELD_NUMBER: _ClassVar[int]
    OTHER_ID_FIELD_NUMBER: _ClassVar[int]
    SCHEDULED_ON_FIELD_NUMBER: _ClassVar[int]
    metadata: _event_pb2.EventMetadata
    pair_id: str
    meeting_id: str
    kind: PairKind
    lead_id: str
    other_id: str
    scheduled_on: str
    def __init__(self, metadata: _Optional[_Union[_event_pb2.EventMetadata, _Mapping]] = ..., pair_id: _Optional[str] = ..., meeting_id: _Optional[str] = ..., kind: _Optional[_Union[PairKind, str]] = ..., lead_id: _Optional[str] = ..., other_id: _Optional[str] = ..., scheduled_on: _Optional[str] = ...) -> None: ...

class OneOnOneHeld(_message.Message):
    __slots__ = ("metadata", "pair_id", "meeting_id", "kind", "lead_id", "other_id", "held_on", "agenda_topics")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    PAIR_ID_FIELD_NUMBER: _ClassVar[int]
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    LEAD_ID_FIELD_NUMBER: _ClassVar[int]
    OTHER_ID_FIELD_NUMBER: _ClassVar[int]
    HELD_ON_FIELD_NUMBER: _ClassVar[int]
    AGENDA_TOPICS_FIELD_NUMBER: _ClassVar[int]
    metadata: _event_pb2.EventMetadata
    pair_id: str
    meeting_id: str
    kind: PairKind
    lead_id: str
    other_id: str
    held_on: str
    agenda_topics: int
    def __init__(self, metadata: _Optional[_Union[_event_pb2.EventMetadata, _Mapping]] = ..., pair_id: _Optional[str] = ..., meeting_id: _Optional[str] = ..., kind: _Optional[_Union[PairKind, str]] = ..., lead_id: _Optional[str] = ..., other_id: _Optional[str] = ..., held_on: _Optional[str] = ..., agenda_topics: _Optional[int] = ...) -> None: ...

class OneOnOneSkipped(_message.Message):
    __slots__ = ("metadata", "pair_id", "meeting_id", "kind", "lead_id", "other_id", "scheduled_on", "consecutive_skips")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    PAIR_ID_FIELD_NUMBER: _ClassVar[int]
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    LEAD_ID_FIELD_NUMBER: _ClassVar[int]
    OTHER_ID_FIELD_NUMBER: _ClassVar[int]
    SCHEDULED_ON_FIELD_NUMBER: _ClassVar[int]
    CONSECUTIVE_SKIPS_FIELD_NUMBER: _ClassVar[int]
    metadata: _event_pb2.EventMetadata
    pair_id: str
    meeting_id: str
    kind: PairKind
    lead_id: str
    other_id: str
    scheduled_on: str
    consecutive_skips: int
    def __init__(self, metadata: _Optional[_Union[_event_pb2.EventMetadata, _Mapping]] = ..., pair_id: _Optional[str] = ..., meeting_id: _Optional[str] = ..., kind: _Optional[_Union[PairKind, str]] = ..., lead_id: _Optional[str] = ..., other_id: _Optional[str] = ..., scheduled_on: _Optional[str] = ..., consecutive_skips: _Optional[int] = ...) -> None: ...

class AgreementConfirmed(_message.Message):
    __slots__ = ("metadata", "agreement_id", "meeting_id", "owner_id", "due_date")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    AGREEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    MEETING_ID_FIELD_NUMBER: _ClassVar[int]
    OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    metadata: _event_pb2.EventMetadata
    agreement_id: str
    meeting_id: str
    owner_id: str
    due_date: str
    def __init__(self, metadata: _Optional[_Union[_event_pb2.EventMetadata, _Mapping]] = ..., agreement_id: _Optional[str] = ..., meeting_id: _Optional[str] = ..., owner_id: _Optional[str] = ..., due_date: _Optional[str] = ...) -> None: ...

class CoachingRequestUpdated(_message.Message):
    __slots__ = ("metadata", "request_id", "coachee_id", "coach_id", "relation", "state")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    COACHEE_ID_FIELD_NUMBER: _ClassVar[int]
    COACH_ID_FIELD_NUMBER: _ClassVar[int]
    RELATION_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    metadata: _event_pb2.EventMetadata
    request_id: str
    coachee_id: str
    coach_id: str
    relation: CoachRelation
    state: CoachingState
    def __init__(self, metadata: _Optional[_Union[_event_pb2.EventMetadata, _Mapping]] = ..., request_id: _Optional[str] = ..., coachee_id: _Optional[str] = ..., coach_id: _Optional[str] = ..., relation: _Optional[_Union[CoachRelation, str]] = ..., state: _Optional[_Union[CoachingState, str]] = ...) -> None: ...

class CoachingSessionCompleted(_message.Message):
    __slots__ = ("metadata", "session_id", "request_id", "coachee_id", "coach_id", "held_on", "development_goal_ids")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    COACHEE_ID_FIELD_NUMBER: _ClassVar[int]
    COACH_ID_FIELD_NUMBER: _ClassVar[int]
    HELD_ON_FIELD_NUMBER: _ClassVar[int]
    DEVELOPMENT_GOAL_IDS_FIELD_NUMBER: _ClassVar[int]
    metadata: _event_pb2.EventMetadata
    session_id: str
    request_id: str
    coachee_id: str
    coach_id: str
    held_on: str
    development_goal_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, metadata: _Optional[_Union[_event_pb2.EventMetadata, _Mapping]] = ..., session_id: _Optional[str] = ..., request_id: _Optional[str] = ..., coachee_id: _Optional[str] = ..., coach_id: _Optional[str] = ..., held_on: _Optional[str] = ..., development_goal_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class ConcernUpdated(_message.Message):
    __slots__ = ("metadata", "concern_id", "state")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    CONCERN_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    metadata: _event_pb2.EventMetadata
    concern_id: str
    state: ConcernState
    def __init__(self, metadata: _Optional[_Union[_event_pb2.EventMetadata, _Mapping]] = ..., concern_id: _Optional[str] = ..., state: _Optional[_Union[ConcernState, str]] = ...) -> None: ...

class CircleSessionHeld(_message.Message):
    __slots__ = ("metadata", "circle_id", "session_id", "held_on")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    CIRCLE_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    HELD_ON_FIELD_NUMBER: _ClassVar[int]
    metadata: _event_pb2.EventMetadata
    circle_id: str
    session_id: str
    held_on: str
    def __init__(self, metadata: _Optional[_Union[_event_pb2.EventMetadata, _Mapping]] = ..., circle_id: _Optional[str] = ..., session_id: _Optional[str] = ..., held_on: _Optional[str] = ...) -> None: ...

class CircleSessionPlanned(_message.Message):
    __slots__ = ("metadata", "circle_id", "planned_on", "member_ids")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    CIRCLE_ID_FIELD_NUMBER: _ClassVar[int]
    PLANNED_ON_FIELD_NUMBER: _ClassVar[int]
    MEMBER_IDS_FIELD_NUMBER: _ClassVar[int]
    metadata: _event_pb2.EventMetadata
    circle_id: str
    planned_on: str
    member_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, metadata: _Optional[_Union[_event_pb2.EventMetadata, _Mapping]] = ..., circle_id: _Optional[str] = ..., planned_on: _Optional[str] = ..., member_ids: _Optional[_Iterable[str]] = ...) -> None: ...
