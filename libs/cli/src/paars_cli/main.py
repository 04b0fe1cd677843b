"""The `paars` command (Typer): run the platform, import the directory, work with goals, tail events."""
from __future__ import annotations

import asyncio
import logging
import pathlib
import signal

import typer

from paars_cli import events, feedback, goal, insights, login, org, watch
from paars_cli.erase import erase
from paars_cli.export import export
from paars_cli.token import token

app = typer.Typer(no_args_is_help=True, help="Paars: continuous performance and development, on your terms.")
app.command()(token)
app.command()(login.login)
app.command()(login.logout)
app.command()(login.whoami)
app.command()(export)
app.command()(erase)
app.add_typer(org.app, name="org")
app.add_typer(goal.app, name="goal")
app.add_typer(events.app, name="events")
app.add_typer(feedback.app, name="feedback")
app.add_typer(insights.app, name="insights")
app.add_typer(watch.app, name="watch")
app.add_typer(watch.prompts_app, name="prompts")


@app.command()
def run(
    demo: bool = typer.Option(True, "--demo/--no-demo", help="Load the demo organisation and keep it active."),
    port_offset: int = typer.Option(0, help="Added to every local port (gRPC 5005x, metrics 910x, broker 9092)."),
    data_dir: pathlib.Path = typer.Option(pathlib.Path(".paars/run"), help="Where SQLite files, logs and the Prometheus config go."),
    bootstrap: str = typer.Option("", envvar="PAARS_KAFKA_BOOTSTRAP", help="Kafka to use; empty starts the embedded broker."),
    plain: bool = typer.Option(False, help="Print lines instead of the live view."),
    duration: float = typer.Option(0.0, help="Stop by itself after this many seconds (0: until Ctrl-C/SIGTERM)."),
    seed: int = typer.Option(None, help="Seed of the demo's randomness."),
    services: str = typer.Option("goals,feedback,notifications,analytics,story,conversations", help="Which services to start."),
    web: bool = typer.Option(True, "--web/--no-web", help="Start the web app on http://127.0.0.1:8080 (+ offset) with the development sign-in."),
) -> None:
    """Start the whole platform locally (foreground until Ctrl-C or SIGTERM, then a clean stop)."""
    from paars_cli.stack import PortsInUse, Stack

    logging.basicConfig(level=logging.WARNING)
    stack = Stack(data_dir=data_dir, port_offset=port_offset, bootstrap=bootstrap, services=tuple(s.strip() for s in services.split(",") if s.strip()), web=web)
    try:
        stack.check_ports()
    except PortsInUse as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    typer.echo("starting Paars: broker, services ...")
    try:
        stack.start()
        if stack.web_process is not None:
            typer.echo(f"Paars is open at {stack.web_url} (sign in as a demo person there)")
        typer.echo(
            "serving: "
            + ", ".join(f"{name} 127.0.0.1:{p.grpc_port} (metrics :{p.metrics_port})" for name, p in stack.processes.items())
            + f"; broker {stack.bootstrap}; Prometheus config {stack.data_dir / 'prometheus.yml'}"
        )
        asyncio.run(_main_loop(stack, demo=demo, plain=plain, duration=duration, seed=seed))
    finally:
        typer.echo("stopping Paars ...")
        stack.stop()
        typer.echo("stopped")


async def _main_loop(stack: object, *, demo: bool, plain: bool, duration: float, seed: int | None) -> None:
    from paars_cli import demo as demo_mod
    from paars_cli.client import address, metadata
    from paars_cli.live import LiveView, tail_events, watch_prompts
    from paars_cli.stack import Stack

    assert isinstance(stack, Stack)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    if duration:
        loop.call_later(duration, stop.set)
    world = demo_mod.build_world()
    view = LiveView(world.names, plain, {name: p.grpc_port for name, p in stack.processes.items()})
    tasks = [asyncio.create_task(tail_events(stack.bootstrap, view, stop))]
    if "notifications" in stack.processes:
        people = world.people
        tasks.append(asyncio.create_task(watch_prompts(people, lambda p: metadata(p, sorted(world.roles[p])), address("notifications"), view, stop)))
    if demo:
        await demo_mod.load_directory(world)
        # Until every service has projected the directory, a demo person's call is refused as from a stranger.
        slow = await demo_mod.until_everyone_is_known(world, [s for s in demo_mod.DIRECTORY_SERVICES if s in stack.processes])
        if slow:
            view.add("demo", f"the directory has not reached {', '.join(slow)} yet; the demo starts all the same")
        view.add("demo", f"demo organisation loaded: Paars NV, {len(world.people)} people in {len(demo_mod.demo_org.TEAMS)} teams")
        tasks.append(asyncio.create_task(demo_mod.drive(world, lambda line: view.add("demo", line), stop, seed=seed)))
    try:
        await view.show(stop)
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        await world.close()
