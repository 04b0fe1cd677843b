"""The consumer's and the scheduler's counters count committed work (paars_platform.db.after_commit): a transaction
that rolls back counts nothing, and the same work tried again and committed counts once. Over the fakes, with a
fake database whose transaction keeps its AfterCommit as Database.transaction() does and rolls the store back."""
from __future__ import annotations

import contextlib
import copy
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import pytest
from prometheus_client import REGISTRY

from paars.common.v1 import event_pb2 as ev
from paars.feedback.v1 import feedback_pb2 as fb
from paars.notifications.v1 import notifications_pb2 as pb
from paars_notifications.service_layer.prompting import PromptService
from paars_platform.db import AfterCommit, after_commit, utcnow
from paars_platform.events import new_metadata
from tests.unit.notifications_fakes import FakePromptStore
from tests.unit.test_notifications_consumer import CONN, batch, milestone, service
from tests.unit.test_notifications_parking import failing_rules_for, joined


class CommitFailed(Exception):
    """The database refused the commit (a conflict, a restart)."""


class RollingBack:
    """The fakes' database: one connection; a transaction's writes stay only when it commits, and what after_commit
    registered in it runs only then. `fail_commits` of the next commits fail (the transaction rolls back)."""

    def __init__(self, store: FakePromptStore) -> None:
        self.store = store
        self.fail_commits = 0

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[object]:
        before = copy.deepcopy(vars(self.store))
        pending = AfterCommit()
        pending.open(CONN)
        try:
            yield CONN
            if self.fail_commits:
                self.fail_commits -= 1
                raise CommitFailed()
        except BaseException:
            vars(self.store).update(before)
            raise
        finally:
            pending.close()
        pending.run()


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def inbox_batch(db: RollingBack, prompts: PromptService, *events: Any) -> None:
    """One inbox transaction: the hooks and handlers, then (committed) the after-commit hook of each event."""
    async with db.transaction() as conn:
        prompts.begin(conn)  # type: ignore[arg-type]
        for event in events:
            await prompts.handle(conn, event)  # type: ignore[arg-type]
        await prompts.before_commit(conn)  # type: ignore[arg-type]
    for event in events:
        await prompts.after_commit(event)


def test_after_commit_runs_once_the_transaction_committed_and_never_after_a_rollback() -> None:
    ran: list[str] = []
    committed, rolled_back = AfterCommit(), AfterCommit()
    committed.open("a")
    rolled_back.open("b")
    after_commit("a", lambda: ran.append("a"))
    after_commit("b", lambda: ran.append("b"))
    assert ran == [], "nothing before the commit"
    committed.close()
    rolled_back.close()
    committed.run()
    assert ran == ["a"]
    committed.run()
    assert ran == ["a"], "once"
    after_commit("a", lambda: ran.append("no transaction"))
    assert ran == ["a", "no transaction"], "a connection with no transaction open: at once"


async def test_a_scheduler_round_that_rolls_back_counts_no_release_and_the_round_that_commits_counts_each_once() -> None:
    prompts, store, fanout = service()
    db = RollingBack(store)
    prompts.db = db  # type: ignore[assignment]
    await inbox_batch(db, prompts, milestone("ann"), milestone("mgr"))
    for row in store.prompts.values():
        row.update(state="held", release_at=utcnow() - dt.timedelta(minutes=1), cursor=None, released_at=None)
    fanout.seen.clear()
    kind = pb.PromptKind.Name(pb.PROMPT_KIND_GIVE_FEEDBACK)
    name = "paars_notifications_prompts_released_later_total"
    before = value(name, kind=kind)

    db.fail_commits = 1
    with pytest.raises(CommitFailed):
        await prompts.tick()
    assert value(name, kind=kind) == before, "the round rolled back: nothing was released"
    assert {p["state"] for p in store.prompts.values()} == {"held"} and fanout.seen == []

    released = await prompts.tick()
    assert len(released) == 2
    assert value(name, kind=kind) == before + 2, "each release once"
    assert await prompts.tick() == [] and value(name, kind=kind) == before + 2


async def test_an_inbox_batch_that_rolls_back_counts_no_park_and_the_retry_that_commits_counts_it_once() -> None:
    prompts, store, _ = service()
    db = RollingBack(store)
    goal = milestone("zoe")  # zoe's record has not come: the event is parked
    topic = "goals.goal-updated.v1"
    parked = value("paars_notifications_events_parked_total", topic=topic)
    unparked = value("paars_notifications_events_unparked_total", reason="known")

    db.fail_commits = 1
    with pytest.raises(CommitFailed):
        await inbox_batch(db, prompts, goal)
    assert store.parked_events == {} and value("paars_notifications_events_parked_total", topic=topic) == parked
    await inbox_batch(db, prompts, goal)  # the inbox tries the event again, alone
    assert len(store.parked_events) == 1 and value("paars_notifications_events_parked_total", topic=topic) == parked + 1

    db.fail_commits = 1
    with pytest.raises(CommitFailed):
        await inbox_batch(db, prompts, joined("zoe", "mgr"))
    assert value("paars_notifications_events_unparked_total", reason="known") == unparked
    await inbox_batch(db, prompts, joined("zoe", "mgr"))
    assert store.parked_events == {} and value("paars_notifications_events_unparked_total", reason="known") == unparked + 1


async def test_a_prompt_acted_on_is_counted_when_its_batch_commits() -> None:
    prompts, store, _ = service(dt.timedelta(minutes=1))
    db = RollingBack(store)
    await inbox_batch(db, prompts, milestone("ann"))
    [row] = store.prompts.values()
    given = fb.FeedbackGiven(  # the manager gives the feedback the prompt asked for
        metadata=new_metadata(producer="feedback", subject_id="ann", visibility=ev.VISIBILITY_RECEIVER_AND_MANAGER, actor_id="mgr"),
        feedback_id="f1", giver_id="mgr", receiver_id="ann",
    )
    kind = pb.PromptKind.Name(row["kind"])
    acted = value("paars_notifications_prompts_acted_total", kind=kind)

    db.fail_commits = 1
    with pytest.raises(CommitFailed):
        await inbox_batch(db, prompts, given)
    assert value("paars_notifications_prompts_acted_total", kind=kind) == acted
    await inbox_batch(db, prompts, given)
    assert store.prompts[row["id"]]["acted"] and value("paars_notifications_prompts_acted_total", kind=kind) == acted + 1


async def test_without_a_transaction_the_fakes_count_at_once_as_before() -> None:
    prompts, store, _ = service()
    topic = "goals.goal-updated.v1"
    parked = value("paars_notifications_events_parked_total", topic=topic)
    await batch(prompts, milestone("zoe"))
    assert len(store.parked_events) == 1 and value("paars_notifications_events_parked_total", topic=topic) == parked + 1


async def test_a_record_whose_transaction_rolls_back_neither_deletes_nor_dead_letters_the_parked_event_whose_rules_fail(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    prompts, store, _ = service()
    db = RollingBack(store)
    goal = milestone("zoe")
    await inbox_batch(db, prompts, goal)
    failing_rules_for(monkeypatch, goal)
    topic = "goals.goal-updated.v1"
    letters = value("paars_notifications_dead_letters_total", topic=topic, reason="handler-failed")
    failed = value("paars_notifications_events_unparked_total", reason="failed")

    db.fail_commits = 1
    with pytest.raises(CommitFailed):
        await inbox_batch(db, prompts, joined("zoe", "mgr"))
    assert len(store.parked_events) == 1 and store.dead_letters == [], "rolled back: still parked, no dead letter"
    assert value("paars_notifications_dead_letters_total", topic=topic, reason="handler-failed") == letters
    assert value("paars_notifications_events_unparked_total", reason="failed") == failed

    await inbox_batch(db, prompts, joined("zoe", "mgr"))
    assert store.parked_events == {} and len(store.dead_letters) == 1
    assert value("paars_notifications_dead_letters_total", topic=topic, reason="handler-failed") == letters + 1
    assert value("paars_notifications_events_unparked_total", reason="failed") == failed + 1
