"""`paars org ...`: import the directory from CSV, list people and teams."""
from __future__ import annotations

import csv
import io
import pathlib
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import typer
from rich.markup import escape

from paars.org.v1 import org_pb2, org_pb2_grpc
from paars_cli.client import AS_OPTION, call, console, err_console, is_development, metadata, system_configured, to_dict

app = typer.Typer(no_args_is_help=True, help="The organisation directory.")

ROLE_NAMES = {name.removeprefix("ROLE_").lower(): value for name, value in org_pb2.Role.items() if value}
PEOPLE_COLUMNS = ("id", "name", "email")
TEAM_COLUMNS = ("id", "name")


@dataclass(frozen=True)
class CsvRow:
    """One record of a directory CSV, with where it came from for error messages."""

    path: pathlib.Path
    line: int
    values: dict[str, str]
    columns: tuple[str, ...]

    def get(self, column: str, default: str = "") -> str:
        return (self.values.get(column) or default).strip()

    def where(self, column: str = "") -> str:
        """`people.csv:5`, or `people.csv:5, column 3 (email)`."""
        if column in self.columns:
            return f"{self.path}:{self.line}, column {self.columns.index(column) + 1} ({column})"
        return f"{self.path}:{self.line}"


def _decode(path: pathlib.Path, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise typer.BadParameter(
            f"{path}:{line}:{column}: not UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8 (\"CSV UTF-8\" in a spreadsheet)"
        ) from None


def read_csv(path: pathlib.Path, required: tuple[str, ...]) -> list[CsvRow]:
    """The records of a CSV with a header line; any problem is a message naming the file and line, never a traceback."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise typer.BadParameter(f"{path}: cannot be read: {exc.strerror}") from None
    reader = csv.reader(io.StringIO(_decode(path, data), newline=""), strict=True)
    rows: list[CsvRow] = []
    columns: tuple[str, ...] = ()
    try:
        first_line = 1
        for record in reader:
            line, first_line = first_line, reader.line_num + 1
            if not any(cell.strip() for cell in record):
                continue
            if not columns:
                columns = tuple(cell.strip().lower() for cell in record)
                missing = [c for c in required if c not in columns]
                if missing:
                    raise typer.BadParameter(f"{path}:{line}: the header lacks the column(s) {', '.join(missing)}")
                continue
            if len(record) > len(columns):
                raise typer.BadParameter(f"{path}:{line}: {len(record)} fields, but the header names {len(columns)}")
            rows.append(CsvRow(path, line, dict(zip(columns, record, strict=False)), columns))
    except csv.Error as exc:
        raise typer.BadParameter(f"{path}:{reader.line_num}: {exc}") from None
    if not columns:
        raise typer.BadParameter(f"{path}: empty (a header line is expected: {','.join(required)})")
    return rows


def people_request(rows: list[CsvRow]) -> list[org_pb2.Employee]:
    """people.csv columns: id,name,email,manager_id,team_id,roles (separated by ';'),time_zone,coach_id,active."""
    people = []
    for row in rows:
        roles = [r.strip().lower() for r in row.get("roles", "employee").replace(",", ";").split(";") if r.strip()]
        bad = [r for r in roles if r not in ROLE_NAMES]
        if bad:
            raise typer.BadParameter(f"{row.where('roles')}: unknown roles {bad}; known: {', '.join(ROLE_NAMES)}")
        people.append(
            org_pb2.Employee(
                id=row.get("id"), name=row.get("name"), email=row.get("email"), manager_id=row.get("manager_id"),
                team_id=row.get("team_id"), roles=[ROLE_NAMES[r] for r in roles], time_zone=row.get("time_zone"),
                coach_id=row.get("coach_id"), active=row.get("active", "true").lower() not in ("false", "0", "no"),
            )
        )
    return people


def teams_request(rows: list[CsvRow]) -> list[org_pb2.Team]:
    """teams.csv columns: id,name,parent_team_id,manager_id."""
    return [
        org_pb2.Team(id=row.get("id"), name=row.get("name"), parent_team_id=row.get("parent_team_id"), manager_id=row.get("manager_id"))
        for row in rows
    ]


def read_people(path: pathlib.Path) -> list[org_pb2.Employee]:
    return people_request(read_csv(path, PEOPLE_COLUMNS))


def read_teams(path: pathlib.Path) -> list[org_pb2.Team]:
    return teams_request(read_csv(path, TEAM_COLUMNS))


_FIELD = re.compile(r"\b(employees|teams)\[(\d+)\](?:\.(\w+))?")


def source_locator(sources: dict[str, list[CsvRow]]) -> Callable[[str], str]:
    """Rewrites the service's `employees[3].email` into `people.csv:5, column 3 (email)` wherever it appears."""

    def where(match: re.Match[str]) -> str:
        rows = sources.get(match.group(1), [])
        index = int(match.group(2))
        if index >= len(rows):
            return match.group(0)
        return rows[index].where(match.group(3) or "")

    return lambda text: _FIELD.sub(where, text)


@app.command("import")
def import_(
    people: pathlib.Path = typer.Argument(..., exists=True, dir_okay=False, help="people.csv"),
    teams: pathlib.Path = typer.Option(None, "--teams", exists=True, dir_okay=False, help="teams.csv (id,name,parent_team_id,manager_id)"),
    person: str = typer.Option(
        "", "--as",
        help="Development only: who imports (default there: the development HRIS client 'hris'). Otherwise the importer is the "
        "internal system named by PAARS_OIDC_CLIENT_ID/SECRET (scope rpc:paars.org.v1.OrgService/ImportDirectory), or the signed-in HR person.",
    ),
    roles: str = typer.Option("system", "--roles", help="With --as: 'system' (the default) imports as a service client, as the first import must."),
) -> None:
    """Import (create or update) teams and people; importing the same files again changes nothing."""
    if not person and is_development() and not system_configured():
        person = "hris"
    try:
        sources = {"employees": read_csv(people, PEOPLE_COLUMNS), "teams": read_csv(teams, TEAM_COLUMNS) if teams else []}
        request = org_pb2.ImportDirectoryRequest(
            teams=teams_request(sources["teams"]), employees=people_request(sources["employees"]), idempotency_key=f"cli-{uuid.uuid4().hex}"
        )
    except typer.BadParameter as exc:
        # One line a person can act on (file:line), not a usage screen: the command line was right.
        err_console.print(f"[red]error[/red]: {escape(exc.message)}", soft_wrap=True)
        raise typer.Exit(2) from None
    # Managers are imported in the same request as their reports, so order within the file is free.
    result = call(
        "goals", org_pb2_grpc.OrgServiceStub, lambda s: s.ImportDirectory(request, metadata=metadata(person, roles if person else ""), timeout=60),
        locate=source_locator(sources),
    )
    console.print(to_dict(result) or "nothing changed")


@app.command("people")
def people(team: str = typer.Option("", help="Only this team."), person: str = AS_OPTION) -> None:
    """List people."""
    result = call("goals", org_pb2_grpc.OrgServiceStub, lambda s: s.ListEmployees(org_pb2.ListEmployeesRequest(team_id=team), metadata=metadata(person)))
    for e in result.employees:
        console.print(f"{e.id:12} {e.name:24} team={e.team_id:10} manager={e.manager_id or '-':10} roles={','.join(org_pb2.Role.Name(r).removeprefix('ROLE_').lower() for r in e.roles)}")
