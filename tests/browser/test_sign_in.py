"""Signing in at the organisation's OpenID provider: the person's own token reaches the services, nothing more."""
from __future__ import annotations

import re
import urllib.error
import urllib.request

import grpc
import pytest

from paars.goals.v1 import goals_pb2 as gl
from paars.goals.v1 import goals_pb2_grpc
from tests.browser.conftest import AUDIENCE, Paars
from tests.browser.journey import assert_accessible, screenshot, sign_in

# Whole service processes, an OpenID provider and a browser, like tests/e2e.
pytestmark = pytest.mark.e2e


def test_a_person_signs_in_at_the_provider_and_the_now_page_shows_what_the_services_say(page, paars: Paars) -> None:
    goal = paars.as_person("ruben", "goals", goals_pb2_grpc.GoalServiceStub, "ProposeGoal", gl.ProposeGoalRequest(
        kind=gl.GOAL_KIND_DEVELOPMENT, level=gl.GOAL_LEVEL_INDIVIDUAL, owner_id="ruben", title="Leer de nieuwe CRM-koppeling kennen",
        key_results=[gl.KeyResult(title="koppelingen getest", start_value=0, target_value=5)], due_date="2031-06-30",
    ))
    sign_in(page, "ruben", at_the_form=True)
    # The Now page lists a goal only goals knows of, fetched with the token the provider gave Ruben.
    page.locator("#my-goals").get_by_text(goal.title).wait_for()
    assert page.locator(".who").inner_text() == "Ruben Willems"
    assert_accessible(page, "the Now page")
    screenshot(page, "now")


def test_a_token_for_another_audience_is_refused_by_every_service(paars: Paars) -> None:
    request = gl.ListGoalsRequest(owner_id="noor")
    assert paars.call("goals", goals_pb2_grpc.GoalServiceStub, "ListGoals", request, paars.metadata("noor")) is not None
    # Same provider key, issuer and person; only the audience differs.
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        paars.call("goals", goals_pb2_grpc.GoalServiceStub, "ListGoals", request, paars.metadata("noor", audience="https://elsewhere.test/api"))
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert AUDIENCE not in (refused.value.details() or "")


def test_signing_out_ends_the_session_here_and_at_the_provider(page, paars: Paars) -> None:
    sign_in(page, "noor", at_the_form=True)
    [cookie] = [c for c in page.context.cookies() if c["name"] == "paars_session"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    page.locator("#sign-out").click()
    page.get_by_role("button", name="Yes, sign me out").click()
    page.wait_for_url(re.compile(r"/signin(\?|$)"))
    # The old cookie no longer opens anything, and signing in asks the provider's login form again.
    replay = urllib.request.Request(f"{paars.web_url}/", headers={"Cookie": f"paars_session={cookie['value']}"})
    with pytest.raises(urllib.error.HTTPError) as redirected:
        urllib.request.build_opener(NoRedirect).open(replay, timeout=5)
    assert redirected.value.code == 303 and redirected.value.headers["location"].startswith("/signin")
    page.goto("/")
    page.locator('#sign-in-options a[href^="/signin/oidc"]').click()
    page.locator("input[name=login]").wait_for()


def test_a_callback_this_browser_did_not_start_signs_nobody_in(page, paars: Paars) -> None:
    answer = page.goto("/signin/oidc/callback?code=stolen&state=made-up")
    assert answer is not None and answer.status == 400
    page.goto("/")
    page.wait_for_url(re.compile(r"/signin"))


def test_without_the_development_flag_there_is_no_development_sign_in(page, paars: Paars) -> None:
    answer = page.goto("/signin/dev")
    assert answer is not None and answer.status == 404
    page.goto("/signin")
    assert page.locator('#sign-in-options a[href^="/signin/dev"]').count() == 0


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None
