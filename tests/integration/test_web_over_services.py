"""The web app served by uvicorn over the real goals, feedback and notifications services (in-process, real broker):
the journeys of issue 12 as HTTP requests a browser would send, without the browser."""
from __future__ import annotations

import asyncio
import dataclasses
import pathlib
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import grpc
import httpx
import pytest
import sqlalchemy as sa
import uvicorn

from paars.org.v1 import org_pb2, org_pb2_grpc
from paars_feedback.adapters import tables as feedback_tables
from paars_feedback.bootstrap import build as build_feedback
from paars_goals.bootstrap import build as build_goals
from paars_notifications.adapters import tables as notification_tables
from paars_notifications.bootstrap import Notifications
from paars_platform.embedded_broker import free_port
from paars_platform.runtime import ServiceRuntime
from paars_web.app import create_app
from paars_web.config import SERVICES as WEB_SERVICES
from paars_web.config import WebConfig
from tests.conftest import make_settings
from tests.helpers import demo_directory, system_auth

PEOPLE = {"boss", "hr1", "mgr", "ann", "bob", "cas"}


@dataclass
class Site:
    url: str
    feedback: ServiceRuntime

    def browser(self, language: str = "en") -> httpx.AsyncClient:
        """One person's browser: its own cookie jar, following redirects like a browser does."""
        return httpx.AsyncClient(base_url=self.url, headers={"accept-language": language}, follow_redirects=True, timeout=20.0)


async def _count(runtime: ServiceRuntime, table: sa.Table) -> int:
    assert runtime.db is not None
    async with runtime.db.read() as conn:
        return len({r.id for r in await conn.execute(sa.select(table.c.id))} & PEOPLE)


async def _until(check: Any, what: str, attempts: int = 300) -> None:
    for _ in range(attempts):
        if await check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(what)


@pytest.fixture
async def site(private_kafka_bootstrap: str, tmp_path: pathlib.Path) -> AsyncIterator[Site]:
    bootstrap = private_kafka_bootstrap
    suffix = uuid.uuid4().hex[:8]
    goals = build_goals(make_settings("goals", database_url=f"sqlite+aiosqlite:///{tmp_path}/goals.db", kafka_bootstrap=bootstrap))
    feedback = build_feedback(make_settings(
        "feedback", database_url=f"sqlite+aiosqlite:///{tmp_path}/feedback.db", kafka_bootstrap=bootstrap,
        extra={"org_consumer_group": f"paars-feedback-org-{suffix}"}, consumer_session_timeout_ms=2000, consumer_rebalance_timeout_ms=300,
    ))
    notifications = Notifications(make_settings("notifications", database_url=f"sqlite+aiosqlite:///{tmp_path}/notifications.db", kafka_bootstrap=bootstrap))
    for runtime in (goals, feedback, notifications.runtime):
        await runtime.start()
    server = None
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{goals.grpc_port}") as channel:
            await org_pb2_grpc.OrgServiceStub(channel).ImportDirectory(demo_directory(), metadata=system_auth())
        await _until(lambda: _is(_count(feedback, feedback_tables.people), len(PEOPLE)), "the directory never reached feedback")
        await _until(lambda: _is(_count(notifications.runtime, notification_tables.people), len(PEOPLE)), "the directory never reached notifications")
        port = free_port()
        config = dataclasses.replace(
            WebConfig.from_env(), port=port, base_url=f"http://127.0.0.1:{port}", environment="development", dev_sign_in_requested=True,
            service_addresses={
                "goals": f"127.0.0.1:{goals.grpc_port}", "feedback": f"127.0.0.1:{feedback.grpc_port}",
                "notifications": f"127.0.0.1:{notifications.runtime.grpc_port}",
                # Not started here: their pages are not part of these journeys.
                **{s: "127.0.0.1:1" for s in WEB_SERVICES if s not in ("goals", "feedback", "notifications")},
            },
        )
        server = uvicorn.Server(uvicorn.Config(create_app(config), host="127.0.0.1", port=port, log_config=None, lifespan="on"))
        serving = asyncio.create_task(server.serve())
        await _until(lambda: _is_true(server.started), "the web app did not start")
        yield Site(config.base_url, feedback)
    finally:
        if server is not None:
            server.should_exit = True
            await serving
        for runtime in (notifications.runtime, feedback, goals):
            await runtime.stop()


async def _is(value: Any, expected: int) -> bool:
    return await value == expected


async def _is_true(value: bool) -> bool:
    return value


def csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, page[:500]
    return match.group(1)


async def signed_in(site: Site, person: str, language: str = "en") -> httpx.AsyncClient:
    browser = site.browser(language)
    page = await browser.get("/signin/dev")
    assert page.status_code == 200 and f'value="{person}"' in page.text
    now = await browser.post("/signin/dev", data={"person_id": person, "csrf_token": csrf(page.text)})
    assert now.status_code == 200 and str(now.url).endswith("/")
    return browser


async def test_constructive_feedback_without_an_example_is_refused_beside_the_field_and_the_receiver_acknowledges_it_once_given(site: Site) -> None:
    ann = await signed_in(site, "ann", "nl")
    form = await ann.get("/feedback/give?receiver=bob")
    typed = {"receiver_id": "bob", "relation": "peer", "kind": "constructive", "text": "De overdracht kan beter.", "visibility": "receiver_and_manager"}
    refused = await ann.post("/feedback/give", data={**typed, "csrf_token": csrf(form.text)})
    assert refused.status_code == 422
    assert 'href="#situation"' in refused.text and re.search(r'id="situation-error"', refused.text), "the service's field violation is shown beside the field"
    assert "concreet voorbeeld" in refused.text, "in the person's language"
    assert "De overdracht kan beter." in refused.text, "nothing typed is lost"

    example = {"situation": "Overdracht dinsdag", "behaviour": "Geen notities doorgegeven", "impact": "De klant moest alles herhalen"}
    given = await ann.post("/feedback/give", data={**typed, **example, "csrf_token": csrf(refused.text)})
    assert given.status_code == 200 and "/?given=1" in str(given.url)

    bob = await signed_in(site, "bob")
    now = await bob.get("/")
    assert "Feedback to acknowledge" in now.text
    received = await bob.get("/feedback/received")
    assert "Overdracht dinsdag" in received.text and "The two of you and their manager" in received.text
    feedback_id = re.search(r'action="/feedback/([0-9a-f]+)/acknowledge"', received.text)
    assert feedback_id
    thanked = await bob.post(
        f"/feedback/{feedback_id.group(1)}/acknowledge",
        data={"csrf_token": csrf(received.text), "note": "Dank je, goed punt", "action_kind": "adjust_weakness", "action_title": "Notities delen bij elke overdracht",
              "action_due_date": re.search(r'name="action_due_date" value="([^"]+)"', received.text).group(1)},  # type: ignore[union-attr]
    )
    assert thanked.status_code == 200, re.findall(r'class="error-summary.*?</ul>', thanked.text, re.S)
    assert "You said thank you." in thanked.text and "It is in your action plan." in thanked.text

    reads = await bob.get("/reads")
    assert reads.status_code == 200


async def test_a_customer_answers_through_the_link_once_without_an_account(site: Site) -> None:
    ann = await signed_in(site, "ann")
    page = await ann.get("/feedback/requests")
    asked = await ann.post("/feedback/requests", data={
        "csrf_token": csrf(page.text), "recipient_kind": "customer", "external_name": "Klant NV", "external_email": "inkoop@klant.example",
        "question": "Hoe verliep de levering?", "due_date": re.search(r'name="due_date" value="([^"]+)"', page.text).group(1),  # type: ignore[union-attr]
    })
    assert asked.status_code == 200
    link = re.search(r'id="customer-link">([^<]+)<', asked.text)
    assert link, asked.text[-3000:]

    async with site.browser("nl") as customer:
        form = await customer.get(link.group(1))
        assert form.status_code == 200 and 'id="customer-form"' in form.text
        answered = await customer.post(link.group(1), data={"csrf_token": csrf(form.text), "kind": "praise", "text": "Vlot geleverd, goed opgevolgd."})
        assert answered.status_code == 200 and 'id="customer-thanks"' in answered.text
        again = await customer.post(link.group(1), data={"csrf_token": csrf(form.text), "kind": "praise", "text": "Nog eens"})
        assert again.status_code == 410 and 'id="link-state"' in again.text and 'id="customer-form"' not in again.text

        revisited = await customer.get(link.group(1))
        assert revisited.status_code == 410 and "Deze link is al gebruikt" in revisited.text, "the state shows before anything is typed"

    mine = await ann.get("/feedback/requests")
    assert "Klant NV" in mine.text and "Answered" in mine.text

    second = await ann.post("/feedback/requests", data={
        "csrf_token": csrf(mine.text), "recipient_kind": "customer", "external_name": "Andere Klant", "external_email": "info@andere.example",
        "question": "Was de uitleg duidelijk?", "due_date": re.search(r'name="due_date" value="([^"]+)"', mine.text).group(1),  # type: ignore[union-attr]
    })
    second_link = re.search(r'id="customer-link">([^<]+)<', second.text)
    withdraw = re.search(r'action="(/feedback/requests/[0-9a-f]+/withdraw)"', second.text)
    assert second_link and withdraw
    withdrawn = await ann.post(withdraw.group(1), data={"csrf_token": csrf(second.text)})
    assert withdrawn.status_code == 200 and "Withdrawn" in withdrawn.text
    async with site.browser("en") as customer:
        gone = await customer.get(second_link.group(1))
    assert gone.status_code == 410 and "This link was withdrawn" in gone.text


async def test_a_goal_is_proposed_agreed_by_the_manager_and_checked_in_with_a_confidence(site: Site) -> None:
    ann = await signed_in(site, "ann")
    page = await ann.get("/goals")
    proposed = await ann.post("/goals", data={
        "csrf_token": csrf(page.text), "owner_id": "ann", "kind": "development", "title": "Go leren voor de nieuwe dienst",
        "kr_title": "Afgewerkte cursussen", "kr_start": "0", "kr_target": "3", "kr_unit": "cursussen", "due_date": "2027-06-30",
    })
    assert proposed.status_code == 200 and "/goals/" in str(proposed.url)
    goal_path = str(proposed.url.path)
    assert "Development" in proposed.text and "waiting for Mo Manager" in proposed.text

    mgr = await signed_in(site, "mgr")
    now = await mgr.get("/")
    assert 'id="waiting-goals"' in now.text and goal_path in now.text
    detail = await mgr.get(goal_path)
    agreed = await mgr.post(f"{goal_path}/agree", data={
        "csrf_token": csrf(detail.text), "version": re.search(r'name="version" value="(\d+)"', detail.text).group(1),  # type: ignore[union-attr]
        "comment": "Akkoord, goed plan",
    })
    assert agreed.status_code == 200 and "Agreed" in agreed.text

    mine = await ann.get(goal_path)
    kr_field = re.search(r'name="(kr_[^"]+)"', mine.text)
    assert kr_field, "an agreed goal offers a check-in"
    checked = await ann.post(f"{goal_path}/check-in", data={
        "csrf_token": csrf(mine.text), "version": re.search(r'id="check-in-form".*?name="version" value="(\d+)"', mine.text, re.S).group(1),  # type: ignore[union-attr]
        kr_field.group(1): "1", "confidence": "4", "note": "Eerste cursus af",
    })
    assert checked.status_code == 200
    assert "4 out of 5" in checked.text and "Eerste cursus af" in checked.text


async def test_a_prompt_arrives_on_the_now_page_stream_and_links_to_where_the_person_acts(site: Site) -> None:
    bob = await signed_in(site, "bob")
    now = await bob.get("/")
    after = re.search(r'data-after="(\d+)"', now.text).group(1)  # type: ignore[union-attr]
    ann = await signed_in(site, "ann")
    form = await ann.get("/feedback/give?receiver=bob")

    async def first_prompt() -> str:
        async with bob.stream("GET", f"/now/prompts?after={after}") as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            event: list[str] = []
            async for line in stream.aiter_lines():
                event.append(line)
                if line == "" and any(x.startswith("event: prompt") for x in event):
                    return "\n".join(event)
        return ""

    listening = asyncio.create_task(first_prompt())
    await asyncio.sleep(0.5)
    given = await ann.post("/feedback/give", data={
        "csrf_token": csrf(form.text), "receiver_id": "bob", "relation": "peer", "kind": "praise", "text": "Sterke demo vandaag.", "visibility": "public",
    })
    assert given.status_code == 200
    event = await asyncio.wait_for(listening, 30)
    assert re.search(r"^id: \d+$", event, re.M)
    assert 'href="/feedback/received"' in event, "an acknowledge prompt links to the feedback to acknowledge"


async def test_every_grpc_call_carries_the_requests_correlation_id() -> None:
    """A real channel to a real gRPC server that records the metadata it receives."""
    seen: list[dict[str, str]] = []

    async def list_employees(request: org_pb2.ListEmployeesRequest, context: grpc.aio.ServicerContext) -> org_pb2.ListEmployeesResponse:
        seen.append({k: v for k, v in context.invocation_metadata() if isinstance(v, str)})
        return org_pb2.ListEmployeesResponse(employees=[org_pb2.Employee(id="ann", name="Ann Peeters", active=True)])

    server = grpc.aio.server()
    server.add_generic_rpc_handlers([grpc.method_handlers_generic_handler("paars.org.v1.OrgService", {
        "ListEmployees": grpc.unary_unary_rpc_method_handler(
            list_employees, request_deserializer=org_pb2.ListEmployeesRequest.FromString, response_serializer=org_pb2.ListEmployeesResponse.SerializeToString,
        ),
    })])
    grpc_port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    port = free_port()
    config = dataclasses.replace(
        WebConfig.from_env(), port=port, environment="development", dev_sign_in_requested=True,
        service_addresses={s: f"127.0.0.1:{grpc_port}" for s in WEB_SERVICES},
    )
    web = uvicorn.Server(uvicorn.Config(create_app(config), host="127.0.0.1", port=port, log_config=None, lifespan="on"))
    serving = asyncio.create_task(web.serve())
    try:
        await _until(lambda: _is_true(web.started), "the web app did not start")
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as browser:
            answer = await browser.get("/signin/dev", headers={"x-correlation-id": "journey-42"})
            assert answer.status_code == 200 and answer.headers["x-correlation-id"] == "journey-42"
            await browser.get("/signin/dev")
    finally:
        web.should_exit = True
        await serving
        await server.stop(0)
    assert seen[0]["x-correlation-id"] == "journey-42"
    assert seen[1]["x-correlation-id"] and seen[1]["x-correlation-id"] != "journey-42", "each request has its own"


async def test_a_prompt_released_between_the_now_page_and_its_stream_arrives_in_the_language_the_person_chose(site: Site) -> None:
    cas = await signed_in(site, "cas", "en")
    english = await cas.get("/")
    assert 'lang="en"' in english.text
    switched = await cas.post("/language", data={"language": "nl", "next": "/", "csrf_token": csrf(english.text)})
    assert 'lang="nl"' in switched.text
    # Stored as Cas's preference: a new session in a browser that asks for English still gets Dutch.
    elsewhere = await signed_in(site, "cas", "en")
    page = await elsewhere.get("/")
    assert 'lang="nl"' in page.text
    after = re.search(r'data-after="(\d+)"', page.text).group(1)  # type: ignore[union-attr]

    ann = await signed_in(site, "ann")
    form = await ann.get("/feedback/give?receiver=cas")
    given = await ann.post("/feedback/give", data={
        "csrf_token": csrf(form.text), "receiver_id": "cas", "relation": "peer", "kind": "praise", "text": "Sterke demo vandaag.", "visibility": "public",
    })
    assert given.status_code == 200

    async def listed() -> bool:
        return "gaf je een compliment" in (await elsewhere.get("/")).text

    # Released (and in Dutch) before the stream below is opened from the first page's cursor.
    await _until(listed, "the prompt never reached Cas's Now page")

    async def first_prompt() -> str:
        async with elsewhere.stream("GET", f"/now/prompts?after={after}") as stream:
            event: list[str] = []
            async for line in stream.aiter_lines():
                event.append(line)
                if line == "" and any(x.startswith("event: prompt") for x in event):
                    return "\n".join(event)
        return ""

    event = await asyncio.wait_for(first_prompt(), 30)
    assert "Ann Peeters gaf je een compliment" in event
