"""The OpenLineage source: `[sources.openlineage] paths`, `agentops ingest openlineage
[FILE|DIR|-]…`. Files named in agentops.toml are re-read only when they changed (what a
repeated `sync` wants); files named on the command line are always read."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graph.errors import IngestError
from graph.ingest import IngestReport, Key, Parameter, Progress, Source, SourceOptions

if TYPE_CHECKING:
    from graph.store import LineageStore

EVENT_FOLDERS = ("lineage", "openlineage")  # where `agentops init` looks for event files


class OpenLineageSource(Source):
    name = "openlineage"
    help = (
        "Read OpenLineage RunEvents, JobEvents and DatasetEvents; keep the valid ones.\n\n"
        "Each invalid event is reported on stderr with its position (file, [index] or :line) "
        "and why; the valid ones are still ingested, and the exit code is then 1."
    )
    keys = (Key("paths", "paths", [], "event files or folders of them"),)
    parameters = (
        Parameter(
            "sources",
            list[str],
            "Event files (JSON array, object or NDJSON: .json, .jsonl, .ndjson), folders "
            "of them, or - for standard input; default: [sources.openlineage] paths.",
            metavar="FILE|DIR|-",
        ),
    )

    def detect(self, root: Path) -> dict[str, Any] | None:
        folders = [name for name in EVENT_FOLDERS if _holds_events(root / name)]
        return {"paths": [f"{name}/" for name in folders]} if folders else None

    def ingest(
        self, store: LineageStore, options: SourceOptions, progress: Progress | None
    ) -> IngestReport:
        from graph.ingest.openlineage import ingest_openlineage

        given = options.arguments.get("sources")
        if given:
            report = ingest_openlineage(store, given, stdin=sys.stdin)
        elif options.table["paths"]:
            report = ingest_openlineage(store, options.table["paths"], skip_unchanged=True)
        else:
            raise IngestError(
                "no OpenLineage events given",
                hint="pass FILE|DIR|-, or set [sources.openlineage] paths in agentops.toml",
            )
        summary = (
            f"openlineage: {report.events} events from {report.files} files → {report.runs} "
            f"runs, {report.jobs} jobs, {report.datasets} datasets, {report.edges} edges"
            f"{f', {report.linked_commits} linked to commits' if report.linked_commits else ''}"
            f"{f'; {len(report.invalid)} invalid' if report.invalid else ''}"
        )
        problems = [f"invalid event {bad}" for bad in report.invalid]
        if report.files and not report.events and not report.invalid:
            problems.append(f"no OpenLineage events in the {report.files} file(s) read")
        return IngestReport(self.name, summary, problems=problems, details=report.to_json())


SOURCE = OpenLineageSource()


def _holds_events(folder: Path) -> bool:
    from graph.ingest.openlineage.events import event_files

    return folder.is_dir() and bool(event_files(folder))
