"""Domain objects as the contracts carry them: the answers of the gRPC API (and of retried requests, which
are stored as protobuf) and the events the outbox publishes."""
from __future__ import annotations

import datetime as dt

from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from paars.common.v1 import event_pb2
from paars.goals.v1 import goals_pb2 as pb
from paars.org.v1 import org_pb2
from paars.privacy.v1 import privacy_pb2
from paars_goals.domain.erasure import LegalHold
from paars_goals.domain.goals import AlignmentNode, CheckIn, Comment, GoalDetail, GoalUpdated, GoalView, KeyResult, TeamGoals
from paars_goals.domain.org import Employee, EmployeeChanged, ImportCounts, Team, TeamChanged
from paars_goals.service_layer.unit_of_work import Answer
from paars_platform.erasure import ErasureRecord
from paars_platform.events import new_metadata, timestamp

PRODUCER = "goals"


def _datetime(ts: Timestamp) -> dt.datetime:
    return ts.ToDatetime(tzinfo=dt.UTC)


def goal_to_proto(goal: GoalView) -> pb.Goal:
    return pb.Goal(
        id=goal.id, kind=goal.kind, level=goal.level, title=goal.title, description=goal.description,  # type: ignore[arg-type]
        owner_id=goal.owner_id, team_id=goal.team_id, parent_goal_id=goal.parent_goal_id, weight=goal.weight,
        key_results=[
            pb.KeyResult(id=k.id, title=k.title, start_value=k.start, target_value=k.target, current_value=k.current, unit=k.unit)
            for k in goal.key_results
        ],
        start_date=goal.start_date.isoformat(), due_date=goal.due_date.isoformat(), agreement=goal.agreement,  # type: ignore[arg-type]
        status=goal.status, progress=goal.progress, expected_progress=goal.expected_progress,  # type: ignore[arg-type]
        proposed_by=goal.proposed_by, awaiting_agreement_from=goal.awaiting_agreement_from, version=goal.version,
        created_at=timestamp(goal.created_at), updated_at=timestamp(goal.updated_at), confidence=goal.confidence,
        last_check_in_at=timestamp(goal.last_check_in_at) if goal.last_check_in_at else None, story_keys=list(goal.story_keys),
    )


def goal_from_proto(goal: pb.Goal) -> GoalView:
    return GoalView(
        id=goal.id, kind=goal.kind, level=goal.level, title=goal.title, description=goal.description, owner_id=goal.owner_id,
        team_id=goal.team_id, parent_goal_id=goal.parent_goal_id, weight=goal.weight,
        key_results=tuple(KeyResult(k.id, k.title, k.start_value, k.target_value, k.current_value, k.unit) for k in goal.key_results),
        start_date=dt.date.fromisoformat(goal.start_date), due_date=dt.date.fromisoformat(goal.due_date), agreement=goal.agreement,
        status=goal.status, progress=goal.progress, expected_progress=goal.expected_progress, proposed_by=goal.proposed_by,
        awaiting_agreement_from=goal.awaiting_agreement_from, version=goal.version, created_at=_datetime(goal.created_at),
        updated_at=_datetime(goal.updated_at), confidence=goal.confidence,
        last_check_in_at=_datetime(goal.last_check_in_at) if goal.HasField("last_check_in_at") else None,
        story_keys=tuple(goal.story_keys),
    )


def comment_to_proto(comment: Comment) -> pb.Comment:
    return pb.Comment(
        id=comment.id, author_id=comment.author_id, text=comment.text, counter_proposal=comment.counter_proposal,
        created_at=timestamp(comment.created_at),
    )


def comment_from_proto(comment: pb.Comment, goal_id: str = "") -> Comment:
    return Comment(comment.id, goal_id, comment.author_id, comment.text, comment.counter_proposal, _datetime(comment.created_at))


def check_in_to_proto(check_in: CheckIn) -> pb.CheckIn:
    return pb.CheckIn(
        id=check_in.id, goal_id=check_in.goal_id, author_id=check_in.author_id, note=check_in.note, confidence=check_in.confidence,
        created_at=timestamp(check_in.created_at),
        updates=[pb.KeyResultUpdate(key_result_id=k, current_value=v) for k, v in check_in.updates],
    )


def detail_to_proto(detail: GoalDetail) -> pb.GoalDetail:
    return pb.GoalDetail(
        goal=goal_to_proto(detail.goal), comments=[comment_to_proto(c) for c in detail.comments],
        check_ins=[check_in_to_proto(c) for c in detail.check_ins],
    )


def node_to_proto(node: AlignmentNode) -> pb.AlignmentNode:
    return pb.AlignmentNode(goal=goal_to_proto(node.goal), children=[node_to_proto(c) for c in node.children])


def team_goals_to_proto(team: TeamGoals) -> pb.ListTeamGoalsResponse:
    return pb.ListTeamGoalsResponse(
        goals=[goal_to_proto(g) for g in team.goals], rolled_up_progress=team.rolled_up_progress,
        expected_progress=team.expected_progress, agreed_goals=len(team.goals), goals_by_status=team.goals_by_status,
    )


def employee_to_proto(e: Employee) -> org_pb2.Employee:
    return org_pb2.Employee(
        id=e.id, name=e.name, email=e.email, manager_id=e.manager_id or "", team_id=e.team_id or "",
        roles=list(e.roles), active=e.active, time_zone=e.time_zone, coach_id=e.coach_id or "", version=e.version,  # type: ignore[arg-type]
    )


def team_to_proto(team: Team) -> org_pb2.Team:
    return org_pb2.Team(
        id=team.id, name=team.name, parent_team_id=team.parent_team_id or "", manager_id=team.manager_id or "", version=team.version,
    )


def import_counts_to_proto(counts: ImportCounts) -> org_pb2.ImportDirectoryResponse:
    return org_pb2.ImportDirectoryResponse(
        teams_created=counts.teams_created, teams_updated=counts.teams_updated, employees_created=counts.employees_created,
        employees_updated=counts.employees_updated, unchanged=counts.unchanged,
    )


def import_counts_from_proto(r: org_pb2.ImportDirectoryResponse) -> ImportCounts:
    return ImportCounts(r.teams_created, r.teams_updated, r.employees_created, r.employees_updated, r.unchanged)


# ---------- answers of retried requests (stored as the protobuf the caller got) ----------


def legal_hold_to_proto(hold: LegalHold) -> privacy_pb2.LegalHold:
    return privacy_pb2.LegalHold(
        id=hold.id, person_id=hold.person_id, service=hold.service, kind=hold.kind, reason=hold.reason, placed_by=hold.placed_by,
        placed_at=hold.placed_at.isoformat(), released_at=hold.released_at.isoformat() if hold.released_at else "",
        released_by=hold.released_by, release_reason=hold.release_reason,
    )


def legal_hold_from_proto(h: privacy_pb2.LegalHold) -> LegalHold:
    return LegalHold(
        h.id, h.person_id, h.service, h.kind, h.reason, h.placed_by, dt.datetime.fromisoformat(h.placed_at),
        dt.datetime.fromisoformat(h.released_at) if h.released_at else None, h.released_by, h.release_reason,
    )


def encode_answer(answer: Answer) -> bytes:
    if isinstance(answer, ErasureRecord):
        return answer.to_proto().SerializeToString()
    if isinstance(answer, LegalHold):
        return legal_hold_to_proto(answer).SerializeToString()
    if isinstance(answer, GoalView):
        return goal_to_proto(answer).SerializeToString()
    if isinstance(answer, Comment):
        return comment_to_proto(answer).SerializeToString()
    return import_counts_to_proto(answer).SerializeToString()


def decode_answer(answer_type: type[Answer], data: bytes) -> Answer:
    if answer_type is ErasureRecord:
        return ErasureRecord.from_proto(privacy_pb2.ErasureStatus.FromString(data))
    if answer_type is LegalHold:
        return legal_hold_from_proto(privacy_pb2.LegalHold.FromString(data))
    if answer_type is GoalView:
        return goal_from_proto(pb.Goal.FromString(data))
    if answer_type is Comment:
        return comment_from_proto(pb.Comment.FromString(data))
    return import_counts_from_proto(org_pb2.ImportDirectoryResponse.FromString(data))


# ---------- events ----------


def event_to_proto(event: GoalUpdated | TeamChanged | EmployeeChanged) -> Message:
    if isinstance(event, GoalUpdated):
        goal = event.goal
        visibility = event_pb2.VISIBILITY_RECEIVER_AND_MANAGER if goal.level == pb.GOAL_LEVEL_INDIVIDUAL else event_pb2.VISIBILITY_INTERNAL
        return pb.GoalUpdated(
            metadata=new_metadata(producer=PRODUCER, subject_id=goal.owner_id, visibility=visibility, actor_id=event.actor_id, occurred_at=event.occurred_at),
            changes=list(event.changes),  # type: ignore[arg-type]
            goal=goal_to_proto(goal),
            field_changes=[pb.FieldChange(field=f.field, before=f.before, after=f.after) for f in event.field_changes],
            note=event.note, confidence=event.confidence, milestone_percent=event.milestone_percent,
        )
    if isinstance(event, TeamChanged):
        return org_pb2.TeamChanged(
            metadata=new_metadata(producer=PRODUCER, subject_id=event.team.id, visibility=event_pb2.VISIBILITY_INTERNAL, actor_id=event.actor_id),
            team=team_to_proto(event.team),
            changed_at=timestamp(event.changed_at),
        )
    return org_pb2.EmployeeChanged(
        metadata=new_metadata(producer=PRODUCER, subject_id=event.employee.id, visibility=event_pb2.VISIBILITY_INTERNAL, actor_id=event.actor_id),
        change=event.change,  # type: ignore[arg-type]
        employee=employee_to_proto(event.employee),
        team_path=list(event.team_path),
        held=[org_pb2.HeldOnErasure(service=h.service, kind=h.kind, reason=h.reason, hold_id=h.hold_id) for h in event.held],
    )
