"""Every prompt, e-mail and chat text of notifications is in the Dutch and the English catalogue, and a
prompt is rendered in its recipient's language."""
from __future__ import annotations

import datetime as dt
import pathlib

import pytest

from paars.feedback.v1 import feedback_pb2 as fb
from paars_notifications.domain import payloads, rules, texts
from paars_platform import i18n
from tests import translations
from tests.unit.test_notifications_rules import ORG, TODAY, goal_event, meta

NOTIFICATIONS = pathlib.Path(__file__).resolve().parents[2] / "services" / "notifications"


def extracted() -> set[str]:
    """What `pybabel extract -F services/notifications/babel.cfg` finds (N_ and gettext calls)."""
    return translations.extracted(NOTIFICATIONS, [("src/paars_notifications/**.py", "python")])


def test_the_extraction_finds_the_prompt_texts() -> None:
    assert {"%(name)s reached %(percent)s%% on “%(goal)s”", "Someone (anonymously)", "Hello %(name)s,"} <= extracted()


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_every_user_facing_string_has_a_translation(language: str) -> None:
    problems = translations.problems(extracted(), texts.LOCALE_DIR, language)
    assert not problems, f"{language}: {problems} (see services/notifications/README.md, Languages)"


def milestone() -> rules.PromptDraft:
    [draft] = rules.prompts_for(goal_event(milestone=50), ORG, TODAY)
    return draft


def test_a_milestone_prompt_reads_in_dutch_for_a_dutch_reader_and_in_english_for_an_english_one() -> None:
    draft = milestone()
    assert texts.render(draft.title, "nl") == "Ann Peeters haalde 50% op “Present at the guild”"
    assert texts.render(draft.title, "en") == "Ann Peeters reached 50% on “Present at the guild”"
    assert "één concreet voorbeeld" in texts.render(draft.body, "nl")
    assert "one concrete example" in texts.render(draft.body, "en")


def test_no_language_chosen_means_the_organisations_default(monkeypatch: pytest.MonkeyPatch) -> None:
    draft = milestone()
    assert texts.render(draft.title, "") == texts.render(draft.title, "nl")
    monkeypatch.setenv("PAARS_DEFAULT_LANGUAGE", "en")
    assert texts.render(draft.title, "") == texts.render(draft.title, "en")


def test_an_anonymous_giver_and_the_moments_date_are_in_the_readers_language() -> None:
    event = fb.FeedbackGiven(
        metadata=meta("ann"), feedback_id="f1", receiver_id="ann", kind=fb.FEEDBACK_KIND_CONSTRUCTIVE, relation=fb.RELATION_PEER,
    )
    event.moment_at.FromDatetime(dt.datetime(2026, 5, 3, 10, tzinfo=dt.UTC))
    [draft] = rules.prompts_for(event, ORG, TODAY)
    assert texts.render(draft.title, "nl") == "Iemand (anoniem) gaf je feedback om te verbeteren"
    assert "over een moment op 3 mei." in texts.render(draft.body, "nl")
    assert "about a moment on 3 May." in texts.render(draft.body, "en")


def test_the_email_around_a_prompt_is_in_the_readers_language() -> None:
    view = payloads.PromptView("p1", "ann", 1, 2, "Titel", "Tekst.", "mo", "e1", "t", "goals.goal-updated.v1", 2, "2026-12-01T10:00:00Z", False)
    subject, body = payloads.email_text("Ann Peeters", [view], digest=False, language="nl")
    assert subject == "Titel" and body.startswith("Dag Ann,") and "Open Paars om ermee aan de slag te gaan." in body
    subject, _ = payloads.email_text("Ann Peeters", [view, view], digest=True, language="en")
    assert subject == "Your Paars digest (2)"
