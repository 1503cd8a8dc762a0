"""`agentops sync`: run every source declared in agentops.toml, each incremental.

One failing source is reported and the others still run, in an order that lets later sources
link to earlier ones: code first, then data, runs and models, then incidents that point at them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentops.errors import ProjectError, expected_errors

if TYPE_CHECKING:
    from agentops.settings import ProjectSettings
    from graph.store import LineageStore

SOURCE_ORDER = ("git", "data", "mlflow", "openlineage", "dvc", "incidents")


@dataclass(slots=True)
class SourceOutcome:
    source: str
    ok: bool
    summary: str
    problems: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "ok": self.ok,
            "summary": self.summary,
            "problems": self.problems,
            "details": self.details,
        }


def _strings(settings: ProjectSettings, source: str, key: str = "paths") -> list[str]:
    values = settings.sources[source].get(key, [])
    values = [values] if isinstance(values, str) else values
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ProjectError(f"[sources.{source}] {key} must be a list of paths")
    return values


def _paths(settings: ProjectSettings, source: str) -> list[Path]:
    return [settings.root / value for value in _strings(settings, source)]


def _path(settings: ProjectSettings, source: str) -> Path:
    value = settings.sources[source].get("path", ".")
    if not isinstance(value, str):
        raise ProjectError(f"[sources.{source}] path must be a string")
    return settings.root / value


def _run_git(settings: ProjectSettings, store: LineageStore) -> Any:
    from graph.ingest.git import ingest_git

    return ingest_git(store, _path(settings, "git"), classify=settings.classify or None)


def _run_data(settings: ProjectSettings, store: LineageStore) -> Any:
    from graph.ingest.data import expand_data_paths, ingest_datasets

    files = expand_data_paths(_strings(settings, "data"), settings.root)
    return ingest_datasets(store, files, root=settings.root)


def _run_mlflow(settings: ProjectSettings, store: LineageStore) -> Any:
    from graph.ingest.mlflow import ingest_mlflow
    from graph.ingest.mlflow.client import resolve_tracking_uri

    configured = settings.sources["mlflow"].get("tracking_uri")
    if configured is not None and not isinstance(configured, str):
        raise ProjectError("[sources.mlflow] tracking_uri must be a string")
    uri = resolve_tracking_uri(None, configured, settings.root)
    return ingest_mlflow(store, uri, root=settings.root)


def _run_openlineage(settings: ProjectSettings, store: LineageStore) -> Any:
    from graph.ingest.openlineage import ingest_openlineage

    return ingest_openlineage(store, _paths(settings, "openlineage"), skip_unchanged=True)


def _run_dvc(settings: ProjectSettings, store: LineageStore) -> Any:
    from graph.ingest.dvc import ingest_dvc

    return ingest_dvc(store, _path(settings, "dvc"))


def _run_incidents(settings: ProjectSettings, store: LineageStore) -> Any:
    from graph.ingest.incidents import ingest_incidents

    return ingest_incidents(store, _paths(settings, "incidents"))


RUNNERS: dict[str, Callable[[ProjectSettings, LineageStore], Any]] = {
    "git": _run_git,
    "data": _run_data,
    "mlflow": _run_mlflow,
    "openlineage": _run_openlineage,
    "dvc": _run_dvc,
    "incidents": _run_incidents,
}


def _summarise(result: Any) -> tuple[str, list[str], dict[str, Any]]:
    """A one-line summary of an ingester's report: its non-zero counts."""
    details = result.to_json() if hasattr(result, "to_json") else {}
    counts = [
        f"{key.replace('_', ' ')} {value:,}"
        for key, value in details.items()
        if isinstance(value, int) and not isinstance(value, bool) and value
    ]
    if isinstance(details.get("incidents"), list):
        counts.append(f"incidents {len(details['incidents'])}")
    problems = [str(p) for p in getattr(result, "problems", []) or []]
    problems += [str(p) for p in getattr(result, "invalid", []) or []]
    return (", ".join(counts) or "nothing new"), problems, details


def declared_sources(settings: ProjectSettings) -> list[str]:
    unknown = sorted(set(settings.sources) - set(SOURCE_ORDER))
    if unknown:
        raise ProjectError(
            f"agentops.toml declares unknown source(s): {', '.join(unknown)}",
            hint=f"sources are: {', '.join(SOURCE_ORDER)}",
        )
    return [source for source in SOURCE_ORDER if source in settings.sources]


def sync_project(
    settings: ProjectSettings,
    store: LineageStore,
    on_start: Callable[[str], None] | None = None,
    on_done: Callable[[SourceOutcome], None] | None = None,
) -> list[SourceOutcome]:
    """Run each declared source in order; a failure is recorded and the next source runs."""
    outcomes = []
    for source in declared_sources(settings):
        if on_start:
            on_start(source)
        try:
            summary, problems, details = _summarise(RUNNERS[source](settings, store))
            outcome = SourceOutcome(source, not problems, summary, problems, details)
        except expected_errors() as exc:
            message = exc.message + (f" ({exc.hint})" if exc.hint else "")
            outcome = SourceOutcome(source, False, "failed", [message])
        outcomes.append(outcome)
        if on_done:
            on_done(outcome)
    return outcomes
