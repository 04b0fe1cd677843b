"""Crypto-shredding of the personal fields of events (issue 18 item 4): the cipher, the KeyRing over a fake key store,
and which event fields are marked personal."""
from __future__ import annotations

import re
from collections.abc import Sequence

import pytest
from google.protobuf import descriptor as d

from paars.analytics.v1 import analytics_pb2
from paars.common.v1 import event_pb2
from paars.feedback.v1 import feedback_pb2
from paars.goals.v1 import goals_pb2
from paars.org.v1 import org_pb2
from paars_platform import crypto
from paars_platform.deadletter import KeptRecord, dead_letter
from paars_platform.events import decode, message_class, new_metadata, to_record
from paars_platform.keyring import KeyRing, KeyScope, KeysUnavailable, PersonKey
from paars_platform.topics import TOPICS


class FakeKeyStore:
    """goals' KeyStore in memory: get-or-create per (person, kind, period), destroy, and an outage switch."""

    def __init__(self) -> None:
        self.by_scope: dict[KeyScope, PersonKey] = {}
        self.erased: set[str] = set()
        self.calls = 0
        self.down = False

    async def fetch(self, scopes: Sequence[KeyScope], key_ids: Sequence[str], create: bool) -> list[PersonKey]:
        self.calls += 1
        if self.down:
            raise ConnectionError("goals is down")
        out = [k for k in self.by_scope.values() if k.key_id in key_ids]
        for s in scopes:
            if s not in self.by_scope and s.person_id in self.erased:
                out.append(PersonKey(s.person_id, "erased-" + s.person_id, None, s.kind, s.period))
                continue
            if s not in self.by_scope and create:
                self.by_scope[s] = PersonKey(s.person_id, crypto.new_key_id(), crypto.new_data_key(), s.kind, s.period)
            if s in self.by_scope and self.by_scope[s] not in out:
                out.append(self.by_scope[s])
        return out

    @property
    def keys(self) -> dict[str, PersonKey]:
        """Each person's one key (the tests here make one key per person)."""
        return {k.person_id: k for k in self.by_scope.values()}

    def destroy(self, person: str) -> None:
        self.erased.add(person)
        for s, k in list(self.by_scope.items()):
            if s.person_id == person:
                self.by_scope[s] = PersonKey(k.person_id, k.key_id, None, k.kind, k.period)


def feedback_for(receiver: str, text: str) -> feedback_pb2.FeedbackGiven:
    return feedback_pb2.FeedbackGiven(
        metadata=new_metadata(producer="feedback", subject_id=receiver, visibility=event_pb2.VISIBILITY_PUBLIC),
        feedback_id="f1", receiver_id=receiver, giver_id="mgr", text=text, tags=["clarity"],
    )


def goal_for(owner: str, title: str) -> goals_pb2.GoalUpdated:
    return goals_pb2.GoalUpdated(
        metadata=new_metadata(producer="goals", subject_id=owner, visibility=event_pb2.VISIBILITY_INTERNAL),
        goal=goals_pb2.Goal(id="g1", owner_id=owner, title=title, description="the why", key_results=[goals_pb2.KeyResult(id="k", title="kr words")]),
        field_changes=[goals_pb2.FieldChange(field="title", before="old words", after=title)], note="a check-in note",
    )


# ---------- the cipher ----------


def test_a_value_round_trips_and_names_its_key() -> None:
    key = crypto.new_data_key()
    sealed = crypto.encrypt_value("kid1", key, "Ann's feedback: lead with the impact")
    assert sealed.startswith("pc1:kid1:") and "impact" not in sealed
    assert crypto.key_ids_in(sealed) == ["kid1"]
    assert crypto.decrypt_value(sealed, {"kid1": key}.get) == "Ann's feedback: lead with the impact"


def test_the_same_plaintext_encrypts_differently_each_time() -> None:
    key = crypto.new_data_key()
    assert crypto.encrypt_value("k", key, "same") != crypto.encrypt_value("k", key, "same")


def test_a_wrong_key_or_a_changed_value_does_not_decrypt() -> None:
    key = crypto.new_data_key()
    sealed = crypto.encrypt_value("kid1", key, "secret words")
    with pytest.raises(crypto.UndecryptableField):
        crypto.decrypt_value(sealed, {"kid1": crypto.new_data_key()}.get)
    body = sealed.rsplit(":", 1)[1]
    flipped = sealed[: -len(body)] + ("A" if body[0] != "A" else "B") + body[1:]
    with pytest.raises(crypto.UndecryptableField):
        crypto.decrypt_value(flipped, {"kid1": key}.get)
    # The key id is bound in: the same body under another key id does not open with that id's key.
    with pytest.raises(crypto.UndecryptableField):
        crypto.decrypt_value(sealed.replace("pc1:kid1:", "pc1:kid2:"), {"kid2": key}.get)


def test_a_value_under_a_destroyed_key_reads_as_empty_and_a_text_of_several_values_keeps_the_rest() -> None:
    ann, bob = crypto.new_data_key(), crypto.new_data_key()
    text = f"'{crypto.encrypt_value('a', ann, 'Ship it')}' was moved by {crypto.encrypt_value('b', bob, 'Bob')}"
    assert crypto.decrypt_value(text, {"a": ann, "b": bob}.get) == "'Ship it' was moved by Bob"
    assert crypto.decrypt_value(text, {"a": None, "b": bob}.get) == "'' was moved by Bob"


def test_a_value_followed_by_letters_in_a_text_still_decrypts() -> None:
    key = crypto.new_data_key()
    sealed = crypto.encrypt_value("kid1", key, "Ann")
    assert crypto.decrypt_value(f"{sealed}s goal", {"kid1": key}.get) == "Anns goal"
    assert crypto.decrypt_value(f"{sealed}2x", {"kid1": key}.get) == "Ann2x"


def test_the_key_encryption_key_wraps_a_data_key_for_one_person_and_key_id_only() -> None:
    kek = crypto.KeyEncryptionKey.from_text(crypto.KeyEncryptionKey.generate())
    data_key = crypto.new_data_key()
    wrapped = kek.wrap("ann", "kid", data_key)
    assert data_key not in wrapped
    assert kek.unwrap("ann", "kid", wrapped) == data_key
    with pytest.raises(crypto.UndecryptableField):
        kek.unwrap("bob", "kid", wrapped)
    with pytest.raises(crypto.UndecryptableField):
        crypto.KeyEncryptionKey.from_text(crypto.KeyEncryptionKey.generate()).unwrap("ann", "kid", wrapped)
    with pytest.raises(ValueError, match="32 bytes"):
        crypto.KeyEncryptionKey.from_text("c2hvcnQ=")


# ---------- the KeyRing: what the relay and the consumers do ----------


async def test_the_relay_encrypts_personal_fields_with_the_subjects_key_and_a_consumer_reads_plaintext() -> None:
    store = FakeKeyStore()
    relay, consumer = KeyRing(store), KeyRing(store)
    records = [to_record(feedback_for("ann", "You explained the outage clearly")), to_record(goal_for("bob", "Learn billing"))]
    sent = await relay.encrypt_records(records)
    assert b"outage" not in sent[0].value and b"billing" not in sent[1].value and b"check-in" not in sent[1].value
    assert sent[0].key == records[0].key and sent[0].headers == records[0].headers
    events = [decode(r.value, r.headers) for r in sent]
    assert events[0].text.startswith(f"pc1:{store.keys['ann'].key_id}:")  # type: ignore[attr-defined]
    assert events[1].goal.title.startswith(f"pc1:{store.keys['bob'].key_id}:")  # type: ignore[attr-defined]
    assert events[0].tags == ["clarity"] and events[0].receiver_id == "ann"  # type: ignore[attr-defined]
    await consumer.decrypt_events(events)
    assert events[0] == decode(records[0].value, records[0].headers)
    assert events[1] == decode(records[1].value, records[1].headers)


async def test_an_event_without_personal_fields_passes_the_relay_unparsed() -> None:
    store = FakeKeyStore()
    ack = feedback_pb2.FeedbackAcknowledged(metadata=new_metadata(producer="feedback", subject_id="ann", visibility=1), feedback_id="f")
    record = to_record(ack)
    assert (await KeyRing(store).encrypt_records([record])) == [record]
    assert store.calls == 0


async def test_a_dead_letter_in_the_outbox_is_sealed_as_an_event_of_its_source_topic() -> None:
    """notifications dead-letters a parked event through its outbox; its value is the decrypted event, and must reach the
    dead-letter topic encrypted as the event reached its own topic (a replay to that topic then reads as any event)."""
    store = FakeKeyStore()
    event = feedback_for("ann", "You explained the outage clearly")
    kept = to_record(event)
    letter = dead_letter(KeptRecord(kept.topic, kept.key, kept.value, kept.headers), "handler-failed", "boom", service="notifications", consumer="notifications")
    [sent] = await KeyRing(store).encrypt_records([letter.as_record()])
    assert sent.topic == "notifications.dead-letter.v1" and sent.headers == letter.headers
    assert b"outage" not in sent.value
    replayed = decode(sent.value, sent.headers)
    await KeyRing(store).decrypt_events([replayed])
    assert replayed == event
    other = dead_letter(KeptRecord("nowhere.v1", b"k", b"raw", []), "handler-failed", "boom", service="notifications", consumer="notifications")
    assert (await KeyRing(store).encrypt_records([other.as_record()]))[0].value == b"raw", "no event topic: passed unparsed"


async def test_after_erasure_past_events_read_empty_and_new_ones_carry_nothing() -> None:
    store = FakeKeyStore()
    relay = KeyRing(store)
    before = [decode(r.value, r.headers) for r in await relay.encrypt_records([to_record(feedback_for("ann", "words about Ann"))])]
    store.destroy("ann")
    relay.forget("ann")
    consumer = KeyRing(store)
    await consumer.decrypt_events(before)
    assert before[0].text == "" and before[0].receiver_id == "ann"  # type: ignore[attr-defined]
    after = [decode(r.value, r.headers) for r in await relay.encrypt_records([to_record(feedback_for("ann", "more words"))])]
    assert after[0].text == ""  # type: ignore[attr-defined]


async def test_keys_are_cached_bounded_and_expire() -> None:
    store = FakeKeyStore()
    now = [0.0]
    ring = KeyRing(store, max_entries=2, ttl_seconds=10, clock=lambda: now[0])
    await ring.for_people(["ann", "bob"])
    await ring.for_people(["ann", "bob"])
    assert store.calls == 1
    await ring.for_people(["cas"])  # a third person evicts the least recently used
    assert len(ring._by_key) == 2
    now[0] = 11.0
    await ring.for_people(["cas"])
    assert store.calls == 3


async def test_a_key_store_outage_is_keys_unavailable_not_plaintext() -> None:
    store = FakeKeyStore()
    store.down = True
    with pytest.raises(KeysUnavailable):
        await KeyRing(store).encrypt_records([to_record(feedback_for("ann", "words"))])
    with pytest.raises(KeysUnavailable):
        await KeyRing(store).decrypt_events([feedback_for("ann", crypto.encrypt_value("kid", crypto.new_data_key(), "x"))])


async def test_an_insight_naming_a_goal_decrypts_inside_its_sentence() -> None:
    """Analytics never decrypts: its state keeps the goal's title as published, and so does the insight's text."""
    store = FakeKeyStore()
    sent = decode(*(lambda r: (r.value, r.headers))((await KeyRing(store).encrypt_records([to_record(goal_for("ann", "Ship it"))]))[0]))
    title = sent.goal.title  # type: ignore[attr-defined]
    insight = analytics_pb2.InsightDetected(
        metadata=new_metadata(producer="analytics", subject_id="ann", visibility=1),
        insight=analytics_pb2.Insight(reason=f"'{title}' is at 20%", params={"goal": title}, actors=["mgr"]),
    )
    await KeyRing(store).decrypt_events([insight])
    assert insight.insight.reason == "'Ship it' is at 20%" and insight.insight.params["goal"] == "Ship it"


async def test_an_analytics_answer_is_decrypted_wherever_it_quotes_an_encrypted_value() -> None:
    store = FakeKeyStore()
    ring = KeyRing(store)
    await ring.for_people(["ann"])
    ann = store.keys["ann"]
    assert ann.key is not None
    title = crypto.encrypt_value(ann.key_id, ann.key, "Ship it")
    answer = analytics_pb2.TeamOverview(insights=[analytics_pb2.Insight(reason=f"'{title}' is at 20%", params={"goal": title}, actors=["mgr"])])
    await ring.decrypt_any(answer)
    assert answer.insights[0].reason == "'Ship it' is at 20%" and answer.insights[0].params["goal"] == "Ship it"
    assert list(answer.insights[0].actors) == ["mgr"]


# ---------- which fields are personal ----------

# A string field of an event whose name says it may hold a person's words, name or e-mail...
LOOKS_PERSONAL = re.compile(r"(^|_)(name|email|text|texts|note|notes|comment|comments|title|description|reason|example|examples|"
                            r"before|after|question|suggested_action|params|answer|agenda|summary|message|words|behaviours|situation|behaviour|impact)$")
# ...is marked (paars.common.v1.personal), or is here with why it travels in clear.
CLEAR = {
    "paars.org.v1.Team.name": "a team's name, not a person's; the key of TeamChanged is the team",
    "paars.feedback.v1.Review.cycle_name": "the organisation's name of a review cycle (e.g. '2026 H2')",
    "paars.feedback.v1.CompetencyQuestion.question": "the organisation's competency questions, the same for everyone in the cycle",
    "paars.story.v1.StoryVersion.readability_override_reason": "why a story version was published over the readability check: about the organisation's text",
    "paars.story.v1.TeamStory.readability_override_reason": "the same, for a team's story",
    "paars.story.v1.TeamStoryPublished.team_name": "a team's name",
    "paars.story.v1.Finding.suggestion": "the readability checker's suggestion on the organisation's text",
    "paars.story.v1.Finding.words": "the words of the organisation's text the readability checker flags",
    "paars.story.v1.TextCheck.score_name": "the name of a readability score (e.g. 'LIX')",
    "paars.org.v1.HeldOnErasure.reason": "HR's reason for a legal hold, carried by CHANGE_ERASED: under the erased person's key no service could read it",
}


def _string_fields(desc: d.Descriptor, seen: set[str]) -> list[d.FieldDescriptor]:
    if desc.full_name in seen or desc.full_name.startswith("google.") or desc.full_name == "paars.common.v1.EventMetadata":
        return []
    seen.add(desc.full_name)
    out = []
    for f in desc.fields:
        if f.type == d.FieldDescriptor.TYPE_MESSAGE:
            if f.message_type.GetOptions().map_entry:
                if f.message_type.fields_by_name["value"].type == d.FieldDescriptor.TYPE_STRING:
                    out.append(f)
            else:
                out += _string_fields(f.message_type, seen)
        elif f.type == d.FieldDescriptor.TYPE_STRING:
            out.append(f)
    return out


def event_string_fields() -> list[d.FieldDescriptor]:
    seen: set[str] = set()
    return [f for t in TOPICS if t.message_type for f in _string_fields(message_class(t.message_type).DESCRIPTOR, seen)]


def test_every_event_field_that_looks_personal_is_marked_or_listed_as_clear_with_a_reason() -> None:
    unmarked = [f.full_name for f in event_string_fields()
                if LOOKS_PERSONAL.search(f.name) and crypto.personal_option(f) is None and f.full_name not in CLEAR]
    assert not unmarked, f"mark these (paars.common.v1.personal) or list them in CLEAR with the reason: {unmarked}"


def test_the_marked_fields_are_names_emails_and_peoples_words() -> None:
    marked = sorted(f.full_name for f in event_string_fields() if crypto.personal_option(f) is not None)
    assert marked == sorted([
        "paars.org.v1.Employee.name", "paars.org.v1.Employee.email",
        "paars.goals.v1.Goal.title", "paars.goals.v1.Goal.description", "paars.goals.v1.KeyResult.title",
        "paars.goals.v1.GoalUpdated.note", "paars.goals.v1.FieldChange.before", "paars.goals.v1.FieldChange.after",
        "paars.feedback.v1.FeedbackGiven.text", "paars.feedback.v1.Rating.comment", "paars.feedback.v1.GroupResult.comments",
        "paars.analytics.v1.Insight.reason", "paars.analytics.v1.Insight.suggested_action", "paars.analytics.v1.Insight.params",
    ])
    assert crypto.personal_field_names(org_pb2.EmployeeChanged.DESCRIPTOR) == ["employee.name", "employee.email"]
