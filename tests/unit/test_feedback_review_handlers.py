"""A 360's lifecycle through the message bus over fake repositories: who opens it, colleagues nominated by the person
and approved by a manager, the close with its k-folded event, and no rater identity in any event."""
from __future__ import annotations

import datetime as dt

import pytest

from paars.feedback.v1 import feedback_pb2 as pb
from paars_feedback.adapters.review_repository import review_event
from paars_feedback.domain.anonymity import Answer
from paars_feedback.domain.review import Rating, ReviewChanged, SelfAssessed
from paars_feedback.service_layer import commands as c
from paars_platform.auth import Identity
from paars_platform.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from tests.unit.feedback_fakes import NOW, FakeService, Person

DUE = (NOW + dt.timedelta(days=14)).date().isoformat()
QUESTIONS = (("collaboration", "How does Ann work with others?"), ("ownership", "Does Ann follow through?"))
GROUPS = (pb.RATER_GROUP_SELF, pb.RATER_GROUP_MANAGER, pb.RATER_GROUP_PEERS)


def a_service() -> FakeService:
    """boss -> mgr -> ann, bob, cas, dan; hr in the root team; eve elsewhere."""
    service = FakeService()
    service.store.teams.update({"t-root": None, "t-eng": "t-root"})
    service.store.people.update({
        "boss": Person(team_id="t-root"), "mgr": Person(manager_id="boss", team_id="t-eng"), "hr": Person(team_id="t-root"), "eve": Person(),
        **{p: Person(manager_id="mgr", team_id="t-eng") for p in ("ann", "bob", "cas", "dan")},
    })
    return service


def open_for(caller: Identity, *subjects: str, groups: tuple[int, ...] = GROUPS, due: str = DUE) -> c.OpenReviewCycle:
    return c.OpenReviewCycle(caller, c.RequestKey(), "360 spring", subjects or ("ann",), groups, QUESTIONS, 0, due)


def changes(service: FakeService) -> list[int]:
    return [e.change for e in service.store.outbox if isinstance(e, ReviewChanged)]


async def test_a_manager_up_the_chain_or_hr_opens_a_360_and_nobody_else() -> None:
    service = a_service()
    opened = await service.bus.handle(open_for(service.person("boss"), "ann", "bob"))
    assert [(r.subject_id, r.manager_id, r.state, r.anonymity_threshold) for r in opened.reviews] == [
        ("ann", "mgr", pb.Review.STATE_NOMINATING, 3), ("bob", "mgr", pb.Review.STATE_NOMINATING, 3),
    ]
    await service.bus.handle(open_for(service.person("hr", "hr")))
    for outsider in (service.person("bob"), service.person("ann"), service.person("eve", "hr")):
        with pytest.raises(PermissionDenied):
            await service.bus.handle(open_for(outsider))
    with pytest.raises(FailedPrecondition, match="no manager"):
        await service.bus.handle(open_for(service.person("hr", "hr"), "boss"))
    with pytest.raises(NotFound, match="subject_ids"):
        await service.bus.handle(open_for(service.person("mgr"), "zed"))
    assert changes(service) == [pb.ReviewUpdated.CHANGE_OPENED] * 3


async def test_bad_input_names_every_field_and_opens_nothing() -> None:
    service = a_service()
    with pytest.raises(InvalidArgument) as err:
        await service.bus.handle(c.OpenReviewCycle(service.person("mgr"), c.RequestKey(), "", ("ann", "ann"), (pb.RATER_GROUP_OTHERS,), (), 2, "2020-01-01"))
    assert {v.field for v in err.value.violations} >= {"cycle_name", "subject_ids", "rater_groups[0]", "questions", "anonymity_threshold", "due_date"}
    assert service.store.reviews == {}


async def test_reports_come_from_the_directory_and_a_review_without_peers_collects_at_once() -> None:
    service = a_service()
    review = (await service.bus.handle(open_for(service.person("boss"), "mgr", groups=(pb.RATER_GROUP_REPORTS,)))).reviews[0]
    assert review.state == pb.Review.STATE_COLLECTING
    assert {r for (rid, r), (group, approved, _) in service.store.review_raters.items() if rid == review.id and group == pb.RATER_GROUP_REPORTS and approved} == {"ann", "bob", "cas", "dan"}


async def test_the_person_nominates_colleagues_and_their_manager_approves_them() -> None:
    service = a_service()
    review = (await service.bus.handle(open_for(service.person("mgr")))).reviews[0]
    with pytest.raises(PermissionDenied):
        await service.bus.handle(c.NominateRaters(service.person("mgr"), c.RequestKey(), review.id, pb.RATER_GROUP_PEERS, ("bob",)))
    with pytest.raises(InvalidArgument, match="their own groups"):
        await service.bus.handle(c.NominateRaters(service.person("ann"), c.RequestKey(), review.id, pb.RATER_GROUP_PEERS, ("mgr",)))
    await service.bus.handle(c.NominateRaters(service.person("ann"), c.RequestKey(), review.id, pb.RATER_GROUP_PEERS, ("bob", "cas", "dan")))
    with pytest.raises(PermissionDenied):
        await service.bus.handle(c.ApproveRaters(service.person("ann"), c.RequestKey(), review.id, ()))
    with pytest.raises(InvalidArgument, match="not nominated"):
        await service.bus.handle(c.ApproveRaters(service.person("mgr"), c.RequestKey(), review.id, ("eve",)))
    approved = await service.bus.handle(c.ApproveRaters(service.person("mgr"), c.RequestKey(), review.id, ("bob", "cas")))
    assert approved.state == pb.Review.STATE_COLLECTING
    assert {r: a for (rid, r), (_g, a, _n) in service.store.review_raters.items() if rid == review.id} == {"bob": True, "cas": True, "dan": False}
    assert changes(service)[-2:] == [pb.ReviewUpdated.CHANGE_RATERS_NOMINATED, pb.ReviewUpdated.CHANGE_RATERS_APPROVED]


async def test_closing_folds_the_answers_for_the_event_and_names_no_rater() -> None:
    service = a_service()
    review = (await service.bus.handle(open_for(service.person("mgr")))).reviews[0]
    service.store.review_answers[review.id] = [
        Answer(pb.RATER_GROUP_PEERS, {"collaboration": 4}, ["bob says hi"]), Answer(pb.RATER_GROUP_PEERS, {"collaboration": 2}),
        Answer(pb.RATER_GROUP_MANAGER, {"collaboration": 3, "ownership": 5}),
    ]
    with pytest.raises(PermissionDenied):
        await service.bus.handle(c.CloseReviewCycle(service.person("bob"), c.RequestKey(), review.id))
    closed = await service.bus.handle(c.CloseReviewCycle(service.person("mgr"), c.RequestKey(), review.id))
    assert closed.state == pb.Review.STATE_CLOSED
    with pytest.raises(FailedPrecondition, match="already closed"):
        await service.bus.handle(c.CloseReviewCycle(service.person("hr", "hr"), c.RequestKey(), review.id))
    with pytest.raises(FailedPrecondition, match="closed"):
        await service.bus.handle(c.NominateRaters(service.person("ann"), c.RequestKey(), review.id, pb.RATER_GROUP_PEERS, ("bob",)))
    event = review_event(service.store.outbox[-1])  # type: ignore[arg-type]
    assert event.change == pb.ReviewUpdated.CHANGE_CLOSED and event.responses_received == 3
    assert {g.group for g in event.results} == {pb.RATER_GROUP_MANAGER}, "two colleagues stay below k, folded and hidden"
    assert event.rater_manager_id == "mgr" and event.manager_average == 4
    assert "bob" not in str(event) and not any(g.comments for g in event.results)


async def test_a_retried_open_is_answered_as_the_first_time() -> None:
    service = a_service()
    key = c.RequestKey("k1", "k1")
    first = await service.bus.handle(c.OpenReviewCycle(service.person("mgr"), key, "360", ("ann",), GROUPS, QUESTIONS, 0, DUE))
    again = await service.bus.handle(c.OpenReviewCycle(service.person("mgr"), key, "360", ("ann",), GROUPS, QUESTIONS, 0, DUE))
    assert [r.id for r in again.reviews] == [r.id for r in first.reviews] and len(service.store.reviews) == 1


async def test_a_self_assessment_is_the_persons_own_on_their_reviews_competencies() -> None:
    service = a_service()
    review = (await service.bus.handle(open_for(service.person("mgr")))).reviews[0]
    ratings = (Rating("collaboration", 5, " often "), Rating("ownership", 2))
    mine = await service.bus.handle(c.SubmitSelfAssessment(service.person("ann"), c.RequestKey(), review.id, ratings, " I like working together. "))
    assert (mine.employee_id, mine.review_id, mine.reflection, mine.ratings[0].comment) == ("ann", review.id, "I like working together.", "often")
    assert service.store.self_assessments == [mine] and isinstance(service.store.outbox[-1], SelfAssessed)
    with pytest.raises(PermissionDenied):
        await service.bus.handle(c.SubmitSelfAssessment(service.person("bob"), c.RequestKey(), review.id, ratings, ""))
    with pytest.raises(InvalidArgument, match="not a question of this review"):
        await service.bus.handle(c.SubmitSelfAssessment(service.person("ann"), c.RequestKey(), review.id, (Rating("charisma", 3),), ""))
    with pytest.raises(InvalidArgument) as err:
        await service.bus.handle(c.SubmitSelfAssessment(service.person("ann"), c.RequestKey(), "", (Rating("x", 0), Rating("x", 3)), ""))
    assert {(v.field, v.description) for v in err.value.violations} == {("ratings[0].score", "must be between 1 and 5"), ("ratings[1].competency", "rated twice")}
    alone = await service.bus.handle(c.SubmitSelfAssessment(service.person("bob"), c.RequestKey(), "", (Rating("anything", 4),), ""))
    assert alone.review_id is None


async def closed_review(service: FakeService) -> str:
    review = (await service.bus.handle(open_for(service.person("mgr")))).reviews[0]
    service.store.review_answers[review.id] = [
        Answer(pb.RATER_GROUP_PEERS, {"collaboration": 4}, ["Peer says: calm under pressure"]), Answer(pb.RATER_GROUP_PEERS, {"collaboration": 3}),
        Answer(pb.RATER_GROUP_PEERS, {"collaboration": 2}), Answer(pb.RATER_GROUP_MANAGER, {"collaboration": 3, "ownership": 4}),
    ]
    await service.bus.handle(c.SubmitSelfAssessment(service.person("ann"), c.RequestKey(), review.id, (Rating("collaboration", 5),), ""))
    return review.id


async def test_the_report_shows_groups_at_k_only_after_the_close_and_to_whom_it_may() -> None:
    service = a_service()
    review = (await service.bus.handle(open_for(service.person("mgr")))).reviews[0]
    service.store.review_answers[review.id] = [Answer(pb.RATER_GROUP_PEERS, {"collaboration": s}) for s in (4, 3, 2)]
    before = await service.bus.ask(c.GetReviewReport(service.person("ann"), review.id))
    assert before.folded.groups == (), "anonymous groups wait for the close"
    await service.bus.handle(c.CloseReviewCycle(service.person("mgr"), c.RequestKey(), review.id))
    after = await service.bus.ask(c.GetReviewReport(service.person("boss"), review.id))
    assert [(g.group, g.responses, g.averages) for g in after.folded.groups] == [(pb.RATER_GROUP_PEERS, 3, {"collaboration": 3.0})]
    for outsider in ("bob", "eve"):
        with pytest.raises(PermissionDenied):
            await service.bus.ask(c.GetReviewReport(service.person(outsider), review.id))
    assert [(line.reader_id, line.path) for line in service.store.reads] == [("boss", "GetReviewReport")], "the person reading about themselves is not audited"


async def test_the_gap_sets_the_self_assessment_against_the_groups_that_may_show() -> None:
    service = a_service()
    review_id = await closed_review(service)
    await service.bus.handle(c.CloseReviewCycle(service.person("mgr"), c.RequestKey(), review_id))
    seen = await service.bus.ask(c.GetGapReport(service.person("ann"), "", ""))
    collaboration = next(g for g in seen.gaps if g.competency == "collaboration")
    assert (collaboration.self_score, collaboration.others_average, collaboration.gap) == (5.0, 3.0, 2.0)
    assert collaboration.others_by_group == {"RATER_GROUP_MANAGER": 3.0, "RATER_GROUP_PEERS": 3.0}
    ownership = next(g for g in seen.gaps if g.competency == "ownership")
    assert ownership.self_score is None and "No self-assessment yet" in ownership.conversation_starter
    with pytest.raises(PermissionDenied):
        await service.bus.ask(c.GetGapReport(service.person("bob"), "ann", review_id))
    with pytest.raises(InvalidArgument, match="someone else"):
        await service.bus.ask(c.GetGapReport(service.person("mgr"), "bob", review_id))
