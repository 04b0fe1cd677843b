"""The story's plain-language check: scores against hand-computed Flesch formulas, and findings that point at words."""
from __future__ import annotations

import pytest

from paars_story.domain.plain_language import (
    FindingKind,
    PlainLanguagePolicy,
    UnknownLanguage,
    check,
    readability,
    syllables,
)

# Counted by hand: wij(1) ma-ken(2) goed(1) werk(1) / sa-men(2) le-ren(2) wij(1) el-ke(2) dag(1):
# 9 words, 2 sentences, 13 syllables.
SIMPLE_DUTCH = "Wij maken goed werk. Samen leren wij elke dag."
# we(1) help(1) peo-ple(2) grow(1) / our(1) teams(1) work(1) well(1) to-geth-er(3): 9 words, 2 sentences, 12 syllables.
SIMPLE_ENGLISH = "We help people grow. Our teams work well together."


def flesch_douma(words: int, sentences: int, syllable_count: int) -> float:
    return 206.835 - 0.93 * (words / sentences) - 77 * (syllable_count / words)


def flesch_reading_ease(words: int, sentences: int, syllable_count: int) -> float:
    return 206.835 - 1.015 * (words / sentences) - 84.6 * (syllable_count / words)


def test_the_dutch_score_is_flesch_douma_over_the_counted_words_and_syllables() -> None:
    expected = flesch_douma(9, 2, 13)
    assert expected == pytest.approx(91.43, abs=0.01)
    assert readability(SIMPLE_DUTCH, "nl") == pytest.approx(expected, abs=0.01)


def test_textstat_agrees_with_the_hand_count_of_dutch_syllables() -> None:
    counted = {"wij": 1, "maken": 2, "goed": 1, "werk": 1, "samen": 2, "leren": 2, "elke": 2, "dag": 1}
    assert {w: syllables(w, "nl") for w in counted} == counted


def test_the_english_score_is_flesch_reading_ease_over_the_counted_words_and_syllables() -> None:
    expected = flesch_reading_ease(9, 2, 12)
    assert readability(SIMPLE_ENGLISH, "en") == pytest.approx(expected, abs=0.01)


def test_a_dense_dutch_passage_scores_lower_than_a_plain_one() -> None:
    dense = "De implementatie van de organisatiebrede communicatiestrategie wordt door het management gecoördineerd."
    assert readability(dense, "nl") < 30 < readability(SIMPLE_DUTCH, "nl")


def test_a_passage_below_the_threshold_says_so_with_its_score() -> None:
    dense = "De implementatie van de organisatiebrede communicatiestrategie wordt door het management gecoördineerd."
    result = check(dense, "nl")
    assert result.below_threshold and result.score_name == "Flesch-Douma" and result.threshold == 60.0
    low = [f for f in result.findings if f.kind is FindingKind.LOW_READABILITY]
    assert len(low) == 1 and (low[0].start, low[0].end) == (0, len(dense))
    assert "drempel is 60" in low[0].suggestion


def test_a_plain_passage_has_no_findings() -> None:
    result = check(SIMPLE_DUTCH, "nl")
    assert not result.below_threshold and result.findings == ()


def test_a_long_sentence_is_pointed_at_with_its_word_count() -> None:
    long_sentence = " ".join(["wij"] * 24) + "."
    text = "Wij groeien samen. " + long_sentence
    [finding] = [f for f in check(text, "nl").findings if f.kind is FindingKind.LONG_SENTENCE]
    assert text[finding.start:finding.end] == long_sentence == finding.words
    assert "24 woorden" in finding.suggestion and "20" in finding.suggestion


def test_jargon_from_the_organisations_list_points_at_the_word_with_its_plain_alternative() -> None:
    policy = PlainLanguagePolicy(jargon={"nl": {"synergie": "samenwerken"}, "en": {"leverage": "use"}})
    text = "Wij zoeken Synergie in elk team."
    [finding] = [f for f in check(text, "nl", policy).findings if f.kind is FindingKind.JARGON]
    assert text[finding.start:finding.end] == "Synergie"
    assert "“samenwerken”" in finding.suggestion
    [english] = [f for f in check("We leverage our strengths.", "en", policy).findings if f.kind is FindingKind.JARGON]
    assert english.words == "leverage" and "“use”" in english.suggestion


def test_a_dutch_passive_with_worden_and_a_past_participle_is_found() -> None:
    text = "De waarden worden binnen de organisatie gecommuniceerd."
    [finding] = [f for f in check(text, "nl").findings if f.kind is FindingKind.PASSIVE]
    assert finding.words == "worden binnen de organisatie gecommuniceerd" == text[finding.start:finding.end]
    assert "wie het doet" in finding.suggestion


def test_the_dutch_perfect_tense_with_is_is_not_taken_for_a_passive() -> None:
    assert not [f for f in check("Het team is gegroeid.", "nl").findings if f.kind is FindingKind.PASSIVE]


def test_an_english_passive_with_be_and_a_past_participle_is_found() -> None:
    text = "Our values are clearly communicated to everyone."
    [finding] = [f for f in check(text, "en").findings if f.kind is FindingKind.PASSIVE]
    assert finding.words == "are clearly communicated"


def test_dutch_nominalisations_suggest_the_verb_or_adjective() -> None:
    text = "Wij werken aan verbetering, duidelijkheid en communicatie."
    found = {f.words: f.suggestion for f in check(text, "nl").findings if f.kind is FindingKind.NOMINALISATION}
    assert set(found) == {"verbetering", "duidelijkheid", "communicatie"}
    assert "“verbeteren”" in found["verbetering"]
    assert "“duidelijk”" in found["duidelijkheid"]
    assert "“communiceren”" in found["communicatie"]


def test_everyday_dutch_words_with_a_nominal_ending_are_left_alone() -> None:
    assert not [f for f in check("De koning woont in die richting.", "nl").findings if f.kind is FindingKind.NOMINALISATION]


def test_english_nominalisations_on_ment_and_tion_are_found() -> None:
    text = "We aim for improvement and better communication."
    found = {f.words: f.suggestion for f in check(text, "en").findings if f.kind is FindingKind.NOMINALISATION}
    assert set(found) == {"improvement", "communication"}
    assert "“improve”" in found["improvement"]


def test_findings_come_in_reading_order() -> None:
    text = "De verbetering wordt gecontroleerd. Wij doen dat."
    starts = [f.start for f in check(text, "nl").findings]
    assert starts == sorted(starts) and starts


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(UnknownLanguage):
        check("Bonjour tout le monde.", "fr")
