"""Webhook signatures, the retry schedule and the circuit breaker, and what payloads may reveal."""
from __future__ import annotations

import json

import pytest

from paars.common.v1 import event_pb2 as ev
from paars.notifications.v1 import notifications_pb2 as pb
from paars_notifications.domain import payloads
from paars_notifications.domain.resilience import CLOSED, HALF_OPEN, OPEN, CircuitBreaker, backoff_delay
from paars_notifications.domain.signing import InvalidSignature, sign, verify

SECRET = "whsec_test"
BODY = b'{"type":"notifications.prompt-sent.v1"}'


def test_a_signature_made_with_the_secret_verifies_and_returns_its_timestamp() -> None:
    header = sign(SECRET, BODY, 1_800_000_000)
    assert header.startswith("t=1800000000,v1=")
    assert verify(SECRET, BODY, header, now=1_800_000_010) == 1_800_000_000


@pytest.mark.parametrize(
    ("secret", "body", "now", "why"),
    [
        ("whsec_other", BODY, 1_800_000_010, "no v1 signature matches"),
        (SECRET, BODY + b" ", 1_800_000_010, "no v1 signature matches"),
        (SECRET, BODY, 1_800_000_301, "tolerance"),
    ],
    ids=["wrong secret", "tampered body", "replayed too late"],
)
def test_a_wrong_secret_a_tampered_body_or_a_late_replay_is_rejected(secret: str, body: bytes, now: int, why: str) -> None:
    with pytest.raises(InvalidSignature, match=why):
        verify(secret, body, sign(SECRET, BODY, 1_800_000_000), now=now)


def test_a_header_without_timestamp_or_signature_is_rejected() -> None:
    with pytest.raises(InvalidSignature):
        verify(SECRET, BODY, "v1=abc", now=0)
    with pytest.raises(InvalidSignature):
        verify(SECRET, BODY, "t=5", now=5)


def test_any_of_several_signatures_verifies_during_a_secret_rotation() -> None:
    old = sign("whsec_old", BODY, 100).split("v1=")[1]
    header = sign(SECRET, BODY, 100) + f",v1={old}"
    assert verify("whsec_old", BODY, header, now=100) == 100


def test_backoff_doubles_up_to_the_cap_with_half_of_each_step_random() -> None:
    lows = [backoff_delay(n, base=1.0, cap=60.0, rand=lambda: 0.0) for n in range(1, 9)]
    highs = [backoff_delay(n, base=1.0, cap=60.0, rand=lambda: 1.0) for n in range(1, 9)]
    assert highs == [1, 2, 4, 8, 16, 32, 60, 60]
    assert lows == [h / 2 for h in highs]


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_breaker_opens_after_consecutive_failures_and_lets_one_trial_through_after_the_pause() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(threshold=3, reset_seconds=10, clock=clock)
    for _ in range(2):
        assert breaker.allow()
        breaker.record_failure()
    assert breaker.state == CLOSED
    breaker.record_success()
    for _ in range(3):
        breaker.record_failure()
    assert breaker.state == OPEN and not breaker.allow()
    assert breaker.seconds_until_trial() == 10
    clock.now = 10
    assert breaker.allow() and breaker.state == HALF_OPEN
    assert not breaker.allow(), "only one trial at a time"
    breaker.record_failure()
    assert breaker.state == OPEN and not breaker.allow()
    clock.now = 20
    assert breaker.allow()
    breaker.record_success()
    assert breaker.state == CLOSED and breaker.allow()


def view(visibility: int) -> payloads.PromptView:
    return payloads.PromptView(
        id="p1", recipient_id="ann", kind=pb.PROMPT_KIND_PLAN_ACTION, priority=pb.PRIORITY_NORMAL, title="Bob gave you feedback",
        body="Plan one action.", about_id="bob", cause_event_id="e1", cause_type="paars.feedback.v1.FeedbackGiven",
        cause_topic="feedback.feedback-given.v1", visibility=visibility, created_at="2026-11-27T12:00:00Z", digest=False,
    )


def test_an_organisation_wide_subscriber_gets_public_prompts_whole_manager_level_ones_redacted_and_private_ones_not_at_all() -> None:
    def body(visibility: int) -> str | None:
        return payloads.webhook_body(
            delivery_event_id="x", event_type=payloads.PROMPT_SENT, occurred_at="t", prompt=view(visibility), chat_format=False,
            exposure=payloads.organisation_exposure(visibility),
        )

    full = json.loads(body(ev.VISIBILITY_PUBLIC) or "")
    assert full["data"]["prompt"]["title"] == "Bob gave you feedback"
    redacted = json.loads(body(ev.VISIBILITY_RECEIVER_AND_MANAGER) or "")
    assert "title" not in redacted["data"]["prompt"] and "about_id" not in redacted["data"]["prompt"]
    assert body(ev.VISIBILITY_PRIVATE) is None and body(ev.VISIBILITY_ANONYMOUS_AGGREGATE) is None and body(ev.VISIBILITY_HR_ONLY) is None


def test_the_chat_format_is_a_single_text_field() -> None:
    text = payloads.webhook_body(delivery_event_id="x", event_type=payloads.PROMPT_SENT, occurred_at="t", prompt=view(ev.VISIBILITY_PUBLIC), chat_format=True)
    assert json.loads(text or "") == {"text": "*Bob gave you feedback*\nPlan one action."}


def test_a_subscription_filter_matches_the_topic_the_cause_or_the_prompt_kind() -> None:
    v = view(ev.VISIBILITY_PUBLIC)
    assert payloads.matches_filter([], payloads.PROMPT_SENT, v)
    assert payloads.matches_filter(["feedback.feedback-given.v1"], payloads.PROMPT_SENT, v)
    assert payloads.matches_filter(["PROMPT_KIND_PLAN_ACTION"], payloads.PROMPT_SENT, v)
    assert payloads.matches_filter([payloads.PROMPT_SENT], payloads.PROMPT_SENT, v)
    assert not payloads.matches_filter(["goals.goal-updated.v1", payloads.PROMPT_ACTED], payloads.PROMPT_SENT, v)
