"""The data source: `[sources.data] paths` (globs), `agentops ingest data [PATH…] [--name N]`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from graph.errors import IngestError
from graph.ingest import IngestReport, Key, Parameter, Progress, Source, SourceOptions

if TYPE_CHECKING:
    from graph.ingest.data import DataIngestResult
    from graph.store import LineageStore


class DataSource(Source):
    name = "data"
    help = (
        "Fingerprint (BLAKE3) and profile CSV, Parquet and JSON Lines data as dataset "
        "versions; unchanged files are not read again."
    )
    keys = (Key("paths", "strings", [], "data files or folders; globs, ** too"),)
    parameters = (
        Parameter(
            "paths",
            list[Path],
            "Data files or folders (a folder is one dataset); default: [sources.data] "
            "paths in agentops.toml.",
        ),
        Parameter(
            "name", str, "Dataset name (one PATH only; default: the file's stem).", ("--name",)
        ),
    )
    progress_unit = "bytes"

    def ingest(
        self, store: LineageStore, options: SourceOptions, progress: Progress | None
    ) -> IngestReport:
        from graph.ingest.data import expand_data_paths, ingest_datasets

        paths = options.arguments.get("paths")
        if not paths:
            if not options.table["paths"]:
                raise IngestError(
                    "no data path given",
                    hint="pass PATH…, or set [sources.data] paths in agentops.toml",
                )
            paths = expand_data_paths(options.table["paths"], options.root)

        def read(done: int, total: int, current: str) -> None:
            if progress:
                progress(current, done, total)

        result = ingest_datasets(
            store, paths, name=options.arguments.get("name"), root=options.root, progress=read
        )
        return IngestReport(
            self.name, _summary(result), items=_rows(result), details=result.to_json()
        )


def _rows(result: DataIngestResult) -> list[dict[str, str]]:
    rows = []
    for dataset in result.datasets:
        status = dataset.status
        if dataset.profile_error:
            status += f" (not profiled: {dataset.profile_error})"
        rows.append(
            {
                "dataset version": dataset.ref,
                "rows": "" if dataset.row_count is None else f"{dataset.row_count:,}",
                "size": human_size(dataset.size),
                "format": dataset.format or "-",
                "status": status,
            }
        )
    return rows


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


def _summary(result: DataIngestResult) -> str:
    return (
        f"data: {len(result.datasets)} datasets, {result.new} new versions, "
        f"{human_size(result.bytes_read)} of {human_size(result.bytes_total)} read "
        f"(the rest unchanged since the last ingest)"
    )


SOURCE = DataSource()
