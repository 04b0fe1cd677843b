"""The everyday journeys of issue 12 in a real browser against the real platform: each reads as what a person does."""
from __future__ import annotations

import re
import time
import uuid

import grpc
import pytest

from paars.common.v1 import event_pb2
from paars.feedback.v1 import feedback_pb2 as fb
from paars.feedback.v1 import feedback_pb2_grpc
from paars.goals.v1 import goals_pb2 as gl
from paars.goals.v1 import goals_pb2_grpc
from paars.story.v1 import story_pb2 as st
from paars.story.v1 import story_pb2_grpc
from paars_cli import demo_story
from tests.browser.conftest import Paars
from tests.browser.journey import assert_accessible, screenshot, sign_in

# Whole service processes, an OpenID provider and a browser, like tests/e2e.
pytestmark = pytest.mark.e2e


def focus_by_tab(page, selector: str, *, limit: int = 80) -> None:
    """Presses Tab until the element is focused, as a keyboard user moves through the page."""
    target = page.locator(selector)
    target.wait_for()
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{selector} cannot be reached with Tab")


def agreed_goal(paars: Paars, owner: str, manager: str, title: str, target: float = 10) -> gl.Goal:
    goals = goals_pb2_grpc.GoalServiceStub
    goal = paars.as_person(owner, "goals", goals, "ProposeGoal", gl.ProposeGoalRequest(
        kind=gl.GOAL_KIND_PERFORMANCE, level=gl.GOAL_LEVEL_INDIVIDUAL, owner_id=owner, title=title,
        key_results=[gl.KeyResult(title="afgeronde tickets", start_value=0, target_value=target)], due_date="2031-12-31",
    ))
    return paars.as_person(manager, "goals", goals, "AgreeGoal", gl.AgreeGoalRequest(goal_id=goal.id, expected_version=goal.version))


def the_demo_story_is_published(paars: Paars, deadline_seconds: float = 90) -> None:
    """As make run's demo does (demo_story.publish_story): HR (hanne) drafts the story, a leader (els) publishes it."""
    story = story_pb2_grpc.StoryServiceStub
    deadline = time.monotonic() + deadline_seconds
    while True:
        try:
            current = paars.as_person("hanne", "story", story, "GetStory", st.GetStoryRequest())
            if not current.published.version:
                draft = paars.as_person("hanne", "story", story, "SaveDraft", st.SaveDraftRequest(
                    base_version=max(current.draft.version, current.published.version), passages=demo_story.STORY,
                ))
                paars.as_person("els", "story", story, "PublishDraft", st.PublishDraftRequest(draft_version=draft.version))
            return
        except grpc.aio.AioRpcError as err:
            # The story service's directory projection learns the demo people (and hanne's HR role) from the org events.
            if err.code() not in (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED) or time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def fits_the_width(page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_a_manager_gives_constructive_feedback_from_a_live_prompt_in_three_steps_by_keyboard_and_the_receiver_thanks_for_it(
    open_page, paars: Paars
) -> None:
    the_demo_story_is_published(paars)
    goal = agreed_goal(paars, "lotte", "jan", "Sneller antwoorden op tickets")
    page = open_page("nl")
    sign_in(page, "jan")
    assert_accessible(page, "the Now page (nl)")
    # The cause, through gRPC as Lotte: a check-in that crosses the 50 % milestone.
    paars.as_person("lotte", "goals", goals_pb2_grpc.GoalServiceStub, "CheckIn", gl.CheckInRequest(
        goal_id=goal.id, expected_version=goal.version, confidence=4,
        updates=[gl.KeyResultUpdate(key_result_id=goal.key_results[0].id, current_value=5)],
    ))
    prompt = page.locator("#prompts li.prompt", has_text=goal.title)
    prompt.wait_for()
    screenshot(page, "now-live-prompt")
    link = prompt.locator("a[id^=prompt-link-]")

    # 1: open the prompt. It leads to the form with the receiver, the moment and the goal filled in.
    focus_by_tab(page, f"#{link.get_attribute('id')}")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/feedback/give\?"))
    assert page.locator("#receiver_id").input_value() == "lotte"
    assert page.locator("#moment_at").input_value(), "the moment of the milestone"
    assert page.locator("#goal_id").input_value() == goal.id
    assert page.locator("#kind-constructive").is_checked()
    assert_accessible(page, "the give-feedback form (nl)")
    # 2: the guided step, what and the example (situation, behaviour, impact), typed one after the other.
    focus_by_tab(page, "#text")
    page.keyboard.type("Je helft is gehaald; de overdrachten kunnen korter.")
    for field, words in (
        ("situation", "Dinsdag bij de overdracht aan de tweede lijn."),
        ("behaviour", "Je las elk ticket volledig voor."),
        ("impact", "De overdracht duurde twintig minuten en twee collega's haakten af."),
    ):
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == field
        page.keyboard.type(words)
    # Which value of the organisation story it shows: the values of the story as published now, in Jan's language, in
    # the story's order, after "no value". Read from the story service, not written out: tests/browser/test_story.py
    # publishes a version that adds "Moed", and the two files share one stack in either order.
    focus_by_tab(page, "#value_key")
    story = paars.as_person("jan", "story", story_pb2_grpc.StoryServiceStub, "GetStory", st.GetStoryRequest())
    published = [(v.key, v.title.nl if v.title.nl.strip() else v.title.en) for v in story.published.passages if v.kind == st.PASSAGE_KIND_VALUE]
    demo = [(v.key, v.title.nl) for v in demo_story.STORY if v.kind == st.PASSAGE_KIND_VALUE]
    assert [value for value in published if value in demo] == demo, "the demo story's values (Open, Zorg) are still published"
    options = page.locator("#value_key option")
    assert options.all_inner_texts() == ["Geen waarde", *(title for _key, title in published)]
    assert [options.nth(i).get_attribute("value") for i in range(options.count())] == ["", *(key for key, _title in published)]
    page.locator("#value_key").select_option("value.care")
    screenshot(page, "give-feedback")
    # 3: send.
    deadline = time.monotonic() + 60
    while True:
        focus_by_tab(page, "#give-submit")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        if "given=1" in page.url:
            break
        # Feedback learns the story's values from story.story-published.v1; until then it refuses the key,
        # beside the select in Dutch, and keeps everything typed and chosen for the next try.
        assert page.locator("#value_key-error").inner_text().count("waarde van ons gepubliceerde verhaal") == 1
        assert page.locator("#value_key").input_value() == "value.care" and page.locator("#impact").input_value().startswith("De overdracht duurde")
        assert time.monotonic() < deadline, "feedback did not learn the published story's values"
        time.sleep(0.5)
    page.locator(".notice[role=status]").wait_for()

    given = paars.as_person("lotte", "feedback", feedback_pb2_grpc.FeedbackServiceStub, "ListFeedback", fb.ListFeedbackRequest(receiver_id="lotte"))
    [mine] = [f for f in given.feedback if f.giver_id == "jan" and f.text.startswith("Je helft")]
    assert mine.kind == fb.FEEDBACK_KIND_CONSTRUCTIVE and mine.value_key == "value.care"
    assert [(e.situation, e.behaviour) for e in mine.examples] == [("Dinsdag bij de overdracht aan de tweede lijn.", "Je las elk ticket volledig voor.")]

    # Lotte, in English, finds it waiting for her, reads the example and thanks Jan with a step to work on.
    receiver = open_page("en")
    sign_in(receiver, "lotte")
    receiver.locator(f'#waiting-feedback a[href$="feedback-{mine.id}"]').click()
    receiver.wait_for_url(re.compile(r"/feedback/received"))
    card = receiver.locator(f"#feedback-{mine.id}")
    card.locator("dl.example", has_text="Je las elk ticket volledig voor.").wait_for()
    # The value Jan named, by its English title.
    assert card.locator(f"#value-{mine.id}").inner_text() == "The value it shows: Care"
    assert_accessible(receiver, "feedback I received (en)")
    screenshot(receiver, "feedback-received")
    card.locator("input[name=note]").fill("Thank you, I will summarise instead of reading out.")
    card.locator("input[value=adjust_weakness]").check()
    card.locator("input[name=action_title]").fill("Hand-overs of at most ten minutes")
    card.get_by_role("button").click()
    receiver.locator(f"#feedback-{mine.id} p.done").wait_for()
    after = paars.as_person("lotte", "feedback", feedback_pb2_grpc.FeedbackServiceStub, "ListFeedback", fb.ListFeedbackRequest(receiver_id="lotte"))
    [thanked] = [f for f in after.feedback if f.id == mine.id]
    assert thanked.acknowledged and thanked.action_item_id


def test_a_person_sees_in_plain_words_who_read_feedback_about_them(open_page, paars: Paars) -> None:
    feedback = feedback_pb2_grpc.FeedbackServiceStub
    paars.as_person("jan", "feedback", feedback, "GiveFeedback", fb.GiveFeedbackRequest(
        receiver_id="fatima", kind=fb.FEEDBACK_KIND_PRAISE, relation=fb.RELATION_MANAGER, text="Sterke demo vandaag",
        visibility=event_pb2.VISIBILITY_RECEIVER_AND_MANAGER, idempotency_key=uuid.uuid4().hex,
    ))
    # Her manager reads feedback about her: that read is written down.
    paars.as_person("jan", "feedback", feedback, "ListFeedback", fb.ListFeedbackRequest(receiver_id="fatima"))
    page = open_page("nl")
    sign_in(page, "fatima", next_path="/reads")
    page.locator("#reads li", has_text="Jan Peeters").first.wait_for()
    assert_accessible(page, "who read my feedback (nl)")
    screenshot(page, "reads")


def test_a_customer_answers_once_through_the_link_on_a_phone_and_a_second_use_says_so_in_plain_words(open_page, paars: Paars) -> None:
    page = open_page("nl")
    sign_in(page, "ruben", next_path="/feedback/requests")
    page.locator("#recipient-kind-customer").check()
    page.locator("#external_name").fill("An De Klant")
    page.locator("#external_email").fill("an@klant.example")
    page.locator("#question").fill("Hoe verliep de installatie bij u?")
    page.locator("#ask-submit").click()
    link = page.locator("#customer-link").get_attribute("href")
    assert link and link.startswith(paars.web_url + "/r/")
    assert_accessible(page, "ask for feedback (nl)")
    screenshot(page, "ask-feedback")

    phone = open_page("nl", phone=True)
    phone.goto(link)
    assert fits_the_width(phone), "the customer's page fits a 360 px screen"
    assert_accessible(phone, "the customer's page at 360 px (nl)")
    phone.locator("#text").fill("Vlot geïnstalleerd en alles netjes uitgelegd.")
    screenshot(phone, "customer-phone")
    phone.locator("#customer-submit").click()
    phone.locator("#customer-thanks").wait_for()

    # Opening the link again says it was used, instead of a form that cannot be sent.
    again = open_page("nl", phone=True)
    again.goto(link)
    again.locator("#link-state").wait_for()
    assert "gebruikt" in again.locator("h1").inner_text()
    assert again.locator("#customer-form").count() == 0
    assert_accessible(again, "a used customer link (nl)")


def test_a_goal_is_proposed_counter_proposed_agreed_and_checked_in_by_the_two_people_it_concerns(open_page, paars: Paars) -> None:
    title = "Learn the new billing system"
    owner = open_page("en")
    sign_in(owner, "pieter", next_path="/goals")
    owner.locator("#kind-development").check()
    owner.locator("#title").fill(title)
    owner.locator("#kr_title").fill("modules done")
    owner.locator("#kr_target").fill("4")
    owner.locator("#due_date").fill("2031-06-30")
    owner.locator("#propose-submit").click()
    owner.wait_for_url(re.compile(r"/goals/[^/]+$"))
    goal_path = owner.url.split(paars.web_url)[1]
    assert "Jan Peeters" in owner.locator("#goal-agreement").inner_text()
    assert owner.locator("h1 .kind").inner_text().strip(), "the kind is shown with the goal"

    manager = open_page("en")
    sign_in(manager, "jan", next_path=goal_path)
    manager.locator("#comment").fill("Let's make it five modules and a month later.")
    manager.locator("#due_date").fill("2031-07-31")
    manager.locator("#counter-submit").click()
    manager.wait_for_url(re.compile(goal_path + "$"))
    assert "Pieter Claes" in manager.locator("#goal-agreement").inner_text()

    owner.reload()
    assert_accessible(owner, "a goal waiting for its owner (en)")
    owner.locator("#agree-submit").click()
    owner.locator("#check-in-form").wait_for()
    owner.locator("#check-in-form input[id^=kr_]").fill("2")
    owner.locator("#confidence-4").check()
    owner.locator("#note").fill("Two modules in the first week.")
    owner.locator("#check-in-submit").click()
    owner.locator("#goal-status", has_text="50").wait_for()
    assert_accessible(owner, "an agreed goal after a check-in (en)")
    screenshot(owner, "goal")
    owner.goto("/goals")
    owner.locator("#my-goals li", has_text=title).wait_for()
    assert_accessible(owner, "goals (en)")


PAGES = ("/", "/feedback/give", "/feedback/received", "/feedback/requests", "/goals", "/goals/cascade", "/reads")


@pytest.mark.parametrize("language, phone", [("nl", False), ("en", True)], ids=["dutch-desktop", "english-360px"])
def test_every_page_is_accessible_in_its_language(open_page, paars: Paars, language: str, phone: bool) -> None:
    goal = paars.as_person("sofie", "goals", goals_pb2_grpc.GoalServiceStub, "ProposeGoal", gl.ProposeGoalRequest(
        kind=gl.GOAL_KIND_WELLBEING, level=gl.GOAL_LEVEL_INDIVIDUAL, owner_id="sofie", title="Elke week een middag zonder vergaderingen",
        key_results=[gl.KeyResult(title="vrije middagen", start_value=0, target_value=12)], due_date="2031-03-31",
    ))
    page = open_page(language, phone=phone)
    page.goto("/signin")
    assert page.locator("html").get_attribute("lang") == language
    assert_accessible(page, f"sign-in ({language})")
    sign_in(page, "sofie")
    for path in (*PAGES, f"/goals/{goal.id}"):
        page.goto(path)
        assert page.locator("html").get_attribute("lang") == language, path
        assert_accessible(page, f"{path} ({language})")
        if phone:
            assert fits_the_width(page), f"{path} is wider than 360 px"
    page.goto("/r/no-such-link")
    assert_accessible(page, f"the customer's page ({language})")
