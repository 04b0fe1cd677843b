"""Dutch and English from the gettext catalogues (compiled in memory at start), and choosing one per request."""
from __future__ import annotations

import io
import pathlib
from collections.abc import Iterable

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALE_DIR = pathlib.Path(__file__).parent / "locale"
LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"
# The language a browser chose with the switch, kept for a year.
COOKIE = "paars_language"
# Names shown in the switch, each in its own language (so they are not translated).
LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English"}


def load_catalogues(locale_dir: pathlib.Path = LOCALE_DIR) -> dict[str, Translations]:
    """Each messages.po compiled to a catalogue in memory: no .mo file to forget or to go stale."""
    out: dict[str, Translations] = {}
    for language in LANGUAGES:
        with (locale_dir / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
            catalog = read_po(po, locale=language)
        compiled = io.BytesIO()
        write_mo(compiled, catalog, use_fuzzy=False)
        compiled.seek(0)
        out[language] = Translations(compiled)
    return out


def from_accept_language(header: str) -> str:
    """The first of our languages in the Accept-Language header, by its q-values; empty if none."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and quality > 0:
            ranked.append((-quality, position, primary))
    return sorted(ranked)[0][2] if ranked else ""


def choose(candidates: Iterable[str]) -> str:
    """The first supported language among the candidates (choice, preference, header), else Dutch."""
    for candidate in candidates:
        if candidate in LANGUAGES:
            return candidate
    return DEFAULT_LANGUAGE
