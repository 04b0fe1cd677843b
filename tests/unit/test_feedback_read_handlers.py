"""Reading feedback through the message bus over fake repositories: one item, pages of a list, the summary and
the read audit, each as the privacy policy allows, without a database or a broker."""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from paars.common.v1 import event_pb2
from paars.feedback.v1 import feedback_pb2 as pb
from paars_feedback.domain.feedback import Example, Feedback, ReadRecord
from paars_feedback.service_layer import commands as c
from paars_platform.errors import InvalidArgument, NotFound, PermissionDenied
from tests.unit.feedback_fakes import NOW, FakeService, Person

RM = event_pb2.VISIBILITY_RECEIVER_AND_MANAGER
ANON = event_pb2.VISIBILITY_ANONYMOUS_AGGREGATE
PRIVATE = event_pb2.VISIBILITY_PRIVATE


def a_service() -> FakeService:
    """mgr -> ann, bob; hr in the root team; ann's coach is cas."""
    service = FakeService()
    service.store.teams.update({"t-root": None, "t-eng": "t-root"})
    service.store.people.update({
        "mgr": Person(team_id="t-eng"), "ann": Person(manager_id="mgr", team_id="t-eng"), "bob": Person(manager_id="mgr", team_id="t-eng"),
        "cas": Person(), "hr": Person(team_id="t-root"), "dan": Person(team_id="t-eng"),
    })
    service.store.coaches["ann"] = ("cas", "ann", NOW)
    return service


def item(service: FakeService, item_id: str, giver: str = "bob", receiver: str = "ann", *, ago: int = 0, **kw: Any) -> Feedback:
    values: dict[str, Any] = dict(
        id=item_id, giver_id=giver, receiver_id=receiver, kind=pb.FEEDBACK_KIND_PRAISE, relation=pb.RELATION_PEER,
        setting=pb.FEEDBACK_SETTING_INFORMAL, text=f"text of {item_id}", examples=(), visibility=RM, goal_ids=(), tags=(),
        moment_at=NOW - dt.timedelta(minutes=ago, hours=2), given_at=NOW - dt.timedelta(minutes=ago),
    )
    values.update(kw)
    feedback = Feedback(**values)
    service.store.feedback[item_id] = feedback
    return feedback


def listing(caller: Any, receiver: str = "", giver: str = "", size: int = 0, token: str = "") -> c.ListFeedback:
    return c.ListFeedback(caller, receiver, giver, size, token)


async def test_the_receiver_reads_an_item_whole_and_reading_about_oneself_is_not_audited() -> None:
    service = a_service()
    item(service, "f1")
    shown = await service.bus.ask(c.GetFeedback(service.person("ann"), "f1"))
    assert shown.feedback.id == "f1" and shown.view.content and shown.view.giver
    assert service.store.reads == [] and service.store.commits == 0


async def test_the_manager_reads_it_and_that_read_is_in_the_audit() -> None:
    service = a_service()
    item(service, "f1")
    shown = await service.bus.ask(c.GetFeedback(service.person("mgr"), "f1"))
    assert shown.view.content
    [line] = service.store.reads
    assert (line.subject_id, line.item_id, line.reader_id, line.basis, line.path, line.at) == ("ann", "f1", "mgr", "manager", "GetFeedback", NOW)


async def test_a_colleague_may_not_read_a_private_item_and_an_anonymous_one_is_only_counted() -> None:
    service = a_service()
    item(service, "f1", visibility=PRIVATE)
    item(service, "f2", visibility=ANON)
    with pytest.raises(PermissionDenied, match="not yours to read"):
        await service.bus.ask(c.GetFeedback(service.person("dan"), "f1"))
    with pytest.raises(PermissionDenied, match="only counts and averages"):
        await service.bus.ask(c.GetFeedback(service.person("ann"), "f2"))
    with pytest.raises(NotFound):
        await service.bus.ask(c.GetFeedback(service.person("ann"), "f9"))
    with pytest.raises(InvalidArgument, match="feedback_id"):
        await service.bus.ask(c.GetFeedback(service.person("ann"), ""))


async def test_the_coach_reads_only_what_was_shared_with_them() -> None:
    service = a_service()
    item(service, "f1", visibility=PRIVATE)
    with pytest.raises(PermissionDenied):
        await service.bus.ask(c.GetFeedback(service.person("cas"), "f1"))
    service.store.shares[("ann", "feedback", "f1")] = NOW
    assert (await service.bus.ask(c.GetFeedback(service.person("cas"), "f1"))).view.content


async def test_a_list_pages_newest_first_with_a_cursor() -> None:
    service = a_service()
    for i in range(5):
        item(service, f"f{i}", ago=i)
    first = await service.bus.ask(listing(service.person("ann"), size=2))
    assert [s.feedback.id for s in first.items] == ["f0", "f1"] and first.more
    token = c.PageAfter(first.items[-1].feedback.given_at, first.items[-1].feedback.id).token()
    second = await service.bus.ask(listing(service.person("ann"), size=2, token=token))
    assert [s.feedback.id for s in second.items] == ["f2", "f3"]
    with pytest.raises(InvalidArgument, match="page_token"):
        await service.bus.ask(listing(service.person("ann"), token="garbage"))
    with pytest.raises(InvalidArgument, match="page_size"):
        await service.bus.ask(listing(service.person("ann"), size=500))


async def test_a_list_by_giver_hides_items_whose_giver_the_reader_may_not_see() -> None:
    service = a_service()
    item(service, "f1")
    item(service, "f2", visibility=ANON)
    item(service, "f3", receiver="bob", giver="dan")
    by_bob = await service.bus.ask(listing(service.person("mgr"), giver="bob"))
    assert [s.feedback.id for s in by_bob.items] == ["f1"]
    own = await service.bus.ask(listing(service.person("bob"), giver="bob"))
    assert sorted(s.feedback.id for s in own.items) == ["f1", "f2"]
    # The author's own anonymous item: no read audit line (it would tell the receiver who wrote it).
    assert [(r.item_id, r.basis) for r in service.store.reads] == [("f1", "manager"), ("f1", "author")]


async def test_the_manager_listing_is_audited_item_by_item() -> None:
    service = a_service()
    item(service, "f1")
    item(service, "f2", visibility=PRIVATE)
    page = await service.bus.ask(listing(service.person("mgr"), receiver="ann"))
    assert [s.feedback.id for s in page.items] == ["f1"]
    assert [(r.item_id, r.reader_id, r.path) for r in service.store.reads] == [("f1", "mgr", "ListFeedback")]


async def test_the_summary_counts_what_the_reader_may_count_anonymous_items_included() -> None:
    service = a_service()
    item(service, "f1", kind=pb.FEEDBACK_KIND_CONSTRUCTIVE, examples=(Example("s", "b", "i"),), acknowledged_at=NOW)
    item(service, "f2", visibility=ANON, relation=pb.RELATION_MANAGER, giver="mgr")
    item(service, "f3", visibility=PRIVATE)
    mine = await service.bus.ask(c.GetFeedbackSummary(service.person("ann"), ""))
    assert (mine.total, mine.anonymous, mine.with_example, mine.acknowledged) == (3, 1, 1, 1)
    assert mine.by_kind == {pb.FEEDBACK_KIND_CONSTRUCTIVE: 1, pb.FEEDBACK_KIND_PRAISE: 2}
    assert mine.by_relation == {pb.RELATION_PEER: 2} and mine.average_delay_hours == 2.0
    managers = await service.bus.ask(c.GetFeedbackSummary(service.person("mgr"), "ann"))
    assert managers.total == 2
    with pytest.raises(NotFound, match="employee_id"):
        await service.bus.ask(c.GetFeedbackSummary(service.person("ann"), "zed"))


async def test_the_read_audit_is_for_the_person_and_hr() -> None:
    service = a_service()
    item(service, "f1")
    await service.bus.ask(c.GetFeedback(service.person("mgr"), "f1"))
    reads = await service.bus.ask(c.ListReads(service.person("ann"), ""))
    assert reads == [ReadRecord("ann", "mgr", "manager", "f1", "GetFeedback", NOW)]
    assert await service.bus.ask(c.ListReads(service.person("hr", "hr"), "ann")) == reads
    with pytest.raises(PermissionDenied):
        await service.bus.ask(c.ListReads(service.person("mgr"), "ann"))


async def test_recording_reads_writes_each_line_in_one_commit() -> None:
    service = a_service()
    lines = (ReadRecord("ann", "mgr", "manager", "f1", "ListFeedback", NOW), ReadRecord("ann", "mgr", "manager", "f2", "ListFeedback", NOW))
    assert await service.bus.handle(c.RecordReads(c.SERVICE_CALLER, c.RequestKey(), lines)) == 2
    assert [r.item_id for r in service.store.reads] == ["f1", "f2"] and service.store.commits == 1
