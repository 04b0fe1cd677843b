"""`paars insights ...`: open insights, a person's signals and a team's roll-up, from the analytics service."""
from __future__ import annotations

import typer
from rich.table import Table

from paars.analytics.v1 import analytics_pb2 as pb
from paars.analytics.v1 import analytics_pb2_grpc
from paars_cli.client import call, console, metadata

app = typer.Typer(no_args_is_help=True, help="Insights, signals and team roll-ups from the analytics stream.")


def _call(method: str, request: object, who: str, roles: str) -> object:
    return call("analytics", analytics_pb2_grpc.AnalyticsServiceStub, lambda stub: getattr(stub, method)(request, metadata=metadata(who, roles), timeout=10))


@app.command("list")
def list_insights(
    as_: str = typer.Option(..., "--as", help="Your employee id."),
    roles: str = typer.Option("employee", help="Comma-separated roles for the development token."),
    team: str = typer.Option("", help="Only insights about this team and its people."),
    subject: str = typer.Option("", help="Only insights about this person or team."),
    all_: bool = typer.Option(False, "--all", help="Include resolved and expired insights."),
) -> None:
    """Insights where you are the subject or the one to act (or about a team you may see)."""
    response = _call("ListInsights", pb.ListInsightsRequest(team_id=team, subject_id=subject, open_only=not all_, limit=50), as_, roles)
    table = Table("kind", "severity", "subject", "reason", "act", "open")
    for i in response.insights:  # type: ignore[attr-defined]
        table.add_row(pb.InsightKind.Name(i.kind).removeprefix("INSIGHT_KIND_"), pb.Severity.Name(i.severity).removeprefix("SEVERITY_"),
                      i.subject_id, f"{i.reason}\n[dim]{i.suggested_action}[/dim]", ", ".join(i.actors), "yes" if i.open else "no")
    console.print(table)


@app.command()
def signals(
    person: str,
    as_: str = typer.Option("", "--as", help="Your employee id (default: the person)."),
    roles: str = typer.Option("employee", help="Comma-separated roles for the development token."),
    window: int = typer.Option(30, help="30 or 90 days."),
) -> None:
    """A person's performance, development and feedback-health signals."""
    s = _call("GetSignals", pb.GetSignalsRequest(employee_id=person, window_days=window), as_ or person, roles)
    console.print(s)


@app.command()
def team(
    team_id: str,
    as_: str = typer.Option(..., "--as", help="Your employee id."),
    roles: str = typer.Option("manager", help="Comma-separated roles for the development token."),
    window: int = typer.Option(30, help="30 or 90 days."),
) -> None:
    """A team's roll-up (suppressed below the anonymity threshold)."""
    r = _call("GetTeamRollup", pb.GetTeamRollupRequest(team_id=team_id, window_days=window), as_, roles)
    console.print(r)
