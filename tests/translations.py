"""The catalogue check every service with person-facing texts shares: what pybabel would extract, against
each language's catalogue files (messages.po and any other *.po beside it) (missing, fuzzy, or with other placeholders)."""
from __future__ import annotations

import pathlib
import re
from collections.abc import Mapping, Sequence

from babel.messages.extract import extract_from_dir

from paars_platform.i18n import LANGUAGES, read_catalogue

PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def extracted(root: pathlib.Path, method_map: Sequence[tuple[str, str]], options: Mapping[str, Mapping[str, str]] | None = None) -> set[str]:
    """The message ids `pybabel extract -F <root>/babel.cfg` finds (gettext/_/N_ calls, {% trans %} blocks)."""
    ids: set[str] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(str(root), method_map, dict(options or {})):
        ids.update(message if isinstance(message, tuple) else (message,))
    return {i for i in ids if i}


def problems(msgids: set[str], locale_dir: pathlib.Path, language: str) -> dict[str, list[str]]:
    """Per kind of problem, the message ids of one language's catalogue that have it."""
    assert language in LANGUAGES
    catalogue = read_catalogue(locale_dir, language)
    found: dict[str, list[str]] = {"missing": [], "fuzzy": [], "placeholders differ": []}
    for msgid in sorted(msgids):
        message = catalogue.get(msgid)
        if message is None or not message.string:
            found["missing"].append(msgid)
        elif message.fuzzy:
            found["fuzzy"].append(msgid)
        elif set(PLACEHOLDER.findall(msgid)) != set(PLACEHOLDER.findall(str(message.string))):
            found["placeholders differ"].append(msgid)
    return {kind: ids for kind, ids in found.items() if ids}
