"""The web app's Dutch and English catalogues and choosing one per request (the shared part: paars_platform.i18n)."""
from __future__ import annotations

import pathlib
from collections.abc import Iterable

from babel.support import Translations

from paars_platform import i18n as platform_i18n
from paars_platform.i18n import LANGUAGES, from_accept_language

__all__ = ["COOKIE", "LANGUAGES", "LANGUAGE_NAMES", "LOCALE_DIR", "choose", "from_accept_language", "load_catalogues"]

LOCALE_DIR = pathlib.Path(__file__).parent / "locale"
# The language a browser chose with the switch, kept for a year.
COOKIE = "paars_language"
# Names shown in the switch, each in its own language (so they are not translated).
LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English"}


def load_catalogues(locale_dir: pathlib.Path = LOCALE_DIR) -> dict[str, Translations]:
    return platform_i18n.load_catalogues(locale_dir)


def choose(candidates: Iterable[str]) -> str:
    """The first supported language among the candidates (choice, preference, header), else the organisation's."""
    return platform_i18n.choose(candidates, platform_i18n.default_language())
