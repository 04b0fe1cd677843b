"""Prompt rules: which incoming events deserve a prompt, to whom, and what it says; plus how a person acts on one.

Every prompt names the moment and the person and asks for one concrete example. Recipients are
filtered through the cause's visibility, and a prompt never names an anonymous giver.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from google.protobuf.message import Message

from paars.analytics.v1 import analytics_pb2 as an
from paars.common.v1 import event_pb2
from paars.conversations.v1 import conversations_pb2 as cv
from paars.feedback.v1 import feedback_pb2 as fb
from paars.goals.v1 import goals_pb2 as gl
from paars.notifications.v1 import notifications_pb2 as pb
from paars.org.v1 import org_pb2
from paars.story.v1 import story_pb2 as st
from paars_notifications.domain.texts import N_, Sentences, Text, Value, Written, text
from paars_notifications.domain.visibility import Directory, may_see
from paars_platform.values import date_or_none

K = pb  # PromptKind and Priority values live in the notifications package

SLIPPING: dict[int, int] = {gl.GOAL_STATUS_AT_RISK: 1, gl.GOAL_STATUS_OFF_TRACK: 2}
SEVERITY_PRIORITY = {an.SEVERITY_URGENT: pb.PRIORITY_HIGH, an.SEVERITY_ATTENTION: pb.PRIORITY_NORMAL, an.SEVERITY_INFO: pb.PRIORITY_LOW}
REMIND_DAYS_BEFORE_DUE = 1
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
STATUS_TEXT: dict[int, str] = {
    gl.GOAL_STATUS_ON_TRACK: N_("on track"), gl.GOAL_STATUS_AT_RISK: N_("at risk"), gl.GOAL_STATUS_OFF_TRACK: N_("off track"),
    gl.GOAL_STATUS_DONE: N_("done"), gl.GOAL_STATUS_DROPPED: N_("dropped"),
}
INSIGHT_TEXT = {
    an.INSIGHT_KIND_GOAL_STALLED: N_("goal stalled"),
    an.INSIGHT_KIND_PERFORMANCE_WITHOUT_DEVELOPMENT: N_("performance without development"),
    an.INSIGHT_KIND_SELF_OTHERS_GAP: N_("gap between self-reflection and others"),
    an.INSIGHT_KIND_FEEDBACK_DROUGHT: N_("no feedback for a while"),
    an.INSIGHT_KIND_SINGLE_SOURCE_FEEDBACK: N_("feedback from a single source"),
    an.INSIGHT_KIND_CONSTRUCTIVE_WITHOUT_ACTION: N_("constructive feedback without an action"),
    an.INSIGHT_KIND_MOMENT_FOR_FEEDBACK: N_("a moment for feedback"),
    an.INSIGHT_KIND_RATING_DRIFT: N_("rating drift"),
    an.INSIGHT_KIND_RECENCY_BIAS: N_("recency bias"),
    an.INSIGHT_KIND_PERFORMANCE_ONLY_PORTFOLIO: N_("only performance goals"),
    an.INSIGHT_KIND_FEEDBACK_WITHOUT_EXAMPLES: N_("feedback without examples"),
}


@dataclass(frozen=True)
class PromptDraft:
    """A prompt decided by a rule, before the delivery policy and the database give it a place."""

    recipient_id: str
    kind: int
    priority: int
    # Rendered in the recipient's language when the prompt is stored (texts.render).
    title: Text
    body: Text | Sentences
    about_id: str
    # The goal, feedback, request, dialogue, action item or insight the prompt is about.
    ref_id: str
    # The moment to give feedback on (the event of a goal milestone or a finished action item), when the
    # prompt is about one: goals and analytics both point at the same moment, and a person gets one prompt.
    moment_id: str = ""
    # The day of the moment this prompt prepares for (a planned 1:1, a circle's session): it is held until the lead
    # time before it (NotificationsConfig.lead_days, policy.ahead_of), or goes at once when that is past. None: now.
    ahead_of: dt.date | None = None
    # An insight's prompt: the insight's kind; for a moment for feedback about a milestone, the goal (analytics'
    # params["goal_id"]). Its link opens the give-feedback form with them (paars_platform.links.action_path).
    insight_kind: int = 0
    goal_id: str = ""

    @property
    def moment_key(self) -> tuple[str, str]:
        """One prompt per person and moment: the key as the prompts table keeps it (moment_id is 80 characters)."""
        return self.recipient_id, self.moment_id[:80]


@dataclass(frozen=True)
class ActionMatch:
    """Open prompts this event shows the person acted on: by recipient and kind, narrowed by about or ref."""

    recipient_id: str
    kinds: frozenset[int]
    about_id: str = ""
    ref_id: str = ""


def _status_name(status: int) -> Text:
    return text(STATUS_TEXT.get(status, N_("unknown")))


def _visible(drafts: Iterable[PromptDraft], meta: Any, directory: Directory, parties: Iterable[str] = ()) -> list[PromptDraft]:
    party_set = set(parties)
    seen: set[tuple[str, int]] = set()
    out = []
    for d in drafts:
        if not d.recipient_id or (d.recipient_id, d.kind) in seen:
            continue
        if may_see(meta.visibility, d.recipient_id, subject_id=meta.subject_id, author_id=meta.actor_id, parties=party_set, directory=directory):
            seen.add((d.recipient_id, d.kind))
            out.append(d)
    return out


def goal_prompts(event: gl.GoalUpdated, directory: Directory) -> list[PromptDraft]:
    """A milestone reached: the owner's manager gives feedback. A goal slipping: the manager checks in."""
    goal = event.goal
    owner = goal.owner_id
    manager = directory.manager_of(owner)
    if not owner or not manager:
        return []
    name, first = directory.name(owner), directory.first_name(owner)
    drafts = []
    if event.milestone_percent > 0 and goal.agreement == gl.AGREEMENT_STATE_AGREED:
        drafts.append(PromptDraft(
            manager, K.PROMPT_KIND_GIVE_FEEDBACK, pb.PRIORITY_HIGH if event.milestone_percent >= 100 else pb.PRIORITY_NORMAL,
            text(N_("%(name)s reached %(percent)s%% on “%(goal)s”"), name=name, percent=event.milestone_percent, goal=goal.title),
            text(
                N_("%(name)s just reached %(percent)s%% on “%(goal)s”. While the moment is fresh, tell %(first)s one concrete "
                   "example of what made the difference: the situation, what %(first)s did, and the impact it had."),
                name=name, percent=event.milestone_percent, goal=goal.title, first=first,
            ),
            owner, goal.id, moment_id=event.metadata.event_id,
        ))
    before = next((f.before for f in event.field_changes if f.field == "status"), "")
    before_rank = SLIPPING.get(gl.GoalStatus.Value(before), 0) if before in gl.GoalStatus.keys() else 0  # noqa: SIM118 (an enum wrapper, not a dict)
    after_rank = SLIPPING.get(goal.status, 0)
    if gl.GoalUpdated.CHANGE_STATUS in event.changes and after_rank > before_rank:
        drafts.append(PromptDraft(
            manager, K.PROMPT_KIND_CHECK_IN, pb.PRIORITY_HIGH if goal.status == gl.GOAL_STATUS_OFF_TRACK else pb.PRIORITY_NORMAL,
            text(N_("“%(goal)s” slipped to %(status)s"), goal=goal.title, status=_status_name(goal.status)),
            text(
                N_("%(name)s's goal “%(goal)s” moved to %(status)s (progress %(progress)s%%, expected %(expected)s%% by now). "
                   "Check in with %(first)s this week and ask for one concrete example of what is in the way."),
                name=name, goal=goal.title, status=_status_name(goal.status), progress=round(goal.progress * 100),
                expected=round(goal.expected_progress * 100), first=first,
            ),
            owner, goal.id,
        ))
    return _visible(drafts, event.metadata, directory)


def action_item_prompts(event: fb.ActionItemUpdated, directory: Directory) -> list[PromptDraft]:
    """An action item done: the owner of the item (if someone else) and the employee's manager give feedback."""
    if event.state != fb.ActionItem.STATE_DONE or not event.employee_id:
        return []
    employee = event.employee_id
    name, first = directory.name(employee), directory.first_name(employee)
    recipients = [r for r in (directory.manager_of(employee), event.owner_id) if r and r != employee]
    drafts = [
        PromptDraft(
            r, K.PROMPT_KIND_GIVE_FEEDBACK, pb.PRIORITY_NORMAL,
            text(N_("%(name)s completed an action item"), name=name),
            text(
                N_("%(name)s just completed an action from the development plan. Tell %(first)s one concrete example of "
                   "the difference it made: the situation, what %(first)s did, and the impact."),
                name=name, first=first,
            ),
            employee, event.action_item_id, moment_id=event.metadata.event_id,
        )
        for r in recipients
    ]
    return _visible(drafts, event.metadata, directory, parties=[event.owner_id])


def feedback_prompts(event: fb.FeedbackGiven, directory: Directory) -> list[PromptDraft]:
    """Feedback received: praise is acknowledged, constructive feedback and suggestions become one planned action.
    Self-assessments and answers inside a 360 review are not individual moments and get no prompt."""
    receiver = event.receiver_id
    if not receiver or event.relation == fb.RELATION_SELF or event.giver_id == receiver or event.review_id:
        return []
    anonymous = not event.giver_id or event.visibility == event_pb2.VISIBILITY_ANONYMOUS_AGGREGATE
    giver: Text | str = text(N_("Someone (anonymously)")) if anonymous else directory.name(event.giver_id)
    about = "" if anonymous else event.giver_id
    topic = ", ".join(event.tags)
    when: Text = (
        text(N_("on %(date)s"), date=event.moment_at.ToDatetime(tzinfo=dt.UTC).date())
        if event.HasField("moment_at") and event.moment_at.seconds else text(N_("just now"))
    )
    if event.kind == fb.FEEDBACK_KIND_PRAISE:
        title = text(N_("%(giver)s praised you about %(topic)s"), giver=giver, topic=topic) if topic else text(N_("%(giver)s praised you"), giver=giver)
        draft = PromptDraft(
            receiver, K.PROMPT_KIND_ACKNOWLEDGE_FEEDBACK, pb.PRIORITY_LOW, title,
            Sentences((
                text(N_("%(giver)s praised you about %(topic)s for a moment %(when)s."), giver=giver, topic=topic, when=when) if topic
                else text(N_("%(giver)s praised you for a moment %(when)s."), giver=giver, when=when),
                text(N_("Acknowledge it, and note one concrete example of where you will do more of the same.")),
            )),
            about, event.feedback_id,
        )
    else:
        kind = text(N_("a suggestion")) if event.kind == fb.FEEDBACK_KIND_SUGGESTION else text(N_("constructive feedback"))
        title = (
            text(N_("%(giver)s gave you %(kind)s about %(topic)s"), giver=giver, kind=kind, topic=topic) if topic
            else text(N_("%(giver)s gave you %(kind)s"), giver=giver, kind=kind)
        )
        draft = PromptDraft(
            receiver, K.PROMPT_KIND_PLAN_ACTION, pb.PRIORITY_NORMAL, title,
            Sentences((
                text(N_("%(giver)s gave you %(kind)s about %(topic)s, about a moment %(when)s."), giver=giver, kind=kind, topic=topic, when=when) if topic
                else text(N_("%(giver)s gave you %(kind)s about a moment %(when)s."), giver=giver, kind=kind, when=when),
                text(N_("Acknowledge it and plan one action: name one concrete situation in the coming weeks where you will try something different.")),
            )),
            about, event.feedback_id,
        )
    return _visible([draft], event.metadata, directory, parties=[receiver])


def _request_prompt(request_id: str, requester: str, subject: str, recipient: str, due: str, priority: int, directory: Directory, reminder: bool) -> PromptDraft:
    asker = directory.name(requester)
    on_whom = "" if subject == requester else directory.name(subject)
    due_date = date_or_none(due)
    due_value: dt.date | str = due_date if due_date is not None else due
    if reminder:
        title = (text(N_("Reminder: %(asker)s is waiting for your feedback on %(subject)s"), asker=asker, subject=on_whom) if on_whom
                 else text(N_("Reminder: %(asker)s is waiting for your feedback"), asker=asker))
    else:
        title = (text(N_("%(asker)s asked for your feedback on %(subject)s"), asker=asker, subject=on_whom) if on_whom
                 else text(N_("%(asker)s asked for your feedback"), asker=asker))
    if on_whom and due:
        asked = text(N_("%(asker)s asked for your feedback on %(subject)s, due %(due)s."), asker=asker, subject=on_whom, due=due_value)
    elif on_whom:
        asked = text(N_("%(asker)s asked for your feedback on %(subject)s."), asker=asker, subject=on_whom)
    elif due:
        asked = text(N_("%(asker)s asked for your feedback, due %(due)s."), asker=asker, due=due_value)
    else:
        asked = text(N_("%(asker)s asked for your feedback."), asker=asker)
    if subject == recipient:
        answer = text(N_("Answer with one concrete example: a situation you saw, what you did, and the impact it had."))
    elif subject == requester:
        answer = text(N_("Answer with one concrete example: a situation you saw, what they did, and the impact it had."))
    else:
        answer = text(N_("Answer with one concrete example: a situation you saw, what %(subject)s did, and the impact it had."), subject=on_whom)
    return PromptDraft(recipient, K.PROMPT_KIND_ANSWER_REQUEST, priority, title, Sentences((asked, answer)), subject, request_id)


def request_prompts(event: fb.FeedbackRequested, directory: Directory, today: dt.date) -> list[PromptDraft]:
    """A feedback request waiting for an employee: the recipient answers. External recipients get an e-mail
    from the feedback service itself, not a prompt."""
    if event.state != fb.FeedbackRequest.STATE_OPEN or not event.recipient_id or event.external:
        return []
    due = date_or_none(event.due_date)
    urgent = due is not None and (due - today).days <= 2
    draft = _request_prompt(
        event.request_id, event.requester_id, event.subject_id, event.recipient_id, event.due_date,
        pb.PRIORITY_HIGH if urgent else pb.PRIORITY_NORMAL, directory, reminder=False,
    )
    return _visible([draft], event.metadata, directory, parties=[event.recipient_id, event.requester_id])


def request_due_reminder(
    request_id: str, requester: str, subject: str, recipient: str, due_date: str, today: dt.date, directory: Directory
) -> PromptDraft | None:
    """A still-open request whose due date is tomorrow or today (or passed) gets one high-priority reminder."""
    due = date_or_none(due_date)
    if due is None or not recipient or (due - today).days > REMIND_DAYS_BEFORE_DUE:
        return None
    return _request_prompt(request_id, requester, subject, recipient, due_date, pb.PRIORITY_HIGH, directory, reminder=True)


def insight_moment(event: an.InsightDetected) -> str:
    """The moment a "moment for feedback" insight is about: the latest event of its evidence (analytics
    also names it as the causation), the same event a goal milestone or action item prompt comes from."""
    if event.insight.kind != an.INSIGHT_KIND_MOMENT_FOR_FEEDBACK:
        return ""
    evidence = event.insight.evidence_event_ids
    return evidence[-1] if evidence else event.metadata.causation_id


# An insight's reason per kind (and Insight.params["variant"] where the kind has several), with the names of
# its params; "who" is the subject's name from the directory.
INSIGHT_REASON: dict[tuple[int, str], str] = {
    (an.INSIGHT_KIND_GOAL_STALLED, ""): N_("“%(goal)s” is at %(progress)s%% where %(expected)s%% was expected by now, and has had no check-in for %(days)s days."),
    (an.INSIGHT_KIND_PERFORMANCE_WITHOUT_DEVELOPMENT, "fell_from"): N_("Performance fell from %(before)s%% to %(recent)s%% over the last 30 days, with no development activity in that time."),
    (an.INSIGHT_KIND_PERFORMANCE_WITHOUT_DEVELOPMENT, "fell_to"): N_("Performance fell to %(recent)s%% over the last 30 days, with no development activity in that time."),
    (an.INSIGHT_KIND_SELF_OTHERS_GAP, "higher"): N_("On “%(competency)s” you rate yourself %(points)s points higher than others do."),
    (an.INSIGHT_KIND_SELF_OTHERS_GAP, "lower"): N_("On “%(competency)s” you rate yourself %(points)s points lower than others do."),
    (an.INSIGHT_KIND_FEEDBACK_DROUGHT, "since_last"): N_("No feedback received for %(days)s days."),
    (an.INSIGHT_KIND_FEEDBACK_DROUGHT, "in_window"): N_("No feedback received in the last %(days)s days."),
    (an.INSIGHT_KIND_SINGLE_SOURCE_FEEDBACK, "all"): N_("All %(count)s pieces of feedback in the last 90 days came from %(source)s."),
    (an.INSIGHT_KIND_SINGLE_SOURCE_FEEDBACK, "named_only"): N_("All %(count)s pieces of feedback with a named giver in the last 90 days came from %(source)s."),
    (an.INSIGHT_KIND_CONSTRUCTIVE_WITHOUT_ACTION, ""): N_("Constructive feedback from more than %(days)s days ago (%(count)s in all) has not led to any action yet."),
    (an.INSIGHT_KIND_MOMENT_FOR_FEEDBACK, "milestone"): N_("%(who)s just reached %(percent)s%% on “%(goal)s”: a good moment for immediate, concrete feedback."),
    (an.INSIGHT_KIND_MOMENT_FOR_FEEDBACK, "action_item"): N_("%(who)s just completed an action item: a good moment for immediate, concrete feedback."),
    (an.INSIGHT_KIND_RATING_DRIFT, "lenient"): N_("Ratings given by %(who)s average %(average)s, %(points)s points above the organisation's median manager (%(median)s): possibly lenient."),
    (an.INSIGHT_KIND_RATING_DRIFT, "severe"): N_("Ratings given by %(who)s average %(average)s, %(points)s points below the organisation's median manager (%(median)s): possibly severe."),
    (an.INSIGHT_KIND_RECENCY_BIAS, ""): N_("%(share)s%% of the team's feedback in the last 90 days was given in the %(days)s days before the review, instead of spread over the period."),
    (an.INSIGHT_KIND_PERFORMANCE_ONLY_PORTFOLIO, ""): N_("%(share)s%% of the people in this team with goals have only performance goals: no development or wellbeing goal."),
    (an.INSIGHT_KIND_FEEDBACK_WITHOUT_EXAMPLES, ""): N_("Only %(share)s%% of the feedback in this team in the last 90 days came with a concrete example."),
}
INSIGHT_SUGGESTION: dict[int, str] = {
    an.INSIGHT_KIND_GOAL_STALLED: N_("Check in on the goal together and give feedback on what moved and what is blocking."),
    an.INSIGHT_KIND_PERFORMANCE_WITHOUT_DEVELOPMENT: N_("Hold a coaching conversation, or agree a development goal."),
    an.INSIGHT_KIND_SELF_OTHERS_GAP: N_("Talk about “%(competency)s” in a purple dialogue: what each of you sees, with examples."),
    an.INSIGHT_KIND_FEEDBACK_DROUGHT: N_("Ask two or three colleagues for feedback on something recent."),
    an.INSIGHT_KIND_SINGLE_SOURCE_FEEDBACK: N_("Seek feedback from other sources: peers, reports, customers."),
    an.INSIGHT_KIND_CONSTRUCTIVE_WITHOUT_ACTION: N_("Turn the feedback into an action plan: one concrete step with a date."),
    an.INSIGHT_KIND_MOMENT_FOR_FEEDBACK: N_("Give feedback now, naming the moment and one concrete example."),
    an.INSIGHT_KIND_RATING_DRIFT: N_("Calibrate before the review meeting: compare a few ratings with concrete examples."),
    an.INSIGHT_KIND_RECENCY_BIAS: N_("Give feedback when things happen; set a rhythm of check-ins between reviews."),
    an.INSIGHT_KIND_PERFORMANCE_ONLY_PORTFOLIO: N_("Add a development or wellbeing goal to each portfolio."),
    an.INSIGHT_KIND_FEEDBACK_WITHOUT_EXAMPLES: N_("Ask for, and give, one concrete example per piece of feedback (situation, behaviour, impact)."),
}
# Insight.params["source"] of a single-source insight.
FEEDBACK_SOURCE_TEXT: dict[str, str] = {
    "manager": N_("your manager"), "peer": N_("peers"), "report": N_("your reports"), "hr": N_("HR"), "customer": N_("customers"),
    "leader": N_("other leaders"), "self": N_("yourself"), "unspecified": N_("unspecified givers"),
}
# Numbers with a decimal point in Insight.params: written with the reader's decimal sign.
DECIMAL_PARAMS = ("points", "average", "median")


def _insight_values(insight: an.Insight, who: str) -> dict[str, Value]:
    values: dict[str, Value] = dict(insight.params)
    values["who"] = who
    if "source" in values:
        values["source"] = text(FEEDBACK_SOURCE_TEXT.get(str(values["source"]), N_("unspecified givers")))
    for name in DECIMAL_PARAMS:
        raw = str(values.get(name, ""))
        try:
            values[name] = float(raw)
        except ValueError:
            values.pop(name, None)
    return values


def _insight_message(msgid: str | None, values: dict[str, Value]) -> Text | None:
    """The kind's message with the insight's params, or None when a name it needs is not there."""
    if msgid is None or not all(name in values for name in PLACEHOLDER.findall(msgid)):
        return None
    return text(msgid, **{name: values[name] for name in PLACEHOLDER.findall(msgid)})


def insight_prompts(event: an.InsightDetected, directory: Directory) -> list[PromptDraft]:
    """Every insight goes to each of its actors, in each one's language: the reason and suggestion are the
    kind's messages with the insight's params. An insight without params (detected before they existed)
    shows analytics' English words to an English reader and the kind's name to anyone else."""
    insight = event.insight
    moment = insight_moment(event)
    subject = insight.subject_id
    label = text(INSIGHT_TEXT.get(insight.kind, N_("an insight")))
    title = text(N_("About %(who)s: %(insight)s"), who=directory.name(subject), insight=label) if subject else text(N_("About your team: %(insight)s"), insight=label)
    values = _insight_values(insight, directory.name(subject) if subject else "")
    generic = text(N_("Insight: %(insight)s."), insight=label)
    reason = _insight_message(INSIGHT_REASON.get((insight.kind, insight.params.get("variant", ""))), values)
    suggested = _insight_message(INSIGHT_SUGGESTION.get(insight.kind), values)
    older = not insight.params
    said: tuple[Text | Written | None, ...] = (
        reason or (Written(insight.reason.strip(), "en", generic) if older and insight.reason.strip() else generic),
        Written(insight.suggested_action.strip(), "en", suggested) if older and insight.suggested_action.strip() else suggested,
    )
    body = Sentences((*(part for part in said if part is not None), text(N_("Start from one concrete example you saw yourself: the situation, what happened, and its impact."))))
    # The goal of a milestone's moment (empty for a completed action item, or from an analytics before it named it).
    goal = insight.params.get("goal_id", "") if moment else ""
    drafts = [
        PromptDraft(
            actor, K.PROMPT_KIND_INSIGHT, SEVERITY_PRIORITY.get(insight.severity, pb.PRIORITY_NORMAL), title, body,
            subject, insight.id, moment_id=moment, insight_kind=insight.kind, goal_id=goal,
        )
        for actor in insight.actors
    ]
    return _visible(drafts, event.metadata, directory, parties=list(insight.actors))


def dialogue_prompts(event: fb.DialogueUpdated, directory: Directory) -> list[PromptDraft]:
    """A dialogue waiting for one side's preparation: that side prepares, sooner when the other already has."""
    if event.state != fb.Dialogue.STATE_PREPARING:
        return []
    sides = {event.employee_id, event.manager_id} - {""}
    evaluation = event.kind == fb.DIALOGUE_KIND_EVALUATION
    when = date_or_none(event.scheduled_for[:10]) if event.scheduled_for else None
    drafts = []
    for person in event.waiting_for:
        if person not in sides:
            continue
        other = event.manager_id if person == event.employee_id else event.employee_id
        other_ready = other in event.prepared_by
        with_whom = directory.name(other)
        if evaluation:
            title = text(N_("Prepare your evaluation dialogue with %(other)s"), other=with_whom)
            waiting = (text(N_("Your evaluation dialogue with %(other)s on %(date)s is waiting for your preparation."), other=with_whom, date=when) if when
                       else text(N_("Your evaluation dialogue with %(other)s is waiting for your preparation."), other=with_whom))
        else:
            title = text(N_("Prepare your performance dialogue with %(other)s"), other=with_whom)
            waiting = (text(N_("Your performance dialogue with %(other)s on %(date)s is waiting for your preparation."), other=with_whom, date=when) if when
                       else text(N_("Your performance dialogue with %(other)s is waiting for your preparation."), other=with_whom))
        status = (text(N_("%(first)s has already prepared."), first=directory.first_name(other)),) if other_ready else ()
        drafts.append(PromptDraft(
            person, K.PROMPT_KIND_PREPARE_DIALOGUE, pb.PRIORITY_HIGH if other_ready else pb.PRIORITY_NORMAL, title,
            Sentences((waiting, *status, text(N_("Bring one concrete example of a moment you want to talk about: the situation, what happened, its impact.")))),
            other, event.dialogue_id,
        ))
    return _visible(drafts, event.metadata, directory, parties=sides)


def story_prompts(event: st.StoryPublished, directory: Directory) -> list[PromptDraft]:
    """A new version of the organisation story, once per published version and person (the moment): everyone
    active (the directory's audience for this event) gets one prompt. A manager (someone with an active direct
    report) is asked how it lands in their team, which has them read it; everyone else gets a low-priority
    prompt to read what changed (low: when the week's budget is spent it waits for the digest). Two prompts about
    one version would be noise, and the moment lets a person have only one anyway."""
    version = event.story.version
    moment = f"story:{event.metadata.subject_id}:{version}"
    everyone = set(directory.audience)
    managers = {directory.manager_of(person) for person in everyone} & everyone
    drafts = [
        PromptDraft(
            person, K.PROMPT_KIND_TEAM_STORY, pb.PRIORITY_NORMAL,
            text(N_("Version %(version)s of our story is out: how does it land in your team?"), version=version),
            Sentences((
                text(N_("A new version of the organisation story was published.")),
                text(N_("Read it with your team and ask what it means for your work, and note one concrete example they give.")),
            )),
            "", str(version), moment_id=moment,
        ) if person in managers else PromptDraft(
            person, K.PROMPT_KIND_STORY_CHANGED, pb.PRIORITY_LOW,
            text(N_("Version %(version)s of our story is out: read what changed"), version=version),
            Sentences((
                text(N_("A new version of the organisation story was published.")),
                text(N_("Read what changed, and note one concrete moment from your own work where it shows.")),
            )),
            "", str(version), moment_id=moment,
        )
        for person in directory.audience
    ]
    return _visible(drafts, event.metadata, directory)


def referral_prompts(event: fb.ReferralRaised, directory: Directory) -> list[PromptDraft]:
    """A confidential referral was raised: the HR people (the directory's audience for this event) are told
    that one is waiting, and nothing else: not who it is about, not who raised it (the page shows it to those
    allowed). The person it is about is not prompted."""
    subject = event.metadata.subject_id
    drafts = [
        PromptDraft(
            person, K.PROMPT_KIND_REFERRAL, pb.PRIORITY_NORMAL,
            text(N_("A confidential referral is waiting")),
            text(N_("Open the referrals in Paars to read it. This message says nothing about it on purpose.")),
            "", event.referral_id,
        )
        for person in directory.audience
        if person != subject
    ]
    return _visible(drafts, event.metadata, directory)


def _pair(event: cv.OneOnOneScheduled | cv.OneOnOneHeld) -> list[tuple[str, str]]:
    """The two people of a 1:1, each with the other."""
    return [(me, other) for me, other in ((event.lead_id, event.other_id), (event.other_id, event.lead_id)) if me and other and me != other]


def one_on_one_scheduled_prompts(event: cv.OneOnOneScheduled, directory: Directory, today: dt.date) -> list[PromptDraft]:
    """A 1:1 is planned: both people add what they want to talk about to its shared agenda beforehand, asked the lead
    time before it (ahead_of), not when it is planned. A date already past (a late or replayed event) asks nothing:
    the moment is gone."""
    when = date_or_none(event.scheduled_on[:10])
    if when is None or when < today:
        return []
    drafts = [
        PromptDraft(
            me, K.PROMPT_KIND_ONE_ON_ONE_AGENDA, pb.PRIORITY_NORMAL,
            text(N_("Add to the agenda of your 1:1 with %(other)s"), other=directory.name(other)),
            Sentences((
                text(N_("Your 1:1 with %(other)s is on %(date)s."), other=directory.name(other), date=when),
                text(N_("Add one topic you want to talk about to the shared agenda: a goal, a piece of feedback or one concrete moment.")),
            )),
            other, event.meeting_id, moment_id=f"one-on-one:{event.meeting_id}", ahead_of=when,
        )
        for me, other in _pair(event)
    ]
    return _visible(drafts, event.metadata, directory, parties=(event.lead_id, event.other_id))


def one_on_one_held_prompts(event: cv.OneOnOneHeld, directory: Directory) -> list[PromptDraft]:
    """A 1:1 was held: both capture the agreements made in it, and both ask each other for feedback."""
    drafts = []
    for me, other in _pair(event):
        name = directory.name(other)
        drafts.append(PromptDraft(
            me, K.PROMPT_KIND_ONE_ON_ONE_AGREEMENTS, pb.PRIORITY_NORMAL,
            text(N_("Capture your agreements from the 1:1 with %(other)s"), other=name),
            text(N_("Write down what you agreed, who does it and by when, so that %(first)s can confirm it."), first=directory.first_name(other)),
            other, event.meeting_id,
        ))
        drafts.append(PromptDraft(
            me, K.PROMPT_KIND_ONE_ON_ONE_FEEDBACK, pb.PRIORITY_LOW,
            text(N_("Ask %(other)s for feedback"), other=name),
            text(N_("While your 1:1 is fresh, ask each other for feedback on one concrete moment: what worked, and what could be better.")),
            other, event.meeting_id,
        ))
    return _visible(drafts, event.metadata, directory, parties=(event.lead_id, event.other_id))


def coaching_request_prompts(event: cv.CoachingRequestUpdated, directory: Directory) -> list[PromptDraft]:
    """Someone asked for coaching: the person asked gets the request to accept or decline (the event carries no
    topic, and neither does the prompt)."""
    if event.state != cv.COACHING_STATE_REQUESTED or not event.coach_id or event.coach_id == event.coachee_id:
        return []
    coachee = directory.name(event.coachee_id)
    drafts = [PromptDraft(
        event.coach_id, K.PROMPT_KIND_COACHING_REQUEST, pb.PRIORITY_NORMAL,
        text(N_("%(name)s asks you for coaching"), name=coachee),
        text(N_("Open the request in Paars to accept or decline it; %(first)s sees your answer."), first=directory.first_name(event.coachee_id)),
        event.coachee_id, event.request_id,
    )]
    return _visible(drafts, event.metadata, directory, parties=(event.coachee_id, event.coach_id))


def coaching_session_prompts(event: cv.CoachingSessionCompleted, directory: Directory) -> list[PromptDraft]:
    """A coaching session took place: the coachee names one thing they will try before the next one (linked to
    their development goal when the coaching has one). A session without a coachee other than the coach asks nobody."""
    if not event.coachee_id or event.coachee_id == event.coach_id:
        return []
    coach = directory.name(event.coach_id)
    step = (text(N_("Pick one thing you will try before your next session, and note it as a step on your development goal."))
            if event.development_goal_ids else text(N_("Pick one thing you will try before your next session, and note when you will try it.")))
    drafts = [PromptDraft(
        event.coachee_id, K.PROMPT_KIND_COACHING_NEXT_STEP, pb.PRIORITY_LOW,
        text(N_("What will you try after your coaching session with %(coach)s?"), coach=coach),
        step,
        event.coach_id, event.request_id, moment_id=f"coaching-session:{event.session_id}",
    )]
    return _visible(drafts, event.metadata, directory, parties=(event.coachee_id, event.coach_id))


def concern_prompts(event: cv.ConcernUpdated, directory: Directory) -> list[PromptDraft]:
    """A boundary concern was raised: the HR people (the directory's audience for this event) are told one is
    waiting, and nothing else (the event names nobody; neither does the prompt). Its later states prompt nobody."""
    if event.state != cv.CONCERN_STATE_RAISED:
        return []
    drafts = [
        PromptDraft(
            person, K.PROMPT_KIND_BOUNDARY_CONCERN, pb.PRIORITY_NORMAL,
            text(N_("A boundary concern is waiting")),
            text(N_("Open the concerns in Paars to read it. This message says nothing about it on purpose.")),
            "", event.concern_id,
        )
        for person in directory.audience
    ]
    return _visible(drafts, event.metadata, directory)


def circle_session_prompts(event: cv.CircleSessionPlanned, directory: Directory, today: dt.date) -> list[PromptDraft]:
    """A peer coaching circle's next session is planned: each member is told the date and to bring a case if it is
    their turn, the lead time before it (ahead_of). Nothing said in the circle is in the event, nor in the prompt (not
    whose turn it is, no case, no circle name); a date already past (a late or replayed event) asks nothing."""
    when = date_or_none(event.planned_on[:10])
    if when is None or when < today:
        return []
    members = list(dict.fromkeys(m for m in event.member_ids if m))
    drafts = [
        PromptDraft(
            member, K.PROMPT_KIND_CIRCLE_SESSION, pb.PRIORITY_NORMAL,
            text(N_("Your peer coaching circle meets on %(date)s"), date=when),
            text(N_("Bring a case if it is your turn: one concrete situation from your work as a manager that you want to think through with your peers.")),
            "", event.circle_id, moment_id=f"circle-session:{event.circle_id}:{when.isoformat()}", ahead_of=when,
        )
        for member in members
    ]
    return _visible(drafts, event.metadata, directory, parties=members)


# ---------- one entry per consumed event type ----------


def feedback_given_actions(event: fb.FeedbackGiven) -> list[ActionMatch]:
    if not event.giver_id:
        return []
    giver = event.giver_id
    matches = [ActionMatch(giver, frozenset({K.PROMPT_KIND_GIVE_FEEDBACK, K.PROMPT_KIND_CHECK_IN, K.PROMPT_KIND_INSIGHT}), about_id=event.receiver_id)]
    if event.request_id:
        matches.append(ActionMatch(giver, frozenset({K.PROMPT_KIND_ANSWER_REQUEST}), ref_id=event.request_id))
    return matches


def acknowledged_actions(event: fb.FeedbackAcknowledged) -> list[ActionMatch]:
    return [ActionMatch(event.receiver_id, frozenset({K.PROMPT_KIND_ACKNOWLEDGE_FEEDBACK, K.PROMPT_KIND_PLAN_ACTION}), ref_id=event.feedback_id)]


def request_actions(event: fb.FeedbackRequested) -> list[ActionMatch]:
    if event.recipient_id and event.state in (fb.FeedbackRequest.STATE_ANSWERED, fb.FeedbackRequest.STATE_DECLINED):
        return [ActionMatch(event.recipient_id, frozenset({K.PROMPT_KIND_ANSWER_REQUEST}), ref_id=event.request_id)]
    if event.recipient_id and event.requester_id and event.state == fb.FeedbackRequest.STATE_OPEN:
        # Asking the other person of a 1:1 for feedback is what its after-prompt asked.
        return [ActionMatch(event.requester_id, frozenset({K.PROMPT_KIND_ONE_ON_ONE_FEEDBACK}), about_id=event.recipient_id)]
    return []


def goal_actions(event: gl.GoalUpdated) -> list[ActionMatch]:
    # A check-in carries a confidence; the roll-up events it causes on parent goals do not.
    if gl.GoalUpdated.CHANGE_PROGRESS in event.changes and event.metadata.actor_id and event.confidence:
        return [ActionMatch(event.metadata.actor_id, frozenset({K.PROMPT_KIND_CHECK_IN, K.PROMPT_KIND_INSIGHT}), about_id=event.goal.owner_id)]
    return []


def dialogue_actions(event: fb.DialogueUpdated) -> list[ActionMatch]:
    return [ActionMatch(person, frozenset({K.PROMPT_KIND_PREPARE_DIALOGUE}), ref_id=event.dialogue_id) for person in event.prepared_by]


def one_on_one_done_actions(event: cv.OneOnOneHeld | cv.OneOnOneSkipped) -> list[ActionMatch]:
    # Held or skipped, the moment to add to its agenda is over.
    return [ActionMatch(person, frozenset({K.PROMPT_KIND_ONE_ON_ONE_AGENDA}), ref_id=event.meeting_id) for person in (event.lead_id, event.other_id)]


def agreement_actions(event: cv.AgreementConfirmed) -> list[ActionMatch]:
    # Confirmed by both: the one who confirmed it and its owner have captured an agreement of that 1:1.
    return [ActionMatch(person, frozenset({K.PROMPT_KIND_ONE_ON_ONE_AGREEMENTS}), ref_id=event.meeting_id)
            for person in dict.fromkeys((event.owner_id, event.metadata.actor_id))]


def coaching_request_actions(event: cv.CoachingRequestUpdated) -> list[ActionMatch]:
    if event.state in (cv.COACHING_STATE_ACCEPTED, cv.COACHING_STATE_DECLINED):
        return [ActionMatch(event.coach_id, frozenset({K.PROMPT_KIND_COACHING_REQUEST}), ref_id=event.request_id)]
    return []


def _no_prompts(event: Any, directory: Directory, today: dt.date) -> list[PromptDraft]:
    return []


def _no_actions(event: Any) -> list[ActionMatch]:
    return []


def _without_today(rule: Callable[[Any, Directory], list[PromptDraft]]) -> Callable[[Any, Directory, dt.date], list[PromptDraft]]:
    return lambda event, directory, today: rule(event, directory)


# Who besides the people an event names a rule addresses; the service layer loads the group into the
# Directory's `audience` (paars_notifications.service_layer.prompting, ReadCache.audience).
MANAGERS = "managers"  # everyone active with at least one active direct report
EVERYONE = "everyone"  # everyone active (a published story: managers are told apart by their reports)
HR = "hr"  # everyone active with the HR role


@dataclass(frozen=True)
class EventRule:
    """What notifications does with one event type: the prompts it deserves, what it shows someone did (closing
    their open prompts), and the group its prompts address when that is not named in the event."""

    prompts: Callable[[Any, Directory, dt.date], list[PromptDraft]] = _no_prompts
    actions: Callable[[Any], list[ActionMatch]] = _no_actions
    audience: str = ""


# THE place for prompt rules: one entry per consumed event type. Adding a rule for an event (a 1:1 held, a
# concern raised, ...): its topic routes it to "notifications" in paars_platform/topics.py (the registry), an
# entry here, who it names in domain/involvement.py, its texts in both catalogues, and a test in
# tests/unit/test_notifications_rules.py. The consumer subscribes to exactly these types (a test checks the
# registry against them, and registry.subscribe refuses a mismatch at start). Kept in the order of TOPICS.
RULES: dict[type[Message], EventRule] = {
    # A directory change updates the org projection (the service layer); it prompts nobody.
    org_pb2.EmployeeChanged: EventRule(),
    gl.GoalUpdated: EventRule(_without_today(goal_prompts), goal_actions),
    fb.FeedbackGiven: EventRule(_without_today(feedback_prompts), feedback_given_actions),
    fb.FeedbackRequested: EventRule(request_prompts, request_actions),
    fb.FeedbackAcknowledged: EventRule(actions=acknowledged_actions),
    fb.DialogueUpdated: EventRule(_without_today(dialogue_prompts), dialogue_actions),
    fb.ActionItemUpdated: EventRule(_without_today(action_item_prompts)),
    fb.ReferralRaised: EventRule(_without_today(referral_prompts), audience=HR),
    an.InsightDetected: EventRule(_without_today(insight_prompts)),
    st.StoryPublished: EventRule(_without_today(story_prompts), audience=EVERYONE),
    cv.OneOnOneScheduled: EventRule(one_on_one_scheduled_prompts),
    cv.OneOnOneHeld: EventRule(_without_today(one_on_one_held_prompts), one_on_one_done_actions),
    cv.OneOnOneSkipped: EventRule(actions=one_on_one_done_actions),
    cv.AgreementConfirmed: EventRule(actions=agreement_actions),
    cv.CoachingRequestUpdated: EventRule(_without_today(coaching_request_prompts), coaching_request_actions),
    cv.CoachingSessionCompleted: EventRule(_without_today(coaching_session_prompts)),
    # HR, whom it prompts, is the rule's audience: the event names nobody.
    cv.ConcernUpdated: EventRule(_without_today(concern_prompts), audience=HR),
    cv.CircleSessionPlanned: EventRule(circle_session_prompts),
}


def prompts_for(event: Any, directory: Directory, today: dt.date) -> list[PromptDraft]:
    """All prompts an incoming event deserves."""
    rule = RULES.get(type(event))
    return rule.prompts(event, directory, today) if rule else []


def may_prompt(event: Any) -> bool:
    """Whether the event's type has a prompt rule at all (not only actions that close prompts)."""
    rule = RULES.get(type(event))
    return rule is not None and rule.prompts is not _no_prompts


def actions_in(event: Any) -> list[ActionMatch]:
    """What this event shows someone did: gave feedback, acknowledged, answered, checked in, prepared."""
    rule = RULES.get(type(event))
    return [m for m in (rule.actions(event) if rule else []) if m.recipient_id]
