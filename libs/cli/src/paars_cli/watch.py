"""`paars watch --as PERSON`: your prompts as they arrive, resuming after a disconnect from a remembered cursor;
`paars prompts list|read --as PERSON`: the prompts you have."""
from __future__ import annotations

import asyncio
import os
import pathlib

import grpc
import typer

from paars.notifications.v1 import notifications_pb2 as pb
from paars.notifications.v1 import notifications_pb2_grpc
from paars_cli.client import AS_OPTION as AS
from paars_cli.client import ROLES_OPTION as ROLES
from paars_cli.client import address, console, me, metadata

app = typer.Typer(help="Stream your prompts in the terminal (resumes where it left off).")
prompts_app = typer.Typer(help="List your prompts and mark them read.", no_args_is_help=True)
PRIORITY_STYLE = {pb.PRIORITY_HIGH: "bold red", pb.PRIORITY_NORMAL: "bold", pb.PRIORITY_LOW: "dim"}
RECONNECT_MAX_SECONDS = 10.0


def cursor_file(person: str) -> pathlib.Path:
    return pathlib.Path(os.environ.get("PAARS_DATA_DIR", ".paars")) / f"watch-{person}.cursor"


def _read_cursor(path: pathlib.Path) -> int:
    try:
        return max(0, int(path.read_text().strip() or 0))
    except (FileNotFoundError, ValueError):
        return 0


def _write_cursor(path: pathlib.Path, cursor: int) -> None:
    # Written through a temporary file so a crash never leaves a half-written cursor behind.
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(str(cursor))
    tmp.replace(path)


def show(prompt: pb.Prompt) -> None:
    when = prompt.created_at.ToDatetime().strftime("%H:%M:%S")
    kind = pb.PromptKind.Name(prompt.kind).removeprefix("PROMPT_KIND_").replace("_", " ").lower()
    digest = " [digest]" if prompt.digest else ""
    console.print(f"[dim]{when} #{prompt.cursor} {kind}{digest}[/dim]  [{PRIORITY_STYLE.get(prompt.priority, 'bold')}]{prompt.title}[/]")
    console.print(f"    {prompt.body}", highlight=False)


async def _watch(person: str, roles: str, from_cursor: int | None) -> None:
    path = cursor_file(me(person))
    cursor = _read_cursor(path) if from_cursor is None else from_cursor
    md = metadata(person, roles)
    pause = 0.5
    console.print(f"[dim]watching prompts for {person} on {address('notifications')} from cursor {cursor} (Ctrl-C to stop)[/dim]")
    while True:
        try:
            async with grpc.aio.insecure_channel(address("notifications")) as channel:
                stub = notifications_pb2_grpc.NotificationServiceStub(channel)
                async for prompt in stub.Subscribe(pb.SubscribeRequest(after_cursor=cursor), metadata=md):
                    show(prompt)
                    cursor = prompt.cursor
                    _write_cursor(path, cursor)
                    pause = 0.5
        except grpc.aio.AioRpcError as err:
            if err.code() in (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.INVALID_ARGUMENT):
                console.print(f"[red]{err.code().name}[/red]: {err.details()}")
                raise typer.Exit(1) from None
            console.print(f"[yellow]disconnected ({err.code().name}); resuming from #{cursor}[/yellow]")
        await asyncio.sleep(pause)
        pause = min(RECONNECT_MAX_SECONDS, pause * 2)


@app.callback(invoke_without_command=True)
def watch(
    ctx: typer.Context,
    person: str = AS,
    roles: str = ROLES,
    from_cursor: int = typer.Option(-1, "--from", help="Start after this cursor instead of the remembered one (0: only new prompts)."),
) -> None:
    """Streams your prompts; remembers the last one in .paars/watch-<person>.cursor and resumes from it."""
    if ctx.invoked_subcommand is not None:
        return
    try:
        asyncio.run(_watch(person, roles, None if from_cursor < 0 else from_cursor))
    except KeyboardInterrupt:
        console.print("[dim]stopped[/dim]")


async def _call(person: str, roles: str, request: pb.ListPromptsRequest | pb.MarkReadRequest) -> pb.ListPromptsResponse | pb.MarkReadResponse:
    async with grpc.aio.insecure_channel(address("notifications")) as channel:
        stub = notifications_pb2_grpc.NotificationServiceStub(channel)
        if isinstance(request, pb.ListPromptsRequest):
            return await stub.ListPrompts(request, metadata=metadata(person, roles))
        return await stub.MarkRead(request, metadata=metadata(person, roles))


def _run(person: str, roles: str, request: pb.ListPromptsRequest | pb.MarkReadRequest) -> pb.ListPromptsResponse | pb.MarkReadResponse:
    try:
        return asyncio.run(_call(person, roles, request))
    except grpc.aio.AioRpcError as err:
        console.print(f"[red]{err.code().name}[/red]: {err.details()}")
        raise typer.Exit(1) from None


@prompts_app.command("list")
def list_prompts(
    person: str = AS, roles: str = ROLES,
    unread: bool = typer.Option(False, "--unread", help="Only prompts you have not read."),
    limit: int = typer.Option(20, "--limit"),
) -> None:
    """Your latest prompts, newest first."""
    response = _run(person, roles, pb.ListPromptsRequest(unread_only=unread, limit=limit))
    assert isinstance(response, pb.ListPromptsResponse)
    if not response.prompts:
        console.print("[dim]no prompts[/dim]")
    for prompt in response.prompts:
        show(prompt)
        console.print(f"    [dim]id {prompt.id}{'' if prompt.read else ' · unread'}{' · acted on' if prompt.acted else ''}[/dim]")


@prompts_app.command("read")
def mark_read(prompt_ids: list[str], person: str = AS, roles: str = ROLES) -> None:
    """Marks prompts read."""
    response = _run(person, roles, pb.MarkReadRequest(prompt_ids=prompt_ids))
    assert isinstance(response, pb.MarkReadResponse)
    console.print(f"{response.updated} marked read")
