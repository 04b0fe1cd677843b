"""Person-facing texts as message ids with named placeholders, rendered in the recipient's language.

A rule says *which* message and with what values; the sentence itself is one catalogue entry per
language (`locale/{nl,en}/LC_MESSAGES/messages.po`), so no sentence is built by gluing fragments, and a
placeholder may itself be a message (a goal status, a kind of feedback) translated in the same language.
"""
from __future__ import annotations

import datetime as dt
import pathlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Union

from babel.dates import format_date
from babel.numbers import format_decimal
from babel.support import Translations

from paars_platform import i18n

LOCALE_DIR = pathlib.Path(__file__).resolve().parents[1] / "locale"


def N_(msgid: str) -> str:
    """Marks a message id for extraction (pybabel's default keyword); translated when rendered."""
    return msgid


Value = Union[str, int, float, dt.date, "Text"]


@dataclass(frozen=True)
class Text:
    """One message: its id and named values."""

    msgid: str
    params: Mapping[str, Value] = field(default_factory=dict)


def text(msgid: str, **params: Value) -> Text:
    return Text(msgid, params)


@dataclass(frozen=True)
class Sentences:
    """Whole sentences shown one after the other (never parts of one sentence); a plain string is shown
    as it is (words another service wrote)."""

    parts: tuple[Text | Written | str, ...]


@dataclass(frozen=True)
class Written:
    """Words another service wrote in one language: shown as they are to a reader of that language, to
    anyone else `instead` (a message of ours), so no reader gets a sentence in a language not theirs."""

    words: str
    language: str
    instead: Text | None


_catalogues: dict[str, Translations] = {}


def catalogues() -> dict[str, Translations]:
    """The compiled catalogues, loaded once per process."""
    if not _catalogues:
        _catalogues.update(i18n.load_catalogues(LOCALE_DIR))
    return _catalogues


def language_or_default(language: str) -> str:
    return language if language in i18n.LANGUAGES else i18n.default_language()


def render(message: Text | Sentences | Written | str, language: str) -> str:
    """The message in that language ("" or unknown: the organisation's default)."""
    language = language_or_default(language)
    if isinstance(message, str):
        return message
    if isinstance(message, Written):
        if message.language == language:
            return message.words
        return render(message.instead, language) if message.instead is not None else ""
    if isinstance(message, Sentences):
        return " ".join(filter(None, (render(p, language) for p in message.parts)))
    translations = catalogues()[language]
    template = translations.gettext(message.msgid)
    return template % {name: _value(v, language) for name, v in message.params.items()}


def _value(value: Value, language: str) -> str | int | float:
    if isinstance(value, Text):
        return render(value, language)
    if isinstance(value, dt.date):
        return format_date(value, format="d MMM", locale=language)
    if isinstance(value, float):
        # One decimal, with the language's decimal sign (1,5 in Dutch).
        return format_decimal(value, format="#,##0.0", locale=language)
    return value
