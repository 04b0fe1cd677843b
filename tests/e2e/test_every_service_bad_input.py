"""Property: no request a client can send to any service produces INTERNAL or UNKNOWN, kills it, or leaves a
partial write behind a rejection. Every RPC of every service in tests/chaos/stack_under_test.SERVICES, from
their descriptors; the services run as processes on PostgreSQL (the stricter backend: NUL, lengths, types)."""
from __future__ import annotations

import grpc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.chaos.stack_under_test import PEOPLE, SERVICES, Method, RunningStack, invoke, methods, present
from tests.helpers import auth
from tests.strategies import requests

pytestmark = pytest.mark.e2e
FORBIDDEN = {grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN}
ROLES = [("employee",), ("manager",), ("hr",), ("admin",)]
METHODS = methods()
SNAPSHOTS = {s.name: s.snapshot for s in SERVICES}


@pytest.mark.parametrize("method", METHODS, ids=[f"{m.service}.{m.name}" for m in METHODS])
def test_no_generated_request_gets_internal_or_leaves_a_partial_write(running_stack: RunningStack, method: Method) -> None:
    channel = running_stack.channel(method.service)
    snapshot = SNAPSHOTS[method.service] if method.mutating else None

    # What each caller sees, refreshed after every accepted call: one read per example, not two.
    seen: dict[str, object] = {}

    @settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(request=requests(method.request_type, running_stack.known), who=st.sampled_from(PEOPLE), roles=st.sampled_from(ROLES))
    def check(request, who, roles) -> None:
        if snapshot and who not in seen:
            seen[who] = snapshot(channel, who)
        try:
            invoke(channel, method, request, auth(who, *roles))
        except grpc.RpcError as err:
            assert err.code() not in FORBIDDEN, f"{method.path} -> {err.code()}: {err.details()} for {request}"
            if snapshot and err.code() == grpc.StatusCode.INVALID_ARGUMENT:
                assert snapshot(channel, who) == seen[who], f"{method.path} rejected {request} but changed what {who} sees"
            return
        if snapshot:
            seen.pop(who, None)

    check()
    assert not running_stack.dead(), f"processes died: {running_stack.dead()}"


@pytest.mark.parametrize("method", METHODS, ids=[f"{m.service}.{m.name}" for m in METHODS])
def test_garbage_bytes_are_invalid_argument_not_internal(running_stack: RunningStack, method: Method) -> None:
    channel = running_stack.channel(method.service)

    @settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(payload=st.one_of(st.binary(min_size=1, max_size=300), st.just(b"\xff" * 70_000)))
    def check(payload: bytes) -> None:
        try:
            invoke(channel, method, payload, auth("ann"), raw=True)
        except grpc.RpcError as err:
            assert err.code() not in FORBIDDEN, f"{method.path} -> {err.code()}: {err.details()}"

    check()


def test_no_service_logged_an_error_or_died_while_fuzzed(running_stack: RunningStack) -> None:
    assert not running_stack.dead(), f"processes died: {running_stack.dead()}"
    assert not running_stack.error_logs(), f"the services logged errors while fuzzed: {running_stack.error_logs()}"


def test_every_service_of_the_tree_is_in_the_table() -> None:
    assert {s.name for s in present()} >= {"goals"}
    assert len(METHODS) == sum(len(d.methods) for s in present() for d in s.grpc_services)
