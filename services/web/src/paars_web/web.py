"""What every page needs: the stubs, the session, the person's language, rendering, the directory, the sign-in seam."""
from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import grpc
import jinja2
from babel.support import Translations
from google.protobuf import field_mask_pb2
from jinja2.ext import _make_new_gettext, _make_new_ngettext  # type: ignore[attr-defined]
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute

from paars.notifications.v1 import notifications_pb2 as nt
from paars.org.v1 import org_pb2
from paars_platform.directory import role_names
from paars_web import i18n
from paars_web.clients import Stubs
from paars_web.config import WebConfig
from paars_web.middleware import SESSION_KEY, session_of
from paars_web.sections import NavLink, Reader
from paars_web.sessions import Session, SessionStore

T = TypeVar("T")
DIRECTORY_SECONDS = 30.0


class SignIn(Protocol):
    """A way to sign in. /signin lists each; its routes end in Web.complete_sign_in with the person's own token.

    The development sign-in (paars_web.signin) and OpenID Connect (paars_web.oidc) implement it.
    """

    key: str
    # Where the sign-in choice on /signin points.
    start_path: str

    def label(self, gettext: Callable[[str], str]) -> str: ...

    def routes(self) -> list[BaseRoute]: ...

    async def sign_out_url(self, session: Session) -> str | None:
        """Where to send the person after signing out to end the sign-in there too, or None."""
        ...


class SignInRequired(Exception):
    """Raised by a page when nobody is signed in; answered with a redirect to /signin."""


@dataclass
class Person:
    id: str
    name: str
    session: Session

    @property
    def bearer(self) -> list[tuple[str, str]]:
        return self.session.bearer


class Web:
    def __init__(self, config: WebConfig, stubs: Stubs | None, store: SessionStore, templates: jinja2.Environment, catalogues: dict[str, Translations]) -> None:
        self.config = config
        self.stubs: Stubs = stubs  # type: ignore[assignment]  # set by the lifespan before the first request
        self.store = store
        self.templates = templates
        self.catalogues = catalogues
        self.sign_ins: list[SignIn] = []
        # The main navigation, every section's links in app.SECTIONS order (set by app.create_app).
        self.nav: list[NavLink] = []
        self._directory: tuple[float, dict[str, org_pb2.Employee]] = (0.0, {})
        self._directory_lock = asyncio.Lock()
        self._directory_refresh: asyncio.Task[None] | None = None

    # ---------- the person and their language ----------

    def person(self, request: Request) -> Person:
        session = session_of(request.scope)
        if not session.signed_in:
            raise SignInRequired()
        return Person(session.person_id, session.person_name, session)

    def language(self, request: Request) -> str:
        session: Session | None = request.scope.get(SESSION_KEY)
        return i18n.choose([
            session.language if session else "", request.cookies.get(i18n.COOKIE, ""),
            i18n.from_accept_language(request.headers.get("accept-language", "")),
        ])

    def translations(self, request: Request) -> Translations:
        return self.catalogues[self.language(request)]

    def gettext(self, request: Request) -> Callable[[str], str]:
        return self.translations(request).gettext

    # ---------- calls ----------

    async def call(self, rpc: Callable[..., Awaitable[T]], request: Any, person: Person | None = None) -> T:
        metadata = person.bearer if person else []
        if person is not None and not person.session.preference_read:
            await self._read_language(person)
        if person is not None and not person.session.reader_known:
            await self.read_reader(person)
        return await rpc(request, metadata=metadata, timeout=self.config.rpc_deadline_seconds)

    async def read_reader(self, person: Person) -> None:
        """Once per session, at sign-in: the person's roles and whether anyone reports to them, from the directory
        copy every page reads, for the navigation alone (sections.Reader). A directory that cannot answer now is
        asked again on the session's next call."""
        session = person.session
        session.reader_known = True
        try:
            people = await self.directory(person)
        except grpc.aio.AioRpcError:
            session.reader_known = False
            return
        me = people.get(person.id)
        session.roles = role_names(me.roles) if me is not None else frozenset()
        session.has_reports = any(e.manager_id == person.id and e.active for e in people.values())

    async def _read_language(self, person: Person) -> None:
        """Once per session, before its first page renders: the language the person chose (in notifications'
        preferences, so prompts and e-mails speak it too) wins over this browser's cookie and Accept-Language."""
        person.session.preference_read = True
        try:
            prefs = await self.stubs.notifications.GetPreferences(
                nt.GetPreferencesRequest(), metadata=person.bearer, timeout=self.config.rpc_deadline_seconds,
            )
        except grpc.aio.AioRpcError:
            return  # the pages still work; the language falls back to the cookie and Accept-Language
        if prefs.language in i18n.LANGUAGES and not person.session.language:
            person.session.language = prefs.language

    async def save_language(self, person: Person, language: str) -> None:
        """The switch, for a signed-in person: stored as their preference. The mask names the language
        alone, so the rest of the record stays as stored (a time zone or address the person never chose
        keeps following the directory)."""
        await self.call(self.stubs.notifications.SetPreferences, nt.SetPreferencesRequest(
            preferences=nt.Preferences(language=language), update_mask=field_mask_pb2.FieldMask(paths=["language"]),
        ), person)

    async def maybe(self, rpc: Callable[..., Awaitable[T]], request: Any, person: Person, default: T) -> T:
        """For a part of a page that may be refused (not your reports): the page shows the rest."""
        try:
            return await self.call(rpc, request, person)
        except grpc.aio.AioRpcError as err:
            if err.code() in (grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.NOT_FOUND, grpc.StatusCode.FAILED_PRECONDITION):
                return default
            raise

    async def directory(self, person: Person) -> dict[str, org_pb2.Employee]:
        """Everyone's names and managers (every person may read the directory), cached for DIRECTORY_SECONDS.

        Only the very first page waits for the list. After that an expired copy is still served while one
        refresh runs in the background: every page used to wait behind the refresh every 30 seconds, a
        step in the Now page's p99."""
        fetched_at, people = self._directory
        if not fetched_at:
            async with self._directory_lock:
                if not self._directory[0]:
                    await self._refresh_directory(person)
            return self._directory[1]
        if time.monotonic() - fetched_at >= DIRECTORY_SECONDS and (self._directory_refresh is None or self._directory_refresh.done()):
            self._directory_refresh = asyncio.create_task(self._refresh_directory(person, quietly=True))
        return people

    async def _refresh_directory(self, person: Person, *, quietly: bool = False) -> None:
        try:
            answer = await self.call(self.stubs.org.ListEmployees, org_pb2.ListEmployeesRequest(), person)
        except grpc.aio.AioRpcError:
            if not quietly:
                raise
            # The copy in hand stays; the next page past the interval tries again.
            return
        self._directory = (time.monotonic(), {e.id: e for e in answer.employees})

    # ---------- rendering ----------

    def render(self, request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        return HTMLResponse(self.render_text(request, template, **context), status_code=status_code)

    def render_text(self, request: Request, template: str, **context: Any) -> str:
        translations = self.translations(request)
        session: Session | None = request.scope.get(SESSION_KEY)
        gettext = _make_new_gettext(translations.gettext)
        context.update(
            request=request,
            gettext=gettext,
            _=gettext,
            ngettext=_make_new_ngettext(translations.ngettext),
            language=self.language(request),
            languages=i18n.LANGUAGE_NAMES,
            session=session,
            csrf_token=session.csrf_token if session else "",
            signed_in=bool(session and session.signed_in),
            dev_sign_in=self.config.dev_sign_in,
            nav=self.nav,
            reader=Reader(session.roles, session.has_reports) if session else Reader(),
        )
        return self.templates.get_template(template).render(context)

    def not_found(self) -> HTTPException:
        return HTTPException(404)

    # ---------- the end of every sign-in ----------

    async def complete_sign_in(
        self, request: Request, *, person_id: str, person_name: str, access_token: str, expires_at: float, next_path: str = "/",
    ) -> Response:
        fresh = self.store.sign_in(session_of(request.scope), person_id=person_id, person_name=person_name, access_token=access_token, expires_at=expires_at)
        request.scope[SESSION_KEY] = fresh
        # What the navigation shows this person (sections.NavLink.shown_to), read once now.
        await self.read_reader(Person(person_id, person_name, fresh))
        return RedirectResponse(safe_next(next_path), status_code=303)

    def sign_out(self, request: Request) -> None:
        self.store.drop(session_of(request.scope))
        request.scope[SESSION_KEY] = None


def safe_next(path: str) -> str:
    """Only a path on this site: `next` must not send a person elsewhere (open redirect)."""
    if not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path


def web_of(request: Request) -> Web:
    return request.app.state.web
