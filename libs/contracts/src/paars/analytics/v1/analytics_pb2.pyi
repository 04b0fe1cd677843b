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

class Severity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SEVERITY_UNSPECIFIED: _ClassVar[Severity]
    SEVERITY_INFO: _ClassVar[Severity]
    SEVERITY_ATTENTION: _ClassVar[Severity]
    SEVERITY_URGENT: _ClassVar[Severity]

class InsightKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INSIGHT_KIND_UNSPECIFIED: _ClassVar[InsightKind]
    INSIGHT_KIND_GOAL_STALLED: _ClassVar[InsightKind]
    INSIGHT_KIND_PERFORMANCE_WITHOUT_DEVELOPMENT: _ClassVar[InsightKind]
    INSIGHT_KIND_SELF_OTHERS_GAP: _ClassVar[InsightKind]
    INSIGHT_KIND_FEEDBACK_DROUGHT: _ClassVar[InsightKind]
    INSIGHT_KIND_SINGLE_SOURCE_FEEDBACK: _ClassVar[InsightKind]
    INSIGHT_KIND_CONSTRUCTIVE_WITHOUT_ACTION: _ClassVar[InsightKind]
    INSIGHT_KIND_MOMENT_FOR_FEEDBACK: _ClassVar[InsightKind]
    INSIGHT_KIND_RATING_DRIFT: _ClassVar[InsightKind]
    INSIGHT_KIND_RECENCY_BIAS: _ClassVar[InsightKind]
    INSIGHT_KIND_PERFORMANCE_ONLY_PORTFOLIO: _ClassVar[InsightKind]
    INSIGHT_KIND_FEEDBACK_WITHOUT_EXAMPLES: _ClassVar[InsightKind]
SEVERITY_UNSPECIFIED: Severity
SEVERITY_INFO: Severity
SEVERITY_ATTENTION: Severity
SEVERITY_URGENT: Severity
INSIGHT_KIND_UNSPECIFIED: InsightKind
INSIGHT_KIND_GOAL_STALLED: InsightKind
INSIGHT_KIND_PERFORMANCE_WITHOUT_DEVELOPMENT: InsightKind
INSIGHT_KIND_SELF_OTHERS_GAP: InsightKind
INSIGHT_KIND_FEEDBACK_DROUGHT: InsightKind
INSIGHT_KIND_SINGLE_SOURCE_FEEDBACK: InsightKind
INSIGHT_KIND_CONSTRUCTIVE_WITHOUT_ACTION: InsightKind
INSIGHT_KIND_MOMENT_FOR_FEEDBACK: InsightKind
INSIGHT_KIND_RATING_DRIFT: InsightKind
INSIGHT_KIND_RECENCY_BIAS: InsightKind
INSIGHT_KIND_PERFORMANCE_ONLY_PORTFOLIO: InsightKind
INSIGHT_KIND_FEEDBACK_WITHOUT_EXAMPLES: InsightKind

class Signals(_message.Message):
    __slots__ = ("employee_id", "window_days", "goal_progress", "expected_progress", "status_changes", "average_rating", "development_goal_progress", "action_items_done", "feedback_acknowledged", "feedback_acted_on", "dialogues_held", "coaching_sessions", "received_by_source", "given", "share_with_example", "median_delay_hours", "share_led_to_action", "self_others_gap", "performance_score", "development_score", "computed_at", "one_on_ones_held", "one_on_ones_skipped", "one_on_one_skips_in_a_row")
    class ReceivedBySourceEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    class SelfOthersGapEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    EMPLOYEE_ID_FIELD_NUMBER: _ClassVar[int]
    WINDOW_DAYS_FIELD_NUMBER: _ClassVar[int]
    GOAL_PROGRESS_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_PROGRESS_FIELD_NUMBER: _ClassVar[int]
    STATUS_CHANGES_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_RATING_FIELD_NUMBER: _ClassVar[int]
    DEVELOPMENT_GOAL_PROGRESS_FIELD_NUMBER: _ClassVar[int]
    ACTION_ITEMS_DONE_FIELD_NUMBER: _ClassVar[int]
    FEEDBACK_ACKNOWLEDGED_FIELD_NUMBER: _ClassVar[int]
    FEEDBACK_ACTED_ON_FIELD_NUMBER: _ClassVar[int]
    DIALOGUES_HELD_FIELD_NUMBER: _ClassVar[int]
    COACHING_SESSIONS_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_BY_SOURCE_FIELD_NUMBER: _ClassVar[int]
    GIVEN_FIELD_NUMBER: _ClassVar[int]
    SHARE_WITH_EXAMPLE_FIELD_NUMBER: _ClassVar[int]
    MEDIAN_DELAY_HOURS_FIELD_NUMBER: _ClassVar[int]
    SHARE_LED_TO_ACTION_FIELD_NUMBER: _ClassVar[int]
    SELF_OTHERS_GAP_FIELD_NUMBER: _ClassVar[int]
    PERFORMANCE_SCORE_FIELD_NUMBER: _ClassVar[int]
    DEVELOPMENT_SCORE_FIELD_NUMBER: _ClassVar[int]
    COMPUTED_AT_FIELD_NUMBER: _ClassVar[int]
    ONE_ON_ONES_HELD_FIELD_NUMBER: _ClassVar[int]
    ONE_ON_ONES_SKIPPED_FIELD_NUMBER: _ClassVar[int]
    ONE_ON_ONE_SKIPS_IN_A_ROW_FIELD_NUMBER: _ClassVar[int]
    employee_id: str
    window_days: int
    goal_progress: float
    expected_progress: float
    status_changes: int
    average_rating: float
    development_goal_progress: float
    action_items_done: int
    feedback_acknowledged: int
    feedback_acted_on: int
    dialogues_held: int
    coaching_sessions: int
    received_by_source: _containers.ScalarMap[str, int]
    given: int
    share_with_example: float
    median_delay_hours: float
    share_led_to_action: float
    self_others_gap: _containers.ScalarMap[str, float]
    performance_score: float
    development_score: float
    computed_at: _timestamp_pb2.Timestamp
    one_on_ones_held: int
    one_on_ones_skipped: int
    one_on_one_skips_in_a_row: int
    def __init__(self, employee_id: _Optional[str] = ..., window_days: _Optional[int] = ..., goal_progress: _Optional[float] = ..., expected_progress: _Optional[float] = ..., status_changes: _Optional[int] = ..., average_rating: _Optional[float] = ..., development_goal_progress: _Optional[float] = ..., action_items_done: _Optional[int] = ..., feedback_acknowledged: _Optional[int] = ..., feedback_acted_on: _Optional[int] = ..., dialogues_held: _Optional[int] = ..., coaching_sessions: _Optional[int] = ..., received_by_source: _Optional[_Mapping[str, int]] = ..., given: _Optional[int] = ..., share_with_example: _Optional[float] = ..., median_delay_hours: _Optional[float] = ..., share_led_to_action: _Optional[float] = ..., self_others_gap: _Optional[_Mapping[str, float]] = ..., performance_score: _Optional[float] = ..., development_score: _Optional[float] = ..., computed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., one_on_ones_held: _Optional[int] = ..., one_on_ones_skipped: _Optional[int] = ..., one_on_one_skips_in_a_row: _Optional[int] = ...) -> None: ...

class Insight(_message.Message):
    __slots__ = ("id", "kind", "severity", "subject_id", "team_id", "reason", "evidence_event_ids", "actors", "suggested_action", "detected_at", "open", "params")
    class ParamsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_ID_FIELD_NUMBER: _ClassVar[int]
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_EVENT_IDS_FIELD_NUMBER: _ClassVar[int]
    ACTORS_FIELD_NUMBER: _ClassVar[int]
    SUGGESTED_ACTION_FIELD_NUMBER: _ClassVar[int]
    DETECTED_AT_FIELD_NUMBER: _ClassVar[int]
    OPEN_FIELD_NUMBER: _ClassVar[int]
    PARAMS_FIELD_NUMBER: _ClassVar[int]
    id: str
    kind: InsightKind
    severity: Severity
    subject_id: str
    team_id: str
    reason: str
    evidence_event_ids: _containers.RepeatedScalarFieldContainer[str]
    actors: _containers.RepeatedScalarFieldContainer[str]
    suggested_action: str
    detected_at: _timestamp_pb2.Timestamp
    open: bool
    params: _containers.ScalarMap[str, str]
    def __init__(self, id: _Optional[str] = ..., kind: _Optional[_Union[InsightKind, str]] = ..., severity: _Optional[_Union[Severity, str]] = ..., subject_id: _Optional[str] = ..., team_id: _Optional[str] = ..., reason: _Optional[str] = ..., evidence_event_ids: _Optional[_Iterable[str]] = ..., actors: _Optional[_Iterable[str]] = ..., suggested_action: _Optional[str] = ..., detected_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., open: _Optional[bool] = ..., params: _Optional[_Mapping[str, str]] = ...) -> None: ...

class TeamRollup(_message.Message):
    __slots__ = ("team_id", "people", "suppressed", "goal_progress", "expected_progress", "feedback_coverage", "people_without_feedback_30d", "performance_development_correlation", "average_performance_score", "average_development_score")
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    PEOPLE_FIELD_NUMBER: _ClassVar[int]
    SUPPRESSED_FIELD_NUMBER: _ClassVar[int]
    GOAL_PROGRESS_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_PROGRESS_FIELD_NUMBER: _ClassVar[int]
    FEEDBACK_COVERAGE_FIELD_NUMBER: _ClassVar[int]
    PEOPLE_WITHOUT_FEEDBACK_30D_FIELD_NUMBER: _ClassVar[int]
    PERFORMANCE_DEVELOPMENT_CORRELATION_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_PERFORMANCE_SCORE_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_DEVELOPMENT_SCORE_FIELD_NUMBER: _ClassVar[int]
    team_id: str
    people: int
    suppressed: bool
    goal_progress: float
    expected_progress: float
    feedback_coverage: float
    people_without_feedback_30d: int
    performance_development_correlation: float
    average_performance_score: float
    average_development_score: float
    def __init__(self, team_id: _Optional[str] = ..., people: _Optional[int] = ..., suppressed: _Optional[bool] = ..., goal_progress: _Optional[float] = ..., expected_progress: _Optional[float] = ..., feedback_coverage: _Optional[float] = ..., people_without_feedback_30d: _Optional[int] = ..., performance_development_correlation: _Optional[float] = ..., average_performance_score: _Optional[float] = ..., average_development_score: _Optional[float] = ...) -> None: ...

class GetSignalsRequest(_message.Message):
    __slots__ = ("employee_id", "window_days")
    EMPLOYEE_ID_FIELD_NUMBER: _ClassVar[int]
    WINDOW_DAYS_FIELD_NUMBER: _ClassVar[int]
    employee_id: str
    window_days: int
    def __init__(self, employee_id: _Optional[str] = ..., window_days: _Optional[int] = ...) -> None: ...

class GetTeamRollupRequest(_message.Message):
    __slots__ = ("team_id", "window_days")
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    WINDOW_DAYS_FIELD_NUMBER: _ClassVar[int]
    team_id: str
    window_days: int
    def __init__(self, team_id: _Optional[str] = ..., window_days: _Optional[int] = ...) -> None: ...

class ListInsightsRequest(_message.Message):
    __slots__ = ("subject_id", "team_id", "actor_id", "open_only", "limit")
    SUBJECT_ID_FIELD_NUMBER: _ClassVar[int]
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    OPEN_ONLY_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    subject_id: str
    team_id: str
    actor_id: str
    open_only: bool
    limit: int
    def __init__(self, subject_id: _Optional[str] = ..., team_id: _Optional[str] = ..., actor_id: _Optional[str] = ..., open_only: _Optional[bool] = ..., limit: _Optional[int] = ...) -> None: ...

class ListInsightsResponse(_message.Message):
    __slots__ = ("insights",)
    INSIGHTS_FIELD_NUMBER: _ClassVar[int]
    insights: _containers.RepeatedCompositeFieldContainer[Insight]
    def __init__(self, insights: _Optional[_Iterable[_Union[Insight, _Mapping]]] = ...) -> None: ...

class SenseMaking(_message.Message):
    __slots__ = ("employee_id", "team_id", "window_days", "people", "suppressed", "milestones", "feedback_received", "feedback_given", "received_with_example", "feedback_acknowledged", "action_items_done", "dialogues_held", "performance_goals", "development_goals", "wellbeing_goals", "feedback_sources", "goals_at_risk", "computed_at", "coaching_sessions", "one_on_ones_held", "one_on_ones_skipped")
    EMPLOYEE_ID_FIELD_NUMBER: _ClassVar[int]
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    WINDOW_DAYS_FIELD_NUMBER: _ClassVar[int]
    PEOPLE_FIELD_NUMBER: _ClassVar[int]
    SUPPRESSED_FIELD_NUMBER: _ClassVar[int]
    MILESTONES_FIELD_NUMBER: _ClassVar[int]
    FEEDBACK_RECEIVED_FIELD_NUMBER: _ClassVar[int]
    FEEDBACK_GIVEN_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_WITH_EXAMPLE_FIELD_NUMBER: _ClassVar[int]
    FEEDBACK_ACKNOWLEDGED_FIELD_NUMBER: _ClassVar[int]
    ACTION_ITEMS_DONE_FIELD_NUMBER: _ClassVar[int]
    DIALOGUES_HELD_FIELD_NUMBER: _ClassVar[int]
    PERFORMANCE_GOALS_FIELD_NUMBER: _ClassVar[int]
    DEVELOPMENT_GOALS_FIELD_NUMBER: _ClassVar[int]
    WELLBEING_GOALS_FIELD_NUMBER: _ClassVar[int]
    FEEDBACK_SOURCES_FIELD_NUMBER: _ClassVar[int]
    GOALS_AT_RISK_FIELD_NUMBER: _ClassVar[int]
    COMPUTED_AT_FIELD_NUMBER: _ClassVar[int]
    COACHING_SESSIONS_FIELD_NUMBER: _ClassVar[int]
    ONE_ON_ONES_HELD_FIELD_NUMBER: _ClassVar[int]
    ONE_ON_ONES_SKIPPED_FIELD_NUMBER: _ClassVar[int]
    employee_id: str
    team_id: str
    window_days: int
    people: int
    suppressed: bool
    milestones: int
    feedback_received: int
    feedback_given: int
    received_with_example: int
    feedback_acknowledged: int
    action_items_done: int
    dialogues_held: int
    performance_goals: int
    development_goals: int
    wellbeing_goals: int
    feedback_sources: int
    goals_at_risk: int
    computed_at: _timestamp_pb2.Timestamp
    coaching_sessions: int
    one_on_ones_held: int
    one_on_ones_skipped: int
    def __init__(self, employee_id: _Optional[str] = ..., team_id: _Optional[str] = ..., window_days: _Optional[int] = ..., people: _Optional[int] = ..., suppressed: _Optional[bool] = ..., milestones: _Optional[int] = ..., feedback_received: _Optional[int] = ..., feedback_given: _Optional[int] = ..., received_with_example: _Optional[int] = ..., feedback_acknowledged: _Optional[int] = ..., action_items_done: _Optional[int] = ..., dialogues_held: _Optional[int] = ..., performance_goals: _Optional[int] = ..., development_goals: _Optional[int] = ..., wellbeing_goals: _Optional[int] = ..., feedback_sources: _Optional[int] = ..., goals_at_risk: _Optional[int] = ..., computed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., coaching_sessions: _Optional[int] = ..., one_on_ones_held: _Optional[int] = ..., one_on_ones_skipped: _Optional[int] = ...) -> None: ...

class GetSenseMakingRequest(_message.Message):
    __slots__ = ("employee_id", "team_id", "window_days")
    EMPLOYEE_ID_FIELD_NUMBER: _ClassVar[int]
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    WINDOW_DAYS_FIELD_NUMBER: _ClassVar[int]
    employee_id: str
    team_id: str
    window_days: int
    def __init__(self, employee_id: _Optional[str] = ..., team_id: _Optional[str] = ..., window_days: _Optional[int] = ...) -> None: ...

class ManagerRatings(_message.Message):
    __slots__ = ("manager_id", "ratings", "suppressed", "average", "drift")
    MANAGER_ID_FIELD_NUMBER: _ClassVar[int]
    RATINGS_FIELD_NUMBER: _ClassVar[int]
    SUPPRESSED_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_FIELD_NUMBER: _ClassVar[int]
    DRIFT_FIELD_NUMBER: _ClassVar[int]
    manager_id: str
    ratings: int
    suppressed: bool
    average: float
    drift: float
    def __init__(self, manager_id: _Optional[str] = ..., ratings: _Optional[int] = ..., suppressed: _Optional[bool] = ..., average: _Optional[float] = ..., drift: _Optional[float] = ...) -> None: ...

class Calibration(_message.Message):
    __slots__ = ("median", "managers", "min_ratings", "enough", "drift_threshold", "rows", "window_days")
    MEDIAN_FIELD_NUMBER: _ClassVar[int]
    MANAGERS_FIELD_NUMBER: _ClassVar[int]
    MIN_RATINGS_FIELD_NUMBER: _ClassVar[int]
    ENOUGH_FIELD_NUMBER: _ClassVar[int]
    DRIFT_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    WINDOW_DAYS_FIELD_NUMBER: _ClassVar[int]
    median: float
    managers: int
    min_ratings: int
    enough: bool
    drift_threshold: float
    rows: _containers.RepeatedCompositeFieldContainer[ManagerRatings]
    window_days: int
    def __init__(self, median: _Optional[float] = ..., managers: _Optional[int] = ..., min_ratings: _Optional[int] = ..., enough: _Optional[bool] = ..., drift_threshold: _Optional[float] = ..., rows: _Optional[_Iterable[_Union[ManagerRatings, _Mapping]]] = ..., window_days: _Optional[int] = ...) -> None: ...

class GetCalibrationRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class TeamPitfalls(_message.Message):
    __slots__ = ("team_id", "people", "suppressed", "recency_bunching", "recency_share", "feedback_without_examples", "example_share", "performance_only_portfolios", "performance_only_share", "single_source_people", "stalled_goal_people")
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    PEOPLE_FIELD_NUMBER: _ClassVar[int]
    SUPPRESSED_FIELD_NUMBER: _ClassVar[int]
    RECENCY_BUNCHING_FIELD_NUMBER: _ClassVar[int]
    RECENCY_SHARE_FIELD_NUMBER: _ClassVar[int]
    FEEDBACK_WITHOUT_EXAMPLES_FIELD_NUMBER: _ClassVar[int]
    EXAMPLE_SHARE_FIELD_NUMBER: _ClassVar[int]
    PERFORMANCE_ONLY_PORTFOLIOS_FIELD_NUMBER: _ClassVar[int]
    PERFORMANCE_ONLY_SHARE_FIELD_NUMBER: _ClassVar[int]
    SINGLE_SOURCE_PEOPLE_FIELD_NUMBER: _ClassVar[int]
    STALLED_GOAL_PEOPLE_FIELD_NUMBER: _ClassVar[int]
    team_id: str
    people: int
    suppressed: bool
    recency_bunching: bool
    recency_share: float
    feedback_without_examples: bool
    example_share: float
    performance_only_portfolios: bool
    performance_only_share: float
    single_source_people: int
    stalled_goal_people: int
    def __init__(self, team_id: _Optional[str] = ..., people: _Optional[int] = ..., suppressed: _Optional[bool] = ..., recency_bunching: _Optional[bool] = ..., recency_share: _Optional[float] = ..., feedback_without_examples: _Optional[bool] = ..., example_share: _Optional[float] = ..., performance_only_portfolios: _Optional[bool] = ..., performance_only_share: _Optional[float] = ..., single_source_people: _Optional[int] = ..., stalled_goal_people: _Optional[int] = ...) -> None: ...

class ListPitfallsRequest(_message.Message):
    __slots__ = ("team_id",)
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    team_id: str
    def __init__(self, team_id: _Optional[str] = ...) -> None: ...

class ListPitfallsResponse(_message.Message):
    __slots__ = ("teams",)
    TEAMS_FIELD_NUMBER: _ClassVar[int]
    teams: _containers.RepeatedCompositeFieldContainer[TeamPitfalls]
    def __init__(self, teams: _Optional[_Iterable[_Union[TeamPitfalls, _Mapping]]] = ...) -> None: ...

class GetTeamOverviewRequest(_message.Message):
    __slots__ = ("team_ids", "employee_ids", "window_days")
    TEAM_IDS_FIELD_NUMBER: _ClassVar[int]
    EMPLOYEE_IDS_FIELD_NUMBER: _ClassVar[int]
    WINDOW_DAYS_FIELD_NUMBER: _ClassVar[int]
    team_ids: _containers.RepeatedScalarFieldContainer[str]
    employee_ids: _containers.RepeatedScalarFieldContainer[str]
    window_days: int
    def __init__(self, team_ids: _Optional[_Iterable[str]] = ..., employee_ids: _Optional[_Iterable[str]] = ..., window_days: _Optional[int] = ...) -> None: ...

class TeamOverview(_message.Message):
    __slots__ = ("rollups", "team_cards", "person_cards", "insights", "calibration", "story_alignments")
    ROLLUPS_FIELD_NUMBER: _ClassVar[int]
    TEAM_CARDS_FIELD_NUMBER: _ClassVar[int]
    PERSON_CARDS_FIELD_NUMBER: _ClassVar[int]
    INSIGHTS_FIELD_NUMBER: _ClassVar[int]
    CALIBRATION_FIELD_NUMBER: _ClassVar[int]
    STORY_ALIGNMENTS_FIELD_NUMBER: _ClassVar[int]
    rollups: _containers.RepeatedCompositeFieldContainer[TeamRollup]
    team_cards: _containers.RepeatedCompositeFieldContainer[SenseMaking]
    person_cards: _containers.RepeatedCompositeFieldContainer[SenseMaking]
    insights: _containers.RepeatedCompositeFieldContainer[Insight]
    calibration: Calibration
    story_alignments: _containers.RepeatedCompositeFieldContainer[StoryAlignment]
    def __init__(self, rollups: _Optional[_Iterable[_Union[TeamRollup, _Mapping]]] = ..., team_cards: _Optional[_Iterable[_Union[SenseMaking, _Mapping]]] = ..., person_cards: _Optional[_Iterable[_Union[SenseMaking, _Mapping]]] = ..., insights: _Optional[_Iterable[_Union[Insight, _Mapping]]] = ..., calibration: _Optional[_Union[Calibration, _Mapping]] = ..., story_alignments: _Optional[_Iterable[_Union[StoryAlignment, _Mapping]]] = ...) -> None: ...

class StoryCount(_message.Message):
    __slots__ = ("value", "hidden")
    VALUE_FIELD_NUMBER: _ClassVar[int]
    HIDDEN_FIELD_NUMBER: _ClassVar[int]
    value: int
    hidden: bool
    def __init__(self, value: _Optional[int] = ..., hidden: _Optional[bool] = ...) -> None: ...

class StoryPart(_message.Message):
    __slots__ = ("key", "kind", "title_nl", "title_en", "lived_in_feedback", "served_by_goals", "untouched")
    KEY_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    TITLE_NL_FIELD_NUMBER: _ClassVar[int]
    TITLE_EN_FIELD_NUMBER: _ClassVar[int]
    LIVED_IN_FEEDBACK_FIELD_NUMBER: _ClassVar[int]
    SERVED_BY_GOALS_FIELD_NUMBER: _ClassVar[int]
    UNTOUCHED_FIELD_NUMBER: _ClassVar[int]
    key: str
    kind: str
    title_nl: str
    title_en: str
    lived_in_feedback: StoryCount
    served_by_goals: StoryCount
    untouched: bool
    def __init__(self, key: _Optional[str] = ..., kind: _Optional[str] = ..., title_nl: _Optional[str] = ..., title_en: _Optional[str] = ..., lived_in_feedback: _Optional[_Union[StoryCount, _Mapping]] = ..., served_by_goals: _Optional[_Union[StoryCount, _Mapping]] = ..., untouched: _Optional[bool] = ...) -> None: ...

class GetStoryAlignmentRequest(_message.Message):
    __slots__ = ("team_id",)
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    team_id: str
    def __init__(self, team_id: _Optional[str] = ...) -> None: ...

class StoryAlignment(_message.Message):
    __slots__ = ("team_id", "story_version", "k", "people", "parts")
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    STORY_VERSION_FIELD_NUMBER: _ClassVar[int]
    K_FIELD_NUMBER: _ClassVar[int]
    PEOPLE_FIELD_NUMBER: _ClassVar[int]
    PARTS_FIELD_NUMBER: _ClassVar[int]
    team_id: str
    story_version: int
    k: int
    people: StoryCount
    parts: _containers.RepeatedCompositeFieldContainer[StoryPart]
    def __init__(self, team_id: _Optional[str] = ..., story_version: _Optional[int] = ..., k: _Optional[int] = ..., people: _Optional[_Union[StoryCount, _Mapping]] = ..., parts: _Optional[_Iterable[_Union[StoryPart, _Mapping]]] = ...) -> None: ...

class InsightDetected(_message.Message):
    __slots__ = ("metadata", "insight")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    INSIGHT_FIELD_NUMBER: _ClassVar[int]
    metadata: _event_pb2.EventMetadata
    insight: Insight
    def __init__(self, metadata: _Optional[_Union[_event_pb2.EventMetadata, _Mapping]] = ..., insight: _Optional[_Union[Insight, _Mapping]] = ...) -> None: ...
