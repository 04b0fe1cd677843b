"""Feedback and praise name a value of the organisation story (issue 16 item 5), with fake stubs: the give form
offers the published values in the reader's language (none, and still a working page, without a story), the
choice goes to the service as value_key, a refused key is named beside the select in the person's language with
nothing typed lost, and the received card shows the value's title."""
from __future__ import annotations

import re
from collections.abc import Iterator

import grpc
import pytest
from starlette.testclient import TestClient

from paars.common.v1 import event_pb2 as ev
from paars.feedback.v1 import feedback_pb2 as fb
from paars.story.v1 import story_pb2 as pb
from paars_web.app import create_app
from paars_web.clients import Stubs
from tests.unit.test_web_app import Recorder, bad_request, config, csrf, sign_in, stubs

OPENNESS = pb.Passage(key="value.openness", kind=pb.PASSAGE_KIND_VALUE, title=pb.LocalizedText(nl="Openheid", en="Openness"))
# Written in Dutch only so far: the English reader sees the Dutch title, marked as Dutch.
CARE = pb.Passage(key="value.care", kind=pb.PASSAGE_KIND_VALUE, title=pb.LocalizedText(nl="Zorg"))
THEME = pb.Passage(key="theme.growth", kind=pb.PASSAGE_KIND_THEME, title=pb.LocalizedText(nl="Groei", en="Growth"))
MISSION = pb.Passage(key="mission", kind=pb.PASSAGE_KIND_MISSION, title=pb.LocalizedText(nl="Missie", en="Mission"))
PUBLISHED = pb.StoryVersion(version=1, published=True, passages=[MISSION, OPENNESS, CARE, THEME])

TYPED = {
    "receiver_id": "bob", "relation": "peer", "kind": "praise", "text": "Je zei eerlijk wat misliep.", "situation": "De retro",
    "behaviour": "Je benoemde je eigen fout", "impact": "Iedereen durfde daarna ook", "visibility": "receiver_and_manager", "value_key": "value.openness",
}
UNAVAILABLE = grpc.aio.AioRpcError(grpc.StatusCode.UNAVAILABLE, grpc.aio.Metadata(), grpc.aio.Metadata(), "story is down")


@pytest.fixture
def fakes() -> Stubs:
    base = stubs()
    base.story = Recorder(GetStory=pb.GetStoryResponse(published=PUBLISHED))
    base.feedback.answers["GiveFeedback"] = lambda r: fb.Feedback(id="f1", receiver_id=r.receiver_id, value_key=r.value_key)
    return base


@pytest.fixture
def client(fakes: Stubs) -> Iterator[TestClient]:
    with TestClient(create_app(config(), stubs=fakes), base_url="http://127.0.0.1:8080") as c:
        yield c


def options(page: str) -> list[str]:
    select = re.search(r'<select id="value_key" name="value_key"[^>]*>(.*?)</select>', page, re.S)
    assert select, "the form has the value select"
    return re.findall(r"<option[^>]*>([^<]*)</option>", select.group(1))


def test_the_form_offers_the_published_values_in_the_readers_language_and_sends_the_chosen_key(client: TestClient, fakes: Stubs) -> None:
    sign_in(client)
    dutch = client.get("/feedback/give?receiver=bob", headers={"accept-language": "nl"}).text
    assert "Welke van onze waarden laat dit zien?" in dutch
    assert options(dutch) == ["Geen waarde", "Openheid", "Zorg"], "values only: no mission, no theme"
    english = client.get("/feedback/give?receiver=bob", headers={"accept-language": "en"}).text
    assert options(english) == ["No value", "Openness", "Zorg"]
    assert '<option value="value.care" lang="nl">Zorg</option>' in english, "a title not written in English yet is marked as Dutch"
    answer = client.post("/feedback/give", data={**TYPED, "csrf_token": csrf(english)}, follow_redirects=False)
    assert answer.status_code == 303
    sent = [r for m, r, _ in fakes.feedback.calls if m == "GiveFeedback"]
    assert [r.value_key for r in sent] == ["value.openness"]


def test_no_value_chosen_sends_none(client: TestClient, fakes: Stubs) -> None:
    sign_in(client)
    token = csrf(client.get("/feedback/give?receiver=bob").text)
    assert client.post("/feedback/give", data={**TYPED, "value_key": "", "csrf_token": token}, follow_redirects=False).status_code == 303
    assert [r.value_key for m, r, _ in fakes.feedback.calls if m == "GiveFeedback"] == [""]


def test_a_refused_value_is_named_beside_the_select_in_dutch_and_nothing_typed_is_lost(client: TestClient, fakes: Stubs) -> None:
    fakes.feedback.answers["GiveFeedback"] = bad_request(("value_key", "is not a value of the published organisation story"))
    sign_in(client)
    token = csrf(client.get("/feedback/give?receiver=bob").text)
    answer = client.post("/feedback/give", data={**TYPED, "csrf_token": token}, headers={"accept-language": "nl"})
    assert answer.status_code == 422
    page = answer.text
    assert 'id="error-summary"' in page and 'href="#value_key"' in page
    assert re.search(r'id="value_key-error"[^>]*>.*?Dit is \(niet meer\) een waarde van ons gepubliceerde verhaal', page, re.S)
    assert 'aria-invalid="true"' in re.search(r'<select id="value_key"[^>]*>', page).group(0)  # type: ignore[union-attr]
    assert '<option value="value.openness" selected>Openheid</option>' in page
    for typed in ("Je zei eerlijk wat misliep.", "De retro", "Je benoemde je eigen fout", "Iedereen durfde daarna ook"):
        assert typed in page


def test_a_chosen_key_the_story_no_longer_has_is_kept_selected(client: TestClient, fakes: Stubs) -> None:
    fakes.feedback.answers["GiveFeedback"] = bad_request(("value_key", "is not a value of the published organisation story"))
    sign_in(client)
    token = csrf(client.get("/feedback/give?receiver=bob").text)
    page = client.post("/feedback/give", data={**TYPED, "value_key": "value.courage", "csrf_token": token}, headers={"accept-language": "en"}).text
    assert '<option value="value.courage" selected>The value you chose (value.courage)</option>' in page
    assert "This is not a value of our published story (any more)" in page


@pytest.mark.parametrize("story", [None, "unreachable", "unpublished"])
def test_without_a_published_story_the_form_has_no_value_select_and_still_works(fakes: Stubs, story: str | None) -> None:
    if story is None:
        fakes.story = None
    elif story == "unreachable":
        fakes.story = Recorder(GetStory=UNAVAILABLE)
    else:
        fakes.story = Recorder(GetStory=pb.GetStoryResponse())
    with TestClient(create_app(config(), stubs=fakes)) as client:
        sign_in(client)
        page = client.get("/feedback/give?receiver=bob")
        assert page.status_code == 200 and 'id="give-form"' in page.text and 'id="value_key"' not in page.text
        data = {k: v for k, v in TYPED.items() if k != "value_key"}
        assert client.post("/feedback/give", data={**data, "csrf_token": csrf(page.text)}, follow_redirects=False).status_code == 303


def named(value_key: str) -> fb.Feedback:
    return fb.Feedback(id="f9", giver_id="bob", receiver_id="ann", kind=fb.FEEDBACK_KIND_PRAISE, relation=fb.RELATION_PEER, text="Sterk gedaan",
                       visibility=ev.VISIBILITY_RECEIVER_AND_MANAGER, value_key=value_key)


def test_the_received_card_shows_the_values_title_in_the_readers_language(client: TestClient, fakes: Stubs) -> None:
    fakes.feedback.answers["ListFeedback"] = fb.ListFeedbackResponse(feedback=[named("value.openness")])
    sign_in(client)
    dutch = client.get("/feedback/received", headers={"accept-language": "nl"}).text
    assert re.search(r'id="value-f9">De waarde die het laat zien: <span class="kind">Openheid</span>', dutch)
    english = client.get("/feedback/received", headers={"accept-language": "en"}).text
    assert re.search(r'id="value-f9">The value it shows: <span class="kind">Openness</span>', english)


def test_the_card_swapped_in_after_a_thank_you_still_shows_the_value(client: TestClient, fakes: Stubs) -> None:
    fakes.feedback.answers.update(
        AcknowledgeFeedback=fb.Feedback(), GetFeedback=fb.Feedback(id="f9", receiver_id="ann", acknowledged=True, value_key="value.care"),
    )
    sign_in(client)
    token = csrf(client.get("/feedback/received").text)
    card = client.post("/feedback/f9/acknowledge", data={"csrf_token": token}, headers={"hx-request": "true", "accept-language": "en"}).text
    assert '<span class="kind" lang="nl">Zorg</span>' in card


def test_the_story_is_asked_only_when_a_feedback_item_names_a_value_and_an_unreachable_story_hides_the_title(client: TestClient, fakes: Stubs) -> None:
    fakes.feedback.answers["ListFeedback"] = fb.ListFeedbackResponse(feedback=[named("")])
    sign_in(client)
    assert client.get("/feedback/received").status_code == 200
    assert not [m for m, _, _ in fakes.story.calls if m == "GetStory"]
    fakes.feedback.answers["ListFeedback"] = fb.ListFeedbackResponse(feedback=[named("value.openness")])
    fakes.story.answers["GetStory"] = UNAVAILABLE
    page = client.get("/feedback/received")
    assert page.status_code == 200 and "Sterk gedaan" in page.text and 'id="value-f9"' not in page.text
