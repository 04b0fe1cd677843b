"""Signed directory events: who may vouch for a record of a signed topic, and which keys each environment accepts."""
from __future__ import annotations

import base64
import dataclasses

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from paars.common.v1 import event_pb2
from paars.goals.v1 import goals_pb2
from paars.org.v1 import org_pb2
from paars_platform.events import Record, UndecodableEvent, new_metadata, to_record
from paars_platform.signing import (
    SIGNATURE_HEADER,
    EventKeys,
    EventSigner,
    EventVerifier,
    UntrustedEvent,
    development_key,
    generate,
)
from paars_platform.topics import TOPICS

GOALS_KEY = Ed25519PrivateKey.generate()
VERIFIER = EventVerifier({"goals": [GOALS_KEY.public_key()]})
EMPLOYEE_CHANGED = "paars.org.v1.EmployeeChanged"


def employee_changed(manager: str = "mgr", version: int = 3, producer: str = "goals") -> Record:
    return to_record(org_pb2.EmployeeChanged(
        metadata=new_metadata(producer=producer, subject_id="ann", visibility=event_pb2.VISIBILITY_INTERNAL),
        employee=org_pb2.Employee(id="ann", manager_id=manager, version=version, active=True),
    ))


def signed(record: Record, key: Ed25519PrivateKey = GOALS_KEY) -> Record:
    return EventSigner("goals", key).sign(record)


def check(record: Record, verifier: EventVerifier = VERIFIER, topic: str | None = None):
    return verifier.decode(topic or record.topic, record.key, record.value, record.headers, EMPLOYEE_CHANGED)


def reason(record: Record, **kw: object) -> str:
    with pytest.raises(UntrustedEvent) as err:
        check(record, **kw)  # type: ignore[arg-type]
    return err.value.reason


def test_only_the_directory_topics_are_signed_and_goals_owns_them() -> None:
    assert {t.name: t.owner for t in TOPICS if t.signed} == {"org.employee-changed.v1": "goals", "org.team-changed.v1": "goals"}


def test_a_record_signed_by_goals_decodes() -> None:
    event = check(signed(employee_changed()))
    assert event.employee.manager_id == "mgr"


def test_an_unsigned_directory_record_is_refused_as_unsigned() -> None:
    assert reason(employee_changed()) == "unsigned"


def test_a_forged_promotion_under_a_copied_signature_is_refused_as_bad_signature() -> None:
    genuine = signed(employee_changed(manager="mgr", version=3))
    forged = employee_changed(manager="cas", version=99)
    copied = [(k, v) for k, v in genuine.headers if k == SIGNATURE_HEADER]
    assert reason(dataclasses.replace(forged, headers=[*forged.headers, *copied])) == "bad-signature"


def test_a_record_signed_with_another_key_is_refused() -> None:
    assert reason(signed(employee_changed(), key=Ed25519PrivateKey.generate())) == "bad-signature"


def test_a_genuine_record_replayed_under_another_key_is_refused() -> None:
    record = signed(employee_changed())
    assert reason(dataclasses.replace(record, key=b"bob")) == "bad-signature"


def test_a_record_whose_source_is_not_the_topic_owner_is_refused() -> None:
    record = employee_changed()
    headers = [(k, b"/paars/feedback" if k == "ce_source" else v) for k, v in record.headers]
    assert reason(signed(dataclasses.replace(record, headers=headers))) == "wrong-producer"


def test_a_signed_record_naming_another_producer_in_its_metadata_is_refused() -> None:
    record = employee_changed(producer="feedback")
    headers = [(k, b"/paars/goals" if k == "ce_source" else v) for k, v in record.headers]
    assert reason(signed(dataclasses.replace(record, headers=headers))) == "wrong-producer"


def test_an_untrusted_event_is_an_undecodable_one_so_every_consumer_dead_letters_it() -> None:
    with pytest.raises(UndecodableEvent):
        check(employee_changed())


def test_records_of_topics_that_are_not_signed_need_no_signature() -> None:
    record = to_record(goals_pb2.GoalUpdated(
        metadata=new_metadata(producer="goals", subject_id="ann", visibility=event_pb2.VISIBILITY_INTERNAL),
        goal=goals_pb2.Goal(id="g1", owner_id="ann"),
    ))
    event = VERIFIER.decode(record.topic, record.key, record.value, record.headers, "paars.goals.v1.GoalUpdated")
    assert event.goal.id == "g1"


def test_faust_style_dict_headers_verify_too() -> None:
    record = signed(employee_changed())
    assert check(dataclasses.replace(record, headers=dict(record.headers))).employee.id == "ann"  # type: ignore[arg-type]


def test_during_a_key_rotation_both_keys_verify() -> None:
    new_key = Ed25519PrivateKey.generate()
    verifier = EventVerifier({"goals": [GOALS_KEY.public_key(), new_key.public_key()]})
    assert check(signed(employee_changed(), key=new_key), verifier=verifier).employee.id == "ann"
    assert check(signed(employee_changed()), verifier=verifier).employee.id == "ann"


def test_a_consumer_of_a_signed_topic_without_its_owners_key_refuses_to_start() -> None:
    with pytest.raises(ValueError, match="no key of goals"):
        EventVerifier({}).require(["org.employee-changed.v1", "goals.goal-updated.v1"])
    EventVerifier({}).require(["goals.goal-updated.v1"])


def _env(monkeypatch: pytest.MonkeyPatch, **values: str) -> None:
    for name in ("PAARS_EVENT_SIGNING_KEY", "PAARS_EVENT_VERIFY_KEYS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in values.items():
        monkeypatch.setenv(name, value)


def test_development_signs_and_verifies_with_the_published_development_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    _env(monkeypatch)
    keys = EventKeys.from_env("goals", development=True)
    signer = keys.signer("goals")
    assert signer is not None
    verifier = EventKeys.from_env("feedback", development=True).verifier()
    assert check(signer.sign(employee_changed()), verifier=verifier).employee.id == "ann"


def test_outside_development_the_development_keys_are_not_defaulted(monkeypatch: pytest.MonkeyPatch) -> None:
    _env(monkeypatch)
    goals = EventKeys.from_env("goals", development=False)
    with pytest.raises(ValueError, match="PAARS_EVENT_SIGNING_KEY must be set"):
        goals.signer("goals")
    assert EventKeys.from_env("notifications", development=False).signer("notifications") is None
    feedback = EventKeys.from_env("feedback", development=False)
    with pytest.raises(ValueError, match="no key of goals"):
        feedback.verifier().require(["org.employee-changed.v1"])


def _text(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_outside_development_a_configured_development_key_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    dev_public = _text(development_key("goals").public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))
    _env(monkeypatch, PAARS_EVENT_VERIFY_KEYS=f"goals={dev_public}")
    with pytest.raises(ValueError, match="published development key"):
        EventKeys.from_env("feedback", development=False)
    dev_private = _text(development_key("goals").private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()))
    _env(monkeypatch, PAARS_EVENT_SIGNING_KEY=dev_private)
    with pytest.raises(ValueError, match="published development key"):
        EventKeys.from_env("goals", development=False)


def test_outside_development_generated_keys_sign_and_verify(monkeypatch: pytest.MonkeyPatch) -> None:
    private, public = generate("goals")
    _env(monkeypatch, PAARS_EVENT_SIGNING_KEY=private, PAARS_EVENT_VERIFY_KEYS=public)
    goals = EventKeys.from_env("goals", development=False)
    feedback = EventKeys.from_env("feedback", development=False)
    signer = goals.signer("goals")
    assert signer is not None
    assert check(signer.sign(employee_changed()), verifier=feedback.verifier()).employee.manager_id == "mgr"
    # A development-signed record does not pass in production.
    dev_signed = EventSigner("goals", development_key("goals")).sign(employee_changed())
    assert reason(dev_signed, verifier=feedback.verifier()) == "bad-signature"


@pytest.mark.parametrize("value", ["goals", "goals=not-base64!", "=abc", "goals=" + "A" * 10])
def test_malformed_verify_keys_are_refused_with_the_expected_form(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    _env(monkeypatch, PAARS_EVENT_VERIFY_KEYS=value)
    with pytest.raises(ValueError, match="PRODUCER=base64url-public-key"):
        EventKeys.from_env("feedback", development=True)
