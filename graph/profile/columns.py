"""Per-column accumulators: fed Arrow arrays batch by batch, each ends as one JSON-ready dict.

Memory per column is fixed by the sketch sizes in `profile_sketch`, whatever the row count.
What each kind of column records is described in `graph.profile`'s docstring.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from graph.profile.sketch import (
    BottomKSample,
    DistinctSketch,
    HeavyHitters,
    hash_numbers,
    hash_strings,
)

if TYPE_CHECKING:
    import pyarrow as pa

QUANTILE_COUNT = 101  # quantiles at p = i/100, i = 0..100
HISTOGRAM_BINS = 20
SAMPLE_SIZE = 16_384
DISTINCT_K = 4096
TOP_CAPACITY = 1024
TOP_K = 10
TEXT_LIMIT = 200  # characters of a cell value kept in a profile


class KindConflict(Exception):
    """A column's values changed kind (numbers in one batch or file, text in another)."""

    def __init__(self, column: str, was: str, now: str) -> None:
        super().__init__(f"column {column!r} is {was} in one part and {now} in another")
        self.column = column


def column_kind(data_type: pa.DataType) -> str:
    """numeric | categorical | temporal | other — decides what a column's profile holds."""
    import pyarrow as pa

    types = pa.types
    if types.is_dictionary(data_type):
        return column_kind(data_type.value_type)
    if types.is_integer(data_type) or types.is_floating(data_type) or types.is_decimal(data_type):
        return "numeric"
    if (
        types.is_string(data_type)
        or types.is_large_string(data_type)
        or types.is_boolean(data_type)
    ):
        return "categorical"
    if types.is_timestamp(data_type) or types.is_date(data_type):
        return "temporal"
    return "other"


def _plain(array: pa.Array | pa.ChunkedArray) -> pa.Array:
    import pyarrow as pa

    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    return array


class ColumnAccumulator:
    """Counts and nulls, common to every kind; subclasses add what their kind needs."""

    kind = "other"

    def __init__(self, name: str, data_type: pa.DataType) -> None:
        self.name = name
        self.type = data_type
        self.rows = 0
        self.nulls = 0

    def add_missing(self, rows: int) -> None:
        """Rows of a batch or file that lacks this column count as nulls."""
        self.rows += rows
        self.nulls += rows

    def add(self, array: pa.Array) -> None:
        array = _plain(array)
        if array.null_count < len(array):
            found = column_kind(array.type)
            if found != self.kind:
                raise KindConflict(self.name, self.kind, found)
            if array.type != self.type:
                array = self._conform(array)
            self._add_values(array)
        self.rows += len(array)
        self.nulls += array.null_count

    def _conform(self, array: pa.Array) -> pa.Array:
        """Cast a batch to this column's type (files of one folder may differ slightly)."""
        import pyarrow as pa

        try:
            return array.cast(self.type)
        except pa.ArrowException:
            raise KindConflict(self.name, str(self.type), str(array.type)) from None

    def _add_values(self, array: pa.Array) -> None:
        pass

    def result(self) -> dict[str, Any]:
        count = self.rows - self.nulls
        return {
            "name": self.name,
            "type": str(self.type),
            "kind": self.kind,
            "count": count,
            "nulls": self.nulls,
            "null_rate": self.nulls / self.rows if self.rows else 0.0,
        }


class NumericAccumulator(ColumnAccumulator):
    """Exact min/max/mean/std; distinct by KMV; quantiles and histogram from a uniform sample.

    NaN counts as null (as pandas does); ±inf is counted in `infinite` and left out of the
    moments, quantiles and histogram.
    """

    kind = "numeric"

    def __init__(self, name: str, data_type: pa.DataType) -> None:
        super().__init__(name, data_type)
        self.integer = True
        self.infinite = 0
        self.min: float | None = None
        self.max: float | None = None
        self._n = 0
        self._mean = 0.0
        self._m2 = 0.0
        self.distinct = DistinctSketch(DISTINCT_K)
        self.sample = BottomKSample(SAMPLE_SIZE)

    def _conform(self, array: pa.Array) -> pa.Array:
        """Integers of any width widen to int64; any other mix of number types to float64."""
        import pyarrow as pa

        both_integer = pa.types.is_integer(array.type) and pa.types.is_integer(self.type)
        self.type = pa.int64() if both_integer else pa.float64()
        return array.cast(self.type)

    def _add_values(self, array: pa.Array) -> None:
        import pyarrow as pa

        if pa.types.is_decimal(array.type):
            array = array.cast(pa.float64())
        values = array.drop_null().to_numpy(zero_copy_only=False)
        if values.dtype.kind == "f":
            self.integer = False
            nan = np.isnan(values)
            if nan.any():
                self.nulls += int(nan.sum())
                values = values[~nan]
            finite = np.isfinite(values)
            if not finite.all():
                self.infinite += int((~finite).sum())
                self.distinct.add(hash_numbers(values[~finite]))
                values = values[finite]
        if len(values) == 0:
            return
        self.distinct.add(hash_numbers(values))
        low, high = values.min().item(), values.max().item()
        self.min = low if self.min is None else min(self.min, low)
        self.max = high if self.max is None else max(self.max, high)
        as_float = values.astype(np.float64)
        self._merge_moments(len(as_float), float(as_float.mean()), float(as_float.var()))
        self.sample.add(as_float)

    def _merge_moments(self, n: int, mean: float, variance: float) -> None:
        """Chan et al.'s parallel update: stable where a running sum of squares is not."""
        total = self._n + n
        delta = mean - self._mean
        self._mean += delta * n / total
        self._m2 += variance * n + delta * delta * self._n * n / total
        self._n = total

    def result(self) -> dict[str, Any]:
        out = super().result()
        out["distinct"] = self.distinct.estimate()
        out["distinct_exact"] = self.distinct.exact
        if self.infinite:
            out["infinite"] = self.infinite
        if self._n == 0:
            return out
        out["min"] = _number(self.min, self.integer)
        out["max"] = _number(self.max, self.integer)
        out["mean"] = self._mean
        out["std"] = math.sqrt(self._m2 / self._n)
        sample = self.sample.values()
        out["sample_size"] = len(sample)
        out["sample_exact"] = len(sample) == self._n
        quantiles = np.quantile(sample, np.linspace(0.0, 1.0, QUANTILE_COUNT))
        quantiles[0], quantiles[-1] = float(self.min), float(self.max)  # exact ends
        out["quantiles"] = [_short(q) for q in quantiles]
        out["histogram"] = _histogram(sample, float(self.min), float(self.max), self._n)
        return out


def _number(value: float | None, integer: bool) -> float | int | None:
    if value is None:
        return None
    return int(value) if integer else float(value)


def _histogram(sample: np.ndarray, low: float, high: float, total: int) -> dict[str, Any]:
    """HISTOGRAM_BINS equal-width bins over the exact [min, max], counts scaled to the total.

    Counts come from the sample (exact when the sample holds every value); the scaled counts
    are rounded by largest remainder so that they add up to the column's count.
    """
    if low == high:
        return {"edges": [low, high], "counts": [total], "exact": True}
    edges = np.linspace(low, high, HISTOGRAM_BINS + 1)
    counts, _ = np.histogram(sample, bins=edges)
    exact = len(sample) == total
    if not exact:
        scaled = counts * (total / len(sample))
        floors = np.floor(scaled).astype(np.int64)
        short = total - int(floors.sum())
        order = np.argsort(-(scaled - floors), kind="stable")[:short]
        floors[order] += 1
        counts = floors
    return {"edges": [_short(e) for e in edges], "counts": [int(c) for c in counts], "exact": exact}


def _clip(value: Any) -> Any:
    """Cell text goes into node attributes: short, and without NUL (PostgreSQL's jsonb
    refuses it)."""
    if not isinstance(value, str):
        return value
    value = value.replace("\x00", "\ufffd")
    return value if len(value) <= TEXT_LIMIT else value[:TEXT_LIMIT] + "…"


def _short(value: float) -> float:
    """12 significant digits: enough for drift, and the stored JSON stays small and readable."""
    return float(f"{float(value):.12g}")


class CategoricalAccumulator(ColumnAccumulator):
    """Text and booleans: distinct by KMV, min/max, and the top values by Misra-Gries."""

    kind = "categorical"

    def __init__(self, name: str, data_type: pa.DataType) -> None:
        super().__init__(name, data_type)
        self.distinct = DistinctSketch(DISTINCT_K)
        self.top = HeavyHitters(TOP_CAPACITY)
        self.min: Any = None
        self.max: Any = None

    def _add_values(self, array: pa.Array) -> None:
        import pyarrow as pa
        import pyarrow.compute as pc

        if pa.types.is_boolean(array.type):
            self.distinct.add(hash_numbers(array.drop_null().to_numpy(zero_copy_only=False)))
        else:
            self.distinct.add(hash_strings(array))
        self.top.add(array)
        bounds = pc.min_max(array)
        low, high = bounds["min"].as_py(), bounds["max"].as_py()
        self.min = low if self.min is None else min(self.min, low)
        self.max = high if self.max is None else max(self.max, high)

    def result(self) -> dict[str, Any]:
        out = super().result()
        out["distinct"] = self.distinct.estimate()
        out["distinct_exact"] = self.distinct.exact
        if out["count"]:
            out["min"], out["max"] = _clip(self.min), _clip(self.max)
            out["top"] = [{"value": _clip(v), "count": c} for v, c in self.top.top(TOP_K)]
            out["top_error"] = self.top.error
            out["top_exact"] = self.top.error == 0
        return out


class TemporalAccumulator(ColumnAccumulator):
    """Timestamps and dates: min/max (the max is the data's freshness) and distinct."""

    kind = "temporal"

    def __init__(self, name: str, data_type: pa.DataType) -> None:
        super().__init__(name, data_type)
        self.distinct = DistinctSketch(DISTINCT_K)
        self.min: int | None = None
        self.max: int | None = None

    def _add_values(self, array: pa.Array) -> None:
        import pyarrow as pa

        storage = pa.int64() if array.type.bit_width == 64 else pa.int32()
        values = array.drop_null().view(storage).to_numpy(zero_copy_only=False)
        self.distinct.add(hash_numbers(values))
        low, high = int(values.min()), int(values.max())
        self.min = low if self.min is None else min(self.min, low)
        self.max = high if self.max is None else max(self.max, high)

    def _iso(self, raw: int) -> str:
        import pyarrow as pa

        storage = pa.int64() if self.type.bit_width == 64 else pa.int32()
        return pa.array([raw], type=storage).view(self.type)[0].as_py().isoformat()

    def result(self) -> dict[str, Any]:
        out = super().result()
        out["distinct"] = self.distinct.estimate()
        out["distinct_exact"] = self.distinct.exact
        if self.min is not None and self.max is not None:
            out["min"], out["max"] = self._iso(self.min), self._iso(self.max)
            out["max_timestamp"] = out["max"]
        return out


def accumulator_for(name: str, data_type: pa.DataType) -> ColumnAccumulator:
    import pyarrow as pa

    if pa.types.is_dictionary(data_type):
        data_type = data_type.value_type
    kind = column_kind(data_type)
    if kind == "numeric":
        return NumericAccumulator(name, data_type)
    if kind == "categorical":
        return CategoricalAccumulator(name, data_type)
    if kind == "temporal":
        return TemporalAccumulator(name, data_type)
    return ColumnAccumulator(name, data_type)
