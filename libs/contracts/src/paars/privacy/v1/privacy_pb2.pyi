from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ExportPersonDataRequest(_message.Message):
    __slots__ = ("person_id", "reason")
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    person_id: str
    reason: str
    def __init__(self, person_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class PersonDataExport(_message.Message):
    __slots__ = ("service", "person_id", "json", "counts")
    class CountsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    JSON_FIELD_NUMBER: _ClassVar[int]
    COUNTS_FIELD_NUMBER: _ClassVar[int]
    service: str
    person_id: str
    json: str
    counts: _containers.ScalarMap[str, int]
    def __init__(self, service: _Optional[str] = ..., person_id: _Optional[str] = ..., json: _Optional[str] = ..., counts: _Optional[_Mapping[str, int]] = ...) -> None: ...

class ListPrivilegedActionsRequest(_message.Message):
    __slots__ = ("person_id",)
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    person_id: str
    def __init__(self, person_id: _Optional[str] = ...) -> None: ...

class PrivilegedAction(_message.Message):
    __slots__ = ("service", "action", "actor_id", "subject_id", "reason", "at", "detail")
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    service: str
    action: str
    actor_id: str
    subject_id: str
    reason: str
    at: str
    detail: str
    def __init__(self, service: _Optional[str] = ..., action: _Optional[str] = ..., actor_id: _Optional[str] = ..., subject_id: _Optional[str] = ..., reason: _Optional[str] = ..., at: _Optional[str] = ..., detail: _Optional[str] = ...) -> None: ...

class ListPrivilegedActionsResponse(_message.Message):
    __slots__ = ("actions",)
    ACTIONS_FIELD_NUMBER: _ClassVar[int]
    actions: _containers.RepeatedCompositeFieldContainer[PrivilegedAction]
    def __init__(self, actions: _Optional[_Iterable[_Union[PrivilegedAction, _Mapping]]] = ...) -> None: ...
