"""Dutch and English from a package's gettext catalogues (compiled in memory at start), and choosing one."""
from __future__ import annotations

import io
import pathlib
from collections.abc import Iterable

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from paars_platform.config import env_str

LANGUAGES = ("nl", "en")
# The organisation speaks Dutch (its own texts are Dutch): whoever chose nothing reads Dutch.
ORGANISATION_DEFAULT = "nl"


def default_language() -> str:
    """The organisation's default language, `PAARS_DEFAULT_LANGUAGE` ("nl" or "en"; anything else: Dutch)."""
    value = env_str("PAARS_DEFAULT_LANGUAGE", ORGANISATION_DEFAULT).strip().lower()
    return value if value in LANGUAGES else ORGANISATION_DEFAULT


def load_catalogues(locale_dir: pathlib.Path) -> dict[str, Translations]:
    """Each `<locale_dir>/<language>/LC_MESSAGES/messages.po` compiled in memory: no .mo file to forget
    or to go stale."""
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


def choose(candidates: Iterable[str], default: str = ORGANISATION_DEFAULT) -> str:
    """The first supported language among the candidates (choice, preference, header), else the default."""
    for candidate in candidates:
        if candidate in LANGUAGES:
            return candidate
    return default
