"""SCIM 2.0 over HTTP (RFC 7644): /scim/v2/Users and /Groups (with the enterprise extension), the discovery
endpoints, bearer-protected by the provisioning client's own secret (PAARS_SCIM_TOKEN).

Served by goals, which owns the directory: a SCIM write and the directory change it makes (with the
org.* event in the outbox) are one transaction, and no other part holds a `system` credential for it.
Models, filters and PATCH are scim2-models'; the use cases are service_layer/scim_handlers.py.
"""
from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import os
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pydantic
import uvicorn
from scim2_models import (
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    Context,
    EnterpriseUser,
    Error,
    ETag,
    Filter,
    Group,
    Patch,
    PatchOp,
    Resource,
    ResourceType,
    SCIMException,
    SearchRequest,
    ServiceProviderConfig,
    Sort,
    User,
)
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from paars.org.v1 import org_pb2
from paars_goals.domain import scim as rules
from paars_goals.domain.scim import GROUP, USER, ScimResource
from paars_goals.service_layer.scim_handlers import Outcome, Provisioning, utc, version_of
from paars_goals.service_layer.unit_of_work import UnitOfWork
from paars_platform.errors import AlreadyExists, DomainError, InvalidArgument, NotFound, StaleVersion

log = logging.getLogger("paars.goals.scim")
MEDIA = "application/scim+json"
PREFIX = "/scim/v2"
MAX_RESULTS = 200
UserModel = User[EnterpriseUser]
MODELS: dict[str, type[Resource[Any]]] = {USER: UserModel, GROUP: Group}
ENDPOINTS = {USER: "Users", GROUP: "Groups"}


@dataclass(frozen=True)
class ScimSettings:
    """PAARS_SCIM_PORT (0: SCIM off), PAARS_SCIM_HOST, PAARS_SCIM_TOKEN (the client's bearer secret,
    at least 32 characters), PAARS_SCIM_ROLE_GROUPS ("hr=Paars HR,admin=Paars admins"),
    PAARS_SCIM_BASE_URL (where clients reach it, for meta.location)."""

    port: int
    host: str
    token_sha256: bytes
    role_groups: dict[str, int]
    base_url: str

    @classmethod
    def from_env(cls, grpc_host: str) -> ScimSettings | None:
        port = int(os.environ.get("PAARS_SCIM_PORT") or 0)
        if port <= 0:
            return None
        token = os.environ.get("PAARS_SCIM_TOKEN", "")
        if len(token) < 32:
            raise ValueError("PAARS_SCIM_TOKEN must be set (at least 32 characters) when PAARS_SCIM_PORT is")
        roles = {org_pb2.Role.Name(v).removeprefix("ROLE_").lower(): v for v in org_pb2.Role.values() if v}
        host = os.environ.get("PAARS_SCIM_HOST") or grpc_host
        return cls(
            port, host, hashlib.sha256(token.encode()).digest(),
            rules.parse_role_groups(os.environ.get("PAARS_SCIM_ROLE_GROUPS", ""), roles),
            (os.environ.get("PAARS_SCIM_BASE_URL") or f"http://{host}:{port}").rstrip("/"),
        )


def service_provider_config() -> ServiceProviderConfig:
    return ServiceProviderConfig(
        documentation_uri="https://paars.example/docs/security#identity",
        patch=Patch(supported=True),
        bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
        filter=Filter(supported=True, max_results=MAX_RESULTS),
        change_password=ChangePassword(supported=False),
        sort=Sort(supported=False),
        etag=ETag(supported=True),
        authentication_schemes=[AuthenticationScheme(
            type="oauthbearertoken", name="Bearer token", description="The provisioning client's secret (PAARS_SCIM_TOKEN)",
            primary=True,
        )],
    )


def scim_json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(data), status_code=status, media_type=MEDIA, headers=headers)


def scim_error(status: int, detail: str, scim_type: str | None = None, headers: dict[str, str] | None = None) -> Response:
    return scim_json(Error(status=status, scim_type=scim_type, detail=detail).model_dump(), status, headers)


class ScimApp:
    def __init__(
        self, settings: ScimSettings, unit_of_work: Callable[..., UnitOfWork],
        forget: Callable[..., None] = lambda *ids: None,
    ) -> None:
        self.settings = settings
        self.unit_of_work = unit_of_work
        self.forget = forget
        self.provisioning = Provisioning(settings.role_groups)
        self.base = settings.base_url + PREFIX
        routes = [
            Route(f"{PREFIX}/ServiceProviderConfig", self._guard(self.spc), methods=["GET"]),
            Route(f"{PREFIX}/ResourceTypes", self._guard(self.resource_types), methods=["GET"]),
            Route(f"{PREFIX}/ResourceTypes/{{rid}}", self._guard(self.resource_type), methods=["GET"]),
            Route(f"{PREFIX}/Schemas", self._guard(self.schemas), methods=["GET"]),
            Route(f"{PREFIX}/Schemas/{{sid:path}}", self._guard(self.schema), methods=["GET"]),
            Route(f"{PREFIX}/.search", self._guard(self.search_all), methods=["POST"]),
        ]
        for kind, endpoint in ENDPOINTS.items():
            routes += [
                Route(f"{PREFIX}/{endpoint}", self._guard(self._bind(self.query, kind)), methods=["GET"]),
                Route(f"{PREFIX}/{endpoint}", self._guard(self._bind(self.create, kind)), methods=["POST"]),
                Route(f"{PREFIX}/{endpoint}/.search", self._guard(self._bind(self.search, kind)), methods=["POST"]),
                Route(f"{PREFIX}/{endpoint}/{{rid}}", self._guard(self._bind(self.get, kind)), methods=["GET"]),
                Route(f"{PREFIX}/{endpoint}/{{rid}}", self._guard(self._bind(self.replace, kind)), methods=["PUT"]),
                Route(f"{PREFIX}/{endpoint}/{{rid}}", self._guard(self._bind(self.patch, kind)), methods=["PATCH"]),
                Route(f"{PREFIX}/{endpoint}/{{rid}}", self._guard(self._bind(self.delete, kind)), methods=["DELETE"]),
            ]
        self.app = Starlette(routes=routes)
        self.app.add_exception_handler(404, self._not_found)
        self.app.add_exception_handler(405, self._not_allowed)

    # ---------- plumbing ----------

    async def _not_found(self, request: Request, exc: Exception) -> Response:
        return scim_error(404, f"no SCIM endpoint at {request.url.path}")

    async def _not_allowed(self, request: Request, exc: Exception) -> Response:
        return scim_error(405, f"{request.method} is not supported on {request.url.path}")

    @staticmethod
    def _bind(handler: Callable[[Request, str], Awaitable[Response]], kind: str) -> Callable[[Request], Awaitable[Response]]:
        async def bound(request: Request) -> Response:
            return await handler(request, kind)

        return bound

    def _guard(self, handler: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
        """The bearer secret first, then the handler; every failure is a SCIM Error document."""

        async def guarded(request: Request) -> Response:
            scheme, _, token = request.headers.get("authorization", "").partition(" ")
            presented = hashlib.sha256(token.strip().encode()).digest()
            if scheme.lower() != "bearer" or not hmac.compare_digest(presented, self.settings.token_sha256):
                return scim_error(401, "a valid bearer token is required", headers={"WWW-Authenticate": 'Bearer realm="paars-scim"'})
            try:
                return await handler(request)
            except SCIMException as exc:
                return scim_json(exc.to_error().model_dump(), exc.status)
            except pydantic.ValidationError as exc:
                first = exc.errors()[0] if exc.errors() else {}
                where = ".".join(str(p) for p in first.get("loc", ()))
                return scim_error(400, f"{where}: {first.get('msg', 'invalid')}" if where else str(exc), "invalidValue")
            except json.JSONDecodeError:
                return scim_error(400, "the body is not JSON", "invalidSyntax")
            except NotFound as exc:
                return scim_error(404, exc.message)
            except AlreadyExists as exc:
                return scim_error(409, exc.message, "uniqueness")
            except StaleVersion as exc:
                return scim_error(412, exc.message)
            except InvalidArgument as exc:
                detail = "; ".join(f"{v.field}: {v.description}" for v in exc.violations) or exc.message
                return scim_error(400, detail, "invalidValue")
            except DomainError as exc:
                return scim_error(400, exc.message)

        return guarded

    async def _write(self, action: Callable[[UnitOfWork], Awaitable[Outcome]]) -> Outcome:
        async with self.unit_of_work() as uow:
            outcome = await action(uow)
            await uow.commit()
        if outcome.changed_people:
            # Goals' own callers are looked up afresh; the other services learn it from the event.
            self.forget(*outcome.changed_people)
        return outcome

    async def _read(self, action: Callable[[UnitOfWork], Awaitable[Any]]) -> Any:
        async with self.unit_of_work(read_only=True) as uow:
            return await action(uow)

    def _render(self, resource: ScimResource) -> Resource[Any]:
        body = {
            **resource.body, "id": resource.id,
            "meta": {
                "resourceType": resource.kind, "created": utc(resource.created_at), "lastModified": utc(resource.updated_at),
                "version": f'W/"{resource.version}"', "location": f"{self.base}/{ENDPOINTS[resource.kind]}/{resource.id}",
            },
        }
        return MODELS[resource.kind].model_validate(body)

    def _dump(self, resource: ScimResource, ctx: Context, params: Any = None) -> dict[str, Any]:
        return self._render(resource).model_dump(scim_ctx=ctx, response_parameters=params)

    def _one(self, resource: ScimResource, status: int, ctx: Context, params: Any = None) -> Response:
        return scim_json(
            self._dump(resource, ctx, params), status,
            {"ETag": f'W/"{resource.version}"', "Location": f"{self.base}/{ENDPOINTS[resource.kind]}/{resource.id}"},
        )

    async def _body(self, request: Request) -> Any:
        return self._lenient(json.loads(await request.body() or b"{}"))

    def _manager(self, value: Any) -> Any:
        """A manager as Entra ID and Okta send it (an id, or {"value": id}) gets the $ref RFC 7643 4.3 requires."""
        if isinstance(value, str):
            value = {"value": value}
        if isinstance(value, dict) and value.get("value") and not value.get("$ref"):
            value = {**value, "$ref": f"{self.base}/Users/{value['value']}"}
        return value

    def _lenient(self, body: Any) -> Any:
        if not isinstance(body, dict):
            return body
        enterprise = body.get(rules.ENTERPRISE)
        if isinstance(enterprise, dict) and "manager" in enterprise:
            body[rules.ENTERPRISE] = {**enterprise, "manager": self._manager(enterprise["manager"])}
        for op in body.get("Operations") or []:
            if not isinstance(op, dict):
                continue
            if str(op.get("path", "")).endswith(f"{rules.ENTERPRISE}:manager"):
                op["value"] = self._manager(op.get("value"))
            elif isinstance(op.get("value"), dict):
                self._lenient(op["value"])
        return body

    @staticmethod
    def _stored(model: Resource[Any]) -> dict[str, Any]:
        """What is kept of a resource: what the client may write (no id, no meta)."""
        body = model.model_dump(scim_ctx=Context.DEFAULT, exclude_none=True, by_alias=True, mode="json")
        body.pop("id", None)
        body.pop("meta", None)
        return body

    @staticmethod
    def _if_match(request: Request) -> int | None:
        etag = request.headers.get("if-match")
        return version_of(etag) if etag else None

    # ---------- discovery ----------

    async def spc(self, request: Request) -> Response:
        config = service_provider_config()
        data = config.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
        data["meta"] = {"resourceType": "ServiceProviderConfig", "location": f"{self.base}/ServiceProviderConfig"}
        return scim_json(data)

    def _resource_type_dicts(self) -> list[dict[str, Any]]:
        out = []
        for kind, model in MODELS.items():
            data = ResourceType.from_resource(model).model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
            data["meta"] = {"resourceType": "ResourceType", "location": f"{self.base}/ResourceTypes/{kind}"}
            out.append(data)
        return out

    def _schema_dicts(self) -> list[dict[str, Any]]:
        out = []
        for model in (User, EnterpriseUser, Group):
            data = model.to_schema().model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
            data["meta"] = {"resourceType": "Schema", "location": f"{self.base}/Schemas/{data['id']}"}
            out.append(data)
        return out

    @staticmethod
    def _list(items: list[dict[str, Any]], total: int | None = None, start: int = 1) -> dict[str, Any]:
        return {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "totalResults": len(items) if total is None else total,
            "startIndex": start, "itemsPerPage": len(items), "Resources": items,
        }

    async def resource_types(self, request: Request) -> Response:
        return scim_json(self._list(self._resource_type_dicts()))

    async def resource_type(self, request: Request) -> Response:
        found = [d for d in self._resource_type_dicts() if d["id"] == request.path_params["rid"]]
        return scim_json(found[0]) if found else scim_error(404, f"no resource type {request.path_params['rid']!r}")

    async def schemas(self, request: Request) -> Response:
        return scim_json(self._list(self._schema_dicts()))

    async def schema(self, request: Request) -> Response:
        found = [d for d in self._schema_dicts() if d["id"] == request.path_params["sid"]]
        return scim_json(found[0]) if found else scim_error(404, f"no schema {request.path_params['sid']!r}")

    # ---------- resources ----------

    async def get(self, request: Request, kind: str) -> Response:
        params = self._parameters(kind, dict(request.query_params))
        resource = await self._read(lambda uow: self.provisioning.get(uow, kind, request.path_params["rid"]))
        return self._one(resource, 200, Context.RESOURCE_QUERY_RESPONSE, params)

    async def query(self, request: Request, kind: str) -> Response:
        return await self._search(kind, self._parameters(kind, dict(request.query_params)))

    async def search(self, request: Request, kind: str) -> Response:
        return await self._search(kind, SearchRequest[MODELS[kind]].model_validate(await self._body(request), scim_ctx=Context.SEARCH_REQUEST))  # type: ignore[index]

    @staticmethod
    def _parameters(kind: str, query: dict[str, str]) -> Any:
        data: dict[str, Any] = {k: v for k, v in query.items() if k in ("filter", "sortBy", "sortOrder", "startIndex", "count")}
        for name in ("attributes", "excludedAttributes"):
            if query.get(name):
                data[name] = [a.strip() for a in query[name].split(",") if a.strip()]
        return SearchRequest[MODELS[kind]].model_validate(data, scim_ctx=Context.SEARCH_REQUEST)  # type: ignore[index]

    async def search_all(self, request: Request) -> Response:
        """POST /.search at the root: every resource type the filter can be read against (RFC 7644 3.4.3)."""
        body = await self._body(request)
        searches = []
        for kind, model in MODELS.items():
            try:
                searches.append((kind, SearchRequest[model].model_validate(body, scim_ctx=Context.SEARCH_REQUEST)))  # type: ignore[valid-type]
            except (pydantic.ValidationError, SCIMException):
                continue  # the filter names attributes this type does not have
        if not searches:
            return scim_error(400, "the filter fits no resource type", "invalidFilter")
        found: list[dict[str, Any]] = []
        for kind, params in searches:
            found += await self._matching(kind, params)
        return self._page(found, searches[0][1])

    async def _matching(self, kind: str, params: Any) -> list[dict[str, Any]]:
        resources = await self._read(lambda uow: self.provisioning.all(uow, kind))
        rendered = [self._render(r) for r in resources]
        if params.filter is not None:
            rendered = [m for m in rendered if params.filter.match(m)]
        return [m.model_dump(scim_ctx=Context.SEARCH_RESPONSE, response_parameters=params) for m in rendered]

    def _page(self, items: list[dict[str, Any]], params: Any) -> Response:
        start = max(1, params.start_index or 1)
        count = MAX_RESULTS if params.count is None else max(0, min(params.count, MAX_RESULTS))
        return scim_json(self._list(items[start - 1:start - 1 + count], total=len(items), start=start))

    async def _search(self, kind: str, params: Any) -> Response:
        return self._page(await self._matching(kind, params), params)

    async def create(self, request: Request, kind: str) -> Response:
        model = MODELS[kind].model_validate(await self._body(request), scim_ctx=Context.RESOURCE_CREATION_REQUEST)
        outcome = await self._write(lambda uow: self.provisioning.create(uow, kind, self._stored(model)))
        assert outcome.resource is not None
        return self._one(outcome.resource, 201, Context.RESOURCE_CREATION_RESPONSE)

    async def replace(self, request: Request, kind: str) -> Response:
        model = MODELS[kind].model_validate(await self._body(request), scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST)
        rid = request.path_params["rid"]

        async def act(uow: UnitOfWork) -> Outcome:
            old = await self.provisioning.get(uow, kind, rid)
            # Immutable attributes keep their values; read-only ones are the server's (RFC 7644 3.5.1).
            body = {**self._stored(model)}
            if kind == USER and "userName" not in body:
                body["userName"] = old.body.get("userName")
            return await self.provisioning.replace(uow, kind, rid, body, self._if_match(request))

        outcome = await self._write(act)
        assert outcome.resource is not None
        return self._one(outcome.resource, 200, Context.RESOURCE_REPLACEMENT_RESPONSE)

    async def patch(self, request: Request, kind: str) -> Response:
        operations = PatchOp[MODELS[kind]].model_validate(await self._body(request), scim_ctx=Context.RESOURCE_PATCH_REQUEST)  # type: ignore[index]
        rid = request.path_params["rid"]

        async def act(uow: UnitOfWork) -> Outcome:
            old = await self.provisioning.get(uow, kind, rid)
            resource = self._render(old)
            if not operations.patch(resource):
                return Outcome(old, ())
            return await self.provisioning.replace(uow, kind, rid, self._stored(resource), self._if_match(request))

        outcome = await self._write(act)
        assert outcome.resource is not None
        return self._one(outcome.resource, 200, Context.RESOURCE_PATCH_RESPONSE)

    async def delete(self, request: Request, kind: str) -> Response:
        rid = request.path_params["rid"]
        await self._write(lambda uow: self.provisioning.delete(uow, kind, rid))
        return Response(status_code=204)


class _Server(uvicorn.Server):
    """uvicorn without its signal handlers: the service's runtime owns SIGTERM and stops this server."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class ScimServer:
    """The SCIM app on its own port inside the goals process (started and stopped with the service)."""

    def __init__(self, app: ScimApp) -> None:
        self.app = app
        config = uvicorn.Config(
            app.app, host=app.settings.host, port=app.settings.port, log_level="warning", access_log=False, lifespan="off",
        )
        self.server = _Server(config)
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.task = asyncio.create_task(self.server.serve())
        while not self.server.started:
            if self.task.done():
                self.task.result()  # raises what stopped it (a port in use)
                raise RuntimeError("the SCIM server stopped during start-up")
            await asyncio.sleep(0.05)
        log.info("SCIM served", extra={"scim_port": self.app.settings.port})

    async def stop(self) -> None:
        if self.task is not None:
            self.server.should_exit = True
            await self.task
