"""E-mails and webhooks link to the web app's page where the person acts (PAARS_WEB_BASE_URL), the same page the in-app prompt links to."""
from __future__ import annotations

import datetime as dt
import json

from paars.analytics.v1 import analytics_pb2 as an
from paars.common.v1 import event_pb2
from paars.notifications.v1 import notifications_pb2 as pb
from paars_notifications.domain import payloads
from paars_notifications.service_layer.prompting import prompt_proto
from paars_platform.links import action_path

BASE = "https://paars.example.org"
AT = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)


def view(kind: int = pb.PROMPT_KIND_GIVE_FEEDBACK, **kw: object) -> payloads.PromptView:
    values: dict[str, object] = dict(
        id="p1", recipient_id="mgr", kind=kind, priority=pb.PRIORITY_NORMAL, title="Ann reached 50%", body="Tell her what made it work.",
        about_id="ann", cause_event_id="e1", cause_type="paars.goals.v1.GoalUpdated", cause_topic="goals.goal-updated.v1",
        visibility=event_pb2.VISIBILITY_RECEIVER_AND_MANAGER, created_at="2026-12-01T10:00:00Z", digest=False,
    )
    values.update(kw)
    return payloads.PromptView(**values)  # type: ignore[arg-type]


def test_a_give_feedback_prompt_links_to_the_form_with_the_person_filled_in() -> None:
    assert action_path(pb.PROMPT_KIND_GIVE_FEEDBACK, prompt_id="p1", about_id="ann") == "/feedback/give?receiver=ann&prompt=p1"
    assert action_path(pb.PROMPT_KIND_ANSWER_REQUEST) == "/feedback/requests"
    assert action_path(pb.PROMPT_KIND_CHECK_IN) == "/goals"


def test_a_milestone_prompt_opens_the_form_with_its_goal_and_a_request_prompt_opens_the_answer() -> None:
    milestone = action_path(
        pb.PROMPT_KIND_GIVE_FEEDBACK, prompt_id="p1", about_id="ann", moment="2026-12-01T10:00", ref_id="g1", cause_type="paars.goals.v1.GoalUpdated",
    )
    assert milestone == "/feedback/give?receiver=ann&moment=2026-12-01T10%3A00&goal=g1&prompt=p1"
    finished_action = action_path(pb.PROMPT_KIND_GIVE_FEEDBACK, about_id="ann", ref_id="a1", cause_type="paars.feedback.v1.ActionItemUpdated")
    assert "goal=" not in finished_action, "an action item is not a goal"
    assert action_path(pb.PROMPT_KIND_ANSWER_REQUEST, prompt_id="p3", about_id="bob", ref_id="r1") == "/feedback/give?request=r1&receiver=bob&prompt=p3"


def test_a_prompt_on_the_stream_names_what_it_is_about() -> None:
    row = dict(
        id="p1", recipient_id="mgr", kind=pb.PROMPT_KIND_GIVE_FEEDBACK, priority=pb.PRIORITY_NORMAL, title="t", body="b", about_id="ann", ref_id="g1",
        cause_event_id="e1", cause_type="paars.goals.v1.GoalUpdated", cause_occurred_at=AT, created_at=AT, cursor=3, read=False, digest=False, acted=False,
    )
    assert prompt_proto(row).ref_id == "g1"


def test_the_email_names_the_page_to_act_on_instead_of_open_paars() -> None:
    _, text = payloads.email_text("Mo Manager", [view()], digest=False, base_url=BASE)
    assert f"{BASE}/feedback/give?receiver=ann&prompt=p1" in text
    assert "Open Paars to act on it." not in text
    _, digest = payloads.email_text("Mo Manager", [view(), view(pb.PROMPT_KIND_CHECK_IN, id="p2")], digest=True, base_url=BASE)
    assert f"{BASE}/feedback/give?receiver=ann&prompt=p1" in digest and f"{BASE}/goals" in digest


def test_without_a_base_url_the_email_keeps_its_old_words() -> None:
    _, text = payloads.email_text("Mo Manager", [view()], digest=False, language="en")
    assert "Open Paars to act on it." in text and "http" not in text


def test_webhooks_carry_the_link_only_with_the_full_prompt() -> None:
    common = dict(delivery_event_id="d1", event_type=payloads.PROMPT_SENT, occurred_at="2026-12-01T10:00:00Z", prompt=view(), base_url=BASE)
    full = json.loads(payloads.webhook_body(chat_format=False, **common))  # type: ignore[arg-type]
    assert full["data"]["prompt"]["link"] == f"{BASE}/feedback/give?receiver=ann&prompt=p1"
    chat = json.loads(payloads.webhook_body(chat_format=True, **common))  # type: ignore[arg-type]
    assert chat["text"].endswith(f"{BASE}/feedback/give?receiver=ann&prompt=p1")
    redacted = json.loads(payloads.webhook_body(chat_format=False, exposure=payloads.REDACTED, **common))  # type: ignore[arg-type]
    assert "link" not in redacted["data"]["prompt"], "the link names the person: not for a redacted view"


def test_a_prompt_about_a_1_1_a_coaching_request_or_a_circle_links_to_that_item_in_e_mails_webhooks_and_pages() -> None:
    items = [
        (pb.PROMPT_KIND_ONE_ON_ONE_AGENDA, "m1", "/conversations/meetings/m1"),
        (pb.PROMPT_KIND_ONE_ON_ONE_AGREEMENTS, "m1", "/conversations/meetings/m1"),
        (pb.PROMPT_KIND_COACHING_REQUEST, "r1", "/conversations/coaching/r1"),
        (pb.PROMPT_KIND_COACHING_NEXT_STEP, "r1", "/conversations/coaching/r1"),
        (pb.PROMPT_KIND_CIRCLE_SESSION, "c1", "/conversations/circles/c1"),
    ]
    for kind, ref, path in items:
        about = view(kind, ref_id=ref, about_id="", cause_type="paars.conversations.v1.CircleSessionPlanned", visibility=event_pb2.VISIBILITY_PRIVATE)
        _, text = payloads.email_text("Mo Manager", [about], digest=False, base_url=BASE)
        assert f"{BASE}{path}\n" in text + "\n", (kind, text)
        body = json.loads(payloads.webhook_body(  # type: ignore[arg-type]
            delivery_event_id="d1", event_type=payloads.PROMPT_SENT, occurred_at="2026-12-01T10:00:00Z", prompt=about, chat_format=False, base_url=BASE,
        ))
        assert body["data"]["prompt"]["link"] == f"{BASE}{path}", kind
        assert action_path(kind, ref_id=ref) == path
    # Without the item the list page still opens; an id never breaks out of its path.
    assert action_path(pb.PROMPT_KIND_CIRCLE_SESSION) == "/conversations/circles"
    assert action_path(pb.PROMPT_KIND_CIRCLE_SESSION, ref_id="../x?y") == "/conversations/circles/..%2Fx%3Fy"


def test_the_view_a_payload_is_made_from_keeps_the_prompt_s_reference() -> None:
    from paars_notifications.adapters.protobuf import prompt_view

    row = dict(
        id="p1", recipient_id="ann", kind=pb.PROMPT_KIND_CIRCLE_SESSION, priority=pb.PRIORITY_NORMAL, title="t", body="b", about_id="", ref_id="c1",
        cause_event_id="e1", cause_type="paars.conversations.v1.CircleSessionPlanned", cause_topic="conversations.circle-session-planned.v1",
        cause_occurred_at=AT, visibility=event_pb2.VISIBILITY_PRIVATE, created_at=AT, digest=False,
    )
    assert payloads.link(BASE, prompt_view(row)) == f"{BASE}/conversations/circles/c1"


# ---------- an insight about a moment for feedback opens the give-feedback form, as the milestone's prompt does ----------

MOMENT = "2026-12-01T10%3A00"


def test_an_insight_about_a_moment_for_feedback_opens_the_form_with_the_person_the_moment_and_the_goal() -> None:
    common = dict(prompt_id="p2", about_id="ann", moment="2026-12-01T10:00", ref_id="insight-1", cause_type="paars.analytics.v1.InsightDetected")
    milestone = action_path(pb.PROMPT_KIND_INSIGHT, insight_kind=an.INSIGHT_KIND_MOMENT_FOR_FEEDBACK, goal_id="g1", **common)  # type: ignore[arg-type]
    assert milestone == f"/feedback/give?receiver=ann&moment={MOMENT}&goal=g1&prompt=p2"
    finished_action = action_path(pb.PROMPT_KIND_INSIGHT, insight_kind=an.INSIGHT_KIND_MOMENT_FOR_FEEDBACK, **common)  # type: ignore[arg-type]
    assert finished_action == f"/feedback/give?receiver=ann&moment={MOMENT}&prompt=p2", "an action item's moment names no goal (nor the insight as one)"
    # Every other insight links where it did; so does one about no one (a team insight has its team as subject).
    assert action_path(pb.PROMPT_KIND_INSIGHT, insight_kind=an.INSIGHT_KIND_GOAL_STALLED, goal_id="g1", **common) == "/"  # type: ignore[arg-type]
    assert action_path(pb.PROMPT_KIND_INSIGHT, **common) == "/"  # type: ignore[arg-type]
    assert action_path(pb.PROMPT_KIND_INSIGHT, insight_kind=an.INSIGHT_KIND_MOMENT_FOR_FEEDBACK, prompt_id="p2") == "/"


def test_the_moment_parameter_is_the_cause_s_time_in_utc_to_the_minute() -> None:
    from paars_platform.links import moment_param

    assert moment_param(dt.datetime(2026, 12, 1, 11, 0, 42, tzinfo=dt.timezone(dt.timedelta(hours=1)))) == "2026-12-01T10:00"
    assert moment_param(None) == ""


def test_every_caller_gives_the_insight_s_prompt_the_same_give_feedback_link() -> None:
    """One stored row of an insight about a milestone's moment: the webhook body, the chat text, the e-mail (from the
    payload view) and the web app's prompt list (from the gRPC Prompt) all link to the same form."""
    from paars_notifications.adapters.protobuf import prompt_view
    from paars_web.views import prompt_link

    row = dict(
        id="p2", recipient_id="mgr", kind=pb.PROMPT_KIND_INSIGHT, priority=pb.PRIORITY_LOW, title="About Ann: a moment for feedback", body="b",
        about_id="ann", ref_id="insight-1", cause_event_id="insight-1", cause_type="paars.analytics.v1.InsightDetected",
        cause_topic="analytics.insight-detected.v1", cause_occurred_at=AT, visibility=event_pb2.VISIBILITY_RECEIVER_AND_MANAGER, created_at=AT,
        cursor=4, read=False, digest=False, acted=False, insight_kind=an.INSIGHT_KIND_MOMENT_FOR_FEEDBACK, goal_id="g1",
    )
    path = f"/feedback/give?receiver=ann&moment={MOMENT}&goal=g1&prompt=p2"
    proto = prompt_proto(row)
    assert (proto.insight_kind, proto.goal_id) == (an.INSIGHT_KIND_MOMENT_FOR_FEEDBACK, "g1"), "the gRPC view carries what the link is made of"
    assert prompt_link(proto) == path
    about = prompt_view(row)
    assert payloads.link(BASE, about) == BASE + path
    common = dict(delivery_event_id="d1", event_type=payloads.PROMPT_SENT, occurred_at="2026-12-01T10:00:00Z", prompt=about, base_url=BASE)
    assert json.loads(payloads.webhook_body(chat_format=False, **common))["data"]["prompt"]["link"] == BASE + path  # type: ignore[arg-type]
    assert json.loads(payloads.webhook_body(chat_format=True, **common))["text"].endswith(BASE + path)  # type: ignore[arg-type]
    _, text = payloads.email_text("Mo Manager", [about], digest=False, base_url=BASE)
    assert f"{BASE}{path}" in text
    # The milestone's own prompt: the same form from every caller too (the e-mail and webhook links had no moment).
    milestone = dict(row, kind=pb.PROMPT_KIND_GIVE_FEEDBACK, ref_id="g1", cause_type="paars.goals.v1.GoalUpdated", insight_kind=0, goal_id="")
    assert prompt_link(prompt_proto(milestone)) == path and payloads.link(BASE, prompt_view(milestone)) == BASE + path
