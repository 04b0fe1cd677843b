"""The rules of the export every service shares (paars_platform.personal_data) and the archive the CLI and the web
build (paars_platform.export_archive): who may export whose data, with which reason; what a kind of data selects
and keeps back; the archive's files and its summary in Dutch and English."""
from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

import pytest
import sqlalchemy as sa

from paars_platform.auth import Identity
from paars_platform.errors import InvalidArgument, PermissionDenied
from paars_platform.export_archive import ServiceAnswer, archive, audit_of, summary, topics_of
from paars_platform.personal_data import ExportPersonData, PersonalKind, jsonable

ANN = Identity("ann", frozenset({"employee"}))
HR = Identity("hr1", frozenset({"hr"}))
HR_SYSTEM = Identity("hris", frozenset({"hr", "system"}), "system")


def test_a_person_exports_their_own_data_without_a_reason() -> None:
    ExportPersonData(ANN).check()
    assert ExportPersonData(ANN).subject == "ann" and ExportPersonData(ANN).basis == "self"
    assert ExportPersonData(ANN, "ann").basis == "self"


def test_someone_else_than_hr_may_not_export_a_colleague() -> None:
    with pytest.raises(PermissionDenied):
        ExportPersonData(ANN, "bob", "I would like to read it").check()


def test_a_system_with_the_hr_role_is_not_hr() -> None:
    with pytest.raises(PermissionDenied):
        ExportPersonData(HR_SYSTEM, "ann", "the HRIS asks for a copy").check()


@pytest.mark.parametrize("reason", ["", "   ", "curious"])
def test_hr_names_why_in_at_least_ten_characters(reason: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        ExportPersonData(HR, "ann", reason).check()
    assert [v.field for v in refused.value.violations] == ["reason"]


def test_hr_with_a_reason_exports_on_the_hr_basis() -> None:
    query = ExportPersonData(HR, "ann", "Ann asked for her data by e-mail")
    query.check()
    assert (query.subject, query.basis) == ("ann", "hr")


def test_a_kind_selects_the_rows_naming_the_person_in_any_of_its_columns_and_hides_secrets() -> None:
    metadata = sa.MetaData()
    table = sa.Table("requests", metadata, sa.Column("id", sa.String, primary_key=True), sa.Column("requester_id", sa.String),
                     sa.Column("subject_id", sa.String), sa.Column("token_hash", sa.String))
    kind = PersonalKind("requests", table, ("requester_id", "subject_id"), hidden=("token_hash",))
    sql = str(kind.select("ann").compile(compile_kwargs={"literal_binds": True}))
    assert "requests.requester_id = 'ann' OR requests.subject_id = 'ann'" in sql
    assert "token_hash" not in sql


def test_database_values_become_json() -> None:
    at = dt.datetime(2030, 1, 2, 3, 4, tzinfo=dt.UTC)
    assert jsonable({"at": at, "on": at.date(), "raw": b"\x00\x01", "ids": ("a", "b")}) == {
        "at": "2030-01-02T03:04:00+00:00", "on": "2030-01-02", "raw": "AAE=", "ids": ["a", "b"],
    }


ANSWERS = [
    ServiceAnswer("goals", {"goals": [{"id": "g1"}], "events": [{"topic": "goals.goal-updated.v1"}, {"topic": "goals.goal-updated.v1"}],
                            "privileged_actions": [{"action": "export", "actor_id": "hr1", "subject_id": "ann", "reason": "asked by e-mail", "at": "2030-01-02T10:00:00"}]},
                  {"goals": 1, "events": 2, "privileged_actions": 1}),
    ServiceAnswer("feedback", problem="UNAVAILABLE: connection refused"),
]


def test_the_archive_holds_a_file_per_service_the_topics_the_audit_and_two_summaries() -> None:
    body = archive(ANSWERS, person="ann", caller="hr1", reason="asked by e-mail", at=dt.datetime(2030, 1, 2, tzinfo=dt.UTC))
    with zipfile.ZipFile(io.BytesIO(body)) as z:
        names = set(z.namelist())
        assert names == {"goals.json", "feedback.json", "topics.json", "audit.json", "summary.nl.md", "summary.en.md"}
        assert json.loads(z.read("feedback.json"))["problem"] == "UNAVAILABLE: connection refused"
        assert json.loads(z.read("topics.json")) == {"goals.goal-updated.v1": 2}
    assert topics_of(ANSWERS) == {"goals.goal-updated.v1": 2}
    assert [a["service"] for a in audit_of(ANSWERS)] == ["goals"]


def test_the_summary_says_in_each_language_what_is_there_what_could_not_answer_and_who_asked() -> None:
    at = dt.datetime(2030, 1, 2, tzinfo=dt.UTC)
    nl = summary(ANSWERS, person="ann", caller="hr1", reason="asked by e-mail", at=at, language="nl")
    en = summary(ANSWERS, person="ann", caller="hr1", reason="asked by e-mail", at=at, language="en")
    assert "# Wat Paars over ann bewaart" in nl and "op verzoek van hr1, met deze reden: asked by e-mail" in nl
    assert "kon niet antwoorden: UNAVAILABLE" in nl and "- goals.goal-updated.v1 (2)" in nl
    assert "# What Paars holds about ann" in en and "could not answer: UNAVAILABLE" in en
    assert "- goals: 1" in en and "export by hr1 (asked by e-mail)" in en
