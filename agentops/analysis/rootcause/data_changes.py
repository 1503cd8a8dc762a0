"""What changed between two versions of one dataset, from their stored profiles alone.

Thresholds (REFERENCES.md, "Drift and data checks"): PSI < 0.1 stable, 0.1–0.25 moderate,
> 0.25 major; KS and normed Wasserstein are reported beside it. A null-rate rise of 10 points or
more is a spike. A numeric column whose range or mean moves by 2× or more has been rescaled.
Time columns (temporal, or numeric with a time-like name) tell freshness: a newer dataset
version whose latest timestamp did not move forward is stale. They are left out of drift and
scale checks, since a new export's times move forward by design.

Each dataset plays a role for the run that read it: `training`, `evaluation` or `example`
(`data_role`: the input edge's role as the ingest normalised MLflow's context, else the context,
else the name or path by convention: `train/`, `eval/`, `holdout`, `-input_example`). The time
the training data covers and the time the evaluation data covers, in the good run and in the bad
run (`Freshness`), tell stale training data even when its version did not change: evaluation
moved forward in time, training did not.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from graph.attributes import DATA_ROLES
from graph.model import Node

PSI_MODERATE = 0.1
PSI_MAJOR = 0.25
NULL_SPIKE_POINTS = 0.10
RESCALE_FACTOR = 2.0
ROW_DROP = 0.2  # a fifth of the rows gone
# Evidently's per-column drift tests (REFERENCES.md, "Drift and data checks")
EVIDENTLY_LARGE_ROWS = 1000
NORMED_WASSERSTEIN_DRIFT = 0.1
DRIFT_P_VALUE = 0.05
KEY_DISTINCT_SHARE = 0.95  # distinct values per non-null row of a key (KMV estimates: ~3% error)
KEY_MIN_ROWS = 20  # below this every column of a tiny table looks like a key
KEY_INTEGER_TYPE = re.compile(r"^u?int\d*$")  # Arrow's integer types; floats are never keys
TIME_NAME = re.compile(r"(^|_)(time|timestamp|ts|date|datetime|created|updated|event_time)($|_)")
# Words that name a split, as whole words of a name or path (`test` never matches `latest`).
EVAL_NAME = re.compile(
    r"(^|[^a-z])(holdout|eval|evaluation|valid|validation|val|test|testing)([^a-z]|$)",
    re.IGNORECASE,
)
TRAIN_NAME = re.compile(r"(^|[^a-z])(train|training)([^a-z]|$)", re.IGNORECASE)
EXAMPLE_NAME = re.compile(r"(^|[^a-z])input_example$", re.IGNORECASE)
# Roles of data a run learns from: training, and data nothing marks (what a run reads and is
# not evaluated on, it learns from).
LEARNED_FROM = ("training", "")


def data_role(name: str, path: str | None, role: str | None, context: str | None) -> str:
    """How a run used a dataset: `training`, `evaluation`, `example`, or "" when nothing says.

    The input edge's `role` (the ingest's reading of MLflow's context) comes first, then the
    context as logged, then the conventions of names and folders (`train/`, `eval/`, `test`,
    `holdout`, `-input_example`).
    """
    for said in (role, context):
        for part in (said or "").lower().split(","):
            if part.strip() in DATA_ROLES:
                return DATA_ROLES[part.strip()]
    if EXAMPLE_NAME.search(name):
        return "example"
    # the file and its folder name the split; folders above it are where the project lives
    for text in (name, "/".join(PurePosixPath((path or "").replace("\\", "/")).parts[-2:])):
        if EVAL_NAME.search(text):
            return "evaluation"
        if TRAIN_NAME.search(text):
            return "training"
    return ""


@dataclass(frozen=True, slots=True)
class TimeSpan:
    """The earliest and latest time in a dataset version's time columns: ISO-8601 text for
    temporal columns, a number for a numeric time-named column (epoch seconds, a day index)."""

    earliest: str | float | None
    latest: str | float

    def __str__(self) -> str:
        return f"{self.earliest} … {self.latest}" if self.earliest is not None else str(self.latest)


def later(a: TimeSpan | None, b: TimeSpan | None) -> bool | None:
    """Whether `b` reaches later than `a`; None when either is unknown or they are not the same
    kind of time (text and numbers never compare)."""
    if a is None or b is None or type(a.latest) is not type(b.latest):
        return None
    return b.latest > a.latest  # type: ignore[operator]


@dataclass(frozen=True, slots=True)
class Freshness:
    """The time the good run's and the bad run's training and evaluation data reach.

    Evaluation data that moved forward while the training data did not says the model was
    trained on data older than what it is now judged on: the training feed stalled.
    """

    training_before: TimeSpan | None = None
    training_after: TimeSpan | None = None
    evaluation_before: TimeSpan | None = None
    evaluation_after: TimeSpan | None = None

    @property
    def training_lags(self) -> bool:
        return bool(later(self.evaluation_before, self.evaluation_after)) and (
            later(self.training_before, self.training_after) is False
        )

    def describe(self) -> str:
        def end(span: TimeSpan | None) -> str:
            return str(span.latest) if span else "?"

        return (
            f"the evaluation data moved forward to {end(self.evaluation_after)} (from "
            f"{end(self.evaluation_before)}) while the training data still ends at "
            f"{end(self.training_after)} (was {end(self.training_before)})"
        )


@dataclass(slots=True)
class ColumnShift:
    name: str
    psi: float | None = None
    ks: float | None = None
    null_before: float = 0.0
    null_after: float = 0.0
    scale_factor: float | None = None  # how many times the range/mean grew (or shrank)
    bookkeeping: bool = False  # a row key or a timestamp: it labels rows, it is not learned
    normed_wasserstein: float | None = None  # earth mover's distance / the good side's std
    mean_before: float | None = None
    mean_after: float | None = None
    went_flat: bool = False  # populated before, all null or one value after

    def drifted(self, rows: int | None) -> bool:
        """Evidently's per-column rule for a numeric column (REFERENCES.md): above 1,000
        reference rows, normed Wasserstein ≥ 0.1; at or below, a two-sample KS test at
        p < 0.05. A categorical column (classes) by its PSI: 0.1 or more is a shift."""
        if self.normed_wasserstein is None and self.ks is None:
            return (self.psi or 0.0) >= PSI_MODERATE
        if rows is not None and rows > EVIDENTLY_LARGE_ROWS:
            return (self.normed_wasserstein or 0.0) >= NORMED_WASSERSTEIN_DRIFT
        if self.ks is None or not rows:
            return False
        return 2 * math.exp(-2 * (rows / 2) * self.ks**2) < DRIFT_P_VALUE  # n1 = n2 = rows


def reach(spans: list[TimeSpan]) -> TimeSpan | None:
    """The time several datasets of one role cover together (the first kind of time seen)."""
    same = [span for span in spans if type(span.latest) is type(spans[0].latest)] if spans else []
    if not same:
        return None
    lows = [span.earliest for span in same if span.earliest is not None]
    return TimeSpan(min(lows) if lows else None, max(span.latest for span in same))  # type: ignore[type-var]


def freshness_of(before: list[tuple[str, Node]], after: list[tuple[str, Node]]) -> Freshness:
    """The `Freshness` of two runs from what each read: (role, dataset version) pairs."""

    def covered(inputs: list[tuple[str, Node]], roles: tuple[str, ...]) -> TimeSpan | None:
        return reach([span for r, node in inputs if r in roles and (span := time_span(node))])

    return Freshness(
        covered(before, LEARNED_FROM),
        covered(after, LEARNED_FROM),
        covered(before, ("evaluation",)),
        covered(after, ("evaluation",)),
    )


@dataclass(slots=True)
class DatasetChange:
    """One dataset whose version differs between the good run and the bad run."""

    name: str
    old: Node | None
    new: Node | None
    role: str = ""  # training | evaluation | example | "" (`data_role`)
    removed_columns: list[str] = field(default_factory=list)
    added_columns: list[str] = field(default_factory=list)
    retyped_columns: list[tuple[str, str, str]] = field(default_factory=list)
    rows_before: int | None = None
    rows_after: int | None = None
    columns: list[ColumnShift] = field(default_factory=list)
    span_before: TimeSpan | None = None  # the time the good side's version covers
    span_after: TimeSpan | None = None
    version_went_back: bool = False  # the bad run read an older version than the good run
    profiled: bool = True
    freshness: Freshness | None = None  # what the runs' training and evaluation data reach
    model_inputs: frozenset[str] | None = None  # the bad model's signature, when it has one
    code_labels: frozenset[str] = frozenset()  # columns the code on the path calls the label

    def is_label(self, column: str) -> bool | None:
        """Whether `column` is what the model predicts: the code on the path calls it the label
        (`LABEL = "churned"`, `y = df["price"]`), or the signature tells — a column of a table
        the model reads (most of its inputs are columns here) that is not an input and not an
        identifier. None when neither says (no signature, another table)."""
        if column in self.code_labels:
            return True
        inputs = self.model_inputs
        names = {c.name for c in self.columns}
        if not inputs or len(inputs & names) * 2 < len(inputs):
            return None
        shift = next((c for c in self.columns if c.name == column), None)
        return column not in inputs and not (shift is not None and shift.bookkeeping)

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
        return self.role == "evaluation"

    @property
    def version_changed(self) -> bool:
        """False for the one version both runs read, judged only for what surrounds it."""
        return self.old is None or self.new is None or self.old.ref != self.new.ref

    @property
    def refreshed(self) -> bool:
        """Evaluation data that moved forward in time while the training data did not: the
        routine refresh the stale training data missed, not a cause of its own."""
        return self.is_eval and self.freshness is not None and self.freshness.training_lags

    @property
    def lags_evaluation(self) -> bool:
        """Training data that did not move forward while the evaluation data did."""
        if self.role not in LEARNED_FROM or self.freshness is None:
            return False
        return self.freshness.training_lags and later(self.span_before, self.span_after) is False

    @property
    def stale(self) -> bool:
        """The data did not move forward in time although the run is newer."""
        if self.version_went_back:
            return True
        if not self.version_changed:
            return False  # the same version: only `lags_evaluation` can tell
        return later(self.span_before, self.span_after) is False


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


def time_span(node: Node | None) -> TimeSpan | None:
    """The time the data covers: its temporal columns, else its numeric time-named columns."""
    columns = list(_columns(node).values())
    temporal = [c for c in columns if c.get("kind") == "temporal" and c.get("max")]
    if temporal:
        return TimeSpan(
            min(str(c.get("min") or c["max"]) for c in temporal),
            max(str(c["max"]) for c in temporal),
        )
    numeric = [
        c
        for c in columns
        if c.get("kind") == "numeric"
        and TIME_NAME.search(str(c["name"]).lower())
        and isinstance(c.get("max"), (int, float))
    ]
    if not numeric:
        return None
    lows = [c["min"] for c in numeric if isinstance(c.get("min"), (int, float))]
    return TimeSpan(float(min(lows)) if lows else None, float(max(c["max"] for c in numeric)))


def compare_datasets(
    name: str,
    old: Node | None,
    new: Node | None,
    role: str,
    freshness: Freshness | None = None,
    model_inputs: frozenset[str] | None = None,
    code_labels: frozenset[str] = frozenset(),
) -> DatasetChange:
    """Schema, rows, nulls, scale, drift and freshness between two versions of `name`;
    `model_inputs` (the bad model's signature) tells its label column apart."""
    from graph.profile.drift import column_drift

    change = DatasetChange(
        name,
        old,
        new,
        role,
        freshness=freshness,
        model_inputs=model_inputs,
        code_labels=code_labels,
    )
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
        shift.went_flat = _populated(a) and not _populated(b)
        moves_with_time = bool(TIME_NAME.search(column.lower()))  # drifts by design
        shift.bookkeeping = moves_with_time or (
            _is_key(a, change.rows_before) and _is_key(b, change.rows_after)
        )
        if (
            a.get("kind") == b.get("kind")
            and a.get("kind") in ("numeric", "categorical")
            and not shift.bookkeeping
        ):
            drift = column_drift(a, b)
            shift.psi = drift.get("psi")
            shift.ks = drift.get("ks")
            shift.mean_before, shift.mean_after = a.get("mean"), b.get("mean")
            spread = a.get("std")
            if isinstance(drift.get("wasserstein"), float | int) and isinstance(
                spread, float | int
            ):
                shift.normed_wasserstein = drift["wasserstein"] / spread if spread > 0 else None
            if a.get("kind") == "numeric":
                shift.scale_factor = _scale(a, b)
        change.columns.append(shift)
    change.columns.sort(key=lambda c: c.name)
    change.span_before, change.span_after = time_span(old), time_span(new)
    if old is not None and new is not None and old.source_time and new.source_time:
        change.version_went_back = new.source_time < old.source_time
    return change


def _populated(column: dict[str, Any]) -> bool:
    """Whether a profiled column holds values that vary: not all null, not a single value."""
    if float(column.get("null_rate") or 0.0) >= 1.0:
        return False
    distinct = column.get("distinct")
    return not isinstance(distinct, int | float) or distinct > 1


def _is_key(column: dict[str, Any], rows: Any) -> bool:
    """Whether a profiled column is an identifier: integers or text, (nearly) every non-null
    value distinct, as a customer or order key. Its values label rows, they are not a feature
    (the covariate-drift card: drift in a column the model does not use is noise), and a new
    export's new keys move its distribution by design. Floats are measurements, whose values
    are all distinct as a matter of course, never keys."""
    distinct = column.get("distinct")
    textual = column.get("kind") == "categorical"
    if not (textual or KEY_INTEGER_TYPE.match(str(column.get("type") or ""))):
        return False
    if not isinstance(rows, int) or rows < KEY_MIN_ROWS or not isinstance(distinct, int | float):
        return False
    present = rows * (1.0 - float(column.get("null_rate") or 0.0))
    return present > 0 and distinct >= KEY_DISTINCT_SHARE * present


def pair_versions(
    old: list[Node], new: list[Node], roles: dict[str, str]
) -> list[tuple[Node | None, Node | None]]:
    """Pair the good side's versions of one dataset name with the bad side's.

    A name is not an identity: `train/events.csv` and `eval/events.csv` share the stem
    `events`. So versions pair by the role the runs gave them (`roles`, by ref) and their path
    first, then by role, then by path, then by content (the most columns in common); a train
    split is never compared with an eval split, nor an input example with either. What is left
    unpaired stands alone (a dataset added or dropped).
    """

    def path(node: Node) -> str:
        return str(node.attrs.get("path") or "")

    def role(node: Node) -> str:
        return roles.get(node.ref, "")

    def columns(node: Node) -> set[str]:
        return set(_types(node)) or set(_columns(node))

    pairs: list[tuple[Node | None, Node | None]] = []
    left, right = list(old), list(new)
    for key in (lambda n: (role(n), path(n)), role, path):
        for a in list(left):
            match = next((b for b in right if key(b) == key(a) and any(key(a))), None)
            if match is not None and role(a) == role(match):
                pairs.append((a, match))
                left.remove(a)
                right.remove(match)
    for a in list(left):
        candidates = [b for b in right if not (role(a) and role(b)) and columns(a) & columns(b)]
        if candidates:
            best = max(candidates, key=lambda b: len(columns(a) & columns(b)))
            pairs.append((a, best))
            left.remove(a)
            right.remove(best)
    if len(left) == len(right) == 1 and not (role(left[0]) and role(right[0])):
        return [*pairs, (left[0], right[0])]  # the one version on each side, nothing against
    return pairs + [(a, None) for a in left] + [(None, b) for b in right]
