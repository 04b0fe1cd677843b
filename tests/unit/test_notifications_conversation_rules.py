"""The prompts for conversations (issue 15): before a 1:1 (add to the agenda), after it (capture agreements, ask
each other for feedback), a coaching request to the person asked, a next step after a coaching session, and a
boundary concern to HR naming nobody; what closes them; their links. Rules over the in-memory directory."""
from __future__ import annotations

import dataclasses
import datetime as dt

from paars.common.v1 import event_pb2 as ev
from paars.conversations.v1 import conversations_pb2 as cv
from paars.feedback.v1 import feedback_pb2 as fb
from paars.notifications.v1 import notifications_pb2 as pb
from paars_notifications.domain import rules, texts
from paars_notifications.domain.visibility import Person
from paars_platform.links import action_path
from tests.unit.test_notifications_rules import ORG, TODAY, meta

PRIVATE = ev.VISIBILITY_PRIVATE


def scheduled(on: str = "2026-12-08", lead: str = "mgr", other: str = "ann") -> cv.OneOnOneScheduled:
    return cv.OneOnOneScheduled(
        metadata=meta(other, PRIVATE), pair_id="pair-1", meeting_id="meeting-1", kind=cv.PAIR_KIND_MANAGER_REPORT,
        lead_id=lead, other_id=other, scheduled_on=on,
    )


def held() -> cv.OneOnOneHeld:
    return cv.OneOnOneHeld(
        metadata=meta("ann", PRIVATE), pair_id="pair-1", meeting_id="meeting-1", kind=cv.PAIR_KIND_MANAGER_REPORT,
        lead_id="mgr", other_id="ann", held_on="2026-11-27", agenda_topics=2,
    )


def coaching(state: int = cv.COACHING_STATE_REQUESTED, actor: str = "ann") -> cv.CoachingRequestUpdated:
    return cv.CoachingRequestUpdated(
        metadata=meta("ann", PRIVATE, actor=actor), request_id="req-1", coachee_id="ann", coach_id="bob",
        relation=cv.COACH_RELATION_PEER, state=state,  # type: ignore[arg-type]
    )


def session(goals: tuple[str, ...] = ()) -> cv.CoachingSessionCompleted:
    return cv.CoachingSessionCompleted(
        metadata=meta("ann", PRIVATE, actor="bob"), session_id="s-1", request_id="req-1", coachee_id="ann", coach_id="bob",
        held_on="2026-11-27", development_goal_ids=list(goals),
    )


def concern(state: int = cv.CONCERN_STATE_RAISED) -> cv.ConcernUpdated:
    return cv.ConcernUpdated(metadata=meta("concern-1", ev.VISIBILITY_HR_ONLY), concern_id="concern-1", state=state)  # type: ignore[arg-type]


def both(message: texts.Text | texts.Sentences) -> str:
    return texts.render(message, "nl") + " | " + texts.render(message, "en")


def test_a_planned_1_1_asks_both_people_to_add_to_its_agenda_in_their_language_linking_to_the_meeting() -> None:
    drafts = rules.prompts_for(scheduled(), ORG, TODAY)
    assert [(d.recipient_id, d.kind, d.about_id, d.ref_id) for d in drafts] == [
        ("mgr", pb.PROMPT_KIND_ONE_ON_ONE_AGENDA, "ann", "meeting-1"), ("ann", pb.PROMPT_KIND_ONE_ON_ONE_AGENDA, "mgr", "meeting-1"),
    ]
    ann = drafts[1]
    assert texts.render(ann.title, "en") == "Add to the agenda of your 1:1 with Mo Manager"
    assert texts.render(ann.title, "nl") == "Zet iets op de agenda van je 1-op-1 met Mo Manager"
    assert "8 Dec" in texts.render(ann.body, "en") and "8 dec" in texts.render(ann.body, "nl")
    assert "één onderwerp" in texts.render(ann.body, "nl")
    assert action_path(ann.kind, ref_id=ann.ref_id) == "/conversations/meetings/meeting-1"
    assert {d.moment_id for d in drafts} == {"one-on-one:meeting-1"}
    assert {d.ahead_of for d in drafts} == {dt.date(2026, 12, 8)}, "asked ahead of the 1:1, not when it is planned"
    # The day itself still asks; a date already past (a late or replayed event) asks nobody.
    assert len(rules.prompts_for(scheduled(on=TODAY.isoformat()), ORG, TODAY)) == 2
    assert rules.prompts_for(scheduled(on=(TODAY - dt.timedelta(days=1)).isoformat()), ORG, TODAY) == []
    assert rules.prompts_for(scheduled(on=""), ORG, TODAY) == []
    # A private event: nobody but the two, not their managers, not HR.
    assert {d.recipient_id for d in rules.prompts_for(scheduled(lead="bob", other="ann"), ORG, TODAY)} == {"bob", "ann"}


def test_a_held_1_1_asks_both_to_capture_agreements_and_to_ask_each_other_for_feedback() -> None:
    drafts = rules.prompts_for(held(), ORG, TODAY)
    assert sorted((d.recipient_id, d.kind, d.about_id) for d in drafts) == sorted([
        ("mgr", pb.PROMPT_KIND_ONE_ON_ONE_AGREEMENTS, "ann"), ("mgr", pb.PROMPT_KIND_ONE_ON_ONE_FEEDBACK, "ann"),
        ("ann", pb.PROMPT_KIND_ONE_ON_ONE_AGREEMENTS, "mgr"), ("ann", pb.PROMPT_KIND_ONE_ON_ONE_FEEDBACK, "mgr"),
    ])
    [agreements] = [d for d in drafts if d.recipient_id == "ann" and d.kind == pb.PROMPT_KIND_ONE_ON_ONE_AGREEMENTS]
    [feedback] = [d for d in drafts if d.recipient_id == "ann" and d.kind == pb.PROMPT_KIND_ONE_ON_ONE_FEEDBACK]
    assert texts.render(agreements.title, "nl") == "Leg je afspraken uit de 1-op-1 met Mo Manager vast"
    assert texts.render(feedback.title, "en") == "Ask Mo Manager for feedback"
    assert "concreet moment" in texts.render(feedback.body, "nl")
    assert feedback.priority == pb.PRIORITY_LOW, "the budget keeps room for what matters more"
    assert action_path(agreements.kind, ref_id="meeting-1") == "/conversations/meetings/meeting-1"
    assert action_path(feedback.kind) == "/feedback/requests"


def test_what_closes_the_1_1_prompts() -> None:
    done = {(m.recipient_id, m.ref_id) for m in rules.actions_in(held()) if m.kinds == {pb.PROMPT_KIND_ONE_ON_ONE_AGENDA}}
    assert done == {("mgr", "meeting-1"), ("ann", "meeting-1")}, "held: the agenda prompt is over"
    skipped = cv.OneOnOneSkipped(metadata=meta("ann", PRIVATE), meeting_id="meeting-1", lead_id="mgr", other_id="ann")
    assert {m.recipient_id for m in rules.actions_in(skipped)} == {"mgr", "ann"}
    assert rules.prompts_for(skipped, ORG, TODAY) == [], "a skip is a signal for analytics, not a rebuke"
    confirmed = cv.AgreementConfirmed(metadata=meta("ann", PRIVATE, actor="mgr"), agreement_id="a-1", meeting_id="meeting-1", owner_id="ann")
    assert [(m.recipient_id, m.kinds, m.ref_id) for m in rules.actions_in(confirmed)] == [
        ("ann", {pb.PROMPT_KIND_ONE_ON_ONE_AGREEMENTS}, "meeting-1"), ("mgr", {pb.PROMPT_KIND_ONE_ON_ONE_AGREEMENTS}, "meeting-1"),
    ]
    asked = fb.FeedbackRequested(metadata=meta("ann", actor="ann"), request_id="r-1", requester_id="ann", subject_id="ann", recipient_id="mgr", state=fb.FeedbackRequest.STATE_OPEN)
    assert [(m.recipient_id, m.kinds, m.about_id) for m in rules.actions_in(asked)] == [("ann", {pb.PROMPT_KIND_ONE_ON_ONE_FEEDBACK}, "mgr")]


def test_a_coaching_request_prompts_the_person_asked_and_their_answer_closes_it() -> None:
    [draft] = rules.prompts_for(coaching(), ORG, TODAY)
    assert (draft.recipient_id, draft.kind, draft.about_id, draft.ref_id) == ("bob", pb.PROMPT_KIND_COACHING_REQUEST, "ann", "req-1")
    assert texts.render(draft.title, "nl") == "Ann Peeters vraagt je om coaching"
    assert texts.render(draft.title, "en") == "Ann Peeters asks you for coaching"
    assert action_path(draft.kind, ref_id="req-1") == "/conversations/coaching/req-1"
    for state in (cv.COACHING_STATE_ACCEPTED, cv.COACHING_STATE_DECLINED):
        assert rules.prompts_for(coaching(state, actor="bob"), ORG, TODAY) == []
        [closed] = rules.actions_in(coaching(state, actor="bob"))
        assert (closed.recipient_id, closed.kinds, closed.ref_id) == ("bob", {pb.PROMPT_KIND_COACHING_REQUEST}, "req-1")
    assert rules.actions_in(coaching()) == []


def test_after_a_coaching_session_the_coachee_is_asked_what_they_will_try() -> None:
    [draft] = rules.prompts_for(session(), ORG, TODAY)
    assert (draft.recipient_id, draft.kind, draft.about_id, draft.ref_id, draft.moment_id) == (
        "ann", pb.PROMPT_KIND_COACHING_NEXT_STEP, "bob", "req-1", "coaching-session:s-1",
    )
    assert texts.render(draft.title, "nl") == "Wat ga je proberen na je coachingsessie met Bob Claes?"
    assert "ontwikkeldoel" not in texts.render(draft.body, "nl")
    [with_goal] = rules.prompts_for(session(goals=("goal-1",)), ORG, TODAY)
    assert "ontwikkeldoel" in texts.render(with_goal.body, "nl") and "development goal" in texts.render(with_goal.body, "en")
    assert action_path(draft.kind, ref_id="req-1") == "/conversations/coaching/req-1"
    assert all(d.recipient_id != "bob" for d in rules.prompts_for(session(), ORG, TODAY)), "the coach is not asked"


def test_a_raised_concern_tells_hr_one_is_waiting_naming_nobody_and_nothing_to_anyone_else() -> None:
    org = dataclasses.replace(ORG, audience=("hr1",))
    [draft] = rules.prompts_for(concern(), org, TODAY)
    assert (draft.recipient_id, draft.kind, draft.about_id, draft.ref_id) == ("hr1", pb.PROMPT_KIND_BOUNDARY_CONCERN, "", "concern-1")
    words = both(draft.title) + both(draft.body)
    assert not any(name in words for name in ("Ann", "Bob", "Mo", "Bea", "ann", "mgr")), words
    assert texts.render(draft.title, "nl") == "Er wacht een zorg over rollen"
    assert action_path(draft.kind) == "/conversations/concerns"
    for state in (cv.CONCERN_STATE_ACKNOWLEDGED, cv.CONCERN_STATE_RESOLVED):
        assert rules.prompts_for(concern(state), org, TODAY) == []
    # Someone in the audience who is not HR (a stale cache) is still refused by the event's HR_ONLY visibility.
    not_hr = dataclasses.replace(ORG, people={**ORG.people, "bob": Person("bob", "Bob Claes", manager_id="mgr")}, audience=("bob",))
    assert rules.prompts_for(concern(), not_hr, TODAY) == []


def planned(on: str = "2026-12-08", members: tuple[str, ...] = ("mgr", "bob", "ann")) -> cv.CircleSessionPlanned:
    return cv.CircleSessionPlanned(metadata=meta("circle-1", PRIVATE), circle_id="circle-1", planned_on=on, member_ids=list(members))


def test_a_planned_circle_session_asks_each_member_to_come_with_a_case_if_it_is_their_turn_and_nothing_more() -> None:
    drafts = rules.prompts_for(planned(), ORG, TODAY)
    assert [(d.recipient_id, d.kind, d.about_id, d.ref_id, d.moment_id) for d in drafts] == [
        (m, pb.PROMPT_KIND_CIRCLE_SESSION, "", "circle-1", "circle-session:circle-1:2026-12-08") for m in ("mgr", "bob", "ann")
    ]
    ann = drafts[2]
    assert ann.priority == pb.PRIORITY_NORMAL
    assert texts.render(ann.title, "en").startswith("Your peer coaching circle meets on") and "8 Dec" in texts.render(ann.title, "en")
    assert texts.render(ann.title, "nl").startswith("Je peer-coachingkring komt samen op") and "8 dec" in texts.render(ann.title, "nl")
    assert "if it is your turn" in texts.render(ann.body, "en") and "als het jouw beurt is" in texts.render(ann.body, "nl")
    # No content of the circle (the event has none) and nobody named: not the other members, not whose turn it is.
    words = both(ann.title) + both(ann.body)
    assert not any(name in words for name in ("Ann", "Bob", "Mo", "Bea", "circle-1")), words
    assert action_path(ann.kind, ref_id=ann.ref_id) == "/conversations/circles/circle-1", "the circle itself"
    assert {d.ahead_of for d in drafts} == {dt.date(2026, 12, 8)}, "asked ahead of the session, not when it is planned"
    # The day itself still asks; a date already past (a late or replayed event) or none asks nobody.
    assert len(rules.prompts_for(planned(on=TODAY.isoformat()), ORG, TODAY)) == 3
    assert rules.prompts_for(planned(on=(TODAY - dt.timedelta(days=1)).isoformat()), ORG, TODAY) == []
    assert rules.prompts_for(planned(on=""), ORG, TODAY) == []
    # A private event: its members only (a repeated id once), not their managers, not HR; it closes nothing.
    assert [d.recipient_id for d in rules.prompts_for(planned(members=("bob", "bob", "ann")), ORG, TODAY)] == ["bob", "ann"]
    assert rules.actions_in(planned()) == []


def test_a_prompt_before_a_moment_is_due_the_lead_time_before_it_at_the_digest_hour_in_the_person_s_zone_or_at_once() -> None:
    from paars_notifications.domain import policy

    brussels = policy.DeliveryPreferences(time_zone="Europe/Brussels")
    [draft, _] = rules.prompts_for(scheduled(on="2026-12-10"), ORG, TODAY)
    assert draft.ahead_of is not None
    due = policy.ahead_of(draft.ahead_of, 2, brussels, dt.time(9, 0))
    assert due == dt.datetime(2026, 12, 8, 8, 0, tzinfo=dt.UTC), "two days before, 09:00 in Brussels (winter: UTC+1)"
    assert policy.ahead_of(dt.date(2026, 12, 10), 0, policy.DeliveryPreferences(), dt.time(9, 0)) == dt.datetime(2026, 12, 10, 9, 0, tzinfo=dt.UTC)

    planned_at = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)
    ahead = policy.decide(planned_at, brussels, draft.priority, 0, not_before=due)
    assert (ahead.mode, ahead.release_at, ahead.budgeted, ahead.reasons) == ("ahead", due, True, ("ahead of the moment",))
    # The 1:1 is sooner than the lead time: the prompt goes at once.
    assert policy.decide(dt.datetime(2026, 12, 9, 10, 0, tzinfo=dt.UTC), brussels, draft.priority, 0, not_before=due).mode == "now"
    # At its time the person's own rules still hold: quiet hours then hold it until they end, a digest for the digest.
    quiet = dataclasses.replace(brussels, quiet_start="08:00", quiet_end="10:00")
    later = policy.decide(planned_at, quiet, draft.priority, 0, not_before=due)
    assert (later.mode, later.release_at) == ("quiet", dt.datetime(2026, 12, 8, 9, 0, tzinfo=dt.UTC))
    digest = policy.decide(planned_at, dataclasses.replace(brussels, daily_digest=True), draft.priority, 0, dt.time(9, 0), not_before=due)
    assert (digest.mode, digest.release_at) == ("digest", dt.datetime(2026, 12, 9, 8, 0, tzinfo=dt.UTC)), "the first digest after its time"
