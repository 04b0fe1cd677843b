"""What every CLI command needs: where the services are, a development token, readable gRPC errors."""
from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import grpc
import typer
from google.protobuf import json_format
from rich.console import Console
from rich.markup import escape

from paars_platform.auth import mint_token
from paars_platform.config import DEFAULT_PORTS, DEV_SYSTEM_CLIENT, Settings
from paars_platform.errors import field_violations

console = Console()
err_console = Console(stderr=True)
T = TypeVar("T")

AS_OPTION = typer.Option(..., "--as", help="The employee id you act as (a development token is minted for it).")
ROLES_OPTION = typer.Option(
    "", "--roles",
    help="Comma-separated roles to narrow the token to (default: your roles in the directory); 'system' acts as a service client.",
)


def address(service: str) -> str:
    """PAARS_<SERVICE>_ADDR, else the local default port."""
    return os.environ.get(f"PAARS_{service.upper()}_ADDR") or f"127.0.0.1:{DEFAULT_PORTS[service][0]}"


def development_token(person: str, roles: list[str], ttl_seconds: int = 12 * 3600) -> str:
    """A development token; with "system" it comes from the development service client, the only one allowed it."""
    settings = Settings.from_env("cli")
    client = DEV_SYSTEM_CLIENT if "system" in roles else ""
    return mint_token(person, roles, secret=settings.jwt_secret, issuer=settings.jwt_issuer, ttl_seconds=ttl_seconds, client_id=client)


def metadata(person: str, roles: str | list[str] = "") -> list[tuple[str, str]]:
    role_list = [r.strip() for r in roles.split(",") if r.strip()] if isinstance(roles, str) else roles
    return [("authorization", f"Bearer {development_token(person, role_list)}")]


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
