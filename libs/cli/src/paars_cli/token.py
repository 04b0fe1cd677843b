"""`paars token`: mint a development bearer token (HS256 with the local secret)."""
from __future__ import annotations

import typer

from paars_cli.client import development_token
from paars_platform.auth import ROLES
from paars_platform.config import Settings


def token(
    person: str = typer.Argument(..., help="Employee id (the token's subject)."),
    roles: str = typer.Option("", help="Comma-separated roles to narrow to (default: the directory's); 'system' for a service client."),
    ttl: int = typer.Option(12 * 3600, help="Lifetime in seconds."),
) -> None:
    """Print a development token for PERSON; use it as 'authorization: Bearer <token>' metadata."""
    role_list = [r.strip() for r in roles.split(",") if r.strip()]
    unknown = [r for r in role_list if r not in ROLES]
    if unknown:
        raise typer.BadParameter(f"unknown roles {unknown}; known: {', '.join(ROLES)}")
    settings = Settings.from_env("cli")
    if settings.jwt_algorithm != "HS256":
        raise typer.BadParameter("development tokens are HS256; production tokens come from your identity provider")
    typer.echo(development_token(person, role_list, ttl_seconds=ttl))
