"""Every user-facing string of the web app is in the Dutch and the English catalogue, with the same placeholders."""
from __future__ import annotations

import pathlib

import pytest

from paars_web import i18n
from tests import translations

WEB = pathlib.Path(__file__).resolve().parents[2] / "services" / "web"


def extracted() -> set[str]:
    """What `pybabel extract -F services/web/babel.cfg` finds: gettext/_/N_ calls and {% trans %} blocks."""
    method_map = [("src/paars_web/**.py", "python"), ("src/paars_web/templates/**.html", "jinja2")]
    options = {"src/paars_web/templates/**.html": {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"}}
    return translations.extracted(WEB, method_map, options)


def test_the_extraction_finds_the_pages_strings() -> None:
    found = extracted()
    assert {"Give feedback", "Who will see this?", "only praise can be public", "%(who)s asks for your feedback"} <= found


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_every_user_facing_string_has_a_translation(language: str) -> None:
    problems = translations.problems(extracted(), i18n.LOCALE_DIR, language)
    assert not problems, f"{language}: {problems} (see services/web/README.md, Translations)"


def test_the_catalogues_compile_and_dutch_differs_from_english() -> None:
    catalogues = i18n.load_catalogues()
    assert catalogues["nl"].gettext("Who will see this?") == "Wie ziet dit?"
    assert catalogues["en"].gettext("Who will see this?") == "Who will see this?"
