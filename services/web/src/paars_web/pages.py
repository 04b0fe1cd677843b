"""The pages: each a Jinja template over gRPC calls made as the signed-in person; no rule of the services is repeated here."""
from __future__ import annotations

import asyncio
import datetime as dt
import secrets
from collections.abc import AsyncIterator
from typing import Any

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from paars.common.v1 import event_pb2
from paars.feedback.v1 import feedback_pb2 as fb
from paars.goals.v1 import goals_pb2 as gl
from paars.notifications.v1 import notifications_pb2 as nt
from paars_web import story_pages, views
from paars_web.errors import FormErrors, from_rpc_error
from paars_web.sections import N_, NavLink
from paars_web.web import Person, Web, web_of

SSE_KEEPALIVE_SECONDS = 15.0
# Organisation -> team -> individual, with room for sub-teams.
MAX_CASCADE_DEPTH = 6


NAV = (
    NavLink("/", "nav-now", N_("Now")),
    NavLink("/feedback/give", "nav-give", N_("Give feedback")),
    NavLink("/feedback/received", "nav-received", N_("Feedback I received")),
    NavLink("/feedback/requests", "nav-requests", N_("Ask for feedback")),
    NavLink("/goals", "nav-goals", N_("Goals")),
    NavLink("/reads", "nav-reads", N_("Who read my feedback")),
)


def routes() -> list[BaseRoute]:
    return [
        Route("/", now),
        Route("/now/prompts", prompt_stream),
        Route("/feedback/give", give_form, methods=["GET"]),
        Route("/feedback/give", give, methods=["POST"]),
        Route("/feedback/received", received),
        Route("/feedback/{feedback_id}/acknowledge", acknowledge, methods=["POST"]),
        Route("/feedback/requests", requests_page, methods=["GET"]),
        Route("/feedback/requests", ask, methods=["POST"]),
        Route("/feedback/requests/{request_id}/decline", decline, methods=["POST"]),
        Route("/r/{token}", customer_form, methods=["GET"]),
        Route("/r/{token}", customer_answer, methods=["POST"]),
        Route("/r/{token}/decline", customer_decline, methods=["POST"]),
        Route("/feedback/requests/{request_id}/withdraw", withdraw, methods=["POST"]),
        Route("/goals", goals_page, methods=["GET"]),
        Route("/goals", propose_goal, methods=["POST"]),
        Route("/goals/cascade", cascade),
        Route("/goals/{goal_id}", goal_page, methods=["GET"]),
        Route("/goals/{goal_id}/agree", agree_goal, methods=["POST"]),
        Route("/goals/{goal_id}/counter", counter_goal, methods=["POST"]),
        Route("/goals/{goal_id}/check-in", check_in, methods=["POST"]),
        Route("/reads", reads),
    ]


def _str(form: FormData, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def _key(form: FormData) -> str:
    """The form's idempotency key: a resent form (double click, retry) is the same request to the service."""
    return _str(form, "idempotency_key")[:64] or secrets.token_hex(16)


def _redirect(path: str) -> Response:
    return RedirectResponse(path, status_code=303)


# ---------- Now ----------


async def now(request: Request) -> Response:
    web = web_of(request)
    me = web.person(request)
    people = await web.directory(me)
    reports = [e.id for e in people.values() if e.manager_id == me.id and e.active]
    prompts, asked, received_list, mine, *theirs = await asyncio.gather(
        web.call(web.stubs.notifications.ListPrompts, nt.ListPromptsRequest(limit=20), me),
        web.call(web.stubs.feedback.ListFeedbackRequests, fb.ListFeedbackRequestsRequest(recipient_id=me.id), me),
        web.call(web.stubs.feedback.ListFeedback, fb.ListFeedbackRequest(receiver_id=me.id, page_size=50), me),
        web.call(web.stubs.goals.ListGoals, gl.ListGoalsRequest(owner_id=me.id, include_all=True), me),
        *(web.maybe(web.stubs.goals.ListGoals, gl.ListGoalsRequest(owner_id=r, include_all=True), me, gl.ListGoalsResponse()) for r in reports),
    )
    to_agree = [g for g in list(mine.goals) + [g for answer in theirs for g in answer.goals] if g.awaiting_agreement_from == me.id]
    ordered = sorted(prompts.prompts, key=lambda p: p.cursor, reverse=True)
    return web.render(
        request, "now.html",
        prompts=ordered,
        # Where the stream starts: the cursor notifications read with the list, so a prompt released
        # between this page and its stream still arrives (an empty list used to mean "only new").
        after=max([prompts.latest_cursor, *(p.cursor for p in ordered)]),
        requests_open=[r for r in asked.requests if r.state == fb.FeedbackRequest.STATE_OPEN],
        to_acknowledge=[f for f in received_list.feedback if not f.acknowledged],
        to_agree=to_agree,
        my_goals=[g for g in mine.goals if g.agreement != gl.AGREEMENT_STATE_CLOSED],
        people=people, v=views,
    )


async def prompt_stream(request: Request) -> Response:
    """SSE of NotificationService.Subscribe; resumes after Last-Event-ID (a reconnect) or ?after (the page's newest)."""
    web = web_of(request)
    me = web.person(request)
    after = max(_int(request.headers.get("last-event-id", "")), _int(request.query_params.get("after", "")))

    async def events() -> AsyncIterator[str]:
        queue: asyncio.Queue[nt.Prompt | None] = asyncio.Queue()
        call = web.stubs.notifications.Subscribe(nt.SubscribeRequest(after_cursor=after, from_cursor=True), metadata=me.bearer)

        async def pump() -> None:
            try:
                async for prompt in call:
                    await queue.put(prompt)
            except grpc.aio.AioRpcError:
                pass
            finally:
                await queue.put(None)

        reader = asyncio.create_task(pump())
        try:
            yield "retry: 3000\n\n"
            while True:
                try:
                    prompt = await asyncio.wait_for(queue.get(), SSE_KEEPALIVE_SECONDS)
                except TimeoutError:
                    yield ": keepalive\n\n"
                    continue
                if prompt is None:
                    return
                html = web.render_text(request, "_prompt.html", prompt=prompt, v=views)
                data = "".join(f"data: {line}\n" for line in html.splitlines() or [""])
                yield f"id: {prompt.cursor}\nevent: prompt\n{data}\n"
        finally:
            reader.cancel()
            call.cancel()

    return StreamingResponse(events(), media_type="text/event-stream", headers={"x-accel-buffering": "no"})


def _int(raw: str) -> int:
    try:
        return max(0, int(raw))
    except ValueError:
        return 0


# ---------- Give feedback ----------

GIVE_FIELDS = {
    "receiver_id": "receiver_id", "kind": "kind", "relation": "relation", "text": "text", "visibility": "visibility",
    "examples": "situation", "examples.situation": "situation", "examples.behaviour": "behaviour", "examples.impact": "impact",
    "goal_ids": "goal_id", "moment_at": "moment_at", "request_id": "receiver_id", "value_key": "value_key",
}
GIVE_ORDER = ("receiver_id", "relation", "kind", "text", "situation", "behaviour", "impact", "visibility", "goal_id", "value_key", "moment_at")


async def _story_values(web: Web, me: Person, language: str) -> dict[str, tuple[str, str]]:
    """The published story's values: key -> (title in the reader's language, else the other one, and the language
    it is in); none when no story is published or the story service cannot answer (the pages work without)."""
    values = story_pages.links(await story_pages.values_and_themes(web, me))[0]
    return {p.key: story_pages.in_language(p.title, language) for p in values}


async def _give_context(web: Web, me: Person, values: dict[str, str], language: str) -> dict[str, Any]:
    people, story_values = await asyncio.gather(web.directory(me), _story_values(web, me, language))
    receiver = people.get(values.get("receiver_id", ""))
    goals: list[gl.Goal] = []
    if receiver is not None and receiver.team_id:
        team = await web.maybe(web.stubs.goals.ListTeamGoals, gl.ListTeamGoalsRequest(team_id=receiver.team_id), me, gl.ListTeamGoalsResponse())
        goals = [g for g in team.goals if g.owner_id == receiver.id or g.level == gl.GOAL_LEVEL_TEAM]
    if not values.get("relation") and receiver is not None:
        values["relation"] = views.relation_between(people.get(me.id), receiver)
    colleagues = sorted((e for e in people.values() if e.active and e.id != me.id), key=lambda e: e.name)
    return {
        "values": values, "colleagues": colleagues, "receiver": receiver, "goals": goals, "people": people, "v": views, "story_values": story_values,
    }


async def give_form(request: Request) -> Response:
    web = web_of(request)
    me = web.person(request)
    q = request.query_params
    values = {
        "receiver_id": q.get("receiver", ""), "moment_at": q.get("moment", ""), "goal_id": q.get("goal", ""),
        "request_id": q.get("request", ""), "prompt_id": q.get("prompt", ""), "kind": q.get("kind", "constructive"),
        "visibility": "", "idempotency_key": secrets.token_hex(16),
    }
    if values["request_id"] and not values["receiver_id"]:
        asked = await web.call(web.stubs.feedback.ListFeedbackRequests, fb.ListFeedbackRequestsRequest(recipient_id=me.id), me)
        match = next((r for r in asked.requests if r.id == values["request_id"]), None)
        if match is not None:
            values["receiver_id"] = match.subject_id
            values["question"] = match.question
    return web.render(request, "give.html", errors=FormErrors(), **await _give_context(web, me, values, web.language(request)))


async def give(request: Request) -> Response:
    web = web_of(request)
    me = web.person(request)
    form = await request.form()
    names = (
        "receiver_id", "kind", "relation", "text", "situation", "behaviour", "impact", "visibility", "goal_id", "value_key", "moment_at", "request_id",
        "prompt_id", "question",
    )
    values = {n: _str(form, n) for n in names}
    values["idempotency_key"] = _key(form)
    kind = views.FEEDBACK_KINDS.get(values["kind"], fb.FEEDBACK_KIND_UNSPECIFIED)
    examples = []
    if any(values[p] for p in ("situation", "behaviour", "impact")):
        examples.append(fb.Example(situation=values["situation"], behaviour=values["behaviour"], impact=values["impact"]))
    errors = FormErrors()
    moment = _moment(values["moment_at"])
    if values["moment_at"] and moment is None:
        gettext = web.gettext(request)
        errors.add("moment_at", gettext("Enter the moment as a date and time, for example 2026-05-14 09:30"))
    if not errors:
        try:
            await web.call(
                web.stubs.feedback.GiveFeedback,
                fb.GiveFeedbackRequest(
                    receiver_id=values["receiver_id"], kind=kind, relation=views.RELATIONS.get(values["relation"], fb.RELATION_UNSPECIFIED),
                    text=values["text"], examples=examples, visibility=views.VISIBILITIES.get(values["visibility"], event_pb2.VISIBILITY_UNSPECIFIED),
                    goal_ids=[values["goal_id"]] if values["goal_id"] else [], moment_at=moment, request_id=values["request_id"],
                    idempotency_key=values["idempotency_key"], value_key=values["value_key"],
                ),
                me,
            )
        except grpc.aio.AioRpcError as err:
            if err.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.UNAUTHENTICATED):
                raise
            errors = from_rpc_error(err, GIVE_FIELDS, web.translations(request), GIVE_ORDER)
            if "value_key" in errors.fields:
                # The service says it in its own words; the person reads what to do, in their language.
                gettext = web.gettext(request)
                errors.fields["value_key"] = gettext("This is not a value of our published story (any more): choose one from the list, or none")
    if errors:
        # Everything typed comes back in the form, with each message beside its field.
        return web.render(request, "give.html", status_code=422, errors=errors, **await _give_context(web, me, values, web.language(request)))
    if values["prompt_id"]:
        await web.maybe(web.stubs.notifications.MarkRead, nt.MarkReadRequest(prompt_ids=[values["prompt_id"]]), me, nt.MarkReadResponse())
    return _redirect("/?given=1")


def _moment(raw: str) -> Timestamp | None:
    if not raw:
        return None
    try:
        moment = dt.datetime.fromisoformat(raw.replace("Z", "+00:00").replace(" ", "T"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    stamp = Timestamp()
    stamp.FromDatetime(moment.astimezone(dt.UTC))
    return stamp


# ---------- Feedback I received ----------


async def received(request: Request) -> Response:
    web = web_of(request)
    me = web.person(request)
    answer, people = await asyncio.gather(
        web.call(web.stubs.feedback.ListFeedback, fb.ListFeedbackRequest(receiver_id=me.id, page_size=100), me), web.directory(me)
    )
    groups: dict[int, list[fb.Feedback]] = {}
    for item in sorted(answer.feedback, key=lambda f: f.given_at.seconds, reverse=True):
        groups.setdefault(item.visibility, []).append(item)
    ordered = [(vis, groups[vis]) for vis in views.VISIBILITY_ORDER if vis in groups]
    return web.render(
        request, "received.html", groups=ordered, people=people, v=views, errors=FormErrors(), failed="", step_due=_in_days(30),
        story_values=await _named_values(web, request, me, answer.feedback),
    )


async def _named_values(web: Web, request: Request, me: Person, items: Any) -> dict[str, tuple[str, str]]:
    """The titles of the values these feedback items name; the story is asked only when one names a value."""
    if not any(f.value_key for f in items):
        return {}
    return await _story_values(web, me, web.language(request))


ACK_FIELDS = {"note": "note", "action_title": "action_title", "action_kind": "action_kind", "action_due_date": "action_due_date"}


async def acknowledge(request: Request) -> Response:
    web = web_of(request)
    me = web.person(request)
    feedback_id = request.path_params["feedback_id"]
    form = await request.form()
    action = _str(form, "action_kind")
    kind = views.ACTION_KINDS.get(action, fb.ACTION_KIND_UNSPECIFIED)
    try:
        await web.call(
            web.stubs.feedback.AcknowledgeFeedback,
            fb.AcknowledgeFeedbackRequest(
                feedback_id=feedback_id, note=_str(form, "note"), create_action_item=kind != fb.ACTION_KIND_UNSPECIFIED,
                action_title=_str(form, "action_title"), action_kind=kind,
                # A date only goes with a step: "thank you" alone needs none.
                action_due_date=_str(form, "action_due_date") if kind != fb.ACTION_KIND_UNSPECIFIED else "",
                idempotency_key=_key(form),
            ),
            me,
        )
    except grpc.aio.AioRpcError as err:
        if err.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.UNAUTHENTICATED):
            raise
        errors = from_rpc_error(err, ACK_FIELDS, web.translations(request))
        typed = {k: _str(form, k) for k in ("note", "action_kind", "action_title", "action_due_date")}
        if _htmx(request):
            return await _feedback_card(web, request, me, feedback_id, errors=errors, typed=typed)
        answer, people = await asyncio.gather(
            web.call(web.stubs.feedback.ListFeedback, fb.ListFeedbackRequest(receiver_id=me.id, page_size=100), me), web.directory(me)
        )
        groups: dict[int, list[fb.Feedback]] = {}
        for item in answer.feedback:
            groups.setdefault(item.visibility, []).append(item)
        ordered = [(vis, groups[vis]) for vis in views.VISIBILITY_ORDER if vis in groups]
        return web.render(
            request, "received.html", status_code=422, groups=ordered, people=people, v=views, errors=errors, failed=feedback_id, step_due=_in_days(30),
            typed=typed, story_values=await _named_values(web, request, me, answer.feedback),
        )
    if _htmx(request):
        return await _feedback_card(web, request, me, feedback_id)
    return _redirect(f"/feedback/received#feedback-{feedback_id}")


def _htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


async def _feedback_card(
    web: Web, request: Request, me: Person, feedback_id: str, *, errors: FormErrors | None = None, typed: dict[str, str] | None = None
) -> Response:
    """The one feedback item as it is now, for htmx to swap in place (200 even with errors: htmx swaps only 2xx)."""
    item, people = await asyncio.gather(web.call(web.stubs.feedback.GetFeedback, fb.GetFeedbackRequest(feedback_id=feedback_id), me), web.directory(me))
    return web.render(
        request, "_feedback_card.html", f=item, people=people, v=views, errors=errors or FormErrors(), failed=feedback_id if errors else "",
        typed=typed or {}, step_due=_in_days(30), story_values=await _named_values(web, request, me, [item]),
    )


# ---------- Ask for feedback ----------

ASK_FIELDS = {
    "recipient_id": "recipient_id", "external_email": "external_email", "external_name": "external_name", "question": "question",
    "due_date": "due_date", "relation": "recipient_kind", "subject_id": "recipient_id",
}
ASK_ORDER = ("recipient_kind", "recipient_id", "external_name", "external_email", "question", "due_date")


async def _requests_context(web: Web, me: Person) -> dict[str, Any]:
    people, mine, waiting = await asyncio.gather(
        web.directory(me),
        web.call(web.stubs.feedback.ListFeedbackRequests, fb.ListFeedbackRequestsRequest(requester_id=me.id), me),
        web.call(web.stubs.feedback.ListFeedbackRequests, fb.ListFeedbackRequestsRequest(recipient_id=me.id), me),
    )
    colleagues = sorted((e for e in people.values() if e.active and e.id != me.id), key=lambda e: e.name)
    return {
        "people": people, "colleagues": colleagues, "mine": sorted(mine.requests, key=lambda r: r.created_at.seconds, reverse=True),
        "waiting": [r for r in waiting.requests if r.state == fb.FeedbackRequest.STATE_OPEN], "v": views,
    }


async def requests_page(request: Request) -> Response:
    web = web_of(request)
    me = web.person(request)
    values = {"recipient_kind": "colleague", "due_date": _in_days(14), "idempotency_key": secrets.token_hex(16)}
    return web.render(request, "requests.html", values=values, errors=FormErrors(), link="", **await _requests_context(web, me))


async def ask(request: Request) -> Response:
    web = web_of(request)
    me = web.person(request)
    form = await request.form()
    values = {n: _str(form, n) for n in ("recipient_kind", "recipient_id", "external_name", "external_email", "question", "due_date")}
    values["idempotency_key"] = _key(form)
    customer = values["recipient_kind"] == "customer"
    relation = views.ASK_RELATIONS.get(values["recipient_kind"], fb.RELATION_UNSPECIFIED)
    link = ""
    errors = FormErrors()
    try:
        answer = await web.call(
            web.stubs.feedback.RequestFeedback,
            fb.RequestFeedbackRequest(
                subject_id=me.id, recipient_id="" if customer else values["recipient_id"],
                external_email=values["external_email"] if customer else "", external_name=values["external_name"] if customer else "",
                question=values["question"], due_date=values["due_date"], relation=relation, idempotency_key=values["idempotency_key"],
            ),
            me,
        )
        if answer.external_token:
            link = web.config.link(f"/r/{answer.external_token}")
    except grpc.aio.AioRpcError as err:
        if err.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.UNAUTHENTICATED):
            raise
        errors = from_rpc_error(err, ASK_FIELDS, web.translations(request), ASK_ORDER)
    if errors:
        return web.render(request, "requests.html", status_code=422, values=values, errors=errors, link="", **await _requests_context(web, me))
    if not link:
        return _redirect("/feedback/requests?asked=1")
    # The customer's link is shown once, now: the service keeps only its hash.
    fresh = {"recipient_kind": "customer", "due_date": _in_days(14), "idempotency_key": secrets.token_hex(16)}
    return web.render(request, "requests.html", values=fresh, errors=FormErrors(), link=link, **await _requests_context(web, me))


def _in_days(days: int) -> str:
    """A date the form suggests (answer by, next step by): soon enough that the moment is still fresh."""
    return (dt.date.today() + dt.timedelta(days=days)).isoformat()


async def withdraw(request: Request) -> Response:
    """The requester takes a request back; a customer's link stops working at once."""
    web = web_of(request)
    me = web.person(request)
    form = await request.form()
    await web.call(web.stubs.feedback.RevokeLink, fb.RevokeLinkRequest(request_id=request.path_params["request_id"], idempotency_key=_key(form)), me)
    return _redirect("/feedback/requests")


async def decline(request: Request) -> Response:
    web = web_of(request)
    me = web.person(request)
    form = await request.form()
    await web.call(
        web.stubs.feedback.DeclineFeedbackRequest,
        fb.DeclineFeedbackRequestRequest(request_id=request.path_params["request_id"], reason=_str(form, "reason"), idempotency_key=_key(form)),
        me,
    )
    return _redirect("/feedback/requests")


# ---------- The customer's page (no account) ----------

CUSTOMER_FIELDS = {"text": "text", "kind": "kind", "examples": "situation", "examples.situation": "situation", "examples.behaviour": "behaviour", "examples.impact": "impact"}


async def _link(web: Web, token: str) -> tuple[str, fb.Link]:
    """What the feedback service says about a link before anyone answers: its state in words, and whom it is about."""
    try:
        link = await web.call(web.stubs.feedback.GetLink, fb.GetLinkRequest(external_token=token))
    except grpc.aio.AioRpcError as err:
        return views.link_state(err), fb.Link()
    if link.kind != fb.Link.KIND_FEEDBACK_REQUEST:
        # A 360 invitation is answered on the review pages (issue 14), not with this form.
        return "unknown", fb.Link()
    return views.LINK_STATES.get(link.state, "unknown"), link


def _customer_page(web: Web, request: Request, state: str, link: fb.Link, values: dict[str, str], errors: FormErrors, status_code: int = 200) -> Response:
    if status_code == 200 and state not in ("open", "thanks", "you_declined"):
        status_code = 503 if state == "unavailable" else 410
    return web.render(request, "customer.html", status_code=status_code, state=state, link=link, values=values, errors=errors)


async def customer_form(request: Request) -> Response:
    web = web_of(request)
    state, link = await _link(web, request.path_params["token"])
    return _customer_page(web, request, state, link, {"kind": "praise", "idempotency_key": secrets.token_hex(16)}, FormErrors())


async def customer_answer(request: Request) -> Response:
    web = web_of(request)
    token = request.path_params["token"]
    form = await request.form()
    values = {n: _str(form, n) for n in ("kind", "text", "situation", "behaviour", "impact")}
    values["idempotency_key"] = _key(form)
    kind = views.FEEDBACK_KINDS.get(values["kind"], fb.FEEDBACK_KIND_UNSPECIFIED)
    examples = []
    if any(values[p] for p in ("situation", "behaviour", "impact")):
        examples.append(fb.Example(situation=values["situation"], behaviour=values["behaviour"], impact=values["impact"]))
    try:
        await web.call(
            web.stubs.feedback.GiveFeedback,
            fb.GiveFeedbackRequest(external_token=token, kind=kind, text=values["text"], examples=examples, idempotency_key=values["idempotency_key"]),
        )
    except grpc.aio.AioRpcError as err:
        state, link = await _link(web, token)
        if state == "open" and err.code() == grpc.StatusCode.INVALID_ARGUMENT:
            errors = from_rpc_error(err, CUSTOMER_FIELDS, web.translations(request))
            return _customer_page(web, request, "open", link, values, errors, status_code=422)
        if state == "open":
            state = views.link_state(err)
        return _customer_page(web, request, state, link, values, FormErrors())
    return _customer_page(web, request, "thanks", fb.Link(), values, FormErrors())


async def customer_decline(request: Request) -> Response:
    web = web_of(request)
    token = request.path_params["token"]
    form = await request.form()
    try:
        await web.call(
            web.stubs.feedback.DeclineFeedbackRequest,
            fb.DeclineFeedbackRequestRequest(external_token=token, reason=_str(form, "reason"), idempotency_key=_key(form)),
        )
    except grpc.aio.AioRpcError:
        state, link = await _link(web, token)
        return _customer_page(web, request, state, link, {"kind": "praise", "idempotency_key": secrets.token_hex(16)}, FormErrors())
    return _customer_page(web, request, "you_declined", fb.Link(), {}, FormErrors())


# ---------- Goals ----------

PROPOSE_FIELDS = {
    "kind": "kind", "title": "title", "description": "description", "due_date": "due_date", "start_date": "due_date",
    "parent_goal_id": "parent_goal_id", "owner_id": "owner_id", "key_results": "kr_title", "key_results.title": "kr_title",
    "key_results.target_value": "kr_target", "key_results.start_value": "kr_start", "key_results.unit": "kr_unit", "weight": "title",
    "story_keys": "story_keys",
}
PROPOSE_ORDER = ("owner_id", "kind", "title", "description", "kr_title", "kr_start", "kr_target", "kr_unit", "due_date", "parent_goal_id", "story_keys")


async def _goals_context(web: Web, me: Person) -> dict[str, Any]:
    people = await web.directory(me)
    me_in_directory = people.get(me.id)
    reports = sorted((e for e in people.values() if e.manager_id == me.id and e.active), key=lambda e: e.name)
    team_id = me_in_directory.team_id if me_in_directory else ""
    mine, team, *theirs = await asyncio.gather(
        web.call(web.stubs.goals.ListGoals, gl.ListGoalsRequest(owner_id=me.id, include_all=True), me),
        web.maybe(web.stubs.goals.ListTeamGoals, gl.ListTeamGoalsRequest(team_id=team_id), me, gl.ListTeamGoalsResponse()) if team_id else _empty_team(),
        *(web.maybe(web.stubs.goals.ListGoals, gl.ListGoalsRequest(owner_id=r.id, include_all=True), me, gl.ListGoalsResponse()) for r in reports),
    )
    reports_goals = [(r, list(answer.goals)) for r, answer in zip(reports, theirs, strict=True)]
    parents = [g for g in team.goals if g.level in (gl.GOAL_LEVEL_TEAM, gl.GOAL_LEVEL_ORGANISATION)]
    return {
        "mine": list(mine.goals), "team": team, "reports_goals": reports_goals, "reports": reports, "parents": parents, "people": people, "v": views,
        "story_parts": await story_pages.values_and_themes(web, me),
    }


async def _empty_team() -> gl.ListTeamGoalsResponse:
    return gl.ListTeamGoalsResponse()


async def goals_page(request: Request) -> Response:
    web = web_of(request)
    me = web.person(request)
    values = {"owner_id": me.id, "kind": "development", "idempotency_key": secrets.token_hex(16)}
    return web.render(request, "goals.html", values=values, errors=FormErrors(), **await _goals_context(web, me))


def _number(raw: str) -> float | None:
    try:
        return float(raw.replace(",", ".")) if raw else None
    except ValueError:
        return None


async def propose_goal(request: Request) -> Response:
    web = web_of(request)
    me = web.person(request)
    form = await request.form()
    names = ("owner_id", "kind", "title", "description", "kr_title", "kr_start", "kr_target", "kr_unit", "due_date", "parent_goal_id")
    values = {n: _str(form, n) for n in names}
    values["idempotency_key"] = _key(form)
    story_keys = sorted({str(k) for k in form.getlist("story_keys")})
    values["story_keys"] = ",".join(story_keys)
    gettext = web.gettext(request)
    errors = FormErrors()
    start, target = _number(values["kr_start"] or "0"), _number(values["kr_target"])
    if start is None:
        errors.add("kr_start", gettext("Enter a number, for example 0"))
    if target is None:
        errors.add("kr_target", gettext("Enter a number, for example 10"))
    if not errors:
        key_results = [gl.KeyResult(title=values["kr_title"], start_value=start or 0.0, target_value=target or 0.0, unit=values["kr_unit"])]
        try:
            goal = await web.call(
                web.stubs.goals.ProposeGoal,
                gl.ProposeGoalRequest(
                    kind=views.GOAL_KINDS.get(values["kind"], gl.GOAL_KIND_UNSPECIFIED), level=gl.GOAL_LEVEL_INDIVIDUAL,
                    title=values["title"], description=values["description"], owner_id=values["owner_id"] or me.id,
                    parent_goal_id=values["parent_goal_id"], key_results=key_results, start_date=dt.date.today().isoformat(),
                    due_date=values["due_date"], idempotency_key=values["idempotency_key"], story_keys=story_keys,
                ),
                me,
            )
            return _redirect(f"/goals/{goal.id}")
        except grpc.aio.AioRpcError as err:
            if err.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.UNAUTHENTICATED):
                raise
            errors = from_rpc_error(err, PROPOSE_FIELDS, web.translations(request), PROPOSE_ORDER)
    return web.render(request, "goals.html", status_code=422, values=values, errors=errors, **await _goals_context(web, me))


async def goal_page(request: Request, errors: FormErrors | None = None, values: dict[str, str] | None = None, status_code: int = 200) -> Response:
    web = web_of(request)
    me = web.person(request)
    goal_id = request.path_params["goal_id"]
    try:
        detail, people = await asyncio.gather(web.call(web.stubs.goals.GetGoal, gl.GetGoalRequest(goal_id=goal_id), me), web.directory(me))
    except grpc.aio.AioRpcError as err:
        if err.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.INVALID_ARGUMENT):
            raise web.not_found() from None
        raise
    # The counter form offers the story's values and themes only to the party whose turn it is.
    story_parts = await story_pages.values_and_themes(web, me) if detail.goal.awaiting_agreement_from == me.id else []
    return web.render(
        request, "goal.html", status_code=status_code, detail=detail, goal=detail.goal, people=people, v=views,
        errors=errors or FormErrors(), values=values or {"idempotency_key": secrets.token_hex(16)}, me_id=me.id, story_parts=story_parts,
    )


GOAL_ACTION_FIELDS = {
    "comment": "comment", "title": "title", "due_date": "due_date", "confidence": "confidence", "note": "note", "updates": "note",
    "updates.current_value": "note", "expected_version": "comment", "story_keys": "story_keys",
}


async def _goal_action(request: Request, make: Any) -> Response:
    web = web_of(request)
    me = web.person(request)
    form = await request.form()
    goal_id = request.path_params["goal_id"]
    try:
        rpc, message = make(goal_id, form, _int(_str(form, "version")), _key(form))
        await web.call(rpc(web), message, me)
    except grpc.aio.AioRpcError as err:
        if err.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.UNAUTHENTICATED):
            raise
        gettext = web.gettext(request)
        errors = FormErrors()
        if err.code() == grpc.StatusCode.ABORTED:
            errors.general.append(gettext("Someone changed this goal while you were looking at it. Here it is as it is now; check and send again."))
        else:
            errors = from_rpc_error(err, GOAL_ACTION_FIELDS, web.translations(request))
        typed = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
        typed["story_keys"] = ",".join(str(k) for k in form.getlist("story_keys"))  # every box ticked, not only the last
        return await goal_page(request, errors=errors, values=typed, status_code=422)
    return _redirect(f"/goals/{goal_id}")


async def agree_goal(request: Request) -> Response:
    return await _goal_action(
        request,
        lambda goal_id, form, version, key: (
            lambda web: web.stubs.goals.AgreeGoal,
            gl.AgreeGoalRequest(goal_id=goal_id, expected_version=version, comment=_str(form, "comment"), idempotency_key=key),
        ),
    )


async def counter_goal(request: Request) -> Response:
    return await _goal_action(
        request,
        lambda goal_id, form, version, key: (
            lambda web: web.stubs.goals.CounterProposeGoal,
            gl.CounterProposeGoalRequest(
                goal_id=goal_id, expected_version=version, comment=_str(form, "comment"), title=_str(form, "title"),
                due_date=_str(form, "due_date"), idempotency_key=key,
                # The form carries the story's boxes (and this marker) only when it showed them: no boxes ticked then clears.
                story_keys=sorted({str(k) for k in form.getlist("story_keys")}), replace_story_keys=bool(_str(form, "replace_story_keys")),
            ),
        ),
    )


async def check_in(request: Request) -> Response:
    def make(goal_id: str, form: FormData, version: int, key: str) -> tuple[Any, Any]:
        updates = []
        for name, raw in form.items():
            if name.startswith("kr_") and isinstance(raw, str) and raw.strip():
                value = _number(raw.strip())
                if value is not None:
                    updates.append(gl.KeyResultUpdate(key_result_id=name[3:], current_value=value))
        message = gl.CheckInRequest(
            goal_id=goal_id, expected_version=version, updates=updates, note=_str(form, "note"), confidence=_int(_str(form, "confidence")),
            idempotency_key=key,
        )
        return (lambda web: web.stubs.goals.CheckIn), message

    return await _goal_action(request, make)


async def cascade(request: Request) -> Response:
    """From the organisation down: the top of every chain my goals and my team's belong to, and what aligns under it."""
    web = web_of(request)
    me = web.person(request)
    people = await web.directory(me)
    mine = people.get(me.id)
    own, team = await asyncio.gather(
        web.call(web.stubs.goals.ListGoals, gl.ListGoalsRequest(owner_id=me.id), me),
        web.maybe(web.stubs.goals.ListTeamGoals, gl.ListTeamGoalsRequest(team_id=mine.team_id), me, gl.ListTeamGoalsResponse())
        if mine and mine.team_id else _empty_team(),
    )
    # Organisation goals belong to no team, so they are found by climbing parent_goal_id from below.
    known = {g.id: g for g in [*own.goals, *team.goals]}
    climbing = {g.parent_goal_id for g in known.values() if g.parent_goal_id and g.parent_goal_id not in known}
    for _ in range(MAX_CASCADE_DEPTH):
        if not climbing:
            break
        found = await asyncio.gather(*(web.maybe(web.stubs.goals.GetGoal, gl.GetGoalRequest(goal_id=i), me, gl.GoalDetail()) for i in climbing))
        for detail in found:
            if detail.goal.id:
                known[detail.goal.id] = detail.goal
        climbing = {d.goal.parent_goal_id for d in found if d.goal.parent_goal_id and d.goal.parent_goal_id not in known}
    tops = [g for g in known.values() if not g.parent_goal_id or g.parent_goal_id not in known]
    trees = await asyncio.gather(
        *(web.maybe(web.stubs.goals.GetAlignmentTree, gl.GetAlignmentTreeRequest(goal_id=g.id), me, gl.AlignmentNode(goal=g)) for g in tops)
    )
    order = {gl.GOAL_LEVEL_ORGANISATION: 0, gl.GOAL_LEVEL_TEAM: 1, gl.GOAL_LEVEL_INDIVIDUAL: 2}
    return web.render(request, "cascade.html", trees=sorted(trees, key=lambda n: (order.get(n.goal.level, 3), n.goal.title)), people=people, v=views)


# ---------- Who read feedback about me ----------


async def reads(request: Request) -> Response:
    web = web_of(request)
    me = web.person(request)
    answer, people = await asyncio.gather(web.call(web.stubs.feedback.ListReads, fb.ListReadsRequest(employee_id=me.id), me), web.directory(me))
    records = sorted(answer.reads, key=lambda r: r.read_at.seconds, reverse=True)
    return web.render(request, "reads.html", records=records, people=people, v=views)
