"""Conversations use cases. Each handler takes a command (or query) and a unit of work and holds the rules of its
use case only; who may read what is domain/privacy.py, asked through the domain objects' views. SQL is in
adapters/, protobuf in entrypoints/ and adapters/protobuf.py, running them in service_layer/messagebus.py."""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace

from paars_conversations.domain import circles as ci
from paars_conversations.domain import coaching as co
from paars_conversations.domain import concerns as cn
from paars_conversations.domain import one_on_one as o
from paars_conversations.domain import privacy
from paars_conversations.domain import support as su
from paars_conversations.domain.directory import Person
from paars_conversations.service_layer import commands as c
from paars_conversations.service_layer.unit_of_work import UnitOfWork
from paars_platform.auth import Identity
from paars_platform.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from paars_platform.privileged import PrivilegedAct


def _new_id() -> str:
    return str(uuid.uuid4())


def reader(caller: Identity) -> privacy.Reader:
    return privacy.Reader(caller.employee_id, caller.roles)


async def _person(uow: UnitOfWork, employee_id: str, field: str) -> Person:
    person = await uow.people.get(employee_id)
    if person is None or not person.active:
        raise InvalidArgument(field, "is not an active colleague")
    return person


async def _meeting(uow: UnitOfWork, meeting_id: str, caller: Identity, *, for_update: bool = True) -> o.Meeting:
    meeting = await uow.meetings.get(meeting_id, for_update=for_update)
    if meeting is None:
        raise NotFound(f"1:1 {meeting_id!r} not found")
    if not privacy.may_read(reader(caller), o.shared_item(meeting.pair)):
        raise PermissionDenied("only the two people in a 1:1 read it")
    return meeting


async def _view(uow: UnitOfWork, meeting: o.Meeting, caller: Identity) -> o.MeetingView:
    own = await uow.private_notes.by_author(meeting.id, caller.employee_id)
    return o.view_for(reader(caller), meeting, own)


# ---------- 1:1s ----------


async def schedule_pair(command: c.SchedulePair, uow: UnitOfWork) -> c.PairView:
    assert command.kind is not None and command.first_on is not None
    me = command.caller.employee_id
    other = await _person(uow, command.other_id, "other_id")
    if command.kind is o.PairKind.MANAGER_REPORT:
        # The manager leads; either of the two may set the 1:1 up.
        if other.manager_id == me:
            lead, second = me, other.id
        else:
            mine = await uow.people.get(me)
            if mine is None or mine.manager_id != other.id:
                raise InvalidArgument("other_id", "is neither your manager nor one of your reports: choose mentor, coach or peer")
            lead, second = other.id, me
    else:
        lead, second = me, other.id
    if await uow.pairs.between(lead, second, command.kind) is not None:
        raise AlreadyExists("these two already have a 1:1 of this kind")
    now = uow.clock()
    pair = o.Pair(_new_id(), lead, second, command.kind, command.cadence_days, now)
    meeting = o.Meeting(_new_id(), pair, command.first_on)
    await uow.pairs.add(pair)
    await uow.meetings.add(meeting)
    uow.add_events(o.OneOnOneScheduled(meeting))
    return c.PairView(pair, meeting)


async def read_meeting(command: c.ReadMeeting, uow: UnitOfWork) -> o.MeetingView:
    meeting = await _meeting(uow, command.meeting_id, command.caller, for_update=False)
    await uow.reads.record(meeting.id, command.caller.employee_id, uow.clock())
    return await _view(uow, meeting, command.caller)


async def add_agenda_topic(command: c.AddAgendaTopic, uow: UnitOfWork) -> o.MeetingView:
    meeting = await _meeting(uow, command.meeting_id, command.caller)
    topic = o.AgendaTopic(_new_id(), command.caller.employee_id, command.text.strip(), command.link_kind, command.link_id, uow.clock())
    meeting = meeting.add_topic(topic)
    await uow.meetings.save(meeting)
    return await _view(uow, meeting, command.caller)


async def add_note(command: c.AddNote, uow: UnitOfWork) -> o.MeetingView:
    meeting = await _meeting(uow, command.meeting_id, command.caller)
    note = o.Note(_new_id(), command.caller.employee_id, command.text.strip(), uow.clock(), private=command.private)
    if command.private:
        meeting.check_private_note_author(note.author_id)
        await uow.private_notes.add(meeting.id, note)
    else:
        meeting = meeting.add_shared_note(note)
        await uow.meetings.save(meeting)
    return await _view(uow, meeting, command.caller)


async def propose_agreement(command: c.ProposeAgreement, uow: UnitOfWork) -> o.MeetingView:
    meeting = await _meeting(uow, command.meeting_id, command.caller)
    agreement = o.Agreement(_new_id(), command.text.strip(), command.owner_id, command.due_date, command.caller.employee_id)
    meeting = meeting.propose(agreement)
    await uow.meetings.save(meeting)
    return await _view(uow, meeting, command.caller)


async def confirm_agreement(command: c.ConfirmAgreement, uow: UnitOfWork) -> o.MeetingView:
    meeting = await _meeting(uow, command.meeting_id, command.caller)
    meeting, agreement, now_action_item = meeting.confirm(command.agreement_id, command.caller.employee_id)
    await uow.meetings.save(meeting)
    if now_action_item:
        uow.add_events(o.AgreementConfirmed(meeting, agreement, command.caller.employee_id))
    return await _view(uow, meeting, command.caller)


async def complete_meeting(command: c.CompleteMeeting, uow: UnitOfWork) -> o.MeetingView:
    meeting = await _meeting(uow, command.meeting_id, command.caller)
    pair = await uow.pairs.get(meeting.pair.id, for_update=True)
    assert pair is not None
    meeting = replace(meeting.complete(held=command.held, by=command.caller.employee_id, at=uow.clock()), pair=pair)
    pair = o.after_completion(pair, meeting)
    await uow.pairs.save(pair)
    await uow.meetings.save(meeting)
    # The next one on the cadence.
    following = o.Meeting(_new_id(), pair, meeting.next_on())
    await uow.meetings.add(following)
    if meeting.state is o.MeetingState.HELD:
        uow.add_events(o.OneOnOneHeld(meeting))
    else:
        uow.add_events(o.OneOnOneSkipped(meeting, pair.consecutive_skips))
    uow.add_events(o.OneOnOneScheduled(following))
    return await _view(uow, replace(meeting, pair=pair), command.caller)


async def mark_hat(command: c.MarkHat, uow: UnitOfWork) -> o.MeetingView:
    assert command.hat is not None
    meeting = await _meeting(uow, command.meeting_id, command.caller)
    meeting = meeting.mark_hat(command.hat, command.caller.employee_id)
    await uow.meetings.save(meeting)
    return await _view(uow, meeting, command.caller)


async def list_pairs(query: c.ListPairs, uow: UnitOfWork) -> list[c.PairView]:
    pairs = await uow.pairs.of_person(query.caller.employee_id)
    upcoming = await uow.meetings.scheduled([p.id for p in pairs])
    return [c.PairView(p, upcoming.get(p.id)) for p in pairs]


async def list_meetings(query: c.ListMeetings, uow: UnitOfWork) -> list[o.MeetingView]:
    pair = await uow.pairs.get(query.pair_id)
    if pair is None:
        raise NotFound(f"pair {query.pair_id!r} not found")
    if not privacy.may_read(reader(query.caller), o.shared_item(pair)):
        raise PermissionDenied("only the two people in a 1:1 read it")
    return [await _view(uow, m, query.caller) for m in await uow.meetings.of_pair(pair.id)]


async def get_hat_mix(query: c.GetHatMix, uow: UnitOfWork) -> o.HatMix:
    # Only ever the caller's own: there is no way to name another manager.
    now = uow.clock()
    meetings = await uow.meetings.held_led_by(query.caller.employee_id, now - dt.timedelta(days=query.days))
    return o.hat_mix(meetings, query.caller.employee_id, today=now.date(), days=query.days)


async def list_meeting_reads(query: c.ListMeetingReads, uow: UnitOfWork) -> list[tuple[str, dt.datetime]]:
    meeting = await _meeting(uow, query.meeting_id, query.caller, for_update=False)
    item = privacy.Item(privacy.Content.MEETING_READS, meeting.pair.lead_id, meeting.pair.members)
    if not privacy.may_read(reader(query.caller), item):
        raise PermissionDenied("only the two people in a 1:1 see who read it")
    return await uow.reads.of_meeting(meeting.id)


# ---------- coaching ----------


async def set_coach_profile(command: c.SetCoachProfile, uow: UnitOfWork) -> co.CoachProfile:
    me = command.caller.employee_id
    existing = await uow.coaching.profile(me)
    active = existing.active_coachees if existing else 0
    profile = co.CoachProfile(me, command.bio.strip(), command.capacity, active)
    await uow.coaching.save_profile(profile)
    return profile


async def request_coaching(command: c.RequestCoaching, uow: UnitOfWork) -> co.CoachingRequest:
    assert command.relation is not None
    me = await _person(uow, command.caller.employee_id, "caller")
    coach = await uow.people.get(command.coach_id)
    co.check_relation(
        command.relation, coachee_id=me.id, coach_id=command.coach_id, coachee_manager_id=me.manager_id,
        coach_roles=coach.roles if coach else frozenset(), coach_active=bool(coach and coach.active),
    )
    request = co.CoachingRequest(_new_id(), me.id, command.coach_id, command.relation, command.topic.strip(), uow.clock())
    await uow.coaching.add_request(request)
    uow.add_events(co.CoachingRequestUpdated(request, me.id, request.requested_at))
    return request


async def _coaching_request(uow: UnitOfWork, request_id: str, caller: Identity, *, for_update: bool = True) -> co.CoachingRequest:
    request = await uow.coaching.get_request(request_id, for_update=for_update)
    if request is None:
        raise NotFound(f"coaching request {request_id!r} not found")
    if not privacy.may_read(reader(caller), request.item()):
        raise PermissionDenied("only coach and coachee read their coaching")
    return request


async def answer_coaching_request(command: c.AnswerCoachingRequest, uow: UnitOfWork) -> co.CoachingRequest:
    request = await _coaching_request(uow, command.request_id, command.caller)
    profile = await uow.coaching.profile(request.coach_id)
    answered = request.answer(accept=command.accept, by=command.caller.employee_id, profile=profile)
    await uow.coaching.save_request(answered)
    if answered.state is co.State.ACCEPTED:
        base = profile or co.CoachProfile(request.coach_id, "", co.DEFAULT_CAPACITY)
        await uow.coaching.save_profile(replace(base, active_coachees=base.active_coachees + 1))
    uow.add_events(co.CoachingRequestUpdated(answered, command.caller.employee_id, uow.clock()))
    return answered


async def add_coaching_goal(command: c.AddCoachingGoal, uow: UnitOfWork) -> co.CoachingRequest:
    request = await _coaching_request(uow, command.request_id, command.caller)
    goal = co.CoachingGoal(_new_id(), command.text.strip(), command.development_goal_id)
    request = request.add_goal(goal, command.caller.employee_id)
    await uow.coaching.save_request(request)
    return request


async def record_coaching_session(command: c.RecordCoachingSession, uow: UnitOfWork) -> co.CoachingSession:
    assert command.held_on is not None
    request = await _coaching_request(uow, command.request_id, command.caller, for_update=False)
    session = co.record_session(
        request, co.CoachingSession(_new_id(), request.id, command.held_on, command.notes.strip(), command.caller.employee_id),
    )
    await uow.coaching.add_session(session)
    uow.add_events(co.CoachingSessionCompleted(request, session, uow.clock()))
    return session


async def list_coaches(query: c.ListCoaches, uow: UnitOfWork) -> list[co.CoachProfile]:
    return [p for p in await uow.coaching.profiles() if p.capacity > 0]


async def list_coaching_requests(query: c.ListCoachingRequests, uow: UnitOfWork) -> list[co.CoachingRequest]:
    me = reader(query.caller)
    return [r for r in await uow.coaching.requests_of(query.caller.employee_id) if privacy.may_read(me, r.item())]


async def list_coaching_sessions(query: c.ListCoachingSessions, uow: UnitOfWork) -> list[co.CoachingSession]:
    request = await _coaching_request(uow, query.request_id, query.caller, for_update=False)
    return await uow.coaching.sessions(request.id)


# ---------- boundary concerns ----------


async def raise_concern(command: c.RaiseConcern, uow: UnitOfWork) -> cn.Concern:
    assert command.kind is not None
    now = uow.clock()
    concern = cn.Concern(_new_id(), command.caller.employee_id, command.kind, command.text.strip(), now, now)
    await uow.concerns.add(concern)
    uow.add_events(cn.ConcernUpdated(concern.id, concern.state, now))
    return concern


async def _concern(uow: UnitOfWork, concern_id: str, caller: Identity) -> cn.Concern:
    concern = await uow.concerns.get(concern_id, for_update=True)
    if concern is None or not privacy.may_read(reader(caller), concern.item()):
        # A concern the caller may not read does not exist for them.
        raise NotFound(f"concern {concern_id!r} not found")
    return concern


def _hr_on_concern(uow: UnitOfWork, caller: Identity, action: str, concern: cn.Concern) -> None:
    """HR reading or handling a concern someone else raised is a privileged act about that person (issue 18 item 6)."""
    if concern.raised_by != caller.employee_id:
        uow.privileged.append(PrivilegedAct(action, concern.raised_by, "hr", "concern", concern.id))


async def acknowledge_concern(command: c.AcknowledgeConcern, uow: UnitOfWork) -> cn.Concern:
    concern = await _concern(uow, command.concern_id, command.caller)
    _hr_on_concern(uow, command.caller, "edit", concern)
    now = uow.clock()
    concern = concern.acknowledge(by=command.caller.employee_id, roles=command.caller.roles, at=now)
    await uow.concerns.save(concern)
    uow.add_events(cn.ConcernUpdated(concern.id, concern.state, now))
    return concern


async def resolve_concern(command: c.ResolveConcern, uow: UnitOfWork) -> cn.Concern:
    concern = await _concern(uow, command.concern_id, command.caller)
    _hr_on_concern(uow, command.caller, "edit", concern)
    now = uow.clock()
    concern = concern.resolve(by=command.caller.employee_id, roles=command.caller.roles, resolution=command.resolution.strip(), at=now)
    await uow.concerns.save(concern)
    uow.add_events(cn.ConcernUpdated(concern.id, concern.state, now))
    return concern


async def list_concerns(query: c.ListConcerns, uow: UnitOfWork) -> list[cn.Concern]:
    me = reader(query.caller)
    if query.all:
        if not query.caller.has("hr"):
            raise PermissionDenied("only HR lists every concern")
        found = await uow.concerns.every()
    else:
        found = await uow.concerns.raised_by(query.caller.employee_id)
    shown = [x for x in found if privacy.may_read(me, x.item())]
    for concern in shown:
        _hr_on_concern(uow, query.caller, "read", concern)
    return shown


# ---------- circles ----------


async def _managers(uow: UnitOfWork) -> dict[str, ci.Manager]:
    return {p.id: ci.Manager(p.id, p.team_id, p.manager_id) for p in await uow.people.managers()}


async def suggest_circle(query: c.SuggestCircle, uow: UnitOfWork) -> list[str]:
    if not query.caller.has("hr"):
        raise PermissionDenied("HR forms peer coaching circles")
    taken = {m for circle in await uow.circles.every() for m in circle.member_ids} - set(query.exclude_ids)
    suggestion = ci.suggest(list((await _managers(uow)).values()), query.size, skip=frozenset(taken))
    if not suggestion:
        raise NotFound(f"no {query.size} managers from different teams without a reporting line between them are free")
    return suggestion


async def form_circle(command: c.FormCircle, uow: UnitOfWork) -> ci.Circle:
    now = uow.clock()
    circle = ci.Circle(_new_id(), command.name.strip(), command.member_ids, command.caller.employee_id, now, command.first_session_on)
    circle = ci.form(circle, roles=command.caller.roles, people=await _managers(uow), today=now.date())
    await uow.circles.add(circle)
    if circle.next_session_on is not None:
        uow.add_events(ci.CircleSessionPlanned(circle.id, circle.next_session_on, circle.member_ids, now))
    return circle


async def _circle(uow: UnitOfWork, circle_id: str) -> ci.Circle:
    circle = await uow.circles.get(circle_id)
    if circle is None:
        raise NotFound(f"circle {circle_id!r} not found")
    return circle


async def hold_circle_session(command: c.HoldCircleSession, uow: UnitOfWork) -> ci.CircleSession:
    assert command.held_on is not None
    circle = await _circle(uow, command.circle_id)
    if not privacy.may_read(reader(command.caller), circle.session_item()):
        raise PermissionDenied("only the circle's members hold its sessions")
    previous = await uow.circles.sessions(circle.id)
    owner = circle.next_case_owner(previous[0].case_owner_id if previous else None)
    session = ci.hold(
        circle, ci.CircleSession(_new_id(), circle.id, command.held_on, owner, command.case_text.strip(), command.notes.strip()),
        by=command.caller.employee_id,
    )
    await uow.circles.add_session(session)
    now = uow.clock()
    uow.add_events(ci.CircleSessionHeld(circle.id, session.id, session.held_on, now))
    # The plan this session met is done; the next one, when given, is planned (and its members prompted).
    circle = ci.plan_next(circle, session, command.next_session_on)
    await uow.circles.plan(circle.id, circle.next_session_on)
    if circle.next_session_on is not None:
        uow.add_events(ci.CircleSessionPlanned(circle.id, circle.next_session_on, circle.member_ids, now))
    return session


async def list_circles(query: c.ListCircles, uow: UnitOfWork) -> list[c.CircleView]:
    me = reader(query.caller)
    views = []
    for circle in await uow.circles.every():
        if privacy.may_read(me, circle.membership_item()):
            previous = await uow.circles.sessions(circle.id) if privacy.may_read(me, circle.session_item()) else []
            views.append(c.CircleView(circle, circle.next_case_owner(previous[0].case_owner_id if previous else None)))
            if me.employee_id not in circle.member_ids:
                # HR reading who is in a circle they are not in: a privileged read about each member.
                uow.privileged.extend(PrivilegedAct("read", member, "hr", "circle", circle.id) for member in circle.member_ids)
    return views


async def list_circle_sessions(query: c.ListCircleSessions, uow: UnitOfWork) -> list[ci.CircleSession]:
    circle = await _circle(uow, query.circle_id)
    if not privacy.may_read(reader(query.caller), circle.session_item()):
        raise PermissionDenied("what is said in a circle stays in the circle")
    return await uow.circles.sessions(circle.id)


# ---------- professional services HR keeps ----------


async def set_professional_service(command: c.SetProfessionalService, uow: UnitOfWork) -> su.ProfessionalService:
    assert command.kind is not None
    su.check_keeper(command.caller.roles)
    now, me = uow.clock(), command.caller.employee_id
    name, description, contact = command.name.strip(), command.description.strip(), command.contact.strip()
    if command.service_id:
        current = await uow.support.get(command.service_id, for_update=True)
        if current is None:
            raise NotFound(f"professional service {command.service_id!r} not found")
        service = current.changed(kind=command.kind, name=name, description=description, contact=contact, active=command.active, by=me, at=now)
    else:
        if await uow.support.count() >= su.MAX_SERVICES:
            raise FailedPrecondition(f"the catalogue holds at most {su.MAX_SERVICES} services")
        service = su.ProfessionalService(_new_id(), command.kind, name, description, contact, command.active, now, me)
    await uow.support.save(service)
    return service


async def list_professional_services(query: c.ListProfessionalServices, uow: UnitOfWork) -> list[su.ProfessionalService]:
    return su.offered(await uow.support.every(), include_retired=query.include_retired, roles=query.caller.roles)
