"""`agentops sync`: run every source declared in agentops.toml, each incremental.

The sources and their order come from the registry in `graph.ingest` (code first, then data,
runs and models, then incidents that point at them). One failing source is reported and the
others still run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from agentops.errors import ProjectError, expected_errors

if TYPE_CHECKING:
    from agentops.settings import ProjectSettings
    from graph.ingest import IngestReport, Source
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


def sync_project(
    settings: ProjectSettings,
    store: LineageStore,
    on_start: Callable[[str], None] | None = None,
    on_done: Callable[[IngestReport], None] | None = None,
) -> list[IngestReport]:
    """Run each declared source in order; a failure is recorded and the next source runs."""
    from graph.ingest import IngestReport

    reports = []
    for source in declared_sources(settings):
        if on_start:
            on_start(source.name)
        try:
            options = source.options(
                settings.sources[source.name], settings.root, config=settings.raw
            )
            report = source.run(store, options)
        except expected_errors() as exc:
            message = exc.message + (f" ({exc.hint})" if exc.hint else "")
            report = IngestReport(source.name, f"{source.name}: failed", [message])
        reports.append(report)
        if on_done:
            on_done(report)
    return reports
