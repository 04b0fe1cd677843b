"""Crypto-shredding of the personal fields of events: AES-256-GCM with a data key per person, wrapped with the
key-encryption key (issue 18 item 4).

A personal field (marked ``[(paars.common.v1.personal) = {}]`` in protos/) travels as
``pc1:<key id>:<base64url(nonce | ciphertext | tag)>``; the key id names the person's data key and is the
associated data, so a value decrypts only with the key it names. Destroying a person's key (erasure) makes every
value under it unreadable wherever it was copied: topics, dead letters, changelogs. What marks a field, and how an
event's fields are walked, is in this module too, so the outbox relay (encrypting) and the consumers (decrypting)
agree on one list.
"""
from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import os
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from google.protobuf import descriptor as d
from google.protobuf.message import Message

from paars.common.v1 import event_pb2

PREFIX = "pc1:"
# A token anywhere in a string: a value is one token, and a text made of personal values (an insight's reason
# naming a goal) holds several; decrypting replaces each. Key ids and bodies are base64url without padding.
TOKEN = re.compile(r"pc1:([A-Za-z0-9_-]{1,64}):([A-Za-z0-9_-]{24,})")
KEY_BYTES = 32
_NONCE_BYTES = 12
_WRAP_CONTEXT = b"paars-person-key-v1:"


class UndecryptableField(Exception):
    """A personal value that its named key does not open: tampered with, or not made by Paars."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def new_key_id() -> str:
    return secrets.token_urlsafe(12)


@functools.lru_cache(maxsize=4096)
def _aead(key: bytes) -> AESGCM:
    # The cipher object expands its key schedule once per key rather than once per value (the relay's cost).
    return AESGCM(key)


def encrypt_value(key_id: str, key: bytes, plaintext: str) -> str:
    nonce = os.urandom(_NONCE_BYTES)
    sealed = _aead(key).encrypt(nonce, plaintext.encode(), (PREFIX + key_id).encode())
    return f"{PREFIX}{key_id}:{_b64(nonce + sealed)}"


def decrypt_body(key_id: str, key: bytes, body: str) -> str:
    try:
        raw = _unb64(body)
        return _aead(key).decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], (PREFIX + key_id).encode()).decode()
    except (InvalidTag, ValueError, binascii.Error, UnicodeDecodeError):
        raise UndecryptableField(f"a personal value under key {key_id} does not decrypt with it") from None


def key_ids_in(value: str) -> list[str]:
    return [m.group(1) for m in TOKEN.finditer(value)] if PREFIX in value else []


def decrypt_value(value: str, keys: Callable[[str], bytes | None]) -> str:
    """Every token in value replaced by its plaintext; by "" when keys(key_id) is None (the key was destroyed)."""
    if PREFIX not in value:
        return value

    def opened(match: re.Match[str]) -> str:
        key = keys(match.group(1))
        return "" if key is None else open_token(match.group(1), key, match.group(2))

    return TOKEN.sub(opened, value)


def open_token(key_id: str, key: bytes, body: str) -> str:
    """The plaintext of a token's body. A token inside a longer text (or in raw bytes) ends where base64url ends, so
    letters right after it would be read as part of it: the body is tried whole, then without up to 3 trailing
    characters (which are given back as they were). GCM's tag makes a wrong cut fail, never decrypt wrongly."""
    for cut in range(4):
        try:
            return decrypt_body(key_id, key, body[: len(body) - cut]) + body[len(body) - cut :]
        except UndecryptableField:
            if cut == 3 or len(body) - cut <= 24:
                raise
    raise UndecryptableField(f"a personal value under key {key_id} does not decrypt with it")


class KeyEncryptionKey:
    """The key that wraps every data key at rest in goals' person_keys (PAARS_KEY_ENCRYPTION_KEY, 32 bytes base64).

    A wrapped key is bound to its person and key id (associated data), so a row copied onto another person does not
    unwrap. Its id (a hash prefix) says which key-encryption key wrapped a row, for a rotation that re-wraps."""

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise ValueError("PAARS_KEY_ENCRYPTION_KEY must be 32 bytes, base64-encoded")
        self._aead = AESGCM(key)
        # First 8 bytes of SHA-256 of the key, hex: stored with each row it wraps (person_keys.kek_id), so a rotation
        # knows which rows are still on a retired key. It names a key without revealing it.
        self.id = hashlib.sha256(key).digest()[:8].hex()

    @classmethod
    def from_text(cls, text: str) -> KeyEncryptionKey:
        try:
            raw = base64.b64decode(text.strip().replace("-", "+").replace("_", "/") + "=" * (-len(text.strip()) % 4), validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("PAARS_KEY_ENCRYPTION_KEY must be 32 bytes, base64-encoded") from None
        return cls(raw)

    @staticmethod
    def generate() -> str:
        """A fresh key-encryption key as its environment value."""
        return base64.b64encode(new_data_key()).decode()

    def wrap(self, person_id: str, key_id: str, data_key: bytes) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, data_key, _WRAP_CONTEXT + f"{person_id}\0{key_id}".encode())

    def unwrap(self, person_id: str, key_id: str, wrapped: bytes) -> bytes:
        try:
            return self._aead.decrypt(wrapped[:_NONCE_BYTES], wrapped[_NONCE_BYTES:], _WRAP_CONTEXT + f"{person_id}\0{key_id}".encode())
        except InvalidTag:
            raise UndecryptableField(f"the data key {key_id} does not unwrap with key-encryption key {self.id}") from None


RETIRED_VARIABLE = "PAARS_KEY_ENCRYPTION_KEYS_RETIRED"


class KeyEncryptionKeys:
    """The key-encryption keys goals knows: the current one (PAARS_KEY_ENCRYPTION_KEY), which wraps every new data key
    and every re-wrapped one, and the retired ones (PAARS_KEY_ENCRYPTION_KEYS_RETIRED, comma-separated), which only
    unwrap the rows they wrapped until the re-wrap moved those to the current key. A row names its key by id."""

    def __init__(self, current: KeyEncryptionKey, retired: tuple[KeyEncryptionKey, ...] = ()) -> None:
        self.current = current
        self.retired = tuple(k for k in dict((k.id, k) for k in retired).values() if k.id != current.id)
        self.by_id = {k.id: k for k in (current, *self.retired)}

    @classmethod
    def from_text(cls, current: str, retired: str = "") -> KeyEncryptionKeys:
        olds = []
        for n, text in enumerate(t for t in retired.split(",") if t.strip()):
            try:
                olds.append(KeyEncryptionKey.from_text(text))
            except ValueError:
                raise ValueError(f"{RETIRED_VARIABLE}: entry {n + 1} is not 32 bytes, base64-encoded") from None
        return cls(KeyEncryptionKey.from_text(current), tuple(olds))

    @property
    def retired_ids(self) -> tuple[str, ...]:
        return tuple(k.id for k in self.retired)

    def wrap(self, person_id: str, key_id: str, data_key: bytes) -> tuple[str, bytes]:
        """(the id of the key that wrapped it, the wrapped key): always the current key."""
        return self.current.id, self.current.wrap(person_id, key_id, data_key)

    def unwrap(self, person_id: str, key_id: str, wrapped: bytes, kek_id: str | None) -> bytes:
        """The data key, unwrapped with the key the row names; a row from before key ids (kek_id None) is tried with
        the current key, then the retired ones."""
        if kek_id is None:
            for kek in (self.current, *self.retired):
                try:
                    return kek.unwrap(person_id, key_id, wrapped)
                except UndecryptableField:
                    continue
            raise UndecryptableField(f"the data key {key_id} does not unwrap with PAARS_KEY_ENCRYPTION_KEY nor {RETIRED_VARIABLE}")
        named = self.by_id.get(kek_id)
        if named is None:
            raise UndecryptableField(
                f"the data key {key_id} is wrapped by key-encryption key {kek_id}, neither PAARS_KEY_ENCRYPTION_KEY nor in {RETIRED_VARIABLE}",
            )
        return named.unwrap(person_id, key_id, wrapped)


# ---------- which fields are personal, and walking them ----------


@dataclass(frozen=True)
class _Plan:
    # (field, the sibling field naming the person whose key applies, or "" for the event's subject)
    strings: tuple[tuple[Any, str], ...]
    # Message-typed fields whose type (or a type inside it) has personal fields.
    children: tuple[Any, ...]


def personal_option(field: Any) -> event_pb2.PersonalField | None:
    options = field.GetOptions()
    extension: Any = event_pb2.personal
    return options.Extensions[extension] if options.HasExtension(extension) else None


def _is_map(field: Any) -> bool:
    return bool(field.type == d.FieldDescriptor.TYPE_MESSAGE and field.message_type.GetOptions().map_entry)


@functools.cache
def _plan(desc: Any) -> _Plan | None:
    strings: list[tuple[Any, str]] = []
    children: list[Any] = []
    for field in desc.fields:
        option = personal_option(field)
        if option is not None:
            value = field.message_type.fields_by_name["value"] if _is_map(field) else field
            if value.type != d.FieldDescriptor.TYPE_STRING:
                raise TypeError(f"{field.full_name}: (paars.common.v1.personal) is for string fields")
            strings.append((field, option.person_field))
        elif field.type == d.FieldDescriptor.TYPE_MESSAGE and field.message_type is not desc:
            inner = field.message_type.fields_by_name["value"].message_type if _is_map(field) else field.message_type
            if inner is not None and _plan(inner) is not None:
                children.append(field)
    return _Plan(tuple(strings), tuple(children)) if strings or children else None


def has_personal_fields(desc: Any) -> bool:
    return _plan(desc) is not None


def personal_field_names(desc: Any, prefix: str = "") -> list[str]:
    """Dotted paths of the personal fields of a message type (for the catalogue and the tests)."""
    plan = _plan(desc)
    if plan is None:
        return []
    names = [prefix + f.name for f, _ in plan.strings]
    for child in plan.children:
        inner = child.message_type.fields_by_name["value"].message_type if _is_map(child) else child.message_type
        names += personal_field_names(inner, f"{prefix}{child.name}.")
    return names


# fn(value, person_id) -> the value to put back
Transform = Callable[[str, str], str]


def _transform(message: Message, plan_of: Callable[[Any], _Plan | None], subject_id: str, fn: Transform) -> None:
    plan = plan_of(message.DESCRIPTOR)
    if plan is None:
        return
    for field, person_field in plan.strings:
        person = getattr(message, person_field) if person_field else subject_id
        value = getattr(message, field.name)
        if _is_map(field):
            for k in list(value):
                if value[k]:
                    value[k] = fn(value[k], person)
        elif field.is_repeated:
            new = [fn(v, person) if v else v for v in value]
            del value[:]
            value.extend(new)
        elif value:
            setattr(message, field.name, fn(value, person))
    for field in plan.children:
        if _is_map(field):
            for item in getattr(message, field.name).values():
                _transform(item, plan_of, subject_id, fn)
        elif field.is_repeated:
            for item in getattr(message, field.name):
                _transform(item, plan_of, subject_id, fn)
        elif message.HasField(field.name):
            _transform(getattr(message, field.name), plan_of, subject_id, fn)


def transform_personal(message: Message, subject_id: str, fn: Transform) -> None:
    """Applies fn to every non-empty personal value in message (in place), with the person whose key applies."""
    _transform(message, _plan, subject_id, fn)


@functools.cache
def _all_strings(desc: Any) -> _Plan:
    strings: list[tuple[Any, str]] = []
    children: list[Any] = []
    for field in desc.fields:
        if _is_map(field):
            value = field.message_type.fields_by_name["value"]
            if value.type == d.FieldDescriptor.TYPE_STRING:
                strings.append((field, ""))
            elif value.message_type is not None:
                children.append(field)
        elif field.type == d.FieldDescriptor.TYPE_STRING:
            strings.append((field, ""))
        elif field.type == d.FieldDescriptor.TYPE_MESSAGE and not field.message_type.full_name.startswith("google.protobuf."):
            children.append(field)
    return _Plan(tuple(strings), tuple(children))


def transform_tokens(message: Message, fn: Callable[[str], str]) -> None:
    """Applies fn to every string of message that holds a token, whether or not its field is marked: for answers
    built from what a service kept encrypted (analytics' insights and directory, quoted in its query answers)."""
    _transform(message, _all_strings, "", lambda value, _person: fn(value) if PREFIX in value else value)
