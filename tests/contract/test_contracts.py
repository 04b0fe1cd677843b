"""Contracts other teams rely on: generated code matches the protos, golden events still decode,
nothing within v1 changed incompatibly, and the event catalogue is current."""
from __future__ import annotations

import base64
import filecmp
import importlib.util
import json
import pathlib

import pytest
from google.protobuf import descriptor_pb2, json_format

from paars_platform.events import decode, header, message_class, to_record
from paars_platform.topics import TOPICS

ROOT = pathlib.Path(__file__).resolve().parents[2]
CONTRACTS = ROOT / "libs" / "contracts" / "src"
SAMPLES = ROOT / "tests" / "contract" / "samples"


def _load_script(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_code_is_exactly_what_the_protos_generate(tmp_path: pathlib.Path) -> None:
    gen = _load_script("gen_protos")
    gen.generate(tmp_path)
    fresh = sorted(p.relative_to(tmp_path) for p in (tmp_path / "paars").rglob("*") if p.is_file())
    committed = sorted(p.relative_to(CONTRACTS) for p in (CONTRACTS / "paars").rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    assert fresh == committed, "run `make protos` and commit the result"
    drifted = [str(p) for p in fresh if not filecmp.cmp(tmp_path / p, CONTRACTS / p, shallow=False)]
    assert not drifted, f"generated code differs from the protos (hand-edited or stale): {drifted}; run `make protos`"


@pytest.mark.parametrize("topic", [t for t in TOPICS if t.message_type], ids=lambda t: t.name)
def test_every_topic_has_a_golden_sample_that_still_decodes(topic) -> None:
    sample = json.loads((SAMPLES / f"{topic.name}.json").read_text())
    assert sample["type"] == topic.message_type
    cls = message_class(topic.message_type)
    from_bytes = cls.FromString(base64.b64decode(sample["binary_base64"]))
    assert json_format.MessageToDict(from_bytes, preserving_proto_field_name=True) == sample["json"]
    record = to_record(from_bytes)
    assert record.topic == topic.name
    assert record.key == from_bytes.metadata.subject_id.encode()
    assert header(record.headers, "ce_type") == topic.message_type
    assert header(record.headers, "ce_id") == from_bytes.metadata.event_id
    assert decode(record.value, record.headers) == from_bytes


def _reserved(message: str, number: int) -> bool:
    proto = descriptor_pb2.DescriptorProto()
    message_class(message).DESCRIPTOR.CopyToProto(proto)
    return any(r.start <= number < r.end for r in proto.reserved_range)


def test_nothing_in_v1_changed_incompatibly() -> None:
    """Fields keep their number, name, type and cardinality; enum values and RPC signatures stay."""
    catalogue = _load_script("event_catalogue")
    baseline = json.loads((ROOT / "tests" / "contract" / "proto_baseline.json").read_text())
    current = catalogue.describe_file_set()
    broken = []
    for message, fields in baseline["messages"].items():
        now = current["messages"].get(message)
        if now is None:
            broken.append(f"message {message} removed")
            continue
        for number, field in fields.items():
            if number not in now:
                if not _reserved(message, int(number)):
                    broken.append(f"{message} field {number} ({field['name']}) removed without `reserved`")
            elif now[number] != field:
                broken.append(f"{message} field {number}: {field} -> {now[number]}")
    for enum, values in baseline["enums"].items():
        for number, name in values.items():
            if current["enums"].get(enum, {}).get(number) != name:
                broken.append(f"enum {enum} value {number} ({name}) changed or removed")
    for service, methods in baseline["services"].items():
        for method, signature in methods.items():
            if current["services"].get(service, {}).get(method) != signature:
                broken.append(f"rpc {service}/{method} changed or removed")
    assert not broken, "breaking changes within v1 (make a v2 package instead):\n" + "\n".join(broken)


def test_the_event_catalogue_is_current() -> None:
    catalogue = _load_script("event_catalogue")
    assert (ROOT / "docs" / "asyncapi.yaml").read_text() == catalogue.render_yaml(catalogue.asyncapi()), "run scripts/event_catalogue.py"
    assert (ROOT / "docs" / "events.md").read_text() == catalogue.markdown(), "run scripts/event_catalogue.py"
    document = catalogue.asyncapi()
    assert document["asyncapi"] == "3.0.0"
    assert {c["address"] for c in document["channels"].values()} == {t.name for t in TOPICS if t.message_type}
