"""The MLflow source: `[sources.mlflow] tracking_uri`, `agentops ingest mlflow [--tracking-uri]`.

`import mlflow` happens inside the ingest (`graph.ingest.mlflow.client.connect`), never here.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from graph.ingest import IngestReport, Key, Parameter, Progress, Source, SourceOptions

if TYPE_CHECKING:
    from graph.store import LineageStore


class MlflowSource(Source):
    name = "mlflow"
    help = (
        "Read MLflow experiments, runs (params, metrics, tags, git commit, dataset inputs), the "
        "model registry and alias moves, incrementally since the last ingest."
    )
    keys = (
        Key(
            "tracking_uri",
            "string",
            help="a relative sqlite:/// path is under the project; MLFLOW_TRACKING_URI wins",
        ),
    )
    parameters = (
        Parameter(
            "tracking_uri",
            str,
            "MLflow tracking URI (default: MLFLOW_TRACKING_URI, then [sources.mlflow] "
            "tracking_uri in agentops.toml).",
            ("--tracking-uri",),
        ),
        Parameter("full", bool, "Re-read every run and model version.", ("--full",), False),
        Parameter(
            "metric_history",
            bool,
            "Read logged curves' history for their min/max (one call per run and curve).",
            ("--metric-history/--no-metric-history",),
            True,
        ),
    )

    def detect(self, root: Path) -> dict[str, Any] | None:
        from graph.ingest.mlflow.client import default_tracking_uri

        uri = default_tracking_uri(root, relative=True)
        return {"tracking_uri": uri} if uri else None

    def ingest(
        self, store: LineageStore, options: SourceOptions, progress: Progress | None
    ) -> IngestReport:
        from graph.ingest.mlflow import ingest_mlflow
        from graph.ingest.mlflow.client import masked_uri, resolve_tracking_uri

        arguments = options.arguments
        uri = resolve_tracking_uri(
            arguments.get("tracking_uri"), options.table["tracking_uri"], options.root
        )

        if progress:
            progress(f"reading MLflow at {masked_uri(uri)}", 0, None)

        def read(stage: str, count: int) -> None:
            if progress:
                progress(f"reading MLflow {stage}", count, None)

        result = ingest_mlflow(
            store,
            uri,
            root=options.root,
            full=bool(arguments.get("full")),
            metric_history=arguments.get("metric_history", True),
            progress=read,
        )
        matched = (
            f" ({result.datasets_matched} inputs matched to ingested files)"
            if result.datasets_matched
            else ""
        )
        summary = (
            f"mlflow: {result.runs_read} runs read ({result.runs_written} new or changed), "
            f"{result.datasets} dataset versions{matched}, {result.model_versions} model "
            f"versions, {len(result.deployments)} alias moves; {result.commits_linked} runs "
            "linked to commits"
        )
        return IngestReport(self.name, summary, details=result.to_json())


SOURCE = MlflowSource()
