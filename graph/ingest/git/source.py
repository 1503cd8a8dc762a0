"""The git source: `[sources.git] path`, `agentops ingest git [PATH] [--rev R | --all]`."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graph.errors import IngestError
from graph.ingest import IngestReport, Key, Parameter, Progress, Source, SourceOptions

if TYPE_CHECKING:
    from graph.store import LineageStore

REF_PARAMETERS = (
    Parameter("rev", str, "Only this revision spec, e.g. main or v1.0..main.", ("--rev",)),
    Parameter(
        "all_refs",
        bool,
        "Every ref (stash, notes, DVC experiments, …), not only branches, remote-tracking "
        "branches and tags.",
        ("--all",),
        False,
    ),
)
"""Which refs a git-history source reads (`graph.ingest.git.refs.read_tips`); shared by the
sources that read git history so they read the same commits."""

PHASES = {"commits": "reading commits", "files": "reading config and data versions"}


class GitSource(Source):
    name = "git"
    help = (
        "Read commits, config and dependency versions and committed data files from git.\n\n"
        "Only history the graph does not hold yet is read; agentops.toml's [classify] table "
        "overrides which files count as config, data, docs, …"
    )
    keys = (Key("path", "path", ".", "the repository (a relative path is under the project)"),)

    def detect(self, root: Path) -> dict[str, Any] | None:
        inside = any((folder / ".git").exists() for folder in (root, *root.parents))
        return {"path": "."} if inside else None

    parameters = (
        Parameter(
            "path", Path, "Repository to read (default: [sources.git] path, else the project)."
        ),
        *REF_PARAMETERS,
    )

    def ingest(
        self, store: LineageStore, options: SourceOptions, progress: Progress | None
    ) -> IngestReport:
        from graph.ingest.git import ingest_git

        arguments = options.arguments

        def phase(name: str, done: int, total: int | None) -> None:
            if progress:
                progress(PHASES.get(name, name), done, total)

        result = ingest_git(
            store,
            arguments.get("path") or options.table["path"],
            rev=arguments.get("rev"),
            all_refs=bool(arguments.get("all_refs")),
            classify=classify_table(options.config) or None,
            progress=phase,
        )
        return IngestReport(
            self.name, result.summary(), notes=list(result.notes), details=result.to_json()
        )


def classify_table(config: Mapping[str, Any]) -> dict[str, list[str]]:
    """agentops.toml's `[classify]`: file class → extra globs, checked."""
    table = config.get("classify", {})
    if not isinstance(table, dict) or not all(
        isinstance(globs, list) and all(isinstance(g, str) for g in globs)
        for globs in table.values()
    ):
        raise IngestError(
            "[classify] in agentops.toml must map a file class to a list of globs",
            hint='write config = ["configs/**"]',
        )
    return table


SOURCE = GitSource()
