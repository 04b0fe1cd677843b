"""Story settings from the environment on top of the platform's Settings: the organisation's plain-language policy."""
from __future__ import annotations

import json
import pathlib

from paars_platform.config import Settings, env_float, env_int, env_str
from paars_story.domain.plain_language import LANGUAGES, PlainLanguagePolicy


def load_jargon(path: str) -> dict[str, dict[str, str]]:
    """The organisation's jargon list: a JSON file {"nl": {"synergie": "samenwerken"}, "en": {...}}; none: empty."""
    if not path:
        return {}
    data = json.loads(pathlib.Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise ValueError(f"PAARS_STORY_JARGON_FILE: {path} must hold {{language: {{term: plainer words}}}}")
    return {lang: {str(k): str(v) for k, v in terms.items()} for lang, terms in data.items() if lang in LANGUAGES}


def policy_from_env(settings: Settings) -> PlainLanguagePolicy:
    del settings  # the policy is the organisation's, not the process's: only the environment sets it
    return PlainLanguagePolicy(
        thresholds={"nl": env_float("PAARS_STORY_THRESHOLD_NL", 60.0), "en": env_float("PAARS_STORY_THRESHOLD_EN", 60.0)},
        max_sentence_words=env_int("PAARS_STORY_MAX_SENTENCE_WORDS", 20),
        jargon=load_jargon(env_str("PAARS_STORY_JARGON_FILE", "")),
    )
