"""The one list of Kafka topics Paars uses: start-up provisioning, the Strimzi KafkaTopics and KafkaUsers, and the
event registry (paars_platform.registry: which service consumes which event) all read it."""
from __future__ import annotations

from dataclasses import dataclass, field

DAY_MS = 24 * 60 * 60 * 1000


@dataclass(frozen=True)
class Topic:
    name: str
    # Full protobuf message name carried in ce_type; empty for topics of raw records (dead letters).
    message_type: str
    key: str
    partitions: int = 6
    compacted: bool = False
    retention_ms: int = 30 * DAY_MS
    owner: str = ""
    description: str = ""
    # Consumers apply a record of a signed topic only with its owner's signature (paars_platform.signing):
    # the directory decides who manages whom, and so who may read whose feedback.
    signed: bool = False
    # The services that consume the topic's events (each through its CONSUMER_GROUPS); a service subscribes
    # through paars_platform.registry, which checks its handlers against this list.
    consumers: tuple[str, ...] = ()
    extra_config: dict[str, str] = field(default_factory=dict)

    def config(self, *, min_insync_replicas: int | None = None) -> dict[str, str]:
        """Kafka topic configuration; the same keys for the admin client and for Strimzi."""
        conf = {
            "cleanup.policy": "compact" if self.compacted else "delete",
            "retention.ms": str(-1 if self.compacted else self.retention_ms),
        }
        if min_insync_replicas is not None:
            conf["min.insync.replicas"] = str(min_insync_replicas)
        conf.update(self.extra_config)
        return conf


TOPICS: tuple[Topic, ...] = (
    Topic(
        "org.employee-changed.v1", "paars.org.v1.EmployeeChanged", "employee id",
        compacted=True, owner="goals", signed=True,
        consumers=("feedback", "notifications", "analytics", "story", "conversations"),
        description="Whole state of an employee after each change (event-carried state transfer).",
    ),
    Topic(
        "org.team-changed.v1", "paars.org.v1.TeamChanged", "team id",
        compacted=True, owner="goals", signed=True, consumers=("feedback", "analytics", "story", "conversations"),
        description="Whole state of a team after each change.",
    ),
    Topic(
        "goals.goal-updated.v1", "paars.goals.v1.GoalUpdated", "owner (employee) id",
        owner="goals",
        consumers=("notifications", "analytics"),
        description="A goal was proposed, counter-proposed, agreed, checked in, changed status or closed.",
    ),
    Topic(
        "feedback.feedback-given.v1", "paars.feedback.v1.FeedbackGiven", "receiver id",
        owner="feedback", consumers=("notifications", "analytics"),
        description="Feedback was given; text only for public praise.",
    ),
    Topic(
        "feedback.feedback-requested.v1", "paars.feedback.v1.FeedbackRequested", "subject id",
        owner="feedback", consumers=("notifications", "analytics"),
        description="Feedback was sought, declined or answered.",
    ),
    Topic(
        "feedback.feedback-acknowledged.v1", "paars.feedback.v1.FeedbackAcknowledged", "receiver id",
        owner="feedback", consumers=("notifications", "analytics"),
        description="The receiver acknowledged feedback (and maybe planned an action).",
    ),
    Topic(
        "feedback.self-assessment-submitted.v1", "paars.feedback.v1.SelfAssessmentSubmitted",
        "employee id", owner="feedback", consumers=("analytics",),
        description="A self-assessment was submitted.",
    ),
    Topic(
        "feedback.review-updated.v1", "paars.feedback.v1.ReviewUpdated", "subject id",
        owner="feedback", consumers=("analytics",),
        description="A 360 review moved through its life cycle.",
    ),
    Topic(
        "feedback.dialogue-updated.v1", "paars.feedback.v1.DialogueUpdated", "employee id",
        owner="feedback", consumers=("notifications", "analytics"),
        description="A purple dialogue was scheduled, prepared, held or signed.",
    ),
    Topic(
        "feedback.action-item-updated.v1", "paars.feedback.v1.ActionItemUpdated", "employee id",
        owner="feedback", consumers=("notifications", "analytics"),
        description="An action-plan item was created or progressed.",
    ),
    Topic(
        "feedback.referral-raised.v1", "paars.feedback.v1.ReferralRaised", "employee id",
        owner="feedback", consumers=("notifications", "analytics"),
        description="A confidential referral exists; carries no content.",
    ),
    Topic(
        "feedback.referral-updated.v1", "paars.feedback.v1.ReferralUpdated", "employee id",
        owner="feedback",
        description="HR acknowledged or closed a confidential referral; its id and state only, no content. Routed to nobody yet (analytics never counts referrals).",
    ),
    Topic(
        "analytics.insight-detected.v1", "paars.analytics.v1.InsightDetected", "subject id",
        owner="analytics", consumers=("notifications",),
        description="Something deserves a conversation now.",
    ),
    Topic(
        "notifications.prompt-sent.v1", "paars.notifications.v1.PromptSent", "recipient id",
        owner="notifications", consumers=("analytics",),
        description="A prompt reached a person.",
    ),
    Topic(
        "notifications.prompt-acted.v1", "paars.notifications.v1.PromptActed", "recipient id",
        owner="notifications", consumers=("analytics",),
        description="A person acted on a prompt.",
    ),
    Topic(
        "story.story-published.v1", "paars.story.v1.StoryPublished", "story id",
        compacted=True, owner="story", consumers=("goals", "feedback", "notifications", "analytics"),
        description="A version of the organisation story was published: the whole story, values and themes included.",
    ),
    Topic(
        "story.proposal-updated.v1", "paars.story.v1.ProposalUpdated", "proposal id",
        owner="story",
        description="A proposal to the story was made, commented on, endorsed, accepted or declined.",
    ),
    Topic(
        "story.team-story-published.v1", "paars.story.v1.TeamStoryPublished", "team id",
        compacted=True, owner="story",
        description="A version of a team's own story was published: its text, the values and themes it tells, its manager.",
    ),
    Topic(
        "conversations.one-on-one-scheduled.v1", "paars.conversations.v1.OneOnOneScheduled", "other person's id",
        owner="conversations", consumers=("notifications",),
        description="A 1:1 was planned (the first of a pair, or the next on its cadence); ids and its date only.",
    ),
    Topic(
        "conversations.one-on-one-held.v1", "paars.conversations.v1.OneOnOneHeld", "other person's id",
        owner="conversations", consumers=("analytics", "notifications"),
        description="A 1:1 was held; no hat, agenda or notes.",
    ),
    Topic(
        "conversations.one-on-one-skipped.v1", "paars.conversations.v1.OneOnOneSkipped", "other person's id",
        owner="conversations", consumers=("analytics", "notifications"),
        description="A 1:1 was skipped, with the skips in a row since the last one held (a signal, not a rebuke).",
    ),
    Topic(
        "conversations.agreement-confirmed.v1", "paars.conversations.v1.AgreementConfirmed", "owner id",
        owner="conversations", consumers=("notifications",),
        description="Both people confirmed a 1:1 agreement: it is an action item; no text.",
    ),
    Topic(
        "conversations.coaching-request-updated.v1", "paars.conversations.v1.CoachingRequestUpdated", "coachee id",
        owner="conversations", consumers=("notifications",),
        description="Coaching was asked for, accepted or declined; no topic.",
    ),
    Topic(
        "conversations.coaching-session-completed.v1", "paars.conversations.v1.CoachingSessionCompleted", "coachee id",
        owner="conversations", consumers=("analytics", "notifications"),
        description="A coaching session took place (the coaching_sessions signal); no notes.",
    ),
    Topic(
        "conversations.concern-updated.v1", "paars.conversations.v1.ConcernUpdated", "concern id",
        owner="conversations", consumers=("notifications",),
        description="A confidential boundary concern changed state; keyed by the concern, without person, kind or text.",
    ),
    Topic(
        "conversations.circle-session-held.v1", "paars.conversations.v1.CircleSessionHeld", "circle id",
        owner="conversations",
        description="A peer coaching circle met; no case owner, case or notes.",
    ),
    Topic(
        "conversations.circle-session-planned.v1", "paars.conversations.v1.CircleSessionPlanned", "circle id",
        owner="conversations", consumers=("notifications",),
        description="A peer coaching circle's next session was planned: its members' ids and the date; no case owner, case or notes.",
    ),
    # Dead letters: the original record's bytes, with the reason in headers (dlq_*).
    *(
        Topic(
            f"{service}.dead-letter.v1", "", "original key", partitions=1,
            retention_ms=90 * DAY_MS, owner=service,
            description=f"Records the {service} consumers could not decode or process.",
        )
        for service in ("goals", "feedback", "notifications", "analytics", "story", "conversations")
    ),
)

# The consumer groups each service uses (production ACLs allow each only its own; tests/unit checks the
# services still use these names).
CONSUMER_GROUPS: dict[str, tuple[str, ...]] = {
    "goals": ("paars-goals-story",),
    "feedback": ("paars-feedback-org",),
    "notifications": ("notifications",),
    "analytics": ("paars-analytics",),
    "story": ("paars-story-org",),
    "conversations": ("paars-conversations-org",),
}
# Topics a service creates for itself, by name prefix: Faust's changelogs, repartitions and internal
# topics are "<app id>-...". Private to their service in production.
PRIVATE_TOPIC_PREFIXES: dict[str, str] = {"analytics": "paars-analytics-"}

BY_NAME: dict[str, Topic] = {t.name: t for t in TOPICS}


def topic(name: str) -> Topic:
    """The registered topic of that name; a typo fails loudly rather than creating a stray topic."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown topic {name!r}: add it to paars_platform.topics.TOPICS") from None


def topic_for_message(full_name: str) -> Topic:
    for t in TOPICS:
        if t.message_type == full_name:
            return t
    raise KeyError(f"no topic carries {full_name}")
