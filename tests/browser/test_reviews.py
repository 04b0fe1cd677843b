"""The review journeys of issue 17 in a real browser against the real platform: self-reflection and a 360 with its
gap chart, the purple dialogue, and my action plan. Set-up that is not the journey itself (other raters' answers,
an earlier 360) goes through gRPC as those people, so each test signs in only the people whose pages it checks."""
from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from google.protobuf import field_mask_pb2

from paars.common.v1 import event_pb2
from paars.feedback.v1 import feedback_pb2 as fb
from paars.feedback.v1 import feedback_pb2_grpc
from paars.notifications.v1 import notifications_pb2 as nt
from paars.notifications.v1 import notifications_pb2_grpc
from tests.browser.conftest import Paars
from tests.browser.journey import assert_accessible, screenshot, sign_in
from tests.browser.test_journeys import agreed_goal, fits_the_width

pytestmark = pytest.mark.e2e

FEEDBACK = feedback_pb2_grpc.FeedbackServiceStub
TODAY = dt.date.today()


def feedback(paars: Paars, person: str, method: str, request: object) -> object:
    return paars.as_person(person, "feedback", FEEDBACK, method, request)


def choose_scores(page, prefix: str, scores: list[int]) -> None:
    for i, score in enumerate(scores):
        page.locator(f"#{prefix}score-{i}-{score}").check()


def csrf(page) -> str:
    return str(page.locator("input[name=csrf_token]").first.get_attribute("value"))


def test_a_person_reflects_colleagues_and_a_customer_answer_a_360_and_the_gap_chart_shows_groups_only_from_three(open_page, paars: Paars) -> None:
    # The manager opens the 360 for Pieter, with the suggested competencies, and invites a customer by link.
    jan = open_page("nl")
    sign_in(jan, "jan", next_path="/reviews")
    assert_accessible(jan, "reflection and 360 (nl)")
    jan.locator("#subject_id").select_option("pieter")
    jan.locator("#cycle_name").fill("360 voorjaar")
    jan.locator("#open-review-submit").click()
    jan.wait_for_url(re.compile(r"/reviews/[0-9a-f]+$"))
    review_path = jan.url.split(paars.web_url)[1]
    review_id = review_path.rsplit("/", 1)[1]
    jan.locator("#email").fill("geen-adres")
    jan.locator("#name").fill("Greet Klant")
    jan.locator("#invite-submit").click()
    assert jan.locator("#email-error").is_visible(), "a wrong e-mail address is named beside its field"
    assert jan.locator("#name").input_value() == "Greet Klant", "nothing typed is lost"
    jan.locator("#email").fill("greet@klant.example")
    jan.locator("#invite-submit").click()
    invite_link = jan.locator("#invite-link").get_attribute("href")
    assert invite_link and invite_link.startswith(paars.web_url + "/r/360/")
    assert_accessible(jan, "a 360 the manager leads (nl)")

    # Pieter nominates three colleagues and fills in his self-assessment; the manager approves.
    pieter = open_page("nl")
    sign_in(pieter, "pieter", next_path=review_path)
    for colleague in ("lotte", "fatima", "wout"):
        pieter.locator(f"#nominate-{colleague}").check()
    pieter.locator("#nominate-submit").click()
    pieter.locator("#nominations").wait_for()
    pieter.locator("#self-submit").click()
    assert pieter.locator("#error-summary").is_visible() and pieter.locator("#score_0-error").is_visible()
    assert "score" in pieter.locator("#score_0-error").inner_text().lower()
    choose_scores(pieter, "self-", [5, 4, 2])
    pieter.locator("#reflection").fill("Ik werk graag samen; opvolgen blijft lastig.")
    pieter.locator("#self-submit").click()
    pieter.locator("#saved").wait_for()
    assert_accessible(pieter, "a 360 about me (nl)")
    jan.goto(review_path)
    jan.locator("#approve-submit").click()
    jan.locator("#answer-form").wait_for()

    # Lotte answers on her page, in English; Fatima and Wout answer too; then the manager.
    lotte = open_page("en")
    sign_in(lotte, "lotte", next_path="/reviews")
    lotte.locator(f"#answer-link-{review_id}").click()
    assert_accessible(lotte, "answering a colleague's 360 (en)")
    choose_scores(lotte, "answer-", [3, 4, 4])
    lotte.locator("#answer-comment-0").fill("Helped me through the release week.")
    lotte.locator("#answer-submit").click()
    lotte.locator("#answered").wait_for()
    for rater, scores in (("fatima", [3, 4, 3]), ("wout", [4, 4, 3])):
        feedback(paars, rater, "SubmitReviewResponse", fb.SubmitReviewResponseRequest(
            review_id=review_id, ratings=[fb.Rating(competency=q, score=s) for q, s in zip(("Samenwerken", "Klantgerichtheid", "Eigenaarschap"), scores, strict=True)],
        ))
    jan.goto(review_path)
    choose_scores(jan, "answer-", [4, 4, 3])
    jan.locator("#answer-submit").click()
    jan.locator("#answered").wait_for()

    # The customer answers on a phone, without an account, once.
    customer = open_page("nl", phone=True)
    customer.goto(invite_link)
    assert fits_the_width(customer)
    assert_accessible(customer, "the 360 customer's page at 360 px (nl)")
    choose_scores(customer, "", [5, 5, 4])
    customer.locator("#external-submit").click()
    customer.locator("#external-thanks").wait_for()
    customer.goto(invite_link)
    assert customer.locator("#link-state").is_visible() and customer.locator("#external-form").count() == 0

    # Before the close no anonymous group shows; after it the colleagues do (three), the lone customer does not.
    pieter.goto(review_path)
    assert pieter.locator("#report-group-3").count() == 0
    jan.goto(review_path)
    jan.locator("#close-submit").click()
    jan.wait_for_url(re.compile(r"saved=close"))
    pieter.goto(review_path)
    colleagues = pieter.locator("#report-group-3")
    assert "3" in colleagues.locator("td").first.inner_text()
    assert pieter.locator("#report-group-5").count() == 0 and pieter.locator("#report-group-6").count() == 0, "one customer answer shows nowhere"
    assert "Helped me through the release week." in pieter.locator("#report").inner_text(), "comments of a group at k show without a name"
    assert "Lotte" not in pieter.locator("#report").inner_text()
    chart = pieter.locator("#gap-chart svg[role=img]")
    assert chart.count() == 1 and chart.get_attribute("aria-labelledby")
    assert pieter.locator("#gap-table tbody tr").count() == 3, "the text alternative has a row per competency"
    assert "geen oordeel" in pieter.locator("#gap-explained").inner_text()
    # Ownership: self 2 against others 3.25 (colleagues 4, 3, 3 and the manager 3; the lone customer left out).
    eigenaarschap = pieter.locator("#gap-table tbody tr", has_text="Eigenaarschap").inner_text()
    assert "2.0" in eigenaarschap and "-1.2" in eigenaarschap
    assert_accessible(pieter, "the 360 report with the gap chart (nl)")
    screenshot(pieter, "gap-chart")


def a_closed_360(paars: Paars, subject: str, manager: str, peers: tuple[str, ...]) -> str:
    """A 360 about the subject, answered by three peers and the manager, with a self-assessment, closed."""
    review = feedback(paars, manager, "OpenReviewCycle", fb.OpenReviewCycleRequest(
        cycle_name="360 najaar", subject_ids=[subject], rater_groups=[fb.RATER_GROUP_MANAGER, fb.RATER_GROUP_PEERS],
        questions=[fb.CompetencyQuestion(competency="Samenwerken", question="Hoe werkt deze persoon samen?"),
                   fb.CompetencyQuestion(competency="Klantgerichtheid", question="Hoe klantgericht?")],
        due_date=(TODAY + dt.timedelta(days=14)).isoformat(),
    )).reviews[0]
    feedback(paars, subject, "NominateRaters", fb.NominateRatersRequest(review_id=review.id, group=fb.RATER_GROUP_PEERS, rater_ids=list(peers)))
    feedback(paars, manager, "ApproveRaters", fb.ApproveRatersRequest(review_id=review.id))
    for rater, scores in zip((*peers, manager), ((4, 3), (4, 2), (3, 3), (4, 3)), strict=True):
        feedback(paars, rater, "SubmitReviewResponse", fb.SubmitReviewResponseRequest(
            review_id=review.id, ratings=[fb.Rating(competency="Samenwerken", score=scores[0]), fb.Rating(competency="Klantgerichtheid", score=scores[1])],
        ))
    feedback(paars, subject, "SubmitSelfAssessment", fb.SubmitSelfAssessmentRequest(
        review_id=review.id, ratings=[fb.Rating(competency="Samenwerken", score=3), fb.Rating(competency="Klantgerichtheid", score=5)],
    ))
    feedback(paars, manager, "CloseReviewCycle", fb.CloseReviewCycleRequest(review_id=review.id))
    return str(review.id)


def test_the_purple_dialogue_is_prepared_apart_agreed_item_by_item_and_signed_by_both_and_nobody_else(open_page, paars: Paars) -> None:
    review_id = a_closed_360(paars, "noor", "sofie", ("ruben", "emma", "wout"))
    manager_secret = "SOFIE-VOORBEREIDING: Noor trekt de klantendag, dat mag ze zelf ook zien."
    employee_secret = "NOOR-PREP: I would like more room for the phone queue."

    # The manager plans the dialogue (in English), with the 360, and prepares.
    sofie = open_page("en")
    sign_in(sofie, "sofie", next_path="/dialogues")
    assert_accessible(sofie, "the purple dialogue list (en)")
    sofie.locator("#employee_id").select_option("noor")
    sofie.locator("#review_id").select_option(review_id)
    sofie.locator("#schedule-submit").click()
    sofie.wait_for_url(re.compile(r"/dialogues/[0-9a-f]+$"))
    dialogue_path = sofie.url.split(paars.web_url)[1]
    dialogue_id = dialogue_path.rsplit("/", 1)[1]
    sofie.locator("#prepare-submit").click()
    assert sofie.locator("#reflection-error").is_visible(), "an empty preparation is named beside its field"
    sofie.locator("#reflection").fill(manager_secret)
    sofie.locator("#prepare-submit").click()
    sofie.locator("#preparation-status").wait_for()
    assert_accessible(sofie, "a dialogue being prepared (en)")

    # Noor, on her phone: the page says plainly that Sofie's preparation opens when both are in, and it is not there,
    # neither on the page nor at the preparations' own address.
    noor = open_page("nl", phone=True)
    sign_in(noor, "noor", next_path=dialogue_path)
    notice = noor.locator("#preparation-privacy").inner_text()
    assert "Sofie" in notice and "allebei" in notice
    assert manager_secret not in noor.content()
    early = noor.goto(f"{dialogue_path}/preparations")
    assert early is not None and early.status == 403
    assert noor.locator("#preparations-closed").is_visible() and manager_secret not in noor.content()
    assert_accessible(noor, "the preparations before both are in at 360 px (nl)")
    noor.goto(dialogue_path)
    noor.locator("#reflection").fill(employee_secret)
    noor.locator("#agenda").fill("Telefoonwachtrij\nKlantendag")
    noor.locator("#prepare-submit").click()
    noor.locator("#preparation-sofie").wait_for()
    assert manager_secret in noor.locator("#preparation-sofie").inner_text()
    assert noor.locator("#dialogue-report-group-3").is_visible(), "the 360 comes into the dialogue"
    assert noor.locator("#dialogue-gap-chart svg[role=img]").count() == 1
    assert fits_the_width(noor)

    # Shared notes, and an action plan each item of which both confirm.
    sofie.goto(dialogue_path)
    assert employee_secret in sofie.locator("#preparation-noor").inner_text()
    sofie.locator("#shared_notes").fill("We spraken af: Noor leidt de klantendag; de wachtrij bekijken we samen.")
    sofie.locator("#notes-submit").click()
    sofie.locator("#title").fill("Lead the customer day")
    sofie.locator("#item-submit").click()
    sofie.locator("#plan-items li").first.wait_for()
    sofie.locator("#sign-submit").click()
    assert "confirm every item" in sofie.locator("#error-summary").inner_text(), "no signature while an item waits for Noor"
    noor.goto(dialogue_path)
    noor.locator("#item-kind-weakness").check()
    noor.locator("#title").fill("Minder onderbreken aan de telefoon")
    noor.locator("#due_date").fill((TODAY + dt.timedelta(days=45)).isoformat())
    noor.locator("#item-submit").click()
    noor.locator("#plan-items li").nth(1).wait_for()
    noor.locator("#plan-items button[id^=confirm-]").click()
    noor.wait_for_url(re.compile(r"#item-"))
    assert noor.locator("#plan-items .agreed").count() == 1
    sofie.goto(dialogue_path)
    sofie.locator("#plan-items button[id^=confirm-]").click()
    sofie.wait_for_url(re.compile(r"#item-"))
    assert sofie.locator("#plan-items .agreed").count() == 2 and sofie.locator("#plan-items .waiting").count() == 0
    sofie.locator("#sign-submit").click()
    sofie.locator("#signed-by").wait_for()
    screenshot(sofie, "dialogue")
    assert_accessible(sofie, "a dialogue with notes and an agreed plan (en)")

    # A third person can neither open nor sign it, through the page or by posting the form.
    ruben = open_page("nl")
    sign_in(ruben, "ruben")
    assert ruben.goto(dialogue_path).status == 404
    assert manager_secret not in ruben.content() and employee_secret not in ruben.content()
    token = csrf(ruben)
    refused = ruben.request.post(f"{paars.web_url}{dialogue_path}/sign", form={"csrf_token": token})
    assert refused.status == 404
    assert ruben.request.post(f"{paars.web_url}{dialogue_path}/items/x/confirm", form={"csrf_token": token}).status == 404
    noor.goto(dialogue_path)
    noor.locator("#sign-submit").click()
    noor.wait_for_url(re.compile(r"#sign"))
    assert "Door allebei ondertekend" in noor.locator("#dialogue-state").inner_text()
    signed = feedback(paars, "noor", "GetDialogue", fb.GetDialogueRequest(dialogue_id=dialogue_id))
    assert set(signed.signed_by) == {"noor", "sofie"} and signed.state == fb.Dialogue.STATE_SIGNED
    assert all(not item.awaiting_confirmation_from for item in signed.action_items) and len(signed.action_items) == 2


@pytest.mark.parametrize("reader", ["els", "hanne", "koen", "emma"], ids=["managers-manager", "hr", "coach", "colleague"])
def test_nobody_but_the_two_reads_a_preparation_through_the_pages(open_page, paars: Paars, reader: str) -> None:
    """Every other role, the manager's manager, HR, a coach and a colleague, gets the dialogue's pages as not there."""
    dialogue = feedback(paars, "sofie", "ScheduleDialogue", fb.ScheduleDialogueRequest(
        kind=fb.DIALOGUE_KIND_EVALUATION, employee_id="ruben", scheduled_for=(TODAY + dt.timedelta(days=3)).isoformat(),
    ))
    secret = f"RUBEN-PREP-{reader}"
    feedback(paars, "ruben", "SubmitPreparation", fb.SubmitPreparationRequest(dialogue_id=dialogue.id, reflection=secret))
    feedback(paars, "sofie", "SubmitPreparation", fb.SubmitPreparationRequest(dialogue_id=dialogue.id, reflection="Sofie's view"))
    page = open_page("en")
    sign_in(page, reader)
    for path in (f"/dialogues/{dialogue.id}", f"/dialogues/{dialogue.id}/preparations"):
        answer = page.goto(path)
        assert answer is not None and answer.status == 404, path
        assert secret not in page.content(), path


def test_my_action_plan_shows_where_each_step_came_from_and_finishing_one_asks_the_people_around_for_feedback(open_page, paars: Paars) -> None:
    # Fatima's three sources: feedback she thanked for with a step, a goal, and a dialogue with Jan.
    goal = agreed_goal(paars, "fatima", "jan", "Release notes every sprint")
    given = feedback(paars, "wout", "GiveFeedback", fb.GiveFeedbackRequest(
        receiver_id="fatima", kind=fb.FEEDBACK_KIND_CONSTRUCTIVE, relation=fb.RELATION_PEER, text="De overdracht kan vollediger.",
        visibility=event_pb2.VISIBILITY_RECEIVER_AND_MANAGER,
        examples=[fb.Example(situation="Overdracht vrijdag", behaviour="Geen openstaande tickets genoemd", impact="Maandag dubbel werk")],
    ))
    feedback(paars, "fatima", "AcknowledgeFeedback", fb.AcknowledgeFeedbackRequest(
        feedback_id=given.id, create_action_item=True, action_title="Handover checklist", action_kind=fb.ACTION_KIND_ADJUST_WEAKNESS,
        action_due_date=(TODAY + dt.timedelta(days=20)).isoformat(),
    ))
    dialogue = feedback(paars, "jan", "ScheduleDialogue", fb.ScheduleDialogueRequest(
        kind=fb.DIALOGUE_KIND_PERFORMANCE, employee_id="fatima", scheduled_for=TODAY.isoformat(),
    ))
    for person in ("fatima", "jan"):
        feedback(paars, person, "SubmitPreparation", fb.SubmitPreparationRequest(dialogue_id=dialogue.id, reflection=f"{person} prepared"))
    agreed = feedback(paars, "jan", "CreateActionItem", fb.CreateActionItemRequest(
        employee_id="fatima", owner_id="fatima", title="Present the release at the guild", kind=fb.ACTION_KIND_BUILD_STRENGTH,
        due_date=(TODAY + dt.timedelta(days=40)).isoformat(), source_dialogue_id=dialogue.id,
    ))

    # Jan gets many prompts in these tests; a budget of his own keeps this one from waiting for next week.
    paars.as_person("jan", "notifications", notifications_pb2_grpc.NotificationServiceStub, "SetPreferences", nt.SetPreferencesRequest(
        preferences=nt.Preferences(weekly_budget=100), update_mask=field_mask_pb2.FieldMask(paths=["weekly_budget"]),
    ))
    page = open_page("en", phone=True)
    sign_in(page, "fatima", next_path="/actions")
    page.locator("#title").fill("Pair with Wout on the release script")
    page.locator("#goal_id").select_option(goal.id)
    page.locator("#action-submit").click()
    page.locator("#action-items").wait_for()
    sources = page.locator("#action-items").inner_text()
    assert "From feedback you received" in sources and "For a goal" in sources and "Agreed in a purple dialogue" in sources
    assert "waiting for confirmation from Fatima El Amrani" in page.locator(f"#source-{agreed.id}").inner_text()
    assert goal.title in sources
    assert fits_the_width(page)
    assert_accessible(page, "my action plan at 360 px (en)")

    item = page.locator("#action-items li", has_text="Handover checklist")
    item_id = str(item.get_attribute("id")).removeprefix("item-")
    page.locator(f"#progress-{item_id}").fill("veel")
    page.locator(f"#progress-submit-{item_id}").click()
    assert page.locator(f"#progress-{item_id}-error").is_visible() and page.locator(f"#progress-{item_id}").input_value() == "veel"
    page.locator(f"#progress-{item_id}").fill("60")
    page.locator(f"#note-{item_id}").fill("Checklist drafted")
    page.locator(f"#progress-submit-{item_id}").click()
    page.wait_for_url(re.compile(rf"#item-{item_id}"))
    assert "60% done" in page.locator(f"#item-{item_id}").inner_text()
    page.locator(f"#ask-{item_id}-wout").check()
    page.locator(f"#complete-{item_id}").click()
    page.locator("#asked").wait_for()
    assert "2" in page.locator("#asked").inner_text(), "her manager (ticked for her) and Wout"
    assert "Done" in page.locator(f"#item-{item_id}").inner_text()
    assert page.locator(f"#complete-form-{item_id}").count() == 0

    # Wout finds the request on his page; Jan gets a prompt to give feedback on it from notifications.
    asked = feedback(paars, "wout", "ListFeedbackRequests", fb.ListFeedbackRequestsRequest(recipient_id="wout"))
    assert any("Handover checklist" in r.question and r.subject_id == "fatima" for r in asked.requests)
    wout = open_page("nl")
    sign_in(wout, "wout", next_path="/feedback/requests")
    assert "Handover checklist" in wout.locator("#waiting-title").locator("xpath=..").inner_text()
    deadline = time.monotonic() + 60
    while True:
        prompts = paars.as_person("jan", "notifications", notifications_pb2_grpc.NotificationServiceStub, "ListPrompts", nt.ListPromptsRequest(limit=50))
        if any(p.ref_id == item_id for p in prompts.prompts):
            break
        assert time.monotonic() < deadline, "the manager got no prompt for the finished step"
        time.sleep(0.5)


@pytest.fixture(scope="module")
def emmas_closed_360(paars: Paars) -> str:
    """A closed 360 about Emma: three colleagues (one with a comment), her manager Sofie, her self-assessment."""
    return a_closed_360(paars, "emma", "sofie", ("ruben", "noor", "pieter"))


# Who reads what of a 360 through its page, as GetReviewReport decides: the person, their managers up the chain and
# HR (in scope) the report; a rater only their own part; a coach it was not shared with and a colleague outside it
# nothing at all.
READERS = [("emma", "report"), ("sofie", "report"), ("els", "report"), ("hanne", "report"), ("ruben", "rater"), ("koen", "none"), ("wout", "none")]


@pytest.mark.parametrize("reader, sees", READERS, ids=[r for r, _ in READERS])
def test_a_360_report_shows_through_its_page_exactly_to_whom_the_service_shows_it(open_page, paars: Paars, emmas_closed_360: str, reader: str, sees: str) -> None:
    report = feedback(paars, "emma", "GetReviewReport", fb.GetReviewReportRequest(review_id=emmas_closed_360))
    assert any(g.group == fb.RATER_GROUP_PEERS for g in report.groups)
    page = open_page("nl")
    sign_in(page, reader)
    answer = page.goto(f"/reviews/{emmas_closed_360}")
    assert answer is not None
    if sees == "none":
        assert answer.status == 404 and page.locator("#report").count() == 0
        return
    assert answer.status == 200
    if sees == "rater":
        assert page.locator("#answered").is_visible() and page.locator("#report").count() == 0 and page.locator("#gap-chart").count() == 0
        return
    assert page.locator("#report-group-3").is_visible() and page.locator("#gap-chart svg").count() == 1
    assert "Ruben" not in page.locator("#report").inner_text() and "Noor" not in page.locator("#report").inner_text()
