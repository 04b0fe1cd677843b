"""The conversation section of the web app (see paars_web.sections): 1:1s with their shared agenda, notes (a private
note shown only to its author: the conversations service decides, this module only shows what it answers),
agreements and the hat; coaching requests and sessions; boundary concerns to HR; peer coaching circles."""
from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

import grpc
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from paars.conversations.v1 import conversations_pb2 as cv
from paars.feedback.v1 import feedback_pb2 as fb
from paars.org.v1 import org_pb2
from paars_platform.errors import field_violations
from paars_web import views
from paars_web.errors import NOT_ACCEPTED, FormErrors, translate_reason
from paars_web.sections import N_, NavLink
from paars_web.web import Person, Web, web_of

NAV: tuple[NavLink, ...] = (
    NavLink("/conversations", "nav-conversations", N_("1:1 conversations")),
    NavLink("/conversations/coaching", "nav-coaching", N_("Coaching")),
    NavLink("/conversations/concerns", "nav-concerns", N_("A concern about roles")),
    NavLink("/conversations/support", "nav-support", N_("Professional help")),
)

KINDS = {"manager_report": cv.PAIR_KIND_MANAGER_REPORT, "mentor": cv.PAIR_KIND_MENTOR, "coach": cv.PAIR_KIND_COACH, "peer": cv.PAIR_KIND_PEER}
KIND_LABELS = {
    cv.PAIR_KIND_MANAGER_REPORT: N_("Manager and report"), cv.PAIR_KIND_MENTOR: N_("Mentor"),
    cv.PAIR_KIND_COACH: N_("Coach"), cv.PAIR_KIND_PEER: N_("Peer"),
}
LINKS = {"": cv.LINK_KIND_UNSPECIFIED, "goal": cv.LINK_KIND_GOAL, "feedback": cv.LINK_KIND_FEEDBACK, "action_item": cv.LINK_KIND_ACTION_ITEM, "insight": cv.LINK_KIND_INSIGHT}
LINK_LABELS = {cv.LINK_KIND_GOAL: N_("Goal"), cv.LINK_KIND_FEEDBACK: N_("Feedback"), cv.LINK_KIND_ACTION_ITEM: N_("Action item"), cv.LINK_KIND_INSIGHT: N_("Insight")}
HATS = {"leader": cv.HAT_LEADER, "manager": cv.HAT_MANAGER, "coach": cv.HAT_COACH}
HAT_LABELS = {cv.HAT_LEADER: N_("Leader"), cv.HAT_MANAGER: N_("Manager"), cv.HAT_COACH: N_("Coach")}
HAT_HINTS = {
    cv.HAT_LEADER: N_("Meaning, direction, the story"), cv.HAT_MANAGER: N_("Goals, agreements, results"), cv.HAT_COACH: N_("Growth, questions"),
}
STATE_LABELS = {cv.MEETING_STATE_SCHEDULED: N_("Planned"), cv.MEETING_STATE_HELD: N_("Held"), cv.MEETING_STATE_SKIPPED: N_("Skipped")}
RELATIONS = {"manager": cv.COACH_RELATION_MANAGER, "internal_coach": cv.COACH_RELATION_INTERNAL_COACH, "peer": cv.COACH_RELATION_PEER}
RELATION_LABELS = {cv.COACH_RELATION_MANAGER: N_("My manager"), cv.COACH_RELATION_INTERNAL_COACH: N_("An internal coach"), cv.COACH_RELATION_PEER: N_("A colleague")}
COACHING_STATE_LABELS = {cv.COACHING_STATE_REQUESTED: N_("Waiting for an answer"), cv.COACHING_STATE_ACCEPTED: N_("Accepted"), cv.COACHING_STATE_DECLINED: N_("Declined")}
CONCERN_KINDS = {
    "therapist_role": cv.CONCERN_KIND_THERAPIST_ROLE, "coach_is_evaluator": cv.CONCERN_KIND_COACH_IS_EVALUATOR,
    "contradictory_expectations": cv.CONCERN_KIND_CONTRADICTORY_EXPECTATIONS, "other": cv.CONCERN_KIND_OTHER,
}
CONCERN_KIND_LABELS = {
    cv.CONCERN_KIND_THERAPIST_ROLE: N_("My manager is acting as my therapist"), cv.CONCERN_KIND_COACH_IS_EVALUATOR: N_("My coach is also my evaluator"),
    cv.CONCERN_KIND_CONTRADICTORY_EXPECTATIONS: N_("I get contradictory expectations"), cv.CONCERN_KIND_OTHER: N_("Something else about roles"),
}
SERVICE_KINDS = {
    "employee_assistance": cv.PROFESSIONAL_SERVICE_KIND_EMPLOYEE_ASSISTANCE, "occupational_physician": cv.PROFESSIONAL_SERVICE_KIND_OCCUPATIONAL_PHYSICIAN,
    "confidential_counsellor": cv.PROFESSIONAL_SERVICE_KIND_CONFIDENTIAL_COUNSELLOR, "external_coach": cv.PROFESSIONAL_SERVICE_KIND_EXTERNAL_COACH,
    "other": cv.PROFESSIONAL_SERVICE_KIND_OTHER,
}
SERVICE_KIND_LABELS = {
    cv.PROFESSIONAL_SERVICE_KIND_EMPLOYEE_ASSISTANCE: N_("Employee assistance programme"),
    cv.PROFESSIONAL_SERVICE_KIND_OCCUPATIONAL_PHYSICIAN: N_("Occupational physician"),
    cv.PROFESSIONAL_SERVICE_KIND_CONFIDENTIAL_COUNSELLOR: N_("Confidential counsellor"),
    cv.PROFESSIONAL_SERVICE_KIND_EXTERNAL_COACH: N_("External coach"), cv.PROFESSIONAL_SERVICE_KIND_OTHER: N_("Other help"),
}
CONCERN_STATE_LABELS = {cv.CONCERN_STATE_RAISED: N_("Sent to HR"), cv.CONCERN_STATE_ACKNOWLEDGED: N_("HR is looking into it"), cv.CONCERN_STATE_RESOLVED: N_("Resolved")}

# What the conversations service says when it refuses a field, each a msgid of conversations.po.
DESCRIPTIONS = (
    N_("cannot be yourself"),
    N_("must be manager_report, mentor, coach or peer"),
    N_("must be 7, 14, 21 or 28 days"),
    N_("is required (YYYY-MM-DD)"),
    N_("must be a date YYYY-MM-DD"),
    N_("is not an active colleague"),
    N_("is neither your manager nor one of your reports: choose mentor, coach or peer"),
    N_("is required with a link_id: goal, feedback, action item or insight"),
    N_("must be one of the two people in the 1:1"),
    N_("must be leader, manager or coach"),
    N_("must be manager, internal_coach or peer"),
    N_("is not your manager"),
    N_("is not an internal coach"),
    N_("must be therapist_role, coach_is_evaluator, contradictory_expectations or other"),
    N_("must be employee_assistance, occupational_physician, confidential_counsellor, external_coach or other"),
    N_("must be today or later"),
    N_("must be after held_on"),
)


def routes() -> list[BaseRoute]:
    m = "/conversations/meetings/{meeting_id}"
    return [
        Route("/conversations", pairs_page, methods=["GET"]),
        Route("/conversations", schedule, methods=["POST"]),
        Route("/conversations/hats", hats_page, methods=["GET"]),
        Route(m, meeting_page, methods=["GET"]),
        Route(f"{m}/topics", add_topic, methods=["POST"]),
        Route(f"{m}/notes", add_note, methods=["POST"]),
        Route(f"{m}/agreements", propose_agreement, methods=["POST"]),
        Route(m + "/agreements/{agreement_id}/confirm", confirm_agreement, methods=["POST"]),
        Route(f"{m}/hat", mark_hat, methods=["POST"]),
        Route(f"{m}/complete", complete, methods=["POST"]),
        Route("/conversations/coaching", coaching_page, methods=["GET"]),
        Route("/conversations/coaching", request_coaching, methods=["POST"]),
        Route("/conversations/coaching/profile", set_profile, methods=["POST"]),
        Route("/conversations/coaching/{request_id}", coaching_detail, methods=["GET"]),
        Route("/conversations/coaching/{request_id}/answer", answer_coaching, methods=["POST"]),
        Route("/conversations/coaching/{request_id}/goals", add_coaching_goal, methods=["POST"]),
        Route("/conversations/coaching/{request_id}/sessions", record_session, methods=["POST"]),
        Route("/conversations/concerns", concerns_page, methods=["GET"]),
        Route("/conversations/concerns", raise_concern, methods=["POST"]),
        Route("/conversations/concerns/{concern_id}/acknowledge", acknowledge_concern, methods=["POST"]),
        Route("/conversations/concerns/{concern_id}/resolve", resolve_concern, methods=["POST"]),
        Route("/conversations/support", support_page, methods=["GET"]),
        Route("/conversations/support/services", set_service, methods=["POST"]),
        Route("/conversations/support/referrals", raise_referral, methods=["POST"]),
        Route("/conversations/circles", circles_page, methods=["GET"]),
        Route("/conversations/circles", form_circle, methods=["POST"]),
        Route("/conversations/circles/{circle_id}", circle_page, methods=["GET"]),
        Route("/conversations/circles/{circle_id}/sessions", hold_circle_session, methods=["POST"]),
    ]


def _str(form: FormData, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def _key(form: FormData) -> str:
    """The form's idempotency key (a hidden field each form is rendered with): a form sent twice (a double click,
    a retry) is one request to the service, answered the same; a form without one gets a fresh key."""
    return _str(form, "idempotency_key")[:64] or secrets.token_hex(16)


def _new_key() -> str:
    return secrets.token_hex(16)


def _redirect(path: str) -> Response:
    return RedirectResponse(path, status_code=303)


def _passes_on(err: grpc.aio.AioRpcError) -> bool:
    """What a form cannot answer (the service away, the session gone) goes to the app's error pages."""
    return err.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.UNAUTHENTICATED)


def _not_there(err: grpc.aio.AioRpcError) -> bool:
    """A thing the service says does not exist for this person (someone else's concern or coaching request) is
    the app's 404 page, as its GET would be, not a refused form that names its id."""
    return _passes_on(err) or err.code() == grpc.StatusCode.NOT_FOUND


def _errors(web: Web, request: Request, err: grpc.aio.AioRpcError, fields: dict[str, str]) -> FormErrors:
    """The service's refusal beside the fields it names, in the reader's language."""
    gettext = web.gettext(request)
    errors = FormErrors()
    pairs = field_violations(err)
    for service_field, description in pairs:
        reason = gettext(description) if description in DESCRIPTIONS else translate_reason(description, gettext)
        name = fields.get(service_field.split("[")[0])
        if name:
            errors.add(name, reason)
        else:
            errors.general.append(gettext(NOT_ACCEPTED) % {"reason": reason})
    if not pairs:
        errors.general.append(gettext(NOT_ACCEPTED) % {"reason": err.details() or err.code().name})
    return errors


def _context(**extra: Any) -> dict[str, Any]:
    return {
        "v": views, "KIND_LABELS": KIND_LABELS, "LINK_LABELS": LINK_LABELS, "HAT_LABELS": HAT_LABELS, "HAT_HINTS": HAT_HINTS,
        "HATS": HATS, "STATE_LABELS": STATE_LABELS, "RELATION_LABELS": RELATION_LABELS, "COACHING_STATE_LABELS": COACHING_STATE_LABELS,
        "CONCERN_KIND_LABELS": CONCERN_KIND_LABELS, "CONCERN_KINDS": CONCERN_KINDS, "CONCERN_STATE_LABELS": CONCERN_STATE_LABELS,
        "SERVICE_KINDS": SERVICE_KINDS, "SERVICE_KIND_LABELS": SERVICE_KIND_LABELS,
        "errors": FormErrors(), "values": {}, "new_key": _new_key, **extra,
    }


def _in_days(days: int) -> str:
    return (dt.date.today() + dt.timedelta(days=days)).isoformat()


# ---------- 1:1s ----------


async def _pairs_view(web: Web, request: Request, me: Person, *, status_code: int = 200, errors: FormErrors | None = None,
                      values: dict[str, str] | None = None) -> Response:
    people = await web.directory(me)
    pairs = (await web.call(web.stubs.conversations.ListPairs, cv.ListPairsRequest(), me)).pairs
    colleagues = sorted((e for e in people.values() if e.active and e.id != me.id), key=lambda e: e.name)
    defaults = {"kind": "manager_report", "cadence_days": "14", "first_on": _in_days(7)}
    return web.render(
        request, "conversation_list.html", status_code=status_code,
        **_context(pairs=pairs, people=people, colleagues=colleagues, me=me, errors=errors or FormErrors(), values=values or defaults,
                   is_manager=any(e.manager_id == me.id for e in people.values())),
    )


async def pairs_page(request: Request) -> Response:
    web = web_of(request)
    return await _pairs_view(web, request, web.person(request))


async def schedule(request: Request) -> Response:
    web = web_of(request)
    me = web.person(request)
    form = await request.form()
    values = {n: _str(form, n) for n in ("other_id", "kind", "cadence_days", "first_on")}
    kind = KINDS.get(values["kind"], -1)
    cadence = int(values["cadence_days"]) if values["cadence_days"].isdigit() else -1
    try:
        pair = await web.call(web.stubs.conversations.SchedulePair, cv.SchedulePairRequest(idempotency_key=_key(form),
            other_id=values["other_id"], kind=kind, cadence_days=cadence, first_on=values["first_on"],
        ), me)
    except grpc.aio.AioRpcError as err:
        if _passes_on(err):
            raise
        fields = {"other_id": "other_id", "kind": "kind", "cadence_days": "cadence_days", "first_on": "first_on"}
        return await _pairs_view(web, request, me, status_code=422, errors=_errors(web, request, err, fields), values=values)
    return _redirect(f"/conversations/meetings/{pair.next_meeting_id}")


async def _meeting_view(web: Web, request: Request, me: Person, meeting_id: str, *, status_code: int = 200,
                        errors: FormErrors | None = None, values: dict[str, str] | None = None, failed: str = "") -> Response:
    meeting = await web.call(web.stubs.conversations.GetMeeting, cv.GetMeetingRequest(meeting_id=meeting_id), me)
    people = await web.directory(me)
    reads = await web.call(web.stubs.conversations.ListMeetingReads, cv.ListMeetingReadsRequest(meeting_id=meeting_id), me)
    return web.render(
        request, "conversation_meeting.html", status_code=status_code,
        **_context(m=meeting, people=people, me=me, reads=reads.reads, errors=errors or FormErrors(), values=values or {}, failed=failed,
                   other=meeting.other_id if meeting.lead_id == me.id else meeting.lead_id, due=_in_days(14),
                   is_lead_manager=meeting.lead_id == me.id and meeting.kind == cv.PAIR_KIND_MANAGER_REPORT),
    )


async def meeting_page(request: Request) -> Response:
    web = web_of(request)
    return await _meeting_view(web, request, web.person(request), request.path_params["meeting_id"])


async def _meeting_post(request: Request, call: str, message: Any, fields: dict[str, str], values: dict[str, str], failed: str, anchor: str) -> Response:
    web = web_of(request)
    me = web.person(request)
    meeting_id = request.path_params["meeting_id"]
    message.idempotency_key = _key(await request.form())
    try:
        await web.call(getattr(web.stubs.conversations, call), message, me)
    except grpc.aio.AioRpcError as err:
        if _passes_on(err):
            raise
        errors = _errors(web, request, err, fields)
        return await _meeting_view(web, request, me, meeting_id, status_code=422, errors=errors, values=values, failed=failed)
    return _redirect(f"/conversations/meetings/{meeting_id}#{anchor}")


async def add_topic(request: Request) -> Response:
    form = await request.form()
    values = {n: _str(form, n) for n in ("topic_text", "link_kind", "link_id")}
    message = cv.AddAgendaTopicRequest(
        meeting_id=request.path_params["meeting_id"], text=values["topic_text"], link_kind=LINKS.get(values["link_kind"], cv.LINK_KIND_UNSPECIFIED),
        link_id=values["link_id"],
    )
    return await _meeting_post(request, "AddAgendaTopic", message, {"text": "topic_text", "link_kind": "link_kind", "link_id": "link_id"}, values, "topic", "agenda")


async def add_note(request: Request) -> Response:
    form = await request.form()
    values = {"note_text": _str(form, "note_text"), "private": _str(form, "private")}
    message = cv.AddNoteRequest(meeting_id=request.path_params["meeting_id"], text=values["note_text"], private=values["private"] == "yes")
    return await _meeting_post(request, "AddNote", message, {"text": "note_text"}, values, "note", "notes")


async def propose_agreement(request: Request) -> Response:
    form = await request.form()
    values = {n: _str(form, n) for n in ("agreement_text", "owner_id", "due_date")}
    message = cv.ProposeAgreementRequest(
        meeting_id=request.path_params["meeting_id"], text=values["agreement_text"], owner_id=values["owner_id"], due_date=values["due_date"],
    )
    fields = {"text": "agreement_text", "owner_id": "owner_id", "due_date": "due_date"}
    return await _meeting_post(request, "ProposeAgreement", message, fields, values, "agreement", "agreements")


async def confirm_agreement(request: Request) -> Response:
    message = cv.ConfirmAgreementRequest(meeting_id=request.path_params["meeting_id"], agreement_id=request.path_params["agreement_id"])
    return await _meeting_post(request, "ConfirmAgreement", message, {}, {}, "", "agreements")


async def mark_hat(request: Request) -> Response:
    form = await request.form()
    message = cv.MarkHatRequest(meeting_id=request.path_params["meeting_id"], hat=HATS.get(_str(form, "hat"), cv.HAT_UNSPECIFIED))
    return await _meeting_post(request, "MarkHat", message, {"hat": "hat"}, {}, "hat", "hat")


async def complete(request: Request) -> Response:
    form = await request.form()
    message = cv.CompleteMeetingRequest(meeting_id=request.path_params["meeting_id"], held=_str(form, "held") == "yes")
    return await _meeting_post(request, "CompleteMeeting", message, {}, {}, "", "main")


async def hats_page(request: Request) -> Response:
    web = web_of(request)
    me = web.person(request)
    mix = await web.call(web.stubs.conversations.GetHatMix, cv.GetHatMixRequest(days=90), me)
    total = mix.leader + mix.manager + mix.coach + mix.unmarked
    return web.render(request, "conversation_hats.html", **_context(mix=mix, total=total))


# ---------- coaching ----------


async def _coaching_view(web: Web, request: Request, me: Person, *, status_code: int = 200, errors: FormErrors | None = None,
                         values: dict[str, str] | None = None) -> Response:
    people = await web.directory(me)
    requests = (await web.call(web.stubs.conversations.ListCoachingRequests, cv.ListCoachingRequestsRequest(), me)).requests
    coaches = (await web.call(web.stubs.conversations.ListCoaches, cv.ListCoachesRequest(), me)).coaches
    colleagues = sorted((e for e in people.values() if e.active and e.id != me.id), key=lambda e: e.name)
    mine = people.get(me.id)
    return web.render(
        request, "conversation_coaching.html", status_code=status_code,
        **_context(requests=requests, coaches=coaches, colleagues=colleagues, people=people, me=me, errors=errors or FormErrors(),
                   values=values or {}, my_manager=mine.manager_id if mine else "", is_coach=mine is not None and org_pb2.ROLE_COACH in mine.roles),
    )


async def coaching_page(request: Request) -> Response:
    web = web_of(request)
    return await _coaching_view(web, request, web.person(request))


async def request_coaching(request: Request) -> Response:
    web = web_of(request)
    me = web.person(request)
    form = await request.form()
    values = {n: _str(form, n) for n in ("coach_id", "relation", "topic")}
    try:
        await web.call(web.stubs.conversations.RequestCoaching, cv.RequestCoachingRequest(idempotency_key=_key(form),
            coach_id=values["coach_id"], relation=RELATIONS.get(values["relation"], cv.COACH_RELATION_UNSPECIFIED), topic=values["topic"],
        ), me)
    except grpc.aio.AioRpcError as err:
        if _passes_on(err):
            raise
        errors = _errors(web, request, err, {"coach_id": "coach_id", "relation": "relation", "topic": "topic"})
        return await _coaching_view(web, request, me, status_code=422, errors=errors, values=values)
    return _redirect("/conversations/coaching?asked=1")


async def set_profile(request: Request) -> Response:
    web = web_of(request)
    me = web.person(request)
    form = await request.form()
    values = {n: _str(form, n) for n in ("bio", "capacity")}
    capacity = int(values["capacity"]) if values["capacity"].isdigit() else -1
    try:
        await web.call(web.stubs.conversations.SetCoachProfile, cv.SetCoachProfileRequest(idempotency_key=_key(form), bio=values["bio"], capacity=capacity), me)
    except grpc.aio.AioRpcError as err:
        if _passes_on(err):
            raise
        errors = _errors(web, request, err, {"bio": "bio", "capacity": "capacity"})
        return await _coaching_view(web, request, me, status_code=422, errors=errors, values=values)
    return _redirect("/conversations/coaching#profile")


async def answer_coaching(request: Request) -> Response:
    web = web_of(request)
    me = web.person(request)
    form = await request.form()
    request_id = request.path_params["request_id"]
    try:
        await web.call(web.stubs.conversations.AnswerCoachingRequest, cv.AnswerCoachingRequestRequest(idempotency_key=_key(form), request_id=request_id, accept=_str(form, "accept") == "yes"), me)
    except grpc.aio.AioRpcError as err:
        if _not_there(err):
            raise
        return await _coaching_view(web, request, me, status_code=422, errors=_errors(web, request, err, {}))
    return _redirect(f"/conversations/coaching#request-{request_id}")


async def _coaching_detail_view(web: Web, request: Request, me: Person, request_id: str, *, status_code: int = 200,
                                errors: FormErrors | None = None, values: dict[str, str] | None = None) -> Response:
    requests = (await web.call(web.stubs.conversations.ListCoachingRequests, cv.ListCoachingRequestsRequest(), me)).requests
    found = next((r for r in requests if r.request_id == request_id), None)
    if found is None:
        raise web.not_found()
    sessions = (await web.call(web.stubs.conversations.ListCoachingSessions, cv.ListCoachingSessionsRequest(request_id=request_id), me)).sessions
    return web.render(
        request, "conversation_coaching_detail.html", status_code=status_code,
        **_context(r=found, sessions=sessions, people=await web.directory(me), errors=errors or FormErrors(),
                   values=values or {"held_on": dt.date.today().isoformat()}),
    )


async def coaching_detail(request: Request) -> Response:
    web = web_of(request)
    return await _coaching_detail_view(web, request, web.person(request), request.path_params["request_id"])


async def add_coaching_goal(request: Request) -> Response:
    web = web_of(request)
    me = web.person(request)
    form = await request.form()
    request_id = request.path_params["request_id"]
    values = {n: _str(form, n) for n in ("goal_text", "development_goal_id")}
    try:
        await web.call(web.stubs.conversations.AddCoachingGoal, cv.AddCoachingGoalRequest(idempotency_key=_key(form),
            request_id=request_id, text=values["goal_text"], development_goal_id=values["development_goal_id"],
        ), me)
    except grpc.aio.AioRpcError as err:
        if _passes_on(err):
            raise
        errors = _errors(web, request, err, {"text": "goal_text", "development_goal_id": "development_goal_id"})
        return await _coaching_detail_view(web, request, me, request_id, status_code=422, errors=errors, values=values)
    return _redirect(f"/conversations/coaching/{request_id}#goals")


async def record_session(request: Request) -> Response:
    web = web_of(request)
    me = web.person(request)
    form = await request.form()
    request_id = request.path_params["request_id"]
    values = {n: _str(form, n) for n in ("held_on", "notes")}
    try:
        await web.call(web.stubs.conversations.RecordCoachingSession, cv.RecordCoachingSessionRequest(idempotency_key=_key(form),
            request_id=request_id, held_on=values["held_on"], notes=values["notes"],
        ), me)
    except grpc.aio.AioRpcError as err:
        if _passes_on(err):
            raise
        errors = _errors(web, request, err, {"held_on": "held_on", "notes": "notes"})
        return await _coaching_detail_view(web, request, me, request_id, status_code=422, errors=errors, values=values)
    return _redirect(f"/conversations/coaching/{request_id}#sessions")


# ---------- boundary concerns ----------


async def _concerns_view(web: Web, request: Request, me: Person, *, status_code: int = 200, errors: FormErrors | None = None,
                         values: dict[str, str] | None = None) -> Response:
    mine = (await web.call(web.stubs.conversations.ListConcerns, cv.ListConcernsRequest(), me)).concerns
    every = (await web.maybe(web.stubs.conversations.ListConcerns, cv.ListConcernsRequest(all=True), me, cv.ListConcernsResponse())).concerns
    return web.render(
        request, "conversation_concerns.html", status_code=status_code,
        **_context(mine=mine, every=[x for x in every if x.raised_by != me.id], errors=errors or FormErrors(), values=values or {}),
    )


async def concerns_page(request: Request) -> Response:
    web = web_of(request)
    return await _concerns_view(web, request, web.person(request))


async def raise_concern(request: Request) -> Response:
    web = web_of(request)
    me = web.person(request)
    form = await request.form()
    values = {n: _str(form, n) for n in ("concern_kind", "concern_text")}
    try:
        await web.call(web.stubs.conversations.RaiseConcern, cv.RaiseConcernRequest(idempotency_key=_key(form),
            kind=CONCERN_KINDS.get(values["concern_kind"], cv.CONCERN_KIND_UNSPECIFIED), text=values["concern_text"],
        ), me)
    except grpc.aio.AioRpcError as err:
        if _passes_on(err):
            raise
        errors = _errors(web, request, err, {"kind": "concern_kind", "text": "concern_text"})
        return await _concerns_view(web, request, me, status_code=422, errors=errors, values=values)
    return _redirect("/conversations/concerns?raised=1")


async def acknowledge_concern(request: Request) -> Response:
    web = web_of(request)
    me = web.person(request)
    concern_id = request.path_params["concern_id"]
    form = await request.form()
    try:
        await web.call(web.stubs.conversations.AcknowledgeConcern, cv.AcknowledgeConcernRequest(idempotency_key=_key(form), concern_id=concern_id), me)
    except grpc.aio.AioRpcError as err:
        if _not_there(err):
            raise
        return await _concerns_view(web, request, me, status_code=422, errors=_errors(web, request, err, {}))
    return _redirect(f"/conversations/concerns#concern-{concern_id}")


async def resolve_concern(request: Request) -> Response:
    web = web_of(request)
    me = web.person(request)
    form = await request.form()
    concern_id = request.path_params["concern_id"]
    values = {"resolution": _str(form, "resolution")}
    try:
        await web.call(web.stubs.conversations.ResolveConcern, cv.ResolveConcernRequest(idempotency_key=_key(form), concern_id=concern_id, resolution=values["resolution"]), me)
    except grpc.aio.AioRpcError as err:
        if _not_there(err):
            raise
        errors = _errors(web, request, err, {"resolution": f"resolution-{concern_id}"})
        return await _concerns_view(web, request, me, status_code=422, errors=errors, values={f"resolution-{concern_id}": values["resolution"]})
    return _redirect(f"/conversations/concerns#concern-{concern_id}")


# ---------- circles ----------


async def _circles_view(web: Web, request: Request, me: Person, *, status_code: int = 200, errors: FormErrors | None = None,
                        values: dict[str, Any] | None = None) -> Response:
    people = await web.directory(me)
    circles = (await web.call(web.stubs.conversations.ListCircles, cv.ListCirclesRequest(), me)).circles
    suggestion = (await web.maybe(web.stubs.conversations.SuggestCircle, cv.SuggestCircleRequest(size=4), me, cv.SuggestCircleResponse())).member_ids
    if not suggestion:
        suggestion = (await web.maybe(web.stubs.conversations.SuggestCircle, cv.SuggestCircleRequest(size=3), me, cv.SuggestCircleResponse())).member_ids
    me_entry = people.get(me.id)
    managers = sorted((e for e in people.values() if e.active and org_pb2.ROLE_MANAGER in e.roles), key=lambda e: e.name)
    return web.render(
        request, "conversation_circles.html", status_code=status_code,
        **_context(circles=circles, people=people, suggestion=list(suggestion), managers=managers, errors=errors or FormErrors(),
                   values=values or {}, is_hr=me_entry is not None and org_pb2.ROLE_HR in me_entry.roles),
    )


async def circles_page(request: Request) -> Response:
    web = web_of(request)
    return await _circles_view(web, request, web.person(request))


async def form_circle(request: Request) -> Response:
    web = web_of(request)
    me = web.person(request)
    form = await request.form()
    members = [m for m in form.getlist("member_ids") if isinstance(m, str) and m]
    values: dict[str, Any] = {"circle_name": _str(form, "circle_name"), "member_ids": members, "first_session_on": _str(form, "first_session_on")}
    try:
        await web.call(web.stubs.conversations.FormCircle, cv.FormCircleRequest(
            idempotency_key=_key(form), name=values["circle_name"], member_ids=members, first_session_on=values["first_session_on"],
        ), me)
    except grpc.aio.AioRpcError as err:
        if _passes_on(err):
            raise
        errors = _errors(web, request, err, {"name": "circle_name", "member_ids": "member_ids", "first_session_on": "first_session_on"})
        return await _circles_view(web, request, me, status_code=422, errors=errors, values=values)
    return _redirect("/conversations/circles?formed=1")


async def _circle_view(web: Web, request: Request, me: Person, circle_id: str, *, status_code: int = 200,
                       errors: FormErrors | None = None, values: dict[str, str] | None = None) -> Response:
    circles = (await web.call(web.stubs.conversations.ListCircles, cv.ListCirclesRequest(), me)).circles
    circle = next((x for x in circles if x.circle_id == circle_id and me.id in x.member_ids), None)
    if circle is None:
        raise web.not_found()
    sessions = (await web.call(web.stubs.conversations.ListCircleSessions, cv.ListCircleSessionsRequest(circle_id=circle_id), me)).sessions
    return web.render(
        request, "conversation_circle.html", status_code=status_code,
        **_context(circle=circle, sessions=sessions, people=await web.directory(me), errors=errors or FormErrors(),
                   values=values or {"held_on": dt.date.today().isoformat()}),
    )


async def circle_page(request: Request) -> Response:
    web = web_of(request)
    return await _circle_view(web, request, web.person(request), request.path_params["circle_id"])


async def hold_circle_session(request: Request) -> Response:
    web = web_of(request)
    me = web.person(request)
    form = await request.form()
    circle_id = request.path_params["circle_id"]
    values = {n: _str(form, n) for n in ("held_on", "case_text", "notes", "next_session_on")}
    try:
        await web.call(web.stubs.conversations.HoldCircleSession, cv.HoldCircleSessionRequest(idempotency_key=_key(form),
            circle_id=circle_id, held_on=values["held_on"], case_text=values["case_text"], notes=values["notes"],
            next_session_on=values["next_session_on"],
        ), me)
    except grpc.aio.AioRpcError as err:
        if _passes_on(err):
            raise
        errors = _errors(web, request, err, {"held_on": "held_on", "case_text": "case_text", "notes": "notes", "next_session_on": "next_session_on"})
        return await _circle_view(web, request, me, circle_id, status_code=422, errors=errors, values=values)
    return _redirect(f"/conversations/circles/{circle_id}#sessions")


# ---------- professional help: the catalogue HR keeps, and referring someone on ----------


async def _support_view(web: Web, request: Request, me: Person, *, status_code: int = 200, errors: FormErrors | None = None,
                        values: dict[str, str] | None = None) -> Response:
    services = (await web.call(web.stubs.conversations.ListProfessionalServices, cv.ListProfessionalServicesRequest(), me)).services
    every = (await web.maybe(web.stubs.conversations.ListProfessionalServices, cv.ListProfessionalServicesRequest(include_retired=True), me,
                             cv.ListProfessionalServicesResponse())).services
    people = await web.directory(me)
    reports = sorted((e for e in people.values() if e.active and e.manager_id == me.id), key=lambda e: e.name)
    me_entry = people.get(me.id)
    return web.render(
        request, "conversation_support.html", status_code=status_code,
        **_context(services=services, every=every, reports=reports, is_hr=me_entry is not None and org_pb2.ROLE_HR in me_entry.roles,
                   errors=errors or FormErrors(), values=values or {}),
    )


async def support_page(request: Request) -> Response:
    web = web_of(request)
    return await _support_view(web, request, web.person(request))


async def set_service(request: Request) -> Response:
    """HR adds an entry, or (service_id given) edits, retires or offers again an existing one."""
    web = web_of(request)
    me = web.person(request)
    form = await request.form()
    values = {n: _str(form, n) for n in ("service_id", "service_kind", "service_name", "service_description", "service_contact", "active")}
    try:
        await web.call(web.stubs.conversations.SetProfessionalService, cv.SetProfessionalServiceRequest(
            idempotency_key=_key(form), service_id=values["service_id"], kind=SERVICE_KINDS.get(values["service_kind"], cv.PROFESSIONAL_SERVICE_KIND_UNSPECIFIED),
            name=values["service_name"], description=values["service_description"], contact=values["service_contact"], active=values["active"] != "no",
        ), me)
    except grpc.aio.AioRpcError as err:
        if _passes_on(err):
            raise
        fields = {"kind": "service_kind", "name": "service_name", "description": "service_description", "contact": "service_contact"}
        return await _support_view(web, request, me, status_code=422, errors=_errors(web, request, err, fields), values=values)
    return _redirect("/conversations/support#catalogue")


async def raise_referral(request: Request) -> Response:
    """A manager refers a report on (feedback keeps the referral; HR is told one is waiting, not what it is about)."""
    web = web_of(request)
    me = web.person(request)
    form = await request.form()
    values = {n: _str(form, n) for n in ("employee_id", "referral_note")}
    try:
        await web.call(web.stubs.feedback.RaiseReferral, fb.RaiseReferralRequest(
            employee_id=values["employee_id"], note=values["referral_note"], idempotency_key=_key(form),
        ), me)
    except grpc.aio.AioRpcError as err:
        if _passes_on(err):
            raise
        errors = _errors(web, request, err, {"employee_id": "employee_id", "note": "referral_note"})
        return await _support_view(web, request, me, status_code=422, errors=errors, values=values)
    return _redirect("/conversations/support?referred=1#refer")
