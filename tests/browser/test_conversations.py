"""1:1 conversations in a real browser against the real platform (issue 15): a manager plans a 1:1 with a report,
both add to its shared agenda ahead of time, the manager keeps a private note the report never sees; a field left
empty is named in the person's language and nothing typed is lost. Coaching: an employee asks an internal coach, who
accepts and records a session; its note is read by the two of them only (the coachee's manager and HR get 404, page
and posted form). A boundary concern: HR acknowledges and resolves it, the person sees its status, their manager sees
nothing of it. A peer coaching circle: HR forms one from the directory's suggestion (managers of different teams, none
another's manager or report: the demo directory's Operations branch makes that possible) and plans its first session;
a member is prompted, opens the circle from the prompt and records the case she brings; another member reads it; HR,
who formed it, and a manager outside it read none of it, page or RPC. Dutch and English, axe, 360 px."""
from __future__ import annotations

import datetime as dt
import re

import grpc
import pytest

from paars.conversations.v1 import conversations_pb2 as cv
from paars.conversations.v1 import conversations_pb2_grpc
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


def test_an_employee_asks_a_coach_the_coach_accepts_and_the_session_note_stays_with_the_two_of_them(open_page, paars) -> None:
    import uuid

    run = uuid.uuid4().hex[:6]
    topic = f"Rustiger blijven in moeilijke klantgesprekken {run}"
    note = f"Noor tried the pause before answering; next time role-play a complaint {run}"

    # Koen, the internal coach, in English on a phone, makes room for coachees first.
    coach = open_page("en", phone=True)
    sign_in(coach, "koen", next_path="/conversations/coaching")
    coach.fill("#bio", "Listening, conflict, calm under pressure.")
    coach.fill("#capacity", "5")
    coach.locator("#save-profile").click()
    coach.wait_for_url(re.compile(r"#profile"))

    # Noor, in Dutch on a phone, asks him; the topic left empty is named first and her choices are kept.
    coachee = open_page("nl", phone=True)
    sign_in(coachee, "noor", next_path="/conversations")
    coachee.locator("#nav-coaching").click()
    coachee.wait_for_url(re.compile(r"/conversations/coaching$"))
    coachee.locator("#relation-internal_coach").check()
    coachee.select_option("#coach_id", "koen")
    coachee.locator("#ask-coaching").click()
    assert coachee.locator("#topic-error").is_visible()
    assert "is verplicht" in coachee.locator("#topic-error").inner_text()
    assert coachee.locator("#coach_id").input_value() == "koen" and coachee.locator("#relation-internal_coach").is_checked()
    assert_accessible(coachee, "a refused coaching request (nl, 360 px)")
    coachee.fill("#topic", topic)
    coachee.locator("#ask-coaching").click()
    coachee.wait_for_url(re.compile(r"asked=1"))
    assert coachee.get_by_role("status").is_visible()
    assert topic in coachee.locator("#requests-title + ul").inner_text()
    assert fits_the_width(coachee)

    # Koen accepts and records the first session with a note.
    coach.goto("/conversations/coaching")
    asked = coach.locator("li[id^=request-]", has_text=topic)
    request_id = (asked.get_attribute("id") or "").removeprefix("request-")
    assert "Noor Aerts asks you" in asked.inner_text()
    coach.locator(f"#accept-{request_id}").click()
    coach.wait_for_url(re.compile(rf"#request-{request_id}"))
    assert "Accepted" in coach.locator(f"#request-{request_id}").inner_text()
    coach.locator(f"#open-{request_id}").click()
    coach.wait_for_url(re.compile(rf"/conversations/coaching/{request_id}$"))
    coach.fill("#notes", note)
    coach.get_by_role("button", name="Record the session").click()
    coach.wait_for_url(re.compile(r"#sessions"))
    assert note in coach.locator("#sessions").inner_text()
    assert_accessible(coach, "a coaching session with its note (en, 360 px)")
    assert fits_the_width(coach)
    detail_path = f"/conversations/coaching/{request_id}"

    # Noor reads the note; her manager Sofie and HR get the page as not there, and their coaching page has none of it.
    coachee.goto("/conversations/coaching")
    coachee.locator(f"#open-{request_id}").click()
    coachee.wait_for_url(re.compile(rf"{detail_path}$"))
    assert note in coachee.locator("#sessions").inner_text()
    assert_accessible(coachee, "a coaching session as the coachee reads it (nl, 360 px)")
    for third in ("sofie", "hanne"):
        other = open_page("en", phone=True)
        sign_in(other, third, next_path="/conversations/coaching")
        assert topic not in other.content() and other.locator(f"#request-{request_id}").count() == 0, third
        token = other.locator("input[name=csrf_token]").first.input_value()
        posted = other.request.post(f"{paars.web_url}{detail_path}/sessions", form={"csrf_token": token, "held_on": "2026-01-05", "notes": "x"})
        assert posted.status == 404 and note not in posted.text(), third
        answer = other.goto(detail_path)
        assert answer is not None and answer.status == 404, third
        assert note not in other.content() and topic not in other.content(), third


def test_a_concern_goes_to_hr_who_acknowledges_and_resolves_it_and_the_manager_sees_nothing_of_it(open_page, paars) -> None:
    import uuid

    run = uuid.uuid4().hex[:6]
    text = f"Mijn manager vraagt in elke 1:1 naar mijn privéleven en geeft dan therapie-advies {run}"
    resolution = f"We spraken met je manager; je 1:1 gaat weer over je werk {run}"

    # Fatima, in Dutch on a phone, raises a concern; the kind left out is named first and her words are kept.
    person = open_page("nl", phone=True)
    sign_in(person, "fatima", next_path="/conversations")
    person.locator("#nav-concerns").click()
    person.wait_for_url(re.compile(r"/conversations/concerns$"))
    person.fill("#concern_text", text)
    person.locator("#raise-concern").click()
    assert person.locator("#concern_kind-error").is_visible()
    assert person.locator("#concern_text").input_value() == text, "nothing typed is lost"
    assert_accessible(person, "a refused concern (nl, 360 px)")
    person.locator("#concern-kind-therapist_role").check()
    person.locator("#raise-concern").click()
    person.wait_for_url(re.compile(r"raised=1"))
    assert person.get_by_role("status").is_visible()
    assert "Verstuurd naar HR" in person.locator("#mine-title + ul").inner_text()
    assert_accessible(person, "a concern sent to HR (nl, 360 px)")
    assert fits_the_width(person)

    # Jan, her manager, sees nothing of it on his concerns page, and cannot handle it by posting the form.
    manager = open_page("en", phone=True)
    sign_in(manager, "jan", next_path="/conversations/concerns")
    assert text not in manager.content() and manager.locator("#hr-title").count() == 0

    # Hanne (HR), in English on a phone, finds it, acknowledges it, then resolves it with a word to Fatima.
    hr = open_page("en", phone=True)
    sign_in(hr, "hanne", next_path="/conversations/concerns")
    raised = hr.locator("li[id^=concern-]", has_text=text)
    concern_id = (raised.get_attribute("id") or "").removeprefix("concern-")
    assert "Sent to HR" in raised.inner_text()
    token = manager.locator("input[name=csrf_token]").first.input_value()
    for action in ("acknowledge", "resolve"):
        refused = manager.request.post(f"{paars.web_url}/conversations/concerns/{concern_id}/{action}", form={"csrf_token": token, "resolution": "x"})
        assert refused.status == 404 and text not in refused.text(), action
    manager.goto(f"/conversations/concerns#concern-{concern_id}")
    assert text not in manager.content() and manager.locator(f"#concern-{concern_id}").count() == 0
    hr.locator(f"#acknowledge-{concern_id}").click()
    hr.wait_for_url(re.compile(rf"#concern-{concern_id}"))
    assert "HR is looking into it" in hr.locator(f"#concern-{concern_id}").inner_text()
    hr.fill(f"#resolution-{concern_id}", resolution)
    hr.locator(f"#resolve-{concern_id}").click()
    hr.wait_for_url(re.compile(rf"#concern-{concern_id}"))
    assert "Resolved" in hr.locator(f"#concern-{concern_id}").inner_text()
    assert_accessible(hr, "concerns HR handles (en, 360 px)")
    assert fits_the_width(hr)

    # Fatima sees it resolved with HR's word; Jan still sees nothing.
    person.goto("/conversations/concerns")
    mine = person.locator(f"#concern-{concern_id}").inner_text()
    assert "Afgerond" in mine and resolution in mine
    manager.goto("/conversations/concerns")
    assert text not in manager.content() and resolution not in manager.content()


def test_hr_forms_a_circle_from_the_suggestion_a_member_brings_a_case_and_nobody_outside_the_circle_reads_it(open_page, paars) -> None:
    import uuid

    run = uuid.uuid4().hex[:6]
    name = f"Kring Operaties en klanten {run}"
    case = f"Twee teamleden die elkaar ontlopen sinds de reorganisatie {run}"
    offered = f"Ask each of them separately what they need from the other first {run}"
    # Tomorrow: sooner than the prompt's lead time, so its members are prompted at once.
    first_on = (dt.date.today() + dt.timedelta(days=1)).isoformat()

    # Hanne (HR), in Dutch on a phone: the directory suggests four managers of different teams, none another's
    # manager or report (Jan, Sofie, and Ines and Tom of Operations; not Els or Bart, who manage them).
    hr = open_page("nl", phone=True)
    sign_in(hr, "hanne", next_path="/conversations/circles")
    suggested = {m for m in ("bart", "els", "ines", "jan", "sofie", "tom") if hr.locator(f"#member-{m}").is_checked()}
    assert suggested == {"ines", "jan", "sofie", "tom"}, suggested
    hr.fill("#first_session_on", first_on)
    hr.locator("#form-circle").click()
    assert hr.locator("#circle_name-error").is_visible() and "is verplicht" in hr.locator("#circle_name-error").inner_text()
    assert hr.locator("#first_session_on").input_value() == first_on and hr.locator("#member-ines").is_checked(), "nothing chosen is lost"
    assert_accessible(hr, "a refused circle (nl, 360 px)")
    hr.fill("#circle_name", name)
    hr.locator("#form-circle").click()
    hr.wait_for_url(re.compile(r"formed=1"))
    formed = hr.locator("li[id^=circle-]", has_text=name)
    circle_id = (formed.get_attribute("id") or "").removeprefix("circle-")
    assert "Ines Dubois" in formed.inner_text() and "Tom Verbruggen" in formed.inner_text()
    assert formed.locator("a").count() == 0, "HR formed it, and is not in it"
    assert_accessible(hr, "the circles HR formed (nl, 360 px)")
    assert fits_the_width(hr)

    # Ines, first in turn, in Dutch on a phone: the prompt on her Now page leads to the circle itself.
    member = open_page("nl", phone=True)
    sign_in(member, "ines", next_path="/")
    prompt = member.locator("#prompts li.prompt").filter(has=member.locator(f'a[id^=prompt-link-][href="/conversations/circles/{circle_id}"]'))
    prompt.wait_for()
    prompt.locator("a[id^=prompt-link-]").click()
    member.wait_for_url(re.compile(rf"/conversations/circles/{circle_id}$"))
    assert "Ines Dubois" in member.locator("#hold-title").inner_text()
    member.locator("#case_text").fill(case)
    member.locator("#notes").fill(offered)
    member.locator("button[type=submit]").last.click()
    member.wait_for_url(re.compile(r"#sessions"))
    assert case in member.locator("#sessions").inner_text()
    assert_accessible(member, "a circle session with its case (nl, 360 px)")
    assert fits_the_width(member)
    screenshot(member, "peer-coaching-circle")

    # Jan, another member, in English: he reads the case, and the rotation names him next.
    other = open_page("en", phone=True)
    sign_in(other, "jan", next_path="/conversations/circles")
    other.locator(f"#circle-{circle_id} a").click()
    other.wait_for_url(re.compile(rf"/conversations/circles/{circle_id}$"))
    sessions = other.locator("#sessions").inner_text()
    assert case in sessions and offered in sessions and "case of Ines Dubois" in sessions
    assert "Jan Peeters brings a case" in other.locator("#hold-title").inner_text()
    assert_accessible(other, "a circle as another member reads it (en, 360 px)")

    # HR, who formed it, and Bart, a manager outside it: the page is not there, nor the sessions through the RPC.
    for outsider, language in (("hanne", "nl"), ("bart", "en")):
        page = open_page(language, phone=True)
        sign_in(page, outsider, next_path="/conversations/circles")
        assert case not in page.content() and offered not in page.content(), outsider
        answer = page.goto(f"/conversations/circles/{circle_id}")
        assert answer is not None and answer.status == 404, outsider
        assert case not in page.content(), outsider
        with pytest.raises(grpc.RpcError) as refused:
            paars.as_person(outsider, "conversations", conversations_pb2_grpc.ConversationsServiceStub, "ListCircleSessions",
                            cv.ListCircleSessionsRequest(circle_id=circle_id))
        assert refused.value.code() in (grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.NOT_FOUND), outsider
    listed = paars.as_person("bart", "conversations", conversations_pb2_grpc.ConversationsServiceStub, "ListCircles", cv.ListCirclesRequest())
    assert circle_id not in {c.circle_id for c in listed.circles}  # type: ignore[attr-defined]
