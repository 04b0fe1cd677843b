"""The team section of the web app (see paars_web.sections): its pages and navigation links."""
from __future__ import annotations

from starlette.routing import BaseRoute

from paars_web.sections import NavLink

NAV: tuple[NavLink, ...] = ()


def routes() -> list[BaseRoute]:
    return []
