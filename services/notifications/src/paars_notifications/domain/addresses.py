"""E-mail addresses Paars sends to: one plain addr-spec (RFC 5321 sizes), nothing that could become a header."""
from __future__ import annotations

import re

MAX_EMAIL = 254
_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EMAIL = re.compile(rf"{_LOCAL}@{_LABEL}(?:\.{_LABEL})+")


def valid_email(value: str) -> bool:
    """True for local@domain.tld in ASCII: no spaces, CR/LF or other control characters, no display name,
    a local part of at most 64 characters."""
    if not value or len(value) > MAX_EMAIL or EMAIL.fullmatch(value) is None:
        return False
    return len(value.rsplit("@", 1)[0]) <= 64
