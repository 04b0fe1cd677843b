"""HR's referrals inbox with fake stubs: each referral's state in the reader's language, HR's buttons for the next
step only, the step sent with the form's key, a step the referral is past shown as where it stands; the person
concerned sees the state of their own and no buttons."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import grpc
import pytest
from starlette.testclient import TestClient

from paars.feedback.v1 import feedback_pb2 as fb
from paars.org.v1 import org_pb2
from paars_platform.events import timestamp
from paars_web.app import create_app
from paars_web.clients import Stubs
from tests.unit.test_web_app import PEOPLE, config, csrf, sign_in, stubs

RAISED_AT = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)


class FakeReferrals:
    """Ann's one referral, moved as feedback moves it (HR only; a wrong step refused)."""

    def __init__(self) -> None:
        self.referral = fb.Referral(id="rf1", employee_id="ann", note="Vraagt om hulp", raised_at=timestamp(RAISED_AT), state=fb.Referral.STATE_RAISED,
                                    updated_at=timestamp(RAISED_AT))

    def listed(self, request: fb.ListReferralsRequest) -> fb.ListReferralsResponse:
        return fb.ListReferralsResponse(referrals=[self.referral] if request.employee_id == "ann" else [])

    def move(self, frm: int, to: int) -> object:
        def step(request: fb.AcknowledgeReferralRequest | fb.CloseReferralRequest) -> fb.Referral:
            if self.referral.state != frm:
                raise grpc.aio.AioRpcError(grpc.StatusCode.FAILED_PRECONDITION, grpc.aio.Metadata(), grpc.aio.Metadata(), "referral_id: the referral is closed already")
            self.referral.state, self.referral.handled_by = to, "hilde"  # type: ignore[assignment]
            self.referral.updated_at.CopyFrom(timestamp(RAISED_AT + dt.timedelta(days=1)))
            return self.referral
        return step


@pytest.fixture
def referrals() -> FakeReferrals:
    return FakeReferrals()


@pytest.fixture
def fakes(referrals: FakeReferrals) -> Stubs:
    s = stubs()
    s.org.answers["ListEmployees"] = org_pb2.ListEmployeesResponse(employees=[
        *PEOPLE, org_pb2.Employee(id="hilde", name="Hilde HR", team_id="team-a", roles=[org_pb2.ROLE_HR], active=True),
    ])
    s.feedback.answers.update(
        ListReferrals=referrals.listed,
        AcknowledgeReferral=referrals.move(fb.Referral.STATE_RAISED, fb.Referral.STATE_ACKNOWLEDGED),
        CloseReferral=referrals.move(fb.Referral.STATE_ACKNOWLEDGED, fb.Referral.STATE_CLOSED),
    )
    return s


@pytest.fixture
def client(fakes: Stubs) -> Iterator[TestClient]:
    with TestClient(create_app(config(), stubs=fakes), base_url="http://127.0.0.1:8080") as c:
        yield c


def card(page: str) -> str:
    return page.split('id="referral-rf1"')[1].split("</li>")[0]


def test_hr_acknowledges_then_closes_a_referral_and_each_page_shows_where_it_stands(client: TestClient, fakes: Stubs) -> None:
    sign_in(client, "hilde")
    page = client.get("/hr/referrals", headers={"accept-language": "nl"})
    assert page.status_code == 200
    raised = card(page.text)
    assert "Wacht op HR" in raised and 'id="referral-acknowledge-rf1"' in raised and 'id="referral-close-rf1"' not in raised
    answer = client.post("/hr/referrals/rf1/acknowledge", data={"csrf_token": csrf(page.text), "idempotency_key": "k-ack"}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/hr/referrals#referral-rf1"
    [(_method, request, metadata)] = [call for call in fakes.feedback.calls if call[0] == "AcknowledgeReferral"]
    assert (request.referral_id, request.idempotency_key) == ("rf1", "k-ack") and metadata["authorization"].startswith("Bearer ")
    page = client.get("/hr/referrals", headers={"accept-language": "en"})
    acknowledged = card(page.text)
    assert "HR is following it up" in acknowledged and "Hilde HR" in acknowledged
    assert 'id="referral-close-rf1"' in acknowledged and 'id="referral-acknowledge-rf1"' not in acknowledged
    client.post("/hr/referrals/rf1/close", data={"csrf_token": csrf(page.text), "idempotency_key": "k-close"})
    closed = card(client.get("/hr/referrals", headers={"accept-language": "nl"}).text)
    assert "Afgesloten door HR" in closed and "<button" not in closed


def test_a_step_the_referral_is_past_shows_the_page_as_it_is_now(client: TestClient, referrals: FakeReferrals) -> None:
    sign_in(client, "hilde")
    token = csrf(client.get("/hr/referrals").text)
    referrals.referral.state = fb.Referral.STATE_CLOSED  # type: ignore[assignment]
    answer = client.post("/hr/referrals/rf1/close", data={"csrf_token": token, "idempotency_key": "k2"}, headers={"accept-language": "nl"})
    assert answer.status_code == 409
    assert "Deze doorverwijzing is al verder" in answer.text and "Afgesloten door HR" in card(answer.text)
    assert client.post("/hr/referrals/rf1/reopen", data={"csrf_token": token}).status_code == 404


def test_the_person_concerned_sees_the_state_of_their_referral_and_no_buttons(client: TestClient) -> None:
    sign_in(client, "ann")
    mine = card(client.get("/hr/referrals", headers={"accept-language": "en"}).text)
    assert "Waiting for HR" in mine and "<button" not in mine


def test_a_step_without_the_csrf_token_is_refused_and_nothing_is_sent(client: TestClient, fakes: Stubs) -> None:
    sign_in(client, "hilde")
    answer = client.post("/hr/referrals/rf1/acknowledge", data={"csrf_token": "forged"})
    assert answer.status_code in (400, 403)
    assert not [c for c in fakes.feedback.calls if c[0] == "AcknowledgeReferral"]
