"""`agentops ingest data PATH… [--name NAME]`: data files and folders → dataset versions."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from agentops.cli.context import print_json, state, stderr, stdout

if TYPE_CHECKING:
    from graph.ingest.data import DataIngestResult


def ingest_data(
    ctx: typer.Context,
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Data files or folders (a folder is one dataset); default: [sources.data] "
            "paths in agentops.toml."
        ),
    ] = None,
    name: Annotated[
        str | None,
        typer.Option("--name", help="Dataset name (one PATH only; default: the file's stem)."),
    ] = None,
    json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Fingerprint (BLAKE3) and profile CSV, Parquet and JSON Lines data as dataset versions;
    unchanged files are not read again."""
    from graph.errors import IngestError
    from graph.ingest.data import expand_data_paths, ingest_datasets

    cli = state(ctx)
    settings = cli.settings
    if not paths:
        configured = settings.sources.get("data", {}).get("paths") or []
        if isinstance(configured, str):
            configured = [configured]
        if not configured:
            raise IngestError(
                "no data path given",
                hint="pass PATH…, or set [sources.data] paths in agentops.toml",
            )
        paths = expand_data_paths([str(p) for p in configured], settings.root)
    with _progress() as report:
        result = ingest_datasets(cli.store(), paths, name=name, root=settings.root, progress=report)
    if json:
        print_json(result.to_json())
    else:
        stdout().print(_table(result))
    stderr().print(_summary(result), markup=False, highlight=False)


class _progress:
    """A byte progress bar on stderr, shown only while something is being read."""

    def __enter__(self) -> _progress:
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TransferSpeedColumn,
        )

        self._bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            console=stderr(),
            transient=True,
        )
        self._task = self._bar.add_task("hashing", total=None)
        self._bar.start()
        return self

    def __call__(self, done: int, total: int, current: str) -> None:
        self._bar.update(self._task, completed=done, total=total, description=current)

    def __exit__(self, *exc: object) -> None:
        self._bar.stop()


def _table(result: DataIngestResult) -> object:
    from rich.table import Table

    table = Table("dataset version", "rows", "size", "format", "status", box=None)
    for dataset in result.datasets:
        status = dataset.status
        if dataset.profile_error:
            status += f" (not profiled: {dataset.profile_error})"
        rows = "" if dataset.row_count is None else f"{dataset.row_count:,}"
        table.add_row(dataset.ref, rows, _size(dataset.size), dataset.format or "-", status)
    return table


def _size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


def _summary(result: DataIngestResult) -> str:
    return (
        f"data: {len(result.datasets)} datasets, {result.new} new versions, "
        f"{_size(result.bytes_read)} of {_size(result.bytes_total)} read "
        f"(the rest unchanged since the last ingest)"
    )
