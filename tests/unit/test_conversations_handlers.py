"""Conversations handlers over in-memory fakes: 1:1s with a shared agenda and agreements, the hat, coaching,
boundary concerns and peer coaching circles. Who reads what is tested in test_conversations_privacy.py."""
from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from paars_conversations.domain import circles as ci
from paars_conversations.domain import coaching as co
from paars_conversations.domain import concerns as cn
from paars_conversations.domain import one_on_one as o
from paars_conversations.service_layer import commands as c
from paars_platform.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from tests.unit.conversations_fakes import NOW, Store, bus, organisation, person

MGR, ANN, BOB, BOSS, HR, CARA = person("mgr", "manager"), person("ann"), person("bob"), person("boss", "manager", "leader"), person("hr1", "hr"), person("cara", "coach")
MIA, NIA, OLAF, PIM = person("mia", "manager"), person("nia", "manager"), person("olaf", "manager"), person("pim", "manager")
FIRST = dt.date(2026, 3, 4)


async def one_on_one(store: Store, caller=MGR, other: str = "ann", kind: o.PairKind = o.PairKind.MANAGER_REPORT) -> c.PairView:
    return await bus(store).handle(c.SchedulePair(caller, other_id=other, kind=kind, cadence_days=14, first_on=FIRST))


def not_scheduled(store: Store) -> list[object]:
    """The events besides the 1:1s planned (OneOnOneScheduled, which every set-up and completion adds)."""
    return [e for e in store.outbox if not isinstance(e, o.OneOnOneScheduled)]


def fields(err: InvalidArgument) -> set[str]:
    return {v.field for v in err.violations}


# ---------- 1:1s ----------


async def test_a_manager_sets_up_a_fortnightly_one_on_one_with_a_report_and_the_first_meeting_is_scheduled() -> None:
    store = organisation()
    view = await one_on_one(store)
    assert (view.pair.lead_id, view.pair.other_id, view.pair.kind) == ("mgr", "ann", o.PairKind.MANAGER_REPORT)
    assert view.next_meeting is not None and view.next_meeting.scheduled_on == FIRST
    assert view.next_meeting.state is o.MeetingState.SCHEDULED


async def test_a_report_may_set_up_the_one_on_one_with_their_manager_who_still_leads_it() -> None:
    store = organisation()
    view = await one_on_one(store, caller=ANN, other="mgr")
    assert (view.pair.lead_id, view.pair.other_id) == ("mgr", "ann")


async def test_a_manager_report_one_on_one_needs_a_reporting_line_and_mentor_or_peer_pairs_do_not() -> None:
    store = organisation()
    with pytest.raises(InvalidArgument) as err:
        await one_on_one(store, caller=BOB, other="ann")
    assert fields(err.value) == {"other_id"}
    peer = await one_on_one(store, caller=BOB, other="ann", kind=o.PairKind.PEER)
    mentor = await one_on_one(store, caller=BOSS, other="ann", kind=o.PairKind.MENTOR)
    assert (peer.pair.lead_id, mentor.pair.kind) == ("bob", o.PairKind.MENTOR)


async def test_the_same_pair_of_the_same_kind_is_set_up_once() -> None:
    store = organisation()
    await one_on_one(store)
    with pytest.raises(AlreadyExists):
        await one_on_one(store, caller=ANN, other="mgr")


async def test_a_schedule_request_names_every_wrong_field_at_once() -> None:
    with pytest.raises(InvalidArgument) as err:
        await bus(organisation()).handle(c.SchedulePair(MGR, other_id="mgr", kind=None, cadence_days=5, first_on=None, first_on_raw="soon"))
    assert fields(err.value) == {"other_id", "kind", "cadence_days", "first_on"}


async def test_an_inactive_colleague_gets_no_one_on_one() -> None:
    with pytest.raises(InvalidArgument):
        await one_on_one(organisation(), other="gone")


async def test_both_add_to_the_agenda_ahead_of_time_and_topics_link_a_goal_feedback_action_item_or_insight() -> None:
    store = organisation()
    meeting_id = (await one_on_one(store)).next_meeting.id
    await bus(store).handle(c.AddAgendaTopic(ANN, meeting_id=meeting_id, text="My goal on retros", link_kind=o.LinkKind.GOAL, link_id="goal-1"))
    view = await bus(store).handle(c.AddAgendaTopic(MGR, meeting_id=meeting_id, text="Your feedback from Bob", link_kind=o.LinkKind.FEEDBACK, link_id="fb-9"))
    assert [(t.author_id, t.link_kind, t.link_id) for t in view.meeting.agenda] == [("ann", o.LinkKind.GOAL, "goal-1"), ("mgr", o.LinkKind.FEEDBACK, "fb-9")]
    for kind in (o.LinkKind.ACTION_ITEM, o.LinkKind.INSIGHT):
        await bus(store).handle(c.AddAgendaTopic(ANN, meeting_id=meeting_id, text="x", link_kind=kind, link_id="x-1"))


async def test_a_link_id_without_its_kind_or_a_topic_without_text_is_refused() -> None:
    with pytest.raises(InvalidArgument) as err:
        await bus(organisation()).handle(c.AddAgendaTopic(ANN, meeting_id="m-1", text=" ", link_kind=o.LinkKind.NONE, link_id="goal-1"))
    assert fields(err.value) == {"text", "link_kind"}


async def test_someone_outside_the_pair_cannot_add_to_its_agenda() -> None:
    store = organisation()
    meeting_id = (await one_on_one(store)).next_meeting.id
    with pytest.raises(PermissionDenied):
        await bus(store).handle(c.AddAgendaTopic(BOB, meeting_id=meeting_id, text="hi", link_kind=o.LinkKind.NONE, link_id=""))


async def test_a_meeting_that_does_not_exist_is_not_found() -> None:
    with pytest.raises(NotFound):
        await bus(organisation()).handle(c.ReadMeeting(ANN, meeting_id="nope"))


async def test_shared_notes_reach_both_and_private_notes_only_their_author() -> None:
    store = organisation()
    meeting_id = (await one_on_one(store)).next_meeting.id
    await bus(store).handle(c.AddNote(MGR, meeting_id=meeting_id, text="Ann seemed tired", private=True))
    store.now = NOW + dt.timedelta(minutes=1)
    mine = await bus(store).handle(c.AddNote(MGR, meeting_id=meeting_id, text="We talked about the retro", private=False))
    assert [(n.text, n.private) for n in mine.notes] == [("Ann seemed tired", True), ("We talked about the retro", False)]
    ann = await bus(store).handle(c.ReadMeeting(ANN, meeting_id=meeting_id))
    assert [n.text for n in ann.notes] == ["We talked about the retro"]


async def test_an_agreement_becomes_an_action_item_once_both_confirm_it_and_only_then_is_an_event() -> None:
    store = organisation()
    meeting_id = (await one_on_one(store)).next_meeting.id
    view = await bus(store).handle(c.ProposeAgreement(ANN, meeting_id=meeting_id, text="Ann leads the next retro", owner_id="ann", due_date=dt.date(2026, 4, 1)))
    agreement = view.meeting.agreements[0]
    assert agreement.confirmed_by == ("ann",) and not agreement.confirmed(view.meeting.pair.members)
    assert not_scheduled(store) == []
    again = await bus(store).handle(c.ConfirmAgreement(ANN, meeting_id=meeting_id, agreement_id=agreement.id))
    assert again.meeting.agreements[0].confirmed_by == ("ann",) and not_scheduled(store) == []
    done = await bus(store).handle(c.ConfirmAgreement(MGR, meeting_id=meeting_id, agreement_id=agreement.id))
    assert done.meeting.agreements[0].confirmed(done.meeting.pair.members)
    [event] = not_scheduled(store)
    assert isinstance(event, o.AgreementConfirmed) and event.agreement.owner_id == "ann"


async def test_an_agreement_is_owned_by_one_of_the_two_and_an_unknown_one_is_not_found() -> None:
    store = organisation()
    meeting_id = (await one_on_one(store)).next_meeting.id
    with pytest.raises(InvalidArgument):
        await bus(store).handle(c.ProposeAgreement(MGR, meeting_id=meeting_id, text="Bob does it", owner_id="bob", due_date=None))
    with pytest.raises(InvalidArgument) as err:
        await bus(store).handle(c.ProposeAgreement(MGR, meeting_id=meeting_id, text="x", owner_id="ann", due_date=None, due_date_raw="next week"))
    assert fields(err.value) == {"due_date"}
    with pytest.raises(NotFound):
        await bus(store).handle(c.ConfirmAgreement(MGR, meeting_id=meeting_id, agreement_id="nope"))


async def test_a_held_one_on_one_schedules_the_next_on_the_cadence_and_is_an_event() -> None:
    store = organisation()
    pair = await one_on_one(store)
    view = await bus(store).handle(c.CompleteMeeting(MGR, meeting_id=pair.next_meeting.id, held=True))
    assert view.meeting.state is o.MeetingState.HELD and view.meeting.held_at == NOW
    [listed] = await bus(store).ask(c.ListPairs(ANN))
    assert listed.next_meeting.scheduled_on == FIRST + dt.timedelta(days=14)
    first, held, following = store.outbox
    assert isinstance(held, o.OneOnOneHeld)
    # Planned: the first meeting when the pair was set up, the next one on the cadence once this one was held.
    assert isinstance(first, o.OneOnOneScheduled) and first.meeting.scheduled_on == FIRST
    assert isinstance(following, o.OneOnOneScheduled) and following.meeting.id == listed.next_meeting.id
    with pytest.raises(FailedPrecondition):
        await bus(store).handle(c.CompleteMeeting(ANN, meeting_id=pair.next_meeting.id, held=False))


async def test_skipping_again_and_again_counts_up_as_a_signal_and_holding_one_starts_again() -> None:
    store = organisation()
    view = await one_on_one(store)
    for expected in (1, 2, 3):
        [listed] = await bus(store).ask(c.ListPairs(MGR))
        await bus(store).handle(c.CompleteMeeting(MGR, meeting_id=listed.next_meeting.id, held=False))
        skipped = not_scheduled(store)[-1]
        assert isinstance(skipped, o.OneOnOneSkipped) and skipped.consecutive_skips == expected
    [listed] = await bus(store).ask(c.ListPairs(MGR))
    await bus(store).handle(c.CompleteMeeting(ANN, meeting_id=listed.next_meeting.id, held=True))
    assert store.pairs[view.pair.id].consecutive_skips == 0
    assert len(await bus(store).ask(c.ListMeetings(ANN, pair_id=view.pair.id))) == 5


async def test_the_manager_marks_the_hat_and_sees_their_own_mix_over_ninety_days() -> None:
    store = organisation()
    hats = (o.Hat.COACH, o.Hat.COACH, o.Hat.LEADER)
    for report, hat in zip(("ann", "bob", "ann"), hats, strict=True):
        pairs = {p.pair.other_id: p for p in await bus(store).ask(c.ListPairs(MGR))}
        if report not in pairs:
            pairs[report] = await one_on_one(store, other=report)
        meeting_id = pairs[report].next_meeting.id
        await bus(store).handle(c.MarkHat(MGR, meeting_id=meeting_id, hat=hat))
        await bus(store).handle(c.CompleteMeeting(MGR, meeting_id=meeting_id, held=True))
    mix = await bus(store).ask(c.GetHatMix(MGR, days=90))
    assert (mix.counts[o.Hat.COACH], mix.counts[o.Hat.LEADER], mix.counts[o.Hat.MANAGER]) == (2, 1, 0)
    store.now = NOW + dt.timedelta(days=91)
    assert sum((await bus(store).ask(c.GetHatMix(MGR, days=90))).counts.values()) == 0
    assert sum((await bus(store).ask(c.GetHatMix(BOSS, days=90))).counts.values()) == 0


async def test_only_the_manager_of_a_manager_report_one_on_one_marks_a_hat() -> None:
    store = organisation()
    meeting_id = (await one_on_one(store)).next_meeting.id
    with pytest.raises(PermissionDenied):
        await bus(store).handle(c.MarkHat(ANN, meeting_id=meeting_id, hat=o.Hat.COACH))
    peer = await one_on_one(store, caller=BOB, other="ann", kind=o.PairKind.PEER)
    with pytest.raises(PermissionDenied):
        await bus(store).handle(c.MarkHat(BOB, meeting_id=peer.next_meeting.id, hat=o.Hat.COACH))
    with pytest.raises(InvalidArgument):
        await bus(store).handle(c.MarkHat(MGR, meeting_id=meeting_id, hat=o.Hat.UNMARKED))


async def test_reading_a_meeting_lands_in_its_read_audit_which_both_see() -> None:
    store = organisation()
    meeting_id = (await one_on_one(store)).next_meeting.id
    await bus(store).handle(c.ReadMeeting(ANN, meeting_id=meeting_id))
    store.now = NOW + dt.timedelta(minutes=5)
    await bus(store).handle(c.ReadMeeting(MGR, meeting_id=meeting_id))
    assert await bus(store).ask(c.ListMeetingReads(ANN, meeting_id=meeting_id)) == [("mgr", NOW + dt.timedelta(minutes=5)), ("ann", NOW)]
    with pytest.raises(PermissionDenied):
        await bus(store).ask(c.ListMeetingReads(BOSS, meeting_id=meeting_id))


async def test_listing_meetings_of_someone_else_s_pair_is_refused() -> None:
    store = organisation()
    pair = await one_on_one(store)
    with pytest.raises(PermissionDenied):
        await bus(store).ask(c.ListMeetings(BOB, pair_id=pair.pair.id))
    with pytest.raises(NotFound):
        await bus(store).ask(c.ListMeetings(BOB, pair_id="nope"))


# ---------- coaching ----------


async def test_an_employee_asks_their_manager_a_coach_or_a_peer_for_coaching() -> None:
    store = organisation()
    for coach, relation in (("mgr", co.Relation.MANAGER), ("cara", co.Relation.INTERNAL_COACH), ("bob", co.Relation.PEER)):
        request = await bus(store).handle(c.RequestCoaching(ANN, coach_id=coach, relation=relation, topic="Giving feedback upward"))
        assert (request.coach_id, request.state) == (coach, co.State.REQUESTED)
    assert [type(e) for e in store.outbox] == [co.CoachingRequestUpdated] * 3


@pytest.mark.parametrize(("coach", "relation"), [("bob", co.Relation.MANAGER), ("bob", co.Relation.INTERNAL_COACH), ("ann", co.Relation.PEER), ("gone", co.Relation.PEER)])
async def test_coaching_is_asked_of_the_right_person(coach: str, relation: co.Relation) -> None:
    with pytest.raises(InvalidArgument) as err:
        await bus(organisation()).handle(c.RequestCoaching(ANN, coach_id=coach, relation=relation, topic="x"))
    assert fields(err.value) == {"coach_id"}


async def test_a_coach_accepts_within_their_capacity_and_declines_when_full() -> None:
    store = organisation()
    profile = await bus(store).handle(c.SetCoachProfile(CARA, bio="Ik help je groeien.", capacity=1))
    assert profile.available
    first = await bus(store).handle(c.RequestCoaching(ANN, coach_id="cara", relation=co.Relation.INTERNAL_COACH, topic="x"))
    second = await bus(store).handle(c.RequestCoaching(BOB, coach_id="cara", relation=co.Relation.INTERNAL_COACH, topic="y"))
    with pytest.raises(PermissionDenied):
        await bus(store).handle(c.AnswerCoachingRequest(ANN, request_id=first.id, accept=True))
    accepted = await bus(store).handle(c.AnswerCoachingRequest(CARA, request_id=first.id, accept=True))
    assert accepted.state is co.State.ACCEPTED and store.profiles["cara"].active_coachees == 1
    with pytest.raises(FailedPrecondition):
        await bus(store).handle(c.AnswerCoachingRequest(CARA, request_id=second.id, accept=True))
    declined = await bus(store).handle(c.AnswerCoachingRequest(CARA, request_id=second.id, accept=False))
    assert declined.state is co.State.DECLINED
    with pytest.raises(FailedPrecondition):
        await bus(store).handle(c.AnswerCoachingRequest(CARA, request_id=second.id, accept=True))
    assert await bus(store).ask(c.ListCoaches(ANN)) == [dataclasses.replace(profile, active_coachees=1)]


async def test_a_coach_profile_keeps_its_bio_short_and_capacity_bounded() -> None:
    with pytest.raises(InvalidArgument) as err:
        await bus(organisation()).handle(c.SetCoachProfile(CARA, bio="x" * (co.MAX_BIO + 1), capacity=99))
    assert fields(err.value) == {"bio", "capacity"}


async def test_coaching_goals_link_development_goals_and_completed_sessions_are_events_without_notes() -> None:
    store = organisation()
    request = await bus(store).handle(c.RequestCoaching(ANN, coach_id="mgr", relation=co.Relation.MANAGER, topic="Presenting"))
    await bus(store).handle(c.AnswerCoachingRequest(MGR, request_id=request.id, accept=True))
    with_goal = await bus(store).handle(c.AddCoachingGoal(ANN, request_id=request.id, text="Present twice", development_goal_id="goal-7"))
    assert with_goal.development_goal_ids() == ("goal-7",)
    session = await bus(store).handle(c.RecordCoachingSession(MGR, request_id=request.id, held_on=dt.date(2026, 3, 3), notes="Practised the opening"))
    event = store.outbox[-1]
    assert isinstance(event, co.CoachingSessionCompleted) and event.session.id == session.id
    assert await bus(store).ask(c.ListCoachingSessions(ANN, request_id=request.id)) == [session]
    assert [r.id for r in await bus(store).ask(c.ListCoachingRequests(MGR))] == [request.id]


async def test_sessions_follow_an_accepted_request_and_goals_belong_to_coach_and_coachee() -> None:
    store = organisation()
    request = await bus(store).handle(c.RequestCoaching(ANN, coach_id="bob", relation=co.Relation.PEER, topic="x"))
    with pytest.raises(FailedPrecondition):
        await bus(store).handle(c.RecordCoachingSession(BOB, request_id=request.id, held_on=dt.date(2026, 3, 3), notes=""))
    with pytest.raises(PermissionDenied):
        await bus(store).handle(c.AddCoachingGoal(MGR, request_id=request.id, text="x", development_goal_id=""))
    with pytest.raises(InvalidArgument) as err:
        await bus(store).handle(c.RecordCoachingSession(BOB, request_id=request.id, held_on=None, notes="", held_on_raw="yesterday"))
    assert fields(err.value) == {"held_on"}
    with pytest.raises(NotFound):
        await bus(store).handle(c.AddCoachingGoal(ANN, request_id="nope", text="x", development_goal_id=""))


# ---------- boundary concerns ----------


async def test_a_concern_goes_raised_acknowledged_resolved_and_the_person_sees_its_status() -> None:
    store = organisation()
    concern = await bus(store).handle(c.RaiseConcern(ANN, kind=cn.Kind.THERAPIST_ROLE, text="My manager acts as my therapist"))
    await bus(store).handle(c.AcknowledgeConcern(HR, concern_id=concern.id))
    assert [x.state for x in await bus(store).ask(c.ListConcerns(ANN, all=False))] == [cn.State.ACKNOWLEDGED]
    await bus(store).handle(c.ResolveConcern(HR, concern_id=concern.id, resolution="We spoke with your manager; see the counsellor list"))
    [mine] = await bus(store).ask(c.ListConcerns(ANN, all=False))
    assert (mine.state, mine.handled_by) == (cn.State.RESOLVED, "hr1")
    assert [e.state for e in store.outbox] == [cn.State.RAISED, cn.State.ACKNOWLEDGED, cn.State.RESOLVED]
    with pytest.raises(FailedPrecondition):
        await bus(store).handle(c.ResolveConcern(HR, concern_id=concern.id, resolution="again"))


async def test_only_hr_handles_a_concern_and_not_one_they_raised_themselves() -> None:
    store = organisation()
    concern = await bus(store).handle(c.RaiseConcern(HR, kind=cn.Kind.OTHER, text="x"))
    with pytest.raises(PermissionDenied):
        await bus(store).handle(c.AcknowledgeConcern(HR, concern_id=concern.id))
    with pytest.raises(PermissionDenied):
        await bus(store).ask(c.ListConcerns(MGR, all=True))
    other_hr = person("hr2", "hr")
    assert [x.id for x in await bus(store).ask(c.ListConcerns(other_hr, all=True))] == [concern.id]
    with pytest.raises(InvalidArgument) as err:
        await bus(store).handle(c.RaiseConcern(ANN, kind=None, text=""))
    assert fields(err.value) == {"kind", "text"}


# ---------- circles ----------


async def test_hr_is_suggested_managers_from_different_teams_with_no_reporting_line_between_them() -> None:
    store = organisation()
    suggestion = await bus(store).ask(c.SuggestCircle(HR, size=3))
    managers = {p.id: ci.Manager(p.id, p.team_id, p.manager_id) for p in store.people.values() if "manager" in p.roles}
    assert len(suggestion) == 3 and ci.conflicts(suggestion, managers) == []
    with pytest.raises(PermissionDenied):
        await bus(store).ask(c.SuggestCircle(MGR, size=3))
    with pytest.raises(InvalidArgument):
        await bus(store).ask(c.SuggestCircle(HR, size=6))


async def test_a_circle_with_a_manager_and_their_own_report_is_refused() -> None:
    store = organisation()
    with pytest.raises(InvalidArgument) as err:
        await bus(store).handle(c.FormCircle(HR, name="Kring", member_ids=("mia", "nia", "mgr")))
    assert "mia manages nia" in err.value.violations[0].description
    with pytest.raises(PermissionDenied):
        await bus(store).handle(c.FormCircle(MGR, name="Kring", member_ids=("mgr", "nia", "pim")))
    with pytest.raises(InvalidArgument):
        await bus(store).handle(c.FormCircle(HR, name="Kring", member_ids=("mgr", "nia")))


async def test_members_bring_a_case_in_turn_and_managers_already_in_a_circle_are_not_suggested_again() -> None:
    store = organisation()
    circle = await bus(store).handle(c.FormCircle(HR, name="Kring 1", member_ids=("mgr", "nia", "pim")))
    owners = []
    for day in (3, 10, 17, 24):
        session = await bus(store).handle(c.HoldCircleSession(NIA, circle_id=circle.id, held_on=dt.date(2026, 3, day), case_text="A case", notes=""))
        owners.append(session.case_owner_id)
    assert owners == ["mgr", "nia", "pim", "mgr"]
    assert isinstance(store.outbox[-1], ci.CircleSessionHeld)
    [view] = await bus(store).ask(c.ListCircles(PIM))
    assert view.next_case_owner_id == "nia"
    assert len(await bus(store).ask(c.ListCircleSessions(MGR, circle_id=circle.id))) == 4
    with pytest.raises(NotFound):
        await bus(store).ask(c.SuggestCircle(HR, size=3))
    with pytest.raises(InvalidArgument) as err:
        await bus(store).handle(c.HoldCircleSession(NIA, circle_id=circle.id, held_on=None, case_text="", notes=""))
    assert fields(err.value) == {"held_on", "case_text"}


async def test_a_circle_s_next_session_is_planned_when_it_is_formed_and_each_time_one_is_held() -> None:
    """Prompts before sessions (issue 15 item 4): the planned date is stored on the circle and published with the
    members' ids only; holding a session without a next date leaves none planned (and publishes no plan)."""
    store = organisation()
    circle = await bus(store).handle(c.FormCircle(HR, name="Kring", member_ids=("mgr", "nia", "pim"), first_session_on=dt.date(2026, 3, 9)))
    assert circle.next_session_on == dt.date(2026, 3, 9)
    planned = store.outbox[-1]
    assert planned == ci.CircleSessionPlanned(circle.id, dt.date(2026, 3, 9), ("mgr", "nia", "pim"), store.now)
    await bus(store).handle(c.HoldCircleSession(
        NIA, circle_id=circle.id, held_on=dt.date(2026, 3, 9), case_text="A case", notes="", next_session_on=dt.date(2026, 4, 6),
    ))
    assert [type(e) for e in store.outbox[-2:]] == [ci.CircleSessionHeld, ci.CircleSessionPlanned]
    assert store.outbox[-1].planned_on == dt.date(2026, 4, 6)  # type: ignore[union-attr]
    [view] = await bus(store).ask(c.ListCircles(HR))
    assert view.circle.next_session_on == dt.date(2026, 4, 6)
    events = len(store.outbox)
    await bus(store).handle(c.HoldCircleSession(NIA, circle_id=circle.id, held_on=dt.date(2026, 4, 6), case_text="A case", notes=""))
    assert [type(e) for e in store.outbox[events:]] == [ci.CircleSessionHeld]
    assert store.circles[circle.id].next_session_on is None


async def test_a_planned_circle_session_in_the_past_or_not_after_the_one_held_is_refused_naming_the_field() -> None:
    store = organisation()
    with pytest.raises(InvalidArgument) as err:
        await bus(store).handle(c.FormCircle(HR, name="Kring", member_ids=("mgr", "nia", "pim"), first_session_on=dt.date(2026, 3, 1)))
    assert fields(err.value) == {"first_session_on"}
    with pytest.raises(InvalidArgument) as err:
        await bus(store).handle(c.FormCircle(HR, name="Kring", member_ids=("mgr", "nia", "pim"), first_session_on_raw="next week"))
    assert fields(err.value) == {"first_session_on"}
    assert store.circles == {}
    circle = await bus(store).handle(c.FormCircle(HR, name="Kring", member_ids=("mgr", "nia", "pim")))
    assert circle.next_session_on is None and store.outbox == []
    for next_on in (dt.date(2026, 3, 9), dt.date(2026, 3, 2)):
        with pytest.raises(InvalidArgument) as err:
            await bus(store).handle(c.HoldCircleSession(
                NIA, circle_id=circle.id, held_on=dt.date(2026, 3, 9), case_text="A case", notes="", next_session_on=next_on,
            ))
        assert fields(err.value) == {"next_session_on"}
    assert store.circle_sessions == [] and store.outbox == []
