"""Issue 18 item 6 in conversations, over the fakes: HR reading or handling a concern someone else raised, and HR
reading who is in a circle they are not in, are privileged acts about that person; a person's own reads and a
manager's ordinary reads (their report's 1:1) are none. The SQL lines and ListPrivilegedActions are
tests/integration/test_privileged_reads.py."""
from __future__ import annotations

import datetime as dt

from paars_conversations.domain import concerns as cn
from paars_conversations.domain import one_on_one as o
from paars_conversations.service_layer import commands as c
from paars_platform.privileged import PrivilegedAct
from tests.unit.conversations_fakes import bus, organisation, person

MGR, ANN, HR, NIA = person("mgr", "manager"), person("ann"), person("hr1", "hr"), person("nia", "manager")
FIRST_ON = dt.date(2026, 3, 4)


async def test_hr_reading_and_handling_someones_concern_are_privileged_acts_about_them() -> None:
    store = organisation()
    concern = await bus(store).handle(c.RaiseConcern(ANN, kind=cn.Kind.THERAPIST_ROLE, text="My manager acts as my therapist"))
    await bus(store).ask(c.ListConcerns(ANN, all=False))
    assert store.privileged == []  # the person reading their own concern

    await bus(store).ask(c.ListConcerns(HR, all=True))
    await bus(store).handle(c.AcknowledgeConcern(HR, concern_id=concern.id))
    await bus(store).handle(c.ResolveConcern(HR, concern_id=concern.id, resolution="We spoke with your manager"))

    act = PrivilegedAct
    assert store.privileged == [
        ("hr1", "ListConcerns", act("read", "ann", "hr", "concern", concern.id)),
        ("hr1", "AcknowledgeConcern", act("edit", "ann", "hr", "concern", concern.id)),
        ("hr1", "ResolveConcern", act("edit", "ann", "hr", "concern", concern.id)),
    ]


async def test_hr_listing_a_circle_they_are_not_in_reads_about_each_member_and_members_record_nothing() -> None:
    store = organisation()
    circle = await bus(store).handle(c.FormCircle(HR, name="Kring", member_ids=("mgr", "nia", "pim")))
    await bus(store).ask(c.ListCircles(NIA))
    assert store.privileged == []

    await bus(store).ask(c.ListCircles(HR))

    assert store.privileged == [("hr1", "ListCircles", PrivilegedAct("read", m, "hr", "circle", circle.id)) for m in ("mgr", "nia", "pim")]


async def test_a_manager_reading_their_reports_one_on_one_is_no_privileged_act() -> None:
    store = organisation()
    view = await bus(store).handle(c.SchedulePair(MGR, other_id="ann", kind=o.PairKind.MANAGER_REPORT, cadence_days=14, first_on=FIRST_ON))
    assert view.next_meeting is not None
    await bus(store).handle(c.ReadMeeting(MGR, meeting_id=view.next_meeting.id))
    await bus(store).ask(c.ListPairs(MGR))
    assert store.privileged == []
