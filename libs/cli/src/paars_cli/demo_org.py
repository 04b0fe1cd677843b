"""The demo organisation `make run` and the browser tests load: a Flemish company with its teams and every role.

Operations is a branch of its own (Bart, reporting to Els, heads it; Ines and Tom each lead a team in it), so the
directory has managers in different branches: HR can form a peer coaching circle of managers from different teams
with nobody another's manager or report (Jan, Sofie, Ines and Tom), which Els, Jan and Sofie alone never allowed."""
from __future__ import annotations

from paars.org.v1 import org_pb2 as R
from paars_platform.directory import ROLE_NAMES

TEAMS = [
    ("paars", "Paars NV", "", "els"),
    ("product", "Product & Engineering", "paars", "jan"),
    ("klant", "Klantendienst", "paars", "sofie"),
    ("people", "People & Culture", "paars", "els"),
    ("operaties", "Operaties", "paars", "bart"),
    ("logistiek", "Logistiek", "operaties", "ines"),
    ("financien", "Financiën", "operaties", "tom"),
]

# id, name, manager, team, roles, coach
PEOPLE = [
    ("els", "Els Wouters", "", "people", [R.ROLE_MANAGER, R.ROLE_LEADER, R.ROLE_ADMIN], ""),
    # HR in the root team: the one HR scope (a team and everything below it) covers the whole organisation.
    ("hanne", "Hanne Maes", "els", "paars", [R.ROLE_HR], ""),
    ("koen", "Koen De Smet", "els", "people", [R.ROLE_COACH], ""),
    ("jan", "Jan Peeters", "els", "product", [R.ROLE_MANAGER], "koen"),
    ("lotte", "Lotte Janssens", "jan", "product", [R.ROLE_EMPLOYEE], "koen"),
    ("pieter", "Pieter Claes", "jan", "product", [R.ROLE_EMPLOYEE], ""),
    ("fatima", "Fatima El Amrani", "jan", "product", [R.ROLE_EMPLOYEE], ""),
    ("wout", "Wout Vermeulen", "jan", "product", [R.ROLE_EMPLOYEE], ""),
    ("sofie", "Sofie Goossens", "els", "klant", [R.ROLE_MANAGER], "koen"),
    ("ruben", "Ruben Willems", "sofie", "klant", [R.ROLE_EMPLOYEE], ""),
    ("noor", "Noor Aerts", "sofie", "klant", [R.ROLE_EMPLOYEE], ""),
    ("emma", "Emma Jacobs", "sofie", "klant", [R.ROLE_EMPLOYEE], ""),
    ("bart", "Bart Mertens", "els", "operaties", [R.ROLE_MANAGER, R.ROLE_LEADER], ""),
    ("ines", "Ines Dubois", "bart", "logistiek", [R.ROLE_MANAGER], ""),
    ("tom", "Tom Verbruggen", "bart", "financien", [R.ROLE_MANAGER], ""),
]


def directory() -> R.ImportDirectoryRequest:
    return R.ImportDirectoryRequest(
        teams=[R.Team(id=i, name=n, parent_team_id=p, manager_id=m) for i, n, p, m in TEAMS],
        employees=[
            R.Employee(
                id=i, name=n, email=f"{i}@paars.example", manager_id=m, team_id=t, roles=roles, active=True,
                time_zone="Europe/Brussels", coach_id=c,
            )
            for i, n, m, t, roles, c in PEOPLE
        ],
        idempotency_key="demo-directory-v1",
    )


def roles_of(person: str) -> list[str]:
    for i, _n, _m, _t, roles, _c in PEOPLE:
        if i == person:
            return [ROLE_NAMES[r] for r in roles]
    return ["employee"]


def names() -> dict[str, str]:
    return {i: n for i, n, *_ in PEOPLE}
