"""`agentops sync`: run every source declared in agentops.toml, each incremental.

The sources and their order come from the registry in `graph.ingest` (code first, then data,
runs and models, then incidents that point at them). One failing source is reported and the
others still run.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from agentops.errors import ProjectError, expected_errors

if TYPE_CHECKING:
    from agentops.settings import ProjectSettings
    from graph.ingest import IngestReport, Source, SourceOptions
    from graph.store import LineageStore


def declared_sources(settings: ProjectSettings) -> list[Source]:
    """The registered sources agentops.toml has a `[sources.<name>]` table for, in run order."""
    from graph.ingest import sources

    known = sources()
    unknown = sorted(set(settings.sources) - set(known))
    if unknown:
        raise ProjectError(
            f"agentops.toml declares unknown source(s): {', '.join(unknown)}",
            hint=f"sources are: {', '.join(known)}",
        )
    return [source for name, source in known.items() if name in settings.sources]


def outside_reads(source: Source, options: SourceOptions, allow_outside: bool = False) -> list[str]:
    """Why `source` would read outside the project, one line per path (empty: it would not).

    A clone of a repository is not a grant to read the machine: a committed symlink
    (`data/x.csv -> /etc/…`) or a folder holding one is never followed out of the project, and
    a path agentops.toml names outside it (`../shared/*.csv`, `/srv/…`) is read only when the
    user passes `allow_outside` (`sync --allow-outside`). A repository (`path` keys) is read
    through git, which does not follow symlinks, so only file lists (`paths`) are walked.
    """
    import glob

    root = options.root.resolve()
    found: list[str] = []
    for key in source.keys:
        if key.name not in ("path", "paths"):
            continue
        value = options.table.get(key.name)
        named = [value] if isinstance(value, str | Path) else list(value or [])
        for item in named:
            written = Path(os.path.normpath(options.root / item))
            if not written.is_relative_to(options.root) and not written.is_relative_to(root):
                if not allow_outside:
                    found.append(
                        f"[sources.{source.name}] {key.name} {str(item)!r} is outside the "
                        "project: pass --allow-outside to read it"
                    )
                continue
            if key.kind == "path":
                continue
            matches = (
                glob.glob(str(written), recursive=True)
                if glob.has_magic(str(written))
                else [written]
            )
            found.extend(
                f"{link} links outside the project ({target}): not read"
                for link, target in _escaping_links(map(Path, matches), root)
            )
    return found


def _escaping_links(paths: Iterable[Path], root: Path) -> Iterator[tuple[Path, Path]]:
    """(path, where it leads) for each of `paths`, or anything under them, that resolves
    outside `root` through a symlink."""
    for path in paths:
        if not path.resolve().is_relative_to(root):
            yield path, path.resolve()
            continue
        if not path.is_dir() or path.is_symlink():
            continue
        for folder, dirs, files in os.walk(path):
            for name in [*dirs, *files]:
                entry = Path(folder, name)
                if entry.is_symlink() and not entry.resolve().is_relative_to(root):
                    yield entry, entry.resolve()


def sync_project(
    settings: ProjectSettings,
    store: LineageStore,
    on_start: Callable[[str], None] | None = None,
    on_done: Callable[[IngestReport], None] | None = None,
    allow_outside: bool = False,
) -> list[IngestReport]:
    """Run each declared source in order; a failure is recorded and the next source runs. A
    source that would read outside the project is not run (`outside_reads`)."""
    from graph.ingest import IngestReport

    reports = []
    for source in declared_sources(settings):
        if on_start:
            on_start(source.name)
        try:
            options = source.options(
                settings.sources[source.name], settings.root, config=settings.raw
            )
            outside = outside_reads(source, options, allow_outside)
            if outside:
                report = IngestReport(source.name, f"{source.name}: not read", outside)
            else:
                report = source.run(store, options)
        except expected_errors() as exc:
            message = exc.message + (f" ({exc.hint})" if exc.hint else "")
            report = IngestReport(source.name, f"{source.name}: failed", [message])
        reports.append(report)
        if on_done:
            on_done(report)
    return reports
