"""The detector that reads runtime package moves (`DependencyMoves`)."""

from __future__ import annotations

import re

from agentops.analysis.rootcause.detectors.evidence import DependencyMoves
from agentops.analysis.rootcause.detectors.registry import detector
from agentops.analysis.rootcause.report import Finding


def _major(spec: str | None) -> int | None:
    match = re.search(r"(\d+)(?:\.\d+)*", spec or "")
    return int(match.group(1)) if match else None


@detector("dependency-bump", reads=DependencyMoves)
def dependency_bump(moves: DependencyMoves) -> list[Finding]:
    """A package's spec moved: across a major version (semantic versioning's breaking changes)
    explains most, a package added or removed less, a minor move least."""
    found = []
    for change in moves.changes:
        old, new = _major(change.old), _major(change.new)
        if old is not None and new is not None and old != new:
            strength, why = 0.8, f"major version {old} → {new}"
        elif change.status != "changed":
            strength, why = 0.55, f"package {change.status}"
        else:
            strength, why = 0.45, "minor move"
        found.append(Finding("dependency-bump", strength, (f"{change.package}: {why}",)))
    return found
