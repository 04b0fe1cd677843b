from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetPersonKeysRequest(_message.Message):
    __slots__ = ("person_ids", "key_ids", "create")
    PERSON_IDS_FIELD_NUMBER: _ClassVar[int]
    KEY_IDS_FIELD_NUMBER: _ClassVar[int]
    CREATE_FIELD_NUMBER: _ClassVar[int]
    person_ids: _containers.RepeatedScalarFieldContainer[str]
    key_ids: _containers.RepeatedScalarFieldContainer[str]
    create: bool
    def __init__(self, person_ids: _Optional[_Iterable[str]] = ..., key_ids: _Optional[_Iterable[str]] = ..., create: _Optional[bool] = ...) -> None: ...

class PersonKey(_message.Message):
    __slots__ = ("person_id", "key_id", "key", "erased")
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    ERASED_FIELD_NUMBER: _ClassVar[int]
    person_id: str
    key_id: str
    key: bytes
    erased: bool
    def __init__(self, person_id: _Optional[str] = ..., key_id: _Optional[str] = ..., key: _Optional[bytes] = ..., erased: _Optional[bool] = ...) -> None: ...

class GetPersonKeysResponse(_message.Message):
    __slots__ = ("keys",)
    KEYS_FIELD_NUMBER: _ClassVar[int]
    keys: _containers.RepeatedCompositeFieldContainer[PersonKey]
    def __init__(self, keys: _Optional[_Iterable[_Union[PersonKey, _Mapping]]] = ...) -> None: ...
