"""The catalogue of professional services HR keeps (issue 15 item 6: referrals that reach someone): the employee
assistance programme, the occupational physician (bedrijfsarts), the confidential counsellor (vertrouwenspersoon),
external coaches. A manager is not a therapist: the catalogue is where they, and anyone, refer on to.

Every employee reads the active entries; only HR writes them. It holds no one's data, so reading it is not
recorded and no event is published about it."""
from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, replace

from paars_platform.errors import PermissionDenied

MAX_NAME = 120
MAX_DESCRIPTION = 1000
MAX_CONTACT = 300
MAX_SERVICES = 100


class Kind(enum.Enum):
    EMPLOYEE_ASSISTANCE = 1
    OCCUPATIONAL_PHYSICIAN = 2
    CONFIDENTIAL_COUNSELLOR = 3
    EXTERNAL_COACH = 4
    OTHER = 5


@dataclass(frozen=True)
class ProfessionalService:
    id: str
    kind: Kind
    name: str
    description: str
    contact: str
    active: bool
    updated_at: dt.datetime
    updated_by: str

    def changed(self, *, kind: Kind, name: str, description: str, contact: str, active: bool, by: str, at: dt.datetime) -> ProfessionalService:
        return replace(self, kind=kind, name=name, description=description, contact=contact, active=active, updated_at=at, updated_by=by)


def check_keeper(roles: frozenset[str]) -> None:
    """HR keeps the catalogue."""
    if "hr" not in roles:
        raise PermissionDenied("HR keeps the catalogue of professional services")


def offered(services: list[ProfessionalService], *, include_retired: bool, roles: frozenset[str]) -> list[ProfessionalService]:
    """What a reader is shown: the active entries, by kind then name; the retired ones too for HR who asks."""
    if include_retired:
        check_keeper(roles)
    shown = [s for s in services if s.active or include_retired]
    return sorted(shown, key=lambda s: (s.kind.value, s.name.casefold(), s.id))
