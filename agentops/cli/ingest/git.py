"""`agentops ingest git`: read a repository's history into the lineage graph.

Thin over `graph.ingest.git.ingest_git`: it picks the repository (argument, else
`[sources.git] path` of agentops.toml, else the project root), shows a progress bar on stderr,
and prints the summary line there (`--json` prints the summary as JSON on stdout).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from agentops.cli.context import print_json, state, stderr
from agentops.errors import ProjectError, UsageError

if TYPE_CHECKING:
    from agentops.settings import ProjectSettings
    from graph.ingest.git import Progress

PHASES = {"commits": "reading commits", "files": "reading config and data versions"}


def ingest_git_command(
    ctx: typer.Context,
    path: Annotated[
        Path | None,
        typer.Argument(help="Repository to read (default: [sources.git] path, else the project)."),
    ] = None,
    rev: Annotated[
        str | None,
        typer.Option("--rev", help="Only this revision spec, e.g. main or v1.0..main."),
    ] = None,
    all_refs: Annotated[
        bool, typer.Option("--all", help="Every ref (stash, notes, …), not only branches and tags.")
    ] = False,
    json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Read commits, config and dependency versions and committed data files from git."""
    from graph.ingest.git import ingest_git

    if rev is not None and all_refs:
        raise UsageError("--rev and --all cannot be combined", hint="give one or the other")
    cli = state(ctx)
    settings = cli.settings
    repo = path if path is not None else _configured_repo(settings)
    with _progress() as progress:
        result = ingest_git(
            cli.store(),
            repo,
            rev=rev,
            all_refs=all_refs,
            classify=_classify(settings),
            progress=progress,
        )
    console = stderr()
    console.print(result.summary(), markup=False, highlight=False)
    for note in result.notes:
        console.print(f"note: {note}", style="yellow", markup=False, highlight=False)
    if json:
        print_json(result.to_json())


def _configured_repo(settings: ProjectSettings) -> Path:
    source = settings.sources.get("git") or {}
    configured = source.get("path", ".") if isinstance(source, dict) else "."
    if not isinstance(configured, str):
        raise ProjectError(
            f"{settings.config_path}: [sources.git] path must be a string",
            hint='write path = "."',
        )
    return settings.root / configured


def _classify(settings: ProjectSettings) -> dict[str, list[str]]:
    table = settings.classify
    if not isinstance(table, dict) or not all(
        isinstance(globs, list) and all(isinstance(g, str) for g in globs)
        for globs in table.values()
    ):
        raise ProjectError(
            f"{settings.config_path}: [classify] must map a file class to a list of globs",
            hint='write config = ["configs/**"]',
        )
    return table


@contextmanager
def _progress() -> Iterator[Progress]:
    """A Rich progress bar on stderr, one task per ingest phase, gone when done."""
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as RichProgress

    bar = RichProgress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=stderr(),
        transient=True,
    )
    tasks: dict[str, Any] = {}

    def update(phase: str, done: int, total: int | None) -> None:
        if phase not in tasks:
            tasks[phase] = bar.add_task(PHASES.get(phase, phase), total=total)
        bar.update(tasks[phase], completed=done, total=total)

    with bar:
        yield update
