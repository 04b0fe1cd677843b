"""The rules every service shares from the platform: directory walks, ids, dates, enum names, dead letters."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from paars.common.v1 import event_pb2
from paars.org.v1 import org_pb2
from paars_analytics.signals import directory as analytics_directory
from paars_notifications.domain.visibility import Directory, Person
from paars_platform import deadletter, directory
from paars_platform.errors import Validator
from paars_platform.events import header
from paars_platform.values import date_or_none, enum_name, enum_names, parse_date, valid_id


def test_a_manager_chain_is_nearest_first_and_ends_at_a_gap_or_a_cycle() -> None:
    managers = {"ann": "mgr", "mgr": "boss", "boss": None}
    assert directory.manager_chain("ann", managers) == ["mgr", "boss"]
    assert directory.manager_chain("ann", {"ann": "mgr", "mgr": "ann"}) == ["mgr"]
    assert directory.manager_chain("ann", {"ann": "a", "a": "b", "b": "a"}) == ["a", "b"]
    assert directory.manager_chain("nobody", managers) == []


def test_every_service_walks_a_chain_as_deep_as_the_one_limit_and_no_deeper() -> None:
    depth = directory.CHAIN_LIMIT + 20
    managers = {f"p{i}": f"p{i + 1}" for i in range(depth)}
    expected = [f"p{i}" for i in range(1, directory.CHAIN_LIMIT + 1)]
    assert directory.manager_chain("p0", managers) == expected
    people = {pid: Person(pid, manager_id=manager) for pid, manager in managers.items()}
    assert Directory(people).manager_chain("p0") == expected
    records = {pid: {"manager_id": manager} for pid, manager in managers.items()}
    assert analytics_directory.manager_chain("p0", records) == expected


async def test_the_awaiting_walks_follow_the_same_rule() -> None:
    managers = {"ann": "mgr", "mgr": "boss", "boss": "ann"}
    parents = {"dev": "eng", "eng": "org", "org": None}

    async def manager_of(person: str) -> str | None:
        return managers.get(person)

    async def parent_of(team: str) -> str | None:
        return parents.get(team)

    assert await directory.manager_chain_async("ann", manager_of) == directory.manager_chain("ann", managers) == ["mgr", "boss"]
    assert await directory.team_path_async("dev", parent_of) == directory.team_path("dev", parents) == ["dev", "eng", "org"]
    assert await directory.team_path_async(None, parent_of) == []


def test_hr_covers_the_subtree_of_their_own_team_and_nobody_without_a_team() -> None:
    assert directory.in_hr_scope("eng", ["dev", "eng", "org"])
    assert not directory.in_hr_scope("sales", ["dev", "eng", "org"])
    assert not directory.in_hr_scope(None, ["dev"]) and not directory.in_hr_scope("", [""])


def test_role_names_skip_a_role_this_version_does_not_know() -> None:
    assert directory.role_names([org_pb2.ROLE_HR, org_pb2.ROLE_MANAGER, 999]) == {"hr", "manager"}


def test_ids_dates_and_enum_names_are_checked_one_way() -> None:
    assert valid_id("ann.smith@acme") and not valid_id("-ann") and not valid_id("a" * 65)
    v = Validator()
    assert parse_date("2026-03-01", "due", v) == dt.date(2026, 3, 1)
    assert parse_date("", "start", v, required=False) is None
    assert parse_date("", "due", v) is None and parse_date("1 March", "due", v) is None
    assert [(x.field, x.description) for x in v.violations] == [("due", "is required (YYYY-MM-DD)"), ("due", "must be a date YYYY-MM-DD")]
    assert date_or_none("2026-03-01") == dt.date(2026, 3, 1) and date_or_none("soon") is None and date_or_none("") is None
    assert enum_name(event_pb2.Visibility, event_pb2.VISIBILITY_HR_ONLY, "VISIBILITY_") == "hr_only"
    assert enum_names(org_pb2.Role, "ROLE_")[org_pb2.ROLE_LEADER] == "leader"


@dataclass
class _Record:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: object


@pytest.mark.parametrize("headers", [[("ce_id", b"e1")], {"ce_id": b"e1"}], ids=["aiokafka list", "faust dict"])
def test_a_dead_letter_keeps_the_original_headers_and_adds_the_reason_whatever_the_header_shape(headers: object) -> None:
    record = _Record("feedback.feedback-given.v1", 2, 41, b"ann", b"x" * (deadletter.MAX_VALUE_BYTES + 5), headers)
    letter = deadletter.dead_letter(record, "undecodable", "missing ce_type header", service="notifications", consumer="notifications")  # type: ignore[arg-type]
    assert letter.topic == "notifications.dead-letter.v1" and letter.key == b"ann"
    assert letter.value is not None and len(letter.value) == deadletter.MAX_VALUE_BYTES
    assert letter.headers[0] == ("ce_id", b"e1")
    expected = {"dlq_reason": "undecodable", "dlq_detail": "missing ce_type header", "dlq_source_topic": "feedback.feedback-given.v1",
                "dlq_source_partition": "2", "dlq_source_offset": "41", "dlq_consumer": "notifications"}
    assert {name: header(letter.headers, name) for name in expected} == expected
