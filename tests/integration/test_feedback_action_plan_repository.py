"""The action plan's repository, one suite on the fakes, SQLite and PostgreSQL: items read back as written, saved,
listed by due date, and the facts of the dialogue an item is agreed in, whose signatures a new item clears."""
from __future__ import annotations

import datetime as dt

from paars.feedback.v1 import feedback_pb2 as pb
from paars_feedback.adapters import tables as t
from paars_feedback.domain import action_plan as rules
from paars_feedback.domain.action_plan import DialoguePlan
from tests.integration.test_feedback_repository import NOW, Backend, backend, backend_url

__all__ = ["backend", "backend_url"]  # the suite's fixtures, shared with the feedback repository's own tests


async def a_dialogue(backend: Backend, plan: DialoguePlan) -> None:
    if backend.db is None:
        backend.store.dialogue_plans[plan.id] = plan
        return
    async with backend.db.transaction() as conn:
        await conn.execute(t.dialogues.insert().values(
            id=plan.id, kind=pb.DIALOGUE_KIND_PERFORMANCE, employee_id=plan.employee_id, manager_id=plan.manager_id, scheduled_for="2026-03-02",
            state=plan.state, review_id=None, goal_ids=[], shared_notes="", notes_recorded=False, signed_by=list(plan.signed_by),
            version=plan.version, created_at=NOW, updated_at=NOW,
        ))


def an_item(item_id: str, due: dt.date, **kw: object) -> rules.ActionItem:
    values: dict[str, object] = dict(employee_id="ann", owner_id="ann", title=f"Step {item_id}", kind=pb.ACTION_KIND_DEVELOPMENT_STEP, due=due, now=NOW)
    values.update(kw)
    return rules.new_item(item_id, **values)  # type: ignore[arg-type]


async def test_an_item_reads_back_as_written_and_saves_its_progress_and_confirmations(backend: Backend) -> None:
    await a_dialogue(backend, DialoguePlan("d1", "ann", "mgr", pb.Dialogue.STATE_READY, (), 3))
    item = an_item("a1", dt.date(2026, 5, 1), source_dialogue_id="d1", source_goal_id="g1", confirmed_by=("mgr",))
    async with backend.uow() as uow:
        await uow.action_items.add(item)
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.action_items.get("a1") == item
        assert await uow.action_items.get("a9") is None
        moved = rules.confirmed(rules.progressed(item, 0, 30, "begun", NOW), await uow.action_items.dialogue("d1"), "ann", NOW)
        await uow.action_items.save(moved)
        await uow.commit()
    async with backend.uow() as uow:
        saved = await uow.action_items.get("a1", for_update=True)
    assert saved == moved and saved.confirmed_by == ("mgr", "ann") and saved.progress_notes == ("begun",)


async def test_a_plan_lists_by_due_date_and_knows_its_dialogues(backend: Backend) -> None:
    await a_dialogue(backend, DialoguePlan("d1", "ann", "mgr", pb.Dialogue.STATE_HELD, ("ann",), 7))
    async with backend.uow() as uow:
        for item in (an_item("late", dt.date(2026, 9, 1)), an_item("soon", dt.date(2026, 4, 1), source_dialogue_id="d1"), an_item("bob", dt.date(2026, 1, 1), employee_id="bob")):
            await uow.action_items.add(item)
        await uow.commit()
    async with backend.uow() as uow:
        assert [i.id for i in await uow.action_items.of("ann")] == ["soon", "late"]
        plans = await uow.action_items.dialogues(["d1", "d9"])
        assert plans == {"d1": DialoguePlan("d1", "ann", "mgr", pb.Dialogue.STATE_HELD, ("ann",), 7)}
        assert await uow.action_items.dialogue("d9") is None and await uow.action_items.dialogues([]) == {}


async def test_unsigning_clears_the_signatures_and_moves_the_version_on(backend: Backend) -> None:
    plan = DialoguePlan("d1", "ann", "mgr", pb.Dialogue.STATE_HELD, ("ann",), 7)
    await a_dialogue(backend, plan)
    async with backend.uow() as uow:
        await uow.action_items.unsign(plan, NOW)
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.action_items.dialogue("d1") == DialoguePlan("d1", "ann", "mgr", pb.Dialogue.STATE_HELD, (), 8)
