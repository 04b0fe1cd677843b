"""The privacy matrix of the conversations service: every reader (the two people, their manager's manager, HR,
an admin, a colleague, a coach, circle members) over every read path (each query, each meeting read, the read
audit, the hat mix) and over every event the outbox publishes. Each secret reaches exactly its audience."""
from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from google.protobuf import json_format

from paars_conversations.adapters.protobuf import event_to_proto
from paars_conversations.domain import coaching as co
from paars_conversations.domain import concerns as cn
from paars_conversations.domain import one_on_one as o
from paars_conversations.domain import privacy
from paars_conversations.service_layer import commands as c
from paars_conversations.service_layer.messagebus import MessageBus
from paars_platform.auth import Identity
from paars_platform.errors import DomainError
from tests.unit.conversations_fakes import Store, bus, organisation, person

PRIVATE_NOTE = "PRIVATE-mgr-worries-about-burnout"
ANN_PRIVATE = "PRIVATE-ann-thinks-about-leaving"
SHARED_NOTE = "SHARED-retro-went-well"
AGENDA = "AGENDA-talk-about-growth"
AGREEMENT = "AGREEMENT-ann-leads-retro"
COACH_TOPIC = "COACHING-topic-speaking-up"
COACH_NOTES = "COACHING-notes-practised-opening"
CONCERN = "CONCERN-my-manager-acts-as-therapist"
RESOLUTION = "CONCERN-resolution-spoke-with-counsellor"
CASE = "CIRCLE-case-a-report-in-crisis"
CIRCLE_NOTES = "CIRCLE-notes-try-a-referral"

READERS = {
    "mgr": person("mgr", "manager"), "ann": person("ann"), "bob": person("bob"), "boss": person("boss", "manager", "leader"),
    "hr1": person("hr1", "hr"), "adm": person("adm", "admin", "hr"), "cara": person("cara", "coach"),
    "nia": person("nia", "manager"), "pim": person("pim", "manager"), "olaf": person("olaf", "manager"),
}
# Who may read each secret; everyone else never does, whatever their role ("adm" is admin and HR at once).
AUDIENCE = {
    PRIVATE_NOTE: {"mgr"},
    ANN_PRIVATE: {"ann"},
    SHARED_NOTE: {"mgr", "ann"},
    AGENDA: {"mgr", "ann"},
    AGREEMENT: {"mgr", "ann"},
    COACH_TOPIC: {"ann", "cara"},
    COACH_NOTES: {"ann", "cara"},
    CONCERN: {"bob", "hr1", "adm"},
    RESOLUTION: {"bob", "hr1", "adm"},
    CASE: {"mgr", "nia", "pim"},
    CIRCLE_NOTES: {"mgr", "nia", "pim"},
}


def organisation_with_an_hr_admin() -> Store:
    store = organisation()
    store.people["adm"] = dataclasses.replace(store.people["adm"], roles=frozenset({"employee", "admin", "hr"}))
    return store


async def populated() -> tuple[Store, dict[str, Any]]:
    store = organisation_with_an_hr_admin()
    return store, await populate(bus(store))


async def populate(b: MessageBus) -> dict[str, Any]:
    """One of everything, each holding its secret: a 1:1 (agenda, notes, agreement, hat), coaching, a concern, a circle."""
    mgr, ann, bob, hr, cara, nia = (READERS[k] for k in ("mgr", "ann", "bob", "hr1", "cara", "nia"))
    pair = await b.handle(c.SchedulePair(mgr, other_id="ann", kind=o.PairKind.MANAGER_REPORT, cadence_days=14, first_on=dt.date(2026, 3, 4)))
    meeting_id = pair.next_meeting.id
    await b.handle(c.AddAgendaTopic(ann, meeting_id=meeting_id, text=AGENDA, link_kind=o.LinkKind.GOAL, link_id="goal-1"))
    await b.handle(c.AddNote(mgr, meeting_id=meeting_id, text=SHARED_NOTE, private=False))
    await b.handle(c.AddNote(mgr, meeting_id=meeting_id, text=PRIVATE_NOTE, private=True))
    await b.handle(c.AddNote(ann, meeting_id=meeting_id, text=ANN_PRIVATE, private=True))
    proposed = await b.handle(c.ProposeAgreement(ann, meeting_id=meeting_id, text=AGREEMENT, owner_id="ann", due_date=None))
    await b.handle(c.ConfirmAgreement(mgr, meeting_id=meeting_id, agreement_id=proposed.meeting.agreements[0].id))
    await b.handle(c.MarkHat(mgr, meeting_id=meeting_id, hat=o.Hat.COACH))
    await b.handle(c.CompleteMeeting(mgr, meeting_id=meeting_id, held=True))
    await b.handle(c.SetCoachProfile(cara, bio="Coach", capacity=2))
    request = await b.handle(c.RequestCoaching(ann, coach_id="cara", relation=co.Relation.INTERNAL_COACH, topic=COACH_TOPIC))
    await b.handle(c.AnswerCoachingRequest(cara, request_id=request.id, accept=True))
    await b.handle(c.RecordCoachingSession(cara, request_id=request.id, held_on=dt.date(2026, 3, 5), notes=COACH_NOTES))
    concern = await b.handle(c.RaiseConcern(bob, kind=cn.Kind.THERAPIST_ROLE, text=CONCERN))
    await b.handle(c.AcknowledgeConcern(hr, concern_id=concern.id))
    await b.handle(c.ResolveConcern(hr, concern_id=concern.id, resolution=RESOLUTION))
    circle = await b.handle(c.FormCircle(hr, name="Kring", member_ids=("mgr", "nia", "pim"), first_session_on=dt.date(2026, 3, 6)))
    await b.handle(c.HoldCircleSession(
        nia, circle_id=circle.id, held_on=dt.date(2026, 3, 6), case_text=CASE, notes=CIRCLE_NOTES, next_session_on=dt.date(2026, 4, 3),
    ))
    meetings = [v.meeting.id for v in await b.ask(c.ListMeetings(mgr, pair_id=pair.pair.id))]
    return {"pair": pair.pair.id, "meeting": meeting_id, "meetings": meetings, "request": request.id, "concern": concern.id, "circle": circle.id}


async def everything_seen_by(b: MessageBus, who: Identity, ids: dict[str, Any]) -> str:
    """Every read path the service has, asked by one reader about every id there is; refusals read as nothing."""
    meeting_ids = ids["meetings"]
    calls = [
        *(b.handle(c.ReadMeeting(who, meeting_id=m)) for m in meeting_ids),
        *(b.ask(c.ListMeetingReads(who, meeting_id=m)) for m in meeting_ids),
        b.ask(c.ListPairs(who)), b.ask(c.ListMeetings(who, pair_id=ids["pair"])), b.ask(c.GetHatMix(who, days=90)),
        b.ask(c.ListCoaches(who)), b.ask(c.ListCoachingRequests(who)), b.ask(c.ListCoachingSessions(who, request_id=ids["request"])),
        b.ask(c.ListConcerns(who, all=False)), b.ask(c.ListConcerns(who, all=True)),
        b.ask(c.ListCircles(who)), b.ask(c.ListCircleSessions(who, circle_id=ids["circle"])),
    ]
    seen = []
    for call in calls:
        try:
            seen.append(repr(await call))
        except DomainError:
            seen.append("refused")
    return "\n".join(seen)


@pytest.mark.parametrize("reader", sorted(READERS))
async def test_each_secret_reaches_exactly_its_audience_on_every_read_path(reader: str) -> None:
    store, ids = await populated()
    seen = await everything_seen_by(bus(store), READERS[reader], ids)
    leaks = [s for s, audience in AUDIENCE.items() if reader not in audience and s in seen]
    missing = [s for s, audience in AUDIENCE.items() if reader in audience and s not in seen]
    assert leaks == [], f"{reader} read what is not theirs"
    assert missing == [], f"{reader} cannot read what is theirs"


@pytest.mark.parametrize("reader", sorted(READERS))
async def test_the_hat_is_the_manager_s_alone(reader: str) -> None:
    store, ids = await populated()
    who = READERS[reader]
    mix = await bus(store).ask(c.GetHatMix(who, days=90))
    try:
        meeting_hat = (await bus(store).handle(c.ReadMeeting(who, meeting_id=ids["meeting"]))).hat
    except DomainError:
        meeting_hat = o.Hat.UNMARKED
    if reader == "mgr":
        assert (mix.counts[o.Hat.COACH], meeting_hat) == (1, o.Hat.COACH)
    else:
        assert (sum(mix.counts.values()), meeting_hat) == (0, o.Hat.UNMARKED)


async def test_the_read_audit_names_readers_and_times_and_never_what_they_read() -> None:
    store, ids = await populated()
    await bus(store).handle(c.ReadMeeting(READERS["ann"], meeting_id=ids["meeting"]))
    reads = await bus(store).ask(c.ListMeetingReads(READERS["mgr"], meeting_id=ids["meeting"]))
    assert reads and all(isinstance(who, str) and isinstance(at, dt.datetime) for who, at in reads)
    assert {who for who, _ in reads} == {"ann"}


async def test_no_event_carries_anyone_s_words_and_the_concern_s_names_no_person() -> None:
    store, _ = await populated()
    kinds = {type(e).__name__ for e in store.outbox}
    assert kinds >= {
        "OneOnOneScheduled", "OneOnOneHeld", "AgreementConfirmed", "CoachingRequestUpdated", "CoachingSessionCompleted", "ConcernUpdated",
        "CircleSessionHeld", "CircleSessionPlanned",
    }
    for event in store.outbox:
        message = event_to_proto(event)
        text = message.SerializeToString().decode("latin-1") + json_format.MessageToJson(message)
        assert not [s for s in AUDIENCE if s in text], type(event).__name__
        assert "hat" not in {f.name for f in message.DESCRIPTOR.fields}
        people = privacy.EVENT_PEOPLE_FIELDS[message.DESCRIPTOR.name]
        named = {message.metadata.subject_id, message.metadata.actor_id}
        for f in people:
            value = getattr(message, f)
            named |= {value} if isinstance(value, str) else set(value)
        if message.DESCRIPTOR.name == "CircleSessionPlanned":
            # The members' ids and the date only: whose turn it is (the case owner) stays in the circle.
            assert named - {""} == {message.circle_id, "mgr", "nia", "pim"}
            assert {f.name for f in message.DESCRIPTOR.fields} == {"metadata", "circle_id", "planned_on", "member_ids"}
        if message.DESCRIPTOR.name == "ConcernUpdated":
            assert not named & set(store.people), "a concern's event names a person"
            assert message.metadata.subject_id == message.concern_id and message.metadata.actor_id == ""


def test_roles_never_open_a_private_note_a_hat_a_coaching_or_a_circle_session() -> None:
    everyone = frozenset({"employee", "manager", "hr", "admin", "leader", "coach", "system"})
    strong = privacy.Reader("boss", everyone)
    for content in (privacy.Content.PRIVATE_NOTE, privacy.Content.HAT, privacy.Content.SHARED_MEETING, privacy.Content.COACHING,
                    privacy.Content.CIRCLE_SESSION, privacy.Content.MEETING_READS):
        assert not privacy.may_read(strong, privacy.Item(content, "ann", frozenset({"ann", "mgr"})))
    assert not privacy.may_read(privacy.Reader("", everyone), privacy.Item(privacy.Content.CONCERN, ""))
