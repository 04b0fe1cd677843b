"""The web app with fake gRPC stubs: sessions, CSRF, CSP, the development sign-in's switch, errors beside their fields."""
from __future__ import annotations

import asyncio
import dataclasses
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import grpc
import jwt
import pytest
from google.protobuf import any_pb2
from google.protobuf.timestamp_pb2 import Timestamp
from google.rpc import code_pb2, error_details_pb2, status_pb2
from starlette.testclient import TestClient

from paars.common.v1 import event_pb2 as ev
from paars.feedback.v1 import feedback_pb2 as fb
from paars.goals.v1 import goals_pb2 as gl
from paars.notifications.v1 import notifications_pb2 as nt
from paars.org.v1 import org_pb2
from paars_web.app import create_app
from paars_web.clients import Stubs
from paars_web.config import WebConfig

PEOPLE = [
    org_pb2.Employee(id="mgr", name="Mo Manager", team_id="team-a", roles=[org_pb2.ROLE_MANAGER], active=True),
    org_pb2.Employee(id="ann", name="Ann Peeters", manager_id="mgr", team_id="team-a", roles=[org_pb2.ROLE_EMPLOYEE], active=True),
    org_pb2.Employee(id="bob", name="Bob Claes", manager_id="mgr", team_id="team-a", roles=[org_pb2.ROLE_EMPLOYEE], active=True),
]


def bad_request(*violations: tuple[str, str]) -> grpc.aio.AioRpcError:
    """An INVALID_ARGUMENT as the platform's servers send it: google.rpc.Status with BadRequest details."""
    detail = any_pb2.Any()
    detail.Pack(error_details_pb2.BadRequest(field_violations=[error_details_pb2.BadRequest.FieldViolation(field=f, description=d) for f, d in violations]))
    status = status_pb2.Status(code=code_pb2.INVALID_ARGUMENT, message="invalid request", details=[detail])
    return grpc.aio.AioRpcError(
        grpc.StatusCode.INVALID_ARGUMENT, grpc.aio.Metadata(), grpc.aio.Metadata(("grpc-status-details-bin", status.SerializeToString())), "invalid request"
    )


class Recorder:
    """A fake stub: every call is recorded with its metadata; answers come from `answers` (a value or an exception)."""

    def __init__(self, **answers: Any) -> None:
        self.answers = answers
        self.calls: list[tuple[str, Any, dict[str, str]]] = []

    def __getattr__(self, method: str) -> Any:
        async def call(request: Any, metadata: Any = (), timeout: float | None = None) -> Any:
            self.calls.append((method, request, dict(metadata or ())))
            answer = self.answers[method]
            if isinstance(answer, BaseException):
                raise answer
            return answer(request) if callable(answer) else answer

        return call


class FakeNotifications(Recorder):
    def __init__(self, prompts: list[nt.Prompt]) -> None:
        super().__init__(
            ListPrompts=nt.ListPromptsResponse(prompts=prompts, latest_cursor=max((p.cursor for p in prompts), default=0)),
            MarkRead=nt.MarkReadResponse(updated=1),
            GetPreferences=lambda r: nt.Preferences(employee_id="ann", weekly_budget=5, language=self.language),
            SetPreferences=self.set_preferences,
        )
        self.language = ""
        self.stream = prompts
        self.subscribed_after: list[int] = []

    def set_preferences(self, request: nt.SetPreferencesRequest) -> nt.Preferences:
        self.language = request.preferences.language
        return request.preferences

    def Subscribe(self, request: nt.SubscribeRequest, metadata: Any = ()) -> Any:
        self.subscribed_after.append(request.after_cursor)
        prompts = [p for p in self.stream if p.cursor > request.after_cursor]

        class Call:
            def __aiter__(self) -> AsyncIterator[nt.Prompt]:
                return self.gen()

            async def gen(self) -> AsyncIterator[nt.Prompt]:
                for p in prompts:
                    yield p

            def cancel(self) -> bool:
                return True

        return Call()


def stubs(give: Any = None) -> Stubs:
    return Stubs(
        goals=Recorder(ListGoals=gl.ListGoalsResponse(), ListTeamGoals=gl.ListTeamGoalsResponse()),
        org=Recorder(ListEmployees=org_pb2.ListEmployeesResponse(employees=PEOPLE), ListTeams=org_pb2.ListTeamsResponse()),
        feedback=Recorder(
            ListFeedbackRequests=fb.ListFeedbackRequestsResponse(), ListFeedback=fb.ListFeedbackResponse(),
            GiveFeedback=give if give is not None else (lambda r: fb.Feedback(id="f1", receiver_id=r.receiver_id)),
            ListReads=fb.ListReadsResponse(),
            GetLink=fb.Link(kind=fb.Link.KIND_FEEDBACK_REQUEST, state=fb.LINK_STATE_OPEN, subject_name="Ann Peeters", question="Hoe was de levering?"),
        ),
        notifications=FakeNotifications([
            nt.Prompt(id="p1", recipient_id="ann", kind=nt.PROMPT_KIND_GIVE_FEEDBACK, title="Bob reached a milestone", about_id="bob", cursor=1),
            nt.Prompt(id="p2", recipient_id="ann", kind=nt.PROMPT_KIND_CHECK_IN, title="Time for a check-in", cursor=2),
        ]),
        analytics=Recorder(),
    )


def config(**overrides: Any) -> WebConfig:
    base = WebConfig(
        host="127.0.0.1", port=8080, metrics_port=-1, base_url="http://127.0.0.1:8080", environment="development", dev_sign_in_requested=True,
        service_addresses={}, session_secret="test-secret", session_max_age_seconds=3600, jwt_secret="paars-local-development-secret-change-me",
        jwt_issuer="paars", jwt_audience="", rpc_deadline_seconds=5.0, log_level="INFO",
    )
    return dataclasses.replace(base, **overrides)


def csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "the page has no CSRF token"
    return match.group(1)


def sign_in(client: TestClient, person: str = "ann") -> None:
    page = client.get("/signin/dev")
    answer = client.post("/signin/dev", data={"person_id": person, "csrf_token": csrf(page.text)}, follow_redirects=False)
    assert answer.status_code == 303


@pytest.fixture
def fakes() -> Stubs:
    return stubs()


@pytest.fixture
def client(fakes: Stubs) -> Iterator[TestClient]:
    with TestClient(create_app(config(), stubs=fakes), base_url="http://127.0.0.1:8080") as c:
        yield c


def test_every_page_carries_a_content_security_policy_without_unsafe_inline(client: TestClient) -> None:
    answer = client.get("/signin")
    policy = answer.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "<script>" not in answer.text and "style=" not in answer.text


def test_the_session_cookie_is_httponly_and_samesite_lax_and_secure_outside_development(fakes: Stubs) -> None:
    with TestClient(create_app(config(), stubs=fakes)) as c:
        cookie = c.get("/signin").headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    with TestClient(create_app(config(environment="production", dev_sign_in_requested=False), stubs=fakes)) as c:
        assert "Secure" in c.get("/signin").headers["set-cookie"]


def test_a_state_changing_request_without_the_csrf_token_is_refused(client: TestClient, fakes: Stubs) -> None:
    sign_in(client)
    refused = client.post("/feedback/give", data={"receiver_id": "bob", "kind": "praise", "text": "Goed gedaan"})
    assert refused.status_code == 403
    wrong = client.post("/feedback/give", data={"receiver_id": "bob", "kind": "praise", "text": "Goed gedaan", "csrf_token": "forged"})
    assert wrong.status_code == 403
    assert not [c for c in fakes.feedback.calls if c[0] == "GiveFeedback"]


def test_htmx_requests_may_send_the_csrf_token_as_a_header(client: TestClient, fakes: Stubs) -> None:
    sign_in(client)
    token = csrf(client.get("/feedback/give").text)
    answer = client.post(
        "/feedback/give", data={"receiver_id": "bob", "kind": "praise", "text": "Goed gedaan", "visibility": "public"},
        headers={"x-csrf-token": token}, follow_redirects=False,
    )
    assert answer.status_code == 303
    assert [c for c in fakes.feedback.calls if c[0] == "GiveFeedback"]


def test_the_development_sign_in_does_not_exist_when_its_flag_is_off(fakes: Stubs) -> None:
    with TestClient(create_app(config(dev_sign_in_requested=False), stubs=fakes)) as c:
        assert c.get("/signin/dev").status_code == 404
        token = csrf(c.get("/signin").text)
        assert c.post("/signin/dev", data={"person_id": "ann", "csrf_token": token}).status_code == 404


def test_the_development_sign_in_does_not_exist_outside_development_even_when_asked_for(fakes: Stubs) -> None:
    with TestClient(create_app(config(environment="production", dev_sign_in_requested=True), stubs=fakes)) as c:
        assert c.get("/signin/dev").status_code == 404


def test_the_development_sign_in_lists_the_directory_and_signs_in_as_that_person_only(client: TestClient, fakes: Stubs) -> None:
    page = client.get("/signin/dev")
    assert "Ann Peeters" in page.text and "Mo Manager" in page.text
    first_cookie = client.cookies.get("paars_session")
    sign_in(client, "ann")
    assert client.cookies.get("paars_session") != first_cookie, "signing in must give a fresh session id"
    client.get("/")
    token = next(md["authorization"] for name, _, md in fakes.feedback.calls if name == "ListFeedback")
    claims = jwt.decode(token.removeprefix("Bearer "), options={"verify_signature": False})
    assert claims["sub"] == "ann" and "roles" not in claims, "the services take her roles from the directory, not from the token"


def test_pages_need_a_signed_in_person(client: TestClient) -> None:
    answer = client.get("/goals", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/signin")


def test_sign_out_ends_the_session(client: TestClient) -> None:
    sign_in(client)
    token = csrf(client.get("/").text)
    client.post("/signout", data={"csrf_token": token})
    assert client.get("/", follow_redirects=False).status_code == 303


def test_a_field_the_service_refuses_is_shown_beside_it_and_in_the_summary_and_nothing_typed_is_lost(fakes: Stubs) -> None:
    fakes.feedback.answers["GiveFeedback"] = bad_request(("examples[0].impact", "is required"), ("visibility", "only praise can be public"))
    with TestClient(create_app(config(), stubs=fakes)) as client:
        sign_in(client)
        token = csrf(client.get("/feedback/give?receiver=bob").text)
        answer = client.post(
            "/feedback/give",
            data={"csrf_token": token, "receiver_id": "bob", "kind": "constructive", "text": "De overdracht kan beter.", "situation": "Dinsdag",
                  "behaviour": "Geen notities", "impact": "", "visibility": "public"},
            headers={"accept-language": "nl"},
        )
    assert answer.status_code == 422
    page = answer.text
    assert 'id="error-summary"' in page and 'href="#impact"' in page and 'href="#visibility"' in page
    assert re.search(r'id="impact-error".*is verplicht', page), "the message is beside the field, in Dutch"
    assert "alleen lof kan openbaar zijn" in page
    assert "De overdracht kan beter." in page and "Geen notities" in page and ">Dinsdag<" in page


def test_every_grpc_call_of_a_page_carries_the_persons_token(client: TestClient, fakes: Stubs) -> None:
    sign_in(client)
    client.get("/", headers={"x-correlation-id": "trace-123"})
    calls = [c for stub in (fakes.feedback, fakes.goals, fakes.notifications) for c in stub.calls]
    assert calls
    assert all(md.get("authorization", "").startswith("Bearer ") for _, _, md in calls)


def test_the_now_page_shows_prompts_and_the_stream_resumes_after_the_newest_one_shown(client: TestClient, fakes: Stubs) -> None:
    sign_in(client)
    page = client.get("/").text
    assert "Bob reached a milestone" in page and 'data-after="2"' in page
    assert "/feedback/give?receiver=bob&amp;prompt=p1" in page
    stream = client.get("/now/prompts?after=1", headers={"last-event-id": "1"})
    assert "id: 2\nevent: prompt\n" in stream.text and "p1" not in stream.text
    assert fakes.notifications.subscribed_after[-1] == 1


def test_a_prompt_opens_the_feedback_form_with_the_receiver_and_moment_filled_in(client: TestClient) -> None:
    sign_in(client)
    page = client.get("/feedback/give?receiver=bob&moment=2026-11-30T10:00&prompt=p1").text
    assert re.search(r'<option value="bob" selected>', page)
    assert 'value="2026-11-30T10:00"' in page and 'name="prompt_id" value="p1"' in page


def test_the_language_follows_accept_language_and_the_switch(client: TestClient) -> None:
    assert "Aanmelden" in client.get("/signin", headers={"accept-language": "nl-BE,nl;q=0.9"}).text
    english = client.get("/signin", headers={"accept-language": "en-GB"}).text
    assert "Sign in" in english and 'lang="en"' in english
    client.post("/language", data={"language": "nl", "next": "/signin", "csrf_token": csrf(english)})
    assert 'lang="nl"' in client.get("/signin", headers={"accept-language": "en-GB"}).text
    sign_in(client)
    client.post("/signout", data={"csrf_token": csrf(client.get("/").text)})
    assert 'lang="nl"' in client.get("/signin", headers={"accept-language": "en-GB"}).text, "the choice outlives the session it was made in"


def test_the_now_page_streams_from_the_latest_cursor_even_when_no_prompt_is_listed(client: TestClient, fakes: Stubs) -> None:
    fakes.notifications.answers["ListPrompts"] = nt.ListPromptsResponse(latest_cursor=7)
    sign_in(client)
    assert 'data-after="7"' in client.get("/").text, "a prompt released after this page arrives on its stream"


def test_a_signed_in_persons_stored_language_wins_over_accept_language_and_the_switch_stores_it(client: TestClient, fakes: Stubs) -> None:
    fakes.notifications.language = "en"
    sign_in(client)
    page = client.get("/", headers={"accept-language": "nl"}).text
    assert 'lang="en"' in page
    client.post("/language", data={"language": "nl", "next": "/", "csrf_token": csrf(page)})
    sent = [r for m, r, _ in fakes.notifications.calls if m == "SetPreferences"]
    assert [r.preferences.language for r in sent] == ["nl"]
    # The rest of the preferences is kept by the service: the mask names the language alone, and nothing
    # read from GetPreferences (effective values such as the directory's time zone) is written back.
    assert list(sent[0].update_mask.paths) == ["language"] and sent[0].preferences == nt.Preferences(language="nl")


def test_an_unknown_page_is_a_404_page(client: TestClient) -> None:
    assert client.get("/no-such-page").status_code == 404


def rich_stubs() -> Stubs:
    """Every list filled, so each page renders all its parts (goals to agree, feedback by visibility, reads)."""
    at = Timestamp(seconds=1_780_000_000)
    kr = gl.KeyResult(id="kr1", title="Cursussen", start_value=0, target_value=3, current_value=1, unit="stuks")
    proposed = gl.Goal(id="g1", kind=gl.GOAL_KIND_DEVELOPMENT, level=gl.GOAL_LEVEL_INDIVIDUAL, title="Leer Go", owner_id="ann", team_id="team-a",
                       key_results=[kr], agreement=gl.AGREEMENT_STATE_PROPOSED, awaiting_agreement_from="ann", proposed_by="mgr", version=1, due_date="2027-06-30")
    agreed = gl.Goal(id="g2", kind=gl.GOAL_KIND_WELLBEING, level=gl.GOAL_LEVEL_INDIVIDUAL, title="Pauzes nemen", owner_id="ann", team_id="team-a",
                     key_results=[kr], agreement=gl.AGREEMENT_STATE_AGREED, status=gl.GOAL_STATUS_AT_RISK, progress=0.3, expected_progress=0.5,
                     confidence=3, version=4, due_date="2027-01-31")
    organisation = gl.Goal(id="g0", kind=gl.GOAL_KIND_PERFORMANCE, level=gl.GOAL_LEVEL_ORGANISATION, title="Tevreden klanten", owner_id="mgr",
                           agreement=gl.AGREEMENT_STATE_AGREED, key_results=[kr])
    feedback = [
        fb.Feedback(id="f1", giver_id="bob", receiver_id="ann", kind=fb.FEEDBACK_KIND_CONSTRUCTIVE, relation=fb.RELATION_PEER, text="De overdracht kan beter.",
                    examples=[fb.Example(situation="Dinsdag", behaviour="Geen notities", impact="Klant herhaalde alles")],
                    visibility=ev.VISIBILITY_RECEIVER_AND_MANAGER, given_at=at),
        fb.Feedback(id="f2", giver_id="mgr", receiver_id="ann", kind=fb.FEEDBACK_KIND_PRAISE, relation=fb.RELATION_MANAGER, text="Sterke demo",
                    visibility=ev.VISIBILITY_PUBLIC, given_at=at, acknowledged=True, acknowledgement_note="Merci!", action_item_id="a1"),
        fb.Feedback(id="f3", receiver_id="ann", kind=fb.FEEDBACK_KIND_SUGGESTION, visibility=ev.VISIBILITY_ANONYMOUS_AGGREGATE, given_at=at),
    ]
    request = fb.FeedbackRequest(id="r1", requester_id="bob", subject_id="bob", recipient_id="ann", question="Hoe was mijn demo?", state=fb.FeedbackRequest.STATE_OPEN, created_at=at)
    mine = fb.FeedbackRequest(id="r2", requester_id="ann", subject_id="ann", external_name="Klant NV", question="Hoe was de levering?", state=fb.FeedbackRequest.STATE_ANSWERED, created_at=at)
    fakes = stubs()
    fakes.goals.answers.update(
        ListGoals=gl.ListGoalsResponse(goals=[proposed, agreed]),
        ListTeamGoals=gl.ListTeamGoalsResponse(goals=[agreed, organisation], rolled_up_progress=0.3, expected_progress=0.5, agreed_goals=1),
        GetGoal=gl.GoalDetail(goal=proposed, comments=[gl.Comment(id="c1", author_id="mgr", text="Mooi doel", created_at=at, counter_proposal=True)],
                              check_ins=[gl.CheckIn(id="k1", author_id="ann", note="Goed bezig", confidence=4, created_at=at)]),
        GetAlignmentTree=gl.AlignmentNode(goal=organisation, children=[gl.AlignmentNode(goal=agreed)]),
    )
    fakes.org.answers["ListTeams"] = org_pb2.ListTeamsResponse(teams=[org_pb2.Team(id="org", name="Paars NV"), org_pb2.Team(id="team-a", parent_team_id="org")])
    fakes.feedback.answers.update(
        ListFeedback=fb.ListFeedbackResponse(feedback=feedback),
        ListFeedbackRequests=lambda r: fb.ListFeedbackRequestsResponse(requests=[request] if r.recipient_id else [mine]),
        ListReads=fb.ListReadsResponse(reads=[fb.ReadRecord(reader_id="mgr", reader_role="manager", feedback_id="f1", path="GetFeedback", read_at=at)]),
    )
    return fakes


PAGES = ["/", "/feedback/give", "/feedback/give?request=r1", "/feedback/received", "/feedback/requests", "/goals", "/goals/g1", "/goals/cascade", "/reads", "/r/some-link-token"]


@pytest.mark.parametrize("language", ["nl", "en"])
def test_every_page_renders_all_its_parts_in_both_languages(language: str) -> None:
    with TestClient(create_app(config(), stubs=rich_stubs())) as client:
        sign_in(client)
        for path in PAGES:
            answer = client.get(path, headers={"accept-language": language})
            assert answer.status_code == 200, f"{path}: {answer.status_code}"
            assert f'<html lang="{language}">' in answer.text and '<main id="main"' in answer.text and 'class="skip-link"' in answer.text
    page = answer.text
    assert "style=" not in page


def test_the_now_page_lists_what_waits_for_me_and_my_goals(fakes: Stubs) -> None:
    with TestClient(create_app(config(), stubs=rich_stubs())) as client:
        sign_in(client)
        page = client.get("/", headers={"accept-language": "en"}).text
    assert "Bob Claes asks for your feedback" in page and "/feedback/give?request=r1" in page
    assert "/feedback/received#feedback-f1" in page, "unacknowledged feedback waits"
    assert "feedback-f2" not in page, "acknowledged feedback no longer waits"
    assert 'id="waiting-goals"' in page and "Leer Go" in page
    assert "Wellbeing" in page and "Development" in page, "the kind is visible"


def test_feedback_i_received_is_grouped_by_who_may_see_it_and_anonymous_feedback_names_nobody() -> None:
    with TestClient(create_app(config(), stubs=rich_stubs())) as client:
        sign_in(client)
        page = client.get("/feedback/received", headers={"accept-language": "en"}).text
    assert page.index("The two of you and their manager") < page.index("Everyone in the organisation") < page.index("Nobody sees your name")
    assert "from someone who stays anonymous" in page
    assert 'action="/feedback/f1/acknowledge"' in page and 'action="/feedback/f2/acknowledge"' not in page


def test_acknowledging_with_a_strength_to_build_creates_an_action_item_in_the_same_call() -> None:
    fakes = rich_stubs()
    fakes.feedback.answers["AcknowledgeFeedback"] = fb.Feedback(id="f1", acknowledged=True)
    with TestClient(create_app(config(), stubs=fakes)) as client:
        sign_in(client)
        token = csrf(client.get("/feedback/received").text)
        answer = client.post("/feedback/f1/acknowledge", data={"csrf_token": token, "note": "Dank je", "action_kind": "build_strength", "action_title": "Notities delen"}, follow_redirects=False)
    assert answer.status_code == 303
    _, request, _ = next(c for c in fakes.feedback.calls if c[0] == "AcknowledgeFeedback")
    assert request.create_action_item and request.action_kind == fb.ACTION_KIND_BUILD_STRENGTH and request.note == "Dank je"


@pytest.mark.parametrize(("state", "words"), [
    (fb.LINK_STATE_USED, "This link has already been used"), (fb.LINK_STATE_DECLINED, "This request was declined"),
    (fb.LINK_STATE_REVOKED, "This link was withdrawn"), (fb.LINK_STATE_EXPIRED, "This link has expired"),
])
def test_a_customer_link_that_no_longer_works_says_why_in_plain_words_before_anything_is_typed(state: int, words: str) -> None:
    fakes = stubs()
    fakes.feedback.answers["GetLink"] = fb.Link(kind=fb.Link.KIND_FEEDBACK_REQUEST, state=state, subject_name="Ann Peeters")
    with TestClient(create_app(config(), stubs=fakes)) as client:
        page = client.get("/r/old-token", headers={"accept-language": "en"})
    assert page.status_code == 410
    assert words in page.text and 'id="customer-form"' not in page.text
    _, request, metadata = fakes.feedback.calls[-1]
    assert request.external_token == "old-token" and "authorization" not in metadata


def test_an_unknown_customer_link_says_so() -> None:
    fakes = stubs()
    fakes.feedback.answers["GetLink"] = grpc.aio.AioRpcError(grpc.StatusCode.NOT_FOUND, grpc.aio.Metadata(), grpc.aio.Metadata(), "external_token: this link is not valid")
    with TestClient(create_app(config(), stubs=fakes)) as client:
        page = client.get("/r/nonsense", headers={"accept-language": "en"})
    assert page.status_code == 410 and "This link does not work" in page.text


def test_a_customer_can_decline_through_the_link() -> None:
    fakes = stubs()
    fakes.feedback.answers["DeclineFeedbackRequest"] = fb.FeedbackRequest(id="r1", state=fb.FeedbackRequest.STATE_DECLINED)
    with TestClient(create_app(config(), stubs=fakes)) as client:
        form = client.get("/r/a-token", headers={"accept-language": "en"})
        assert "Ann Peeters asks for your feedback." in form.text and "Hoe was de levering?" in form.text
        answer = client.post("/r/a-token/decline", data={"csrf_token": csrf(form.text), "reason": "Geen tijd"}, headers={"accept-language": "en"})
    assert answer.status_code == 200 and "You declined this request" in answer.text
    _, request, _ = fakes.feedback.calls[-1]
    assert request.external_token == "a-token" and request.reason == "Geen tijd"


def test_a_refused_form_is_explained_in_the_visitors_language(client: TestClient) -> None:
    refused = client.post("/language", data={"language": "en"}, headers={"accept-language": "nl"})
    assert refused.status_code == 403 and "Dit formulier is verlopen" in refused.text


def test_a_token_the_services_refuse_signs_the_person_out(fakes: Stubs) -> None:
    fakes.goals.answers["ListGoals"] = grpc.aio.AioRpcError(grpc.StatusCode.UNAUTHENTICATED, grpc.aio.Metadata(), grpc.aio.Metadata(), "token expired")
    with TestClient(create_app(config(), stubs=fakes)) as client:
        sign_in(client)
        answer = client.get("/goals", follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/signin")
        assert client.get("/reads", follow_redirects=False).status_code == 303, "the session is gone"


def test_the_customer_page_works_without_an_account_and_fits_a_phone() -> None:
    with TestClient(create_app(config(), stubs=stubs())) as client:
        page = client.get("/r/a-token", follow_redirects=False)
    assert page.status_code == 200
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in page.text
    assert 'id="nav-now"' not in page.text, "no account, no navigation into the app"


def test_acknowledging_with_htmx_swaps_just_that_feedback_in_place() -> None:
    fakes = rich_stubs()
    fakes.feedback.answers["AcknowledgeFeedback"] = fb.Feedback(id="f1", acknowledged=True)
    fakes.feedback.answers["GetFeedback"] = fb.Feedback(id="f1", giver_id="bob", kind=fb.FEEDBACK_KIND_PRAISE, acknowledged=True, acknowledgement_note="Dank je")
    with TestClient(create_app(config(), stubs=fakes)) as client:
        sign_in(client)
        page = client.get("/feedback/received", headers={"accept-language": "en"}).text
        assert 'hx-post="/feedback/f1/acknowledge"' in page and 'hx-target="#feedback-f1"' in page
        fragment = client.post(
            "/feedback/f1/acknowledge", data={"note": "Dank je"}, headers={"hx-request": "true", "x-csrf-token": csrf(page), "accept-language": "en"},
        )
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith('<li class="feedback" id="feedback-f1">') and "<html" not in fragment.text
    assert "You said thank you." in fragment.text


def test_the_cascade_climbs_from_my_goals_to_the_organisations_and_shows_the_tree_from_there() -> None:
    org = gl.Goal(id="g-org", level=gl.GOAL_LEVEL_ORGANISATION, kind=gl.GOAL_KIND_PERFORMANCE, title="Tevreden klanten", owner_id="mgr", agreement=gl.AGREEMENT_STATE_AGREED)
    team = gl.Goal(id="g-team", level=gl.GOAL_LEVEL_TEAM, kind=gl.GOAL_KIND_PERFORMANCE, title="Sneller antwoorden", owner_id="mgr", parent_goal_id="g-org", agreement=gl.AGREEMENT_STATE_AGREED)
    mine = gl.Goal(id="g-mine", level=gl.GOAL_LEVEL_INDIVIDUAL, kind=gl.GOAL_KIND_DEVELOPMENT, title="Leer het ticketsysteem", owner_id="ann", parent_goal_id="g-team", agreement=gl.AGREEMENT_STATE_AGREED)
    fakes = stubs()
    fakes.goals.answers.update(
        ListGoals=gl.ListGoalsResponse(goals=[mine]), ListTeamGoals=gl.ListTeamGoalsResponse(goals=[team]),
        GetGoal=lambda r: gl.GoalDetail(goal={"g-org": org, "g-team": team}[r.goal_id]),
        GetAlignmentTree=lambda r: gl.AlignmentNode(goal=org, children=[gl.AlignmentNode(goal=team, children=[gl.AlignmentNode(goal=mine)])]),
    )
    with TestClient(create_app(config(), stubs=fakes)) as client:
        sign_in(client)
        page = client.get("/goals/cascade", headers={"accept-language": "en"}).text
    assert [r.goal_id for name, r, _ in fakes.goals.calls if name == "GetAlignmentTree"] == ["g-org"]
    assert page.index("Tevreden klanten") < page.index("Sneller antwoorden") < page.index("Leer het ticketsysteem")
    assert "Organisation" in page and "Performance" in page and "Development" in page


def test_an_expired_directory_still_serves_pages_while_it_refreshes_once_and_a_failed_refresh_keeps_the_copy(client: TestClient, fakes: Stubs) -> None:
    sign_in(client)
    web = client.app.state.web  # type: ignore[attr-defined]
    assert "Bob Claes" in client.get("/feedback/give").text
    org = fakes.org
    listed = sum(1 for m, _, _ in org.calls if m == "ListEmployees")  # type: ignore[attr-defined]

    def expire() -> None:
        fetched_at, people = web._directory
        web._directory = (fetched_at - 31.0, people)

    expire()
    org.answers["ListEmployees"] = grpc.aio.AioRpcError(grpc.StatusCode.UNAVAILABLE, grpc.aio.Metadata(), grpc.aio.Metadata(), "goals is restarting")  # type: ignore[attr-defined]
    page = client.get("/feedback/give")
    assert page.status_code == 200 and "Bob Claes" in page.text, "the copy in hand serves the page"
    renamed = [*PEOPLE[:2], org_pb2.Employee(id="bob", name="Bob Janssens", manager_id="mgr", team_id="team-a", active=True)]
    org.answers["ListEmployees"] = org_pb2.ListEmployeesResponse(employees=renamed)  # type: ignore[attr-defined]
    pages = [client.get("/feedback/give").text for _ in range(5)]
    assert "Bob Janssens" in pages[-1]
    assert sum(1 for m, _, _ in org.calls if m == "ListEmployees") == listed + 2, "one refresh after the failed one, not one per page"  # type: ignore[attr-defined]


class InFlight:
    """Wraps a fake stub: each list call takes 50 ms, and the most calls in flight at once is kept."""

    most = 0
    now = 0

    def __init__(self, stub: Any) -> None:
        self.stub = stub

    def __getattr__(self, method: str) -> Any:
        real = getattr(self.stub, method)

        async def call(request: Any, metadata: Any = (), timeout: float | None = None) -> Any:
            if method.startswith("List"):
                InFlight.now += 1
                InFlight.most = max(InFlight.most, InFlight.now)
                await asyncio.sleep(0.05)
                InFlight.now -= 1
            return await real(request, metadata=metadata, timeout=timeout)

        return call


def test_the_now_page_makes_its_grpc_calls_at_the_same_time(fakes: Stubs) -> None:
    slow = Stubs(goals=InFlight(fakes.goals), org=fakes.org, feedback=InFlight(fakes.feedback), notifications=InFlight(fakes.notifications), analytics=fakes.analytics)
    with TestClient(create_app(config(), stubs=slow), base_url="http://127.0.0.1:8080") as client:
        sign_in(client, "mgr")
        InFlight.most = 0
        page = client.get("/")
    # ListPrompts, ListFeedbackRequests, ListFeedback, ListGoals for Mo and one per report (Ann, Bob).
    assert page.status_code == 200 and InFlight.most == 6


def test_every_prompt_kind_has_a_label_on_the_now_page() -> None:
    from paars.notifications.v1 import notifications_pb2 as nt
    from paars_web import views

    kinds = {value.number for value in nt.PromptKind.DESCRIPTOR.values if value.number != nt.PROMPT_KIND_UNSPECIFIED}
    assert kinds - set(views.PROMPT_KIND_LABELS) == set(), "a prompt of a new kind would show without a name"
