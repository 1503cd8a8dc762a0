"""`agentops ingest dvc [PATH]`: DVC stages and tracked data, at every commit that changed them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from agentops.cli.context import print_json, state, stderr


def ingest_dvc(
    ctx: typer.Context,
    path: Annotated[
        Path | None,
        typer.Argument(
            help="The DVC project (a git work tree or a folder in one); default: "
            "[sources.dvc] path in agentops.toml, else the project root."
        ),
    ] = None,
    full: Annotated[
        bool, typer.Option("--full", help="Re-read the history even if it has not changed.")
    ] = False,
    json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Read dvc.lock stages (runs, with deps/outs by md5 and params) and .dvc files (dataset
    versions) from every git commit that changed them."""
    from graph.ingest.dvc import ingest_dvc as ingest

    cli = state(ctx)
    if path is None:
        configured = cli.settings.sources.get("dvc", {}).get("path", ".")
        path = cli.settings.root / str(configured)
    report = ingest(cli.store(), path, full=full)
    console = stderr()
    for problem in report.problems:
        console.print(f"warning: {problem}", style="yellow", markup=False, highlight=False)
    if report.shallow:
        console.print(
            "warning: shallow clone: only the history it holds was read",
            style="yellow",
            markup=False,
            highlight=False,
        )
    if report.up_to_date:
        summary = f"dvc: {report.repo} unchanged since the last ingest"
    else:
        summary = (
            f"dvc: {report.lock_versions} dvc.lock and {report.dvc_files} .dvc versions in "
            f"{report.commits} commits → {report.runs} runs, {report.datasets} datasets, "
            f"{report.edges} edges"
        )
    links = report.linked_commits + report.linked_configs
    console.print(
        summary + (f"; {links} new links to commits/configs" if links else ""),
        markup=False,
        highlight=False,
    )
    if json:
        print_json(report.to_json())
