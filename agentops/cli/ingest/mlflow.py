"""`agentops ingest mlflow [--tracking-uri URI]`: runs, dataset inputs, models and aliases."""

from __future__ import annotations

from typing import Annotated

import typer

from agentops.cli.context import print_json, state, stderr


def ingest_mlflow(
    ctx: typer.Context,
    tracking_uri: Annotated[
        str | None,
        typer.Option(
            "--tracking-uri",
            help="MLflow tracking URI (default: MLFLOW_TRACKING_URI, then [sources.mlflow] "
            "tracking_uri in agentops.toml).",
        ),
    ] = None,
    full: Annotated[
        bool, typer.Option("--full", help="Re-read every run and model version.")
    ] = False,
    metric_history: Annotated[
        bool,
        typer.Option(
            "--metric-history/--no-metric-history",
            help="Read logged curves' history for their min/max (one call per run and curve).",
        ),
    ] = True,
    json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Read MLflow experiments, runs (params, metrics, tags, git commit, dataset inputs), the
    model registry and alias moves, incrementally since the last ingest."""
    from graph.ingest.mlflow import ingest_mlflow as ingest
    from graph.ingest.mlflow.client import resolve_tracking_uri

    cli = state(ctx)
    settings = cli.settings
    configured = settings.sources.get("mlflow", {}).get("tracking_uri")
    uri = resolve_tracking_uri(tracking_uri, configured, settings.root)
    console = stderr()
    with console.status(f"reading MLflow at {uri}…") as status:

        def progress(stage: str, count: int) -> None:
            status.update(f"reading MLflow: {count:,} {stage}…")

        result = ingest(
            cli.store(),
            uri,
            root=settings.root,
            full=full,
            metric_history=metric_history,
            progress=progress,
        )
    if json:
        print_json(result.to_json())
    matched = (
        f" ({result.datasets_matched} inputs matched to ingested files)"
        if (result.datasets_matched)
        else ""
    )
    console.print(
        f"mlflow: {result.runs_read} runs read ({result.runs_written} new or changed), "
        f"{result.datasets} dataset versions{matched}, {result.model_versions} model versions, "
        f"{len(result.deployments)} alias moves; {result.commits_linked} runs linked to commits",
        markup=False,
        highlight=False,
    )
