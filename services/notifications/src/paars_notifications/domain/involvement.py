"""Who each consumed event names (whose names, managers and roles the prompt rules may need): one entry per event
type, and the consumer subscribes to exactly these events through the registry (paars_platform.registry)."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from google.protobuf.message import Message

from paars.analytics.v1 import analytics_pb2 as an
from paars.conversations.v1 import conversations_pb2 as cv
from paars.feedback.v1 import feedback_pb2 as fb
from paars.goals.v1 import goals_pb2 as gl
from paars.org.v1 import org_pb2
from paars.story.v1 import story_pb2 as st

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
