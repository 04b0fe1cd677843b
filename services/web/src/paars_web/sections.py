"""A section of the web app: a module with `routes()` and `NAV`, its links in the main navigation.

Each part of the app (feedback and goals in `pages`, the story, conversations, reviews, the team and
HR pages) is its own module listed in `app.SECTIONS`, with its templates and, if it likes, its own
catalogue file (`locale/<language>/LC_MESSAGES/<section>.po`, merged with messages.po at start)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


def N_(message: str) -> str:
    """Marks a text for the catalogue without translating it here (the template translates it per request)."""
    return message


@dataclass(frozen=True)
class Reader:
    """What the session knows about the signed-in person for the navigation (read from the directory at sign-in):
    their roles by name ("manager", "hr", ...) and whether anyone active reports to them."""

    roles: frozenset[str] = frozenset()
    has_reports: bool = False


def for_managers(reader: Reader) -> bool:
    return reader.has_reports or bool(reader.roles & {"manager", "leader", "admin"})


def for_hr(reader: Reader) -> bool:
    return bool(reader.roles & {"hr", "admin"})


@dataclass(frozen=True)
class NavLink:
    path: str
    # The link's element id (`nav-<name>`): browser tests and the skip-to flows find links by it.
    id: str
    # A message id; base.html shows it in the reader's language.
    label: str
    # Who the link is shown to (None: everyone signed in). Only the menu: a page still shows whatever the services
    # answer the person, and they decide what is private.
    shown_to: Callable[[Reader], bool] | None = None

    def shows_for(self, reader: Reader) -> bool:
        return self.shown_to is None or self.shown_to(reader)
