"""The DVC source: `[sources.dvc] path`, `agentops ingest dvc [PATH] [--full] [--rev R | --all]`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from graph.ingest import IngestReport, Key, Parameter, Progress, Source, SourceOptions
from graph.ingest.git.source import REF_PARAMETERS

if TYPE_CHECKING:
    from graph.store import LineageStore


class DvcSource(Source):
    name = "dvc"
    help = (
        "Read dvc.lock stages (runs, with deps/outs by md5 and params) and .dvc files (dataset "
        "versions) from every commit that changed them, on the refs `ingest git` reads."
    )
    keys = (Key("path", "path", ".", "the DVC project (a git work tree or a folder in one)"),)

    def detect(self, root: Path) -> dict[str, Any] | None:
        marks = ("dvc.yaml", "dvc.lock", ".dvc")  # a pipeline, its lock, or `dvc init`'s folder
        return {"path": "."} if any((root / mark).exists() for mark in marks) else None

    parameters = (
        Parameter(
            "path",
            Path,
            "The DVC project (a git work tree or a folder in one); default: [sources.dvc] "
            "path in agentops.toml, else the project root.",
        ),
        Parameter(
            "full", bool, "Re-read the history even if it has not changed.", ("--full",), False
        ),
        *REF_PARAMETERS,
    )

    def ingest(
        self, store: LineageStore, options: SourceOptions, progress: Progress | None
    ) -> IngestReport:
        from graph.ingest.dvc import ingest_dvc

        path = options.arguments.get("path") or options.table["path"]
        arguments = options.arguments
        report = ingest_dvc(
            store,
            path,
            full=bool(arguments.get("full")),
            rev=arguments.get("rev"),
            all_refs=bool(arguments.get("all_refs")),
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
        if links:
            summary += f"; {links} new links to commits/configs"
        notes = ["shallow clone: only the history it holds was read"] if report.shallow else []
        if not report.up_to_date and not report.lock_versions and not report.dvc_files:
            notes.append(f"no dvc.lock or .dvc file in the history of {report.repo}")
        return IngestReport(
            self.name, summary, list(report.problems), notes, details=report.to_json()
        )


SOURCE = DvcSource()
