"""The paars CLI's own logic: development tokens, reading the directory CSVs, key-result syntax."""
from __future__ import annotations

import dataclasses
import pathlib

import pytest
import typer
from typer.testing import CliRunner

from paars.org.v1 import org_pb2
from paars_cli.goal import parse_key_result
from paars_cli.main import app
from paars_cli.org import read_csv, read_people, read_teams, source_locator
from paars_platform.auth import TokenVerifier
from paars_platform.config import DEV_SYSTEM_CLIENT, Settings


async def test_paars_token_mints_a_token_the_services_accept() -> None:
    verifier = TokenVerifier(dataclasses.replace(Settings.from_env("goals")))
    result = CliRunner().invoke(app, ["token", "lotte", "--roles", "employee,manager"])
    assert result.exit_code == 0, result.output
    said = await verifier.verify(result.output.strip())
    assert said.subject == "lotte" and said.roles == {"employee", "manager"} and said.client_id == ""
    result = CliRunner().invoke(app, ["token", "lotte"])
    assert (await verifier.verify(result.output.strip())).roles is None


async def test_a_system_token_from_paars_token_comes_from_the_development_service_client() -> None:
    result = CliRunner().invoke(app, ["token", "hris", "--roles", "system"])
    said = await TokenVerifier(Settings.from_env("goals")).verify(result.output.strip())
    assert said.roles == {"system"} and said.client_id == DEV_SYSTEM_CLIENT


def test_paars_token_refuses_unknown_roles() -> None:
    result = CliRunner().invoke(app, ["token", "lotte", "--roles", "king"])
    assert result.exit_code != 0


def test_the_directory_csvs_become_an_import_request(tmp_path: pathlib.Path) -> None:
    people = tmp_path / "people.csv"
    people.write_text("id,name,email,manager_id,team_id,roles,time_zone\nmgr,Mo,mo@x.be,,team-a,manager;employee,Europe/Brussels\nann,Ann,ann@x.be,mgr,team-a,employee,\n")
    teams = tmp_path / "teams.csv"
    teams.write_text("id,name,parent_team_id,manager_id\norg,Org,,\nteam-a,Team A,org,mgr\n")
    employees = read_people(people)
    assert [e.id for e in employees] == ["mgr", "ann"]
    assert list(employees[0].roles) == [org_pb2.ROLE_MANAGER, org_pb2.ROLE_EMPLOYEE]
    assert employees[1].manager_id == "mgr" and employees[1].active
    assert [t.parent_team_id for t in read_teams(teams)] == ["", "org"]


def test_a_csv_with_an_unknown_role_is_refused_with_its_line(tmp_path: pathlib.Path) -> None:
    people = tmp_path / "people.csv"
    people.write_text("id,name,email,roles\nann,Ann,ann@x.be,wizard\n")
    with pytest.raises(typer.BadParameter, match=r"people\.csv:2"):
        read_people(people)


def test_key_results_are_written_title_start_target_unit() -> None:
    kr = parse_key_result("talks given:0:4:talks")
    assert (kr.title, kr.start_value, kr.target_value, kr.unit) == ("talks given", 0, 4, "talks")
    with pytest.raises(typer.BadParameter):
        parse_key_result("talks:zero:4")


def test_a_csv_that_is_not_utf8_is_refused_naming_its_line_and_column_without_a_traceback(tmp_path: pathlib.Path) -> None:
    people = tmp_path / "people.csv"
    people.write_bytes("id,name,email\nann,Ann,ann@x.be\nbob,Jos\xe9,bob@x.be\n".encode("latin-1"))
    result = CliRunner().invoke(app, ["org", "import", str(people)])
    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert f"error: {people}:3:8: not UTF-8 (byte 0xe9)" in result.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"name,email\nAnn,ann@x.be\n", r"people\.csv:1: the header lacks the column\(s\) id"),
        (b"id,name,email\nann,Ann,ann@x.be,extra\n", r"people\.csv:2: 4 fields, but the header names 3"),
        (b"id,name,email\nann,\"Ann,ann@x.be\n", r"people\.csv:\d+: unexpected end of data"),
        (b"", r"people\.csv: empty"),
    ],
)
def test_a_malformed_csv_is_refused_naming_the_file_and_line(tmp_path: pathlib.Path, content: bytes, message: str) -> None:
    people = tmp_path / "people.csv"
    people.write_bytes(content)
    with pytest.raises(typer.BadParameter, match=message):
        read_people(people)


def test_the_services_field_paths_are_shown_as_the_file_line_and_column_they_came_from(tmp_path: pathlib.Path) -> None:
    people = tmp_path / "people.csv"
    people.write_text("id,name,email,manager_id\n\nmgr,Mo,mo@x.be,\nann,Ann,not-an-address,mgr\n")
    locate = source_locator({"employees": read_csv(people, ("id",)), "teams": []})
    assert locate("employees[1].email") == f"{people}:4, column 3 (email)"
    assert locate("employees[0].manager_id: you cannot make yourself someone's manager") == f"{people}:3, column 4 (manager_id): you cannot make yourself someone's manager"
    assert locate("employees[7].id") == "employees[7].id"
