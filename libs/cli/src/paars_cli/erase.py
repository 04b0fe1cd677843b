"""`paars erase --person ID --reason TEXT`: HR erases a person (issue 18 item 4). Goals erases its rows and tells
every service; then each service's status is shown (what it erased, what a legal hold kept and why), as `paars
export` gathers from every service. A service that has not erased yet says so: run `paars erase` again to see
(erasing again changes nothing), or pass --wait."""
from __future__ import annotations

import asyncio
import time
import uuid

import grpc
import typer
from rich.markup import escape
from rich.table import Table

from paars_cli.client import AS_OPTION, ROLES_OPTION, address, console, err_console, metadata
from paars_platform import erasure_client
from paars_platform.errors import field_violations
from paars_platform.export_archive import SERVICES


def _show(found: list[erasure_client.ServiceStatus]) -> None:
    table = Table("service", "erased", "rows erased", "kept (why)")
    for s in found:
        if s.status is None:
            table.add_row(s.service, "?", "", escape(s.problem))
            continue
        erased = ", ".join(f"{k} {v}" for k, v in sorted(s.status.erased.items()) if v)
        kept = "; ".join(f"{k.kind} {k.rows} ({k.reason})" for k in s.status.kept)
        table.add_row(s.service, s.status.erased_at[:19] if s.erased else "not yet", escape(erased), escape(kept))
    console.print(table)


def erase(
    person: str = typer.Option(..., "--person", help="Whom to erase (their employee id)."),
    reason: str = typer.Option("", "--reason", help="Why (at least 10 characters; every service records it)."),
    wait: float = typer.Option(0.0, "--wait", help="Seconds to wait for every service to have erased."),
    as_: str = AS_OPTION,
    roles: str = ROLES_OPTION,
) -> None:
    """Erase a person from every service (HR), keeping what a legal hold names; shows each service's status."""
    bearer = metadata(as_, roles)
    addresses = {s: address(s) for s in SERVICES}
    try:
        asyncio.run(erasure_client.erase(addresses, bearer, person_id=person, reason=reason, idempotency_key=uuid.uuid4().hex))
        deadline = time.monotonic() + wait
        while True:
            found = asyncio.run(erasure_client.statuses(addresses, bearer, person_id=person))
            if all(s.erased for s in found) or time.monotonic() >= deadline:
                break
            time.sleep(0.5)
    except grpc.aio.AioRpcError as err:
        err_console.print(f"[red]{err.code().name}[/red]: {escape(err.details() or '')}")
        for field, why in field_violations(err):
            err_console.print(f"  [yellow]{escape(field)}[/yellow]: {escape(why)}")
        raise typer.Exit(1) from None
    _show(found)
    if not all(s.erased for s in found):
        err_console.print("[yellow]not every service has erased yet[/yellow]: the others do when goals' event reaches them")
