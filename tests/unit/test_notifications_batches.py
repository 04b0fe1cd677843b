"""batches.by_moment_priority: within a run, a person's drafts about one moment are stored highest priority first."""
from __future__ import annotations

from paars.notifications.v1 import notifications_pb2 as pb
from paars_notifications.domain.batches import by_moment_priority
from paars_notifications.domain.rules import PromptDraft
from paars_notifications.domain.texts import text


def draft(recipient: str, kind: int, priority: int, moment: str = "", ref: str = "") -> PromptDraft:
    return PromptDraft(recipient, kind, priority, text("t"), text("b"), "ann", ref or f"{kind}-{priority}", moment_id=moment)


def order(drafts: list[PromptDraft]) -> list[str]:
    return [d.ref_id for _cause, d in by_moment_priority([(f"cause-{i}", d) for i, d in enumerate(drafts)])]


def test_the_higher_priority_draft_for_a_moment_goes_first_whichever_came_first() -> None:
    insight = draft("mgr", pb.PROMPT_KIND_INSIGHT, pb.PRIORITY_LOW, "m1", "insight")
    given = draft("mgr", pb.PROMPT_KIND_GIVE_FEEDBACK, pb.PRIORITY_NORMAL, "m1", "goal")
    assert order([insight, given]) == ["goal", "insight"]
    assert order([given, insight]) == ["goal", "insight"]


def test_the_group_keeps_its_places_and_every_other_draft_stays_where_it_was() -> None:
    drafts = [
        draft("mgr", pb.PROMPT_KIND_INSIGHT, pb.PRIORITY_LOW, "m1", "insight-1"),
        draft("mgr", pb.PROMPT_KIND_CHECK_IN, pb.PRIORITY_HIGH, ref="check-in"),  # no moment: not moved
        draft("bob", pb.PROMPT_KIND_INSIGHT, pb.PRIORITY_LOW, "m1", "bob-insight"),  # the same moment, someone else
        draft("mgr", pb.PROMPT_KIND_GIVE_FEEDBACK, pb.PRIORITY_NORMAL, "m2", "goal-2"),  # another moment, alone
        draft("mgr", pb.PROMPT_KIND_GIVE_FEEDBACK, pb.PRIORITY_HIGH, "m1", "goal-1"),
    ]
    assert order(drafts) == ["goal-1", "check-in", "bob-insight", "goal-2", "insight-1"]


def test_of_equal_priorities_the_first_stays_first() -> None:
    first = draft("mgr", pb.PROMPT_KIND_INSIGHT, pb.PRIORITY_NORMAL, "m1", "insight")
    second = draft("mgr", pb.PROMPT_KIND_GIVE_FEEDBACK, pb.PRIORITY_NORMAL, "m1", "goal")
    assert order([first, second]) == ["insight", "goal"]
    assert order([second, first]) == ["goal", "insight"]


def test_the_moment_is_compared_as_stored_and_the_causes_travel_with_their_drafts() -> None:
    """The prompts table keeps 80 characters of a moment id: two ids alike in those are one moment."""
    long_id = "x" * 80
    low = draft("mgr", pb.PROMPT_KIND_INSIGHT, pb.PRIORITY_LOW, long_id + "a", "insight")
    high = draft("mgr", pb.PROMPT_KIND_GIVE_FEEDBACK, pb.PRIORITY_NORMAL, long_id + "b", "goal")
    assert by_moment_priority([("c-low", low), ("c-high", high)]) == [("c-high", high), ("c-low", low)]
