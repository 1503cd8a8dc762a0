"""Detectors that read a dataset version change (`DatasetChange`, from the stored profiles).

Thresholds are the field's defaults (REFERENCES.md, "Drift and data checks"), kept in
`rootcause.data_changes`: PSI 0.1 moderate / 0.25 major, a null-rate rise of 10 points, a 2×
rescale, a fifth of the rows gone. Data the run was evaluated on is judged by
`eval-set-change` alone: a change there moves the measured metric, not what the model learned.
"""

from __future__ import annotations

import re

from agentops.analysis.rootcause.data_changes import (
    PSI_MAJOR,
    PSI_MODERATE,
    ROW_DROP,
    ColumnShift,
    DatasetChange,
)
from agentops.analysis.rootcause.detectors.registry import detector
from agentops.analysis.rootcause.report import Finding

# Column names that hold what the model predicts (the label), by the usual conventions.
LABEL_NAME = re.compile(
    r"(^|_)(label|target|rating|ratings|score|stars|y|outcome|clicked|click|converted|"
    r"purchase|relevance)($|_)",
    re.IGNORECASE,
)


def _schema_moves(change: DatasetChange) -> list[str]:
    return (
        [f"removed {c}" for c in change.removed_columns]
        + [f"added {c}" for c in change.added_columns]
        + [f"{c} {a} → {b}" for c, a, b in change.retyped_columns]
    )


def _drifted(change: DatasetChange) -> list[ColumnShift]:
    """Columns whose PSI reaches the moderate band, largest first."""
    return sorted(
        (c for c in change.columns if c.psi is not None and c.psi >= PSI_MODERATE),
        key=lambda c: -(c.psi or 0),
    )


def _is_label(change: DatasetChange, column: ColumnShift) -> bool:
    """What the model predicts: as its signature tells (a column it does not take), else by
    the usual label names."""
    said = change.is_label(column.name)
    return bool(LABEL_NAME.search(column.name)) if said is None else said


def _shrank(change: DatasetChange) -> bool:
    return change.row_change is not None and change.row_change <= -ROW_DROP


@detector("upstream-schema-change", reads=DatasetChange)
def schema_change(change: DatasetChange) -> list[Finding]:
    """Columns removed or retyped: the features the code reads are gone or mean something else.
    Or a column that was populated is all null or one value now (the card's "100% null or
    constant after the change"): what a pipeline does when its source column was renamed."""
    if change.is_eval:
        return []
    flat = [c.name for c in change.columns if c.went_flat and not c.bookkeeping]
    if not (change.removed_columns or change.retyped_columns or flat):
        return []
    moves = _schema_moves(change) + [f"{name} is all null or one value now" for name in flat]
    renamed = bool((change.removed_columns or flat) and change.added_columns)
    line = "schema: " + "; ".join(moves) + (" (looks like a rename)" if renamed else "")
    return [Finding("upstream-schema-change", 0.9, (line,), "data-schema")]


@detector("null-spike", reads=DatasetChange)
def null_spike(change: DatasetChange) -> list[Finding]:
    """A column's null rate rose by 10 points or more; the larger the rise, the stronger."""
    spikes = [] if change.is_eval else change.null_spikes
    if not spikes:
        return []
    rise = max(c.null_after - c.null_before for c in spikes)
    lines = tuple(f"nulls in {c.name}: {c.null_before:.1%} → {c.null_after:.1%}" for c in spikes)
    return [Finding("null-spike", min(0.95, 0.6 + rise), lines, "data-nulls")]


@detector("label-shift", reads=DatasetChange)
def label_shift(change: DatasetChange) -> list[Finding]:
    """The label column was rescaled (2× or more in range or mean): the target means something
    else than what the model was tuned for. Weaker: its distribution (the class balance) moved
    by Evidently's per-column drift test — prior shift, or a relabelling that kept the scale."""
    if change.is_eval:
        return []
    found: list[Finding] = []
    rescaled = [c for c in change.rescaled if _is_label(change, c)]
    if rescaled:
        lines = tuple(
            f"{c.name} rescaled ×{c.scale_factor:.3g} (a label/target column)" for c in rescaled
        )
        found.append(Finding("label-shift", 0.85, lines, "data-labels"))
    moved = [
        c
        for c in change.columns
        if c not in rescaled and _is_label(change, c) and c.drifted(change.rows_before)
    ]
    if moved:
        lines = tuple(
            f"the label {c.name} moved: mean {c.mean_before or 0:.3g} → {c.mean_after or 0:.3g}"
            f", normed Wasserstein {c.normed_wasserstein or 0:.2f}"
            for c in moved
        )
        found.append(Finding("label-shift", 0.7, lines, "data-labels"))
    return found


@detector("covariate-drift", reads=DatasetChange)
def covariate_drift(change: DatasetChange) -> list[Finding]:
    """Features rescaled, or their distribution moved (PSI ≥ 0.1; > 0.25 is major), or one side
    has no profile to tell: the inputs the model learned from moved."""
    if change.is_eval:
        return []
    found: list[Finding] = []
    rescaled = [c for c in change.rescaled if not _is_label(change, c)]
    if rescaled:
        lines = tuple(f"{c.name} rescaled ×{c.scale_factor:.3g}" for c in rescaled)
        found.append(Finding("covariate-drift", 0.55, lines, "data-distribution"))
    drifted = _drifted(change)
    if drifted:
        lines = tuple(
            f"drift in {c.name}: PSI {c.psi:.2f} "
            f"({'major' if (c.psi or 0) > PSI_MAJOR else 'moderate'}), KS {c.ks or 0:.2f}"
            for c in drifted[:3]
        )
        strength = 0.55 if change.max_psi > PSI_MAJOR else 0.3
        found.append(Finding("covariate-drift", strength, lines, "data-distribution"))
    if not change.profiled and change.version_changed:
        line = "no stored profile on one side: content changed, distribution unknown"
        found.append(Finding("covariate-drift", 0.3, (line,), "data-distribution"))
    return found


@detector("stale-data", reads=DatasetChange)
def stale_data(change: DatasetChange) -> list[Finding]:
    """Training data that did not move forward in time: the bad run read an older version, a
    new version whose latest time did not advance, or the same time span while the data the
    model is evaluated on moved forward (then even an unchanged version is the suspect)."""
    if change.is_eval:
        return []
    lines: list[str] = []
    if change.version_went_back:
        lines.append("freshness: the bad run read an older version than the good run")
    elif change.stale:
        lines.append(
            "freshness: latest timestamp did not advance "
            f"({change.span_before} → {change.span_after})"
        )
    if change.lags_evaluation and change.freshness is not None:
        if not change.version_changed:
            lines.append("both runs trained on this same version")
        lines.append(f"freshness: {change.freshness.describe()}")
    return [Finding("stale-data", 0.85, tuple(lines), "data-freshness")] if lines else []


@detector("eval-set-change", reads=DatasetChange)
def eval_set_change(change: DatasetChange) -> list[Finding]:
    """The evaluation data changed in schema, nulls, scale, distribution or size: the measured
    metric moved with the yardstick. A refresh that only moved it forward in time while the
    training data stalled is routine (the stale training data is the suspect)."""
    if not change.is_eval or change.refreshed or not change.version_changed:
        return []
    moves = _schema_moves(change) + [f"nulls in {c.name}" for c in change.null_spikes]
    moves += [f"{c.name} rescaled ×{c.scale_factor:.3g}" for c in change.rescaled]
    moves += [f"drift in {c.name}: PSI {c.psi:.2f}" for c in _drifted(change)[:3]]
    if _shrank(change):
        moves.append(f"rows {change.row_change:+.1%}")
    if change.stale:
        moves.append("it did not move forward in time")
    if not moves:  # a new version with no measured shift is what every routine refresh is
        return []
    line = (
        "this is the evaluation set: a change here moves the measured metric, not the model "
        f"({'; '.join(moves)})"
    )
    strength = 0.9 if change.removed_columns or change.retyped_columns else 0.8
    return [Finding("eval-set-change", strength, (line,), "eval-data")]
