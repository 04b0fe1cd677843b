"""`paars export`: everything Paars holds about you (or, for HR, about someone, with a reason that is audited)
in one zip: each service's JSON, the topics holding events about you, the audit of privileged actions, and a
readable summary in Dutch and English (paars_platform/export_archive.py builds it, as the web's privacy page does)."""
from __future__ import annotations

import asyncio
import pathlib

import grpc
import typer
from rich.markup import escape

from paars_cli.client import AS_OPTION, ROLES_OPTION, address, console, err_console, me, metadata
from paars_platform import export_archive
from paars_platform.errors import field_violations


def export(
    out: pathlib.Path = typer.Option(pathlib.Path("paars-export.zip"), "--out", "-o", help="Where to write the zip."),
    person: str = typer.Option("", "--person", help="HR only: whose data to export (default: yours)."),
    reason: str = typer.Option("", "--reason", help="With --person: why (kept in each service's audit, which the person sees)."),
    as_: str = AS_OPTION,
    roles: str = ROLES_OPTION,
) -> None:
    """Everything Paars holds about you, as a zip (JSON per service and a readable summary)."""
    caller = me(as_)
    bearer = metadata(as_, roles)
    addresses = {s: address(s) for s in export_archive.SERVICES}
    try:
        answers = asyncio.run(export_archive.collect(addresses, bearer, person_id=person, reason=reason))
    except grpc.aio.AioRpcError as err:
        err_console.print(f"[red]{err.code().name}[/red]: {escape(err.details() or '')}")
        for field, why in field_violations(err):
            err_console.print(f"  [yellow]{escape(field)}[/yellow]: {escape(why)}")
        raise typer.Exit(1) from None
    out.write_bytes(export_archive.archive(answers, person=person or caller, caller=caller, reason=reason))
    for a in answers:
        if a.problem:
            err_console.print(f"[yellow]{a.service}[/yellow]: {escape(a.problem)}")
    console.print(f"wrote {escape(str(out))}: {', '.join(a.service for a in answers if not a.problem)}")
