"""SCIM 2.0 provisioning against the real goals service: the compliance checker scim2-tester finds no
error, Users and Groups land in the directory, and a leaver loses access on every service at once."""
from __future__ import annotations

from typing import Any

import grpc
import httpx
import pytest
from scim2_client import BaseSyncSCIMClient
from scim2_client.errors import RequestNetworkException
from scim2_tester import Status, check_server

from paars.analytics.v1 import analytics_pb2, analytics_pb2_grpc
from paars.feedback.v1 import feedback_pb2, feedback_pb2_grpc
from paars.goals.v1 import goals_pb2, goals_pb2_grpc
from paars.notifications.v1 import notifications_pb2, notifications_pb2_grpc
from paars.org.v1 import org_pb2, org_pb2_grpc
from paars.story.v1 import story_pb2, story_pb2_grpc
from tests.identity.conftest import SCIM_TOKEN, Identity, wait_until

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


class HttpxSCIMClient(BaseSyncSCIMClient):
    """scim2-client's network engine over httpx (its own wants httpx2, which this project does not install)."""

    def __init__(self, client: httpx.Client, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.client = client

    def _stays_under_base_url(self, endpoint: str) -> bool:
        url = self.client.build_request("GET", endpoint).url
        return url.host == self.client.base_url.host and url.port == self.client.base_url.port and url.path.startswith(self.client.base_url.path)

    def _parse_json(self, response: Any) -> Any:
        return response.json()

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            return self.client.request(method, url, **kwargs)
        except httpx.RequestError as exc:
            raise RequestNetworkException() from exc


def scim(identity: Identity, token: str = SCIM_TOKEN) -> httpx.Client:
    headers = {"Content-Type": "application/scim+json", "Accept": "application/scim+json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.Client(base_url=identity.scim_url, timeout=20, headers=headers)


def probes(person: str) -> list[tuple[str, type, str, object]]:
    """One read per service that any employee may make about themselves."""
    return [
        ("goals", goals_pb2_grpc.GoalServiceStub, "ListGoals", goals_pb2.ListGoalsRequest(owner_id=person)),
        ("feedback", feedback_pb2_grpc.FeedbackServiceStub, "ListFeedback", feedback_pb2.ListFeedbackRequest(receiver_id=person)),
        ("notifications", notifications_pb2_grpc.NotificationServiceStub, "ListPrompts", notifications_pb2.ListPromptsRequest(limit=1)),
        ("analytics", analytics_pb2_grpc.AnalyticsServiceStub, "GetSignals", analytics_pb2.GetSignalsRequest(employee_id=person, window_days=30)),
        ("story", story_pb2_grpc.StoryServiceStub, "GetStory", story_pb2.GetStoryRequest()),
    ]


def codes(identity: Identity, person: str, token: str) -> dict[str, grpc.StatusCode]:
    return {service: identity.code(service, stub, method, request, token) for service, stub, method, request in probes(person)}


def employee(identity: Identity, employee_id: str) -> org_pb2.Employee:
    found = identity.call("goals", org_pb2_grpc.OrgServiceStub, "GetEmployee", org_pb2.GetEmployeeRequest(employee_id=employee_id), identity.system_token("hris-sync"))
    assert isinstance(found, org_pb2.Employee)
    return found


def test_the_scim_compliance_checker_finds_no_error(identity: Identity) -> None:
    with scim(identity) as http:
        results = check_server(HttpxSCIMClient(http))
    failures = [f"{r.title} [{r.resource_type}]: {r.reason}" for r in results if r.status in (Status.ERROR, Status.CRITICAL)]
    assert failures == []
    passed = [r for r in results if r.status == Status.SUCCESS]
    # Discovery, and create / read / query / replace / delete / patch of both Users and Groups.
    assert {r.resource_type for r in passed} >= {"User", "Group"}
    assert len(passed) >= 20


def test_without_the_provisioning_secret_scim_answers_401_and_changes_nothing(identity: Identity) -> None:
    body = {"schemas": [USER], "userName": "intruder"}
    for token in ("", "not-the-secret", identity.system_token("hris-sync")):
        with scim(identity, token) as http:
            response = http.post("/Users", json=body)
        assert response.status_code == 401
        assert response.json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    with scim(identity) as http:
        assert http.get("/Users", params={"filter": 'userName eq "intruder"'}).json()["totalResults"] == 0


def test_a_provisioned_user_and_group_become_the_directory_person_their_manager_team_and_roles(identity: Identity) -> None:
    with scim(identity) as http:
        created = http.post("/Users", json={
            "schemas": [USER, ENTERPRISE], "userName": "noor.scim", "externalId": "okta-00u1",
            "name": {"givenName": "Noor", "familyName": "Haddad"}, "displayName": "Noor Haddad",
            "emails": [{"value": "Noor.Haddad@paars.example", "primary": True, "type": "work"}],
            "timezone": "Europe/Amsterdam", "active": True,
            ENTERPRISE: {"manager": {"value": "jan"}, "department": "Provisioned from SCIM"},
        })
        assert created.status_code == 201, created.text
        assert created.json()["id"] == "noor.scim"
        assert created.headers["ETag"] == 'W/"1"'
        duplicate = http.post("/Users", json={"schemas": [USER], "userName": "NOOR.scim"})
        assert duplicate.status_code == 409 and duplicate.json()["scimType"] == "uniqueness"
        found = http.get("/Users", params={"filter": 'externalId eq "okta-00u1"'}).json()
        assert [r["id"] for r in found["Resources"]] == ["noor.scim"]

        person = employee(identity, "noor.scim")
        assert (person.name, person.email, person.manager_id, person.active, person.time_zone) == (
            "Noor Haddad", "noor.haddad@paars.example", "jan", True, "Europe/Amsterdam",
        )
        teams = identity.call("goals", org_pb2_grpc.OrgServiceStub, "ListEmployees", org_pb2.ListEmployeesRequest(team_id=person.team_id), identity.system_token("hris-sync"))
        assert [e.id for e in teams.employees] == ["noor.scim"]  # type: ignore[attr-defined]
        assert list(person.roles) == [org_pb2.ROLE_EMPLOYEE]

        group = http.post("/Groups", json={"schemas": [GROUP], "displayName": "Paars HR", "members": [{"value": "noor.scim"}]})
        assert group.status_code == 201, group.text
        assert set(employee(identity, "noor.scim").roles) == {org_pb2.ROLE_EMPLOYEE, org_pb2.ROLE_HR}
        removed = http.patch(f"/Groups/{group.json()['id']}", json={
            "schemas": [PATCH], "Operations": [{"op": "remove", "path": 'members[value eq "noor.scim"]'}],
        })
        assert removed.status_code == 200, removed.text
        assert list(employee(identity, "noor.scim").roles) == [org_pb2.ROLE_EMPLOYEE]
        unknown = http.post("/Groups", json={"schemas": [GROUP], "displayName": "Ghosts", "members": [{"value": "nobody-here"}]})
        assert unknown.status_code == 400 and "members" in unknown.json()["detail"]


def test_a_report_provisioned_before_their_manager_gets_that_manager_when_the_manager_arrives(identity: Identity) -> None:
    with scim(identity) as http:
        report = http.post("/Users", json={"schemas": [USER, ENTERPRISE], "userName": "early.report", ENTERPRISE: {"manager": {"value": "late.manager"}}})
        assert report.status_code == 201, report.text
        assert employee(identity, "early.report").manager_id == ""
        assert http.post("/Users", json={"schemas": [USER], "userName": "late.manager"}).status_code == 201
    assert employee(identity, "early.report").manager_id == "late.manager"


@pytest.mark.parametrize("how", ["active=false", "DELETE"])
def test_a_leaver_deactivated_by_scim_is_refused_by_every_service(identity: Identity, how: str) -> None:
    person = f"leaver-{'patch' if how == 'active=false' else 'delete'}"
    token = identity.signed(person, identity.keys[0], ttl=3600)
    with scim(identity) as http:
        created = http.post("/Users", json={"schemas": [USER], "userName": person, "emails": [{"value": f"{person}@paars.example"}]})
        assert created.status_code == 201, created.text
        # Every service learns the new person from org.employee-changed.v1; then their token works everywhere.
        wait_until(lambda: set(codes(identity, person, token).values()) == {grpc.StatusCode.OK}, f"{person} never got in everywhere")
        if how == "DELETE":
            assert http.delete(f"/Users/{person}").status_code == 204
            assert http.get(f"/Users/{person}").status_code == 404
        else:
            patched = http.patch(f"/Users/{person}", json={"schemas": [PATCH], "Operations": [{"op": "replace", "path": "active", "value": False}]})
            assert patched.status_code == 200 and patched.json()["active"] is False
    # The same, unexpired token: goals refuses it on the next call, the others once the event reaches them.
    assert identity.code("goals", *probes(person)[0][1:], token) == grpc.StatusCode.PERMISSION_DENIED  # type: ignore[arg-type]
    wait_until(
        lambda: set(codes(identity, person, token).values()) == {grpc.StatusCode.PERMISSION_DENIED},
        f"a service still lets {person} in: {codes(identity, person, token)}",
    )
    assert employee(identity, person).active is False
