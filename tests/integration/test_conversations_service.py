"""The conversations service over real gRPC, a real database and a real broker; its callers' roles and the
reporting lines come from the directory the goals service publishes (org.* events), as in production."""
from __future__ import annotations

import asyncio
import pathlib
import random
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from types import SimpleNamespace

import grpc
import pytest
import sqlalchemy as sa
from google.protobuf import json_format

from paars.conversations.v1 import conversations_pb2 as pb
from paars.conversations.v1 import conversations_pb2_grpc
from paars.org.v1 import org_pb2_grpc
from paars_cli import demo_conversations
from paars_conversations.adapters import tables as t
from paars_conversations.bootstrap import build
from paars_goals.bootstrap import build as build_goals
from paars_platform.errors import field_violations
from paars_platform.runtime import ServiceRuntime
from tests.conftest import make_settings
from tests.helpers import auth, decoded, demo_directory, read_topic, system_auth

DEMO_PEOPLE = {"boss", "hr1", "mgr", "ann", "bob", "cas"}
PRIVATE = "Ann lijkt moe; vragen naar haar werkdruk"
CONCERN = "Mijn leidinggevende speelt therapeut"


@dataclass
class Conversations:
    stub: conversations_pb2_grpc.ConversationsServiceStub
    runtime: ServiceRuntime
    bootstrap: str
    channel: grpc.aio.Channel


async def _projected(runtime: ServiceRuntime) -> bool:
    assert runtime.db is not None
    async with runtime.db.read() as conn:
        return {r.id for r in await conn.execute(sa.select(t.people.c.id))} >= DEMO_PEOPLE


@pytest.fixture
async def conversations(database_url: str, private_kafka_bootstrap: str, tmp_path: pathlib.Path) -> AsyncIterator[Conversations]:
    goals = build_goals(make_settings("goals", database_url=f"sqlite+aiosqlite:///{tmp_path}/goals.db", kafka_bootstrap=private_kafka_bootstrap))
    runtime = build(make_settings(
        "conversations", database_url=database_url, kafka_bootstrap=private_kafka_bootstrap,
        extra={"org_consumer_group": f"paars-conversations-org-{uuid.uuid4().hex[:8]}"},
        consumer_session_timeout_ms=2000, consumer_rebalance_timeout_ms=300,
    ))
    await goals.start()
    await runtime.start()
    goals_channel = grpc.aio.insecure_channel(f"127.0.0.1:{goals.grpc_port}")
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{runtime.grpc_port}")
    try:
        await org_pb2_grpc.OrgServiceStub(goals_channel).ImportDirectory(demo_directory(), metadata=system_auth())
        for _ in range(300):
            if await _projected(runtime):
                break
            await asyncio.sleep(0.1)
        assert await _projected(runtime), "the directory never reached the conversations projection"
        yield Conversations(conversations_pb2_grpc.ConversationsServiceStub(channel), runtime, private_kafka_bootstrap, channel)
    finally:
        await channel.close()
        await goals_channel.close()
        await runtime.stop()
        await goals.stop()


async def test_a_one_on_one_with_a_shared_agenda_a_private_note_and_an_agreement_both_confirm(conversations: Conversations) -> None:
    stub, mgr, ann, boss, hr = conversations.stub, auth("mgr"), auth("ann"), auth("boss"), auth("hr1")
    # Roles and reporting lines come from the directory: the tokens carry none.
    pair = await stub.SchedulePair(pb.SchedulePairRequest(other_id="ann", first_on="2026-12-08"), metadata=mgr)
    assert (pair.lead_id, pair.other_id, pair.kind, pair.cadence_days) == ("mgr", "ann", pb.PAIR_KIND_MANAGER_REPORT, 14)
    meeting_id = pair.next_meeting_id
    await stub.AddAgendaTopic(pb.AddAgendaTopicRequest(meeting_id=meeting_id, text="Mijn ontwikkeldoel", link_kind=pb.LINK_KIND_GOAL, link_id="goal-1"), metadata=ann)
    await stub.AddNote(pb.AddNoteRequest(meeting_id=meeting_id, text=PRIVATE, private=True), metadata=mgr)
    await stub.MarkHat(pb.MarkHatRequest(meeting_id=meeting_id, hat=pb.HAT_COACH), metadata=mgr)
    proposed = await stub.ProposeAgreement(pb.ProposeAgreementRequest(meeting_id=meeting_id, text="Ann leidt de retro", owner_id="ann"), metadata=ann)
    await stub.ConfirmAgreement(pb.ConfirmAgreementRequest(meeting_id=meeting_id, agreement_id=proposed.agreements[0].agreement_id), metadata=mgr)

    seen_by_ann = await stub.GetMeeting(pb.GetMeetingRequest(meeting_id=meeting_id), metadata=ann)
    assert [t.text for t in seen_by_ann.agenda] == ["Mijn ontwikkeldoel"] and seen_by_ann.agreements[0].confirmed
    assert PRIVATE not in str(seen_by_ann) and seen_by_ann.hat == pb.HAT_UNSPECIFIED
    seen_by_mgr = await stub.GetMeeting(pb.GetMeetingRequest(meeting_id=meeting_id), metadata=mgr)
    assert [n.text for n in seen_by_mgr.notes if n.private] == [PRIVATE] and seen_by_mgr.hat == pb.HAT_COACH
    for outsider in (boss, hr, auth("bob")):
        with pytest.raises(grpc.aio.AioRpcError) as denied:
            await stub.GetMeeting(pb.GetMeetingRequest(meeting_id=meeting_id), metadata=outsider)
        assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED
    reads = await stub.ListMeetingReads(pb.ListMeetingReadsRequest(meeting_id=meeting_id), metadata=ann)
    assert [r.reader_id for r in reads.reads] == ["mgr", "ann"]

    held = await stub.CompleteMeeting(pb.CompleteMeetingRequest(meeting_id=meeting_id, held=True), metadata=mgr)
    assert held.state == pb.MEETING_STATE_HELD
    assert (await stub.GetHatMix(pb.GetHatMixRequest(), metadata=mgr)).coach == 1
    assert (await stub.GetHatMix(pb.GetHatMixRequest(), metadata=boss)).coach == 0
    [listed] = (await stub.ListPairs(pb.ListPairsRequest(), metadata=ann)).pairs
    assert listed.next_on == "2026-12-22"

    # The relay publishes after the commit; on a loaded machine that can take a while. Read in a thread: a read on
    # this event loop would block the relay it waits for (its first send to a topic fetches metadata first).
    records = await asyncio.to_thread(read_topic, conversations.bootstrap, "conversations.one-on-one-held.v1", timeout=60)
    [event] = [e for e in decoded(records) if isinstance(e, pb.OneOnOneHeld)]
    assert (event.meeting_id, event.lead_id, event.agenda_topics, event.metadata.subject_id) == (meeting_id, "mgr", 1, "ann")
    assert records[0].key == b"ann"
    [confirmed] = decoded(await asyncio.to_thread(read_topic, conversations.bootstrap, "conversations.agreement-confirmed.v1", timeout=60))
    assert PRIVATE not in json_format.MessageToJson(confirmed) and "retro" not in json_format.MessageToJson(confirmed)


async def test_a_boundary_concern_reaches_hr_only_and_its_event_names_no_one(conversations: Conversations) -> None:
    stub = conversations.stub
    concern = await stub.RaiseConcern(pb.RaiseConcernRequest(kind=pb.CONCERN_KIND_THERAPIST_ROLE, text=CONCERN), metadata=auth("bob"))
    assert (await stub.ListConcerns(pb.ListConcernsRequest(all=True), metadata=auth("hr1"))).concerns[0].text == CONCERN
    for manager in ("mgr", "boss"):
        with pytest.raises(grpc.aio.AioRpcError) as denied:
            await stub.ListConcerns(pb.ListConcernsRequest(all=True), metadata=auth(manager))
        assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED
        with pytest.raises(grpc.aio.AioRpcError) as hidden:
            await stub.AcknowledgeConcern(pb.AcknowledgeConcernRequest(concern_id=concern.concern_id), metadata=auth(manager))
        assert hidden.value.code() == grpc.StatusCode.NOT_FOUND
    await stub.AcknowledgeConcern(pb.AcknowledgeConcernRequest(concern_id=concern.concern_id), metadata=auth("hr1"))
    [mine] = (await stub.ListConcerns(pb.ListConcernsRequest(), metadata=auth("bob"))).concerns
    assert mine.state == pb.CONCERN_STATE_ACKNOWLEDGED
    records = await asyncio.to_thread(read_topic, conversations.bootstrap, "conversations.concern-updated.v1", at_least=2, timeout=60)
    assert {r.key for r in records} == {concern.concern_id.encode()}
    for r in records:
        assert b"bob" not in r.value and CONCERN.encode() not in r.value


async def test_bad_input_names_its_fields_and_an_unauthenticated_call_is_refused(conversations: Conversations) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as bad:
        await conversations.stub.SchedulePair(pb.SchedulePairRequest(other_id="mgr", cadence_days=5, first_on="soon"), metadata=auth("mgr"))
    assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert {f for f, _ in field_violations(bad.value)} == {"other_id", "cadence_days", "first_on"}
    with pytest.raises(grpc.aio.AioRpcError) as anonymous:
        await conversations.stub.ListPairs(pb.ListPairsRequest())
    assert anonymous.value.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_the_demo_sets_up_a_one_on_one_with_a_shared_agenda_and_a_coaching_request(conversations: Conversations) -> None:
    world = SimpleNamespace(
        people=sorted(DEMO_PEOPLE), managers={"hr1": "boss", "mgr": "boss", "ann": "mgr", "bob": "mgr", "cas": "mgr"},
        roles={"boss": {"manager", "leader"}, "hr1": {"hr"}, "mgr": {"manager"}}, state={},
        channel=lambda service: conversations.channel, auth=lambda person: auth(person),
    )
    rng = random.Random(3)
    line = await demo_conversations.start_conversations(world, rng)
    assert line and "1:1" in line and "coaching" in line
    assert await demo_conversations.start_conversations(world, rng) is None  # once
    [pair] = (await conversations.stub.ListPairs(pb.ListPairsRequest(), metadata=auth("ann"))).pairs
    meeting = await conversations.stub.GetMeeting(pb.GetMeetingRequest(meeting_id=pair.next_meeting_id), metadata=auth("ann"))
    assert {t.author_id for t in meeting.agenda} == {"ann", "mgr"} and not any(n.private for n in meeting.notes)
    for _ in range(4):
        await demo_conversations.answer_coaching(world, rng)
        await demo_conversations.hold_one_on_one(world, rng)
    [request] = (await conversations.stub.ListCoachingRequests(pb.ListCoachingRequestsRequest(), metadata=auth("bob"))).requests
    assert request.state == pb.COACHING_STATE_ACCEPTED
    sessions = (await conversations.stub.ListCoachingSessions(pb.ListCoachingSessionsRequest(request_id=request.request_id), metadata=auth("bob"))).sessions
    assert sessions
    [completed, *_] = decoded(await asyncio.to_thread(read_topic, conversations.bootstrap, "conversations.coaching-session-completed.v1", timeout=60))
    assert (completed.coachee_id, completed.coach_id) == ("bob", "mgr")
