"""Webhook signatures: HMAC-SHA256 over "<timestamp>.<body>", sent as `Paars-Signature: t=<unix>,v1=<hex>`.

The timestamp is inside the signed text, so a captured request cannot be replayed later than the
receiver's tolerance; several v1 values may be present while a secret is being rotated.
"""
from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "Paars-Signature"
DEFAULT_TOLERANCE_SECONDS = 300


class InvalidSignature(Exception):
    """The request was not signed with the subscription's secret, or not recently enough."""


def signature(secret: str, body: bytes, timestamp: int) -> str:
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The header value for a body sent at `timestamp` (Unix seconds)."""
    return f"t={timestamp},v1={signature(secret, body, timestamp)}"


def verify(secret: str, body: bytes, header: str, *, now: int, tolerance: int = DEFAULT_TOLERANCE_SECONDS) -> int:
    """Checks a received header against the raw body; returns the signed timestamp or raises InvalidSignature."""
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError:
                raise InvalidSignature("timestamp is not an integer") from None
        elif key == "v1":
            candidates.append(value)
    if timestamp is None or not candidates:
        raise InvalidSignature("header needs t=<unix seconds> and at least one v1=<hex>")
    if abs(now - timestamp) > tolerance:
        raise InvalidSignature("timestamp outside the tolerance (a replay or a wrong clock)")
    expected = signature(secret, body, timestamp)
    if not any(hmac.compare_digest(expected, c) for c in candidates):
        raise InvalidSignature("no v1 signature matches the body")
    return timestamp
