"""The event catalogue: AsyncAPI 3.0 document and Markdown page from the topic registry and the protos.

  python scripts/event_catalogue.py              # regenerate docs/asyncapi.yaml and docs/events.md
  python scripts/event_catalogue.py --samples    # add golden samples for topics that have none
  python scripts/event_catalogue.py --baseline   # add what is new in the protos to the v1 compatibility baseline

Golden samples (tests/contract/samples/) and the baseline (tests/contract/proto_baseline.json) are
contracts: they are added to, never regenerated wholesale; tests/contract checks the protos against them.
"""
from __future__ import annotations

import argparse
import base64
import importlib
import json
import pathlib
import sys
from typing import Any

from google.protobuf import descriptor as d
from google.protobuf import json_format

from paars_platform.crypto import personal_field_names, personal_option
from paars_platform.events import message_class
from paars_platform.topics import TOPICS

ROOT = pathlib.Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "tests" / "contract" / "samples"
BASELINE = ROOT / "tests" / "contract" / "proto_baseline.json"
ASYNCAPI = ROOT / "docs" / "asyncapi.yaml"
EVENTS_MD = ROOT / "docs" / "events.md"
SAMPLE_TIME = "2026-11-27T09:30:00Z"

SCALARS = {
    d.FieldDescriptor.TYPE_DOUBLE: ("number", 0.5), d.FieldDescriptor.TYPE_FLOAT: ("number", 0.5),
    d.FieldDescriptor.TYPE_INT64: ("string", "3"), d.FieldDescriptor.TYPE_UINT64: ("string", "3"),
    d.FieldDescriptor.TYPE_INT32: ("integer", 3), d.FieldDescriptor.TYPE_UINT32: ("integer", 3),
    d.FieldDescriptor.TYPE_BOOL: ("boolean", True), d.FieldDescriptor.TYPE_STRING: ("string", "x"),
    d.FieldDescriptor.TYPE_BYTES: ("string", "eA=="),
}


def event_topics() -> list[Any]:
    return [t for t in TOPICS if t.message_type]


# ---------- samples ----------


def sample_value(field: d.FieldDescriptor, depth: int) -> Any:
    if field.type == d.FieldDescriptor.TYPE_MESSAGE:
        if field.message_type.full_name == "google.protobuf.Timestamp":
            return SAMPLE_TIME
        if field.message_type.GetOptions().map_entry:
            return {"example": sample_value(field.message_type.fields_by_name["value"], depth + 1)}
        return sample_message(field.message_type, depth + 1)
    if field.type == d.FieldDescriptor.TYPE_ENUM:
        values = [v for v in field.enum_type.values if v.number != 0]
        return values[0].name if values else field.enum_type.values[0].name
    if field.type == d.FieldDescriptor.TYPE_STRING:
        if field.name.endswith("_id") or field.name == "id":
            return f"{field.name.removesuffix('_id') or 'id'}-1"
        return f"example {field.name.replace('_', ' ')}"
    return SCALARS[field.type][1]


def sample_message(desc: d.Descriptor, depth: int = 0) -> dict[str, Any]:
    if depth > 3:
        return {}
    out: dict[str, Any] = {}
    for field in desc.fields:
        value = sample_value(field, depth)
        out[field.name] = [value] if field.is_repeated and not (field.type == d.FieldDescriptor.TYPE_MESSAGE and field.message_type.GetOptions().map_entry) else value
    return out


def write_missing_samples() -> list[str]:
    SAMPLES.mkdir(parents=True, exist_ok=True)
    written = []
    for topic in event_topics():
        path = SAMPLES / f"{topic.name}.json"
        if path.exists():
            continue
        cls = message_class(topic.message_type)
        data = sample_message(cls.DESCRIPTOR)
        data["metadata"].update(
            event_id=f"00000000-0000-4000-8000-{len(written) + 1:012d}", producer=topic.owner, subject_id="ann",
            correlation_id="c0ffee", visibility="VISIBILITY_RECEIVER_AND_MANAGER", actor_id="mgr", causation_id="",
        )
        message = json_format.ParseDict(data, cls())
        path.write_text(
            json.dumps(
                {"topic": topic.name, "type": topic.message_type, "json": json_format.MessageToDict(message, preserving_proto_field_name=True),
                 "binary_base64": base64.b64encode(message.SerializeToString(deterministic=True)).decode()},
                indent=2, ensure_ascii=False,
            ) + "\n"
        )
        written.append(topic.name)
    return written


def load_sample(topic_name: str) -> dict[str, Any]:
    return json.loads((SAMPLES / f"{topic_name}.json").read_text())


# ---------- compatibility baseline ----------


def describe_file_set() -> dict[str, Any]:
    """Every message, enum and service of paars.*: field numbers with names, types and labels."""
    messages: dict[str, Any] = {}
    enums: dict[str, Any] = {}
    services: dict[str, Any] = {}
    seen: set[str] = set()

    def walk_message(desc: d.Descriptor) -> None:
        if desc.full_name in seen:
            return
        seen.add(desc.full_name)
        messages[desc.full_name] = {
            str(f.number): {"name": f.name, "type": f.type, "repeated": f.is_repeated, "type_name": (f.message_type or f.enum_type).full_name if (f.message_type or f.enum_type) else ""}
            for f in desc.fields
        }
        for nested in desc.nested_types:
            walk_message(nested)
        for e in desc.enum_types:
            enums[e.full_name] = {str(v.number): v.name for v in e.values}

    from google.protobuf import descriptor_pool

    from paars_platform import events  # noqa: F401  (registers every generated module)

    pool = descriptor_pool.Default()
    # Every proto of protos/ (a new service's is covered the day it lands), its generated module imported.
    for path in sorted((ROOT / "protos").rglob("*.proto")):
        module = path.relative_to(ROOT / "protos").as_posix()
        importlib.import_module(module.removesuffix(".proto").replace("/", ".") + "_pb2")
        fd = pool.FindFileByName(module)
        for desc in fd.message_types_by_name.values():
            walk_message(desc)
        for e in fd.enum_types_by_name.values():
            enums[e.full_name] = {str(v.number): v.name for v in e.values}
        for s in fd.services_by_name.values():
            services[s.full_name] = {m.name: [m.input_type.full_name, m.output_type.full_name, m.server_streaming] for m in s.methods}
    return {"messages": messages, "enums": enums, "services": services}


# ---------- AsyncAPI + Markdown ----------


def json_schema(desc: d.Descriptor, depth: int = 0) -> dict[str, Any]:
    props: dict[str, Any] = {}
    for f in desc.fields:
        if f.type == d.FieldDescriptor.TYPE_MESSAGE:
            if f.message_type.full_name == "google.protobuf.Timestamp":
                schema: dict[str, Any] = {"type": "string", "format": "date-time"}
            elif f.message_type.GetOptions().map_entry:
                schema = {"type": "object", "additionalProperties": {"type": SCALARS.get(f.message_type.fields_by_name["value"].type, ("string",))[0]}}
            else:
                schema = {"$ref": f"#/components/schemas/{f.message_type.full_name}"}
        elif f.type == d.FieldDescriptor.TYPE_ENUM:
            schema = {"type": "string", "enum": [v.name for v in f.enum_type.values]}
        else:
            schema = {"type": SCALARS[f.type][0]}
        if f.is_repeated and not (f.type == d.FieldDescriptor.TYPE_MESSAGE and f.message_type.GetOptions().map_entry):
            schema = {"type": "array", "items": schema}
        if personal_option(f) is not None:
            # Crypto-shredding: on the topic the value is "pc1:<key id>:<base64url>", encrypted with the person's key.
            schema["x-paars-personal"] = True
        props[f.name] = schema
    return {"type": "object", "description": f"protobuf {desc.full_name} (JSON mapping)", "properties": props}


def collect_schemas(desc: d.Descriptor, out: dict[str, Any]) -> None:
    if desc.full_name in out:
        return
    out[desc.full_name] = json_schema(desc)
    for f in desc.fields:
        if f.type == d.FieldDescriptor.TYPE_MESSAGE and f.message_type.full_name != "google.protobuf.Timestamp" and not f.message_type.GetOptions().map_entry:
            collect_schemas(f.message_type, out)


def asyncapi() -> dict[str, Any]:
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for topic in event_topics():
        cls = message_class(topic.message_type)
        collect_schemas(cls.DESCRIPTOR, schemas)
        key = topic.message_type.rsplit(".", 1)[1]
        sample = load_sample(topic.name) if (SAMPLES / f"{topic.name}.json").exists() else None
        messages[key] = {
            "name": topic.message_type,
            "title": key,
            "summary": topic.description,
            "contentType": "application/x-protobuf",
            "payload": {"schemaFormat": "application/vnd.aai.asyncapi+json;version=3.0.0", "schema": {"$ref": f"#/components/schemas/{topic.message_type}"}},
            "bindings": {"kafka": {"key": {"type": "string", "description": topic.key}, "bindingVersion": "0.5.0"}},
            "headers": {
                "type": "object",
                "properties": {h: {"type": "string"} for h in ("ce_specversion", "ce_id", "ce_type", "ce_source", "ce_time", "ce_subject", "content-type")},
            },
        }
        if sample:
            messages[key]["examples"] = [{"name": "sample", "payload": sample["json"], "headers": {"ce_type": topic.message_type, "ce_specversion": "1.0"}}]
        channel = topic.name.replace(".", "-")
        channels[channel] = {
            "address": topic.name,
            "description": topic.description,
            "messages": {key: {"$ref": f"#/components/messages/{key}"}},
            "bindings": {"kafka": {"topic": topic.name, "partitions": topic.partitions, "topicConfiguration": {"cleanup.policy": ["compact"] if topic.compacted else ["delete"], "retention.ms": -1 if topic.compacted else topic.retention_ms}, "bindingVersion": "0.5.0"}},
        }
        operations[f"publish-{channel}"] = {"action": "send", "channel": {"$ref": f"#/channels/{channel}"}, "summary": f"paars-{topic.owner} publishes {key}"}
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Paars events",
            "version": "1.0.0",
            "description": "Every event Paars publishes. Record key = the subject's id; value = protobuf; CloudEvents 1.0 binary-mode headers. Consumers must be idempotent on ce_id (= metadata.event_id): delivery is at least once.",
        },
        "defaultContentType": "application/x-protobuf",
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }


def markdown() -> str:
    lines = [
        "# Event catalogue",
        "",
        "Generated by `scripts/event_catalogue.py` from `paars_platform.topics` and `protos/` (do not edit by hand;",
        "the machine-readable form is [asyncapi.yaml](asyncapi.yaml), AsyncAPI 3.0).",
        "",
        "Every record: key = the id of the person (or team) the event is about, so one person's events stay in",
        "order and co-partitioned; value = the protobuf message; headers = CloudEvents 1.0 binary mode",
        "(`ce_specversion`, `ce_id` = `metadata.event_id`, `ce_type` = full message name, `ce_source`, `ce_time`,",
        "`ce_subject`, `content-type: application/x-protobuf`). Delivery is at least once: drop repeats by `ce_id`.",
        "Decode with the generated classes (`pip install -e libs/contracts`), or `paars events tail <topic>`.",
        "",
        "The consumers column is the event registry (`paars_platform.registry`): each service subscribes to exactly",
        "those events, and a test fails when a handler and the registry disagree. Adding an event: see",
        "[platform.md, Adding an event](platform.md#adding-an-event).",
        "",
        "| topic | message | key | partitions | retention | owner | consumers |",
        "|---|---|---|---|---|---|---|",
    ]
    for t in TOPICS:
        retention = "compacted" if t.compacted else f"{t.retention_ms // 86_400_000} days"
        consumers = ", ".join(t.consumers) or "-"
        lines.append(
            f"| `{t.name}` | `{t.message_type or 'original record + dlq_* headers'}` | {t.key} | {t.partitions} | {retention} | {t.owner} | {consumers} |"
        )
    lines.append("")
    for t in event_topics():
        consumed = f" Consumed by {', '.join(t.consumers)}." if t.consumers else ""
        lines += [f"## `{t.name}`", "", t.description, "", f"Message `{t.message_type}`, key: {t.key}.{consumed}", ""]
        encrypted = personal_field_names(message_class(t.message_type).DESCRIPTOR)
        lines += [f"Encrypted (personal): {', '.join(f'`{n}`' for n in encrypted)}." if encrypted else "Encrypted (personal): none.", ""]
        if (SAMPLES / f"{t.name}.json").exists():
            lines += ["Example (JSON mapping of the protobuf value):", "", "```json", json.dumps(load_sample(t.name)["json"], indent=2, ensure_ascii=False), "```", ""]
    lines += [
        "## Encrypted fields (crypto-shredding)",
        "",
        "A field marked `[(paars.common.v1.personal) = {}]` in `protos/` (a person's name, e-mail or words: feedback",
        "text, comments, goal titles and notes, insight sentences) is encrypted on the topic with a data key of the",
        "person the event is about (`metadata.subject_id`, or the sibling field the option's `person_field` names), for",
        "the topic's kind of data (`paars_platform.retention.EVENT_KINDS`) and the UTC month of `metadata.occurred_at`, so",
        "that retention destroys a kind's old months ([privacy.md](privacy.md#retention-in-the-events-through-the-keys)):",
        "`pc1:<key id>:<base64url(12-byte nonce | AES-256-GCM ciphertext | tag)>`, the associated data being",
        "`pc1:<key id>`. The outbox relay encrypts when it publishes; every consumer decrypts in the platform's decode",
        "path (`paars_platform.keyring.KeyRing`, keys from goals' `paars.privacy.v1.PersonKeys`, system identity only),",
        "so handlers see plaintext. An insight's sentence keeps the encrypted title or name it quotes as is, and",
        "decrypts in place. Erasing a person destroys their key: their values then decode as `\"\"`. Ids, enums,",
        "counts and timestamps stay clear so consumers keep routing and counting. Each topic below lists its",
        "encrypted fields; the AsyncAPI marks them `x-paars-personal`. To mark a new field: add the option in the",
        "proto, `make protos`, `python scripts/event_catalogue.py`; `tests/unit/test_crypto_shredding.py` fails on an",
        "event string field that looks personal and is neither marked nor listed as clear with its reason.",
        "",
        "## Dead-letter topics",
        "",
        "`<service>.dead-letter.v1` carry the original record (key, value, headers) a consumer could not",
        "decode or process, plus `dlq_reason` (`undecodable` or `handler-failed`), `dlq_detail`,",
        "`dlq_source_topic`, `dlq_source_partition`, `dlq_source_offset` and `dlq_consumer`. Notifications also",
        "dead-letters (`handler-failed`) a parked event whose rules fail when it is applied, through its outbox in the",
        "transaction that deletes it: the event's bytes with the CloudEvents headers its metadata gives, the",
        "personal fields encrypted as on its own topic, `dlq_source_partition` and `dlq_source_offset` `-1` (its",
        "inbox row is deleted with it, so a replay is applied).",
        "",
    ]
    return "\n".join(lines)


def render_yaml(data: Any) -> str:
    # JSON is valid YAML 1.2; written as JSON to avoid a YAML dependency and keep the diff stable.
    return "# AsyncAPI 3.0 (JSON-compatible YAML), generated by scripts/event_catalogue.py\n" + json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def extended_baseline() -> dict[str, Any]:
    """The recorded baseline with what the protos add to it: new messages, enums and services, and new
    fields, values and methods of recorded ones. What is recorded is kept as recorded, so a change that
    is not additive still fails tests/contract instead of being written into the baseline."""
    recorded: dict[str, Any] = json.loads(BASELINE.read_text()) if BASELINE.exists() else {}
    current = describe_file_set()
    return {
        kind: {name: {**entries, **recorded.get(kind, {}).get(name, {})} for name, entries in current[kind].items()}
        | {name: entries for name, entries in recorded.get(kind, {}).items() if name not in current[kind]}
        for kind in ("messages", "enums", "services")
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", action="store_true")
    parser.add_argument("--baseline", action="store_true")
    args = parser.parse_args()
    if args.samples:
        print("new samples:", write_missing_samples() or "none", file=sys.stderr)
    if args.baseline:
        BASELINE.write_text(json.dumps(extended_baseline(), indent=1, sort_keys=True) + "\n")
    ASYNCAPI.write_text(render_yaml(asyncapi()))
    EVENTS_MD.write_text(markdown())


if __name__ == "__main__":
    main()
