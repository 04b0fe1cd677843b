"""What a person does in the browser tests, in their words: sign in, check the page is accessible, keep a screenshot."""
from __future__ import annotations

import functools
import os
import re
from typing import TYPE_CHECKING, Any

from tests.conftest import ROOT

if TYPE_CHECKING:
    from playwright.sync_api import Page

SCREENSHOTS = ROOT / "docs" / "screenshots"
# axe-core impacts that fail a page; "minor" and "moderate" are reported in the message only.
BLOCKING = ("serious", "critical")
# The WCAG 2.2 A and AA rules and axe's best practices; experimental rules are left out.
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]},
    "resultTypes": ["violations"],
}


# The provider's own session cookies per person, from their first sign-in at its form in this run, keyed by Paars'
# origin (one stack per run). A later sign-in brings them along, as a browser that signed in at the organisation
# earlier that day does: the provider sends the person straight back, and Paars still makes a fresh session of its
# own through the whole code flow (its sign-in page, the authorization request, the callback, the token exchange).
# Paars' own cookies are never kept, so no test sees another's session (its language, its CSRF token).
_PROVIDER_SESSIONS: dict[tuple[str, str], list[Any]] = {}


def sign_in(page: Page, person: str, *, password: str = "demo", next_path: str = "/", at_the_form: bool = False) -> None:
    """Through the organisation's provider, as a person does: Paars' sign-in choice, the provider's login form, back.

    A person the provider knows from earlier in the run skips its form (their provider session comes along), unless
    at_the_form: the tests of the sign-in itself go through the form every time."""
    page.goto(next_path)
    page.wait_for_url(re.compile(r"/signin"))
    paars_origin = page.url.split("/signin")[0]

    def back_at_paars(url: str) -> bool:
        return url.startswith(paars_origin) and "/signin" not in url

    kept = not at_the_form and password == "demo"
    remembered = _PROVIDER_SESSIONS.get((paars_origin, person)) if kept else None
    ours = {cookie["name"] for cookie in page.context.cookies()}
    if remembered:
        page.context.add_cookies(remembered)
    page.locator('#sign-in-options a[href^="/signin/oidc"]').click()
    if remembered:
        # Straight back, or at the form when that provider session ended (a test signed the person out there).
        page.wait_for_url(lambda url: back_at_paars(url) or "/interaction/" in url)
        if back_at_paars(page.url):
            return
    page.locator("input[name=login]").fill(person)
    page.locator("input[name=password]").fill(password)
    page.get_by_role("button", name="Sign-in").click()
    page.wait_for_url(back_at_paars)
    if kept:
        _PROVIDER_SESSIONS[(paars_origin, person)] = [cookie for cookie in page.context.cookies() if cookie["name"] not in ours]


def assert_accessible(page: Page, what: str) -> None:
    """axe-core (as axe-playwright-python ships it) over the page as it is now: no serious or critical violation."""
    page.evaluate(_axe_script())
    # Only what a failure message needs comes back: the full results cost seconds to hand over.
    violations = page.evaluate(
        """options => axe.run(document, options).then(results => results.violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 3).map(n => String(n.target[0])),
        })))""",
        AXE_OPTIONS,
    )
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    described = "\n".join(f"- [{v['impact']}] {v['id']}: {v['help']} ({', '.join(v['targets'])})" for v in violations)
    assert not blocking, f"{what} at {page.url} is not accessible:\n{described}"


@functools.cache
def _axe_script() -> str:
    from axe_playwright_python.sync_playwright import Axe

    return str(Axe().axe_script)


def screenshot(page: Page, name: str) -> None:
    """docs/screenshots/<name>.png for the README, when PAARS_SCREENSHOTS=1 (`make screenshots`); a run of
    `make test` leaves the committed pictures alone."""
    if os.environ.get("PAARS_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
