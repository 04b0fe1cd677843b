"""Authentication and authorization on every RPC of every service, from the descriptors (a new RPC is covered
without touching this file): no token, expired, wrongly signed, tampered, unsigned or foreign-issuer tokens
are UNAUTHENTICATED; another person's private data is refused. RPCs callable without a token are the
documented allow-list ServiceUnderTest.public (external link-token feedback)."""
from __future__ import annotations

import base64
import json
import time
from typing import Any

import grpc
import jwt
import pytest

from paars.analytics.v1 import analytics_pb2
from paars.feedback.v1 import feedback_pb2
from paars.goals.v1 import goals_pb2
from paars_platform.config import DEV_JWT_SECRET
from tests.chaos.stack_under_test import SERVICES, Method, RunningStack, invoke, methods
from tests.helpers import auth, token

pytestmark = pytest.mark.e2e
METHODS = methods()
PUBLIC = {(s.name, name) for s in SERVICES for name in s.public}
REFUSED = {grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.NOT_FOUND}
# Person fields and the ids of ann's private objects: what a request about "ann's data" carries.
PERSON_FIELDS = ("employee_id", "owner_id", "receiver_id", "subject_id", "giver_id", "requester_id", "recipient_id")


def _claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {"sub": "ann", "roles": ["employee"], "iss": "paars", "iat": now, "exp": now + 600}
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def _tampered() -> str:
    """A real token for ann whose payload was edited to make her an admin; the signature is ann's."""
    header, _, signature = token("ann").split(".")
    payload = base64.urlsafe_b64encode(json.dumps(_claims(roles=["admin", "hr"])).encode()).rstrip(b"=").decode()
    return f"{header}.{payload}.{signature}"


def _unsigned() -> str:
    header = base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "JWT"}).encode()).rstrip(b"=").decode()
    payload = base64.urlsafe_b64encode(json.dumps(_claims(roles=["admin"])).encode()).rstrip(b"=").decode()
    return f"{header}.{payload}."


BAD_CREDENTIALS: dict[str, list[tuple[str, str]]] = {
    "expired": [("authorization", "Bearer " + jwt.encode(_claims(iat=int(time.time()) - 7200, exp=int(time.time()) - 3600), DEV_JWT_SECRET, algorithm="HS256"))],
    "wrongly-signed": [("authorization", "Bearer " + jwt.encode(_claims(), "not-the-secret-" + "x" * 32, algorithm="HS256"))],
    "tampered": [("authorization", "Bearer " + _tampered())],
    "unsigned": [("authorization", "Bearer " + _unsigned())],
    "foreign-issuer": [("authorization", "Bearer " + jwt.encode(_claims(iss="someone-else"), DEV_JWT_SECRET, algorithm="HS256"))],
    "no-subject": [("authorization", "Bearer " + jwt.encode(_claims(sub=""), DEV_JWT_SECRET, algorithm="HS256"))],
    "not-bearer": [("authorization", "Basic YW5uOmFubg==")],
}


def _code(channel: grpc.Channel, method: Method, request: Any, metadata: list[tuple[str, str]] | None) -> grpc.StatusCode:
    try:
        invoke(channel, method, request, metadata)
    except grpc.RpcError as err:
        return err.code()
    return grpc.StatusCode.OK


@pytest.mark.parametrize("method", METHODS, ids=[f"{m.service}.{m.name}" for m in METHODS])
def test_every_rpc_refuses_a_caller_without_a_valid_token(running_stack: RunningStack, method: Method) -> None:
    channel = running_stack.channel(method.service)
    request = method.request_type()
    without = _code(channel, method, request, None)
    if (method.service, method.name) in PUBLIC:
        # Public for link-token callers only: without a token or a link token there is nothing to accept.
        assert without != grpc.StatusCode.OK and without not in (grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN), without
    else:
        assert without == grpc.StatusCode.UNAUTHENTICATED, f"{method.path} without a token -> {without}"
    for name, metadata in BAD_CREDENTIALS.items():
        code = _code(channel, method, request, metadata)
        assert code == grpc.StatusCode.UNAUTHENTICATED, f"{method.path} with a {name} token -> {code}"


def _about_ann(method: Method, private: dict[str, str]) -> Any:
    request = method.request_type()
    fields = request.DESCRIPTOR.fields_by_name
    for name in PERSON_FIELDS:
        if name in fields and fields[name].type == fields[name].TYPE_STRING and not fields[name].is_repeated:
            setattr(request, name, "ann")
    for kind, value in private.items():
        name = f"{kind}_id"
        if name in fields and fields[name].type == fields[name].TYPE_STRING and not fields[name].is_repeated:
            setattr(request, name, value)
    return request


READS = [m for m in METHODS if not m.mutating]


@pytest.mark.parametrize("method", READS, ids=[f"{m.service}.{m.name}" for m in READS])
def test_no_read_shows_a_colleague_what_is_private_to_ann(running_stack: RunningStack, method: Method) -> None:
    """cas (ann's peer, no managerial role) asks every read about ann: refused, or ann's private feedback is not in it."""
    channel = running_stack.channel(method.service)
    request = _about_ann(method, running_stack.private)
    try:
        answer = invoke(channel, method, request, auth("cas"))
    except grpc.RpcError as err:
        assert err.code() not in (grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN), f"{method.path} -> {err.code()}"
        return
    private_feedback = running_stack.private.get("feedback", "")
    if answer is not None and private_feedback:
        assert private_feedback.encode() not in answer.SerializeToString(), f"{method.path} showed cas ann's private feedback"


def _person_scoped_cases(private: dict[str, str]) -> list[tuple[str, str, Any]]:
    """Acting on ann's private data as cas: each must be refused."""
    cases: list[tuple[str, str, Any]] = [
        ("goals", "CheckIn", goals_pb2.CheckInRequest(goal_id=private["goal"], confidence=3, updates=[goals_pb2.KeyResultUpdate(key_result_id=private["key_result"], current_value=1)])),
        ("goals", "AgreeGoal", goals_pb2.AgreeGoalRequest(goal_id=private["goal"])),
        ("goals", "CloseGoal", goals_pb2.CloseGoalRequest(goal_id=private["goal"], achieved=True)),
        ("goals", "CounterProposeGoal", goals_pb2.CounterProposeGoalRequest(goal_id=private["goal"], comment="mine now", title="x")),
        ("analytics", "GetSignals", analytics_pb2.GetSignalsRequest(employee_id="ann", window_days=30)),
    ]
    if "feedback" in private:
        cases += [
            ("feedback", "GetFeedback", feedback_pb2.GetFeedbackRequest(feedback_id=private["feedback"])),
            ("feedback", "AcknowledgeFeedback", feedback_pb2.AcknowledgeFeedbackRequest(feedback_id=private["feedback"])),
        ]
    return cases


def test_acting_on_another_persons_private_data_is_refused(running_stack: RunningStack) -> None:
    by_name = {(m.service, m.name): m for m in METHODS}
    failures = []
    checked = 0
    for service, name, request in _person_scoped_cases(running_stack.private):
        method = by_name.get((service, name))
        if method is None:
            continue
        code = _code(running_stack.channel(service), method, request, auth("cas"))
        checked += 1
        if code not in REFUSED:
            failures.append(f"{method.path} on ann's data as cas -> {code.name}")
    assert checked and not failures, failures
