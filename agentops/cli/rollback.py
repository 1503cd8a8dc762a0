"""`agentops rollback plan|apply`: draft a rollback plan, and (a person, with --yes) apply it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from agentops.cli.context import (
    BadArgument,
    FormatOption,
    JsonFlag,
    OutputFormat,
    print_json,
    state,
    stderr,
    stdout,
    wants_json,
)
from agentops.errors import UsageError

rollback_app = typer.Typer(
    help="Plan a rollback (target, checks, canary, undo), and apply a plan's alias move.",
    no_args_is_help=True,
)


@rollback_app.command("plan")
def plan_command(
    ctx: typer.Context,
    bad: BadArgument,
    to: Annotated[
        str | None,
        typer.Option("--to", help="Roll back to this version (default: chosen from the lineage)."),
    ] = None,
    json: Annotated[
        bool, typer.Option("--json", help="Print the plan as JSON (same as --format json).")
    ] = False,
    md: Annotated[bool, typer.Option("--md", help="Print the plan as Markdown (default).")] = False,
    fmt: FormatOption = OutputFormat.TEXT,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Also write the plan to this file (JSON if it ends in .json)."),
    ] = None,
) -> None:
    """Draft a rollback plan for BAD: whether rolling back fixes it, the target and why it is
    good, compatibility, the exact alias move, canary gates, verification, undo, follow-ups."""
    from agentops.analysis.atomic_write import write_atomic

    json = wants_json(json, fmt)
    if json and md:
        raise UsageError("--json and --md exclude each other", hint="pick one output format")
    project = state(ctx).project
    with stderr().status("planning the rollback…"):
        result = project.plan_rollback(bad, to=to)
    data = project.sign_plan(result.to_json())  # `apply` carries out only signed plans
    markdown = result.to_markdown()
    if out is not None:
        import json as json_lib

        as_json = json or out.suffix.lower() == ".json"
        text = json_lib.dumps(data, indent=2, default=str) + "\n" if as_json else markdown
        write_atomic(out, text)
    if json:
        print_json(data)
    else:
        stdout().print(markdown, markup=False, highlight=False, end="")
    summary = f"plan: {result.action.value}"
    if result.mechanism:
        summary += f" ({result.mechanism.describe()})"
    if out is not None:
        summary += f"; written to {out}"
    stderr().print(summary, markup=False, highlight=False)


@rollback_app.command("apply")
def apply_command(
    ctx: typer.Context,
    plan_file: Annotated[
        Path, typer.Argument(metavar="PLAN", help="A JSON plan from `rollback plan --json`.")
    ],
    yes: Annotated[
        bool, typer.Option("--yes", help="Really move the alias (without it nothing changes).")
    ] = False,
    tracking_uri: Annotated[
        str | None,
        typer.Option(
            "--tracking-uri",
            help="MLflow registry (default: MLFLOW_TRACKING_URI, then [sources.mlflow] "
            "tracking_uri in agentops.toml; never the plan's own).",
        ),
    ] = None,
    json: JsonFlag = False,
    fmt: FormatOption = OutputFormat.TEXT,
) -> None:
    """Move the MLflow alias as the plan says (after checking it still points where the plan
    saw it) and record the move in the lineage graph. Refuses without --yes."""
    from agentops.analysis.rollback.apply import load_plan, resolve_uri
    from graph.ingest.mlflow.client import masked_uri

    console = stderr()
    loaded = load_plan(plan_file)
    project = state(ctx).project
    settings = project.settings
    configured = settings.sources.get("mlflow", {}).get("tracking_uri")
    uri = resolve_uri(loaded, tracking_uri, configured, settings.root)
    console.print(
        f"will change: {loaded.move.describe()} (registry {masked_uri(uri)})",
        markup=False,
        highlight=False,
    )
    if not yes:
        console.print("nothing changed: add --yes to apply", style="red")
        raise typer.Exit(1)
    result = project.apply_rollback(loaded, uri)
    if wants_json(json, fmt):
        print_json(result.to_json())
    console.print(f"changed: {result.move.describe()}", markup=False, highlight=False)
    if result.recorded:
        console.print(
            f"recorded in the lineage graph as {result.deployment}", markup=False, highlight=False
        )
    else:
        console.print(
            "warning: the move is done but could not be written to the lineage graph; "
            "run `agentops sync` to record it",
            style="yellow",
        )
