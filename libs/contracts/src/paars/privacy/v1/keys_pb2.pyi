from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetPersonKeysRequest(_message.Message):
    __slots__ = ("person_ids", "key_ids", "create", "scopes")
    PERSON_IDS_FIELD_NUMBER: _ClassVar[int]
    KEY_IDS_FIELD_NUMBER: _ClassVar[int]
    CREATE_FIELD_NUMBER: _ClassVar[int]
    SCOPES_FIELD_NUMBER: _ClassVar[int]
    person_ids: _containers.RepeatedScalarFieldContainer[str]
    key_ids: _containers.RepeatedScalarFieldContainer[str]
    create: bool
    scopes: _containers.RepeatedCompositeFieldContainer[KeyScope]
    def __init__(self, person_ids: _Optional[_Iterable[str]] = ..., key_ids: _Optional[_Iterable[str]] = ..., create: _Optional[bool] = ..., scopes: _Optional[_Iterable[_Union[KeyScope, _Mapping]]] = ...) -> None: ...

class KeyScope(_message.Message):
    __slots__ = ("person_id", "kind", "period")
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    person_id: str
    kind: str
    period: str
    def __init__(self, person_id: _Optional[str] = ..., kind: _Optional[str] = ..., period: _Optional[str] = ...) -> None: ...

class PersonKey(_message.Message):
    __slots__ = ("person_id", "key_id", "key", "erased", "kind", "period")
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    ERASED_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    person_id: str
    key_id: str
    key: bytes
    erased: bool
    kind: str
    period: str
    def __init__(self, person_id: _Optional[str] = ..., key_id: _Optional[str] = ..., key: _Optional[bytes] = ..., erased: _Optional[bool] = ..., kind: _Optional[str] = ..., period: _Optional[str] = ...) -> None: ...

class GetPersonKeysResponse(_message.Message):
    __slots__ = ("keys",)
    KEYS_FIELD_NUMBER: _ClassVar[int]
    keys: _containers.RepeatedCompositeFieldContainer[PersonKey]
    def __init__(self, keys: _Optional[_Iterable[_Union[PersonKey, _Mapping]]] = ...) -> None: ...
