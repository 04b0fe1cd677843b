"""Answering a 360, inviting customers and listing the reviews a person takes part in, through the message bus over
fake repositories: who may invite and answer, a link used once, one answer per rater under a hash that names nobody,
and each person's roles in the list (HR's bounded to the teams they cover)."""
from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from paars.feedback.v1 import feedback_pb2 as pb
from paars_feedback.domain.review import Rating, ReviewChanged
from paars_feedback.service_layer import commands as c
from paars_feedback.service_layer.common import link_expiry, token_hash
from paars_platform.errors import AlreadyExists, FailedPrecondition, InvalidArgument, PermissionDenied, Unauthenticated
from tests.unit.feedback_fakes import CONFIG, NOW, FakeService, Person
from tests.unit.test_feedback_review_handlers import DUE, QUESTIONS, a_service, open_for

WITH_CUSTOMERS = (pb.RATER_GROUP_SELF, pb.RATER_GROUP_MANAGER, pb.RATER_GROUP_PEERS, pb.RATER_GROUP_CUSTOMERS)
RATINGS = (Rating("collaboration", 4, " steady "),)


async def a_review(service: FakeService, groups: tuple[int, ...] = WITH_CUSTOMERS) -> str:
    return (await service.bus.handle(open_for(service.person("mgr"), groups=groups))).reviews[0].id


def answer(service: FakeService, who: str, review_id: str, ratings: tuple[Rating, ...] = RATINGS, key: c.RequestKey | None = None) -> c.SubmitReviewResponse:
    return c.SubmitReviewResponse(service.person(who), key or c.RequestKey(), review_id, ratings, " thanks ", "")


def invite(service: FakeService, who: str, review_id: str, key: c.RequestKey | None = None) -> c.InviteExternalRater:
    return c.InviteExternalRater(service.person(who), key or c.RequestKey(), review_id, " Carla Klant ", "Carla@Example.org")


async def test_the_person_their_managers_or_hr_invite_a_customer_once_per_link() -> None:
    service = a_service()
    review_id = await a_review(service)
    made = await service.bus.handle(invite(service, "ann", review_id))
    assert made.token and made.expires_at == link_expiry(dt.date.fromisoformat(DUE), NOW, CONFIG.link_max_days)
    rater = service.store.external_raters[made.invitation_id]
    assert (rater.name, rater.email, rater.token_hash) == ("Carla Klant", "carla@example.org", token_hash(made.token))
    await service.bus.handle(invite(service, "boss", review_id))
    await service.bus.handle(dataclasses.replace(invite(service, "hr", review_id), caller=service.person("hr", "hr")))
    assert len(service.store.external_raters) == 3
    for outsider in ("bob", "eve"):
        with pytest.raises(PermissionDenied):
            await service.bus.handle(invite(service, outsider, review_id))
    no_customers = await a_review(service, (pb.RATER_GROUP_MANAGER,))
    with pytest.raises(FailedPrecondition, match="asks no customers"):
        await service.bus.handle(invite(service, "ann", no_customers))
    with pytest.raises(InvalidArgument) as err:
        await service.bus.handle(c.InviteExternalRater(service.person("ann"), c.RequestKey(), "", "", "not-an-address"))
    assert {v.field for v in err.value.violations} == {"review_id", "name", "email"}


async def test_a_retried_invitation_is_the_same_one_with_a_fresh_token_while_its_link_is_open() -> None:
    service = a_service()
    review_id = await a_review(service)
    key = c.RequestKey("k1", "k1")
    first = await service.bus.handle(invite(service, "ann", review_id, key))
    again = await service.bus.handle(invite(service, "ann", review_id, key))
    assert (again.invitation_id, again.token) == (first.invitation_id, ""), "the first token is in the first answer only"
    assert len(service.store.external_raters) == 1
    fresh = await service.bus.handle(c.ReissueInvitationLink(service.person("ann"), c.RequestKey(), again))
    assert fresh.token and fresh.token != first.token and service.store.invitation_tokens[first.invitation_id] == token_hash(fresh.token)
    await service.bus.handle(c.SubmitReviewResponse(service.person("anonymous"), c.RequestKey(), "", RATINGS, "", fresh.token))
    used = await service.bus.handle(c.ReissueInvitationLink(service.person("ann"), c.RequestKey(), again))
    assert used.token == "", "a used link gets no new token"


async def test_a_customer_answers_once_through_their_link_and_the_event_names_nobody() -> None:
    service = a_service()
    review_id = await a_review(service)
    made = await service.bus.handle(invite(service, "ann", review_id))
    link = c.SubmitReviewResponse(service.person("anonymous"), c.RequestKey(), "", RATINGS, " great demo ", made.token)
    submitted = await service.bus.handle(link)
    (response,) = service.store.review_responses.values()
    assert (response.id, response.group, response.comment, response.ratings[0].comment) == (submitted.response_id, pb.RATER_GROUP_CUSTOMERS, "great demo", "steady")
    assert service.store.invitations[made.invitation_id].used_at == NOW
    event = service.store.outbox[-1]
    assert isinstance(event, ReviewChanged) and (event.change, event.actor_id, event.responses) == (pb.ReviewUpdated.CHANGE_RESPONSE_RECEIVED, "", 1)
    with pytest.raises(FailedPrecondition, match="already used"):
        await service.bus.handle(link)
    with pytest.raises(PermissionDenied, match="not valid"):
        await service.bus.handle(dataclasses.replace(link, external_token="x" * 43))
    with pytest.raises(InvalidArgument, match="does not match"):
        await service.bus.handle(dataclasses.replace(link, review_id="other"))


async def test_colleagues_answer_in_their_own_group_once_and_only_when_approved() -> None:
    service = a_service()
    review_id = await a_review(service)
    await service.bus.handle(c.NominateRaters(service.person("ann"), c.RequestKey(), review_id, pb.RATER_GROUP_PEERS, ("bob", "cas")))
    with pytest.raises(FailedPrecondition, match="awaits the manager's approval"):
        await service.bus.handle(answer(service, "bob", review_id))
    await service.bus.handle(c.ApproveRaters(service.person("mgr"), c.RequestKey(), review_id, ("bob",)))
    for who in ("ann", "mgr", "bob"):
        await service.bus.handle(answer(service, who, review_id))
    groups = sorted(r.group for r in service.store.review_responses.values())
    assert groups == sorted([pb.RATER_GROUP_SELF, pb.RATER_GROUP_MANAGER, pb.RATER_GROUP_PEERS])
    assert not any(who in str(r) for r in service.store.review_responses.values() for who in ("ann", "mgr", "bob"))
    with pytest.raises(AlreadyExists):
        await service.bus.handle(answer(service, "bob", review_id))
    with pytest.raises(PermissionDenied, match="not a rater"):
        await service.bus.handle(answer(service, "eve", review_id))
    with pytest.raises(InvalidArgument, match="not a question of this review"):
        await service.bus.handle(answer(service, "bob", review_id, (Rating("charisma", 3),)))
    await service.bus.handle(c.ApproveRaters(service.person("mgr"), c.RequestKey(), review_id, ("cas",)))
    await service.bus.handle(c.CloseReviewCycle(service.person("mgr"), c.RequestKey(), review_id))
    with pytest.raises(FailedPrecondition, match="the review is closed"):
        await service.bus.handle(answer(service, "cas", review_id))
    assert len(service.store.review_responses) == 3


async def test_an_answer_needs_credentials_before_anything_is_checked_and_a_retry_is_answered_again() -> None:
    service = a_service()
    with pytest.raises(Unauthenticated):
        await service.bus.handle(c.SubmitReviewResponse(service.person("", "anonymous"), c.RequestKey(), "", (), "", ""))
    with pytest.raises(InvalidArgument) as err:
        await service.bus.handle(answer(service, "ann", "", (Rating("x", 0), Rating("x", 3))))
    assert {v.field for v in err.value.violations} == {"review_id", "ratings[0].score", "ratings[1].competency"}
    review_id = await a_review(service)
    key = c.RequestKey("k1", "k1")
    first = await service.bus.handle(answer(service, "ann", review_id, key=key))
    assert await service.bus.handle(answer(service, "ann", review_id, key=key)) == first
    assert len(service.store.review_responses) == 1


async def test_each_person_is_listed_the_reviews_they_take_part_in_with_their_roles() -> None:
    service = a_service()
    service.store.teams["t-other"] = None
    service.store.people.update({"hr-eng": Person(team_id="t-eng"), "hr-other": Person(team_id="t-other"), "fay": Person(team_id="t-other")})
    review_id = await a_review(service)
    fay_review = (await service.bus.handle(c.OpenReviewCycle(
        service.person("hr-other", "hr"), c.RequestKey(), "360", ("fay",), (pb.RATER_GROUP_PEERS,), QUESTIONS, 0, DUE,
    ))).reviews[0].id
    await service.bus.handle(c.NominateRaters(service.person("ann"), c.RequestKey(), review_id, pb.RATER_GROUP_PEERS, ("bob", "cas")))
    await service.bus.handle(c.ApproveRaters(service.person("mgr"), c.RequestKey(), review_id, ("bob",)))
    await service.bus.handle(answer(service, "bob", review_id))

    async def listed(who: str, *role_names: str) -> dict[str, tuple[tuple[bool, bool], int, bool, bool, tuple[tuple[str, bool], ...], int]]:
        entries = await service.bus.ask(c.ListReviews(service.person(who, *role_names)))
        return {e.review.id: ((e.subject, e.lead), e.my_group, e.answered, e.awaiting_approval, e.nominations, e.responses_received) for e in entries}

    nominated = (("bob", True), ("cas", False))
    assert await listed("ann") == {review_id: ((True, False), pb.RATER_GROUP_SELF, False, False, nominated, 1)}
    assert await listed("bob") == {review_id: ((False, False), pb.RATER_GROUP_PEERS, True, False, (), 0)}
    assert await listed("cas") == {review_id: ((False, False), pb.RATER_GROUP_PEERS, False, True, (), 0)}
    assert await listed("mgr") == {review_id: ((False, True), pb.RATER_GROUP_MANAGER, False, False, nominated, 1)}
    assert await listed("boss") == {review_id: ((False, True), 0, False, False, nominated, 1)}, "a manager up the chain leads"
    assert await listed("hr", "hr") == {review_id: ((False, True), 0, False, False, nominated, 1)}, "t-other is not below the root team"
    assert set(await listed("hr-eng", "hr")) == {review_id}
    assert set(await listed("hr-other", "hr")) == {fay_review}
    assert await listed("hr-eng") == {}, "the team without the HR role is nothing"
    assert await listed("eve") == {}
