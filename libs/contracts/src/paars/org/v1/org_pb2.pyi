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

class Role(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ROLE_UNSPECIFIED: _ClassVar[Role]
    ROLE_EMPLOYEE: _ClassVar[Role]
    ROLE_MANAGER: _ClassVar[Role]
    ROLE_HR: _ClassVar[Role]
    ROLE_COACH: _ClassVar[Role]
    ROLE_ADMIN: _ClassVar[Role]
    ROLE_LEADER: _ClassVar[Role]
ROLE_UNSPECIFIED: Role
ROLE_EMPLOYEE: Role
ROLE_MANAGER: Role
ROLE_HR: Role
ROLE_COACH: Role
ROLE_ADMIN: Role
ROLE_LEADER: Role

class Employee(_message.Message):
    __slots__ = ("id", "name", "email", "manager_id", "team_id", "roles", "active", "time_zone", "coach_id", "version")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    MANAGER_ID_FIELD_NUMBER: _ClassVar[int]
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    COACH_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    email: str
    manager_id: str
    team_id: str
    roles: _containers.RepeatedScalarFieldContainer[Role]
    active: bool
    time_zone: str
    coach_id: str
    version: int
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., email: _Optional[str] = ..., manager_id: _Optional[str] = ..., team_id: _Optional[str] = ..., roles: _Optional[_Iterable[_Union[Role, str]]] = ..., active: _Optional[bool] = ..., time_zone: _Optional[str] = ..., coach_id: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class Team(_message.Message):
    __slots__ = ("id", "name", "parent_team_id", "manager_id", "version")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PARENT_TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    MANAGER_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    parent_team_id: str
    manager_id: str
    version: int
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., parent_team_id: _Optional[str] = ..., manager_id: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class ImportDirectoryRequest(_message.Message):
    __slots__ = ("teams", "employees", "idempotency_key")
    TEAMS_FIELD_NUMBER: _ClassVar[int]
    EMPLOYEES_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    teams: _containers.RepeatedCompositeFieldContainer[Team]
    employees: _containers.RepeatedCompositeFieldContainer[Employee]
    idempotency_key: str
    def __init__(self, teams: _Optional[_Iterable[_Union[Team, _Mapping]]] = ..., employees: _Optional[_Iterable[_Union[Employee, _Mapping]]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class ImportDirectoryResponse(_message.Message):
    __slots__ = ("teams_created", "teams_updated", "employees_created", "employees_updated", "unchanged")
    TEAMS_CREATED_FIELD_NUMBER: _ClassVar[int]
    TEAMS_UPDATED_FIELD_NUMBER: _ClassVar[int]
    EMPLOYEES_CREATED_FIELD_NUMBER: _ClassVar[int]
    EMPLOYEES_UPDATED_FIELD_NUMBER: _ClassVar[int]
    UNCHANGED_FIELD_NUMBER: _ClassVar[int]
    teams_created: int
    teams_updated: int
    employees_created: int
    employees_updated: int
    unchanged: int
    def __init__(self, teams_created: _Optional[int] = ..., teams_updated: _Optional[int] = ..., employees_created: _Optional[int] = ..., employees_updated: _Optional[int] = ..., unchanged: _Optional[int] = ...) -> None: ...

class GetEmployeeRequest(_message.Message):
    __slots__ = ("employee_id",)
    EMPLOYEE_ID_FIELD_NUMBER: _ClassVar[int]
    employee_id: str
    def __init__(self, employee_id: _Optional[str] = ...) -> None: ...

class ListEmployeesRequest(_message.Message):
    __slots__ = ("team_id", "manager_id")
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    MANAGER_ID_FIELD_NUMBER: _ClassVar[int]
    team_id: str
    manager_id: str
    def __init__(self, team_id: _Optional[str] = ..., manager_id: _Optional[str] = ...) -> None: ...

class ListEmployeesResponse(_message.Message):
    __slots__ = ("employees",)
    EMPLOYEES_FIELD_NUMBER: _ClassVar[int]
    employees: _containers.RepeatedCompositeFieldContainer[Employee]
    def __init__(self, employees: _Optional[_Iterable[_Union[Employee, _Mapping]]] = ...) -> None: ...

class ListTeamsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListTeamsResponse(_message.Message):
    __slots__ = ("teams",)
    TEAMS_FIELD_NUMBER: _ClassVar[int]
    teams: _containers.RepeatedCompositeFieldContainer[Team]
    def __init__(self, teams: _Optional[_Iterable[_Union[Team, _Mapping]]] = ...) -> None: ...

class EmployeeChanged(_message.Message):
    __slots__ = ("metadata", "change", "employee", "team_path", "held")
    class Change(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        CHANGE_UNSPECIFIED: _ClassVar[EmployeeChanged.Change]
        CHANGE_CREATED: _ClassVar[EmployeeChanged.Change]
        CHANGE_UPDATED: _ClassVar[EmployeeChanged.Change]
        CHANGE_DEACTIVATED: _ClassVar[EmployeeChanged.Change]
        CHANGE_ERASED: _ClassVar[EmployeeChanged.Change]
    CHANGE_UNSPECIFIED: EmployeeChanged.Change
    CHANGE_CREATED: EmployeeChanged.Change
    CHANGE_UPDATED: EmployeeChanged.Change
    CHANGE_DEACTIVATED: EmployeeChanged.Change
    CHANGE_ERASED: EmployeeChanged.Change
    METADATA_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    EMPLOYEE_FIELD_NUMBER: _ClassVar[int]
    TEAM_PATH_FIELD_NUMBER: _ClassVar[int]
    HELD_FIELD_NUMBER: _ClassVar[int]
    metadata: _event_pb2.EventMetadata
    change: EmployeeChanged.Change
    employee: Employee
    team_path: _containers.RepeatedScalarFieldContainer[str]
    held: _containers.RepeatedCompositeFieldContainer[HeldOnErasure]
    def __init__(self, metadata: _Optional[_Union[_event_pb2.EventMetadata, _Mapping]] = ..., change: _Optional[_Union[EmployeeChanged.Change, str]] = ..., employee: _Optional[_Union[Employee, _Mapping]] = ..., team_path: _Optional[_Iterable[str]] = ..., held: _Optional[_Iterable[_Union[HeldOnErasure, _Mapping]]] = ...) -> None: ...

class HeldOnErasure(_message.Message):
    __slots__ = ("service", "kind", "reason", "hold_id")
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    HOLD_ID_FIELD_NUMBER: _ClassVar[int]
    service: str
    kind: str
    reason: str
    hold_id: str
    def __init__(self, service: _Optional[str] = ..., kind: _Optional[str] = ..., reason: _Optional[str] = ..., hold_id: _Optional[str] = ...) -> None: ...

class TeamChanged(_message.Message):
    __slots__ = ("metadata", "team", "changed_at")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    TEAM_FIELD_NUMBER: _ClassVar[int]
    CHANGED_AT_FIELD_NUMBER: _ClassVar[int]
    metadata: _event_pb2.EventMetadata
    team: Team
    changed_at: _timestamp_pb2.Timestamp
    def __init__(self, metadata: _Optional[_Union[_event_pb2.EventMetadata, _Mapping]] = ..., team: _Optional[_Union[Team, _Mapping]] = ..., changed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
