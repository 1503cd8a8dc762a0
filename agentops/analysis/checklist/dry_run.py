"""A dry run of the generated data checks on a dataset version's stored profile.

It tells the checklist which checks would have failed on the bad version without reading its
files. It approximates running the pytest file: the profile's quantiles come from a sample and
its top values from a sketch, so a value that left the sketch's top list is not judged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agentops.analysis.checklist.expectations import (
    ColumnExpectation,
    DatasetExpectation,
    columns_of,
    family,
    number,
    profile_of,
    quantile,
)
from graph.model import Node


@dataclass(frozen=True, slots=True)
class CheckFailure:
    """One generated check that the checked version's stored profile fails."""

    dataset: str
    check: str  # schema | rows | nulls | range | mean | quantile | share | freshness
    column: str | None
    message: str

    def to_json(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "check": self.check,
            "column": self.column,
            "message": self.message,
        }


def _fmt(value: Any) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.6g}" if isinstance(value, float) else repr(value)


def _fmt_band(band: tuple[float, float]) -> str:
    return f"{_fmt(band[0])}..{_fmt(band[1])}"


def _outside(value: float | None, band: tuple[float, float] | None) -> bool:
    return value is not None and band is not None and not band[0] <= value <= band[1]


def evaluate_profile(expectation: DatasetExpectation, node: Node | None) -> list[CheckFailure]:
    """The generated checks that the stored profile of `node` fails (none without a profile)."""
    profile = profile_of(node)
    name = expectation.name
    if not profile:
        return []
    out: list[CheckFailure] = []
    columns = columns_of(node)
    expected = {c.name for c in expectation.columns}
    missing = [c.name for c in expectation.columns if c.name not in columns]
    extra = [column for column in columns if column not in expected]
    parts = [f"missing {', '.join(missing)}"] if missing else []
    parts += [f"unexpected {', '.join(extra)}"] if extra else []
    if parts:
        out.append(CheckFailure(name, "schema", None, "; ".join(parts)))
    rows = int(profile.get("row_count") or 0)
    if rows < expectation.min_rows:
        out.append(
            CheckFailure(name, "rows", None, f"{rows} rows, expected ≥ {expectation.min_rows}")
        )
    for want in expectation.columns:
        have = columns.get(want.name)
        if have is None:
            continue
        out += _column_failures(name, want, have)
    return out


def _column_failures(
    dataset: str, want: ColumnExpectation, have: dict[str, Any]
) -> list[CheckFailure]:
    out: list[CheckFailure] = []
    column = want.name

    def fail(check: str, message: str) -> None:
        out.append(CheckFailure(dataset, check, column, message))

    got = family(have)
    if got != want.family and "null" not in (got, want.family):
        fail("schema", f"type {have.get('type')} ({got}), expected {want.family}")
    nulls = number(have.get("null_rate")) or 0.0
    if nulls > want.max_null_rate:
        fail("nulls", f"null rate {nulls:.1%}, expected ≤ {want.max_null_rate:.1%}")
    low, high = number(have.get("min")), number(have.get("max"))
    if want.value_range and (_outside(low, want.value_range) or _outside(high, want.value_range)):
        fail(
            "range",
            f"values {_fmt(low)}..{_fmt(high)}, expected within {_fmt_band(want.value_range)}",
        )
    if _outside(number(have.get("mean")), want.mean):
        mean = _fmt(number(have.get("mean")))
        fail("mean", f"mean {mean}, expected within {_fmt_band(want.mean)}")
    for p, band in want.quantiles.items():
        value = quantile(have, float(p))
        if _outside(value, band):
            fail("quantile", f"p{float(p) * 100:g} = {_fmt(value)}, expected {_fmt_band(band)}")
    count = have.get("count") or 0
    top = {item.get("value"): item.get("count") or 0 for item in have.get("top") or []}
    for value, lo, hi in want.shares:
        if not count:
            break
        share = top.get(value, 0) / count
        # a value that fell out of the sketch's top list has an unknown (small) share
        if share > hi or (value in top and share < lo):
            fail("share", f"{value!r} holds {share:.1%} of values, expected {lo:.1%}..{hi:.1%}")
    if want.not_below is not None:
        latest = have.get("max")
        if isinstance(want.not_below, str):
            stale = isinstance(latest, str) and latest < want.not_below
        else:
            stale = number(latest) is not None and number(latest) < want.not_below
        if stale:
            fail("freshness", f"latest value {_fmt(latest)} is older than {_fmt(want.not_below)}")
    return out
