"""Every user-facing string of the web app is in the Dutch and the English catalogue, with the same placeholders."""
from __future__ import annotations

import pathlib
import re

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from paars_web import i18n

WEB = pathlib.Path(__file__).resolve().parents[2] / "services" / "web"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def extracted() -> set[str]:
    """What `pybabel extract -F services/web/babel.cfg` finds: gettext/_/N_ calls and {% trans %} blocks."""
    method_map = [("src/paars_web/**.py", "python"), ("src/paars_web/templates/**.html", "jinja2")]
    options = {"src/paars_web/templates/**.html": {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"}}
    ids: set[str] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(str(WEB), method_map, options):
        ids.update(message if isinstance(message, tuple) else (message,))
    return {i for i in ids if i}


def test_the_extraction_finds_the_pages_strings() -> None:
    found = extracted()
    assert {"Give feedback", "Who will see this?", "only praise can be public", "%(who)s asks for your feedback"} <= found


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_every_user_facing_string_has_a_translation(language: str) -> None:
    with (i18n.LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalogue = read_po(po, locale=language)
    missing, fuzzy, placeholders = [], [], []
    for msgid in sorted(extracted()):
        message = catalogue.get(msgid)
        if message is None or not message.string:
            missing.append(msgid)
        elif message.fuzzy:
            fuzzy.append(msgid)
        elif set(PLACEHOLDER.findall(msgid)) != set(PLACEHOLDER.findall(str(message.string))):
            placeholders.append(msgid)
    assert not missing, f"{language}: no translation for {missing} (see services/web/README.md, Translations)"
    assert not fuzzy, f"{language}: fuzzy translations {fuzzy}"
    assert not placeholders, f"{language}: placeholders differ in {placeholders}"


def test_the_catalogues_compile_and_dutch_differs_from_english() -> None:
    catalogues = i18n.load_catalogues()
    assert catalogues["nl"].gettext("Who will see this?") == "Wie ziet dit?"
    assert catalogues["en"].gettext("Who will see this?") == "Who will see this?"
