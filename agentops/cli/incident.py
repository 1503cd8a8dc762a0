"""`agentops incident …`: open, list, show and close incidents (thin over analysis.incidents)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from agentops.cli.context import (
    CliState,
    FormatOption,
    JsonFlag,
    OutputFormat,
    print_json,
    state,
    stderr,
    stdout,
    wants_json,
)

if TYPE_CHECKING:
    from rich.table import Table

    from agentops.analysis.incidents import Incident, IncidentView

incident_app = typer.Typer(help="Open, list, show and close incidents.", no_args_is_help=True)

IncidentArg = Annotated[str, typer.Argument(help="Incident id or ref (INC-1042).")]


def _time(text: str | None, option: str):  # noqa: ANN202 - datetime, imported lazily
    from agentops.cli.context import parse_as_of
    from agentops.errors import UsageError

    try:
        return parse_as_of(text)
    except UsageError:
        raise UsageError(
            f"{option} {text!r} is not a time", hint="use ISO-8601, e.g. 2026-11-20T03:00:00Z"
        ) from None


def incident_paths(cli: CliState) -> list[Path]:
    """The incident files and folders of `[sources.incidents] paths`, under the project root."""
    settings = cli.settings
    declared = (settings.sources.get("incidents") or {}).get("paths") or []
    if isinstance(declared, str):
        declared = [declared]
    return [settings.root / str(path) for path in declared]


def incident_folder(cli: CliState) -> Path:
    """Where new incident files go: the first declared folder, else `<root>/incidents`."""
    from agentops.analysis.incidents.files import DEFAULT_FOLDER

    for path in incident_paths(cli):
        if path.suffix.lower() != ".json":
            return path
    return cli.settings.root / DEFAULT_FOLDER


@incident_app.command("open")
def open_command(
    ctx: typer.Context,
    model: Annotated[str, typer.Option("--model", help="Model version or deployment affected.")],
    symptom: Annotated[str, typer.Option("--symptom", help="What is wrong, in a sentence.")],
    metric: Annotated[
        str | None, typer.Option("--metric", help="The metric that moved (ndcg_at_10).")
    ] = None,
    baseline: Annotated[
        float | None, typer.Option("--from", help="Its value before (baseline).")
    ] = None,
    observed: Annotated[float | None, typer.Option("--to", help="Its value now.")] = None,
    at: Annotated[str | None, typer.Option("--at", help="When it started (default: now).")] = None,
    severity: Annotated[str, typer.Option("--severity", help="SEV0 … SEV5.")] = "SEV2",
    incident_id: Annotated[
        str | None, typer.Option("--id", help="Incident id (default: next free INC-<n>).")
    ] = None,
    json: JsonFlag = False,
    fmt: FormatOption = OutputFormat.TEXT,
) -> None:
    """Open an incident: writes incidents/<id>.json and adds it to the graph."""
    from agentops.analysis.incidents import Incident

    cli = state(ctx)
    folder = incident_folder(cli)
    node = cli.project.open_incident(
        model,
        symptom,
        metric=metric,
        baseline=baseline,
        observed=observed,
        at=_time(at, "--at"),
        severity=severity,
        incident_id=incident_id,
        folder=folder,
    )
    incident = Incident.from_node(node)
    if wants_json(json, fmt):
        print_json(incident.to_json())
    else:
        stdout().print(incident.ref, markup=False, highlight=False)
    stderr().print(
        f"opened {incident.ref} ({incident.severity}) on {', '.join(incident.affects)}; "
        f"file {folder / (incident.id + '.json')}",
        markup=False,
        highlight=False,
    )


@incident_app.command("list")
def list_command(
    ctx: typer.Context,
    show_all: Annotated[bool, typer.Option("--all", help="Closed incidents too.")] = False,
    json: JsonFlag = False,
    fmt: FormatOption = OutputFormat.TEXT,
) -> None:
    """Incidents, newest first (open ones unless --all)."""
    from agentops.analysis.incidents import list_incidents

    incidents = list_incidents(state(ctx).store(), include_closed=show_all)
    if wants_json(json, fmt):
        print_json({"incidents": [incident.to_json() for incident in incidents]})
        return
    if not incidents:
        stderr().print("no open incidents" if not show_all else "no incidents")
        return
    stdout().print(_table(incidents))


@incident_app.command("show")
def show_command(
    ctx: typer.Context,
    incident: IncidentArg,
    json: JsonFlag = False,
    fmt: FormatOption = OutputFormat.TEXT,
) -> None:
    """One incident: its symptom, what it affects, and the lineage behind it."""
    from agentops.analysis.incidents import show_incident

    view = show_incident(state(ctx).store(), incident)
    if wants_json(json, fmt):
        print_json(view.to_json())
        return
    _print_view(view)


@incident_app.command("close")
def close_command(
    ctx: typer.Context,
    incident: IncidentArg,
    at: Annotated[str | None, typer.Option("--at", help="When it ended (default: now).")] = None,
    resolution: Annotated[
        str | None, typer.Option("--resolution", help="What fixed it, in a sentence.")
    ] = None,
    json: JsonFlag = False,
    fmt: FormatOption = OutputFormat.TEXT,
) -> None:
    """Close an incident: sets closed_at (and resolution) in its file and in the graph."""
    cli = state(ctx)
    closed = cli.project.close_incident(
        incident, at=_time(at, "--at"), resolution=resolution, paths=incident_paths(cli)
    )
    if wants_json(json, fmt):
        print_json(closed.to_json())
    else:
        stdout().print(closed.ref, markup=False, highlight=False)
    stderr().print(f"closed {closed.ref} at {closed.to_json()['closed_at']}", highlight=False)


def _table(incidents: list[Incident]) -> Table:
    from rich.table import Table
    from rich.text import Text

    from agentops.render import safe

    table = Table(show_edge=False, header_style="bold")
    for column in ("id", "severity", "status", "opened (UTC)", "affects", "title"):
        table.add_column(column)
    for incident in incidents:
        opened = incident.opened_at.strftime("%Y-%m-%d %H:%M") if incident.opened_at else ""
        table.add_row(
            Text(safe(incident.id), style="red" if incident.is_open else ""),
            Text(safe(incident.severity or "")),
            Text("open" if incident.is_open else "closed"),
            Text(opened),
            Text(safe(", ".join(incident.affects), 80)),
            Text(safe(incident.title, 72)),
        )
    return table


def _print_view(view: IncidentView) -> None:
    from rich.text import Text

    from agentops.render import safe

    console = stdout()
    incident = view.incident
    data = incident.to_json()
    console.print(Text(f"{incident.ref}  {safe(incident.title)}", style="bold"))
    for key in ("severity", "status", "opened_at", "closed_at", "resolution"):
        if data.get(key):
            console.print(Text(f"  {key}: {safe(data[key], 200)}"))
    if incident.symptom:
        s = incident.symptom
        line = f"  symptom: {s.get('metric')} {s.get('baseline')} → {s.get('observed')}"
        console.print(Text(safe(line, 200)))
    console.print(Text("  affects: " + ", ".join(safe(n.ref) for n in view.affected)))
    for kind, refs in view.upstream.items():
        more = view.upstream_counts[kind] - len(refs)
        line = f"  upstream {kind} ({view.upstream_counts[kind]}): " + ", ".join(refs)
        console.print(Text(safe(line + (f" … +{more}" if more else ""), 400)))
