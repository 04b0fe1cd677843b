"""Legal holds stop retention (issue 18 item 5): one matching rule for erasure, the keys' and the rows' retention;
the kinds a hold may name are the services' kinds of personal data; the rules name kinds that exist, on their own
table; and a job that cannot read the holds deletes nothing a hold could keep (fail safe), saying so."""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any

import pytest
import sqlalchemy as sa
from prometheus_client import REGISTRY

from paars.privacy.v1 import privacy_pb2
from paars_conversations.adapters import person_data as conversations_data
from paars_feedback.adapters import person_data as feedback_data
from paars_goals.adapters import person_data as goals_data
from paars_goals.service_layer import commands as c
from paars_notifications.adapters import person_data as notifications_data
from paars_platform import retention
from paars_platform.auth import Identity
from paars_platform.erasure import Hold
from paars_platform.errors import InvalidArgument, PermissionDenied
from paars_platform.legal_holds import in_force
from paars_platform.personal_data import PersonalKind
from paars_platform.retention import HOLD_KINDS, HoldInForce, RetentionJob, RetentionRule, covers, hold_scope_problems
from paars_story.adapters import person_data as story_data
from tests.unit.test_goals_erasure_handlers import _service, hold

SERVICES = {"goals": goals_data, "feedback": feedback_data, "conversations": conversations_data, "story": story_data, "notifications": notifications_data}
HR = Identity("hr1", frozenset({"hr"}))

CASES = [
    # (hold service, hold kind, service, kind, kept)
    ("feedback", "reviews", "feedback", "reviews", True),
    ("feedback", "reviews", "feedback", "review_raters", False),
    ("feedback", "reviews", "goals", "reviews", False),
    ("", "reviews", "feedback", "reviews", True),
    ("", "reviews", "conversations", "reviews", True),
    ("feedback", "", "feedback", "dialogues", True),
    ("feedback", "", "conversations", "meetings", False),
    ("", "", "notifications", "prompts", True),
]


@pytest.mark.parametrize(("hold_service", "hold_kind", "service", "kind", "kept"), CASES)
def test_one_rule_says_what_a_hold_keeps_for_erasure_the_keys_and_the_rows(hold_service: str, hold_kind: str, service: str, kind: str, kept: bool) -> None:
    assert covers(hold_service, hold_kind, service, kind) is kept
    assert Hold(hold_service, hold_kind, "a dispute about the review").keeps(service, kind) is kept
    assert HoldInForce("ann", hold_service, hold_kind, "a dispute about the review").keeps(service, kind) is kept
    assert retention.EventKind("x", True, ((service, kind),)).held_by(hold_service, hold_kind) is kept


def test_the_kinds_a_hold_may_name_are_each_services_kinds_of_personal_data() -> None:
    for service, module in SERVICES.items():
        assert HOLD_KINDS[service] == tuple(k.name for k in module.KINDS), service
    for kind in retention.KINDS_OF_EVENTS:
        for service, name in kind.holds:
            assert name in HOLD_KINDS[service], (kind.kind, service, name)


def test_every_rules_holds_are_kinds_of_its_service_on_the_rules_own_table() -> None:
    for service, module in SERVICES.items():
        for rule in module.RETENTION:
            for kind in rule.holds:
                assert kind.name in HOLD_KINDS[service], (service, rule.kind, kind.name)
                assert kind.table is rule.table, (service, rule.kind, kind.name)
    # The rows a person could be held for: every rule but the events' outbox and the request keys' answers.
    unheld = {(s, r.kind) for s, m in SERVICES.items() for r in m.RETENTION if not r.holds}
    assert unheld == {(s, "outbox") for s in SERVICES} | {("conversations", "answers")}


def test_self_assessments_have_a_rule_under_the_kind_of_their_events() -> None:
    [rule] = [r for r in feedback_data.RETENTION if r.table.name == "self_assessments"]
    assert rule.kind == retention.event_kind("feedback.self-assessment-submitted.v1").kind == "review_answers"
    assert {k.name for k in rule.holds} == {"self_assessments", "reviews"}


def test_a_hold_scope_names_a_known_service_and_one_of_its_kinds() -> None:
    assert hold_scope_problems("feedback", "reviews") == []
    assert hold_scope_problems("", "reviews") == []
    assert hold_scope_problems("feedback", "") == [] and hold_scope_problems("", "") == []
    [(field, problem)] = hold_scope_problems("feedback", "review_answers")
    assert field == "kind" and "'review_answers'" in problem and "feedback_received" in problem and "self_assessments" in problem
    [(field, problem)] = hold_scope_problems("goals", "reviews")  # feedback's kind, not goals'
    assert field == "kind" and "check_ins" in problem and "feedback_received" not in problem
    [(field, problem)] = hold_scope_problems("", "signed_reviews")
    assert field == "kind" and "of any service" in problem and "private_notes" in problem
    [(field, _)] = hold_scope_problems("payroll", "salaries")
    assert field == "service"


def test_place_legal_hold_rejects_an_unknown_kind_naming_the_field_and_the_valid_kinds() -> None:
    command = c.PlaceLegalHold(HR, c.RequestKey(), person_id="ann", service="feedback", kind="review_answers", reason="signed review under dispute")
    with pytest.raises(InvalidArgument) as raised:
        command.check(dt.date(2030, 6, 1))
    [violation] = raised.value.violations
    assert violation.field == "kind"
    assert all(name in violation.description for name in HOLD_KINDS["feedback"])
    fine = c.PlaceLegalHold(HR, c.RequestKey(), person_id="ann", service="feedback", kind="reviews", reason="signed review under dispute")
    fine.check(dt.date(2030, 6, 1))


# ---------- the fail safe: no holds read, no held kind deleted ----------

METADATA = sa.MetaData()
NOTES = sa.Table("notes", METADATA, sa.Column("id", sa.String, primary_key=True), sa.Column("author_id", sa.String), sa.Column("at", sa.DateTime))
AUDIT = sa.Table("audit", METADATA, sa.Column("id", sa.Integer, primary_key=True))
HELD_RULE = RetentionRule("notes", NOTES, "at", holds=(PersonalKind("private_notes", NOTES, ("author_id",)),))


class NoDatabase:
    """A database the job must not touch: every rule due is one a hold could keep."""

    def transaction(self, **_: Any) -> Any:
        raise AssertionError("the job touched the database although the legal holds could not be read")


def _runs(outcome: str) -> float:
    return REGISTRY.get_sample_value("paars_retention_runs_total", {"service": "unit-holds", "outcome": outcome}) or 0.0


async def _unreachable() -> Sequence[HoldInForce]:
    raise ConnectionError("goals is not answering")


@pytest.mark.parametrize("source", [_unreachable, None], ids=["holds-unavailable", "no-source"])
async def test_a_job_that_cannot_read_the_holds_deletes_nothing_a_hold_could_keep_and_says_so(source: Any, caplog: pytest.LogCaptureFixture) -> None:
    before, ok = _runs("holds_unavailable"), _runs("ok")
    job = RetentionJob("unit-holds", NoDatabase(), AUDIT, [HELD_RULE], {"notes": 30}, holds=source)  # type: ignore[arg-type]
    with caplog.at_level(logging.WARNING, logger="paars.retention"):
        run = await job.run_once()
    assert run.skipped == ("notes",) and run.deleted == {} and run.kept == {}
    assert _runs("holds_unavailable") == before + 1 and _runs("ok") == ok
    assert any("legal hold" in r.getMessage() for r in caplog.records)


def test_the_rows_a_hold_keeps_are_the_held_persons_rows_of_the_kinds_it_covers() -> None:
    holds = [
        HoldInForce("ann", "conversations", "private_notes", "dispute", "h1"),
        HoldInForce("bob", "feedback", "private_notes", "other service", "h2"),
        HoldInForce("cid", "", "", "everything", "h3"),
    ]
    keep, applied = HELD_RULE.kept_by("conversations", holds)
    assert keep is not None
    assert [h.hold_id for h in applied] == ["h1", "h3"]
    sql = str(keep.compile(compile_kwargs={"literal_binds": True}))
    assert "'ann'" in sql and "'cid'" in sql and "'bob'" not in sql
    assert HELD_RULE.kept_by("conversations", holds[1:2]) == (None, [])


# ---------- how the services learn the holds ----------


def test_the_holds_read_from_goals_are_those_in_force() -> None:
    answer = privacy_pb2.ListLegalHoldsResponse(holds=[
        privacy_pb2.LegalHold(id="h1", person_id="ann", service="feedback", kind="reviews", reason="dispute", placed_at="2030-01-01T00:00:00+00:00"),
        privacy_pb2.LegalHold(id="h2", person_id="bob", service="", kind="", reason="over", released_at="2030-02-01T00:00:00+00:00"),
    ])
    assert in_force(answer) == [HoldInForce("ann", "feedback", "reviews", "dispute", "h1")]


async def test_goals_lists_the_holds_to_hr_and_the_services_only() -> None:
    service = await _service()
    placed = await service.bus.handle(hold("reviews"))
    system = Identity("paars-dev", frozenset({"system"}), "system")
    assert [h.id for h in await service.bus.ask(c.ListLegalHolds(system, ""))] == [placed.id]
    assert [h.id for h in await service.bus.ask(c.ListLegalHolds(HR, ""))] == [placed.id]
    with pytest.raises(PermissionDenied):
        await service.bus.ask(c.ListLegalHolds(Identity("mgr", frozenset({"manager"})), ""))
    # A person's token claiming the system role is not the system identity.
    with pytest.raises(PermissionDenied):
        await service.bus.ask(c.ListLegalHolds(Identity("mgr", frozenset({"system"})), ""))
