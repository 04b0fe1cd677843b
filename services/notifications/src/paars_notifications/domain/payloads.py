"""What leaves the service: webhook bodies (Paars JSON or a Slack/Teams {"text": ...}) and e-mail text,
with organisation-wide subscriptions seeing only what the cause's visibility lets the whole organisation see."""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from paars.common.v1 import event_pb2
from paars.notifications.v1 import notifications_pb2 as pb
from paars_notifications.domain.texts import N_, render, text
from paars_platform.links import action_url

PROMPT_SENT = "notifications.prompt-sent.v1"
PROMPT_ACTED = "notifications.prompt-acted.v1"

FULL, REDACTED, WITHHELD = "full", "redacted", "withheld"


@dataclass(frozen=True)
class PromptView:
    """The fields of a released prompt a payload may carry."""

    id: str
    recipient_id: str
    kind: int
    priority: int
    title: str
    body: str
    about_id: str
    cause_event_id: str
    cause_type: str
    cause_topic: str
    visibility: int
    created_at: str
    digest: bool
    # The item the prompt is about (a goal, a request, a 1:1, a coaching request, a circle): its link opens that item.
    ref_id: str = ""
    # An insight's kind and the goal of its moment (a moment for feedback opens the give-feedback form with them), and
    # the moment as the form's field takes it (paars_platform.links.moment_param of the cause's time).
    insight_kind: int = 0
    goal_id: str = ""
    moment_at: str = ""


def organisation_exposure(visibility: int) -> str:
    """How much of a prompt an organisation-wide subscriber may receive: everything for public and
    internal causes, ids and kind only for receiver-and-manager items, nothing for private, HR-only or
    anonymous ones."""
    if visibility in (event_pb2.VISIBILITY_PUBLIC, event_pb2.VISIBILITY_INTERNAL):
        return FULL
    if visibility == event_pb2.VISIBILITY_RECEIVER_AND_MANAGER:
        return REDACTED
    return WITHHELD


def matches_filter(event_filter: Sequence[str], event_type: str, prompt: PromptView) -> bool:
    """Empty: everything. Otherwise an entry names the notifications topic, the cause's topic or event
    type, or a prompt kind (PROMPT_KIND_...)."""
    if not event_filter:
        return True
    names = {event_type, prompt.cause_topic, prompt.cause_type, pb.PromptKind.Name(prompt.kind)}
    return any(f in names for f in event_filter)


def _prompt_json(prompt: PromptView, exposure: str, base_url: str = "") -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": prompt.id,
        "recipient_id": prompt.recipient_id,
        "kind": pb.PromptKind.Name(prompt.kind),
        "priority": pb.Priority.Name(prompt.priority),
        "cause_event_id": prompt.cause_event_id,
        "cause_type": prompt.cause_type,
        "created_at": prompt.created_at,
        "digest": prompt.digest,
    }
    if exposure == FULL:
        data.update(title=prompt.title, body=prompt.body, about_id=prompt.about_id)
        if base_url:
            data["link"] = link(base_url, prompt)
    return data


def link(base_url: str, prompt: PromptView) -> str:
    """The web app's page where the recipient acts on this prompt: the item itself where it has a page of its own."""
    return action_url(
        base_url, prompt.kind, prompt_id=prompt.id, about_id=prompt.about_id, moment=prompt.moment_at, ref_id=prompt.ref_id,
        cause_type=prompt.cause_type, insight_kind=prompt.insight_kind, goal_id=prompt.goal_id,
    )


def webhook_body(
    *, delivery_event_id: str, event_type: str, occurred_at: str, prompt: PromptView, chat_format: bool,
    exposure: str = FULL, extra: dict[str, Any] | None = None, base_url: str = "", language: str = "",
) -> str | None:
    """The JSON body for one subscription, or None when the subscriber may not learn of the prompt. Chat
    texts are in `language` (the prompt's own title and body already are in its recipient's)."""
    if exposure == WITHHELD:
        return None
    if chat_format:
        kind = render(text(KIND_LABELS.get(prompt.kind, N_("Paars"))), language)
        if event_type == PROMPT_ACTED:
            line = (render(text(N_("Acted on: %(title)s"), title=prompt.title), language) if exposure == FULL
                    else render(text(N_("A prompt (%(kind)s) was acted on."), kind=kind), language))
        else:
            line = f"*{prompt.title}*\n{prompt.body}" if exposure == FULL else render(text(N_("A prompt (%(kind)s) was sent."), kind=kind), language)
            if exposure == FULL and base_url:
                line += f"\n{link(base_url, prompt)}"
        return json.dumps({"text": line}, ensure_ascii=False)
    data: dict[str, Any] = {"prompt": _prompt_json(prompt, exposure, base_url)}
    if extra:
        data.update(extra)
    return json.dumps({"id": delivery_event_id, "type": event_type, "created": occurred_at, "data": data}, ensure_ascii=False)


KIND_LABELS: dict[int, str] = {
    pb.PROMPT_KIND_GIVE_FEEDBACK: N_("give feedback"),
    pb.PROMPT_KIND_CHECK_IN: N_("check in"),
    pb.PROMPT_KIND_ACKNOWLEDGE_FEEDBACK: N_("acknowledge feedback"),
    pb.PROMPT_KIND_PLAN_ACTION: N_("plan an action"),
    pb.PROMPT_KIND_ANSWER_REQUEST: N_("answer a request"),
    pb.PROMPT_KIND_INSIGHT: N_("insight"),
    pb.PROMPT_KIND_PREPARE_DIALOGUE: N_("prepare a dialogue"),
    pb.PROMPT_KIND_SEEK_FEEDBACK: N_("ask for feedback"),
}


def email_text(name: str, prompts: Sequence[PromptView], *, digest: bool, base_url: str = "", language: str = "") -> tuple[str, str]:
    """Subject and plain-text body of the e-mail for one prompt, or for a digest of several, in `language`."""
    greeting = render(text(N_("Hello %(name)s,"), name=name.split(" ", 1)[0] or name), language)
    if not digest and len(prompts) == 1:
        p = prompts[0]
        act = render(text(N_("Act on it here: %(link)s"), link=link(base_url, p)) if base_url else text(N_("Open Paars to act on it.")), language)
        return p.title, f"{greeting}\n\n{p.body}\n\n{act}\n"
    held = render(text(N_("Your Paars digest: prompts held back for you: %(count)s."), count=len(prompts)), language)
    lines = [greeting, "", held, ""]
    ordered = sorted(prompts, key=lambda p: (-p.priority, p.created_at))
    for p in ordered:
        lines += [f"- {p.title}", f"  {p.body}", *([f"  {link(base_url, p)}"] if base_url else []), ""]
    return render(text(N_("Your Paars digest (%(count)s)"), count=len(prompts)), language), "\n".join(lines)
