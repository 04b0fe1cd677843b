"""1:1 conversations in a real browser against the real platform (issue 15): a manager plans a 1:1 with a report,
both add to its shared agenda ahead of time, the manager keeps a private note the report never sees; a field left
empty is named in the person's language and nothing typed is lost. Dutch and English, axe, 360 px."""
from __future__ import annotations

import re

import pytest

from tests.browser.journey import assert_accessible, screenshot, sign_in

pytestmark = pytest.mark.e2e
PRIVATE = "Lotte lijkt moe: vragen naar haar werkdruk."


def fits_the_width(page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_a_manager_and_a_report_fill_the_shared_agenda_and_the_private_note_stays_with_its_author(open_page) -> None:
    # Jan, on a phone in English, plans a fortnightly 1:1 with Lotte and puts a topic on its agenda.
    manager = open_page("en", phone=True)
    sign_in(manager, "jan", next_path="/conversations")
    manager.locator("#nav-conversations").click()
    manager.wait_for_url(re.compile(r"/conversations$"))
    assert_accessible(manager, "1:1s (en, 360 px)")
    assert fits_the_width(manager)
    manager.locator("#plan-pair").click()
    assert manager.locator("#other_id-error").is_visible()
    assert "is required" in manager.locator("#other_id-error").inner_text()
    assert_accessible(manager, "a refused 1:1 (en, 360 px)")
    manager.select_option("#other_id", "lotte")
    manager.locator("#plan-pair").click()
    manager.wait_for_url(re.compile(r"/conversations/meetings/"))
    meeting_path = manager.url.split("127.0.0.1")[1].split("/", 1)[1].split("#")[0]
    manager.fill("#topic_text", "Your goal on the retrospectives")
    manager.select_option("#link_kind", "goal")
    manager.fill("#link_id", "goal-1")
    manager.locator("#add-topic").click()
    manager.wait_for_url(re.compile(r"#agenda"))
    manager.fill("#note_text", PRIVATE)
    manager.locator("#private-yes").check()
    manager.locator("#add-note").click()
    manager.wait_for_url(re.compile(r"#notes"))
    notes = manager.locator("#notes-list").inner_text()
    assert PRIVATE in notes and "Private: only you read this" in notes
    assert manager.locator("#hat-form").is_visible()
    assert_accessible(manager, "a 1:1 with its agenda and a private note (en, 360 px)")
    assert fits_the_width(manager)
    screenshot(manager, "one-on-one")

    # Lotte, on a phone in Dutch, finds the 1:1, sees Jan's topic and not his private note, and adds her own.
    report = open_page("nl", phone=True)
    sign_in(report, "lotte", next_path="/conversations")
    report.locator("a[id^=next-]").first.click()
    report.wait_for_url(re.compile(r"/conversations/meetings/"))
    assert report.url.endswith(meeting_path)
    assert "Your goal on the retrospectives" in report.locator("#agenda-list").inner_text()
    assert PRIVATE not in report.content()
    assert report.locator("#hat-form").count() == 0
    report.locator("#add-topic").click()
    assert report.locator("#topic_text-error").is_visible()
    assert "is verplicht" in report.locator("#topic_text-error").inner_text()
    assert_accessible(report, "a refused agenda topic (nl, 360 px)")
    report.fill("#topic_text", "Welke opleiding past bij mijn ontwikkeldoel?")
    report.locator("#add-topic").click()
    report.wait_for_url(re.compile(r"#agenda"))
    assert "Welke opleiding" in report.locator("#agenda-list").inner_text()
    assert "Jan Peeters" in report.locator("#reads").inner_text()
    assert_accessible(report, "the shared agenda (nl, 360 px)")
    assert fits_the_width(report)

    # Back on Jan's page, both topics are there, and his note is still his.
    manager.goto(f"/{meeting_path}")
    assert "Welke opleiding" in manager.locator("#agenda-list").inner_text()
    assert PRIVATE in manager.locator("#notes-list").inner_text()


def test_hr_keeps_the_professional_help_everyone_finds_it_and_a_manager_refers_a_report_on(open_page) -> None:
    import uuid

    # Hanne (HR), in Dutch on a phone, puts the vertrouwenspersoon on the list; a field left empty is named first.
    run = uuid.uuid4().hex[:6]
    name = f"Vertrouwenspersoon Sanne {run}"
    hr = open_page("nl", phone=True)
    sign_in(hr, "hanne", next_path="/conversations/support")
    hr.locator("#service-kind-confidential_counsellor").check()
    hr.fill("#service_name", name)
    hr.locator("#add-service").click()
    assert hr.locator("#service_contact-error").is_visible()
    assert "is verplicht" in hr.locator("#service_contact-error").inner_text()
    assert hr.locator("#service_name").input_value() == name, "nothing typed is lost"
    assert_accessible(hr, "a refused service (nl, 360 px)")
    hr.fill("#service_contact", "sanne@vertrouwen.example")
    hr.fill("#service_description", "Luistert vertrouwelijk naar alles over hoe je op het werk behandeld wordt.")
    hr.locator("#add-service").click()
    hr.wait_for_url(re.compile(r"#catalogue"))
    assert name in hr.locator("#catalogue").inner_text()
    assert_accessible(hr, "the professional help HR keeps (nl, 360 px)")
    assert fits_the_width(hr)

    # Pieter, in English, finds it himself, without asking anyone.
    employee = open_page("en", phone=True)
    sign_in(employee, "pieter", next_path="/conversations")
    employee.locator("#nav-support").click()
    employee.wait_for_url(re.compile(r"/conversations/support$"))
    assert name in employee.locator("#catalogue").inner_text() and "Confidential counsellor" in employee.locator("#catalogue").inner_text()
    assert employee.locator("#referral-form").count() == 0 and employee.locator("#service-form").count() == 0
    assert_accessible(employee, "professional help (en, 360 px)")
    assert fits_the_width(employee)

    # Jan, his manager, refers Lotte on with the list beside the form; HR's inbox has the referral.
    manager = open_page("en", phone=True)
    sign_in(manager, "jan", next_path="/conversations/support")
    assert name in manager.locator("#catalogue").inner_text()
    manager.locator("#raise-referral").click()
    assert manager.locator("#employee_id-error").is_visible()
    note = f"Pointed her to the counsellor {run}"
    manager.select_option("#employee_id", "lotte")
    manager.fill("#referral_note", note)
    manager.locator("#raise-referral").click()
    manager.wait_for_url(re.compile(r"referred=1"))
    assert manager.get_by_role("status").is_visible()
    assert_accessible(manager, "a referral sent to HR (en, 360 px)")
    hr.goto("/hr/referrals")
    hr.locator("#referrals li", has_text=note).wait_for()
