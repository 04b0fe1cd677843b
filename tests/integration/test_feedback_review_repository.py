"""The 360 lifecycle's repository, one suite on the fakes, SQLite and PostgreSQL: a review reads back as written and
saves its state; raters are added once, nominated and approved; the directory gives a manager's reports."""
from __future__ import annotations

import dataclasses
import datetime as dt

from paars.feedback.v1 import feedback_pb2 as pb
from paars_feedback.domain.review import Rating, Review, SelfAssessment
from tests.integration.test_feedback_repository import NOW, Backend, backend, backend_url

__all__ = ["backend", "backend_url"]  # the suite's fixtures, shared with the feedback repository's own tests


def a_review(review_id: str = "r1") -> Review:
    return Review.open(
        review_id, cycle_name="360 spring", subject_id="ann", opened_by="mgr", manager_id="mgr",
        rater_groups=(pb.RATER_GROUP_MANAGER, pb.RATER_GROUP_PEERS), questions=(("collaboration", "How?"),), threshold=3,
        due=dt.date(2026, 3, 15), now=NOW, field="subject_ids[0]",
    )


async def test_a_review_reads_back_as_written_and_saves_its_state(backend: Backend) -> None:
    review = a_review()
    async with backend.uow() as uow:
        await uow.reviews.add(review)
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.reviews.get("r1") == review and await uow.reviews.get("r9") is None
        await uow.reviews.save(review.approved(NOW))
        await uow.commit()
    async with backend.uow() as uow:
        stored = await uow.reviews.get("r1")
        assert stored is not None and stored.state == pb.Review.STATE_COLLECTING
        assert await uow.reviews.answers("r1") == []


async def test_raters_are_added_once_nominated_and_approved(backend: Backend) -> None:
    async with backend.uow() as uow:
        await uow.reviews.add(a_review())
        await uow.reviews.add_raters("r1", ["bob", "cas"], pb.RATER_GROUP_PEERS, approved=False, nominated_by="ann")
        await uow.reviews.add_raters("r1", ["bob"], pb.RATER_GROUP_PEERS, approved=False, nominated_by="hr")
        await uow.reviews.add_raters("r1", ["dan"], pb.RATER_GROUP_REPORTS, approved=True, nominated_by="mgr")
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.reviews.nominated("r1") == {"bob", "cas"}
        await uow.reviews.approve("r1", ["bob"])
        await uow.reviews.approve("r1", [])
        await uow.commit()
    if backend.db is None:
        raters = {r: a for (rid, r), (_g, a, _n) in backend.store.review_raters.items() if rid == "r1"}
    else:
        from paars_feedback.adapters import tables as t
        async with backend.db.read() as conn:
            raters = {row.rater_id: row.approved for row in await conn.execute(t.review_raters.select().where(t.review_raters.c.review_id == "r1"))}
    assert raters == {"bob": True, "cas": False, "dan": True}


async def test_the_directory_gives_a_managers_active_reports(backend: Backend) -> None:
    await backend.person("mgr")
    await backend.person("bob", "mgr")
    await backend.person("ann", "mgr")
    await backend.person("gone", "mgr", active=False)
    async with backend.uow() as uow:
        assert await uow.directory.direct_reports("mgr") == ["ann", "bob"]
        assert await uow.directory.direct_reports("ann") == []


async def test_a_self_assessment_is_kept_for_the_gap_report(backend: Backend) -> None:
    assessment = SelfAssessment("s1", "ann", "r1", (Rating("collaboration", 4, "often"),), "On the whole well.", NOW)
    async with backend.uow() as uow:
        await uow.reviews.add(a_review())
        await uow.reviews.add_self_assessment(assessment)
        await uow.commit()
    if backend.db is None:
        assert backend.store.self_assessments == [assessment]
        return
    from paars_feedback.adapters import tables as t
    async with backend.db.read() as conn:
        row = (await conn.execute(t.self_assessments.select())).one()
    assert (row.employee_id, row.review_id, row.ratings, row.reflection) == ("ann", "r1", [{"competency": "collaboration", "score": 4, "comment": "often"}], "On the whole well.")


async def test_the_latest_review_and_self_assessment_of_a_person(backend: Backend) -> None:
    older = a_review("r1")
    newer = dataclasses.replace(a_review("r2"), created_at=NOW + dt.timedelta(days=1), updated_at=NOW + dt.timedelta(days=1))
    async with backend.uow() as uow:
        for review in (older, newer):
            await uow.reviews.add(review)
        await uow.reviews.add_self_assessment(SelfAssessment("s1", "ann", "r1", (Rating("collaboration", 4),), "", NOW))
        await uow.reviews.add_self_assessment(SelfAssessment("s2", "ann", None, (Rating("collaboration", 2),), "", NOW + dt.timedelta(hours=1)))
        await uow.commit()
    async with backend.uow() as uow:
        latest = await uow.reviews.latest_of("ann")
        assert latest is not None and latest.id == "r2" and await uow.reviews.latest_of("bob") is None
        assert await uow.reviews.self_ratings("ann", "r1") == {"collaboration": 4.0}
        assert await uow.reviews.self_ratings("ann", "r2") == {"collaboration": 2.0}, "none for the review: the latest of any"
        assert await uow.reviews.self_ratings("ann", None) == {"collaboration": 2.0}
        assert await uow.reviews.self_ratings("bob", None) is None


async def test_an_answer_is_kept_once_per_rater_and_read_back_only_as_counts_and_folds(backend: Backend) -> None:
    from paars_feedback.domain.review import ReviewResponse
    from paars_feedback.service_layer.common import rater_hash

    def response(response_id: str, rater: str, score: int) -> ReviewResponse:
        return ReviewResponse(response_id, "r1", pb.RATER_GROUP_PEERS, rater_hash("r1", rater), (Rating("collaboration", score, "calm"),), "thanks", NOW)

    async with backend.uow() as uow:
        await uow.reviews.add(a_review())
        await uow.reviews.add(a_review("r2"))
        await uow.reviews.add_raters("r1", ["bob", "cas"], pb.RATER_GROUP_PEERS, approved=False, nominated_by="ann")
        await uow.reviews.approve("r1", ["bob"])
        assert await uow.reviews.add_response(response("a1", "bob", 4))
        assert not await uow.reviews.add_response(response("a2", "bob", 2)), "one answer per rater"
        assert await uow.reviews.add_response(response("a3", "cas", 2))
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.reviews.nomination("r1", "bob") == (pb.RATER_GROUP_PEERS, True)
        assert await uow.reviews.nomination("r1", "cas") == (pb.RATER_GROUP_PEERS, False)
        assert await uow.reviews.nomination("r1", "eve") is None
        assert await uow.reviews.rated_by("cas") == {"r1": (pb.RATER_GROUP_PEERS, False)}
        assert await uow.reviews.nominations(["r1", "r2"]) == {"r1": [("bob", True), ("cas", False)]}
        assert await uow.reviews.answer_counts(["r1", "r2"]) == {"r1": 2}
        hashes = {"r1": rater_hash("r1", "bob"), "r2": rater_hash("r2", "bob")}
        assert await uow.reviews.answered(hashes) == {"r1"}
        assert await uow.reviews.answered({"r1": rater_hash("r1", "eve")}) == set()
        answers = await uow.reviews.answers("r1")
        assert sorted(a.ratings["collaboration"] for a in answers) == [2, 4]
        assert all(a.comments == ["thanks", "collaboration: calm"] for a in answers)


async def test_reviews_are_listed_for_whoever_takes_part_and_hr_only_in_the_teams_they_cover(backend: Backend) -> None:
    await backend.team("t-root")
    await backend.team("t-eng", "t-root")
    await backend.team("t-web", "t-eng")
    await backend.team("t-other")
    await backend.person("ann", "mgr", team_id="t-web")
    await backend.person("fay", team_id="t-other")
    await backend.person("hr", team_id="t-eng")
    older = dataclasses.replace(a_review("r1"), created_at=NOW - dt.timedelta(days=1))
    async with backend.uow() as uow:
        await uow.reviews.add(older)
        await uow.reviews.add(dataclasses.replace(a_review("r2"), subject_id="fay", manager_id=None, opened_by="hr"))
        await uow.reviews.add(dataclasses.replace(a_review("r3"), subject_id="gone", manager_id=None, opened_by="x"))
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.directory.hr_teams("hr") == ["t-eng", "t-web"]
        assert await uow.directory.hr_teams("ann") == ["t-web"]
        assert await uow.directory.hr_teams("nobody") == []

        async def listed(*args: object) -> list[tuple[str, bool]]:
            return [(x.review.id, x.in_hr_scope) for x in await uow.reviews.listed(*args)]  # type: ignore[arg-type]

        assert await listed("ann", [], [], []) == [("r1", False)]
        assert await listed("mgr", [], [], []) == [("r1", False)], "the manager the review names"
        assert await listed("hr", [], [], ["t-eng", "t-web"]) == [("r2", False), ("r1", True)], "opened by hr, and ann in scope; newest first"
        assert await listed("eve", ["r3"], ["fay"], []) == [("r2", False), ("r3", False)]
        assert await listed("eve", [], [], []) == []
        stored = (await uow.reviews.listed("ann", [], [], []))[0].review
        assert stored == older
