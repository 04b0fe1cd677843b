"""The purple dialogue's repository, one suite on the fakes, SQLite and PostgreSQL: a dialogue and its preparations
read back as written, a save only on the version it read, a person's dialogues, the manager from the directory."""
from __future__ import annotations

import pytest

from paars.feedback.v1 import feedback_pb2 as pb
from paars_feedback.domain.dialogue import Dialogue
from paars_platform.errors import StaleVersion
from tests.integration.test_feedback_repository import NOW, Backend, backend, backend_url

__all__ = ["backend", "backend_url"]  # the suite's fixtures, shared with the feedback repository's own tests


def a_dialogue(dialogue_id: str, employee: str = "ann", manager: str = "mgr", when: str = "2026-03-05") -> Dialogue:
    return Dialogue.schedule(
        dialogue_id, kind=pb.DIALOGUE_KIND_EVALUATION, employee_id=employee, manager_id=manager, scheduled_for=when, review_id="", goal_ids=("g1",), now=NOW,
    )


async def test_a_dialogue_and_its_preparations_read_back_as_written(backend: Backend) -> None:
    dialogue = a_dialogue("d1")
    async with backend.uow() as uow:
        await uow.dialogues.add(dialogue)
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.dialogues.get("d1") == dialogue and await uow.dialogues.get("d9") is None
        stored = await uow.dialogues.get("d1")
        assert stored is not None
        prepared, mine = stored.prepare("ann", "Ann's view", ("growth",), NOW)
        await uow.dialogues.save_preparation("d1", mine)
        await uow.dialogues.save(prepared, stored.version)
        await uow.commit()
    async with backend.uow() as uow:
        again = await uow.dialogues.get("d1")
        assert again is not None
        revised, mine = again.prepare("ann", "Ann's second view", (), NOW)
        await uow.dialogues.save_preparation("d1", mine)
        await uow.dialogues.save(revised, again.version)
        await uow.commit()
    async with backend.uow() as uow:
        saved = await uow.dialogues.get("d1")
    assert saved == revised and [(p.author_id, p.reflection, p.agenda_items) for p in saved.preparations] == [("ann", "Ann's second view", ())]


async def test_a_save_on_an_older_version_is_refused_and_keeps_nothing(backend: Backend) -> None:
    dialogue = a_dialogue("d1")
    async with backend.uow() as uow:
        await uow.dialogues.add(dialogue)
        await uow.commit()
    async with backend.uow() as uow:
        with pytest.raises(StaleVersion):
            await uow.dialogues.save(dialogue._next(NOW, shared_notes="late", notes_recorded=True), dialogue.version + 3)
    async with backend.uow() as uow:
        assert await uow.dialogues.get("d1") == dialogue


async def test_a_person_finds_their_dialogues_and_the_directory_names_their_manager(backend: Backend) -> None:
    await backend.person("mgr")
    await backend.person("ann", "mgr")
    async with backend.uow() as uow:
        for d in (a_dialogue("d1", when="2026-03-05"), a_dialogue("d2", when="2026-06-01"), a_dialogue("d3", employee="bob")):
            await uow.dialogues.add(d)
        await uow.commit()
    async with backend.uow() as uow:
        assert {d.id for d in await uow.dialogues.of("ann")} == {"d1", "d2"}
        assert {d.id for d in await uow.dialogues.of("mgr")} == {"d1", "d2", "d3"}
        assert await uow.dialogues.of("zed") == []
        assert await uow.directory.manager_of("ann") == "mgr" and await uow.directory.manager_of("mgr") is None
