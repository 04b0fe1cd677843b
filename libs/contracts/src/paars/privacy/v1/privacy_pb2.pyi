from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
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

class ErasePersonRequest(_message.Message):
    __slots__ = ("person_id", "reason", "idempotency_key")
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    person_id: str
    reason: str
    idempotency_key: str
    def __init__(self, person_id: _Optional[str] = ..., reason: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class GetErasureStatusRequest(_message.Message):
    __slots__ = ("person_id",)
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    person_id: str
    def __init__(self, person_id: _Optional[str] = ...) -> None: ...

class ErasureStatus(_message.Message):
    __slots__ = ("service", "person_id", "state", "erased_at", "erased", "kept")
    class State(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        STATE_UNSPECIFIED: _ClassVar[ErasureStatus.State]
        STATE_NOT_ERASED: _ClassVar[ErasureStatus.State]
        STATE_ERASED: _ClassVar[ErasureStatus.State]
    STATE_UNSPECIFIED: ErasureStatus.State
    STATE_NOT_ERASED: ErasureStatus.State
    STATE_ERASED: ErasureStatus.State
    class ErasedEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    ERASED_AT_FIELD_NUMBER: _ClassVar[int]
    ERASED_FIELD_NUMBER: _ClassVar[int]
    KEPT_FIELD_NUMBER: _ClassVar[int]
    service: str
    person_id: str
    state: ErasureStatus.State
    erased_at: str
    erased: _containers.ScalarMap[str, int]
    kept: _containers.RepeatedCompositeFieldContainer[KeptData]
    def __init__(self, service: _Optional[str] = ..., person_id: _Optional[str] = ..., state: _Optional[_Union[ErasureStatus.State, str]] = ..., erased_at: _Optional[str] = ..., erased: _Optional[_Mapping[str, int]] = ..., kept: _Optional[_Iterable[_Union[KeptData, _Mapping]]] = ...) -> None: ...

class KeptData(_message.Message):
    __slots__ = ("kind", "reason", "rows")
    KIND_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    kind: str
    reason: str
    rows: int
    def __init__(self, kind: _Optional[str] = ..., reason: _Optional[str] = ..., rows: _Optional[int] = ...) -> None: ...

class LegalHold(_message.Message):
    __slots__ = ("id", "person_id", "service", "kind", "reason", "placed_by", "placed_at", "released_at", "released_by", "release_reason")
    ID_FIELD_NUMBER: _ClassVar[int]
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    PLACED_BY_FIELD_NUMBER: _ClassVar[int]
    PLACED_AT_FIELD_NUMBER: _ClassVar[int]
    RELEASED_AT_FIELD_NUMBER: _ClassVar[int]
    RELEASED_BY_FIELD_NUMBER: _ClassVar[int]
    RELEASE_REASON_FIELD_NUMBER: _ClassVar[int]
    id: str
    person_id: str
    service: str
    kind: str
    reason: str
    placed_by: str
    placed_at: str
    released_at: str
    released_by: str
    release_reason: str
    def __init__(self, id: _Optional[str] = ..., person_id: _Optional[str] = ..., service: _Optional[str] = ..., kind: _Optional[str] = ..., reason: _Optional[str] = ..., placed_by: _Optional[str] = ..., placed_at: _Optional[str] = ..., released_at: _Optional[str] = ..., released_by: _Optional[str] = ..., release_reason: _Optional[str] = ...) -> None: ...

class PlaceLegalHoldRequest(_message.Message):
    __slots__ = ("person_id", "service", "kind", "reason", "idempotency_key")
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    person_id: str
    service: str
    kind: str
    reason: str
    idempotency_key: str
    def __init__(self, person_id: _Optional[str] = ..., service: _Optional[str] = ..., kind: _Optional[str] = ..., reason: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class ReleaseLegalHoldRequest(_message.Message):
    __slots__ = ("hold_id", "reason")
    HOLD_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    hold_id: str
    reason: str
    def __init__(self, hold_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class ListLegalHoldsRequest(_message.Message):
    __slots__ = ("person_id",)
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    person_id: str
    def __init__(self, person_id: _Optional[str] = ...) -> None: ...

class ListLegalHoldsResponse(_message.Message):
    __slots__ = ("holds",)
    HOLDS_FIELD_NUMBER: _ClassVar[int]
    holds: _containers.RepeatedCompositeFieldContainer[LegalHold]
    def __init__(self, holds: _Optional[_Iterable[_Union[LegalHold, _Mapping]]] = ...) -> None: ...
