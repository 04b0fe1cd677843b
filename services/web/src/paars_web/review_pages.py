"""The review section (see paars_web.sections): self-reflection and 360° with the gap chart, the purple dialogue,
and my action plan. Every page is gRPC calls to the feedback service as the signed-in person; who may see or do
what is the service's answer, never decided here."""
from __future__ import annotations

import asyncio
import datetime as dt
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import grpc
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from paars.feedback.v1 import feedback_pb2 as fb
from paars.goals.v1 import goals_pb2 as gl
from paars.org.v1 import org_pb2
from paars_platform.errors import field_violations
from paars_web import views
from paars_web.errors import FormErrors, translate_reason
from paars_web.sections import N_, NavLink
from paars_web.web import Person, Web, web_of

NAV = (
    NavLink("/reviews", "nav-reviews", N_("Reflection and 360°")),
    NavLink("/dialogues", "nav-dialogues", N_("Purple dialogue")),
    NavLink("/actions", "nav-actions", N_("My action plan")),
)

# Refusals with a code other than INVALID_ARGUMENT, and other network troubles, that the page does not handle itself.
PASS_ON = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.UNAUTHENTICATED)
SCORES = (1, 2, 3, 4, 5)
# The competencies a new 360 asks, one "competency: question" a line; the opener may change them.
DEFAULT_QUESTIONS = N_(
    "Collaboration: How does this person work with others?\n"
    "Customer focus: How does this person serve the people they work for?\n"
    "Ownership: How does this person follow through on what they take on?"
)

# The feedback service's own words (English) for what it refuses on these pages, each a msgid.
SERVICE_DESCRIPTIONS = (
    N_("at least one rating is required"),
    N_("must be between 1 and 5"),
    N_("1 to 20 people"),
    N_("the person and their manager rate in their own groups"),
    N_("1 to 30 competency questions"),
    N_("cannot be in the past"),
    N_("must be an ISO date or date-time"),
    N_("must be build-strength, adjust-weakness or development-step"),
    N_("is one of the two people of the dialogue"),
    N_("must be between 0 and 100"),
    N_("must be self, manager, peers, reports or customers"),
    N_("at least one rater group"),
    N_("1 to 50 people"),
)
# A gap's conversation starter, as the service words it (domain/gap.py), translated here.
CONVERSATION_STARTERS = (
    N_("No self-assessment yet: how would you rate yourself here, and why?"),
    N_("Not enough answers from others yet to compare (anonymity comes first)."),
    N_("You rate yourself higher than others do: which moments might others have seen differently?"),
    N_("Others see more in you than you do yourself: what might you be underrating?"),
    N_("You and others see this alike: what keeps it that way?"),
)
GROUP_LABELS = {
    fb.RATER_GROUP_SELF: N_("Self"), fb.RATER_GROUP_MANAGER: N_("Manager"), fb.RATER_GROUP_PEERS: N_("Colleagues"),
    fb.RATER_GROUP_REPORTS: N_("People who report to them"), fb.RATER_GROUP_CUSTOMERS: N_("Customers"),
    fb.RATER_GROUP_OTHERS: N_("Others together (small groups combined)"),
}
GROUP_CHOICES = (
    ("self", fb.RATER_GROUP_SELF), ("manager", fb.RATER_GROUP_MANAGER), ("peers", fb.RATER_GROUP_PEERS),
    ("reports", fb.RATER_GROUP_REPORTS), ("customers", fb.RATER_GROUP_CUSTOMERS),
)
REVIEW_STATE_LABELS = {
    fb.Review.STATE_NOMINATING: N_("Choosing raters"), fb.Review.STATE_COLLECTING: N_("Collecting answers"), fb.Review.STATE_CLOSED: N_("Closed"),
}
DIALOGUE_KINDS = {"performance": fb.DIALOGUE_KIND_PERFORMANCE, "evaluation": fb.DIALOGUE_KIND_EVALUATION}
DIALOGUE_KIND_LABELS = {
    fb.DIALOGUE_KIND_PERFORMANCE: N_("Performance conversation (functioneringsgesprek)"),
    fb.DIALOGUE_KIND_EVALUATION: N_("Evaluation conversation (evaluatiegesprek)"),
}
DIALOGUE_STATE_LABELS = {
    fb.Dialogue.STATE_PREPARING: N_("Preparing"), fb.Dialogue.STATE_READY: N_("Both prepared"),
    fb.Dialogue.STATE_HELD: N_("Held: notes recorded"), fb.Dialogue.STATE_SIGNED: N_("Signed by both"),
}
ACTION_KINDS = {"build_strength": fb.ACTION_KIND_BUILD_STRENGTH, "adjust_weakness": fb.ACTION_KIND_ADJUST_WEAKNESS, "development_step": fb.ACTION_KIND_DEVELOPMENT_STEP}
ACTION_KIND_LABELS = {
    fb.ACTION_KIND_BUILD_STRENGTH: N_("A strength to build"), fb.ACTION_KIND_ADJUST_WEAKNESS: N_("A weakness to adjust"),
    fb.ACTION_KIND_DEVELOPMENT_STEP: N_("A development step"),
}
ACTION_STATE_LABELS = {
    fb.ActionItem.STATE_OPEN: N_("Not started"), fb.ActionItem.STATE_IN_PROGRESS: N_("In progress"),
    fb.ActionItem.STATE_DONE: N_("Done"), fb.ActionItem.STATE_DROPPED: N_("Dropped"),
}


def routes() -> list[BaseRoute]:
    return [
        Route("/reviews", reviews_page, methods=["GET"]),
        Route("/reviews", open_review, methods=["POST"]),
        Route("/reviews/self-assessment", self_assessment, methods=["POST"]),
        Route("/reviews/{review_id}", review_page, methods=["GET"]),
        Route("/reviews/{review_id}/nominate", nominate, methods=["POST"]),
        Route("/reviews/{review_id}/approve", approve, methods=["POST"]),
        Route("/reviews/{review_id}/invite", invite, methods=["POST"]),
        Route("/reviews/{review_id}/answer", answer, methods=["POST"]),
        Route("/reviews/{review_id}/close", close, methods=["POST"]),
        Route("/r/360/{token}", external_form, methods=["GET"]),
        Route("/r/360/{token}", external_answer, methods=["POST"]),
        Route("/dialogues", dialogues_page, methods=["GET"]),
        Route("/dialogues", schedule, methods=["POST"]),
        Route("/dialogues/{dialogue_id}", dialogue_page, methods=["GET"]),
        Route("/dialogues/{dialogue_id}/preparations", preparations_page, methods=["GET"]),
        Route("/dialogues/{dialogue_id}/prepare", prepare, methods=["POST"]),
        Route("/dialogues/{dialogue_id}/notes", notes, methods=["POST"]),
        Route("/dialogues/{dialogue_id}/items", add_dialogue_item, methods=["POST"]),
        Route("/dialogues/{dialogue_id}/items/{item_id}/confirm", confirm_item, methods=["POST"]),
        Route("/dialogues/{dialogue_id}/sign", sign, methods=["POST"]),
        Route("/actions", actions_page, methods=["GET"]),
        Route("/actions", add_action, methods=["POST"]),
        Route("/actions/{item_id}/progress", progress, methods=["POST"]),
        Route("/actions/{item_id}/complete", complete, methods=["POST"]),
    ]


# ---------- small helpers ----------


def _str(form: FormData, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def _key(form: FormData) -> str:
    return _str(form, "idempotency_key")[:64] or secrets.token_hex(16)


def _redirect(path: str) -> Response:
    return RedirectResponse(path, status_code=303)


def _in_days(days: int) -> str:
    return (dt.date.today() + dt.timedelta(days=days)).isoformat()


def _render(web: Web, request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    """A page of this section; `key` is the seed of each form's own idempotency key (`<key>-<form id>`): a form sent
    twice is one request to the service, and two forms never share a key (the service refuses a key reused for
    another method)."""
    return web.render(request, template, status_code=status_code, key=secrets.token_hex(12), **context)


def _typed(form: FormData) -> dict[str, str]:
    return {k: v for k, v in form.multi_items() if isinstance(v, str) and k != "csrf_token"}


def refused(web: Web, request: Request, err: grpc.aio.AioRpcError, fields: Mapping[str, str]) -> FormErrors:
    """A refusal as messages beside the fields it names, in the person's language; what names no field goes to the summary."""
    if err.code() in PASS_ON or err.code() in (grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.NOT_FOUND):
        # Not yours, or gone: the app answers it as a page that is not there (app.service_error).
        raise err
    gettext = web.gettext(request)
    errors = FormErrors()
    pairs = field_violations(err)
    if not pairs:
        details = err.details() or ""
        name, _, reason = details.partition(": ")
        pairs = [(name, reason)] if reason and " " not in name else [("", details)]
    for service_field, description in pairs:
        reason = gettext(description) if description in SERVICE_DESCRIPTIONS else translate_reason(description, gettext)
        form_field = fields.get(service_field) or fields.get(service_field.split("[")[0])
        if form_field:
            errors.add(form_field, reason)
        else:
            errors.general.append(gettext("This was not accepted: %(reason)s") % {"reason": reason})
    return errors


def people_names(people: dict[str, org_pb2.Employee], ids: Sequence[str]) -> str:
    return ", ".join(views.name(people, i) for i in ids)


# ---------- the gap chart ----------


@dataclass(frozen=True)
class GapRow:
    competency: str
    self_score: float | None
    others: float | None
    gap: float | None
    by_group: tuple[tuple[int, float], ...]
    starter: str
    # Where the two marks sit on the chart (SVG user units).
    y: float
    self_x: float | None
    others_x: float | None


CHART_LEFT, CHART_RIGHT, ROW_HEIGHT, CHART_TOP = 200.0, 600.0, 56.0, 48.0


def score_x(score: float) -> float:
    """Scores 1..5 spread over the chart's width."""
    return CHART_LEFT + (min(5.0, max(1.0, score)) - 1.0) / 4.0 * (CHART_RIGHT - CHART_LEFT)


def gap_rows(report: fb.GapReport) -> list[GapRow]:
    """What the chart and its table show: 0 from the service means no score (scores are 1 to 5)."""
    rows = []
    for i, g in enumerate(report.gaps):
        mine = g.self_score or None
        others = g.others_average or None
        by_group = tuple(sorted(((fb.RaterGroup.Value(name), avg) for name, avg in g.others_by_group.items()), key=lambda p: p[0]))
        rows.append(GapRow(
            g.competency, mine, others, g.gap if mine is not None and others is not None else None, by_group, g.conversation_starter,
            CHART_TOP + i * ROW_HEIGHT, score_x(mine) if mine else None, score_x(others) if others else None,
        ))
    return rows


def chart_height(rows: Sequence[GapRow]) -> float:
    return CHART_TOP + len(rows) * ROW_HEIGHT + 24


# ---------- Reflection and 360° ----------


async def _reviews(web: Web, me: Person) -> list[fb.ReviewEntry]:
    return list((await web.call(web.stubs.feedback.ListReviews, fb.ListReviewsRequest(), me)).reviews)


def _has(entry: fb.ReviewEntry, role: int) -> bool:
    return role in entry.roles


async def reviews_page(request: Request, errors: FormErrors | None = None, values: dict[str, str] | None = None, status_code: int = 200) -> Response:
    web = web_of(request)
    me = web.person(request)
    entries, people = await asyncio.gather(_reviews(web, me), web.directory(me))
    gettext = web.gettext(request)
    reports = sorted((e for e in people.values() if e.manager_id == me.id and e.active), key=lambda e: e.name)
    if not values:
        values = {
            "cycle_name": "", "questions": gettext(DEFAULT_QUESTIONS), "due_date": _in_days(14), "idempotency_key": secrets.token_hex(16),
            "groups": "self manager peers customers",
        }
    return _render(
        web, request, "review_list.html", status_code=status_code, errors=errors or FormErrors(), values=values, people=people, reports=reports,
        about_me=[e for e in entries if _has(e, fb.ReviewEntry.ROLE_SUBJECT)],
        to_answer=[e for e in entries if _has(e, fb.ReviewEntry.ROLE_RATER) and not _has(e, fb.ReviewEntry.ROLE_SUBJECT) and not e.answered and e.review.state != fb.Review.STATE_CLOSED],
        leading=[e for e in entries if _has(e, fb.ReviewEntry.ROLE_LEAD) and not _has(e, fb.ReviewEntry.ROLE_SUBJECT)],
        r=Labels, group_choices=GROUP_CHOICES,
    )


OPEN_FIELDS = {"cycle_name": "cycle_name", "subject_ids": "subject_id", "rater_groups": "groups", "questions": "questions", "due_date": "due_date"}


def _questions(raw: str) -> list[fb.CompetencyQuestion]:
    """One competency a line: "Competency: the question" (without a colon the line is both)."""
    out = []
    for line in raw.splitlines():
        if line.strip():
            competency, _, question = line.partition(":")
            out.append(fb.CompetencyQuestion(competency=competency.strip(), question=(question or competency).strip()))
    return out


async def open_review(request: Request) -> Response:
    web = web_of(request)
    me = web.person(request)
    form = await request.form()
    values = {n: _str(form, n) for n in ("subject_id", "cycle_name", "questions", "due_date")}
    chosen = [str(g) for g in form.getlist("groups")]
    values.update(groups=" ".join(chosen), idempotency_key=_key(form))
    try:
        opened = await web.call(web.stubs.feedback.OpenReviewCycle, fb.OpenReviewCycleRequest(
            cycle_name=values["cycle_name"], subject_ids=[values["subject_id"]] if values["subject_id"] else [],
            rater_groups=[g for key, g in GROUP_CHOICES if key in chosen], questions=_questions(values["questions"]),
            due_date=values["due_date"], idempotency_key=values["idempotency_key"],
        ), me)
    except grpc.aio.AioRpcError as err:
        if err.code() == grpc.StatusCode.PERMISSION_DENIED:
            errors = FormErrors()
            errors.add("subject_id", web.gettext(request)("You can open a 360 for the people you manage (HR: for the people in your scope)."))
        else:
            errors = refused(web, request, err, OPEN_FIELDS)
        return await reviews_page(request, errors=errors, values=values, status_code=422)
    return _redirect(f"/reviews/{opened.reviews[0].id}")


RATING_FIELDS = {"ratings": "score_0", "reflection": "reflection", "comment": "comment", "review_id": "score_0"}


def _ratings(form: FormData, review: fb.Review) -> list[fb.Rating]:
    out = []
    for i, q in enumerate(review.questions):
        score = _str(form, f"score_{i}")
        if score.isdigit():
            out.append(fb.Rating(competency=q.competency, score=int(score), comment=_str(form, f"comment_{i}")))
    return out


def _rating_fields(review: fb.Review) -> dict[str, str]:
    fields = dict(RATING_FIELDS)
    for i in range(len(review.questions)):
        fields.update({f"ratings[{i}].score": f"score_{i}", f"ratings[{i}].comment": f"comment_{i}", f"ratings[{i}].competency": f"score_{i}"})
    return fields


async def self_assessment(request: Request) -> Response:
    web = web_of(request)
    me = web.person(request)
    form = await request.form()
    review_id = _str(form, "review_id")
    entry = await _entry(web, me, review_id)
    try:
        await web.call(web.stubs.feedback.SubmitSelfAssessment, fb.SubmitSelfAssessmentRequest(
            review_id=review_id, ratings=_ratings(form, entry.review), reflection=_str(form, "reflection"), idempotency_key=_key(form),
        ), me)
    except grpc.aio.AioRpcError as err:
        errors = refused(web, request, err, _rating_fields(entry.review))
        return await review_page(request, review_id=review_id, errors=errors, values=_typed(form), failed="self", status_code=422)
    return _redirect(f"/reviews/{review_id}?saved=self#self-assessment")


async def _entry(web: Web, me: Person, review_id: str) -> fb.ReviewEntry:
    found = next((e for e in await _reviews(web, me) if e.review.id == review_id), None)
    if found is None:
        raise web.not_found()
    return found


async def review_page(
    request: Request, review_id: str = "", errors: FormErrors | None = None, values: dict[str, str] | None = None, failed: str = "",
    status_code: int = 200, link: str = "",
) -> Response:
    web = web_of(request)
    me = web.person(request)
    review_id = review_id or request.path_params["review_id"]
    entry, people = await asyncio.gather(_entry(web, me, review_id), web.directory(me))
    review = entry.review
    report, gap = fb.ReviewReport(), fb.GapReport()
    if _has(entry, fb.ReviewEntry.ROLE_SUBJECT) or _has(entry, fb.ReviewEntry.ROLE_LEAD):
        report, gap = await asyncio.gather(
            web.maybe(web.stubs.feedback.GetReviewReport, fb.GetReviewReportRequest(review_id=review.id), me, fb.ReviewReport()),
            web.maybe(web.stubs.feedback.GetGapReport, fb.GetGapReportRequest(employee_id=review.subject_id, review_id=review.id), me, fb.GapReport()),
        )
    nominated = {n.rater_id for n in entry.nominations}
    colleagues = sorted(
        (e for e in people.values() if e.active and e.id not in (me.id, review.subject_id, people[review.subject_id].manager_id if review.subject_id in people else "") and e.id not in nominated),
        key=lambda e: e.name,
    )
    rows = gap_rows(gap)
    return _render(
        web, request, "review_detail.html", status_code=status_code, entry=entry, review=review, report=report, rows=rows, chart_height=chart_height(rows),
        people=people, colleagues=colleagues, errors=errors or FormErrors(), values=values or {"idempotency_key": secrets.token_hex(16)}, failed=failed,
        link=link, scores=SCORES, r=Labels, is_subject=_has(entry, fb.ReviewEntry.ROLE_SUBJECT), is_lead=_has(entry, fb.ReviewEntry.ROLE_LEAD),
        may_answer=_has(entry, fb.ReviewEntry.ROLE_RATER) and not entry.answered and not entry.awaiting_approval and review.state == fb.Review.STATE_COLLECTING,
        groups={g.group: g for g in report.groups}, chart=Chart, no_errors=FormErrors(),
    )


async def _review_action(request: Request, rpc: str, message: Any, fields: Mapping[str, str], failed: str, anchor: str) -> Response:
    web = web_of(request)
    me = web.person(request)
    review_id = request.path_params["review_id"]
    form = await request.form()
    try:
        await web.call(getattr(web.stubs.feedback, rpc), message, me)
    except grpc.aio.AioRpcError as err:
        errors = refused(web, request, err, fields)
        return await review_page(request, errors=errors, values=_typed(form), failed=failed, status_code=422)
    return _redirect(f"/reviews/{review_id}?saved={failed}#{anchor}")


async def nominate(request: Request) -> Response:
    form = await request.form()
    message = fb.NominateRatersRequest(
        review_id=request.path_params["review_id"], group=fb.RATER_GROUP_PEERS, rater_ids=[str(r) for r in form.getlist("rater_ids")], idempotency_key=_key(form),
    )
    return await _review_action(request, "NominateRaters", message, {"rater_ids": "rater_ids", "review_id": "rater_ids"}, "nominate", "nominate")


async def approve(request: Request) -> Response:
    form = await request.form()
    message = fb.ApproveRatersRequest(review_id=request.path_params["review_id"], rater_ids=[str(r) for r in form.getlist("rater_ids")], idempotency_key=_key(form))
    return await _review_action(request, "ApproveRaters", message, {"rater_ids": "approve_ids", "review_id": "approve_ids"}, "approve", "approve")


async def close(request: Request) -> Response:
    form = await request.form()
    message = fb.CloseReviewCycleRequest(review_id=request.path_params["review_id"], idempotency_key=_key(form))
    return await _review_action(request, "CloseReviewCycle", message, {}, "close", "report")


async def answer(request: Request) -> Response:
    web = web_of(request)
    me = web.person(request)
    review_id = request.path_params["review_id"]
    form = await request.form()
    entry = await _entry(web, me, review_id)
    try:
        await web.call(web.stubs.feedback.SubmitReviewResponse, fb.SubmitReviewResponseRequest(
            review_id=review_id, ratings=_ratings(form, entry.review), comment=_str(form, "comment"), idempotency_key=_key(form),
        ), me)
    except grpc.aio.AioRpcError as err:
        errors = refused(web, request, err, _rating_fields(entry.review))
        return await review_page(request, errors=errors, values=_typed(form), failed="answer", status_code=422)
    return _redirect(f"/reviews/{review_id}?saved=answer")


async def invite(request: Request) -> Response:
    web = web_of(request)
    me = web.person(request)
    review_id = request.path_params["review_id"]
    form = await request.form()
    try:
        invited = await web.call(web.stubs.feedback.InviteExternalRater, fb.InviteExternalRaterRequest(
            review_id=review_id, name=_str(form, "name"), email=_str(form, "email"), idempotency_key=_key(form),
        ), me)
    except grpc.aio.AioRpcError as err:
        errors = refused(web, request, err, {"name": "name", "email": "email", "review_id": "name"})
        return await review_page(request, errors=errors, values=_typed(form), failed="invite", status_code=422)
    # The link is shown once, now: the service keeps only its hash.
    link = web.config.link(f"/r/360/{invited.external_token}") if invited.external_token else ""
    return await review_page(request, link=link)


# ---------- the external rater (no account) ----------


async def _invitation(web: Web, token: str) -> tuple[str, fb.Link]:
    try:
        link = await web.call(web.stubs.feedback.GetLink, fb.GetLinkRequest(external_token=token))
    except grpc.aio.AioRpcError as err:
        return views.link_state(err), fb.Link()
    if link.kind != fb.Link.KIND_REVIEW_INVITATION:
        return "unknown", fb.Link()
    return views.LINK_STATES.get(link.state, "unknown"), link


def _external_page(web: Web, request: Request, state: str, link: fb.Link, values: dict[str, str], errors: FormErrors, status_code: int = 200) -> Response:
    if status_code == 200 and state not in ("open", "thanks"):
        status_code = 503 if state == "unavailable" else 410
    return _render(web, request, "review_external.html", status_code=status_code, state=state, link=link, values=values, errors=errors, scores=SCORES)


async def external_form(request: Request) -> Response:
    web = web_of(request)
    state, link = await _invitation(web, request.path_params["token"])
    return _external_page(web, request, state, link, {"idempotency_key": secrets.token_hex(16)}, FormErrors())


async def external_answer(request: Request) -> Response:
    web = web_of(request)
    token = request.path_params["token"]
    form = await request.form()
    state, link = await _invitation(web, token)
    if state != "open":
        return _external_page(web, request, state, link, {}, FormErrors())
    review = fb.Review(questions=link.questions)
    try:
        await web.call(web.stubs.feedback.SubmitReviewResponse, fb.SubmitReviewResponseRequest(
            external_token=token, ratings=_ratings(form, review), comment=_str(form, "comment"), idempotency_key=_key(form),
        ))
    except grpc.aio.AioRpcError as err:
        if err.code() == grpc.StatusCode.INVALID_ARGUMENT:
            errors = refused(web, request, err, _rating_fields(review))
            return _external_page(web, request, "open", link, _typed(form), errors, status_code=422)
        state, link = await _invitation(web, token)
        return _external_page(web, request, state if state != "open" else views.link_state(err), link, {}, FormErrors())
    return _external_page(web, request, "thanks", fb.Link(), {}, FormErrors())


# ---------- the purple dialogue ----------


async def dialogues_page(request: Request, errors: FormErrors | None = None, values: dict[str, str] | None = None, status_code: int = 200) -> Response:
    web = web_of(request)
    me = web.person(request)
    listed, entries, people = await asyncio.gather(
        web.call(web.stubs.feedback.ListDialogues, fb.ListDialoguesRequest(), me), _reviews(web, me), web.directory(me),
    )
    reports = sorted((e for e in people.values() if e.manager_id == me.id and e.active), key=lambda e: e.name)
    mine = people.get(me.id)
    return _render(
        web, request, "review_dialogues.html", status_code=status_code, dialogues=list(listed.dialogues), people=people, reports=reports,
        has_manager=bool(mine and mine.manager_id), reviews=[e.review for e in entries],
        errors=errors or FormErrors(), values=values or {"employee_id": me.id, "kind": "performance", "scheduled_for": _in_days(7), "idempotency_key": secrets.token_hex(16)},
        r=Labels, me_id=me.id,
    )


SCHEDULE_FIELDS = {"employee_id": "employee_id", "kind": "kind", "scheduled_for": "scheduled_for", "review_id": "review_id"}


async def schedule(request: Request) -> Response:
    web = web_of(request)
    me = web.person(request)
    form = await request.form()
    values = {n: _str(form, n) for n in ("employee_id", "kind", "scheduled_for", "review_id")}
    values["idempotency_key"] = _key(form)
    try:
        dialogue = await web.call(web.stubs.feedback.ScheduleDialogue, fb.ScheduleDialogueRequest(
            kind=DIALOGUE_KINDS.get(values["kind"], fb.DIALOGUE_KIND_UNSPECIFIED), employee_id=values["employee_id"] or me.id,
            scheduled_for=values["scheduled_for"], review_id=values["review_id"], idempotency_key=values["idempotency_key"],
        ), me)
    except grpc.aio.AioRpcError as err:
        if err.code() in (grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.FAILED_PRECONDITION):
            errors = FormErrors()
            errors.add("employee_id", web.gettext(request)("A dialogue is between a person and their manager: choose yourself or someone who reports to you."))
        else:
            errors = refused(web, request, err, SCHEDULE_FIELDS)
        return await dialogues_page(request, errors=errors, values=values, status_code=422)
    return _redirect(f"/dialogues/{dialogue.id}")


async def _dialogue(web: Web, me: Person, dialogue_id: str) -> fb.Dialogue:
    try:
        return await web.call(web.stubs.feedback.GetDialogue, fb.GetDialogueRequest(dialogue_id=dialogue_id), me)
    except grpc.aio.AioRpcError as err:
        if err.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.INVALID_ARGUMENT):
            raise web.not_found() from None
        raise


async def dialogue_page(
    request: Request, errors: FormErrors | None = None, values: dict[str, str] | None = None, failed: str = "", status_code: int = 200,
) -> Response:
    web = web_of(request)
    me = web.person(request)
    dialogue, people = await asyncio.gather(_dialogue(web, me, request.path_params["dialogue_id"]), web.directory(me))
    if me.id not in (dialogue.employee_id, dialogue.manager_id):
        # Managers higher up and HR follow a dialogue's progress elsewhere; its page is for its two people.
        raise web.not_found()
    other = dialogue.manager_id if me.id == dialogue.employee_id else dialogue.employee_id
    rows = gap_rows(dialogue.gap_report)
    return _render(
        web, request, "review_dialogue.html", status_code=status_code, d=dialogue, people=people, me_id=me.id, other_id=other,
        mine=next((p for p in dialogue.preparations if p.author_id == me.id), None), i_prepared=me.id in dialogue.prepared_by,
        other_prepared=other in dialogue.prepared_by, both=bool(dialogue.preparations), rows=rows, chart_height=chart_height(rows),
        report=dialogue.review_report, groups={g.group: g for g in dialogue.review_report.groups}, errors=errors or FormErrors(), failed=failed,
        values=values or {"idempotency_key": secrets.token_hex(16), "due_date": _in_days(90), "owner_id": dialogue.employee_id, "kind": "build_strength"},
        r=Labels, chart=Chart, scores=SCORES, plan_open=dialogue.state in (fb.Dialogue.STATE_READY, fb.Dialogue.STATE_HELD),
    )


async def preparations_page(request: Request) -> Response:
    """Both preparations side by side, for the two people, once both are in; before that it says so and shows neither."""
    web = web_of(request)
    me = web.person(request)
    dialogue, people = await asyncio.gather(_dialogue(web, me, request.path_params["dialogue_id"]), web.directory(me))
    if me.id not in (dialogue.employee_id, dialogue.manager_id):
        raise web.not_found()
    other = dialogue.manager_id if me.id == dialogue.employee_id else dialogue.employee_id
    return _render(
        web, request, "review_preparations.html", status_code=200 if dialogue.preparations else 403, d=dialogue, people=people, me_id=me.id, other_id=other,
        r=Labels,
    )


async def _dialogue_action(request: Request, rpc: str, message: Any, fields: Mapping[str, str], failed: str, anchor: str) -> Response:
    web = web_of(request)
    me = web.person(request)
    form = await request.form()
    dialogue_id = request.path_params["dialogue_id"]
    try:
        await web.call(getattr(web.stubs.feedback, rpc), message, me)
    except grpc.aio.AioRpcError as err:
        gettext = web.gettext(request)
        if err.code() == grpc.StatusCode.ABORTED:
            errors = FormErrors(general=[gettext("The other person changed this dialogue while you were writing. Here it is as it is now; your text is kept below.")])
        elif err.code() == grpc.StatusCode.FAILED_PRECONDITION and rpc == "SignDialogue":
            errors = FormErrors(general=[gettext("You both confirm every item of the action plan first; then you both sign.")])
        elif err.code() == grpc.StatusCode.FAILED_PRECONDITION:
            errors = FormErrors(general=[gettext("This step is not open at this stage of the dialogue.")])
        else:
            errors = refused(web, request, err, fields)
        return await dialogue_page(request, errors=errors, values=_typed(form), failed=failed, status_code=422)
    return _redirect(f"/dialogues/{dialogue_id}#{anchor}")


async def prepare(request: Request) -> Response:
    form = await request.form()
    agenda = [line.strip() for line in _str(form, "agenda").splitlines() if line.strip()]
    message = fb.SubmitPreparationRequest(
        dialogue_id=request.path_params["dialogue_id"], reflection=_str(form, "reflection"), agenda_items=agenda, idempotency_key=_key(form),
    )
    return await _dialogue_action(request, "SubmitPreparation", message, {"reflection": "reflection", "agenda_items": "agenda"}, "prepare", "preparation")


async def notes(request: Request) -> Response:
    form = await request.form()
    version = _str(form, "version")
    message = fb.RecordDialogueNotesRequest(
        dialogue_id=request.path_params["dialogue_id"], expected_version=int(version) if version.isdigit() else 0,
        shared_notes=_str(form, "shared_notes"), idempotency_key=_key(form),
    )
    return await _dialogue_action(request, "RecordDialogueNotes", message, {"shared_notes": "shared_notes"}, "notes", "notes")


ITEM_FIELDS = {"title": "title", "kind": "kind", "due_date": "due_date", "owner_id": "owner_id"}


async def add_dialogue_item(request: Request) -> Response:
    web = web_of(request)
    me = web.person(request)
    form = await request.form()
    dialogue = await _dialogue(web, me, request.path_params["dialogue_id"])
    message = fb.CreateActionItemRequest(
        employee_id=dialogue.employee_id, owner_id=_str(form, "owner_id"), title=_str(form, "title"),
        kind=ACTION_KINDS.get(_str(form, "kind"), fb.ACTION_KIND_UNSPECIFIED), due_date=_str(form, "due_date"),
        source_dialogue_id=dialogue.id, idempotency_key=_key(form),
    )
    return await _dialogue_action(request, "CreateActionItem", message, ITEM_FIELDS, "item", "plan")


async def confirm_item(request: Request) -> Response:
    form = await request.form()
    message = fb.ConfirmActionItemRequest(action_item_id=request.path_params["item_id"], idempotency_key=_key(form))
    return await _dialogue_action(request, "ConfirmActionItem", message, {}, "confirm", f"item-{request.path_params['item_id']}")


async def sign(request: Request) -> Response:
    form = await request.form()
    message = fb.SignDialogueRequest(dialogue_id=request.path_params["dialogue_id"], idempotency_key=_key(form))
    return await _dialogue_action(request, "SignDialogue", message, {}, "sign", "sign")


# ---------- my action plan ----------


async def actions_page(request: Request, errors: FormErrors | None = None, values: dict[str, str] | None = None, failed: str = "", status_code: int = 200) -> Response:
    web = web_of(request)
    me = web.person(request)
    items, goals, people = await asyncio.gather(
        web.call(web.stubs.feedback.ListActionItems, fb.ListActionItemsRequest(employee_id=me.id), me),
        web.maybe(web.stubs.goals.ListGoals, gl.ListGoalsRequest(owner_id=me.id), me, gl.ListGoalsResponse()),
        web.directory(me),
    )
    mine = people.get(me.id)
    around = sorted((e for e in people.values() if e.active and e.id != me.id and mine is not None and (
        e.id == mine.manager_id or (e.team_id == mine.team_id and e.team_id))), key=lambda e: (e.id != (mine.manager_id if mine else ""), e.name))
    ordered = sorted(items.items, key=lambda i: (i.state in (fb.ActionItem.STATE_DONE, fb.ActionItem.STATE_DROPPED), i.due_date))
    return _render(
        web, request, "review_actions.html", status_code=status_code, items=ordered, goals={g.id: g for g in goals.goals}, people=people,
        around=around, manager_id=mine.manager_id if mine else "", errors=errors or FormErrors(), failed=failed,
        values=values or {"kind": "development_step", "due_date": _in_days(60), "idempotency_key": secrets.token_hex(16)},
        r=Labels, asked=request.query_params.get("asked", ""),
    )


async def add_action(request: Request) -> Response:
    web = web_of(request)
    me = web.person(request)
    form = await request.form()
    values = _typed(form)
    try:
        await web.call(web.stubs.feedback.CreateActionItem, fb.CreateActionItemRequest(
            employee_id=me.id, owner_id=me.id, title=_str(form, "title"), kind=ACTION_KINDS.get(_str(form, "kind"), fb.ACTION_KIND_UNSPECIFIED),
            due_date=_str(form, "due_date"), source_goal_id=_str(form, "goal_id"), idempotency_key=_key(form),
        ), me)
    except grpc.aio.AioRpcError as err:
        return await actions_page(request, errors=refused(web, request, err, {**ITEM_FIELDS, "source_goal_id": "goal_id"}), values=values, failed="new", status_code=422)
    return _redirect("/actions")


async def progress(request: Request) -> Response:
    web = web_of(request)
    me = web.person(request)
    item_id = request.path_params["item_id"]
    form = await request.form()
    raw = _str(form, "progress_percent")
    gettext = web.gettext(request)
    if not raw.isdigit():
        errors = FormErrors()
        errors.add(f"progress-{item_id}", gettext("Enter how far you are as a whole number from 0 to 100, for example 40"))
        return await actions_page(request, errors=errors, values=_typed(form), failed=item_id, status_code=422)
    try:
        await web.call(web.stubs.feedback.UpdateActionItem, fb.UpdateActionItemRequest(
            action_item_id=item_id, progress_percent=int(raw), note=_str(form, "note"), idempotency_key=_key(form),
        ), me)
    except grpc.aio.AioRpcError as err:
        errors = refused(web, request, err, {"progress_percent": f"progress-{item_id}", "note": f"note-{item_id}"})
        return await actions_page(request, errors=errors, values=_typed(form), failed=item_id, status_code=422)
    return _redirect(f"/actions#item-{item_id}")


async def complete(request: Request) -> Response:
    """Done: the item is closed, and the people the person chose are asked for feedback on it (a request each,
    through the feedback service; their manager also gets a prompt from notifications)."""
    web = web_of(request)
    me = web.person(request)
    item_id = request.path_params["item_id"]
    form = await request.form()
    key = _key(form)
    try:
        item = await web.call(web.stubs.feedback.UpdateActionItem, fb.UpdateActionItemRequest(
            action_item_id=item_id, state=fb.ActionItem.STATE_DONE, note=_str(form, "note"), idempotency_key=key,
        ), me)
    except grpc.aio.AioRpcError as err:
        errors = refused(web, request, err, {"note": f"note-{item_id}"})
        return await actions_page(request, errors=errors, values=_typed(form), failed=item_id, status_code=422)
    gettext = web.gettext(request)
    question = gettext("I finished “%(title)s”. What difference did you notice? One concrete moment helps me most.") % {"title": item.title}
    asked = [str(p) for p in form.getlist("ask")][:10]
    people = await web.directory(me)
    manager = people[me.id].manager_id if me.id in people else ""
    # Each request has its own key made of the form's, so a resent form asks nobody twice.
    await asyncio.gather(*(
        web.call(web.stubs.feedback.RequestFeedback, fb.RequestFeedbackRequest(
            subject_id=me.id, recipient_id=person, question=question, due_date=_in_days(14),
            relation=fb.RELATION_MANAGER if person == manager else fb.RELATION_PEER, idempotency_key=f"{key}:{person}"[:200],
        ), me)
        for person in asked
    ))
    return _redirect(f"/actions?asked={len(asked)}#item-{item_id}")


class Labels:
    """The section's enum labels for templates (message ids, translated there)."""

    GROUP = GROUP_LABELS
    REVIEW_STATE = REVIEW_STATE_LABELS
    DIALOGUE_KIND = DIALOGUE_KIND_LABELS
    DIALOGUE_STATE = DIALOGUE_STATE_LABELS
    ACTION_KIND = ACTION_KIND_LABELS
    ACTION_STATE = ACTION_STATE_LABELS
    STARTERS = CONVERSATION_STARTERS
    label = staticmethod(views.label)
    name = staticmethod(views.name)
    names = staticmethod(people_names)

    @staticmethod
    def score(value: float | None) -> str:
        return f"{value:.1f}" if value else "–"

    @staticmethod
    def signed(value: float | None) -> str:
        return f"{value:+.1f}" if value is not None else "–"


class Chart:
    LEFT, RIGHT, TOP, ROW = CHART_LEFT, CHART_RIGHT, CHART_TOP, ROW_HEIGHT
    x = staticmethod(score_x)
