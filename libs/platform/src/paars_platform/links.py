"""Where a person acts on a prompt: the web app's page for each prompt kind, for links in pages, e-mails and webhooks."""
from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote, urlencode

from paars.analytics.v1 import analytics_pb2 as an
from paars.goals.v1 import goals_pb2 as gl
from paars.notifications.v1 import notifications_pb2 as nt

# The web app's routes (services/web/README.md) are the contract: a link names one of them.
PAGES: dict[int, str] = {
    nt.PROMPT_KIND_ACKNOWLEDGE_FEEDBACK: "/feedback/received",
    nt.PROMPT_KIND_PLAN_ACTION: "/feedback/received",
    nt.PROMPT_KIND_CHECK_IN: "/goals",
    nt.PROMPT_KIND_ANSWER_REQUEST: "/feedback/requests",
    nt.PROMPT_KIND_SEEK_FEEDBACK: "/feedback/requests",
    nt.PROMPT_KIND_TEAM_STORY: "/story/team",
    nt.PROMPT_KIND_STORY_CHANGED: "/story",
    nt.PROMPT_KIND_REFERRAL: "/hr/referrals",
    nt.PROMPT_KIND_ONE_ON_ONE_AGENDA: "/conversations",
    nt.PROMPT_KIND_ONE_ON_ONE_AGREEMENTS: "/conversations",
    nt.PROMPT_KIND_ONE_ON_ONE_FEEDBACK: "/feedback/requests",
    nt.PROMPT_KIND_COACHING_REQUEST: "/conversations/coaching",
    nt.PROMPT_KIND_COACHING_NEXT_STEP: "/conversations/coaching",
    nt.PROMPT_KIND_BOUNDARY_CONCERN: "/conversations/concerns",
    nt.PROMPT_KIND_CIRCLE_SESSION: "/conversations/circles",
}
# Prompts about one 1:1, one coaching request (or a session of it) or one peer coaching circle open that item's own
# page (ref_id, which the prompt keeps from its event: the meeting, the request, the circle).
MEETING_KINDS = frozenset({nt.PROMPT_KIND_ONE_ON_ONE_AGENDA, nt.PROMPT_KIND_ONE_ON_ONE_AGREEMENTS})
COACHING_KINDS = frozenset({nt.PROMPT_KIND_COACHING_REQUEST, nt.PROMPT_KIND_COACHING_NEXT_STEP})
CIRCLE_KINDS = frozenset({nt.PROMPT_KIND_CIRCLE_SESSION})


def moment_param(when: dt.datetime | None) -> str:
    """A moment as the give-feedback form's field takes it (UTC, to the minute), for its `moment` parameter."""
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M") if when is not None else ""


def _give_form(about_id: str, moment: str, goal: str, prompt_id: str) -> str:
    return "/feedback/give?" + urlencode({k: v for k, v in (("receiver", about_id), ("moment", moment), ("goal", goal), ("prompt", prompt_id)) if v})


def action_path(
    kind: int, *, prompt_id: str = "", about_id: str = "", moment: str = "", ref_id: str = "", cause_type: str = "",
    insight_kind: int = 0, goal_id: str = "",
) -> str:
    """The path of the page for this prompt. A give-feedback prompt opens the form with the person, the moment
    (moment_param of the cause's time) and (for a goal's milestone) the goal filled in; so does an insight about a
    moment for feedback (insight_kind), whose goal is goal_id; a request to answer opens the form that answers it."""
    if kind == nt.PROMPT_KIND_GIVE_FEEDBACK and about_id:
        return _give_form(about_id, moment, goal_id or (ref_id if cause_type == gl.GoalUpdated.DESCRIPTOR.full_name else ""), prompt_id)
    if kind == nt.PROMPT_KIND_INSIGHT and insight_kind == an.INSIGHT_KIND_MOMENT_FOR_FEEDBACK and about_id:
        return _give_form(about_id, moment, goal_id, prompt_id)
    if kind == nt.PROMPT_KIND_ANSWER_REQUEST and ref_id:
        return "/feedback/give?" + urlencode({k: v for k, v in (("request", ref_id), ("receiver", about_id), ("prompt", prompt_id)) if v})
    if kind in MEETING_KINDS and ref_id:
        return f"/conversations/meetings/{quote(ref_id, safe='')}"
    if kind in COACHING_KINDS and ref_id:
        return f"/conversations/coaching/{quote(ref_id, safe='')}"
    if kind in CIRCLE_KINDS and ref_id:
        return f"/conversations/circles/{quote(ref_id, safe='')}"
    return PAGES.get(kind, "/")


def action_url(base_url: str, kind: int, **fields: Any) -> str:
    """The absolute link (base URL from configuration); empty when no base URL is configured."""
    return base_url.rstrip("/") + action_path(kind, **fields) if base_url else ""
