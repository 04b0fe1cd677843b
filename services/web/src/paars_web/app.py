"""The ASGI app: routes of every page, the lifespan that owns the gRPC channels, the error pages."""
from __future__ import annotations

import contextlib
import pathlib
from collections.abc import AsyncIterator

import grpc
import jinja2
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from paars_web import conversation_pages, i18n, pages, privacy_pages, review_pages, signin, story_pages, team_pages
from paars_web.clients import Channels, Stubs
from paars_web.config import WebConfig
from paars_web.middleware import SESSION_KEY, WebMiddleware
from paars_web.sessions import SessionStore
from paars_web.web import SignInRequired, Web, safe_next, web_of

PACKAGE = pathlib.Path(__file__).parent
# `npm ci` in services/web puts htmx here; an image sets PAARS_WEB_ASSETS_DIR instead.
NODE_MODULES = PACKAGE.parent.parent / "node_modules"
CATALOGUES = i18n.load_catalogues()
# The app's sections (paars_web.sections), in the order of the main navigation.
SECTIONS = (pages, story_pages, conversation_pages, review_pages, team_pages, privacy_pages)


def templates() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(PACKAGE / "templates"),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # {% trans %} passes its variables to gettext, which escapes them and fills in the translated text
    # (the gettext callables themselves come with each request's language, see Web.render).
    env.newstyle_gettext = True  # type: ignore[attr-defined]
    return env


async def healthz(request: Request) -> Response:
    return PlainTextResponse("ok")


async def switch_language(request: Request) -> Response:
    form = await request.form()
    chosen = str(form.get("language", ""))
    session = request.scope["paars.session"]
    answer = RedirectResponse(safe_next(str(form.get("next", "/"))), status_code=303)
    if chosen in i18n.LANGUAGES:
        session.language = chosen
        if session.signed_in:
            web = web_of(request)
            try:
                await web.save_language(web.person(request), chosen)
            except grpc.aio.AioRpcError:
                pass  # this session and browser keep the choice; the next switch stores it again
        # Remembered by this browser beyond the session: the next sign-in (or a customer's visit) keeps it.
        answer.set_cookie(i18n.COOKIE, chosen, max_age=365 * 24 * 3600, httponly=True, samesite="lax", secure=web_of(request).config.secure_cookies)
    return answer


async def sign_in_choice(request: Request) -> Response:
    web = web_of(request)
    gettext = web.gettext(request)
    options = [(s.start_path, s.label(gettext)) for s in web.sign_ins]
    return web.render(request, "signin.html", options=options, next_path=safe_next(request.query_params.get("next", "/")))


async def sign_out(request: Request) -> Response:
    web = web_of(request)
    session = request.scope["paars.session"]
    # A sign-in at an identity provider is ended there too (its own session would sign the person straight back in).
    elsewhere = [url for way in web.sign_ins if (url := await way.sign_out_url(session))]
    web.sign_out(request)
    return RedirectResponse(elsewhere[0] if elsewhere else "/signin", status_code=303)


async def not_found(request: Request, exc: Exception) -> Response:
    web = web_of(request)
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    template = "not_found.html" if status == 404 else "error.html"
    return web.render(request, template, status_code=status)


async def to_sign_in(request: Request, exc: Exception) -> Response:
    return RedirectResponse(f"/signin?next={request.url.path}", status_code=303)


async def service_error(request: Request, exc: Exception) -> Response:
    """A refusal no page handles itself: an expired or refused token signs out; the rest is a plain error page."""
    web = web_of(request)
    code = exc.code() if isinstance(exc, grpc.aio.AioRpcError) else grpc.StatusCode.UNKNOWN
    if code == grpc.StatusCode.UNAUTHENTICATED:
        web.sign_out(request)
        return RedirectResponse(f"/signin?next={request.url.path}", status_code=303)
    if code in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.PERMISSION_DENIED):
        return web.render(request, "not_found.html", status_code=404)
    unavailable = code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.RESOURCE_EXHAUSTED)
    return web.render(request, "error.html", status_code=503 if unavailable else 500)


def refusal(scope: Scope) -> str:
    """The CSRF refusal in the visitor's language (the middleware answers before any page runs)."""
    session = scope.get(SESSION_KEY)
    accept = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"accept-language"), "")
    language = i18n.choose([session.language if session else "", i18n.from_accept_language(accept)])
    return CATALOGUES[language].gettext("This form has expired. Go back, reload the page and send it again.")


def create_app(config: WebConfig, stubs: Stubs | None = None, assets_dir: pathlib.Path | None = None) -> Starlette:
    """The app; tests pass fake stubs, otherwise the lifespan opens one channel per service."""
    store = SessionStore(config.session_secret, config.session_max_age_seconds)
    web = Web(config, stubs, store, templates(), CATALOGUES)
    if config.dev_sign_in:
        web.sign_ins.append(signin.DevelopmentSignIn())
    oidc = None
    if config.oidc_issuer:
        from paars_web.oidc import OidcSignIn  # Authlib is only imported when configured

        oidc = OidcSignIn(config)
        web.sign_ins.append(oidc)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if stubs is not None:
            yield
            return
        channels = Channels(config.service_addresses)
        web.stubs = channels.stubs()
        try:
            yield
        finally:
            await channels.close()

    vendor = assets_dir or (pathlib.Path(config.assets_dir) if config.assets_dir else NODE_MODULES)
    routes: list[BaseRoute] = [
        Route("/healthz", healthz),
        Mount("/static/vendor/htmx", StaticFiles(directory=vendor / "htmx.org" / "dist", check_dir=False)),
        Mount("/static", StaticFiles(directory=PACKAGE / "static")),
        Route("/signin", sign_in_choice),
        Route("/signout", sign_out, methods=["POST"]),
        Route("/language", switch_language, methods=["POST"]),
    ]
    for way in web.sign_ins:
        routes.extend(way.routes())
    for section in SECTIONS:
        routes.extend(section.routes())
        web.nav.extend(section.NAV)
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={SignInRequired: to_sign_in, grpc.aio.AioRpcError: service_error, 404: not_found, 405: not_found, 500: not_found},
    )
    app.state.web = web
    if oidc is not None:
        from paars_web.oidc import KeepTokensFresh

        # Added before WebMiddleware, so it runs inside it, where the session is known.
        app.add_middleware(KeepTokensFresh, sign_in=oidc)
    app.add_middleware(WebMiddleware, store=store, secure_cookies=config.secure_cookies, refusal=refusal, sign_out_origins=oidc.origins() if oidc else ())
    return app
