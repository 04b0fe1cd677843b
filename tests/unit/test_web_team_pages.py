"""The team section with fake stubs: the team page shows what analytics answers and nothing it refused, the
directory import sends nothing while a row is wrong, preferences go out with their update mask."""
from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest
from starlette.testclient import TestClient

from paars.analytics.v1 import analytics_pb2 as an
from paars.conversations.v1 import conversations_pb2 as cv
from paars.notifications.v1 import notifications_pb2 as nt
from paars.org.v1 import org_pb2
from paars_web.app import create_app
from paars_web.clients import Stubs
from paars_web.team_pages import parse_directory_csv
from tests.unit.test_web_app import Recorder, bad_request, config, csrf, sign_in, stubs


def refused(code: grpc.StatusCode = grpc.StatusCode.PERMISSION_DENIED) -> grpc.aio.AioRpcError:
    return grpc.aio.AioRpcError(code, grpc.aio.Metadata(), grpc.aio.Metadata(), "not yours")


def sense_making(request: an.GetSenseMakingRequest) -> an.SenseMaking:
    if request.employee_id == "bob":
        raise refused()
    if request.team_id:
        return an.SenseMaking(team_id=request.team_id, people=3, feedback_received=7, received_with_example=2, feedback_sources=3, performance_goals=3)
    return an.SenseMaking(employee_id=request.employee_id, people=1, milestones=1, feedback_received=0, performance_goals=1)


def overview(request: an.GetTeamOverviewRequest) -> an.TeamOverview:
    """As analytics answers: what the caller may not read (Bob's card) is left out."""
    cards = []
    for employee_id in request.employee_ids:
        try:
            cards.append(sense_making(an.GetSenseMakingRequest(employee_id=employee_id)))
        except grpc.aio.AioRpcError:
            continue
    return an.TeamOverview(
        rollups=[an.TeamRollup(team_id=t, people=3, goal_progress=0.4, expected_progress=0.5, feedback_coverage=2 / 3,
                               people_without_feedback_30d=1, average_performance_score=0.6, average_development_score=0.3) for t in request.team_ids],
        team_cards=[sense_making(an.GetSenseMakingRequest(team_id=t)) for t in request.team_ids],
        person_cards=cards,
        insights=[an.Insight(
            id="i1", kind=an.INSIGHT_KIND_FEEDBACK_DROUGHT, severity=an.SEVERITY_ATTENTION, subject_id="ann", reason="No feedback received since 31 days.",
            params={"days": "31", "variant": "since_last"}, actors=["ann", "mgr"], open=True,
        )],
        calibration=an.Calibration(enough=False, min_ratings=3),
        story_alignments=[an.StoryAlignment(team_id=t, story_version=2, k=3, people=an.StoryCount(value=4), parts=[
            an.StoryPart(key="value.openness", kind="value", title_nl="Openheid", title_en="Openness",
                         lived_in_feedback=an.StoryCount(value=3), served_by_goals=an.StoryCount(hidden=True)),
            an.StoryPart(key="theme.clients", kind="theme", title_nl="Klanten", title_en="Clients",
                         lived_in_feedback=an.StoryCount(), served_by_goals=an.StoryCount(), untouched=True),
        ]) for t in request.team_ids],
    )


@pytest.fixture
def fakes() -> Stubs:
    s = stubs()
    s.org = Recorder(
        ListEmployees=org_pb2.ListEmployeesResponse(employees=[
            *s.org.answers["ListEmployees"].employees,
        ]),
        ListTeams=org_pb2.ListTeamsResponse(teams=[org_pb2.Team(id="team-a", name="Team A", manager_id="mgr")]),
        ImportDirectory=org_pb2.ImportDirectoryResponse(employees_created=2),
    )
    s.analytics = Recorder(
        GetTeamOverview=overview,
        GetCalibration=an.Calibration(enough=False, min_ratings=3),
        ListPitfalls=an.ListPitfallsResponse(teams=[
            an.TeamPitfalls(team_id="team-a", people=3, feedback_without_examples=True, example_share=0.2, stalled_goal_people=1),
            an.TeamPitfalls(team_id="tiny", people=2, suppressed=True),
        ]),
    )
    s.notifications.answers["ListWebhooks"] = nt.ListWebhooksResponse()
    return s


@pytest.fixture
def client(fakes: Stubs) -> Iterator[TestClient]:
    with TestClient(create_app(config(), stubs=fakes), base_url="http://127.0.0.1:8080") as c:
        yield c


def test_the_team_page_shows_the_roll_up_the_cards_and_the_insights_in_the_readers_language(client: TestClient, fakes: Stubs) -> None:
    sign_in(client, "mgr")
    page = client.get("/team", headers={"accept-language": "nl"})
    assert page.status_code == 200
    text = page.text
    assert "40% gedaan waar nu 50% verwacht werd." in text
    assert "Ann Peeters kreeg al 31 dagen geen feedback." in text and 'href="/feedback/give?receiver=ann"' in text
    assert 'id="card-ann"' in text and "Mijlpalen van doelen gehaald: 1." in text
    # Bob's card was refused by analytics: it is left out, not shown as zeros.
    assert 'id="card-bob"' not in text
    assert "Enkel prestatiedoelen" in text, "the team's card says what the counts may mean"
    assert 'id="calibration-not-enough"' in text
    # One analytics call for the whole page, under the manager's own token.
    [(method, asked, md)] = fakes.analytics.calls
    assert method == "GetTeamOverview" and list(asked.team_ids) == ["team-a"] and list(asked.employee_ids) == ["ann", "bob"]
    assert md.get("authorization", "").startswith("Bearer ")


def test_the_team_page_shows_the_values_lived_and_themes_served_from_the_same_one_call(client: TestClient, fakes: Stubs) -> None:
    sign_in(client, "mgr")
    text = client.get("/team", headers={"accept-language": "en"}).text
    # The story section's partial, under the team page's heading, for the top team of the tree.
    assert 'id="story-alignment"' in text and "How the team's work serves the story" in text and "The story as it lives in Team A" in text
    assert 'id="alignment-value-openness"' in text and "Lived in feedback: 3 people" in text
    # A count of fewer than k people is said as such, never as a number; what nobody touches is named.
    assert "Goals serve it: fewer than three people" in text
    assert "Nobody&#39;s goals or feedback touch this yet." in text or "Nobody's goals or feedback touch this yet." in text
    dutch = client.get("/team", headers={"accept-language": "nl"}).text
    assert "Openheid" in dutch and "Hoe het werk van het team het verhaal dient" in dutch
    assert [method for method, _asked, _md in fakes.analytics.calls] == ["GetTeamOverview", "GetTeamOverview"]


def test_the_team_page_shows_the_managers_own_hats_asked_of_conversations_and_leaves_them_out_when_refused(client: TestClient, fakes: Stubs) -> None:
    fakes.conversations = Recorder(GetHatMix=cv.HatMix(days=90, leader=2, manager=3, coach=1))
    sign_in(client, "mgr")
    text = client.get("/team", headers={"accept-language": "en"}).text
    assert 'id="my-hats"' in text and "leader 2, manager 3, coach 1 times. Only you see this." in text
    [(method, asked, md)] = fakes.conversations.calls
    assert method == "GetHatMix" and asked.days == 90 and md.get("authorization", "").startswith("Bearer ")
    # The hats never go through analytics: the one analytics call stays the overview.
    assert [m for m, _a, _md in fakes.analytics.calls] == ["GetTeamOverview"]
    assert "leider 2, manager 3, coach 1 keer" in client.get("/team", headers={"accept-language": "nl"}).text
    fakes.conversations.answers["GetHatMix"] = refused(grpc.StatusCode.UNAVAILABLE)
    page = client.get("/team", headers={"accept-language": "en"})
    assert page.status_code == 200 and 'id="my-hats"' not in page.text and 'id="roll-up"' in page.text


def test_without_an_alignment_in_the_answer_the_team_page_shows_none(client: TestClient, fakes: Stubs) -> None:
    fakes.analytics.answers["GetTeamOverview"] = lambda request: an.TeamOverview(calibration=an.Calibration(enough=False, min_ratings=3))
    sign_in(client, "mgr")
    page = client.get("/team")
    assert page.status_code == 200 and 'id="story-alignment"' not in page.text


NAV_IDS = ('id="nav-team"', 'id="nav-hr"', 'id="nav-preferences"')


@pytest.mark.parametrize(("person", "shown"), [
    # An employee: their preferences only; a manager (people report to them): their team too; HR: the HR pages;
    # an employee who has reports without the manager role is a manager for the menu all the same.
    ("ann", {'id="nav-preferences"'}), ("mgr", {'id="nav-team"', 'id="nav-preferences"'}),
    ("hr", {'id="nav-hr"', 'id="nav-preferences"'}), ("lead", {'id="nav-team"', 'id="nav-preferences"'}),
])
def test_the_menu_shows_my_team_to_managers_hr_to_hr_and_preferences_to_everyone(client: TestClient, fakes: Stubs, person: str, shown: set[str]) -> None:
    fakes.org.answers["ListEmployees"] = org_pb2.ListEmployeesResponse(employees=[
        *fakes.org.answers["ListEmployees"].employees,
        org_pb2.Employee(id="hr", name="Hilde HR", team_id="org", roles=[org_pb2.ROLE_HR], active=True),
        org_pb2.Employee(id="lead", name="Lea Lead", team_id="team-a", roles=[org_pb2.ROLE_EMPLOYEE], active=True),
        org_pb2.Employee(id="cas", name="Cas Cools", manager_id="lead", team_id="team-a", roles=[org_pb2.ROLE_EMPLOYEE], active=True),
    ])
    sign_in(client, person)
    listed = sum(1 for method, _r, _m in fakes.org.calls if method == "ListEmployees")
    page = client.get("/feedback/received")
    assert {i for i in NAV_IDS if i in page.text} == shown
    assert 'id="nav-now"' in page.text and 'id="nav-story"' in page.text, "the other sections' links are for everyone"
    # Read once at sign-in from the directory copy: a page asks the directory for nothing more for the menu.
    assert sum(1 for method, _r, _m in fakes.org.calls if method == "ListEmployees") == listed


def test_the_menu_leaves_links_out_not_the_pages_what_a_page_shows_is_the_services_answer(client: TestClient, fakes: Stubs) -> None:
    sign_in(client, "ann")
    page = client.get("/hr")
    assert 'id="nav-hr"' not in page.text
    # The page is still served, with what analytics answers ann (here: nothing she oversees).
    assert page.status_code == 200 and [m for m, _r, _md in fakes.analytics.calls] == ["ListPitfalls", "GetCalibration"]


def test_a_directory_that_cannot_answer_at_sign_in_is_asked_again_for_the_menu(client: TestClient, fakes: Stubs) -> None:
    people = fakes.org.answers["ListEmployees"]
    asked: list[int] = []

    def list_employees(request: org_pb2.ListEmployeesRequest) -> org_pb2.ListEmployeesResponse:
        # The sign-in form's own lists (its page, its post) answer; the read for the session at sign-in does not.
        asked.append(1)
        if len(asked) == 3:
            raise refused(grpc.StatusCode.UNAVAILABLE)
        return people

    fakes.org.answers["ListEmployees"] = list_employees
    sign_in(client, "mgr")
    assert len(asked) == 3
    assert 'id="nav-team"' in client.get("/feedback/received").text and len(asked) == 4


def test_the_pitfall_monitor_shows_what_analytics_found_and_nothing_for_a_team_below_k(client: TestClient) -> None:
    sign_in(client, "mgr")
    text = client.get("/hr", headers={"accept-language": "en"}).text
    assert "Feedback without examples: only 20% came with a concrete example." in text and 'href="#do-examples"' in text
    assert "Stalled goals: for 1 of the people" in text
    tiny = text.split('id="pitfalls-tiny"')[1].split("</li>")[0]
    assert "Too few people" in tiny and "Recency" not in tiny


CSV = "id,name,email,manager_id,team_id,roles,active\nnina,Nina Smet,nina@paars.example,jan,product,employee,yes\nomar,Omar Baert,,jan,product,boss,maybe\n"


def test_a_wrong_row_is_named_with_its_line_and_nothing_is_sent(client: TestClient, fakes: Stubs) -> None:
    sign_in(client, "mgr")
    token = csrf(client.get("/hr/import").text)
    answer = client.post("/hr/import", data={"csrf_token": token, "csv_text": CSV, "action": "import"}, headers={"accept-language": "en"})
    assert answer.status_code == 422
    assert "Line 3: email: is empty; roles: unknown role boss" in answer.text and "active: write yes or no" in answer.text
    assert not [c for c in fakes.org.calls if c[0] == "ImportDirectory"]


def test_the_services_refusal_of_a_row_is_shown_on_that_row(client: TestClient, fakes: Stubs) -> None:
    fakes.org.answers["ImportDirectory"] = bad_request(("employees[1].manager_id", "unknown employee 'nobody'"))
    sign_in(client, "mgr")
    token = csrf(client.get("/hr/import").text)
    good = CSV.replace(",,jan,product,boss,maybe", ",omar@paars.example,nobody,product,employee,no")
    answer = client.post("/hr/import", data={"csrf_token": token, "csv_text": good, "action": "import"}, headers={"accept-language": "nl"})
    assert answer.status_code == 422 and "Regel 3: manager_id: deze persoon bestaat niet: nobody" in answer.text
    [(_m, sent, _md)] = [c for c in fakes.org.calls if c[0] == "ImportDirectory"]
    assert [e.id for e in sent.employees] == ["nina", "omar"] and not sent.employees[1].active


def test_a_file_without_the_columns_says_which_are_missing() -> None:
    preview = parse_directory_csv("naam;email\nAn;an@x.be\n", lambda s: s)
    assert not preview.ok and "missing: id, name, team_id." in preview.problems[0]
    assert parse_directory_csv(CSV.splitlines()[0] + "\n" + CSV.splitlines()[1] + "\n", lambda s: s).ok


def test_preferences_are_saved_with_a_mask_and_a_refusal_keeps_what_was_typed(client: TestClient, fakes: Stubs) -> None:
    sign_in(client, "ann")
    token = csrf(client.get("/preferences").text)
    form = {"csrf_token": token, "language": "en", "channels": ["in_app", "email"], "quiet_start": "18:00", "quiet_end": "08:00",
            "daily_digest": "on", "weekly_budget": "7", "time_zone": "Europe/Brussels"}
    answer = client.post("/preferences", data=form, follow_redirects=False)
    assert answer.status_code == 303
    [(_m, sent, _md)] = [c for c in fakes.notifications.calls if c[0] == "SetPreferences"]
    assert set(sent.update_mask.paths) == {"language", "channels", "quiet_start", "quiet_end", "time_zone", "daily_digest", "weekly_budget"}
    assert list(sent.preferences.channels) == [nt.CHANNEL_IN_APP, nt.CHANNEL_EMAIL] and sent.preferences.weekly_budget == 7
    fakes.notifications.answers["SetPreferences"] = bad_request(("preferences.quiet_start", "must be HH:MM"))
    # The first save chose English for this person: the refusal speaks it, beside the field, with all typed kept.
    again = client.post("/preferences", data={**form, "language": "nl", "quiet_start": "zes uur"})
    assert again.status_code == 422 and 'id="quiet_start-error"' in again.text and "must be HH:MM" in again.text
    assert 'value="zes uur"' in again.text and 'value="Europe/Brussels"' in again.text
    assert 'id="language-nl" name="language" value="nl" checked' in again.text
    budget = client.post("/preferences", data={**form, "weekly_budget": "veel"}, headers={"accept-language": "en"})
    assert budget.status_code == 422 and 'id="weekly_budget-error"' in budget.text


def test_an_uploaded_file_is_previewed_and_its_form_needs_the_csrf_token_like_any_other(client: TestClient) -> None:
    sign_in(client, "mgr")
    token = csrf(client.get("/hr/import").text)
    files = {"file": ("people.csv", CSV.encode(), "text/csv")}
    answer = client.post("/hr/import", data={"csrf_token": token, "action": "preview"}, files=files, headers={"accept-language": "en"})
    assert answer.status_code == 422 and 'id="row-2"' in answer.text and 'id="row-3"' in answer.text
    forged = client.post("/hr/import", data={"csrf_token": "forged", "action": "preview"}, files=files)
    assert forged.status_code == 403
