"""Dutch and English from a package's gettext catalogues (compiled in memory at start), and choosing one."""
from __future__ import annotations

import io
import pathlib
from collections.abc import Iterable

from babel.messages.catalog import Catalog
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


def catalogue_files(locale_dir: pathlib.Path, language: str) -> list[pathlib.Path]:
    """A language's catalogue files: `messages.po` first, then every other `*.po` beside it in name order.
    Each part of an app (the web app's story or conversation pages, say) may keep its texts in its own file."""
    folder = locale_dir / language / "LC_MESSAGES"
    main = folder / "messages.po"
    return [main, *sorted(f for f in folder.glob("*.po") if f != main)]


def read_catalogue(locale_dir: pathlib.Path, language: str) -> Catalog:
    """Every catalogue file of a language merged into one (a message id kept in two files: the later wins)."""
    merged: Catalog | None = None
    for path in catalogue_files(locale_dir, language):
        with path.open("rb") as po:
            catalog = read_po(po, locale=language)
        if merged is None:
            merged = catalog
            continue
        for message in catalog:
            if message.id:
                merged[message.id] = message
    assert merged is not None
    return merged


def load_catalogues(locale_dir: pathlib.Path) -> dict[str, Translations]:
    """Each language's catalogue files (see catalogue_files) compiled in memory: no .mo file to forget
    or to go stale."""
    out: dict[str, Translations] = {}
    for language in LANGUAGES:
        compiled = io.BytesIO()
        write_mo(compiled, read_catalogue(locale_dir, language), use_fuzzy=False)
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
