"""`agentops demo`: build the sample recommender project, ingest it, and point at its incident.

Everything is local: a real git repository, data files and a SQLite MLflow store whose runs
really trained the model (see `fixtures/`), then `sync` into the project's own lineage store.
The folder is a fixed one (`./agentops-demo` unless `--dir`), so the commands printed at the end
keep working; a second `demo` there reuses (same scenario) or rebuilds (another one) the earlier
demo, and never touches a folder it did not make.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from agentops.errors import UsageError

DEFAULT_DEMO_DIR = Path("agentops-demo")
MARKER = "demo.json"  # in .agentops/: this folder is a demo agentops built, and of which scenario


@dataclass(frozen=True, slots=True)
class DemoProject:
    root: Path
    scenario: str
    db_url: str
    incident: str  # the incident ref
    failed_sources: list[str]
    reused: bool = False  # an earlier demo of the same scenario, synced again, not rebuilt


def _earlier_demo(root: Path) -> dict[str, str] | None:
    """What the demo built earlier in `root` recorded (None: not a demo agentops built)."""
    from agentops.settings import STATE_DIR

    try:
        recorded = json.loads((root / STATE_DIR / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return recorded if isinstance(recorded, dict) else None


def _check_folder(root: Path) -> dict[str, str] | None:
    """Refuse a file or someone else's non-empty folder; the earlier demo there, if any."""
    if root.exists() and not root.is_dir():
        raise UsageError(f"{root} is a file", hint="give --dir a new or empty folder")
    if not root.exists() or not any(root.iterdir()):
        return None
    earlier = _earlier_demo(root)
    if earlier is None:
        raise UsageError(
            f"{root} is not empty and is not an earlier demo",
            hint="give --dir a new or empty folder",
        )
    return earlier


def build_demo(
    folder: Path | None = None,
    scenario: str | None = None,
    on_step: Callable[[str], None] | None = None,
) -> DemoProject:
    """Build the scenario's project in `folder` (new, empty or an earlier demo) and ingest it."""
    from agentops.project import Project
    from agentops.settings import STATE_DIR
    from fixtures import DEFAULT_SCENARIO, SCENARIOS, build_project
    from graph.refs import incident_ref

    scenario = scenario or DEFAULT_SCENARIO
    if scenario not in SCENARIOS:
        raise UsageError(
            f"unknown scenario {scenario!r}", hint=f"choose one of: {', '.join(SCENARIOS)}"
        )
    root = (folder or DEFAULT_DEMO_DIR).resolve()
    earlier = _check_folder(root)
    step = on_step or (lambda _message: None)
    reused = earlier is not None and earlier.get("scenario") == scenario and "incident" in earlier
    if reused:
        assert earlier is not None
        step(f"reusing the demo built earlier in {root}")
        incident = earlier["incident"]
    else:
        if earlier is not None:
            shutil.rmtree(root)  # our own earlier demo, of another scenario
        incident = incident_ref(build_project(root, scenario, on_step=step).incident_id)
    step("ingesting it: git, data, MLflow, incidents")
    with Project.open(root) as project:
        outcomes = project.sync(on_start=lambda s: step(f"ingesting {s}"))
    marker = {"scenario": scenario, "incident": incident}
    (root / STATE_DIR / MARKER).write_text(json.dumps(marker) + "\n", encoding="utf-8")
    return DemoProject(
        root,
        scenario,
        project.settings.db_url,
        incident,
        [o.source for o in outcomes if not o.ok],
        reused,
    )
