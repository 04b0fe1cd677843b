"""Who may see what an event is about: prompts and webhook payloads follow the cause's visibility."""
from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from paars.common.v1 import event_pb2
from paars_platform import directory as platform_directory

V = event_pb2

# Visibilities whose content anyone in the organisation may read.
OPEN_VISIBILITIES = frozenset({V.VISIBILITY_PUBLIC, V.VISIBILITY_INTERNAL})


@dataclass(frozen=True)
class Person:
    """The org projection's view of an employee."""

    id: str
    name: str = ""
    email: str = ""
    manager_id: str = ""
    time_zone: str = ""
    hr: bool = False
    active: bool = True


@dataclass(frozen=True)
class Directory:
    """The people an event involves, with their manager chains (loaded by the service layer)."""

    people: Mapping[str, Person] = field(default_factory=dict)
    # The group the event's rule addresses beyond the people it names (rules.EventRule.audience: the
    # managers for a published story, HR for a referral), each also in `people`; empty for other events.
    audience: tuple[str, ...] = ()

    def get(self, person_id: str) -> Person | None:
        return self.people.get(person_id)

    def name(self, person_id: str) -> str:
        person = self.people.get(person_id)
        return person.name if person and person.name else person_id

    def first_name(self, person_id: str) -> str:
        return self.name(person_id).split(" ", 1)[0]

    def manager_of(self, person_id: str) -> str:
        person = self.people.get(person_id)
        return person.manager_id if person else ""

    def manager_chain(self, person_id: str) -> list[str]:
        """The person's managers known to this directory, nearest first (paars_platform.directory's rule)."""
        return platform_directory.manager_chain(person_id, self.manager_of)

    def is_hr(self, person_id: str) -> bool:
        person = self.people.get(person_id)
        return bool(person and person.hr)


def may_see(
    visibility: int,
    viewer: str,
    *,
    subject_id: str,
    author_id: str = "",
    parties: Collection[str] = (),
    directory: Directory,
) -> bool:
    """True when the viewer may learn about the item. Parties are the people the item is addressed to
    (the recipient of a request, the two sides of a dialogue, the actors of an insight).

    An unspecified visibility is treated as private: a missing label must not widen the audience."""
    if not viewer:
        return False
    if visibility in OPEN_VISIBILITIES:
        return True
    involved = viewer == subject_id or (bool(author_id) and viewer == author_id) or viewer in parties
    if visibility == V.VISIBILITY_ANONYMOUS_AGGREGATE:
        return viewer == subject_id or viewer in parties
    if visibility == V.VISIBILITY_HR_ONLY:
        return viewer == subject_id or directory.is_hr(viewer)
    if visibility == V.VISIBILITY_RECEIVER_AND_MANAGER:
        return involved or viewer in directory.manager_chain(subject_id)
    return involved
