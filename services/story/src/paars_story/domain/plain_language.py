"""The plain-language ("behapbaar") check: a readability score per language, long sentences, jargon, passive and
nominalised phrasing, each finding pointing at the words (character offsets) with a concrete suggestion.

Scores: Dutch is Flesch-Douma (206.835 - 0.93 * words/sentence - 77 * syllables/word), computed by textstat
(set_lang("nl"), syllables from pyphen's Dutch hyphenation). English is Flesch reading ease (206.835 - 1.015 *
words/sentence - 84.6 * syllables/word) over textstat's word and sentence counts with pyphen's en_US syllables:
textstat's own English syllable count needs NLTK's cmudict, which it downloads at run time, and a service must
not fetch data from the internet while it answers a request (nor can it in the cluster).

The passive and nominalisation rules are heuristics, meant to point a writer at a phrase worth a second look,
not to judge it: a finding is a suggestion, only the score against the threshold gates publishing.
"""
from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from functools import cache

import pyphen
from textstat.textstat import textstatistics

LANGUAGES = ("nl", "en")
SCORE_NAMES = {"nl": "Flesch-Douma", "en": "Flesch reading ease"}
# (base, per word-per-sentence, per syllable-per-word): the published constants.
FLESCH_DOUMA = (206.835, 0.93, 77.0)
FLESCH_READING_EASE = (206.835, 1.015, 84.6)


class FindingKind(Enum):
    LOW_READABILITY = "low_readability"
    LONG_SENTENCE = "long_sentence"
    JARGON = "jargon"
    PASSIVE = "passive"
    NOMINALISATION = "nominalisation"


@dataclass(frozen=True)
class Finding:
    kind: FindingKind
    start: int
    end: int
    words: str
    suggestion: str


@dataclass(frozen=True)
class TextCheck:
    language: str
    score: float
    threshold: float
    findings: tuple[Finding, ...]

    @property
    def score_name(self) -> str:
        return SCORE_NAMES[self.language]

    @property
    def below_threshold(self) -> bool:
        return self.score < self.threshold


@dataclass(frozen=True)
class PlainLanguagePolicy:
    """What the organisation holds its texts to; HR keeps the jargon list (term -> plainer words, per language)."""

    thresholds: Mapping[str, float] = field(default_factory=lambda: {"nl": 60.0, "en": 60.0})
    max_sentence_words: int = 20
    jargon: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


class UnknownLanguage(ValueError):
    pass


_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")
# A sentence runs up to and including its closing punctuation (or the end of the text).
_SENTENCE = re.compile(r"[^.!?]+(?:[.!?]+|$)")


@cache
def _textstat(language: str) -> textstatistics:
    # One instance per language: set_lang is per instance, so the two never race.
    stats = textstatistics()
    stats.set_lang(language)
    stats.set_rounding(False)
    return stats


@cache
def _hyphenator(language: str) -> pyphen.Pyphen:
    return pyphen.Pyphen(lang={"nl": "nl_NL", "en": "en_US"}[language])


def syllables(word: str, language: str) -> int:
    """Syllables of one word by hyphenation points (pyphen), as textstat counts them for Dutch."""
    points: list[int] = _hyphenator(language).positions(word.lower())
    return len(points) + 1


def readability(text: str, language: str) -> float:
    """The language's Flesch score of the text (higher is easier); 0.0 for a text without words."""
    if language == "nl":
        score: float = _textstat("nl").flesch_reading_ease(text)
        return score
    if language == "en":
        stats = _textstat("en")
        words, sentences = int(stats.lexicon_count(text)), int(stats.sentence_count(text))
        if not words or not sentences:
            return 0.0
        syllable_count = sum(syllables(w.group(), "en") for w in _WORD.finditer(text))
        base, per_sentence_length, per_syllable = FLESCH_READING_EASE
        return base - per_sentence_length * (words / sentences) - per_syllable * (syllable_count / words)
    raise UnknownLanguage(f"language must be one of {', '.join(LANGUAGES)}, not {language!r}")


def check(text: str, language: str, policy: PlainLanguagePolicy = PlainLanguagePolicy()) -> TextCheck:
    """Every finding in the text for its language, in reading order, and its score against the threshold."""
    score = readability(text, language)
    threshold = policy.thresholds.get(language, 0.0)
    findings = [
        *_long_sentences(text, language, policy.max_sentence_words),
        *_jargon(text, language, policy.jargon.get(language, {})),
        *_passives(text, language),
        *_nominalisations(text, language),
    ]
    if _WORD.search(text) and score < threshold:
        findings.insert(0, Finding(FindingKind.LOW_READABILITY, 0, len(text), text, _LOW[language].format(score=score, threshold=threshold)))
    findings.sort(key=lambda f: (f.start, f.end))
    return TextCheck(language, round(score, 2), threshold, tuple(findings))


_LOW = {
    "nl": "Score {score:.0f}, de drempel is {threshold:.0f}: schrijf kortere zinnen en kies kortere, gewone woorden.",
    "en": "Score {score:.0f}, the threshold is {threshold:.0f}: write shorter sentences and choose shorter, everyday words.",
}


def _sentences(text: str) -> Iterator[tuple[int, int]]:
    for match in _SENTENCE.finditer(text):
        start, end = match.start(), match.end()
        while start < end and text[start].isspace():
            start += 1
        if start < end:
            yield start, end


def _long_sentences(text: str, language: str, limit: int) -> Iterator[Finding]:
    for start, end in _sentences(text):
        count = sum(1 for _ in _WORD.finditer(text, start, end))
        if count > limit:
            suggestion = (
                f"Deze zin telt {count} woorden: splits hem in zinnen van hoogstens {limit} woorden, één boodschap per zin."
                if language == "nl" else
                f"This sentence has {count} words: split it into sentences of at most {limit} words, one point each."
            )
            yield Finding(FindingKind.LONG_SENTENCE, start, end, text[start:end], suggestion)


def _jargon(text: str, language: str, terms: Mapping[str, str]) -> Iterator[Finding]:
    for term, plain in terms.items():
        for match in re.finditer(rf"(?<!\w){re.escape(term)}(?!\w)", text, re.IGNORECASE):
            suggestion = (
                f"“{match.group()}” staat op de jargonlijst: schrijf “{plain}”."
                if language == "nl" else
                f"“{match.group()}” is on the jargon list: write “{plain}”."
            )
            yield Finding(FindingKind.JARGON, match.start(), match.end(), match.group(), suggestion)


# Dutch: a form of "worden" followed, within a few words, by a past participle (ge-...-d/t/en, or an unstressed
# prefix be-/ver-/ont-/her-/er-/ge- ... -d/t). "Is/zijn + participle" is left alone: it is also the perfect
# tense of many active verbs ("is gegroeid").
_NL_PASSIVE = re.compile(
    r"\b(?:word|wordt|worden|werd|werden|geworden)\b(?:\s+\w+){0,5}?\s+"
    r"((?:ge\w{2,}(?:d|t|en))|(?:(?:be|ver|ont|her|er)\w{2,}(?:d|t)))\b",
    re.IGNORECASE,
)
_EN_IRREGULAR = "done|made|given|taken|written|known|seen|shown|built|kept|held|told|brought|set|put|led|chosen|driven|met|sent|spent|found"
_EN_PASSIVE = re.compile(
    rf"\b(?:am|is|are|was|were|be|been|being)\b(?:\s+\w+ly)?\s+(\w{{3,}}ed|{_EN_IRREGULAR})\b", re.IGNORECASE,
)


def _passives(text: str, language: str) -> Iterator[Finding]:
    pattern = _NL_PASSIVE if language == "nl" else _EN_PASSIVE
    for match in pattern.finditer(text):
        phrase = match.group()
        suggestion = (
            f"“{phrase}” is lijdend: zeg wie het doet (“wij …”, “jij …”) en schrijf het actief."
            if language == "nl" else
            f"“{phrase}” is passive: say who does it (“we …”, “you …”) and write it actively."
        )
        yield Finding(FindingKind.PASSIVE, match.start(), match.end(), phrase, suggestion)


# Nouns made of verbs or adjectives; short everyday words with the same ending are not nominalisations.
_NL_NOMINAL = re.compile(r"\b\w{3,}(?:ing|heid|atie)\b", re.IGNORECASE)
_NL_NOT_NOMINAL = frozenset({"koning", "woning", "richting", "kring", "tekening", "rekening", "leerling", "opleiding", "vergadering", "waarheid", "gezondheid", "natie"})
_EN_NOMINAL = re.compile(r"\b\w{4,}(?:tion|ment)\b", re.IGNORECASE)
_EN_NOT_NOMINAL = frozenset({"question", "mention", "nation", "station", "moment", "comment", "element", "government", "statement", "department", "apartment", "document", "segment"})


def _dutch_verb(noun: str) -> str | None:
    lower = noun.lower()
    if lower.endswith("atie"):
        return lower[: -len("atie")] + "eren"  # communicatie -> communiceren
    if lower.endswith("ing"):
        return lower[: -len("ing")] + "en"  # verbetering -> verbeteren
    if lower.endswith("heid"):
        return lower[: -len("heid")]  # duidelijkheid -> duidelijk (the adjective)
    return None


def _nominalisations(text: str, language: str) -> Iterator[Finding]:
    pattern, exceptions = (_NL_NOMINAL, _NL_NOT_NOMINAL) if language == "nl" else (_EN_NOMINAL, _EN_NOT_NOMINAL)
    for match in pattern.finditer(text):
        noun = match.group()
        if noun.lower() in exceptions:
            continue
        if language == "nl":
            plain = _dutch_verb(noun)
            suggestion = f"“{noun}” is een naamwoord van een werkwoord of bijvoeglijk naamwoord: schrijf liever iets als “{plain}”, met wie het doet."
        else:
            lower = noun.lower()
            verb = lower[: -len("ment")] if lower.endswith("ment") else None  # improvement -> improve
            suggestion = (
                f"“{noun}” hides a verb: write something like “{verb}”, with who does it."
                if verb else
                f"“{noun}” hides a verb: say who does what, with the verb itself."
            )
        yield Finding(FindingKind.NOMINALISATION, match.start(), match.end(), noun, suggestion)
