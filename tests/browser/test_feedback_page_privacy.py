"""Issue 17's privacy matrix for feedback content in a real browser against the real platform: every role against
every page that shows feedback (the Now page's list to acknowledge, Feedback I received, Who read my feedback, the
team page). An item's words appear on a page for a person only when the feedback API (ListFeedback, GetFeedback
under that person's own token) returns them to that person, and an anonymous item never names its giver."""
from __future__ import annotations

import uuid

import grpc
import pytest

from paars.common.v1 import event_pb2
from paars.feedback.v1 import feedback_pb2 as fb
from paars.feedback.v1 import feedback_pb2_grpc
from tests.browser.conftest import Paars
from tests.browser.journey import sign_in

pytestmark = pytest.mark.e2e

FEEDBACK = feedback_pb2_grpc.FeedbackServiceStub
RECEIVER, GIVER = "lotte", "pieter"
GIVER_NAME = "Pieter Claes"
# The receiver, the giver, the receiver's manager, the manager's manager (also the demo's admin), HR in scope (the
# root team), a peer who gave nothing, the receiver's coach (nothing shared with him).
READERS = ("lotte", "pieter", "jan", "els", "hanne", "fatima", "koen")
VISIBILITIES = {
    "private": event_pb2.VISIBILITY_PRIVATE,
    "receiver and manager": event_pb2.VISIBILITY_RECEIVER_AND_MANAGER,
    "public praise": event_pb2.VISIBILITY_PUBLIC,
    "anonymous": event_pb2.VISIBILITY_ANONYMOUS_AGGREGATE,
}
PAGES = ("/", "/feedback/received", "/reads", "/team")


def _maybe(paars: Paars, reader: str, call: str, request: object) -> object | None:
    try:
        return paars.as_person(reader, "feedback", FEEDBACK, call, request)
    except grpc.aio.AioRpcError as err:
        if err.code() in (grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.NOT_FOUND):
            return None
        raise


def _api_texts(paars: Paars, reader: str, ids: dict[str, str]) -> set[str]:
    """The texts the feedback API hands this person: in a list about the receiver or by the giver, or item by item."""
    texts: set[str] = set()
    for request in (fb.ListFeedbackRequest(receiver_id=RECEIVER, page_size=100), fb.ListFeedbackRequest(giver_id=GIVER, page_size=100)):
        answer = _maybe(paars, reader, "ListFeedback", request)
        texts |= {f.text for f in getattr(answer, "feedback", []) if f.text}
    for feedback_id in ids.values():
        item = _maybe(paars, reader, "GetFeedback", fb.GetFeedbackRequest(feedback_id=feedback_id))
        if item is not None and item.text:  # type: ignore[attr-defined]
            texts.add(item.text)  # type: ignore[attr-defined]
    return texts


def test_every_role_sees_feedback_words_on_the_pages_only_when_the_api_lets_them_read_them(open_page, paars: Paars) -> None:
    run = uuid.uuid4().hex[:8]
    texts = {name: f"Matrix-feedback {name} {run}" for name in VISIBILITIES}
    ids: dict[str, str] = {}
    for name, visibility in VISIBILITIES.items():
        given = paars.as_person(GIVER, "feedback", FEEDBACK, "GiveFeedback", fb.GiveFeedbackRequest(
            receiver_id=RECEIVER, kind=fb.FEEDBACK_KIND_PRAISE if visibility == event_pb2.VISIBILITY_PUBLIC else fb.FEEDBACK_KIND_CONSTRUCTIVE,
            relation=fb.RELATION_PEER, setting=fb.FEEDBACK_SETTING_INFORMAL, text=texts[name],
            examples=[fb.Example(situation="In de sprintdemo", behaviour="Je legde de keuze uit", impact="Iedereen volgde")],
            visibility=visibility, idempotency_key=uuid.uuid4().hex,
        ))
        ids[name] = given.id  # type: ignore[attr-defined]
    api: dict[str, set[str]] = {}
    shown: dict[str, set[str]] = {}
    for reader in READERS:
        readable = _api_texts(paars, reader, ids)
        about = _maybe(paars, reader, "ListFeedback", fb.ListFeedbackRequest(receiver_id=RECEIVER, page_size=100))
        anonymous_listed = [f for f in getattr(about, "feedback", []) if f.id == ids["anonymous"]]
        if reader != GIVER:
            assert all(not f.giver_id for f in anonymous_listed), f"the API names the giver of anonymous feedback to {reader}"
        page = open_page("en")
        sign_in(page, reader, next_path=PAGES[0])
        on_pages: set[str] = set()
        for path in PAGES:
            if page.url.split(paars.web_url, 1)[-1].split("#")[0] != path:
                page.goto(path)
            html = page.content()
            here = {name for name, text in texts.items() if text in html}
            assert here <= {n for n in texts if texts[n] in readable}, f"{reader} reads {sorted(here)} on {path} without the API's leave"
            on_pages |= here
            # The anonymous item, wherever it is listed, never says who gave it (its card, its line to acknowledge).
            cards = page.locator(f'#feedback-{ids["anonymous"]}, li:has(a[href$="#feedback-{ids["anonymous"]}"])').all()
            if reader == RECEIVER and path == "/feedback/received":
                # Listed by the API without its words: the page lists it too, as from someone who stays anonymous.
                assert bool(cards) == bool(anonymous_listed), f"{path}: the anonymous item is listed {bool(anonymous_listed)} by the API"
            for anonymous in cards:
                assert GIVER_NAME not in anonymous.inner_text(), f"{path} names the giver of anonymous feedback to {reader}"
        api[reader] = {n for n in texts if texts[n] in readable}
        shown[reader] = on_pages
    # The pages show the receiver exactly what the API gives her; nobody else has a page with someone else's feedback,
    # so for them a page shows less than the API may allow, never more.
    assert shown[RECEIVER] == api[RECEIVER] == {"private", "receiver and manager", "public praise"}, (shown[RECEIVER], api[RECEIVER])
    assert all(not shown[r] for r in READERS if r != RECEIVER), shown
    # The API's rules as the proto states them: private for receiver and giver, the manager chain for receiver and
    # manager, everyone for public praise; of anonymous feedback only counts and averages, its words for its author alone.
    assert {r for r in READERS if "private" in api[r]} == {"lotte", "pieter"}, api
    assert {r for r in READERS if "receiver and manager" in api[r]} >= {"lotte", "jan", "els"}, api
    assert {r for r in READERS if "public praise" in api[r]} == set(READERS), api
    assert [r for r in READERS if "anonymous" in api[r]] == [GIVER], api
    assert not {"fatima", "koen"} & {r for r in READERS if api[r] - {"public praise"}}, api
