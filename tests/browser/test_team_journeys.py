"""Issue 17's journeys 4 to 6 in a real browser against the real platform: the manager as sense-maker, HR's view
of the whole, my preferences; and the privacy matrix of these pages (every role against every page that shows
signals or referrals: a page shows exactly what the API lets the same person read)."""
from __future__ import annotations

import re
import time
import uuid

import grpc
import pytest

from paars.analytics.v1 import analytics_pb2 as an
from paars.analytics.v1 import analytics_pb2_grpc
from paars.common.v1 import event_pb2
from paars.feedback.v1 import feedback_pb2 as fb
from paars.feedback.v1 import feedback_pb2_grpc
from paars.goals.v1 import goals_pb2 as gl
from paars.goals.v1 import goals_pb2_grpc
from paars.notifications.v1 import notifications_pb2 as nt
from paars.notifications.v1 import notifications_pb2_grpc
from paars.org.v1 import org_pb2, org_pb2_grpc
from paars.story.v1 import story_pb2 as st
from paars.story.v1 import story_pb2_grpc
from paars_cli import demo_story
from tests.browser.conftest import Paars
from tests.browser.journey import assert_accessible, screenshot, sign_in
from tests.browser.test_journeys import agreed_goal, fits_the_width

pytestmark = pytest.mark.e2e

ANALYTICS = analytics_pb2_grpc.AnalyticsServiceStub
FEEDBACK = feedback_pb2_grpc.FeedbackServiceStub
# Generous for a loaded 2-core machine: a wait ends as soon as the page shows what the stream has counted.
STREAM_SECONDS = 90


def reload_until(page, path: str, selector: str, has_text: str | re.Pattern[str] = "", timeout: float = STREAM_SECONDS) -> None:
    """Opens the page again until it shows the element: analytics counts events as they stream in."""
    deadline = time.monotonic() + timeout
    while True:
        page.goto(path)
        found = page.locator(selector, has_text=has_text) if has_text else page.locator(selector)
        if found.count():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{selector} ({has_text!r}) did not appear on {path}")
        time.sleep(1)


def praise_openness_in_the_product_team(paars: Paars) -> None:
    """As make run's demo does (demo_story: the story published by HR and a leader, praise that names a value), for three
    of Jan's five people, so the value lived shows as a number at k = 3."""
    deadline = time.monotonic() + STREAM_SECONDS
    while True:
        try:
            current = paars.as_person("hanne", "story", story_pb2_grpc.StoryServiceStub, "GetStory", st.GetStoryRequest())
            if not current.published.version:
                draft = paars.as_person("hanne", "story", story_pb2_grpc.StoryServiceStub, "SaveDraft", st.SaveDraftRequest(
                    base_version=max(current.draft.version, current.published.version), passages=demo_story.STORY,
                ))
                paars.as_person("els", "story", story_pb2_grpc.StoryServiceStub, "PublishDraft", st.PublishDraftRequest(draft_version=draft.version))
            break
        except grpc.aio.AioRpcError as err:
            # The story service's directory projection learns the demo people (and hanne's HR role) from the org events.
            if err.code() not in (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED) or time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    for receiver in ("lotte", "pieter", "fatima"):
        while True:
            try:
                paars.as_person("wout", "feedback", FEEDBACK, "GiveFeedback", fb.GiveFeedbackRequest(
                    receiver_id=receiver, kind=fb.FEEDBACK_KIND_PRAISE, relation=fb.RELATION_PEER, text=demo_story.VALUE_PRAISE["value.openness"],
                    visibility=event_pb2.VISIBILITY_PUBLIC, value_key="value.openness", idempotency_key=uuid.uuid4().hex,
                ))
                break
            except grpc.aio.AioRpcError as err:
                # Feedback learns the story's values from story.story-published.v1.
                if err.code() != grpc.StatusCode.INVALID_ARGUMENT or time.monotonic() > deadline:
                    raise
                time.sleep(0.5)


def test_a_manager_makes_sense_of_the_team_and_of_each_person_without_reading_what_is_not_theirs(open_page, paars: Paars) -> None:
    praise_openness_in_the_product_team(paars)
    goal = agreed_goal(paars, "wout", "jan", "Klantvragen binnen een dag beantwoorden")
    # A private piece of feedback to Wout from a colleague: Jan may not read it, and its words appear nowhere for him.
    secret = f"Alleen voor Wout {uuid.uuid4().hex[:8]}"
    paars.as_person("pieter", "feedback", FEEDBACK, "GiveFeedback", fb.GiveFeedbackRequest(
        receiver_id="wout", kind=fb.FEEDBACK_KIND_CONSTRUCTIVE, relation=fb.RELATION_PEER, text=secret,
        examples=[fb.Example(situation="Maandag in de stand-up", behaviour="Je onderbrak twee keer", impact="Niemand vertelde nog iets")],
        visibility=event_pb2.VISIBILITY_PRIVATE, idempotency_key=uuid.uuid4().hex,
    ))
    paars.as_person("wout", "goals", goals_pb2_grpc.GoalServiceStub, "CheckIn", gl.CheckInRequest(
        goal_id=goal.id, expected_version=goal.version, confidence=4,
        updates=[gl.KeyResultUpdate(key_result_id=goal.key_results[0].id, current_value=6)],
    ))
    page = open_page("nl")
    sign_in(page, "jan", next_path="/team")
    # The milestone and the feedback reach Wout's card once analytics has counted them.
    reload_until(page, "/team", "#card-wout li", "Mijlpalen van doelen gehaald")
    card = page.locator("#card-wout")
    assert "Feedback gekregen: " in card.inner_text() and "met een concreet voorbeeld" in card.inner_text()
    # The product team: five people, so its figures show; coverage and the side-by-side are there.
    team = page.locator("#team-product")
    assert "Bereik van feedback" in team.inner_text() and "Prestatie en ontwikkeling naast elkaar" in team.inner_text()
    assert page.locator("#team-product .team-card li").count() >= 1
    # The moment of Wout's milestone is an open insight for Jan, with what to do now linking to the form.
    reload_until(page, "/team", "#insights li", "Wout Vermeulen")
    moment = page.locator("#insights li", has_text="Wout Vermeulen").first
    assert moment.locator('a[href="/feedback/give?receiver=wout"]').count() == 1
    assert secret not in page.content()
    assert page.locator("#calibration-caveats li").count() == 4
    # The story as the team lives it (issue 16): the value named in the praise, counted once three people heard it.
    reload_until(page, "/team", "#story-alignment #alignment-value-openness", re.compile(r"Geleefd in feedback: [3-5] mensen"))
    assert_accessible(page, "the team page (nl)")
    screenshot(page, "team-page")

    phone = open_page("en", phone=True)
    sign_in(phone, "jan", next_path="/team")
    phone.locator("#card-wout").wait_for()
    assert fits_the_width(phone), "the team page fits a 360 px screen"
    assert_accessible(phone, "the team page at 360 px (en)")
    assert secret not in phone.content()


def test_hr_watches_the_pitfalls_across_the_organisation_and_imports_the_directory_row_by_row(open_page, paars: Paars) -> None:
    # The customer service team hears from its manager only, and without examples: two pitfalls to find.
    for receiver in ("noor", "noor", "noor", "ruben", "emma"):
        paars.as_person("sofie", "feedback", FEEDBACK, "GiveFeedback", fb.GiveFeedbackRequest(
            receiver_id=receiver, kind=fb.FEEDBACK_KIND_PRAISE, relation=fb.RELATION_MANAGER, text="Goed gedaan deze week",
            visibility=event_pb2.VISIBILITY_RECEIVER_AND_MANAGER, idempotency_key=uuid.uuid4().hex,
        ))
    page = open_page("nl")
    sign_in(page, "hanne", next_path="/hr")
    reload_until(page, "/hr", "#pitfalls-klant li.warning", "Feedback zonder voorbeelden")
    found = page.locator("#pitfalls-klant li.warning", has_text="Feedback zonder voorbeelden")
    assert found.locator('a[href="#do-examples"]').count() == 1, "a pitfall links to what to do about it"
    reload_until(page, "/hr", "#pitfalls-klant li.warning", "Feedback uit één bron: bij 1 van de mensen")
    # HR in the root team oversees every team; People & Culture (two people) says nothing.
    for team in ("paars", "product", "klant"):
        assert page.locator(f"#pitfalls-{team} li").count() == 5, team
    assert "Te weinig mensen" in page.locator("#pitfalls-people").inner_text()
    assert page.locator("#what-to-do #do-stalled").count() == 1
    page.locator("#rating-drift").wait_for()
    assert_accessible(page, "the pitfall monitor (nl)")
    screenshot(page, "hr-pitfall-monitor")

    # The import: a row with a wrong shape is named, and there is nothing to import yet.
    page.locator("#hr-import-link").click()
    page.wait_for_url(re.compile(r"/hr/import$"))
    header = "id,name,email,manager_id,team_id,roles,active"
    first = "nina,Nina Smet,nina@paars.example,sofie,klant,employee,yes"
    page.locator("#csv_text").fill(f"{header}\n{first}\nomar,Omar Baert,omar@paars.example,niemand,klant,baas,misschien\n")
    page.locator("#preview-submit").click()
    page.locator("#row-3 .field-error").first.wait_for()
    assert "onbekende rol baas" in page.locator("#error-summary").inner_text()
    assert page.locator("#import-submit").count() == 0
    assert_accessible(page, "the import preview with errors (nl)")
    # The shape is right now, but the service knows no manager "niemand": it refuses the whole file, on that row.
    page.locator("#csv_text").fill(f"{header}\n{first}\nomar,Omar Baert,omar@paars.example,niemand,klant,employee,yes\n")
    page.locator("#preview-submit").click()
    page.locator("#import-submit").click()
    page.locator("#row-3 .field-error", has_text="niemand").wait_for()
    org = org_pb2_grpc.OrgServiceStub
    everyone = paars.as_person("hanne", "goals", org, "ListEmployees", org_pb2.ListEmployeesRequest())
    assert "nina" not in {e.id for e in everyone.employees}, "nothing is written while one row is wrong"
    page.locator("#csv_text").fill(f"{header}\n{first}\nomar,Omar Baert,omar@paars.example,sofie,klant,employee,yes\n")
    page.locator("#preview-submit").click()
    page.locator("#import-submit").click()
    page.locator("#import-done").wait_for()
    everyone = paars.as_person("hanne", "goals", org, "ListEmployees", org_pb2.ListEmployeesRequest())
    assert {"nina", "omar"} <= {e.id for e in everyone.employees}

    # A referral Jan raises for Lotte reaches HR's inbox, and only there (the matrix below checks every role).
    note = f"Doorverwezen naar de vertrouwenspersoon {uuid.uuid4().hex[:8]}"
    paars.as_person("jan", "feedback", FEEDBACK, "RaiseReferral", fb.RaiseReferralRequest(employee_id="lotte", note=note, idempotency_key=uuid.uuid4().hex))
    english = open_page("en", phone=True)
    sign_in(english, "hanne", next_path="/hr/referrals")
    english.locator("#referrals li", has_text=note).wait_for()
    assert fits_the_width(english) and "Lotte Janssens" in english.locator("#referrals").inner_text()
    assert_accessible(english, "the referrals inbox at 360 px (en)")
    english.goto("/hr")
    assert fits_the_width(english), "the pitfall monitor fits a 360 px screen"
    assert_accessible(english, "the pitfall monitor at 360 px (en)")


def test_hr_acknowledges_then_closes_a_referral_and_the_person_sees_where_it_stands(open_page, paars: Paars) -> None:
    note = f"Doorverwezen naar de bedrijfsarts {uuid.uuid4().hex[:8]}"
    raised = paars.as_person("jan", "feedback", FEEDBACK, "RaiseReferral", fb.RaiseReferralRequest(employee_id="lotte", note=note, idempotency_key=uuid.uuid4().hex))
    rid = raised.referral_id
    page = open_page("nl", phone=True)
    sign_in(page, "hanne", next_path="/hr/referrals")
    card = page.locator(f"#referral-{rid}")
    card.wait_for()
    assert "Wacht op HR" in card.inner_text() and page.locator(f"#referral-close-{rid}").count() == 0
    assert fits_the_width(page)
    assert_accessible(page, "a raised referral with HR's next step (nl, 360 px)")
    page.locator(f"#referral-acknowledge-{rid}").click()
    page.locator(f"#referral-close-{rid}").wait_for()
    assert "HR pakt het op" in card.inner_text() and page.locator(f"#referral-acknowledge-{rid}").count() == 0
    page.locator(f"#referral-close-{rid}").click()
    card.get_by_text("Afgesloten door HR").wait_for()
    assert card.locator("button").count() == 0
    assert_accessible(page, "a closed referral (nl, 360 px)")
    # Lotte sees where hers stands, in English, and cannot move it.
    lotte = open_page("en")
    sign_in(lotte, "lotte", next_path="/hr/referrals")
    mine = lotte.locator(f"#referral-{rid}")
    mine.wait_for()
    assert "Closed by HR" in mine.inner_text() and note in mine.inner_text() and mine.locator("button").count() == 0
    assert_accessible(lotte, "the person's own referral and its state (en)")
    listed = paars.as_person("lotte", "feedback", FEEDBACK, "ListReferrals", fb.ListReferralsRequest())
    assert [(r.state, r.handled_by) for r in listed.referrals if r.id == rid] == [(fb.Referral.STATE_CLOSED, "hanne")]


def test_a_person_sets_language_channels_quiet_hours_digest_and_budget_and_a_wrong_answer_names_its_field(open_page, paars: Paars) -> None:
    page = open_page("en", phone=True)
    sign_in(page, "noor", next_path="/preferences")
    assert fits_the_width(page), "preferences fit a 360 px screen"
    assert_accessible(page, "my preferences at 360 px (en)")
    page.locator("#language-nl").check()
    page.locator("#channel-email").check()
    page.locator("#quiet_start").fill("18:00")
    page.locator("#quiet_end").fill("8:00")
    page.locator("#daily_digest").check()
    page.locator("#weekly_budget").fill("500")
    page.locator("#preferences-submit").click()
    # The budget is refused beside its field, in English still (nothing was saved), with the rest kept.
    page.locator("#weekly_budget-error").wait_for()
    assert page.locator("#quiet_start").input_value() == "18:00" and page.locator("#language-nl").is_checked()
    assert_accessible(page, "preferences with an error (en)")
    page.locator("#weekly_budget").fill("5")
    page.locator("#preferences-submit").click()
    page.locator("#preferences-saved").wait_for()
    assert page.locator("html").get_attribute("lang") == "nl", "the page now speaks the chosen language"
    assert page.locator("#quiet_end").input_value() == "08:00"
    assert_accessible(page, "my preferences, saved (nl)")
    prefs = paars.as_person("noor", "notifications", notifications_pb2_grpc.NotificationServiceStub, "GetPreferences", nt.GetPreferencesRequest())
    assert prefs.language == "nl" and set(prefs.channels) == {nt.CHANNEL_IN_APP, nt.CHANNEL_EMAIL}
    assert (prefs.quiet_start, prefs.quiet_end, prefs.daily_digest, prefs.weekly_budget) == ("18:00", "08:00", True, 5)
    # A chat webhook at an address nobody can reach is refused beside its field, in Dutch now.
    page.locator("#webhook_url").fill("https://chat.invalid/hooks/paars")
    page.locator("#preferences-submit").click()
    page.locator("#webhook_url-error").wait_for()
    assert page.locator("#webhook_url").input_value() == "https://chat.invalid/hooks/paars"
    assert_accessible(page, "a refused webhook (nl)")


READERS = ("lotte", "pieter", "jan", "sofie", "hanne", "koen", "els")


def _allowed(paars: Paars, reader: str, call: str, request: object, stub: type = ANALYTICS, service: str = "analytics") -> object | None:
    try:
        return paars.as_person(reader, service, stub, call, request)
    except grpc.aio.AioRpcError as err:
        if err.code() in (grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.NOT_FOUND):
            return None
        raise


def test_every_role_sees_on_these_pages_exactly_what_the_api_lets_them_read(open_page, paars: Paars) -> None:
    note = f"Matrix-doorverwijzing {uuid.uuid4().hex[:8]}"
    paars.as_person("jan", "feedback", FEEDBACK, "RaiseReferral", fb.RaiseReferralRequest(employee_id="lotte", note=note, idempotency_key=uuid.uuid4().hex))
    seen: dict[str, dict[str, bool]] = {}
    for reader in READERS:
        api = {
            "lotte's card": _allowed(paars, reader, "GetSenseMaking", an.GetSenseMakingRequest(employee_id="lotte", window_days=30)) is not None,
            "product's pitfalls": bool(_allowed(paars, reader, "ListPitfalls", an.ListPitfallsRequest(team_id="product"))),
            "lotte's referral": any(r.note == note for r in getattr(_allowed(
                paars, reader, "ListReferrals", fb.ListReferralsRequest(employee_id="lotte"), FEEDBACK, "feedback"), "referrals", [])),
        }
        page = open_page("en")
        sign_in(page, reader, next_path="/team")
        on_team = page.content()
        page.goto("/hr")
        on_hr = page.content()
        page.goto("/hr/referrals")
        on_referrals = page.content()
        pages = {
            "lotte's card": 'id="card-lotte"' in on_team,
            "product's pitfalls": 'id="pitfalls-product"' in on_hr,
            "lotte's referral": note in on_referrals,
        }
        # A card shows on the team page for one's own reports only, so the page may show less than the API allows, never more.
        assert pages["lotte's card"] <= api["lotte's card"], f"{reader} sees Lotte's card on the page without the API's leave"
        assert pages["product's pitfalls"] == api["product's pitfalls"], reader
        assert pages["lotte's referral"] == api["lotte's referral"], reader
        assert note not in on_team + on_hr, f"{reader}: a referral's words on a page that is not the inbox"
        seen[reader] = pages
    # The rules as the issue states them: the manager reads the card; HR, Jan and Els the product team's pitfalls; HR and Lotte the referral.
    assert [r for r in READERS if seen[r]["lotte's card"]] == ["jan"]
    assert [r for r in READERS if seen[r]["product's pitfalls"]] == ["jan", "hanne", "els"]
    assert [r for r in READERS if seen[r]["lotte's referral"]] == ["lotte", "hanne"]


def test_before_a_review_round_a_manager_sees_their_ratings_against_the_other_managers_with_the_caveats(open_page, paars: Paars) -> None:
    # Three managers close a round of reviews; Jan rates clearly higher than Sofie and Els.
    questions = [fb.CompetencyQuestion(competency="samenwerken", question="Hoe werkt deze persoon samen?"),
                 fb.CompetencyQuestion(competency="klantgericht", question="Hoe klantgericht?")]
    for manager, reports, score in (("jan", ["lotte", "pieter", "fatima"], 5), ("sofie", ["ruben", "noor", "emma"], 3), ("els", ["jan", "sofie", "koen"], 3)):
        opened = paars.as_person("hanne", "feedback", FEEDBACK, "OpenReviewCycle", fb.OpenReviewCycleRequest(
            cycle_name="Najaar", subject_ids=reports, rater_groups=[fb.RATER_GROUP_MANAGER], questions=questions,
            due_date="2031-12-31", idempotency_key=uuid.uuid4().hex,
        ))
        for review in opened.reviews:
            paars.as_person(manager, "feedback", FEEDBACK, "SubmitReviewResponse", fb.SubmitReviewResponseRequest(
                review_id=review.id, ratings=[fb.Rating(competency="samenwerken", score=score), fb.Rating(competency="klantgericht", score=score)],
                idempotency_key=uuid.uuid4().hex,
            ))
            paars.as_person("hanne", "feedback", FEEDBACK, "CloseReviewCycle", fb.CloseReviewCycleRequest(review_id=review.id, idempotency_key=uuid.uuid4().hex))
    page = open_page("nl")
    sign_in(page, "jan", next_path="/team")
    reload_until(page, "/team", "#calibration-mine", "mogelijk mild")
    mine = page.locator("#calibration-mine").inner_text()
    # Jan's average and the median, with the Dutch decimal sign. Other journeys of the session (the 360s of
    # test_reviews) add ratings of their own, so the figures are compared, not fixed: Jan's lies above the median.
    figures = [float(x.replace(",", ".")) for x in re.findall(r"\d+,\d", mine)]
    assert len(figures) >= 2 and figures[0] > figures[1], f"Jan's average above the median, in Dutch: {mine!r}"
    assert page.locator("#calibration-caveats li").count() == 4
    assert_accessible(page, "the calibration aid (nl)")
    # HR sees every manager in scope, each against the median; Jan sees only his own row.
    hr = open_page("en", phone=True)
    sign_in(hr, "hanne", next_path="/hr")
    rows = hr.locator("#drift-rows")
    rows.wait_for()
    assert "Jan Peeters" in rows.inner_text() and "Possibly lenient." in rows.inner_text()
    assert "Sofie Goossens" in rows.inner_text() and "Els Wouters" in rows.inner_text()
    assert fits_the_width(hr)
    assert_accessible(hr, "rating drift at 360 px (en)")
    assert "Sofie Goossens" not in page.locator("#calibration").inner_text()
