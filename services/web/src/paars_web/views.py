"""Form values and plain-language labels of the services' enums; templates translate the labels with _()."""
from __future__ import annotations

import datetime as dt

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from paars.common.v1 import event_pb2 as ev
from paars.feedback.v1 import feedback_pb2 as fb
from paars.goals.v1 import goals_pb2 as gl
from paars.notifications.v1 import notifications_pb2 as nt
from paars.org.v1 import org_pb2
from paars_platform import links
from paars_web.errors import N_

FEEDBACK_KINDS = {"praise": fb.FEEDBACK_KIND_PRAISE, "constructive": fb.FEEDBACK_KIND_CONSTRUCTIVE, "suggestion": fb.FEEDBACK_KIND_SUGGESTION}
FEEDBACK_KIND_LABELS = {
    fb.FEEDBACK_KIND_PRAISE: N_("Praise"), fb.FEEDBACK_KIND_CONSTRUCTIVE: N_("Something to improve"), fb.FEEDBACK_KIND_SUGGESTION: N_("Suggestion"),
}
RELATIONS = {
    "peer": fb.RELATION_PEER, "manager": fb.RELATION_MANAGER, "direct_report": fb.RELATION_DIRECT_REPORT, "hr": fb.RELATION_HR,
    "other_leader": fb.RELATION_OTHER_LEADER,
}
RELATION_LABELS = {
    fb.RELATION_SELF: N_("yourself"), fb.RELATION_PEER: N_("a colleague"), fb.RELATION_MANAGER: N_("their manager"),
    fb.RELATION_DIRECT_REPORT: N_("someone who reports to them"), fb.RELATION_HR: N_("HR"), fb.RELATION_OTHER_LEADER: N_("another leader"),
    fb.RELATION_CUSTOMER: N_("a customer"),
}
# Who you ask, as the form offers it, and the relation the answer will have.
ASK_RELATIONS = {"colleague": fb.RELATION_PEER, "hr": fb.RELATION_HR, "leader": fb.RELATION_OTHER_LEADER, "customer": fb.RELATION_CUSTOMER}
VISIBILITIES = {
    "private": ev.VISIBILITY_PRIVATE, "receiver_and_manager": ev.VISIBILITY_RECEIVER_AND_MANAGER, "public": ev.VISIBILITY_PUBLIC,
    "anonymous": ev.VISIBILITY_ANONYMOUS_AGGREGATE,
}
VISIBILITY_ORDER = (ev.VISIBILITY_PRIVATE, ev.VISIBILITY_RECEIVER_AND_MANAGER, ev.VISIBILITY_PUBLIC, ev.VISIBILITY_ANONYMOUS_AGGREGATE, ev.VISIBILITY_HR_ONLY)
# Who will see it, in plain words: what the form says next to each choice.
VISIBILITY_LABELS = {
    ev.VISIBILITY_PRIVATE: N_("Only the two of you"),
    ev.VISIBILITY_RECEIVER_AND_MANAGER: N_("The two of you and their manager"),
    ev.VISIBILITY_PUBLIC: N_("Everyone in the organisation (praise only)"),
    ev.VISIBILITY_ANONYMOUS_AGGREGATE: N_("Nobody sees your name: it only counts in totals"),
    ev.VISIBILITY_HR_ONLY: N_("Only HR and you"),
}
VISIBILITY_HINTS = {
    ev.VISIBILITY_PRIVATE: N_("Nobody else reads it, not even their manager."),
    ev.VISIBILITY_RECEIVER_AND_MANAGER: N_("Their manager can use it in their conversations together."),
    ev.VISIBILITY_PUBLIC: N_("Shown to colleagues as a thank-you. Only for praise."),
    ev.VISIBILITY_ANONYMOUS_AGGREGATE: N_("They see that feedback came in, not what you wrote or who you are."),
    ev.VISIBILITY_HR_ONLY: N_("For HR's eyes only."),
}
ACTION_KINDS = {"build_strength": fb.ACTION_KIND_BUILD_STRENGTH, "adjust_weakness": fb.ACTION_KIND_ADJUST_WEAKNESS}
GOAL_KINDS = {"performance": gl.GOAL_KIND_PERFORMANCE, "development": gl.GOAL_KIND_DEVELOPMENT, "wellbeing": gl.GOAL_KIND_WELLBEING}
GOAL_KIND_LABELS = {gl.GOAL_KIND_PERFORMANCE: N_("Performance"), gl.GOAL_KIND_DEVELOPMENT: N_("Development"), gl.GOAL_KIND_WELLBEING: N_("Wellbeing")}
GOAL_KIND_CLASSES = {gl.GOAL_KIND_PERFORMANCE: "performance", gl.GOAL_KIND_DEVELOPMENT: "development", gl.GOAL_KIND_WELLBEING: "wellbeing"}
GOAL_STATUS_LABELS = {
    gl.GOAL_STATUS_UNSPECIFIED: N_("Not started"), gl.GOAL_STATUS_ON_TRACK: N_("On track"), gl.GOAL_STATUS_AT_RISK: N_("At risk"),
    gl.GOAL_STATUS_OFF_TRACK: N_("Off track"), gl.GOAL_STATUS_DONE: N_("Done"), gl.GOAL_STATUS_DROPPED: N_("Dropped"),
}
AGREEMENT_LABELS = {
    gl.AGREEMENT_STATE_UNSPECIFIED: N_("Proposed"), gl.AGREEMENT_STATE_PROPOSED: N_("Proposed, waiting for agreement"),
    gl.AGREEMENT_STATE_AGREED: N_("Agreed"), gl.AGREEMENT_STATE_CLOSED: N_("Closed"),
}
LEVEL_LABELS = {gl.GOAL_LEVEL_ORGANISATION: N_("Organisation"), gl.GOAL_LEVEL_TEAM: N_("Team"), gl.GOAL_LEVEL_INDIVIDUAL: N_("Personal")}
REQUEST_STATE_LABELS = {
    fb.FeedbackRequest.STATE_OPEN: N_("Waiting for an answer"), fb.FeedbackRequest.STATE_ANSWERED: N_("Answered"),
    fb.FeedbackRequest.STATE_DECLINED: N_("Declined"), fb.FeedbackRequest.STATE_EXPIRED: N_("Expired"),
    fb.FeedbackRequest.STATE_REVOKED: N_("Withdrawn"),
}
READER_ROLE_LABELS = {
    "receiver": N_("you"), "author": N_("the person who wrote it"), "manager": N_("your manager"), "hr": N_("HR"), "coach": N_("your coach"),
    "system": N_("Paars itself, to send a notification"), "admin": N_("an administrator"),
}
READ_PATHS = {
    "GetFeedback": N_("opened the feedback"), "ListFeedback": N_("saw it in a list"), "event": N_("received it in a notification"),
}
PROMPT_KIND_LABELS = {
    nt.PROMPT_KIND_GIVE_FEEDBACK: N_("Give feedback"), nt.PROMPT_KIND_ACKNOWLEDGE_FEEDBACK: N_("Read your feedback"),
    nt.PROMPT_KIND_PLAN_ACTION: N_("Make a plan"), nt.PROMPT_KIND_CHECK_IN: N_("Check in on a goal"),
    nt.PROMPT_KIND_ANSWER_REQUEST: N_("Answer a request"), nt.PROMPT_KIND_PREPARE_DIALOGUE: N_("Prepare your conversation"),
    nt.PROMPT_KIND_INSIGHT: N_("Worth a look"), nt.PROMPT_KIND_SEEK_FEEDBACK: N_("Ask for feedback"),
    nt.PROMPT_KIND_TEAM_STORY: N_("Tell the story in your team"), nt.PROMPT_KIND_REFERRAL: N_("A referral to follow up"),
    nt.PROMPT_KIND_ONE_ON_ONE_AGENDA: N_("Add to the 1:1 agenda"),
    nt.PROMPT_KIND_ONE_ON_ONE_AGREEMENTS: N_("Capture your agreements"),
    nt.PROMPT_KIND_ONE_ON_ONE_FEEDBACK: N_("Ask each other for feedback"),
    nt.PROMPT_KIND_COACHING_REQUEST: N_("A coaching request"),
    nt.PROMPT_KIND_COACHING_NEXT_STEP: N_("What will you try?"),
    nt.PROMPT_KIND_BOUNDARY_CONCERN: N_("A concern to follow up"),
    nt.PROMPT_KIND_CIRCLE_SESSION: N_("Peer coaching circle"),
    nt.PROMPT_KIND_STORY_CHANGED: N_("Read what changed in our story"),
}
# A link's state as the customer's page names it; each has its own plain words there.
LINK_STATES = {
    fb.LINK_STATE_OPEN: "open", fb.LINK_STATE_USED: "used", fb.LINK_STATE_DECLINED: "declined",
    fb.LINK_STATE_REVOKED: "revoked", fb.LINK_STATE_EXPIRED: "expired",
}


def name(people: dict[str, org_pb2.Employee], person_id: str) -> str:
    person = people.get(person_id)
    return person.name if person else person_id


def label(labels: dict[int, str], value: int) -> str:
    return labels.get(value, "")


def when(stamp: Timestamp, language: str) -> str:
    """A date and time as people write them: 14/05/2026 09:30 in Dutch, 14 May 2026 09:30 in English."""
    if not stamp.seconds:
        return ""
    moment = stamp.ToDatetime(tzinfo=dt.UTC)
    return moment.strftime("%d/%m/%Y %H:%M") if language == "nl" else moment.strftime("%d %b %Y %H:%M")


def iso(stamp: Timestamp) -> str:
    """A time as the give-feedback form's moment field takes it (links.moment_param: the links in e-mails and
    webhooks carry the same)."""
    return links.moment_param(stamp.ToDatetime(tzinfo=dt.UTC)) if stamp.seconds else ""


def percent(fraction: float) -> int:
    return round(max(0.0, min(1.0, fraction)) * 100)


def relation_between(giver: org_pb2.Employee | None, receiver: org_pb2.Employee) -> str:
    """The relation the form suggests; the giver can change it and the feedback service checks it."""
    if giver is None:
        return "peer"
    if receiver.manager_id == giver.id:
        return "manager"
    if giver.manager_id == receiver.id:
        return "direct_report"
    return "peer"


def prompt_link(prompt: nt.Prompt) -> str:
    """The page where the person acts on a prompt; a feedback prompt opens the form filled in."""
    return links.action_path(
        prompt.kind, prompt_id=prompt.id, about_id=prompt.about_id, moment=iso(prompt.cause_occurred_at), ref_id=prompt.ref_id, cause_type=prompt.cause_type,
        insight_kind=prompt.insight_kind, goal_id=prompt.goal_id,
    )


def link_state(err: grpc.aio.AioRpcError) -> str:
    """A refusal about a customer's link in words: 'unavailable' (try again), else what its message says, else 'unknown'."""
    if err.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
        return "unavailable"
    details = (err.details() or "").lower()
    for state, words in (("expired", ("expired",)), ("revoked", ("revoked", "withdrawn")), ("declined", ("declined",)), ("used", ("used", "answered"))):
        if any(w in details for w in words):
            return state
    return "unknown"
