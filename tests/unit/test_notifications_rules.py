"""Each prompt rule, and the near miss that must not prompt."""
from __future__ import annotations

import datetime as dt

from paars.analytics.v1 import analytics_pb2 as an
from paars.common.v1 import event_pb2 as ev
from paars.feedback.v1 import feedback_pb2 as fb
from paars.goals.v1 import goals_pb2 as gl
from paars.notifications.v1 import notifications_pb2 as pb
from paars_notifications.domain import rules, texts
from paars_notifications.domain.visibility import Directory, Person

TODAY = dt.date(2026, 11, 27)
ORG = Directory({
    "boss": Person("boss", "Bea Baas"),
    "hr1": Person("hr1", "Hanne HR", manager_id="boss", hr=True),
    "mgr": Person("mgr", "Mo Manager", manager_id="boss"),
    "ann": Person("ann", "Ann Peeters", manager_id="mgr"),
    "bob": Person("bob", "Bob Claes", manager_id="mgr"),
})


def en(message: texts.Text | texts.Sentences) -> str:
    return texts.render(message, "en")


def meta(subject: str, visibility: int = ev.VISIBILITY_RECEIVER_AND_MANAGER, actor: str = "") -> ev.EventMetadata:
    return ev.EventMetadata(event_id="e1", subject_id=subject, visibility=visibility, actor_id=actor)  # type: ignore[arg-type]


def goal_event(milestone: int = 0, before: str = "GOAL_STATUS_ON_TRACK", after: int = gl.GOAL_STATUS_ON_TRACK) -> gl.GoalUpdated:
    changes = [gl.GoalUpdated.CHANGE_PROGRESS]
    fields = []
    if after != gl.GoalStatus.Value(before):
        changes.append(gl.GoalUpdated.CHANGE_STATUS)
        fields.append(gl.FieldChange(field="status", before=before, after=gl.GoalStatus.Name(after)))
    return gl.GoalUpdated(
        metadata=meta("ann", actor="ann"), changes=changes, field_changes=fields, milestone_percent=milestone, confidence=3,
        goal=gl.Goal(id="g1", title="Present at the guild", owner_id="ann", agreement=gl.AGREEMENT_STATE_AGREED, status=after, progress=0.5, expected_progress=0.7),
    )


def test_a_milestone_prompts_the_owners_manager_to_give_feedback_with_one_concrete_example() -> None:
    [prompt] = rules.prompts_for(goal_event(milestone=50), ORG, TODAY)
    assert (prompt.recipient_id, prompt.kind, prompt.about_id, prompt.ref_id) == ("mgr", pb.PROMPT_KIND_GIVE_FEEDBACK, "ann", "g1")
    assert "Ann Peeters" in en(prompt.title) and "50%" in en(prompt.title) and "Present at the guild" in en(prompt.body)
    assert "one concrete example" in en(prompt.body)


def test_progress_without_a_milestone_prompts_nobody() -> None:
    assert rules.prompts_for(goal_event(milestone=0), ORG, TODAY) == []


def test_reaching_the_whole_goal_is_high_priority() -> None:
    [prompt] = rules.prompts_for(goal_event(milestone=100), ORG, TODAY)
    assert prompt.priority == pb.PRIORITY_HIGH


def test_a_goal_slipping_off_track_asks_the_manager_to_check_in() -> None:
    [prompt] = rules.prompts_for(goal_event(after=gl.GOAL_STATUS_OFF_TRACK), ORG, TODAY)
    assert (prompt.recipient_id, prompt.kind, prompt.priority) == ("mgr", pb.PROMPT_KIND_CHECK_IN, pb.PRIORITY_HIGH)
    assert "off track" in en(prompt.title) and "one concrete example" in en(prompt.body)


def test_a_goal_recovering_from_off_track_to_at_risk_is_not_slipping() -> None:
    assert rules.prompts_for(goal_event(before="GOAL_STATUS_OFF_TRACK", after=gl.GOAL_STATUS_AT_RISK), ORG, TODAY) == []


def test_a_goal_of_someone_without_a_manager_prompts_nobody() -> None:
    event = goal_event(milestone=50)
    event.goal.owner_id = "boss"
    assert rules.prompts_for(event, ORG, TODAY) == []


def action_item(state: int) -> fb.ActionItemUpdated:
    return fb.ActionItemUpdated(metadata=meta("ann", actor="ann"), action_item_id="a1", employee_id="ann", owner_id="ann", state=state)  # type: ignore[arg-type]


def test_an_action_item_done_prompts_the_manager_to_give_feedback() -> None:
    [prompt] = rules.prompts_for(action_item(fb.ActionItem.STATE_DONE), ORG, TODAY)
    assert (prompt.recipient_id, prompt.kind, prompt.about_id) == ("mgr", pb.PROMPT_KIND_GIVE_FEEDBACK, "ann")
    assert "Ann Peeters" in en(prompt.body) and "one concrete example" in en(prompt.body)


def test_an_action_item_in_progress_prompts_nobody() -> None:
    assert rules.prompts_for(action_item(fb.ActionItem.STATE_IN_PROGRESS), ORG, TODAY) == []


def given(kind: int = fb.FEEDBACK_KIND_CONSTRUCTIVE, giver: str = "bob", visibility: int = ev.VISIBILITY_PRIVATE, **kw: object) -> fb.FeedbackGiven:
    return fb.FeedbackGiven(
        metadata=meta("ann", visibility, actor=giver), feedback_id="f1", receiver_id="ann", giver_id=giver, kind=kind,  # type: ignore[arg-type]
        relation=fb.RELATION_PEER, visibility=visibility, **kw,  # type: ignore[arg-type]
    )


def test_constructive_feedback_asks_the_receiver_to_plan_one_action_and_names_the_giver() -> None:
    [prompt] = rules.prompts_for(given(), ORG, TODAY)
    assert (prompt.recipient_id, prompt.kind, prompt.about_id, prompt.ref_id) == ("ann", pb.PROMPT_KIND_PLAN_ACTION, "bob", "f1")
    assert "Bob Claes" in en(prompt.title) and "one concrete situation" in en(prompt.body)


def test_praise_asks_the_receiver_to_acknowledge_it() -> None:
    [prompt] = rules.prompts_for(given(kind=fb.FEEDBACK_KIND_PRAISE, visibility=ev.VISIBILITY_PUBLIC), ORG, TODAY)
    assert prompt.kind == pb.PROMPT_KIND_ACKNOWLEDGE_FEEDBACK


def test_anonymous_feedback_never_names_or_points_at_the_giver() -> None:
    [prompt] = rules.prompts_for(given(giver="", visibility=ev.VISIBILITY_ANONYMOUS_AGGREGATE), ORG, TODAY)
    assert prompt.about_id == ""
    assert "Bob" not in en(prompt.title) + en(prompt.body) and "bob" not in en(prompt.title) + en(prompt.body)
    assert "anonymous" in en(prompt.title)


def test_a_self_assessment_or_a_360_answer_prompts_nobody() -> None:
    assert rules.prompts_for(given(giver="ann"), ORG, TODAY) == []
    assert rules.prompts_for(given(review_id="r1"), ORG, TODAY) == []


def requested(recipient: str = "bob", state: int = fb.FeedbackRequest.STATE_OPEN, due: str = "2026-12-20", external: bool = False) -> fb.FeedbackRequested:
    return fb.FeedbackRequested(
        metadata=meta("ann", ev.VISIBILITY_PRIVATE, actor="ann"), request_id="q1", requester_id="ann", subject_id="ann",
        recipient_id=recipient, due_date=due, state=state, external=external,  # type: ignore[arg-type]
    )


def test_a_waiting_feedback_request_prompts_its_recipient_even_when_private() -> None:
    [prompt] = rules.prompts_for(requested(), ORG, TODAY)
    assert (prompt.recipient_id, prompt.kind, prompt.priority, prompt.ref_id) == ("bob", pb.PROMPT_KIND_ANSWER_REQUEST, pb.PRIORITY_NORMAL, "q1")
    assert "Ann Peeters" in en(prompt.title) and "one concrete example" in en(prompt.body)


def test_an_answered_or_external_request_prompts_nobody() -> None:
    assert rules.prompts_for(requested(state=fb.FeedbackRequest.STATE_ANSWERED), ORG, TODAY) == []
    assert rules.prompts_for(requested(recipient="", external=True), ORG, TODAY) == []


def test_a_request_due_tomorrow_gets_one_high_priority_reminder_but_one_due_next_week_does_not() -> None:
    reminder = rules.request_due_reminder("q1", "ann", "ann", "bob", "2026-11-28", TODAY, ORG)
    assert reminder is not None and reminder.priority == pb.PRIORITY_HIGH and en(reminder.title).startswith("Reminder")
    assert rules.request_due_reminder("q1", "ann", "ann", "bob", "2026-12-04", TODAY, ORG) is None


def insight(actors: list[str], severity: int = an.SEVERITY_URGENT) -> an.InsightDetected:
    return an.InsightDetected(
        metadata=meta("ann", ev.VISIBILITY_RECEIVER_AND_MANAGER),
        insight=an.Insight(id="i1", kind=an.INSIGHT_KIND_FEEDBACK_DROUGHT, severity=severity, subject_id="ann",  # type: ignore[arg-type]
                           reason="Ann has had no feedback in 45 days.", actors=actors, suggested_action="Share what you saw in the last sprint."),
    )


def test_every_insight_goes_to_each_of_its_actors() -> None:
    drafts = rules.prompts_for(insight(["mgr", "ann"]), ORG, TODAY)
    assert sorted(d.recipient_id for d in drafts) == ["ann", "mgr"]
    assert all(d.kind == pb.PROMPT_KIND_INSIGHT and d.priority == pb.PRIORITY_HIGH for d in drafts)
    assert "45 days" in en(drafts[0].body) and "one concrete example" in en(drafts[0].body)


def test_an_insight_speaks_the_readers_language_from_its_kind_and_params() -> None:
    stalled = an.InsightDetected(metadata=meta("ann"), insight=an.Insight(
        id="i2", kind=an.INSIGHT_KIND_GOAL_STALLED, severity=an.SEVERITY_ATTENTION, subject_id="ann", actors=["mgr"],
        reason="'Guild talk' is at 10% where 55% was expected by now, and has had no check-in for 20 days.",
        suggested_action="Check in on the goal together and give feedback on what moved and what is blocking.",
        params={"goal": "Guild talk", "progress": "10", "expected": "55", "days": "20"},
    ))
    [draft] = rules.prompts_for(stalled, ORG, TODAY)
    dutch = texts.render(draft.body, "nl")
    assert dutch.startswith("“Guild talk” staat op 10%, waar nu 55% verwacht werd, en had al 20 dagen geen check-in.")
    assert "Bekijk samen hoe het doel ervoor staat" in dutch and "expected" not in dutch
    assert en(draft.body).startswith("“Guild talk” is at 10% where 55% was expected by now")
    gap = an.InsightDetected(metadata=meta("ann"), insight=an.Insight(
        id="i3", kind=an.INSIGHT_KIND_SELF_OTHERS_GAP, subject_id="ann", actors=["mgr"], reason="On 'listening' you rate yourself 1.5 points higher than others do.",
        params={"competency": "luisteren", "points": "1.5", "variant": "higher"},
    ))
    [draft] = rules.prompts_for(gap, ORG, TODAY)
    assert texts.render(draft.body, "nl").startswith("Op “luisteren” schat je jezelf 1,5 punten hoger in dan anderen.")
    assert "1.5 points higher" in en(draft.body)


def test_an_insight_from_before_params_shows_no_english_to_a_dutch_reader() -> None:
    [draft] = rules.prompts_for(insight(["mgr"]), ORG, TODAY)
    dutch = texts.render(draft.body, "nl")
    assert dutch.startswith("Inzicht: ") and "45 days" not in dutch and "Share what you saw" not in dutch
    assert "Vraag twee of drie collega's om feedback" in dutch, "the kind's own suggestion, in Dutch"
    assert en(draft.body).startswith("Ann has had no feedback in 45 days. Share what you saw in the last sprint.")


def test_an_insight_s_prompt_keeps_its_kind_and_a_milestone_moment_s_goal_for_its_link() -> None:
    def moment(params: dict[str, str]) -> an.InsightDetected:
        return an.InsightDetected(metadata=meta("ann"), insight=an.Insight(
            id="i4", kind=an.INSIGHT_KIND_MOMENT_FOR_FEEDBACK, severity=an.SEVERITY_INFO, subject_id="ann", actors=["mgr"],
            evidence_event_ids=["goal-event-1"], params=params,
        ))

    [milestone] = rules.prompts_for(moment({"goal": "Guild talk", "percent": "50", "variant": "milestone", "goal_id": "g1"}), ORG, TODAY)
    assert (milestone.insight_kind, milestone.goal_id, milestone.moment_id, milestone.about_id) == (
        an.INSIGHT_KIND_MOMENT_FOR_FEEDBACK, "g1", "goal-event-1", "ann")
    [action_item] = rules.prompts_for(moment({"variant": "action_item"}), ORG, TODAY)
    assert (action_item.insight_kind, action_item.goal_id) == (an.INSIGHT_KIND_MOMENT_FOR_FEEDBACK, "")
    [drought] = rules.prompts_for(insight(["mgr"]), ORG, TODAY)
    assert (drought.insight_kind, drought.goal_id, drought.moment_id) == (an.INSIGHT_KIND_FEEDBACK_DROUGHT, "", "")


def test_an_insight_without_actors_prompts_nobody() -> None:
    assert rules.prompts_for(insight([]), ORG, TODAY) == []


def dialogue(waiting: list[str], prepared: list[str], state: int = fb.Dialogue.STATE_PREPARING) -> fb.DialogueUpdated:
    return fb.DialogueUpdated(
        metadata=meta("ann", ev.VISIBILITY_PRIVATE, actor="mgr"), dialogue_id="d1", employee_id="ann", manager_id="mgr",
        kind=fb.DIALOGUE_KIND_PERFORMANCE, state=state, waiting_for=waiting, prepared_by=prepared, scheduled_for="2026-12-03",  # type: ignore[arg-type]
    )


def test_a_dialogue_waiting_for_one_sides_preparation_prompts_that_side() -> None:
    [prompt] = rules.prompts_for(dialogue(["ann"], ["mgr"]), ORG, TODAY)
    assert (prompt.recipient_id, prompt.kind, prompt.priority, prompt.about_id) == ("ann", pb.PROMPT_KIND_PREPARE_DIALOGUE, pb.PRIORITY_HIGH, "mgr")
    assert "Mo has already prepared" in en(prompt.body) and "one concrete example" in en(prompt.body)


def test_a_dialogue_both_sides_prepared_for_prompts_nobody() -> None:
    assert rules.prompts_for(dialogue([], ["mgr", "ann"], state=fb.Dialogue.STATE_READY), ORG, TODAY) == []


def test_a_private_item_never_prompts_someone_outside_it() -> None:
    event = dialogue(["ann", "hr1"], [])
    assert [d.recipient_id for d in rules.prompts_for(event, ORG, TODAY)] == ["ann"]


def test_feedback_given_by_the_prompted_person_about_the_prompted_subject_counts_as_acting() -> None:
    event = fb.FeedbackGiven(metadata=meta("ann", actor="mgr"), feedback_id="f2", receiver_id="ann", giver_id="mgr")
    [match] = rules.actions_in(event)
    assert match.recipient_id == "mgr" and match.about_id == "ann" and pb.PROMPT_KIND_GIVE_FEEDBACK in match.kinds


def test_anonymous_feedback_closes_no_loop() -> None:
    assert rules.actions_in(fb.FeedbackGiven(metadata=meta("ann"), feedback_id="f2", receiver_id="ann", giver_id="")) == []
