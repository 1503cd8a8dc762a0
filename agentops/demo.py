"""`agentops demo`: build the sample recommender project, ingest it, and point at its incident.

Everything is local: a real git repository, data files and a SQLite MLflow store whose runs
really trained the model (see `fixtures/`), then `sync` into the project's own lineage store.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from agentops.errors import UsageError


@dataclass(frozen=True, slots=True)
class DemoProject:
    root: Path
    scenario: str
    db_url: str
    incident: str  # the incident ref
    failed_sources: list[str]


def default_demo_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="agentops-demo-"))


def build_demo(
    folder: Path | None = None,
    scenario: str | None = None,
    on_step: Callable[[str], None] | None = None,
) -> DemoProject:
    """Build the scenario's project in `folder` (new, or empty) and ingest it."""
    from agentops.project import Project
    from fixtures import DEFAULT_SCENARIO, SCENARIOS, build_project
    from graph.refs import incident_ref

    scenario = scenario or DEFAULT_SCENARIO
    if scenario not in SCENARIOS:
        raise UsageError(
            f"unknown scenario {scenario!r}", hint=f"choose one of: {', '.join(SCENARIOS)}"
        )
    root = (folder or default_demo_dir()).resolve()
    if root.exists() and not root.is_dir():
        raise UsageError(f"{root} is a file", hint="give --dir a new or empty folder")
    if root.exists() and any(root.iterdir()):
        raise UsageError(f"{root} is not empty", hint="give --dir a new or empty folder")
    step = on_step or (lambda _message: None)
    step("building the sample project: git history, data exports, MLflow training runs")
    built = build_project(root, scenario)
    step("ingesting it: git, data, MLflow, incidents")
    with Project.open(root) as project:
        outcomes = project.sync(on_start=lambda s: step(f"ingesting {s}"))
    return DemoProject(
        root,
        scenario,
        project.settings.db_url,
        incident_ref(built.incident_id),
        [o.source for o in outcomes if not o.ok],
    )
