"""What changed between two versions of one dataset, from their stored profiles alone.

Thresholds (REFERENCES.md, "Drift and data checks"): PSI < 0.1 stable, 0.1–0.25 moderate,
> 0.25 major; KS and normed Wasserstein are reported beside it. A null-rate rise of 10 points or
more is a spike. A numeric column whose range or mean moves by 2× or more has been rescaled.
Time columns (temporal, or numeric with a time-like name) tell freshness: a newer dataset
version whose latest timestamp did not move forward is stale. They are left out of drift and
scale checks, since a new export's times move forward by design.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from graph.model import Node

PSI_MODERATE = 0.1
PSI_MAJOR = 0.25
NULL_SPIKE_POINTS = 0.10
RESCALE_FACTOR = 2.0
ROW_DROP = 0.2  # a fifth of the rows gone
TIME_NAME = re.compile(r"(^|_)(time|timestamp|ts|date|datetime|created|updated|event_time)($|_)")
EVAL_NAME = re.compile(r"(holdout|eval|valid|validation|test)", re.IGNORECASE)


@dataclass(slots=True)
class ColumnShift:
    name: str
    psi: float | None = None
    ks: float | None = None
    null_before: float = 0.0
    null_after: float = 0.0
    scale_factor: float | None = None  # how many times the range/mean grew (or shrank)


@dataclass(slots=True)
class DatasetChange:
    """One dataset whose version differs between the good run and the bad run."""

    name: str
    old: Node | None
    new: Node | None
    context: str = ""  # training | eval | … (from the input edge)
    removed_columns: list[str] = field(default_factory=list)
    added_columns: list[str] = field(default_factory=list)
    retyped_columns: list[tuple[str, str, str]] = field(default_factory=list)
    rows_before: int | None = None
    rows_after: int | None = None
    columns: list[ColumnShift] = field(default_factory=list)
    latest_before: str | None = None
    latest_after: str | None = None
    version_went_back: bool = False  # the bad run read an older version than the good run
    profiled: bool = True

    @property
    def row_change(self) -> float | None:
        if not self.rows_before or self.rows_after is None:
            return None
        return (self.rows_after - self.rows_before) / self.rows_before

    @property
    def max_psi(self) -> float:
        return max((c.psi for c in self.columns if c.psi is not None), default=0.0)

    @property
    def null_spikes(self) -> list[ColumnShift]:
        return [c for c in self.columns if c.null_after - c.null_before >= NULL_SPIKE_POINTS]

    @property
    def rescaled(self) -> list[ColumnShift]:
        return [
            c
            for c in self.columns
            if c.scale_factor is not None
            and max(c.scale_factor, 1 / c.scale_factor) >= RESCALE_FACTOR
        ]

    @property
    def is_eval(self) -> bool:
        return self.context.lower() in ("eval", "evaluation", "validation", "test") or bool(
            EVAL_NAME.search(self.name)
        )

    @property
    def stale(self) -> bool:
        """The data did not move forward in time although the run is newer."""
        if self.version_went_back:
            return True
        if self.latest_before and self.latest_after:
            return self.latest_after <= self.latest_before
        return False


def _columns(node: Node | None) -> dict[str, dict[str, Any]]:
    profile = (node.attrs.get("profile") if node else None) or {}
    return {c["name"]: c for c in profile.get("columns", []) if "name" in c}


def _types(node: Node | None) -> dict[str, str]:
    schema = (node.attrs.get("schema") if node else None) or []
    return {c["name"]: c.get("type", "") for c in schema if isinstance(c, dict) and "name" in c}


def _scale(a: dict[str, Any], b: dict[str, Any]) -> float | None:
    """The factor by which a numeric column's spread grew (range, else mean)."""
    for low, high in (("min", "max"),):
        if all(isinstance(x.get(k), (int, float)) for x in (a, b) for k in (low, high)):
            before, after = a[high] - a[low], b[high] - b[low]
            if before > 0 and after > 0:
                return after / before
    if all(isinstance(x.get("mean"), (int, float)) and x["mean"] for x in (a, b)):
        return abs(b["mean"] / a["mean"])
    return None


def _latest(columns: dict[str, dict[str, Any]], node: Node | None) -> str | None:
    """The latest time in the data: a temporal column, else a numeric time-named column."""
    profile = (node.attrs.get("profile") if node else None) or {}
    if profile.get("max_timestamp"):
        return str(profile["max_timestamp"])
    numeric = [
        c["max"]
        for name, c in columns.items()
        if c.get("kind") == "numeric"
        and TIME_NAME.search(name.lower())
        and isinstance(c.get("max"), (int, float))
    ]
    return f"{max(numeric):020.3f}" if numeric else None


def compare_datasets(name: str, old: Node | None, new: Node | None, context: str) -> DatasetChange:
    """Schema, rows, nulls, scale, drift and freshness between two versions of `name`."""
    from graph.profile.drift import column_drift

    change = DatasetChange(name, old, new, context)
    before, after = _columns(old), _columns(new)
    change.profiled = bool(before and after)
    old_types, new_types = (
        _types(old) or {k: v.get("type", "") for k, v in before.items()},
        (_types(new) or {k: v.get("type", "") for k, v in after.items()}),
    )
    if old is not None and new is not None:
        change.removed_columns = [c for c in old_types if c not in new_types]
        change.added_columns = [c for c in new_types if c not in old_types]
        change.retyped_columns = [
            (c, old_types[c], new_types[c])
            for c in old_types
            if c in new_types and old_types[c] and new_types[c] and old_types[c] != new_types[c]
        ]
    change.rows_before = old.attrs.get("row_count") if old else None
    change.rows_after = new.attrs.get("row_count") if new else None
    for column in before.keys() & after.keys():
        a, b = before[column], after[column]
        shift = ColumnShift(
            column,
            null_before=float(a.get("null_rate") or 0.0),
            null_after=float(b.get("null_rate") or 0.0),
        )
        moves_with_time = bool(TIME_NAME.search(column.lower()))  # drifts by design
        if (
            a.get("kind") == b.get("kind")
            and a.get("kind") in ("numeric", "categorical")
            and not moves_with_time
        ):
            drift = column_drift(a, b)
            shift.psi = drift.get("psi")
            shift.ks = drift.get("ks")
            if a.get("kind") == "numeric":
                shift.scale_factor = _scale(a, b)
        change.columns.append(shift)
    change.columns.sort(key=lambda c: c.name)
    change.latest_before, change.latest_after = _latest(before, old), _latest(after, new)
    if old is not None and new is not None and old.source_time and new.source_time:
        change.version_went_back = new.source_time < old.source_time
    return change
