"""Who each consumed event names (whose names, managers and roles the prompt rules may need): one entry per event
type, and the consumer subscribes to exactly these events through the registry (paars_platform.registry); and which
of them an event must wait for when the directory does not know them yet (`awaited`)."""
from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from typing import Any

from google.protobuf.message import Message

from paars.analytics.v1 import analytics_pb2 as an
from paars.conversations.v1 import conversations_pb2 as cv
from paars.feedback.v1 import feedback_pb2 as fb
from paars.goals.v1 import goals_pb2 as gl
from paars.org.v1 import org_pb2
from paars.story.v1 import story_pb2 as st
from paars_notifications.domain import rules
from paars_platform.values import valid_id

# Beyond the metadata's subject and actor, the people an event of that type names.
NAMED: dict[type[Message], Callable[[Any], Iterable[str]]] = {
    # A directory change updates the org projection; it names nobody to prompt.
    org_pb2.EmployeeChanged: lambda e: (),
    gl.GoalUpdated: lambda e: (e.goal.owner_id,),
    fb.FeedbackGiven: lambda e: (e.receiver_id, e.giver_id),
    fb.FeedbackRequested: lambda e: (e.requester_id, e.subject_id, e.recipient_id),
    fb.FeedbackAcknowledged: lambda e: (e.receiver_id,),
    fb.DialogueUpdated: lambda e: (e.employee_id, e.manager_id, *e.waiting_for),
    fb.ActionItemUpdated: lambda e: (e.employee_id, e.owner_id),
    an.InsightDetected: lambda e: (e.insight.subject_id, *e.insight.actors),
    # Who a referral is about is its subject; HR, whom it prompts, is the rule's audience (rules.RULES).
    fb.ReferralRaised: lambda e: (),
    # Everyone it prompts (the managers about their team, the others to read it) is the rule's audience; the story names nobody.
    st.StoryPublished: lambda e: (),
    cv.OneOnOneScheduled: lambda e: (e.lead_id, e.other_id),
    cv.OneOnOneHeld: lambda e: (e.lead_id, e.other_id),
    cv.OneOnOneSkipped: lambda e: (e.lead_id, e.other_id),
    cv.AgreementConfirmed: lambda e: (e.owner_id,),
    cv.CoachingRequestUpdated: lambda e: (e.coachee_id, e.coach_id),
    cv.CoachingSessionCompleted: lambda e: (e.coachee_id, e.coach_id),
    # A concern names nobody (its subject is the concern's id); HR, whom it prompts, is the rule's audience.
    cv.ConcernUpdated: lambda e: (),
    cv.CircleSessionPlanned: lambda e: tuple(e.member_ids),
}


def involved_ids(event: Any) -> set[str]:
    """Everyone an event names, whose names, managers and roles the rules may need."""
    ids = {event.metadata.subject_id, event.metadata.actor_id, *NAMED[type(event)](event)}
    return {i for i in ids if i}


def _needed_by_request(e: fb.FeedbackRequested) -> Iterable[str]:
    # Only an open request to an employee prompts (rules.request_prompts); an external recipient has no record.
    if e.state != fb.FeedbackRequest.STATE_OPEN or e.external or not e.recipient_id:
        return ()
    return (e.requester_id, e.subject_id, e.recipient_id)


def _needed_by_insight(e: an.InsightDetected) -> Iterable[str]:
    # A team's insight has the team as its subject (subject_id == team_id): no person to wait for.
    subject = e.insight.subject_id if e.insight.subject_id != e.insight.team_id else ""
    return (subject, *e.insight.actors)


# Where the people whose directory records an event's prompt rule reads differ from NAMED.
_NEEDED: dict[type[Message], Callable[[Any], Iterable[str]]] = {
    fb.FeedbackRequested: _needed_by_request,
    an.InsightDetected: _needed_by_insight,
}


def needed_ids(event: Any) -> set[str]:
    """The people whose directory records the event's prompt rule reads (names, managers, roles): the ids it names,
    not its metadata's actor (a system may act) or subject (a concern's subject is the concern). An event whose rule
    only closes prompts (rules.EventRule without prompts) needs nobody."""
    if not rules.may_prompt(event):
        return set()
    ids = (_NEEDED.get(type(event)) or NAMED[type(event)])(event)
    # Only an employee id can ever be in the directory: not an external giver ("external:<request>", a customer
    # answering through a link), nor an erased person's "~erased"; waiting for them would hold the prompt the whole wait.
    return {i for i in ids if valid_id(i)}


def awaited(event: Any, known: Collection[str]) -> frozenset[str]:
    """Who the event waits for: the people its rule needs that the directory (`known`: the ids it holds) lacks. An event
    from another topic can come before the org topic's record that introduces a person (Kafka orders nothing across
    topics); applied then, its rule would prompt nobody (no manager to tell about a milestone), so it waits."""
    return frozenset(needed_ids(event) - set(known))
