"""A section of the web app: a module with `routes()` and `NAV`, its links in the main navigation.

Each part of the app (feedback and goals in `pages`, the story, conversations, reviews, the team and
HR pages) is its own module listed in `app.SECTIONS`, with its templates and, if it likes, its own
catalogue file (`locale/<language>/LC_MESSAGES/<section>.po`, merged with messages.po at start)."""
from __future__ import annotations

from dataclasses import dataclass


def N_(message: str) -> str:
    """Marks a text for the catalogue without translating it here (the template translates it per request)."""
    return message


@dataclass(frozen=True)
class NavLink:
    path: str
    # The link's element id (`nav-<name>`): browser tests and the skip-to flows find links by it.
    id: str
    # A message id; base.html shows it in the reader's language.
    label: str
