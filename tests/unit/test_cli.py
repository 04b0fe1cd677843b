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
from paars_cli.org import read_people, read_teams
from paars_platform.auth import TokenVerifier
from paars_platform.config import Settings


def test_paars_token_mints_a_token_the_services_accept() -> None:
    result = CliRunner().invoke(app, ["token", "lotte", "--roles", "employee,manager"])
    assert result.exit_code == 0, result.output
    who = TokenVerifier(dataclasses.replace(Settings.from_env("goals"))).verify(result.output.strip())
    assert who.employee_id == "lotte" and who.has("manager")


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
