"""What every CLI command needs: where the services are, a development token, readable gRPC errors."""
from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from typing import Any, NoReturn, TypeVar

import grpc
import typer
from google.protobuf import json_format
from rich.console import Console
from rich.markup import escape

from paars_cli import login
from paars_platform.auth import mint_token
from paars_platform.config import DEFAULT_PORTS, DEV_SYSTEM_CLIENT, DEVELOPMENT, Settings, env_str
from paars_platform.errors import field_violations

console = Console()
err_console = Console(stderr=True)
T = TypeVar("T")

AS_OPTION = typer.Option(
    "", "--as",
    help="Development only: the employee id to act as (a development token is minted). Without it, you act as signed in with 'paars login'.",
)
ROLES_OPTION = typer.Option(
    "", "--roles",
    help="With --as: comma-separated roles to narrow the token to (default: your roles in the directory); 'system' acts as a service client.",
)


def address(service: str) -> str:
    """PAARS_<SERVICE>_ADDR, else the local default port."""
    return os.environ.get(f"PAARS_{service.upper()}_ADDR") or f"127.0.0.1:{DEFAULT_PORTS[service][0]}"


def development_token(person: str, roles: list[str], ttl_seconds: int = 12 * 3600) -> str:
    """A development token; with "system" it comes from the development service client, the only one allowed it."""
    settings = Settings.from_env("cli")
    client = DEV_SYSTEM_CLIENT if "system" in roles else ""
    return mint_token(person, roles, secret=settings.jwt_secret, issuer=settings.jwt_issuer, ttl_seconds=ttl_seconds, client_id=client)


def is_development() -> bool:
    return env_str("PAARS_ENVIRONMENT", DEVELOPMENT) == DEVELOPMENT


def system_configured() -> bool:
    """The CLI runs for an internal system: PAARS_OIDC_CLIENT_ID and PAARS_OIDC_CLIENT_SECRET name its client."""
    return bool(os.environ.get("PAARS_OIDC_CLIENT_SECRET"))


_system_tokens: dict[str, str] = {}


def system_token() -> str:
    """The internal system's client-credentials token (PAARS_OIDC_ISSUER, PAARS_OIDC_CLIENT_ID,
    PAARS_OIDC_CLIENT_SECRET, PAARS_OIDC_AUDIENCE, and PAARS_OIDC_SCOPE: the RPC scopes it asks for)."""
    if "token" not in _system_tokens:
        missing = [n for n in ("PAARS_OIDC_ISSUER", "PAARS_OIDC_CLIENT_ID") if not os.environ.get(n)]
        if missing:
            _fail(f"{', '.join(missing)} must be set beside PAARS_OIDC_CLIENT_SECRET")
        try:
            _system_tokens["token"] = login.client_credentials_token(
                os.environ["PAARS_OIDC_ISSUER"], os.environ["PAARS_OIDC_CLIENT_ID"], os.environ["PAARS_OIDC_CLIENT_SECRET"],
                os.environ.get("PAARS_OIDC_AUDIENCE", ""), os.environ.get("PAARS_OIDC_SCOPE", "").split(),
            )
        except login.LoginError as exc:
            _fail(str(exc))
    return _system_tokens["token"]


def metadata(person: str, roles: str | list[str] = "") -> list[tuple[str, str]]:
    """The bearer of a call: a development token for --as PERSON; else an internal system's
    client-credentials token when PAARS_OIDC_CLIENT_SECRET is set; else the token of 'paars login'."""
    role_list = [r.strip() for r in roles.split(",") if r.strip()] if isinstance(roles, str) else roles
    if not person:
        if role_list:
            _fail("--roles narrows development tokens only: pass --as <employee id> with it")
        if system_configured():
            return [("authorization", f"Bearer {system_token()}")]
        return [("authorization", f"Bearer {signed_in().access_token}")]
    if not is_development():
        _fail("--as mints development tokens, which only PAARS_ENVIRONMENT=development accepts; sign in with 'paars login'")
    return [("authorization", f"Bearer {development_token(person, role_list)}")]


def signed_in() -> login.Credentials:
    try:
        return login.current()
    except login.LoginError as exc:
        _fail(str(exc))


def me(person: str) -> str:
    """Who the command acts as: --as PERSON, else the signed-in person."""
    return person or signed_in().subject


def _fail(message: str) -> NoReturn:
    err_console.print(f"[red]error[/red]: {escape(message)}")
    raise typer.Exit(1)


def to_dict(message: Any) -> dict[str, Any]:
    return json_format.MessageToDict(message, preserving_proto_field_name=True)


def call(
    service: str, make_stub: Callable[[grpc.aio.Channel], Any], invoke: Callable[[Any], Awaitable[T]], locate: Callable[[str], str] = str
) -> T:
    """Runs one RPC; a gRPC error becomes a readable message and exit code 1. locate rewrites the
    request's field paths in it into where the user wrote them (a file and line)."""

    async def run() -> T:
        async with grpc.aio.insecure_channel(address(service)) as channel:
            return await invoke(make_stub(channel))

    try:
        return asyncio.run(run())
    except grpc.aio.AioRpcError as err:
        err_console.print(f"[red]{err.code().name}[/red]: {escape(locate(err.details() or ''))}")
        for field, why in field_violations(err):
            err_console.print(f"  [yellow]{escape(locate(field))}[/yellow]: {escape(why)}")
        raise typer.Exit(1) from None


def print_json(message: Any) -> None:
    console.print_json(data=to_dict(message))
