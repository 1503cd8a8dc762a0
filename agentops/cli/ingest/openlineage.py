"""`agentops ingest openlineage FILE|DIR|-`: OpenLineage events into the lineage graph."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from agentops.cli.context import print_json, state, stderr

MAX_SHOWN_INVALID = 50


def ingest_openlineage(
    ctx: typer.Context,
    sources: Annotated[
        list[str],
        typer.Argument(
            metavar="FILE|DIR|-",
            help="Event files (JSON array, object or NDJSON: .json, .jsonl, .ndjson), folders "
            "of them, or - for standard input.",
        ),
    ],
    json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Read OpenLineage RunEvents, JobEvents and DatasetEvents; keep the valid ones.

    Each invalid event is reported on stderr with its position (file, [index] or :line) and why;
    the valid ones are still ingested, and the exit code is then 1.
    """
    from graph.ingest.openlineage import ingest_openlineage as ingest

    report = ingest(state(ctx).store(), sources, stdin=sys.stdin)
    console = stderr()
    for bad in report.invalid[:MAX_SHOWN_INVALID]:
        console.print(f"invalid event {bad}", style="yellow", markup=False, highlight=False)
    if len(report.invalid) > MAX_SHOWN_INVALID:
        console.print(
            f"… and {len(report.invalid) - MAX_SHOWN_INVALID} more invalid events",
            style="yellow",
            markup=False,
            highlight=False,
        )
    console.print(
        f"openlineage: {report.events} events from {report.files} files → {report.runs} runs, "
        f"{report.jobs} jobs, {report.datasets} datasets, {report.edges} edges"
        f"{f', {report.linked_commits} linked to commits' if report.linked_commits else ''}"
        f"{f'; {len(report.invalid)} invalid' if report.invalid else ''}",
        markup=False,
        highlight=False,
    )
    if json:
        print_json(report.to_json())
    if report.invalid:
        raise typer.Exit(1)
