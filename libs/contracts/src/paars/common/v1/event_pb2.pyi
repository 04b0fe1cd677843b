import datetime

from google.protobuf import descriptor_pb2 as _descriptor_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Visibility(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VISIBILITY_UNSPECIFIED: _ClassVar[Visibility]
    VISIBILITY_PRIVATE: _ClassVar[Visibility]
    VISIBILITY_RECEIVER_AND_MANAGER: _ClassVar[Visibility]
    VISIBILITY_PUBLIC: _ClassVar[Visibility]
    VISIBILITY_ANONYMOUS_AGGREGATE: _ClassVar[Visibility]
    VISIBILITY_HR_ONLY: _ClassVar[Visibility]
    VISIBILITY_INTERNAL: _ClassVar[Visibility]
VISIBILITY_UNSPECIFIED: Visibility
VISIBILITY_PRIVATE: Visibility
VISIBILITY_RECEIVER_AND_MANAGER: Visibility
VISIBILITY_PUBLIC: Visibility
VISIBILITY_ANONYMOUS_AGGREGATE: Visibility
VISIBILITY_HR_ONLY: Visibility
VISIBILITY_INTERNAL: Visibility
PERSONAL_FIELD_NUMBER: _ClassVar[int]
personal: _descriptor.FieldDescriptor

class EventMetadata(_message.Message):
    __slots__ = ("event_id", "occurred_at", "producer", "correlation_id", "subject_id", "visibility", "actor_id", "causation_id")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    PRODUCER_FIELD_NUMBER: _ClassVar[int]
    CORRELATION_ID_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_ID_FIELD_NUMBER: _ClassVar[int]
    VISIBILITY_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    CAUSATION_ID_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    occurred_at: _timestamp_pb2.Timestamp
    producer: str
    correlation_id: str
    subject_id: str
    visibility: Visibility
    actor_id: str
    causation_id: str
    def __init__(self, event_id: _Optional[str] = ..., occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., producer: _Optional[str] = ..., correlation_id: _Optional[str] = ..., subject_id: _Optional[str] = ..., visibility: _Optional[_Union[Visibility, str]] = ..., actor_id: _Optional[str] = ..., causation_id: _Optional[str] = ...) -> None: ...

class PersonalField(_message.Message):
    __slots__ = ("person_field",)
    PERSON_FIELD_FIELD_NUMBER: _ClassVar[int]
    person_field: str
    def __init__(self, person_field: _Optional[str] = ...) -> None: ...
