"""Hypothesis strategies that build any protobuf request from its descriptor: valid, boundary and hostile values."""
from __future__ import annotations

from typing import Any

from google.protobuf import descriptor as d
from google.protobuf.message import Message
from hypothesis import strategies as st

INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)


def text(known: list[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(known) if known else st.just(""),
        st.just(""),
        st.text(max_size=40),
        st.text(min_size=5000, max_size=20000, alphabet=st.characters(codec="utf-8")),
        st.sampled_from(["2026-02-30", "2026-13-01", "1999-01-01", "9999-12-31", "../../etc/passwd", "' OR 1=1 --", "\u0000", "🙂" * 300]),
    )


def number(field: d.FieldDescriptor) -> st.SearchStrategy[Any]:
    t = field.type
    if t in (d.FieldDescriptor.TYPE_DOUBLE, d.FieldDescriptor.TYPE_FLOAT):
        return st.one_of(st.floats(allow_nan=True, allow_infinity=True, width=32 if t == d.FieldDescriptor.TYPE_FLOAT else 64), st.sampled_from([0.0, -1.0, 1.0, 1e300, -1e300, 5.0]))
    if t in (d.FieldDescriptor.TYPE_INT64, d.FieldDescriptor.TYPE_SINT64, d.FieldDescriptor.TYPE_SFIXED64):
        return st.one_of(st.integers(*INT64), st.sampled_from([0, 1, -1, 3]))
    if t in (d.FieldDescriptor.TYPE_UINT64, d.FieldDescriptor.TYPE_FIXED64):
        return st.integers(0, 2**64 - 1)
    if t in (d.FieldDescriptor.TYPE_UINT32, d.FieldDescriptor.TYPE_FIXED32):
        return st.integers(0, 2**32 - 1)
    return st.one_of(st.integers(*INT32), st.sampled_from([0, 1, -1, 3, 5, 6]))


def field_value(field: d.FieldDescriptor, known_ids: list[str], depth: int) -> st.SearchStrategy[Any]:
    if field.type == d.FieldDescriptor.TYPE_MESSAGE:
        if field.message_type.GetOptions().map_entry:
            return st.dictionaries(text(known_ids), field_value(field.message_type.fields_by_name["value"], known_ids, depth + 1), max_size=3)
        return message(field.message_type, known_ids, depth + 1)
    if field.type == d.FieldDescriptor.TYPE_ENUM:
        # Proto3 enums are open: unknown numbers arrive too.
        return st.one_of(st.sampled_from([v.number for v in field.enum_type.values]), st.integers(-5, 1000))
    if field.type == d.FieldDescriptor.TYPE_STRING:
        return text(known_ids)
    if field.type == d.FieldDescriptor.TYPE_BYTES:
        return st.binary(max_size=100)
    if field.type == d.FieldDescriptor.TYPE_BOOL:
        return st.booleans()
    return number(field)


def message(desc: d.Descriptor, known_ids: list[str], depth: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    if desc.full_name == "google.protobuf.Timestamp":
        return st.fixed_dictionaries({"seconds": st.integers(-62135596800, 253402300799), "nanos": st.integers(0, 999_999_999)})
    if depth > 2:
        return st.just({})
    fields = {}
    for field in desc.fields:
        value = field_value(field, known_ids, depth)
        if field.is_repeated and not (field.type == d.FieldDescriptor.TYPE_MESSAGE and field.message_type.GetOptions().map_entry):
            value = st.lists(value, max_size=12)
        fields[field.name] = value
    return st.fixed_dictionaries({}, optional=fields)


def requests(cls: type[Message], known_ids: list[str]) -> st.SearchStrategy[Message]:
    """Messages of cls whose fields are absent, valid-looking (known ids), boundary or hostile."""

    def build(values: dict[str, Any]) -> Message:
        return _fill(cls(), values)

    return message(cls.DESCRIPTOR, known_ids).map(build)


def _fill(msg: Message, values: dict[str, Any]) -> Message:
    for name, value in values.items():
        field = msg.DESCRIPTOR.fields_by_name[name]
        if field.type == d.FieldDescriptor.TYPE_MESSAGE:
            if field.message_type.GetOptions().map_entry:
                target = getattr(msg, name)
                for k, v in value.items():
                    if field.message_type.fields_by_name["value"].type == d.FieldDescriptor.TYPE_MESSAGE:
                        _fill(target[k], v)
                    else:
                        target[k] = v
            elif field.is_repeated:
                for item in value:
                    _fill(getattr(msg, name).add(), item)
            else:
                _fill(getattr(msg, name), value)
        elif field.is_repeated:
            getattr(msg, name).extend(value)
        else:
            setattr(msg, name, value)
    return msg
