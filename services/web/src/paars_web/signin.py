"""The development sign-in of `make run`: pick a demo person, get a development token for that person only."""
from __future__ import annotations

import time
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from paars.org.v1 import org_pb2
from paars_platform.auth import mint_token
from paars_platform.config import DEV_SYSTEM_CLIENT
from paars_platform.directory import role_names
from paars_web.sessions import Session
from paars_web.web import web_of

TOKEN_SECONDS = 8 * 3600
# Lists the directory before anyone is signed in: a short-lived development system token for that one read.
DIRECTORY_READER = "paars-web"


def roles_of(employee: org_pb2.Employee) -> list[str]:
    """The directory roles shown next to each demo person, by the names Identity.has() uses."""
    return sorted({"employee", *role_names(employee.roles)})


class DevelopmentSignIn:
    """Exists only when WebConfig.dev_sign_in holds (development and PAARS_WEB_DEV_SIGNIN); otherwise never mounted."""

    key = "dev"
    start_path = "/signin/dev"

    def label(self, gettext: Callable[[str], str]) -> str:
        return gettext("Development sign-in (demo people)")

    def routes(self) -> list[BaseRoute]:
        return [Route("/signin/dev", self.page, methods=["GET"]), Route("/signin/dev", self.choose, methods=["POST"])]

    async def sign_out_url(self, session: Session) -> str | None:
        return None

    async def _people(self, request: Request) -> list[org_pb2.Employee]:
        web = web_of(request)
        token = mint_token(
            DIRECTORY_READER, ["system"], secret=web.config.jwt_secret, issuer=web.config.jwt_issuer, ttl_seconds=60,
            client_id=DEV_SYSTEM_CLIENT, audience=web.config.jwt_audience,
        )
        answer = await web.stubs.org.ListEmployees(
            org_pb2.ListEmployeesRequest(), metadata=[("authorization", f"Bearer {token}")], timeout=web.config.rpc_deadline_seconds
        )
        return sorted((e for e in answer.employees if e.active), key=lambda e: e.name)

    async def page(self, request: Request) -> Response:
        web = web_of(request)
        people = await self._people(request)
        return web.render(request, "signin_dev.html", people=people, roles_of=roles_of, next_path=request.query_params.get("next", "/"))

    async def choose(self, request: Request) -> Response:
        web = web_of(request)
        form = await request.form()
        chosen = str(form.get("person_id", ""))
        person = next((p for p in await self._people(request) if p.id == chosen), None)
        if person is None:
            raise web.not_found()
        # No roles in the token: the services take the person's roles from their directory.
        token = mint_token(person.id, (), secret=web.config.jwt_secret, issuer=web.config.jwt_issuer, ttl_seconds=TOKEN_SECONDS, audience=web.config.jwt_audience)
        return await web.complete_sign_in(
            request, person_id=person.id, person_name=person.name, access_token=token, expires_at=time.time() + TOKEN_SECONDS,
            next_path=str(form.get("next", "/")),
        )
