"""`paars org ...`: import the directory from CSV, list people and teams."""
from __future__ import annotations

import csv
import pathlib
import uuid

import typer

from paars.org.v1 import org_pb2, org_pb2_grpc
from paars_cli.client import AS_OPTION, call, console, metadata, to_dict

app = typer.Typer(no_args_is_help=True, help="The organisation directory.")

ROLE_NAMES = {name.removeprefix("ROLE_").lower(): value for name, value in org_pb2.Role.items() if value}


def read_people(path: pathlib.Path) -> list[org_pb2.Employee]:
    """people.csv columns: id,name,email,manager_id,team_id,roles (separated by ';'),time_zone,coach_id,active."""
    people = []
    with path.open(newline="", encoding="utf-8") as f:
        for line, row in enumerate(csv.DictReader(f), start=2):
            roles = [r.strip().lower() for r in (row.get("roles") or "employee").replace(",", ";").split(";") if r.strip()]
            bad = [r for r in roles if r not in ROLE_NAMES]
            if bad:
                raise typer.BadParameter(f"{path}:{line}: unknown roles {bad}; known: {', '.join(ROLE_NAMES)}")
            people.append(
                org_pb2.Employee(
                    id=(row.get("id") or "").strip(), name=(row.get("name") or "").strip(), email=(row.get("email") or "").strip(),
                    manager_id=(row.get("manager_id") or "").strip(), team_id=(row.get("team_id") or "").strip(),
                    roles=[ROLE_NAMES[r] for r in roles], time_zone=(row.get("time_zone") or "").strip(),
                    coach_id=(row.get("coach_id") or "").strip(),
                    active=(row.get("active") or "true").strip().lower() not in ("false", "0", "no"),
                )
            )
    return people


def read_teams(path: pathlib.Path) -> list[org_pb2.Team]:
    """teams.csv columns: id,name,parent_team_id,manager_id."""
    with path.open(newline="", encoding="utf-8") as f:
        return [
            org_pb2.Team(
                id=(row.get("id") or "").strip(), name=(row.get("name") or "").strip(),
                parent_team_id=(row.get("parent_team_id") or "").strip(), manager_id=(row.get("manager_id") or "").strip(),
            )
            for row in csv.DictReader(f)
        ]


@app.command("import")
def import_(
    people: pathlib.Path = typer.Argument(..., exists=True, dir_okay=False, help="people.csv"),
    teams: pathlib.Path = typer.Option(None, "--teams", exists=True, dir_okay=False, help="teams.csv (id,name,parent_team_id,manager_id)"),
    person: str = typer.Option("hr", "--as", help="Who imports (needs the hr or admin role)."),
    roles: str = typer.Option("hr", "--roles"),
) -> None:
    """Import (create or update) teams and people; importing the same files again changes nothing."""
    request = org_pb2.ImportDirectoryRequest(
        teams=read_teams(teams) if teams else [], employees=read_people(people), idempotency_key=f"cli-{uuid.uuid4().hex}"
    )
    # Managers are imported in the same request as their reports, so order within the file is free.
    result = call("goals", org_pb2_grpc.OrgServiceStub, lambda s: s.ImportDirectory(request, metadata=metadata(person, roles), timeout=60))
    console.print(to_dict(result) or "nothing changed")


@app.command("people")
def people(team: str = typer.Option("", help="Only this team."), person: str = AS_OPTION) -> None:
    """List people."""
    result = call("goals", org_pb2_grpc.OrgServiceStub, lambda s: s.ListEmployees(org_pb2.ListEmployeesRequest(team_id=team), metadata=metadata(person)))
    for e in result.employees:
        console.print(f"{e.id:12} {e.name:24} team={e.team_id:10} manager={e.manager_id or '-':10} roles={','.join(org_pb2.Role.Name(r).removeprefix('ROLE_').lower() for r in e.roles)}")
