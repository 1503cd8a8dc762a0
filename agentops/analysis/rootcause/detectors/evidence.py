"""The typed evidence detectors read: one dataclass per kind of change in the lineage diff.

A dataset's evidence is `rootcause.data_changes.DatasetChange` (schema, nulls, scale, drift,
rows, freshness from the stored profiles); the others are here. Each holds the change's own
figures and, where judging it needs them, what the runs did (the bad run's training values).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from graph.code_diff import KeyChange, PackageChange

if TYPE_CHECKING:
    from agentops.analysis.rootcause.baseline import Version


@dataclass(frozen=True, slots=True)
class CommitFacts:
    """A commit that changed code the model can run: its subject, its files by class (code,
    config, data, …) and how much the run's own row count fell when no input dataset shrank
    (None: it did not fall, or nothing says)."""

    sha: str
    subject: str
    files: Mapping[str, list[str]]
    train_rows_drop: float | None = None

    @property
    def code(self) -> list[str]:
        return list(self.files.get("code", []))


@dataclass(frozen=True, slots=True)
class ConfigDiff:
    """The changed keys of one config version (or of the run params), with what training used
    (the bad run's params by leaf key) to tell a serving setting that no longer matches."""

    path: str
    keys: tuple[KeyChange, ...]
    training_values: Mapping[str, Any] = field(default_factory=dict)
    serving: bool = False  # the file configures serving, not training


@dataclass(frozen=True, slots=True)
class DependencyMoves:
    """The runtime packages whose spec changed in one manifest."""

    changes: tuple[PackageChange, ...]


@dataclass(frozen=True, slots=True)
class Promotion:
    """The version that served before (GOOD) and the one promoted after it (BAD)."""

    good: Version
    bad: Version
