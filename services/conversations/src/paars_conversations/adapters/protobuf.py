"""Translation between the conversations domain and its protobuf messages (requests' enums, responses, events).

Responses are built from views the privacy policy already applied; events carry ids, dates, states and counts,
never anyone's words (domain/privacy.py, EVENT_PEOPLE_FIELDS)."""
from __future__ import annotations

import datetime as dt

from google.protobuf.message import Message

from paars.common.v1 import event_pb2
from paars.conversations.v1 import conversations_pb2 as pb
from paars_conversations.domain import circles as ci
from paars_conversations.domain import coaching as co
from paars_conversations.domain import concerns as cn
from paars_conversations.domain import one_on_one as o
from paars_conversations.domain import support as su
from paars_conversations.service_layer import commands as c
from paars_conversations.service_layer.unit_of_work import Event
from paars_platform.events import new_metadata, timestamp

PRODUCER = "paars-conversations"


def _day(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def pair_kind(value: int) -> o.PairKind | None:
    return o.PairKind(value) if value in {k.value for k in o.PairKind} else None


def hat(value: int) -> o.Hat | None:
    return o.Hat(value) if value in {h.value for h in o.Hat} else None


def link_kind(value: int) -> o.LinkKind:
    return o.LinkKind(value) if value in {k.value for k in o.LinkKind} else o.LinkKind.NONE


def relation(value: int) -> co.Relation | None:
    return co.Relation(value) if value in {r.value for r in co.Relation} else None


def concern_kind(value: int) -> cn.Kind | None:
    return cn.Kind(value) if value in {k.value for k in cn.Kind} else None


def service_kind(value: int) -> su.Kind | None:
    return su.Kind(value) if value in {k.value for k in su.Kind} else None


def professional_service_to_proto(s: su.ProfessionalService) -> pb.ProfessionalService:
    return pb.ProfessionalService(
        service_id=s.id, kind=s.kind.value, name=s.name, description=s.description, contact=s.contact,  # type: ignore[arg-type]
        active=s.active, updated_at=timestamp(s.updated_at),
    )


def pair_to_proto(view: c.PairView) -> pb.Pair:
    p = view.pair
    message = pb.Pair(
        pair_id=p.id, lead_id=p.lead_id, other_id=p.other_id, kind=p.kind.value,  # type: ignore[arg-type]
        cadence_days=p.cadence_days, consecutive_skips=p.consecutive_skips, created_at=timestamp(p.created_at),
    )
    if view.next_meeting is not None:
        message.next_meeting_id = view.next_meeting.id
        message.next_on = _day(view.next_meeting.scheduled_on)
    return message


def meeting_to_proto(view: o.MeetingView) -> pb.Meeting:
    m = view.meeting
    message = pb.Meeting(
        meeting_id=m.id, pair_id=m.pair.id, lead_id=m.pair.lead_id, other_id=m.pair.other_id,
        kind=m.pair.kind.value, scheduled_on=_day(m.scheduled_on), state=m.state.value,  # type: ignore[arg-type]
        agenda=[
            pb.AgendaTopic(topic_id=x.id, author_id=x.author_id, text=x.text, link_kind=x.link_kind.value,  # type: ignore[arg-type]
                           link_id=x.link_id, added_at=timestamp(x.added_at))
            for x in m.agenda
        ],
        notes=[pb.Note(note_id=n.id, author_id=n.author_id, text=n.text, private=n.private, written_at=timestamp(n.written_at)) for n in view.notes],
        agreements=[
            pb.Agreement(agreement_id=a.id, text=a.text, owner_id=a.owner_id, due_date=_day(a.due_date), proposed_by=a.proposed_by,
                         confirmed_by=list(a.confirmed_by), confirmed=a.confirmed(m.pair.members))
            for a in m.agreements
        ],
        hat=view.hat.value,  # type: ignore[arg-type]
    )
    if m.held_at is not None:
        message.held_at.CopyFrom(timestamp(m.held_at))
    return message


def hat_mix_to_proto(mix: o.HatMix) -> pb.HatMix:
    return pb.HatMix(
        days=mix.days, leader=mix.counts.get(o.Hat.LEADER, 0), manager=mix.counts.get(o.Hat.MANAGER, 0),
        coach=mix.counts.get(o.Hat.COACH, 0), unmarked=mix.counts.get(o.Hat.UNMARKED, 0),
    )


def profile_to_proto(p: co.CoachProfile) -> pb.CoachProfile:
    return pb.CoachProfile(coach_id=p.coach_id, bio=p.bio, capacity=p.capacity, active_coachees=p.active_coachees, available=p.available)


def request_to_proto(r: co.CoachingRequest) -> pb.CoachingRequest:
    return pb.CoachingRequest(
        request_id=r.id, coachee_id=r.coachee_id, coach_id=r.coach_id, relation=r.relation.value,  # type: ignore[arg-type]
        topic=r.topic, state=r.state.value,  # type: ignore[arg-type]
        goals=[pb.CoachingGoal(goal_id=g.id, text=g.text, development_goal_id=g.development_goal_id) for g in r.goals],
        requested_at=timestamp(r.requested_at),
    )


def session_to_proto(s: co.CoachingSession) -> pb.CoachingSession:
    return pb.CoachingSession(session_id=s.id, request_id=s.request_id, held_on=_day(s.held_on), notes=s.notes, recorded_by=s.recorded_by)


def concern_to_proto(x: cn.Concern) -> pb.Concern:
    return pb.Concern(
        concern_id=x.id, raised_by=x.raised_by, kind=x.kind.value, text=x.text, state=x.state.value,  # type: ignore[arg-type]
        resolution=x.resolution, raised_at=timestamp(x.raised_at), updated_at=timestamp(x.updated_at),
    )


def circle_to_proto(view: c.CircleView) -> pb.Circle:
    x = view.circle
    return pb.Circle(
        circle_id=x.id, name=x.name, member_ids=list(x.member_ids), formed_by=x.formed_by,
        next_case_owner_id=view.next_case_owner_id, formed_at=timestamp(x.formed_at), next_session_on=_day(x.next_session_on),
    )


def circle_session_to_proto(s: ci.CircleSession) -> pb.CircleSession:
    return pb.CircleSession(
        session_id=s.id, circle_id=s.circle_id, held_on=_day(s.held_on), case_owner_id=s.case_owner_id, case_text=s.case_text, notes=s.notes,
    )


def event_to_proto(event: Event) -> Message:
    """The event as published: ids, dates, states and counts only."""
    if isinstance(event, o.OneOnOneScheduled):
        m = event.meeting
        return pb.OneOnOneScheduled(
            metadata=new_metadata(producer=PRODUCER, subject_id=m.pair.other_id, visibility=event_pb2.VISIBILITY_PRIVATE),
            pair_id=m.pair.id, meeting_id=m.id, kind=m.pair.kind.value,  # type: ignore[arg-type]
            lead_id=m.pair.lead_id, other_id=m.pair.other_id, scheduled_on=_day(m.scheduled_on),
        )
    if isinstance(event, o.OneOnOneHeld):
        m = event.meeting
        return pb.OneOnOneHeld(
            metadata=new_metadata(producer=PRODUCER, subject_id=m.pair.other_id, visibility=event_pb2.VISIBILITY_PRIVATE, occurred_at=m.held_at),
            pair_id=m.pair.id, meeting_id=m.id, kind=m.pair.kind.value,  # type: ignore[arg-type]
            lead_id=m.pair.lead_id, other_id=m.pair.other_id, held_on=_day(m.held_at.date() if m.held_at else m.scheduled_on),
            agenda_topics=len(m.agenda),
        )
    if isinstance(event, o.OneOnOneSkipped):
        m = event.meeting
        return pb.OneOnOneSkipped(
            metadata=new_metadata(producer=PRODUCER, subject_id=m.pair.other_id, visibility=event_pb2.VISIBILITY_PRIVATE),
            pair_id=m.pair.id, meeting_id=m.id, kind=m.pair.kind.value,  # type: ignore[arg-type]
            lead_id=m.pair.lead_id, other_id=m.pair.other_id, scheduled_on=_day(m.scheduled_on), consecutive_skips=event.consecutive_skips,
        )
    if isinstance(event, o.AgreementConfirmed):
        a = event.agreement
        return pb.AgreementConfirmed(
            metadata=new_metadata(producer=PRODUCER, subject_id=a.owner_id, visibility=event_pb2.VISIBILITY_PRIVATE, actor_id=event.actor_id),
            agreement_id=a.id, meeting_id=event.meeting.id, owner_id=a.owner_id, due_date=_day(a.due_date),
        )
    if isinstance(event, co.CoachingRequestUpdated):
        r = event.request
        return pb.CoachingRequestUpdated(
            metadata=new_metadata(
                producer=PRODUCER, subject_id=r.coachee_id, visibility=event_pb2.VISIBILITY_PRIVATE, actor_id=event.actor_id, occurred_at=event.at,
            ),
            request_id=r.id, coachee_id=r.coachee_id, coach_id=r.coach_id, relation=r.relation.value,  # type: ignore[arg-type]
            state=r.state.value,  # type: ignore[arg-type]
        )
    if isinstance(event, co.CoachingSessionCompleted):
        r, s = event.request, event.session
        return pb.CoachingSessionCompleted(
            metadata=new_metadata(
                producer=PRODUCER, subject_id=r.coachee_id, visibility=event_pb2.VISIBILITY_PRIVATE, actor_id=s.recorded_by, occurred_at=event.at,
            ),
            session_id=s.id, request_id=r.id, coachee_id=r.coachee_id, coach_id=r.coach_id, held_on=_day(s.held_on),
            development_goal_ids=list(r.development_goal_ids()),
        )
    if isinstance(event, cn.ConcernUpdated):
        # Keyed and subjected by the concern itself, with no actor: no person can be read off the record.
        return pb.ConcernUpdated(
            metadata=new_metadata(producer=PRODUCER, subject_id=event.concern_id, visibility=event_pb2.VISIBILITY_HR_ONLY, occurred_at=event.at),
            concern_id=event.concern_id, state=event.state.value,  # type: ignore[arg-type]
        )
    if isinstance(event, ci.CircleSessionPlanned):
        # The members are the parties (the prompt goes to each); PRIVATE: no role, HR included, reads it off a page.
        return pb.CircleSessionPlanned(
            metadata=new_metadata(producer=PRODUCER, subject_id=event.circle_id, visibility=event_pb2.VISIBILITY_PRIVATE, occurred_at=event.at),
            circle_id=event.circle_id, planned_on=_day(event.planned_on), member_ids=list(event.member_ids),
        )
    return pb.CircleSessionHeld(
        metadata=new_metadata(producer=PRODUCER, subject_id=event.circle_id, visibility=event_pb2.VISIBILITY_PRIVATE, occurred_at=event.at),
        circle_id=event.circle_id, session_id=event.session_id, held_on=_day(event.held_on),
    )
