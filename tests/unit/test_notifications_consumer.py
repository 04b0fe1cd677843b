"""The consumer's handler (PromptService: an inbox batch's events -> prompts) over the in-memory store and read
cache (tests/unit/notifications_fakes.py): what a batch stores, releases, closes and publishes, and that its
statements are made once at the batch's end, not per event."""
from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from collections.abc import AsyncIterator
from typing import Any

from paars.analytics.v1 import analytics_pb2 as an
from paars.common.v1 import event_pb2 as ev
from paars.feedback.v1 import feedback_pb2 as fb
from paars.goals.v1 import goals_pb2 as gl
from paars.notifications.v1 import notifications_pb2 as pb
from paars.org.v1 import org_pb2
from paars.story.v1 import story_pb2 as st
from paars_notifications.adapters.fanout import FanOut
from paars_notifications.config import NotificationsConfig
from paars_notifications.service_layer.prompting import PromptService
from paars_platform.db import utcnow
from paars_platform.events import new_metadata
from tests.unit.notifications_fakes import FakePromptStore, FakeReadCache

CONN = object()  # the inbox's connection: the fakes need none


class Published(FanOut):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[pb.Prompt] = []

    def publish(self, prompts: Any) -> None:
        self.seen += list(prompts)


def person(person_id: str, manager: str = "", *, hr: bool = False, version: int = 1) -> dict[str, Any]:
    return dict(id=person_id, name=person_id.upper(), email=f"{person_id}@x.example", manager_id=manager or None, time_zone="UTC", hr=hr, active=True, version=version)


def service(behind: dt.timedelta = dt.timedelta()) -> tuple[PromptService, FakePromptStore, Published]:
    store = FakePromptStore()
    for p in (person("boss"), person("mgr", "boss"), person("ann", "mgr"), person("bob", "mgr"), person("hr", "boss", hr=True)):
        store.people[p["id"]] = p
    fanout = Published()
    prompts = PromptService(NotificationsConfig(), fanout, lambda: utcnow() - behind, cache=FakeReadCache(store), repository=store)
    return prompts, store, fanout


def milestone(owner: str, percent: int = 50) -> gl.GoalUpdated:
    return gl.GoalUpdated(
        metadata=new_metadata(producer="goals", subject_id=owner, visibility=ev.VISIBILITY_RECEIVER_AND_MANAGER, actor_id=owner),
        changes=[gl.GoalUpdated.CHANGE_PROGRESS], milestone_percent=percent, confidence=4,
        goal=gl.Goal(id=uuid.uuid4().hex, title="T", owner_id=owner, agreement=gl.AGREEMENT_STATE_AGREED, status=gl.GOAL_STATUS_ON_TRACK, progress=percent / 100),
    )


class OneConnection:
    """The scheduler's database: a transaction is the fakes' one connection."""

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[object]:
        yield CONN


async def batch(prompts: PromptService, *events: Any) -> None:
    prompts.begin(CONN)  # type: ignore[arg-type]
    for event in events:
        await prompts.handle(CONN, event)  # type: ignore[arg-type]
    await prompts.before_commit(CONN)  # type: ignore[arg-type]
    for event in events:
        await prompts.after_commit(event)


async def test_a_batch_is_written_once_at_its_end_and_each_events_prompts_are_pushed_after_the_commit() -> None:
    prompts, store, fanout = service()
    events = [milestone("ann"), milestone("bob"), milestone("mgr")]
    prompts.begin(CONN)  # type: ignore[arg-type]
    for event in events:
        await prompts.handle(CONN, event)  # type: ignore[arg-type]
    assert store.calls == [] and store.prompts == {}, "the handlers only apply the rules"
    await prompts.before_commit(CONN)  # type: ignore[arg-type]
    assert store.calls == ["read", "add", "write"], "one of each for the whole batch"
    assert fanout.seen == [], "nothing on a stream before the commit"
    for event in events:
        await prompts.after_commit(event)
    assert sorted((p.recipient_id, p.cursor) for p in fanout.seen) == [("boss", 1), ("mgr", 1), ("mgr", 2)]
    assert sorted(type(e).__name__ for e in store.outbox) == ["PromptSent"] * 3
    assert {p["cause_event_id"] for p in store.prompts.values()} == {e.metadata.event_id for e in events}


async def test_without_begin_an_event_is_written_at_once() -> None:
    prompts, store, _ = service()
    await prompts.handle(CONN, milestone("ann"))  # type: ignore[arg-type]
    assert store.calls == ["read", "add", "write"] and len(store.prompts) == 1


async def test_an_action_in_the_same_batch_closes_the_prompt_an_earlier_event_made() -> None:
    prompts, store, _ = service(dt.timedelta(minutes=1))  # the clock behind the events: an action may close a prompt just made
    first = milestone("ann")
    given = fb.FeedbackGiven(
        metadata=new_metadata(producer="feedback", subject_id="ann", visibility=ev.VISIBILITY_RECEIVER_AND_MANAGER, actor_id="mgr"),
        feedback_id="f1", giver_id="mgr", receiver_id="ann",
    )
    await batch(prompts, first, given)
    [mgr_prompt] = [p for p in store.prompts.values() if p["recipient_id"] == "mgr"]
    assert (mgr_prompt["acted"], mgr_prompt["action_event_id"]) == (True, given.metadata.event_id)
    assert store.calls == ["read", "add", "write", "read", "add", "write"], "cut in two runs"
    assert [type(e).__name__ for e in store.outbox].count("PromptActed") == 1


async def test_a_held_prompt_is_dropped_when_its_person_already_acted() -> None:
    prompts, store, _ = service(dt.timedelta(minutes=1))
    ann_goal = milestone("ann")
    await batch(prompts, ann_goal)
    [row] = store.prompts.values()
    row["state"] = "held"
    check_in = milestone("ann")
    check_in.metadata.actor_id = "mgr"
    await batch(prompts, check_in, fb.FeedbackGiven(
        metadata=new_metadata(producer="feedback", subject_id="ann", visibility=ev.VISIBILITY_RECEIVER_AND_MANAGER, actor_id="mgr"),
        feedback_id="f1", giver_id="mgr", receiver_id="ann",
    ))
    assert store.prompts[row["id"]]["state"] == "dropped"


async def test_one_moment_from_goals_and_from_analytics_is_one_prompt_and_the_budget_holds_the_rest() -> None:
    prompts, store, _ = service()
    first = milestone("ann")
    insight = an.InsightDetected(
        metadata=new_metadata(producer="analytics", subject_id="ann", visibility=ev.VISIBILITY_RECEIVER_AND_MANAGER),
        insight=an.Insight(id="i1", kind=an.INSIGHT_KIND_MOMENT_FOR_FEEDBACK, severity=an.SEVERITY_ATTENTION, subject_id="ann", actors=["mgr"], evidence_event_ids=[first.metadata.event_id]),
    )
    await batch(prompts, first, insight, *(milestone("bob") for _ in range(5)))
    mgr = sorted((p for p in store.prompts.values() if p["recipient_id"] == "mgr"), key=lambda p: p["created_at"])
    assert len(mgr) == 6, "the insight added nothing for the same moment"
    assert [p["state"] for p in mgr].count("released") == 4 and [p["digest"] for p in mgr].count(True) == 2, "normal priority: 4 of the week's 5"


async def test_a_directory_change_is_projected_where_it_comes_after_the_events_before_it_are_written() -> None:
    prompts, store, _ = service()
    moved = org_pb2.EmployeeChanged(
        metadata=new_metadata(producer="goals", subject_id="ann", visibility=ev.VISIBILITY_INTERNAL),
        change=org_pb2.EmployeeChanged.CHANGE_UPDATED,
        employee=org_pb2.Employee(id="ann", name="ANN", manager_id="boss", active=True, version=2, time_zone="UTC"),
    )
    await batch(prompts, milestone("ann"), moved, milestone("ann"))
    assert store.calls == ["read", "add", "write", "project", "read", "add", "write"]
    assert sorted(p["recipient_id"] for p in store.prompts.values()) == ["boss", "mgr"], "before the move mgr, after it boss"


async def test_a_story_and_a_referral_reach_their_groups() -> None:
    prompts, store, _ = service()
    story = st.StoryPublished(
        metadata=new_metadata(producer="story", subject_id="organisation", visibility=ev.VISIBILITY_PUBLIC, actor_id="boss"),
        story=st.StoryVersion(version=2, published=True),
    )
    referral = fb.ReferralRaised(metadata=new_metadata(producer="feedback", subject_id="ann", visibility=ev.VISIBILITY_HR_ONLY, actor_id="mgr"), referral_id="r1")
    again = st.StoryPublished()
    again.CopyFrom(story)
    again.metadata.event_id = uuid.uuid4().hex
    await batch(prompts, story, referral, again)
    got = sorted((p["recipient_id"], p["kind"]) for p in store.prompts.values())
    readers = [(p, pb.PROMPT_KIND_STORY_CHANGED) for p in ("ann", "bob", "hr")]
    assert got == sorted([("boss", pb.PROMPT_KIND_TEAM_STORY), ("hr", pb.PROMPT_KIND_REFERRAL), ("mgr", pb.PROMPT_KIND_TEAM_STORY), *readers]), (
        "the managers about their team, everyone else to read it, each once although the story came twice"
    )


async def test_conversations_events_in_one_batch_a_held_1_1_closes_the_agenda_prompt_its_own_batch_drafted() -> None:
    from paars.conversations.v1 import conversations_pb2 as cv

    prompts, store, _ = service()
    on = (utcnow().date() + dt.timedelta(days=7)).isoformat()
    private = ev.VISIBILITY_PRIVATE
    scheduled = cv.OneOnOneScheduled(metadata=new_metadata(producer="conversations", subject_id="ann", visibility=private), meeting_id="m1", lead_id="mgr", other_id="ann", scheduled_on=on)
    # Held after the prompts were made (an action closes only prompts created before it).
    later = utcnow() + dt.timedelta(minutes=1)
    held = cv.OneOnOneHeld(metadata=new_metadata(producer="conversations", subject_id="ann", visibility=private, occurred_at=later), meeting_id="m1", lead_id="mgr", other_id="ann", held_on=on)
    raised = cv.ConcernUpdated(metadata=new_metadata(producer="conversations", subject_id="c1", visibility=ev.VISIBILITY_HR_ONLY), concern_id="c1", state=cv.CONCERN_STATE_RAISED)
    await batch(prompts, scheduled, held, raised)
    got = sorted((p["recipient_id"], p["kind"], p["acted"] or p["state"] == "dropped") for p in store.prompts.values())
    assert got == sorted([
        ("mgr", pb.PROMPT_KIND_ONE_ON_ONE_AGENDA, True), ("ann", pb.PROMPT_KIND_ONE_ON_ONE_AGENDA, True),
        ("mgr", pb.PROMPT_KIND_ONE_ON_ONE_AGREEMENTS, False), ("ann", pb.PROMPT_KIND_ONE_ON_ONE_AGREEMENTS, False),
        ("mgr", pb.PROMPT_KIND_ONE_ON_ONE_FEEDBACK, False), ("ann", pb.PROMPT_KIND_ONE_ON_ONE_FEEDBACK, False),
        ("hr", pb.PROMPT_KIND_BOUNDARY_CONCERN, False),
    ]), "held in the same batch: the agenda prompts are closed; the concern reaches HR alone"


async def test_a_prompt_before_a_1_1_waits_for_its_lead_time_shows_nowhere_until_then_and_the_scheduler_releases_it_once() -> None:
    from paars.conversations.v1 import conversations_pb2 as cv

    prompts, store, fanout = service()
    private = ev.VISIBILITY_PRIVATE
    on = utcnow().date() + dt.timedelta(days=7)

    def plan(meeting: str, day: dt.date) -> cv.OneOnOneScheduled:
        return cv.OneOnOneScheduled(
            metadata=new_metadata(producer="conversations", subject_id="ann", visibility=private), meeting_id=meeting, lead_id="mgr",
            other_id="ann", scheduled_on=day.isoformat(),
        )

    await batch(prompts, plan("far", on), plan("soon", utcnow().date() + dt.timedelta(days=1)))
    rows = {(p["recipient_id"], p["ref_id"]): p for p in store.prompts.values()}
    due = dt.datetime.combine(on - dt.timedelta(days=2), dt.time(9, 0), tzinfo=dt.UTC)
    assert {(k, r["state"], r["release_at"]) for k, r in rows.items() if k[1] == "far"} == {
        (("mgr", "far"), "held", due), (("ann", "far"), "held", due),
    }
    assert {(k, r["state"]) for k, r in rows.items() if k[1] == "soon"} == {(("mgr", "soon"), "released"), (("ann", "soon"), "released")}
    assert {p.ref_id for p in fanout.seen} == {"soon"}, "a prompt not yet released is on no stream, in no delivery"
    assert all(r["cursor"] is None for k, r in rows.items() if k[1] == "far")

    # Its time comes: the scheduler's round releases each once; the next round finds nothing.
    prompts.clock = lambda: due + dt.timedelta(minutes=1)
    prompts.db = OneConnection()  # type: ignore[assignment]
    released = await prompts.tick()
    assert sorted((p.recipient_id, p.ref_id) for p in released) == [("ann", "far"), ("mgr", "far")]
    assert await prompts.tick() == []
    assert sorted(p.ref_id for p in fanout.seen) == ["far", "far", "soon", "soon"]


# ---------- one moment, one prompt: a held lower-priority prompt gives the moment to a higher one ----------


def moment_insight(moment: gl.GoalUpdated, *actors: str) -> an.InsightDetected:
    """analytics' MOMENT_FOR_FEEDBACK about a milestone, at SEVERITY_INFO: a LOW prompt linking to the dashboard."""
    return an.InsightDetected(
        metadata=new_metadata(producer="analytics", subject_id="ann", visibility=ev.VISIBILITY_RECEIVER_AND_MANAGER, causation_id=moment.metadata.event_id),
        insight=an.Insight(
            id=uuid.uuid4().hex, kind=an.INSIGHT_KIND_MOMENT_FOR_FEEDBACK, severity=an.SEVERITY_INFO, subject_id="ann",
            actors=list(actors), evidence_event_ids=[moment.metadata.event_id],
        ),
    )


def spend(store: FakePromptStore, recipient: str, n: int) -> None:
    """n prompts released to the recipient this week: each used a slot of the budget."""
    for _ in range(n):
        prompt_id = uuid.uuid4().hex
        store.prompts[prompt_id] = dict(
            id=prompt_id, recipient_id=recipient, kind=pb.PROMPT_KIND_CHECK_IN, priority=pb.PRIORITY_NORMAL, title="t", body="b",
            about_id="x", ref_id="x", cause_event_id=uuid.uuid4().hex, cause_type="t", cause_topic="t", cause_occurred_at=utcnow(),
            visibility=0, created_at=utcnow(), state="released", release_at=utcnow(), released_at=utcnow(), cursor=None, digest=False,
            budgeted=True, read=False, acted=False, acted_at=None, action_event_id=None, moment_id=None,
        )


def about_the_moment(store: FakePromptStore, recipient: str) -> list[dict[str, Any]]:
    return [p for p in store.prompts.values() if p["recipient_id"] == recipient and p["kind"] in (pb.PROMPT_KIND_INSIGHT, pb.PROMPT_KIND_GIVE_FEEDBACK)]


async def test_in_one_batch_the_milestone_after_a_low_insight_is_stored_first_and_the_insight_not_at_all() -> None:
    """The colleague's case: both in one fetch, the insight first, mgr past the LOW share (3 of 5) but not the NORMAL
    one (4). The milestone's draft is stored first (batches.by_moment_priority): live, and the insight's draft is then
    refused by the moment, held by a prompt not lower than it; nothing to withdraw."""
    prompts, store, fanout = service()
    spend(store, "mgr", 3)
    goal = milestone("ann")
    await batch(prompts, moment_insight(goal, "mgr"), goal)
    [milestone_prompt] = about_the_moment(store, "mgr")
    assert (milestone_prompt["kind"], milestone_prompt["state"], milestone_prompt["moment_id"], milestone_prompt["budgeted"]) == (
        pb.PROMPT_KIND_GIVE_FEEDBACK, "released", goal.metadata.event_id, True)
    assert [(p.kind, p.ref_id) for p in fanout.seen] == [(pb.PROMPT_KIND_GIVE_FEEDBACK, goal.goal.id)], "the milestone's prompt, live"
    assert [e.prompt_id for e in store.outbox if isinstance(e, pb.PromptSent)] == [milestone_prompt["id"]]
    assert store.calls == ["read", "add", "rivals", "write"], "the moment's holder is read only for the refused draft, and kept"


async def test_a_held_low_insight_from_an_earlier_batch_gives_its_moment_and_a_redelivery_changes_nothing() -> None:
    prompts, store, fanout = service()
    spend(store, "mgr", 3)
    goal = milestone("ann")
    insight = moment_insight(goal, "mgr")
    await batch(prompts, insight)
    [held] = about_the_moment(store, "mgr")
    assert (held["state"], held["digest"]) == ("held", True), "past the LOW share: for the digest"
    await batch(prompts, goal)
    assert sorted((p["kind"], p["state"]) for p in about_the_moment(store, "mgr")) == [
        (pb.PROMPT_KIND_GIVE_FEEDBACK, "released"), (pb.PROMPT_KIND_INSIGHT, "withdrawn"),
    ]
    before = {i: dict(p) for i, p in store.prompts.items()}
    sent = len(store.outbox)
    await batch(prompts, goal)
    await batch(prompts, insight)
    assert store.prompts == before and len(store.outbox) == sent, "the same events again: nothing changes"
    assert [p.kind for p in fanout.seen] == [pb.PROMPT_KIND_GIVE_FEEDBACK]

    # The digest's hour: the withdrawn insight is in no digest.
    withdrawn = next(p for p in about_the_moment(store, "mgr") if p["kind"] == pb.PROMPT_KIND_INSIGHT)
    prompts.clock = lambda: withdrawn["release_at"] + dt.timedelta(minutes=1)
    prompts.db = OneConnection()  # type: ignore[assignment]
    assert await prompts.tick() == []
    assert store.prompts[withdrawn["id"]]["state"] == "withdrawn"


async def test_the_milestone_first_keeps_its_moment_and_a_delivered_insight_keeps_it_too() -> None:
    prompts, store, _ = service()
    spend(store, "mgr", 3)
    goal = milestone("ann")
    await batch(prompts, goal, moment_insight(goal, "mgr"))
    assert [(p["kind"], p["state"]) for p in about_the_moment(store, "mgr")] == [(pb.PROMPT_KIND_GIVE_FEEDBACK, "released")]

    # Under the budget the insight of an earlier batch went out live: it was delivered, so the milestone after it adds nothing.
    prompts, store, fanout = service()
    goal = milestone("ann")
    await batch(prompts, moment_insight(goal, "mgr"))
    await batch(prompts, goal)
    assert [(p["kind"], p["state"]) for p in about_the_moment(store, "mgr")] == [(pb.PROMPT_KIND_INSIGHT, "released")]
    assert [p.kind for p in fanout.seen] == [pb.PROMPT_KIND_INSIGHT]

    # The same two in one batch, the insight first: nothing was delivered yet, and the milestone is stored first.
    prompts, store, fanout = service()
    goal = milestone("ann")
    await batch(prompts, moment_insight(goal, "mgr"), goal)
    assert [(p["kind"], p["state"]) for p in about_the_moment(store, "mgr")] == [(pb.PROMPT_KIND_GIVE_FEEDBACK, "released")]
    assert [p.kind for p in fanout.seen] == [pb.PROMPT_KIND_GIVE_FEEDBACK]


async def test_of_the_same_priority_the_first_held_prompt_keeps_the_moment() -> None:
    prompts, store, _ = service()
    spend(store, "mgr", 4)  # past the NORMAL share too
    goal = milestone("ann")
    insight = moment_insight(goal, "mgr")
    insight.insight.severity = an.SEVERITY_ATTENTION  # NORMAL, as the milestone
    await batch(prompts, insight, goal)
    assert [(p["kind"], p["state"]) for p in about_the_moment(store, "mgr")] == [(pb.PROMPT_KIND_INSIGHT, "held")]


async def test_a_prompt_that_takes_a_moment_goes_through_the_policy_and_the_withdrawn_one_gives_back_its_slot() -> None:
    """Quiet hours all day: the LOW insight is held until they end and uses a slot; the milestone takes its moment, is
    itself held for the quiet hours (not shown at once), and the week still counts one slot for the moment."""
    from paars_notifications.domain.policy import DeliveryPreferences

    prompts, store, fanout = service()
    now = utcnow()
    quiet = DeliveryPreferences(time_zone="UTC", quiet_start=(now - dt.timedelta(hours=1)).strftime("%H:%M"), quiet_end=(now + dt.timedelta(hours=2)).strftime("%H:%M"))
    prompts.cache = FakeReadCache(store, {"mgr": quiet})
    goal = milestone("ann")
    await batch(prompts, moment_insight(goal, "mgr"))
    await batch(prompts, goal)
    rows = {p["kind"]: p for p in about_the_moment(store, "mgr")}
    assert (rows[pb.PROMPT_KIND_GIVE_FEEDBACK]["state"], rows[pb.PROMPT_KIND_GIVE_FEEDBACK]["budgeted"]) == ("held", True)
    assert (rows[pb.PROMPT_KIND_INSIGHT]["state"], rows[pb.PROMPT_KIND_INSIGHT]["budgeted"]) == ("withdrawn", False)
    assert fanout.seen == []
