"""The conversation section with fake stubs: every page renders what the service answers (a private note only
when the service sends it), and a refusal is shown beside its field in the reader's language, nothing typed lost."""
from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from paars.conversations.v1 import conversations_pb2 as cv
from paars.feedback.v1 import feedback_pb2 as fb
from paars.org.v1 import org_pb2
from paars_web.app import create_app
from paars_web.clients import Stubs
from tests.unit.test_web_app import PEOPLE, Recorder, bad_request, config, csrf, sign_in, stubs

HR = org_pb2.Employee(id="hr", name="Hanne HR", team_id="team-b", roles=[org_pb2.ROLE_HR], active=True)
COACH = org_pb2.Employee(id="cara", name="Cara Coach", team_id="team-b", roles=[org_pb2.ROLE_COACH], active=True)
MEETING = cv.Meeting(
    meeting_id="m1", pair_id="p1", lead_id="mgr", other_id="ann", kind=cv.PAIR_KIND_MANAGER_REPORT, scheduled_on="2026-12-08",
    state=cv.MEETING_STATE_SCHEDULED,
    agenda=[cv.AgendaTopic(topic_id="t1", author_id="ann", text="Mijn ontwikkeldoel", link_kind=cv.LINK_KIND_GOAL, link_id="goal-1")],
    notes=[cv.Note(note_id="n1", author_id="mgr", text="Alleen voor Mo", private=True)],
    agreements=[cv.Agreement(agreement_id="a1", text="Ann leidt de retro", owner_id="ann", proposed_by="ann", confirmed_by=["ann"])],
    hat=cv.HAT_COACH,
)
REQUEST = cv.CoachingRequest(request_id="r1", coachee_id="ann", coach_id="mgr", relation=cv.COACH_RELATION_MANAGER, topic="Presenteren",
                             state=cv.COACHING_STATE_ACCEPTED, goals=[cv.CoachingGoal(goal_id="g1", text="Twee keer presenteren", development_goal_id="goal-7")])
CONCERN = cv.Concern(concern_id="c1", raised_by="bob", kind=cv.CONCERN_KIND_THERAPIST_ROLE, text="Mijn leidinggevende speelt therapeut", state=cv.CONCERN_STATE_RAISED)
CIRCLE = cv.Circle(circle_id="k1", name="Kring Noord", member_ids=["mgr", "x", "y"], next_case_owner_id="mgr", next_session_on="2026-12-14")


@pytest.fixture
def conversations() -> Recorder:
    return Recorder(
        ListPairs=cv.ListPairsResponse(pairs=[cv.Pair(pair_id="p1", lead_id="mgr", other_id="ann", kind=cv.PAIR_KIND_MANAGER_REPORT, cadence_days=14,
                                                       next_meeting_id="m1", next_on="2026-12-08", consecutive_skips=3)]),
        SchedulePair=bad_request(("cadence_days", "must be 7, 14, 21 or 28 days")),
        GetMeeting=MEETING, ListMeetingReads=cv.ListMeetingReadsResponse(reads=[cv.MeetingRead(reader_id="ann")]),
        AddAgendaTopic=bad_request(("text", "is required")), AddNote=MEETING, MarkHat=MEETING,
        GetHatMix=cv.HatMix(days=90, leader=1, manager=2, coach=3, unmarked=0),
        ListCoachingRequests=cv.ListCoachingRequestsResponse(requests=[REQUEST]), ListCoaches=cv.ListCoachesResponse(coaches=[cv.CoachProfile(coach_id="cara", bio="Ik help je groeien", capacity=2, available=True)]),
        RequestCoaching=bad_request(("coach_id", "is not your manager")),
        ListCoachingSessions=cv.ListCoachingSessionsResponse(sessions=[cv.CoachingSession(session_id="s1", request_id="r1", held_on="2026-12-01", notes="Geoefend")]),
        ListConcerns=lambda r: cv.ListConcernsResponse(concerns=[CONCERN]),
        RaiseConcern=CONCERN,
        ListCircles=cv.ListCirclesResponse(circles=[CIRCLE]), SuggestCircle=cv.SuggestCircleResponse(member_ids=["mgr"]),
        ListCircleSessions=cv.ListCircleSessionsResponse(sessions=[cv.CircleSession(session_id="cs1", circle_id="k1", held_on="2026-12-01", case_owner_id="mgr", case_text="Een casus")]),
    )


@pytest.fixture
def client(conversations: Recorder) -> Iterator[TestClient]:
    base: Stubs = stubs()
    base.org = Recorder(ListEmployees=org_pb2.ListEmployeesResponse(employees=[*PEOPLE, HR, COACH]), ListTeams=org_pb2.ListTeamsResponse())
    base.conversations = conversations
    with TestClient(create_app(config(), stubs=base), base_url="http://127.0.0.1:8080") as c:
        yield c


def test_the_one_on_ones_page_lists_the_pairs_with_a_gentle_word_after_repeated_skips(client: TestClient) -> None:
    sign_in(client, "mgr")
    page = client.get("/conversations", headers={"accept-language": "en"})
    assert page.status_code == 200 and 'id="nav-conversations"' in page.text
    assert "Ann Peeters" in page.text and "/conversations/meetings/m1" in page.text and "The last 3 were skipped" in page.text
    assert 'id="link-hats"' in page.text


def test_a_refused_schedule_names_the_field_in_dutch_and_keeps_what_was_chosen(client: TestClient, conversations: Recorder) -> None:
    sign_in(client, "mgr")
    page = client.get("/conversations")
    answer = client.post("/conversations", data={"csrf_token": csrf(page.text), "other_id": "ann", "kind": "peer", "cadence_days": "9", "first_on": "2026-12-08"},
                         headers={"accept-language": "nl"})
    assert answer.status_code == 422
    assert "kies 7, 14, 21 of 28 dagen" in answer.text and 'id="cadence_days-error"' in answer.text
    assert 'value="peer" checked' in answer.text and 'value="2026-12-08"' in answer.text
    [(_, sent, _)] = [c for c in conversations.calls if c[0] == "SchedulePair"]
    assert (sent.kind, sent.cadence_days) == (cv.PAIR_KIND_PEER, 9)


def test_the_meeting_page_shows_the_agenda_the_private_note_as_private_and_the_hat_to_the_manager(client: TestClient) -> None:
    sign_in(client, "mgr")
    page = client.get("/conversations/meetings/m1", headers={"accept-language": "en"})
    assert page.status_code == 200
    assert "Mijn ontwikkeldoel" in page.text and "Private: only you read this" in page.text and "Alleen voor Mo" in page.text
    assert 'id="hat-coach" name="hat" value="coach" checked' in page.text
    assert 'id="confirm-a1"' in page.text


def test_a_refused_topic_keeps_the_text_and_names_the_field(client: TestClient) -> None:
    sign_in(client, "ann")
    page = client.get("/conversations/meetings/m1")
    answer = client.post("/conversations/meetings/m1/topics", data={"csrf_token": csrf(page.text), "topic_text": " ", "link_kind": "goal", "link_id": "goal-2"})
    assert answer.status_code == 422 and 'id="topic_text-error"' in answer.text and 'value="goal-2"' in answer.text


def test_a_private_note_is_sent_as_private_and_the_page_returns_to_the_notes(client: TestClient, conversations: Recorder) -> None:
    sign_in(client, "mgr")
    page = client.get("/conversations/meetings/m1")
    answer = client.post("/conversations/meetings/m1/notes", data={"csrf_token": csrf(page.text), "note_text": "Voor mij", "private": "yes"}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].endswith("#notes")
    [(_, sent, _)] = [c for c in conversations.calls if c[0] == "AddNote"]
    assert sent.private and sent.text == "Voor mij"


def test_the_hat_mix_coaching_concerns_and_circles_pages_render(client: TestClient) -> None:
    sign_in(client, "mgr")
    hats = client.get("/conversations/hats", headers={"accept-language": "en"})
    assert hats.status_code == 200 and "Only you see this" in hats.text
    coaching = client.get("/conversations/coaching")
    assert coaching.status_code == 200 and "Presenteren" in coaching.text and "Ik help je groeien" in coaching.text
    detail = client.get("/conversations/coaching/r1")
    assert detail.status_code == 200 and "Twee keer presenteren" in detail.text and "Geoefend" in detail.text
    assert client.get("/conversations/coaching/nope").status_code == 404
    circle = client.get("/conversations/circles/k1")
    assert circle.status_code == 200 and "Een casus" in circle.text
    sign_in(client, "hr")
    concerns = client.get("/conversations/concerns", headers={"accept-language": "en"})
    assert concerns.status_code == 200 and "Mijn leidinggevende speelt therapeut" in concerns.text and 'id="acknowledge-c1"' in concerns.text
    circles = client.get("/conversations/circles")
    assert circles.status_code == 200 and 'id="circle-form"' in circles.text and 'id="member-mgr" name="member_ids" value="mgr" checked' in circles.text
    assert client.get("/conversations/circles/k1").status_code == 404


def test_a_refused_coaching_request_says_why_in_dutch(client: TestClient) -> None:
    sign_in(client, "ann")
    page = client.get("/conversations/coaching")
    answer = client.post("/conversations/coaching", data={"csrf_token": csrf(page.text), "coach_id": "bob", "relation": "manager", "topic": "Presenteren"},
                         headers={"accept-language": "nl"})
    assert answer.status_code == 422 and "is niet je leidinggevende" in answer.text and "Presenteren" in answer.text


def test_each_form_carries_its_own_request_key_and_a_form_sent_twice_sends_the_same_key(client: TestClient, conversations: Recorder) -> None:
    sign_in(client, "mgr")
    page = client.get("/conversations/meetings/m1")
    keys = re.findall(r'name="idempotency_key" value="([0-9a-f]+)"', page.text)
    assert len(keys) >= 4 and len(set(keys)) == len(keys)
    form = {"csrf_token": csrf(page.text), "note_text": "Voor mij", "private": "yes", "idempotency_key": keys[1]}
    for _ in range(2):
        assert client.post("/conversations/meetings/m1/notes", data=form, follow_redirects=False).status_code == 303
    sent = [s.idempotency_key for (m, s, _) in conversations.calls if m == "AddNote"]
    assert sent == [keys[1], keys[1]]
    # A form without one (an old page) still gets a key of its own per send.
    conversations.answers["RaiseConcern"] = CONCERN
    page = client.get("/conversations/concerns")
    client.post("/conversations/concerns", data={"csrf_token": csrf(page.text), "concern_kind": "other", "concern_text": "x"}, follow_redirects=False)
    [(_, raised, _)] = [c for c in conversations.calls if c[0] == "RaiseConcern"]
    assert len(raised.idempotency_key) == 32


SERVICE = cv.ProfessionalService(service_id="ps1", kind=cv.PROFESSIONAL_SERVICE_KIND_CONFIDENTIAL_COUNSELLOR, name="Sanne de Vries",
                                 description="Luistert vertrouwelijk", contact="sanne@vertrouwen.example", active=True)


def test_everyone_finds_professional_help_and_a_manager_refers_a_report_on_to_hr(client: TestClient, conversations: Recorder) -> None:
    conversations.answers["ListProfessionalServices"] = cv.ListProfessionalServicesResponse(services=[SERVICE])
    sign_in(client, "ann")
    mine = client.get("/conversations/support")
    assert mine.status_code == 200 and "Sanne de Vries" in mine.text and "Vertrouwenspersoon" in mine.text and "Niemand ziet dat je hebt gekeken" in mine.text
    assert "referral-form" not in mine.text and "service-form" not in mine.text
    sign_in(client, "mgr")
    page = client.get("/conversations/support")
    assert "referral-form" in page.text and "Ann Peeters" in page.text and "Sanne de Vries" in page.text
    feedback = client.app.state.web.stubs.feedback  # type: ignore[attr-defined]
    feedback.answers["RaiseReferral"] = fb.RaiseReferralResponse(referral_id="rf1")
    key = re.findall(r'name="idempotency_key" value="([0-9a-f]+)"', page.text)[0]
    sent = client.post("/conversations/support/referrals", data={"csrf_token": csrf(page.text), "employee_id": "ann", "referral_note": "Slaapt slecht",
                                                                 "idempotency_key": key}, follow_redirects=False)
    assert sent.status_code == 303 and "referred=1" in sent.headers["location"]
    [(_, raised, _)] = [c for c in feedback.calls if c[0] == "RaiseReferral"]
    assert (raised.employee_id, raised.note, raised.idempotency_key) == ("ann", "Slaapt slecht", key)


def test_hr_adds_a_service_and_a_refusal_names_the_field_in_dutch(client: TestClient, conversations: Recorder) -> None:
    conversations.answers["ListProfessionalServices"] = cv.ListProfessionalServicesResponse(services=[SERVICE])
    conversations.answers["SetProfessionalService"] = bad_request(("contact", "is required"))
    sign_in(client, "hr")
    page = client.get("/conversations/support")
    assert "service-form" in page.text and "toggle-ps1" in page.text
    client.post("/language", data={"language": "nl", "next": "/conversations/support", "csrf_token": csrf(page.text)})
    page = client.get("/conversations/support")
    refused = client.post("/conversations/support/services", data={"csrf_token": csrf(page.text), "service_kind": "employee_assistance",
                                                                   "service_name": "EAP Helpt", "service_contact": ""})
    assert refused.status_code == 422 and 'value="EAP Helpt"' in refused.text and "Professionele hulp" in refused.text
    assert 'id="service_contact"' in refused.text and "has-error" in refused.text
    [(_, asked, _)] = [c for c in conversations.calls if c[0] == "SetProfessionalService"]
    assert (asked.kind, asked.name, asked.active) == (cv.PROFESSIONAL_SERVICE_KIND_EMPLOYEE_ASSISTANCE, "EAP Helpt", True)


def test_the_circles_pages_show_the_next_session_and_send_the_dates_a_refused_one_named_in_dutch_and_kept(
    client: TestClient, conversations: Recorder,
) -> None:
    sign_in(client, "mgr")
    circle = client.get("/conversations/circles/k1", headers={"accept-language": "nl"})
    assert "Volgende sessie op 2026-12-14" in circle.text and 'id="next_session_on" name="next_session_on"' in circle.text
    conversations.answers["HoldCircleSession"] = bad_request(("next_session_on", "must be after held_on"))
    answer = client.post("/conversations/circles/k1/sessions", data={
        "csrf_token": csrf(circle.text), "held_on": "2026-12-14", "case_text": "Een casus", "notes": "", "next_session_on": "2026-12-01",
    }, headers={"accept-language": "nl"})
    assert answer.status_code == 422 and 'id="next_session_on-error"' in answer.text and "moet na de datum van de sessie liggen" in answer.text
    assert 'value="2026-12-01"' in answer.text and "Een casus" in answer.text
    [(_, sent, _)] = [c for c in conversations.calls if c[0] == "HoldCircleSession"]
    assert (sent.held_on, sent.next_session_on) == ("2026-12-14", "2026-12-01")
    sign_in(client, "hr")
    circles = client.get("/conversations/circles", headers={"accept-language": "en"})
    assert "Next session on 2026-12-14" in circles.text and 'id="first_session_on" name="first_session_on"' in circles.text
    conversations.answers["FormCircle"] = bad_request(("first_session_on", "must be today or later"))
    answer = client.post("/conversations/circles", data={
        "csrf_token": csrf(circles.text), "circle_name": "Kring Zuid", "member_ids": ["mgr"], "first_session_on": "2020-01-06",
    }, headers={"accept-language": "en"})
    assert answer.status_code == 422 and 'id="first_session_on-error"' in answer.text and "must be today or later" in answer.text
    assert 'value="2020-01-06"' in answer.text and 'value="Kring Zuid"' in answer.text
    [(_, formed, _)] = [c for c in conversations.calls if c[0] == "FormCircle"]
    assert formed.first_session_on == "2020-01-06"
