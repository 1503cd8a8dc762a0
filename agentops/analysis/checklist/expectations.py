"""Data expectations derived from a good dataset version's stored profile.

`agentops checklist suggest --format pytest` turns these into a test file (`checklist_pytest`);
`checklist_dry_run` checks them against the bad version's stored profile, so the checklist can
say which data checks would have failed before the bad model trained.

Where each threshold comes from (the generated file's docstring repeats these):

- **Centre**: the good version's profile (the data the last healthy model trained on).
- **Normal movement**: up to `HISTORY` earlier versions of the same dataset (the version-history
  `previous` edges before the good one). For each statistic, the largest change between two
  consecutive versions is its step; the checks allow `GROWTH` × step × *gap* on top of the fixed
  tolerance, where the gap is how many versions the checked version is past the good one (1 when
  the chain does not say). A column that grows every week (ids, epoch times) gets room to grow;
  a column that never moved (a 1-5 rating) keeps the fixed tolerance.
- **Fixed tolerances** (the floor when history is flat or absent):
  schema — the same column names, each in the same type family (numeric, string, boolean,
  temporal: int64 and double are one family, because one decimal point flips a CSV column
  between them); null rate — at most the good rate + 5 points (Great Expectations' `mostly`
  idea); range — the good [min, max] widened by 10% of its width; mean — the good mean ±
  0.25 standard deviations (Cohen's "small" effect is 0.2); quantiles p05/p25/p50/p75/p95 —
  between the good version's neighbouring quantiles (p ± 0.05) widened by 0.1 standard
  deviations, which absorbs the profile's sampling and ties in discrete columns; category
  shares — each value holding at least 2% of the good non-null rows keeps its share ± 5 points;
  rows — at least half the good row count (a truncated export); freshness — a column whose
  maximum rose at every step of the history must not end below the good maximum (a stale cut);
  sign — a numeric column never negative in the history keeps its lower bounds at 0 or above.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from graph.attributes import DatasetAttrs
from graph.model import Node
from graph.refs import EdgeKind
from graph.store import LineageStore

HISTORY = 8  # earlier versions read to learn how much each statistic moves per version
GROWTH = 1.5  # safety factor on the largest step seen in the history
MAX_GAP = 100  # version steps walked from the good version towards the checked one

NULL_POINTS = 0.05
RANGE_SHARE = 0.10
MEAN_STDS = 0.25
QUANTILE_STDS = 0.10
QUANTILE_NEIGHBOUR = 5  # profile quantiles are at p = i/100: p ± 0.05 is five steps away
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
SHARE_MIN = 0.02
SHARE_POINTS = 0.05
SHARE_VALUES = 10
ROW_FLOOR = 0.5
FRESH_STEPS = 2  # the maximum must have risen at least this often to call a column growing
CLIPPED = "…"  # profiles cut long cell text; a cut value cannot be matched in the data


@dataclass(slots=True)
class ColumnExpectation:
    """What one column of the good version looked like, with the room each check allows."""

    name: str
    family: str  # numeric | string | boolean | temporal | null | other
    type: str  # the good version's Arrow type, for messages
    max_null_rate: float
    value_range: tuple[float, float] | None = None
    mean: tuple[float, float] | None = None
    quantiles: dict[str, tuple[float, float]] = field(default_factory=dict)  # "0.5" → band
    shares: list[tuple[Any, float, float]] = field(default_factory=list)  # value, low, high
    not_below: float | str | None = None  # freshness: the maximum must reach this

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "family": self.family,
            "type": self.type,
            "max_null_rate": self.max_null_rate,
            "range": list(self.value_range) if self.value_range else None,
            "mean": list(self.mean) if self.mean else None,
            "quantiles": {p: list(band) for p, band in self.quantiles.items()},
            "shares": [[value, low, high] for value, low, high in self.shares],
            "not_below": self.not_below,
        }


@dataclass(slots=True)
class DatasetExpectation:
    """The checks for one input dataset of the bad run, from its good version's profile."""

    name: str
    good: str  # dataset ref the thresholds come from
    checked: str | None  # the bad run's version (the data the file is generated against)
    path: str | None  # where the data lives, as recorded on the checked (else good) version
    format: str
    min_rows: int
    columns: list[ColumnExpectation]
    history: list[str] = field(default_factory=list)  # earlier versions used for the steps
    gap: int = 1
    context: str = ""  # training | eval, from the input edge

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "good": self.good,
            "checked": self.checked,
            "path": self.path,
            "format": self.format,
            "context": self.context,
            "min_rows": self.min_rows,
            "history": list(self.history),
            "gap": self.gap,
            "columns": [column.to_json() for column in self.columns],
        }


# -- the version history -------------------------------------------------------------------------


def _previous(store: LineageStore, node: Node) -> Node | None:
    """The version before `node`: of its `previous` sources, the newest one older than it.

    A content that comes back (a stale export equal to an old one) is one node with several
    `previous` sources, one of them newer than itself; time order picks the real predecessor.
    """
    sources = [
        edge.src
        for edge in store.edges_of([node.ref])
        if edge.kind is EdgeKind.PREVIOUS and edge.dst == node.ref
    ]
    older = [
        source
        for source in store.get_many(sorted(sources))
        if node.at is None or source.at is None or source.at < node.at
    ]
    if not older:
        return None
    return max(older, key=lambda n: (n.at.timestamp() if n.at else float("-inf"), n.ref))


def history(store: LineageStore, good: Node, limit: int = HISTORY) -> list[Node]:
    """The good version and up to `limit` earlier profiled versions of it, oldest first."""
    chain = [good]
    current: Node | None = good
    seen = {good.ref}
    while len(chain) <= limit:
        current = _previous(store, current)
        if current is None or current.ref in seen:
            break
        seen.add(current.ref)
        if profile_of(current):
            chain.append(current)
    return list(reversed(chain))


def gap(store: LineageStore, good: Node, checked: Node | None) -> int:
    """How many versions `checked` is past `good` along the `previous` chain (1 if unknown)."""
    if checked is None or checked.ref == good.ref:
        return 1
    current: Node | None = checked
    seen = {checked.ref}
    for steps in range(1, MAX_GAP + 1):
        current = _previous(store, current)
        if current is None or current.ref in seen:
            return 1
        if current.ref == good.ref:
            return steps
        seen.add(current.ref)
    return 1


# -- building the expectations ---------------------------------------------------------------------


def profile_of(node: Node | None) -> dict[str, Any]:
    profile = DatasetAttrs(node).profile if node else {}
    return profile if profile.get("columns") else {}


def columns_of(node: Node | None) -> dict[str, dict[str, Any]]:
    return {
        c["name"]: c
        for c in profile_of(node).get("columns", [])
        if isinstance(c, dict) and isinstance(c.get("name"), str)
    }


def family(column: dict[str, Any]) -> str:
    """The type family a column's profile says it has (see the module docstring)."""
    kind, arrow_type = column.get("kind"), str(column.get("type", ""))
    if kind == "numeric":
        return "numeric"
    if kind == "temporal":
        return "temporal"
    if kind == "categorical":
        return "boolean" if arrow_type == "bool" else "string"
    return "null" if arrow_type == "null" else "other"


def number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def quantile(column: dict[str, Any], p: float) -> float | None:
    values = column.get("quantiles")
    if not isinstance(values, list) or len(values) != 101:
        return None
    return number(values[round(p * 100)])


def _step(series: list[float | None]) -> float:
    """The largest move between two consecutive versions that both have the statistic."""
    moves = [
        abs(b - a)
        for a, b in zip(series, series[1:], strict=False)
        if a is not None and b is not None
    ]
    return max(moves, default=0.0)


def _grew_every_step(series: list[Any]) -> bool:
    known = [value for value in series if value is not None]
    if len(known) < FRESH_STEPS + 1:
        return False
    pairs = list(zip(known, known[1:], strict=False))
    return all(b >= a for a, b in pairs) and sum(b > a for a, b in pairs) >= FRESH_STEPS


def _round(value: float) -> float:
    """12 significant digits: readable in the generated file, exact enough for any check."""
    return float(f"{value:.12g}")


def _bounded(low: float, high: float) -> tuple[float, float]:
    return (_round(low), _round(high))


def _numeric(
    expectation: ColumnExpectation,
    good: dict[str, Any],
    past: list[dict[str, Any] | None],
    allowance: float,
) -> None:
    def series(getter: Any) -> list[float | None]:
        return [getter(column) if column else None for column in past]

    low, high = number(good.get("min")), number(good.get("max"))
    std = number(good.get("std")) or 0.0
    mean = number(good.get("mean"))
    mins = series(lambda c: number(c.get("min")))
    floor = 0.0 if all(m is None or m >= 0 for m in mins) and low is not None else None

    def band(lo: float, hi: float) -> tuple[float, float]:
        return _bounded(lo if floor is None else max(lo, floor), hi)

    if low is not None and high is not None:
        width = high - low
        base = RANGE_SHARE * width if width > 0 else RANGE_SHARE * max(abs(low), 1.0)
        low_room = max(base, allowance * _step(series(lambda c: number(c.get("min")))))
        high_room = max(base, allowance * _step(series(lambda c: number(c.get("max")))))
        expectation.value_range = band(low - low_room, high + high_room)
        if _grew_every_step(series(lambda c: number(c.get("max")))):
            expectation.not_below = _round(high)
    if mean is not None:
        base = MEAN_STDS * std if std > 0 else RANGE_SHARE * max(abs(mean), 1.0)
        room = max(base, allowance * _step(series(lambda c: number(c.get("mean")))))
        expectation.mean = band(mean - room, mean + room)
    for p in QUANTILES:
        centre = quantile(good, p)
        if centre is None:
            continue
        below = quantile(good, max(p - QUANTILE_NEIGHBOUR / 100, 0.0))
        above = quantile(good, min(p + QUANTILE_NEIGHBOUR / 100, 1.0))
        slack = QUANTILE_STDS * std if std > 0 else RANGE_SHARE * max(abs(centre), 1.0)
        room = max(slack, allowance * _step(series(lambda c, p=p: quantile(c, p))))
        lo = min(v for v in (below, centre) if v is not None)
        hi = max(v for v in (above, centre) if v is not None)
        expectation.quantiles[f"{p:g}"] = band(lo - room, hi + room)


def _shares(
    expectation: ColumnExpectation,
    good: dict[str, Any],
    past: list[dict[str, Any] | None],
    allowance: float,
) -> None:
    count = good.get("count") or 0
    top = good.get("top") if isinstance(good.get("top"), list) else []
    if not count or not top:
        return
    error = (good.get("top_error") or 0) / count  # Misra-Gries undercount, as a share
    for entry in top[:SHARE_VALUES]:
        value, hits = entry.get("value"), entry.get("count") or 0
        if isinstance(value, str) and (value.endswith(CLIPPED) or "\ufffd" in value):
            continue
        if not isinstance(value, (str, bool, int, float)) or hits / count < SHARE_MIN:
            continue

        def share(column: dict[str, Any] | None, value: Any = value) -> float | None:
            if not column or not column.get("count"):
                return None
            for item in column.get("top") or []:
                if item.get("value") == value:
                    return (item.get("count") or 0) / column["count"]
            return None

        room = max(SHARE_POINTS, allowance * _step([share(c) for c in past])) + error
        centre = hits / count
        expectation.shares.append(
            (value, *_bounded(max(centre - room, 0.0), min(centre + room, 1.0)))
        )


def _temporal(
    expectation: ColumnExpectation, good: dict[str, Any], past: list[dict[str, Any] | None]
) -> None:
    highs = [c.get("max") if c and isinstance(c.get("max"), str) else None for c in past]
    if isinstance(good.get("max"), str) and _grew_every_step(highs):
        expectation.not_below = good["max"]


def column_expectation(
    good: dict[str, Any], past: list[dict[str, Any] | None], gap_steps: int
) -> ColumnExpectation:
    """The checks for one column; `past` is the column in each history version, oldest first
    (None where a version lacks it), ending with the good version itself."""
    allowance = GROWTH * max(gap_steps, 1)
    null_rates = [number(c.get("null_rate")) if c else None for c in past]
    good_nulls = number(good.get("null_rate")) or 0.0
    null_room = max(NULL_POINTS, allowance * _step(null_rates))
    expectation = ColumnExpectation(
        name=good["name"],
        family=family(good),
        type=str(good.get("type", "")),
        max_null_rate=_round(min(good_nulls + null_room, 1.0)),
    )
    kind = good.get("kind")
    if kind == "numeric":
        _numeric(expectation, good, past, allowance)
    elif kind == "categorical":
        _shares(expectation, good, past, allowance)
    elif kind == "temporal":
        _temporal(expectation, good, past)
    return expectation


def dataset_expectation(
    store: LineageStore, name: str, good: Node, checked: Node | None, context: str = ""
) -> DatasetExpectation | None:
    """The checks for one dataset, or None when the good version has no stored profile."""
    profile = profile_of(good)
    if not profile:
        return None
    versions = history(store, good)
    steps = gap(store, good, checked)
    per_version = [columns_of(node) for node in versions]
    columns = [
        column_expectation(column, [cols.get(column["name"]) for cols in per_version], steps)
        for column in profile["columns"]
        if isinstance(column, dict) and isinstance(column.get("name"), str)
    ]
    path = (DatasetAttrs(checked).path if checked else None) or DatasetAttrs(good).path
    rows = int(profile.get("row_count") or DatasetAttrs(good).row_count or 0)
    return DatasetExpectation(
        name=name,
        good=good.ref,
        checked=checked.ref if checked else None,
        path=path,
        format=str(profile.get("format") or DatasetAttrs(good).format or "csv"),
        min_rows=math.ceil(ROW_FLOOR * rows),
        columns=columns,
        history=[node.ref for node in versions[:-1]],
        gap=steps,
        context=context,
    )


_ENV_UNSAFE = re.compile(r"[^A-Z0-9]+")


def env_name(dataset: str) -> str:
    """The environment variable that overrides one dataset's path in the generated file."""
    return "AGENTOPS_DATA_" + (_ENV_UNSAFE.sub("_", dataset.upper()).strip("_") or "DATASET")
