"""The story section with fake stubs: the story read in one language or side by side, the check pointing at the
words, a proposal's refusal beside its field in the reader's language, publishing below the threshold."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import grpc
import pytest
from starlette.testclient import TestClient

from paars.org.v1 import org_pb2
from paars.story.v1 import story_pb2 as pb
from paars_web.app import create_app
from paars_web.clients import Stubs
from paars_web.story_pages import Segment, behaviours, marked, parse_jargon, slug
from tests.unit.test_web_app import PEOPLE, Recorder, bad_request, config, csrf, sign_in, stubs

HR = org_pb2.Employee(id="hr", name="Hanne HR", team_id="team-a", roles=[org_pb2.ROLE_HR], active=True)
VALUE = pb.Passage(
    key="value.openness", kind=pb.PASSAGE_KIND_VALUE, title=pb.LocalizedText(nl="Open", en="Open"),
    text=pb.LocalizedText(nl="Wij zeggen wat we denken.", en="We say what we think."),
    behaviours=[pb.LocalizedText(nl="Je vraagt om feedback.", en="You ask for feedback.")],
)
MISSION = pb.Passage(
    key="mission", kind=pb.PASSAGE_KIND_MISSION, title=pb.LocalizedText(nl="Missie", en="Mission"),
    text=pb.LocalizedText(nl="De implementatie wordt door ons gerealiseerd.", en="We help teams grow."),
)
CHECKS = [
    pb.PassageCheck(passage_key="mission", checks=[
        pb.TextCheck(
            language="nl", score=41.0, score_name="Flesch-Douma", threshold=60, below_threshold=True,
            findings=[
                pb.Finding(kind=pb.FINDING_KIND_LOW_READABILITY, start=0, end=45, words=MISSION.text.nl, suggestion="Score 41, de drempel is 60."),
                pb.Finding(kind=pb.FINDING_KIND_NOMINALISATION, start=3, end=16, words="implementatie", suggestion="schrijf liever “implementeren”"),
                pb.Finding(kind=pb.FINDING_KIND_PASSIVE, start=17, end=44, words="wordt door ons gerealiseerd", suggestion="schrijf het actief"),
            ],
        ),
        pb.TextCheck(language="en", score=90.0, score_name="Flesch reading ease", threshold=60),
    ]),
]
PUBLISHED = pb.StoryVersion(version=1, published=True, passages=[MISSION, VALUE], published_by="hr", contributor_ids=["ann", "hr"])
DRAFT = pb.StoryVersion(version=2, passages=[MISSION, VALUE], updated_by="hr", checks=CHECKS)


def story_stubs(story: Recorder) -> Stubs:
    base = stubs()
    base.org = Recorder(ListEmployees=org_pb2.ListEmployeesResponse(employees=[*PEOPLE, HR]), ListTeams=org_pb2.ListTeamsResponse())
    base.story = story
    return base


@pytest.fixture
def story() -> Recorder:
    return Recorder(
        GetStory=pb.GetStoryResponse(published=PUBLISHED, draft=DRAFT),
        MarkStoryRead=pb.MarkStoryReadResponse(),
        GetTeamStory=pb.GetTeamStoryResponse(
            published=pb.TeamStory(team_id="team-a", version=1, published=True, text=pb.LocalizedText(nl="Wij helpen.", en="We help."), value_keys=["value.openness"]),
            manager_id="mgr",
        ),
        GetAmbition=lambda r: pb.Ambition(employee_id=r.employee_id, text="Een team leiden.", passage_keys=["value.openness"]),
        SetJargon=pb.JargonList(),
        ListProposals=pb.ListProposalsResponse(proposals=[pb.Proposal(proposal_id="p1", author_id="bob", passage=VALUE, state=pb.PROPOSAL_STATE_OPEN)]),
    )


@pytest.fixture
def fakes(story: Recorder) -> Stubs:
    return story_stubs(story)


@pytest.fixture
def fakes_org_teams(fakes: Stubs) -> None:
    fakes.org.answers["ListTeams"] = org_pb2.ListTeamsResponse(teams=[org_pb2.Team(id="team-a", name="Team A", manager_id="mgr")])


@pytest.fixture
def client(fakes: Stubs) -> Iterator[TestClient]:
    with TestClient(create_app(config(), stubs=fakes), base_url="http://127.0.0.1:8080") as c:
        yield c


def test_marks_cut_the_text_at_the_words_a_finding_points_at_and_leave_the_whole_text_score_unmarked() -> None:
    segments = marked(MISSION.text.nl, CHECKS[0].checks[0].findings)
    assert segments[1] == Segment("implementatie", 2) and segments[3] == Segment("wordt door ons gerealiseerd", 3)
    assert "".join(s.text for s in segments) == MISSION.text.nl


def test_form_helpers_pair_behaviours_by_line_and_make_a_key_from_a_title() -> None:
    assert [(b.nl, b.en) for b in behaviours("Een\n\nTwee", "One")] == [("Een", "One"), ("Twee", "")]
    assert slug("Zorg & Groei!") == "zorg-groei"


def test_the_story_reads_in_the_readers_language_or_both_side_by_side_with_its_contributors(client: TestClient) -> None:
    sign_in(client, "ann")
    page = client.get("/story", headers={"accept-language": "en"})
    assert page.status_code == 200
    assert "We say what we think." in page.text and "Wij zeggen" not in page.text and "You ask for feedback." in page.text
    assert "Ann Peeters" in page.text and "Hanne HR" in page.text
    both = client.get("/story?languages=both")
    assert "We say what we think." in both.text and "Wij zeggen wat we denken." in both.text and 'lang="en"' in both.text
    assert 'id="curate-link"' not in page.text


def test_a_curator_sees_each_finding_pointing_at_the_words_and_the_override_field(client: TestClient) -> None:
    sign_in(client, "hr")
    page = client.get("/story/curate")
    assert page.status_code == 200
    assert "<mark id=\"check-mission-nl-m2\">implementatie<sup>2</sup></mark>" in page.text
    assert "schrijf het actief" in page.text and 'id="below-warning"' in page.text and 'name="readability_override_reason"' in page.text


def test_someone_who_does_not_curate_is_told_so_on_the_curate_page(client: TestClient) -> None:
    sign_in(client, "ann")
    page = client.get("/story/curate")
    assert page.status_code == 403 and 'id="not-curator"' in page.text


def test_publishing_below_the_threshold_without_a_reason_names_the_field_in_dutch(client: TestClient, story: Recorder) -> None:
    story.answers["PublishDraft"] = bad_request(("readability_override_reason", "is required to publish below the readability threshold: mission (nl 41 < 60)"))
    sign_in(client, "hr")
    token = csrf(client.get("/story/curate").text)
    answer = client.post("/story/publish", data={"csrf_token": token, "draft_version": "2", "readability_override_reason": ""}, headers={"accept-language": "nl"})
    assert answer.status_code == 422
    assert 'id="readability_override_reason-error"' in answer.text and "drempel" in answer.text


def test_a_refused_proposal_keeps_what_was_typed_and_names_the_field(client: TestClient, story: Recorder) -> None:
    story.answers["ProposeChange"] = bad_request(("passage.text", "is required in at least one language (nl or en)"))
    sign_in(client, "ann")
    token = csrf(client.get("/story/proposals").text)
    answer = client.post("/story/proposals", data={"csrf_token": token, "target": "new-value", "title_nl": "Moed", "reason": "Omdat het kan"})
    assert answer.status_code == 422
    assert 'id="text_nl-error"' in answer.text and "Omdat het kan" in answer.text and 'value="Moed"' in answer.text
    sent: Any = next(c[1] for c in story.calls if c[0] == "ProposeChange")
    assert sent.passage.key == "value.moed"


def test_the_story_page_records_that_the_person_read_the_published_version(client: TestClient, story: Recorder) -> None:
    sign_in(client, "ann")
    client.get("/story")
    assert [c[1].version for c in story.calls if c[0] == "MarkStoryRead"] == [1]


def test_the_team_page_shows_the_published_story_and_lets_a_member_write_with_the_values_to_link(client: TestClient) -> None:
    sign_in(client, "ann")
    page = client.get("/story/teams/team-a", headers={"accept-language": "en"})
    assert page.status_code == 200 and "We help." in page.text and 'id="team-story-form"' in page.text
    assert 'value="value.openness" checked' in page.text and 'id="team-publish-form"' not in page.text


def test_someone_elses_ambition_that_is_not_shared_with_you_is_a_page_that_does_not_exist(client: TestClient, story: Recorder) -> None:
    story.answers["GetAmbition"] = grpc.aio.AioRpcError(grpc.StatusCode.NOT_FOUND, grpc.aio.Metadata(), grpc.aio.Metadata(), "no ambition shared with you")
    sign_in(client, "bob")
    page = client.get("/story/ambition/ann")
    assert page.status_code == 404 and "Een team leiden." not in page.text


def test_a_jargon_line_without_an_equals_sign_is_named_and_nothing_is_sent(client: TestClient, story: Recorder) -> None:
    terms, bad = parse_jargon("synergie = samenwerken\n\nleverage\n", "nl")
    assert [(t.term, t.plain) for t in terms] == [("synergie", "samenwerken")] and bad == [3]
    sign_in(client, "hr")
    token = csrf(client.get("/story/curate").text)
    answer = client.post("/story/jargon", data={"csrf_token": token, "jargon_nl": "synergie = samenwerken\nleverage", "jargon_en": ""})
    assert answer.status_code == 422 and 'id="jargon_nl-error"' in answer.text and "synergie = samenwerken" in answer.text
    assert not [c for c in story.calls if c[0] == "SetJargon"]


def test_the_managers_prompt_link_opens_the_team_they_manage(client: TestClient, fakes_org_teams: None) -> None:
    sign_in(client, "mgr")
    answer = client.get("/story/team", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/story/teams/team-a"


def test_the_reach_page_includes_the_organisations_alignment_for_hr(client: TestClient, story: Recorder, fakes: Stubs) -> None:
    from paars.analytics.v1 import analytics_pb2 as an

    story.answers["GetStoryReach"] = pb.GetStoryReachResponse(version=1, k=3, teams=[pb.TeamReach(team_id="team-a", team_name="Team A")])
    fakes.analytics.answers["GetStoryAlignment"] = an.StoryAlignment(k=3, people=an.StoryCount(value=5), parts=[
        an.StoryPart(key="value.openness", kind="value", title_nl="Open", title_en="Open", lived_in_feedback=an.StoryCount(value=3),
                     served_by_goals=an.StoryCount(hidden=True)),
        an.StoryPart(key="theme.growth", kind="theme", title_nl="Groei", title_en="Growth", untouched=True),
    ])
    sign_in(client, "hr")
    page = client.get("/story/reach", headers={"accept-language": "nl"})
    assert page.status_code == 200 and 'id="story-alignment"' in page.text
    assert "3 mensen" in page.text and "minder dan drie mensen" in page.text and "Nog geen doelen of feedback raken dit." in page.text
    assert [c[1].team_id for c in fakes.analytics.calls if c[0] == "GetStoryAlignment"] == [""]


def test_a_goal_is_proposed_serving_a_value_of_the_story_and_a_refused_key_is_named_beside_the_field(client: TestClient, fakes: Stubs) -> None:
    from paars.goals.v1 import goals_pb2 as gl

    fakes.goals.answers["ProposeGoal"] = lambda r: gl.Goal(id="g1", story_keys=r.story_keys)
    sign_in(client, "ann")
    page = client.get("/goals", headers={"accept-language": "en"})
    assert 'id="serves-value-openness"' in page.text and "Which part of our story does it serve?" in page.text
    form = {
        "csrf_token": csrf(page.text), "kind": "development", "title": "Elke week feedback vragen", "kr_title": "vragen", "kr_start": "0",
        "kr_target": "10", "due_date": "2031-12-31", "story_keys": "value.openness",
    }
    assert client.post("/goals", data=form, follow_redirects=False).status_code == 303
    sent = [c[1] for c in fakes.goals.calls if c[0] == "ProposeGoal"]
    assert list(sent[-1].story_keys) == ["value.openness"]
    fakes.goals.answers["ProposeGoal"] = bad_request(("story_keys", "not a value or theme of the published organisation story: value.openness"))
    refused = client.post("/goals", data=form)
    assert refused.status_code == 422 and 'id="story_keys-error"' in refused.text and 'value="value.openness" checked' in refused.text


def test_a_counter_proposal_changes_the_values_and_themes_a_goal_serves_and_a_refused_key_keeps_the_boxes(client: TestClient, fakes: Stubs) -> None:
    from paars.goals.v1 import goals_pb2 as gl

    goal = gl.Goal(id="g1", owner_id="ann", title="Feedback vragen", version=1, agreement=gl.AGREEMENT_STATE_PROPOSED, awaiting_agreement_from="mgr",
                   proposed_by="ann", story_keys=["value.openness"])
    fakes.goals.answers["GetGoal"] = gl.GoalDetail(goal=goal)
    fakes.goals.answers["CounterProposeGoal"] = goal
    sign_in(client, "mgr")
    page = client.get("/goals/g1", headers={"accept-language": "en"})
    assert page.status_code == 200 and 'id="counter-form"' in page.text
    assert 'value="value.openness" checked' in page.text, "the counter form starts from the goal's own values and themes"
    form = {"csrf_token": csrf(page.text), "version": "1", "comment": "Liever los van de waarde", "replace_story_keys": "1"}
    assert client.post("/goals/g1/counter", data=form, follow_redirects=False).status_code == 303
    sent = [c[1] for c in fakes.goals.calls if c[0] == "CounterProposeGoal"][-1]
    assert sent.replace_story_keys and list(sent.story_keys) == [], "no box ticked clears them"
    fakes.goals.answers["CounterProposeGoal"] = bad_request(("story_keys", "not a value or theme of the published organisation story: value.openness"))
    refused = client.post("/goals/g1/counter", data={**form, "story_keys": "value.openness"}, headers={"accept-language": "en"})
    assert refused.status_code == 422 and 'id="story_keys-error"' in refused.text and 'value="value.openness" checked' in refused.text
