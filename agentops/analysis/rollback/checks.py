"""The checks a rollback plan states with numbers: input-schema compatibility, the metric's
noise band, and the canary gates derived from the target's own run.

Compatibility compares the schema (and null rates) of the data the target was trained on with
the newest stored version of each same-named dataset — the data serving and the next retrain
read now. A column the target expects that is gone or changed type is a blocker; a column whose
null rate rose a lot is a warning (the old model sees those nulls too, wherever serving reads
that data).

The noise band is how much the symptom metric usually moves between healthy versions: the
median relative move between consecutive served versions' runs (as the root-cause analysis
measures noise), at least `MIN_RELATIVE_BAND`. A canary of the rollback target passes its
quality gate when the metric is within that band of the target's own recorded value.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from graph.attributes import DatasetAttrs
from graph.refs import NodeKind

if TYPE_CHECKING:
    from agentops.analysis.rollback.target import VersionLineage
    from graph.store import LineageStore

NULL_RATE_WARNING = 0.05  # absolute rise in a column's null rate worth a warning
MIN_RELATIVE_BAND = 0.02  # the noise band is never tighter than 2% of the value
DEFAULT_RELATIVE_BAND = 0.05  # when fewer than three healthy versions give a spread
BAND_VERSIONS = 8
LATENCY_HEADROOM = 1.25  # a rollback target may be up to 25% slower than it was offline
SUCCESS_RATE = 0.99  # Flagger's default request-success gate
P99_BUDGET_MS = 500.0  # Flagger's default latency gate, when the run logged no latency
FAILURE_LIMIT = 2  # consecutive failed checks before abort (Argo Rollouts `failureLimit`)


@dataclass(slots=True)
class SchemaCheck:
    dataset: str  # logical name
    target_version: str
    current_version: str | None
    missing_columns: list[str] = field(default_factory=list)
    added_columns: list[str] = field(default_factory=list)
    type_changes: list[dict[str, str]] = field(default_factory=list)
    null_rate_rises: list[dict[str, Any]] = field(default_factory=list)
    note: str | None = None

    @property
    def compatible(self) -> bool:
        return not self.missing_columns and not self.type_changes

    def to_json(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "target_version": self.target_version,
            "current_version": self.current_version,
            "compatible": self.compatible,
            "missing_columns": list(self.missing_columns),
            "added_columns": list(self.added_columns),
            "type_changes": list(self.type_changes),
            "null_rate_rises": list(self.null_rate_rises),
            "note": self.note,
        }


def _columns(dataset: DatasetAttrs) -> dict[str, dict[str, Any]]:
    """Column name → {type, null_rate} from a dataset version's schema and profile."""
    columns: dict[str, dict[str, Any]] = {
        name: {"type": kind or None} for name, kind in dataset.schema.items()
    }
    for column in dataset.profile_columns:
        if column.get("name") is not None:
            entry = columns.setdefault(str(column["name"]), {"type": column.get("type")})
            entry["null_rate"] = column.get("null_rate")
    return columns


def schema_checks(store: LineageStore, target: VersionLineage) -> list[SchemaCheck]:
    """The target's input datasets against the newest stored version of each (same name)."""
    checks = []
    for use in target.datasets:
        old = store.get(use.ref)
        versions = store.find(NodeKind.DATASET, name=use.name)
        current = versions[-1] if versions else None
        check = SchemaCheck(use.name, use.ref, current.ref if current else None)
        if old is None or current is None:
            check.note = "not in the graph: cannot compare"
            checks.append(check)
            continue
        if current.ref == old.ref:
            check.note = "unchanged: the newest version is the one the target used"
            checks.append(check)
            continue
        before, after = _columns(DatasetAttrs(old)), _columns(DatasetAttrs(current))
        if not before or not after:
            check.note = "no stored schema on one side: check by hand"
            checks.append(check)
            continue
        check.missing_columns = [name for name in before if name not in after]
        check.added_columns = [name for name in after if name not in before]
        for name in before.keys() & after.keys():
            old_type, new_type = before[name].get("type"), after[name].get("type")
            if old_type and new_type and old_type != new_type:
                check.type_changes.append({"column": name, "was": old_type, "now": new_type})
            old_null, new_null = before[name].get("null_rate"), after[name].get("null_rate")
            if (
                isinstance(old_null, int | float)
                and isinstance(new_null, int | float)
                and new_null - old_null >= NULL_RATE_WARNING
            ):
                check.null_rate_rises.append(
                    {"column": name, "was": round(old_null, 4), "now": round(new_null, 4)}
                )
        check.type_changes.sort(key=lambda change: change["column"])
        check.null_rate_rises.sort(key=lambda change: change["column"])
        checks.append(check)
    return checks


@dataclass(frozen=True, slots=True)
class NoiseBand:
    metric: str
    width: float
    basis: str  # how it was computed, for the plan's reader
    samples: int

    def to_json(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "width": round(self.width, 6),
            "basis": self.basis,
            "samples": self.samples,
        }


def noise_band(metric: str, value: float, history: Sequence[float]) -> NoiseBand:
    """How far `metric` usually moves between consecutive healthy versions (`history`, in
    version order): the median relative move, times the value (see the module docstring)."""
    moves = [abs(b - a) / abs(a) for a, b in zip(history, history[1:], strict=False) if a]
    if len(moves) >= 2:
        relative = max(statistics.median(moves), MIN_RELATIVE_BAND)
        basis = (
            f"the median move of {metric} between consecutive served versions "
            f"({len(history)} versions), at least {MIN_RELATIVE_BAND:.0%}"
        )
        return NoiseBand(metric, abs(value) * relative, basis, len(history))
    basis = f"{DEFAULT_RELATIVE_BAND:.0%} of the value (fewer than 3 served versions to measure)"
    return NoiseBand(metric, abs(value) * DEFAULT_RELATIVE_BAND, basis, len(history))


def latency_metric(metrics: dict[str, float]) -> str | None:
    """The run's tail-latency metric, if it logged one (p99 before p95)."""
    names = sorted(name for name in metrics if "latency" in name.lower())
    for tail in ("p99", "p95", "p90"):
        for name in names:
            if tail in name.lower():
                return name
    return names[0] if names else None


@dataclass(slots=True)
class CanaryStep:
    weight: int  # percent of traffic on the rollback target
    hold: str
    gates: list[str]

    def to_json(self) -> dict[str, Any]:
        return {"weight": self.weight, "hold": self.hold, "gates": list(self.gates)}


def canary_steps(
    metric: str,
    value: float | None,
    band: NoiseBand | None,
    better_high: bool,
    metrics: dict[str, float],
    reference: str = "the target's recorded",
) -> list[CanaryStep]:
    """5% → 25% → 100%, each gated on the symptom metric, tail latency and request success;
    `reference` says whose recorded values (`value`, `metrics`) the gates are built from."""
    gates = []
    if value is not None and band is not None:
        bound = value - band.width if better_high else value + band.width
        side = ">=" if better_high else "<="
        gates.append(
            f"{metric} {side} {bound:.4g} on the canary's traffic ({reference} "
            f"{value:.4g} {'-' if better_high else '+'} the noise band {band.width:.3g})"
        )
    else:
        gates.append(f"{metric} no worse than the control on the same traffic")
    latency = latency_metric(metrics)
    if latency:
        budget = metrics[latency] * LATENCY_HEADROOM
        gates.append(
            f"{latency} <= {budget:.4g} ({reference} {metrics[latency]:.4g} "
            f"+ {LATENCY_HEADROOM - 1:.0%})"
        )
    else:
        gates.append(f"p99 latency <= {P99_BUDGET_MS:g} ms")
    gates.append(f"request success rate >= {SUCCESS_RATE:.0%}")
    return [
        CanaryStep(5, "15 min, and at least 1,000 requests", list(gates)),
        CanaryStep(25, "30 min", list(gates)),
        CanaryStep(100, "2 h of watching after the last move", list(gates)),
    ]


def abort_conditions(metric: str) -> list[str]:
    return [
        f"any gate fails {FAILURE_LIMIT} checks in a row (Argo Rollouts `failureLimit`, Flagger "
        "`threshold`)",
        "errors or input-schema failures from the target version (missing or renamed columns)",
        f"{metric} on the canary worse than on the control on the same traffic",
        "the incident commander calls it",
    ]
