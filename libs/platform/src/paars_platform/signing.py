"""Signed events: a producer signs each record (Ed25519); consumers of signed topics accept only its owner's signature.

Broker ACLs decide who may write a topic; the signature lets a consumer check it itself, so a record
written by anyone else (a client with broker access, a compromised service, a misconfigured ACL) is
dead-lettered instead of applied. The signature covers the topic, key, value and the CloudEvents id,
source and type, so neither the event nor its routing can be changed or moved to another topic.

`python -m paars_platform.signing PRODUCER` prints a fresh key pair for the environment variables.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import os
import re
import struct
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat
from google.protobuf.message import Message

from paars_platform.events import Record, UndecodableEvent, decode, header
from paars_platform.topics import BY_NAME, TOPICS

SIGNATURE_HEADER = "paars_signature"
# Which key signed (a short hash of its public key): tells apart the old and new key during a rotation.
KEY_ID_HEADER = "paars_signature_key"
# Versioned, so that a later change of what is signed can never be confused with this one.
_DOMAIN = b"paars-event-signature-v1"
# The development keys are derived from this published seed: anyone can compute them, which is why
# they are accepted only with PAARS_ENVIRONMENT=development.
_DEVELOPMENT_SEED = b"paars-local-development-event-signing-key:"


class UntrustedEvent(UndecodableEvent):
    """A record on a signed topic that its owner did not sign. An UndecodableEvent, so that a consumer
    that knows only those still dead-letters it; `reason` is the dead-letter reason."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(key: Ed25519PublicKey) -> str:
    return _b64(hashlib.sha256(_raw_public(key)).digest()[:9])


def development_key(producer: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(_DEVELOPMENT_SEED + producer.encode()).digest())


def signed_owner(topic: str) -> str | None:
    """The producer whose signature a record on this topic needs; None for a topic that is not signed."""
    t = BY_NAME.get(topic)
    return t.owner if t is not None and t.signed else None


def signed_bytes(topic: str, key: bytes | None, value: bytes | None, ce_id: str, ce_source: str, ce_type: str) -> bytes:
    """What is signed: every part length-prefixed, so no two different records sign the same bytes."""
    parts = (topic.encode(), key or b"", value or b"", ce_id.encode(), ce_source.encode(), ce_type.encode())
    return _DOMAIN + b"".join(struct.pack(">I", len(p)) + p for p in parts)


def _headers(headers: Any) -> Sequence[tuple[str, bytes | None]]:
    """Record headers as pairs; Faust may hand them over as a dict."""
    if isinstance(headers, Mapping):
        return list(headers.items())
    return list(headers or ())


class EventSigner:
    """Adds the producer's signature to records (the outbox relay's publisher calls it)."""

    def __init__(self, producer: str, key: Ed25519PrivateKey) -> None:
        self.producer = producer
        self._key = key
        self._key_id = key_id(key.public_key()).encode()

    def sign(self, record: Record) -> Record:
        h = record.headers
        message = signed_bytes(record.topic, record.key, record.value, header(h, "ce_id"), header(h, "ce_source"), header(h, "ce_type"))
        signature = _b64(self._key.sign(message)).encode()
        kept = [(k, v) for k, v in h if k not in (SIGNATURE_HEADER, KEY_ID_HEADER)]
        return Record(record.topic, record.key, record.value, [*kept, (SIGNATURE_HEADER, signature), (KEY_ID_HEADER, self._key_id)], record.event_id)


class EventVerifier:
    """Checks records of signed topics against the public keys of each topic's owner."""

    def __init__(self, keys: Mapping[str, Sequence[Ed25519PublicKey]]) -> None:
        self._keys = {producer: {key_id(k): k for k in ks} for producer, ks in keys.items()}

    def require(self, topics: Iterable[str]) -> None:
        """Raises unless a key is known for the owner of every signed topic among these (checked at start-up)."""
        missing = sorted({o for o in map(signed_owner, topics) if o and not self._keys.get(o)})
        if missing:
            raise ValueError(f"PAARS_EVENT_VERIFY_KEYS has no key of {', '.join(missing)}, whose topics this service consumes")

    def check(self, topic: str, key: bytes | None, value: bytes | None, headers: Any) -> None:
        """Raises UntrustedEvent unless the record is signed by its topic's owner (no-op on unsigned topics)."""
        owner = signed_owner(topic)
        if owner is None:
            return
        h = _headers(headers)
        ce_source = header(h, "ce_source")
        if ce_source != f"/paars/{owner}":
            raise UntrustedEvent("wrong-producer", f"{topic} carries events of {owner} only; this record's ce_source is {ce_source!r}")
        signature = header(h, SIGNATURE_HEADER)
        if not signature:
            raise UntrustedEvent("unsigned", f"{topic} accepts only records signed by {owner}; this one has no {SIGNATURE_HEADER} header")
        keys = self._keys.get(owner, {})
        kid = header(h, KEY_ID_HEADER)
        candidates = [keys[kid]] if kid in keys else list(keys.values())
        message = signed_bytes(topic, key, value, header(h, "ce_id"), ce_source, header(h, "ce_type"))
        try:
            raw = _unb64(signature)
        except ValueError:
            raw = b""
        for candidate in candidates:
            try:
                candidate.verify(raw, message)
                return
            except InvalidSignature:
                continue
        raise UntrustedEvent("bad-signature", f"the {SIGNATURE_HEADER} of this {topic} record does not verify with {owner}'s key (key id {kid or 'none'})")

    def decode(self, topic: str, key: bytes | None, value: bytes | None, headers: Any, expected_type: str) -> Message:
        """The event in a record, once its signature (on a signed topic) checks out and its metadata names the owner."""
        self.check(topic, key, value, headers)
        h = _headers(headers)
        event = decode(value, h, expected_type)
        owner = signed_owner(topic)
        if owner is not None:
            meta = event.metadata  # type: ignore[attr-defined]
            if meta.producer != owner:
                raise UntrustedEvent("wrong-producer", f"{topic} carries events of {owner} only; this one names producer {meta.producer!r}")
            if meta.event_id != header(h, "ce_id"):
                raise UntrustedEvent("bad-signature", f"metadata.event_id {meta.event_id!r} differs from the signed ce_id")
        return event


def _parse_private(text: str) -> Ed25519PrivateKey:
    try:
        raw = _unb64(text.strip())
        return Ed25519PrivateKey.from_private_bytes(raw)
    except ValueError:
        raise ValueError("PAARS_EVENT_SIGNING_KEY must be a base64url Ed25519 private key (32 bytes)") from None


def _parse_verify_keys(text: str) -> dict[str, list[Ed25519PublicKey]]:
    keys: dict[str, list[Ed25519PublicKey]] = {}
    for entry in re.split(r"[\s,]+", text.strip()):
        producer, sep, encoded = entry.partition("=")
        try:
            if not sep or not producer:
                raise ValueError
            keys.setdefault(producer, []).append(Ed25519PublicKey.from_public_bytes(_unb64(encoded)))
        except ValueError:
            raise ValueError(f"PAARS_EVENT_VERIFY_KEYS entries are PRODUCER=base64url-public-key, got {entry!r}") from None
    return keys


def _signing_producers() -> set[str]:
    return {t.owner for t in TOPICS if t.signed}


@dataclass(frozen=True)
class EventKeys:
    """This process's signing key (None: it does not sign) and the public keys it verifies with, per producer."""

    signing_key: Ed25519PrivateKey | None = field(default=None, repr=False)
    verify_keys: Mapping[str, Sequence[Ed25519PublicKey]] = field(default_factory=dict)
    # A producer of signed topics must sign; checked when its publisher is built (see signer()).
    signing_required: bool = False

    @classmethod
    def development(cls, service: str) -> EventKeys:
        """The published development keys: the service's own, and every signing producer's public key."""
        return cls(development_key(service), {p: [development_key(p).public_key()] for p in sorted(_signing_producers())})

    @classmethod
    def from_env(cls, service: str, *, development: bool) -> EventKeys:
        """PAARS_EVENT_SIGNING_KEY and PAARS_EVENT_VERIFY_KEYS; the development keys only when development is True.

        Outside development a development key is refused even when configured explicitly, and a producer of a
        signed topic must have its own key (its consumers would otherwise dead-letter everything it writes);
        that is checked by signer(), so that a process that never publishes (migrate) needs no key.
        """
        defaults = cls.development(service)
        signing_text = os.environ.get("PAARS_EVENT_SIGNING_KEY", "")
        verify_text = os.environ.get("PAARS_EVENT_VERIFY_KEYS", "")
        signing_key = _parse_private(signing_text) if signing_text else (defaults.signing_key if development else None)
        verify_keys = _parse_verify_keys(verify_text) if verify_text else (dict(defaults.verify_keys) if development else {})
        if not development:
            published = {_raw_public(development_key(p).public_key()) for p in _signing_producers() | {service}}
            if signing_key is not None and _raw_public(signing_key.public_key()) in published:
                raise ValueError("PAARS_EVENT_SIGNING_KEY is a published development key")
            if any(_raw_public(k) in published for ks in verify_keys.values() for k in ks):
                raise ValueError("PAARS_EVENT_VERIFY_KEYS contains a published development key")
        return cls(signing_key, verify_keys, signing_required=service in _signing_producers())

    def signer(self, producer: str) -> EventSigner | None:
        """The producer's signer; None when it has no key and needs none."""
        if self.signing_key is None:
            if self.signing_required:
                raise ValueError(f"PAARS_EVENT_SIGNING_KEY must be set: {producer} produces signed topics")
            return None
        return EventSigner(producer, self.signing_key)

    def verifier(self) -> EventVerifier:
        return EventVerifier(self.verify_keys)


def generate(producer: str) -> tuple[str, str]:
    """A fresh key pair as environment values: (PAARS_EVENT_SIGNING_KEY, PAARS_EVENT_VERIFY_KEYS entry)."""
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return _b64(private), f"{producer}={_b64(_raw_public(key.public_key()))}"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Prints a fresh event signing key pair for PRODUCER.")
    parser.add_argument("producer")
    args = parser.parse_args(argv)
    private, public = generate(args.producer)
    print(f"PAARS_EVENT_SIGNING_KEY={private}")
    print(f"PAARS_EVENT_VERIFY_KEYS={public}")


if __name__ == "__main__":
    main()
