"""Profiles of tabular data files (CSV/TSV, Parquet, JSON Lines) in bounded memory.

A profile is stored with its dataset version (`attrs["profile"]`), so drift between two versions
can be computed later from the two stored profiles alone, after the files changed or are gone.
Files are streamed in Arrow record batches (pyarrow's streaming CSV and JSON readers, Parquet
row-group batches); every column keeps fixed-size sketches (`profile_sketch`), never the data.

The stored profile (`DatasetProfile.to_json()`, layout version `PROFILE_VERSION`)::

    {"version": 1, "format": "csv", "files": 1, "row_count": 1000,
     "quantile_probs": "i/100 for i in 0..100", "histogram_bins": 20, "sample_size": 16384,
     "max_timestamp": "2026-11-20T03:00:00" | None,   # latest value of any time column
     "columns": [ColumnProfile, ...]}                 # in schema order

    every column: name, type (Arrow), kind (numeric|categorical|temporal|other),
                  count (non-null), nulls, null_rate (= nulls / row_count; NaN counts as null)
    numeric:      distinct (+ distinct_exact), min, max, mean, std (exact),
                  quantiles: 101 values at p = 0, 0.01, …, 1 (ends are the exact min and max),
                  histogram: {edges: 21 equal-width edges over [min, max], counts: 20, exact},
                  sample_size, sample_exact, infinite (if any ±inf)
    categorical:  distinct, min, max, top: [{value, count}] (10 most frequent, Misra-Gries),
                  top_error (max undercount; 0 = exact), top_exact
    temporal:     distinct, min, max, max_timestamp (ISO-8601)
    other:        (nested, binary, all-null) only the counts

Quantiles and histogram counts come from a uniform sample of `SAMPLE_SIZE` values chosen by
row position with a fixed seed (exact for smaller columns), so profiles are reproducible.

Drift from two stored profiles (see `graph.profile.drift`):
- PSI: bin both versions on the *same* edges — the baseline's deciles — taking each version's
  mass per bin from its quantile function (linear interpolation of the 101 quantiles gives the
  CDF at any point); categorical PSI uses the top-k frequencies plus an "other" bucket.
  The per-version histogram has edges over its own range; it is for display and for checking.
- KS: the largest gap between the two interpolated CDFs, over the union of both quantile grids.
- Wasserstein-1: the mean absolute difference of the two quantile functions over p (the area
  between the CDFs), straight from the two quantile lists.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graph.jsontext import JSONTextError, parse_json
from graph.profile.columns import (
    HISTOGRAM_BINS,
    SAMPLE_SIZE,
    ColumnAccumulator,
    KindConflict,
    accumulator_for,
)

if TYPE_CHECKING:
    import pyarrow as pa

PROFILE_VERSION = 1
BLOCK_SIZE = 4 << 20  # bytes per CSV/JSON block: big enough for good type inference
PARQUET_BATCH_ROWS = 65_536
JSON_FALLBACK_LINES = 10_000
COMPRESSED_SUFFIXES = (".gz", ".bz2", ".zst", ".lz4")
_FORMATS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}
_CSV_COLUMN_ERROR = re.compile(r"CSV column #(\d+): CSV conversion error to (\w+)")
_JSON_COLUMN_ERROR = re.compile(r"Column\(/([^/)]+)")


class ProfileError(Exception):
    """A file that claims a tabular format but cannot be read as one."""


def detect_format(path: Path) -> str | None:
    """csv | tsv | parquet | jsonl from the file name (compressed CSV/JSONL too), else None."""
    name = path.name.lower()
    for suffix in COMPRESSED_SUFFIXES:
        if name.endswith(suffix):
            name = name.removesuffix(suffix)
            break
    return _FORMATS.get(Path(name).suffix)


@dataclass(slots=True)
class DatasetProfile:
    format: str
    files: int
    row_count: int
    columns: list[dict[str, Any]] = field(default_factory=list)

    @property
    def schema(self) -> list[dict[str, str]]:
        return [{"name": c["name"], "type": c["type"]} for c in self.columns]

    def to_json(self) -> dict[str, Any]:
        stamps = [c["max_timestamp"] for c in self.columns if c.get("max_timestamp")]
        return {
            "version": PROFILE_VERSION,
            "format": self.format,
            "files": self.files,
            "row_count": self.row_count,
            "quantile_probs": "i/100 for i in 0..100",
            "histogram_bins": HISTOGRAM_BINS,
            "sample_size": SAMPLE_SIZE,
            "max_timestamp": max(stamps) if stamps else None,
            "columns": self.columns,
        }


class _TableProfiler:
    """Accumulators by column name: a column missing from a batch or file counts as null."""

    def __init__(self) -> None:
        self.rows = 0
        self.columns: dict[str, ColumnAccumulator] = {}

    def add(self, batch: pa.RecordBatch) -> None:
        import pyarrow as pa

        present: set[str] = set()
        for raw_name, array in zip(batch.schema.names, batch.columns, strict=True):
            name, copy = raw_name, 0
            while name in present:  # a CSV header may repeat a name: keep both columns
                copy += 1
                name = f"{raw_name}.{copy}"
            present.add(name)
            column = self.columns.get(name)
            if column is None or (pa.types.is_null(column.type) and array.null_count < len(array)):
                fresh = accumulator_for(name, array.type)
                fresh.add_missing(column.rows if column else self.rows)
                self.columns[name] = column = fresh
            column.add(array)
        for name, column in self.columns.items():
            if name not in present:
                column.add_missing(batch.num_rows)
        self.rows += batch.num_rows

    def result(self, fmt: str, files: int) -> DatasetProfile:
        return DatasetProfile(fmt, files, self.rows, [c.result() for c in self.columns.values()])


def profile_files(paths: Sequence[Path], fmt: str) -> DatasetProfile:
    """Profile one file, or several files of one format as one table (a folder dataset).

    A type the first block did not predict (a number column that turns to text further down)
    restarts the read with that column widened; each restart costs one more pass, never memory.
    """
    overrides: dict[str, str] = {}
    for _attempt in range(64):
        profiler = _TableProfiler()
        try:
            for path in paths:
                for batch in _batches(path, fmt, overrides):
                    profiler.add(batch)
            return profiler.result(fmt, len(paths))
        except _WidenColumn as widen:
            if overrides.get(widen.column) == widen.to:
                raise ProfileError(f"{widen.column!r}: cannot read as {widen.to}") from None
            overrides[widen.column] = widen.to
        except KindConflict as conflict:
            if overrides.get(conflict.column) == "string":
                raise ProfileError(str(conflict)) from None
            overrides[conflict.column] = "string"
    raise ProfileError("column types kept changing; gave up after 64 passes")


def profile_attrs(paths: Sequence[Path], fmt: str) -> dict[str, Any]:
    """The attributes a dataset version stores for its profile, or its `profile_error`."""
    try:
        profile = profile_files(paths, fmt)
    except ProfileError as exc:
        return {"profile_error": str(exc)}
    return {"row_count": profile.row_count, "schema": profile.schema, "profile": profile.to_json()}


class _WidenColumn(Exception):
    def __init__(self, column: str, to: str) -> None:
        self.column, self.to = column, to


def _batches(path: Path, fmt: str, overrides: dict[str, str]) -> Iterator[pa.RecordBatch]:
    import pyarrow as pa

    try:
        if fmt in ("csv", "tsv"):
            yield from _csv_batches(path, "\t" if fmt == "tsv" else ",", overrides)
        elif fmt == "parquet":
            yield from _cast(_parquet_batches(path), overrides)
        elif fmt == "jsonl":
            yield from _cast(_json_batches(path, overrides), overrides)
        else:
            raise ProfileError(f"no profiler for format {fmt!r}")
    except pa.ArrowException as exc:
        raise ProfileError(f"{path.name}: {str(exc).splitlines()[0]}") from None


def _cast(batches: Iterator[pa.RecordBatch], overrides: dict[str, str]) -> Iterator[pa.RecordBatch]:
    """Apply the widened column types to readers that cannot take them up front."""
    import pyarrow as pa

    for batch in batches:
        wanted = [name for name in batch.schema.names if name in overrides]
        if wanted:
            arrays = list(batch.columns)
            for name in wanted:
                index = batch.schema.get_field_index(name)
                arrays[index] = (
                    _to_text(arrays[index])
                    if overrides[name] == "string"
                    else (arrays[index].cast(pa.type_for_alias(overrides[name])))
                )
            batch = pa.RecordBatch.from_arrays(arrays, names=batch.schema.names)
        yield batch


def _to_text(array: pa.Array) -> pa.Array:
    import json

    import pyarrow as pa

    try:
        return array.cast(pa.string())
    except pa.ArrowException:
        return pa.array(
            [None if v is None else json.dumps(v, default=str) for v in array.to_pylist()],
            type=pa.string(),
        )


def _csv_batches(path: Path, delimiter: str, overrides: dict[str, str]) -> Iterator[pa.RecordBatch]:
    import pyarrow as pa
    import pyarrow.csv as csv

    types = {name: pa.type_for_alias(alias) for name, alias in overrides.items()}
    reader = csv.open_csv(
        path,
        read_options=csv.ReadOptions(block_size=BLOCK_SIZE),
        parse_options=csv.ParseOptions(delimiter=delimiter),
        convert_options=csv.ConvertOptions(column_types=types, strings_can_be_null=True),
    )
    names = reader.schema.names
    try:
        yield from _or_empty(reader, reader.schema)
    except pa.ArrowInvalid as exc:
        match = _CSV_COLUMN_ERROR.search(str(exc))
        if not match:
            raise
        column, target = names[int(match.group(1))], match.group(2)
        raise _WidenColumn(column, "double" if target.startswith("int") else "string") from None


def _or_empty(batches: Iterator[pa.RecordBatch], schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    """The batches, or one empty batch: a file with a header and no rows still has columns."""
    import pyarrow as pa

    empty = True
    for batch in batches:
        empty = False
        yield batch
    if empty:
        yield pa.RecordBatch.from_pylist([], schema=schema)


def _parquet_batches(path: Path) -> Iterator[pa.RecordBatch]:
    import pyarrow.parquet as pq

    with pq.ParquetFile(path) as parquet:
        batches = parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS)
        yield from _or_empty(batches, parquet.schema_arrow)


def _json_batches(path: Path, overrides: dict[str, str]) -> Iterator[pa.RecordBatch]:
    """Arrow's streaming JSON reader; once a column's type proved inconsistent, Python parsing.

    Arrow's reader cannot turn numbers into text even with an explicit schema, so a file whose
    column holds both is read line by line with `json` (slower, same bounded memory).
    """
    import pyarrow as pa
    import pyarrow.json as pj

    if overrides:
        yield from _json_batches_python(path)
        return
    try:
        reader = pj.open_json(path, read_options=pj.ReadOptions(block_size=BLOCK_SIZE))
        yield from _or_empty(reader, reader.schema)
    except pa.ArrowInvalid as exc:
        match = _JSON_COLUMN_ERROR.search(str(exc))
        if not match:
            raise
        raise _WidenColumn(match.group(1), "string") from None


def _json_batches_python(path: Path) -> Iterator[pa.RecordBatch]:
    import json

    import pyarrow as pa

    def batch_of(rows: list[dict[str, Any]]) -> pa.RecordBatch:
        names = list(dict.fromkeys(key for row in rows for key in row))
        arrays = []
        for name in names:
            values = [row.get(name) for row in rows]
            try:
                arrays.append(pa.array(values))
            except (pa.ArrowException, TypeError, ValueError):
                text = [None if v is None else json.dumps(v, default=str) for v in values]
                arrays.append(pa.array(text, type=pa.string()))
        return pa.RecordBatch.from_arrays(arrays, names=names)

    rows: list[dict[str, Any]] = []
    with pa.input_stream(str(path), compression="detect") as stream:
        for number, line in enumerate(_lines(stream), 1):
            if not line.strip():
                continue
            try:
                row = parse_json(line)
            except JSONTextError as exc:
                raise ProfileError(f"{path.name}: line {number} is not JSON ({exc})") from None
            if not isinstance(row, dict):
                raise ProfileError(f"{path.name}: line {number} is not a JSON object")
            rows.append(row)
            if len(rows) >= JSON_FALLBACK_LINES:
                yield batch_of(rows)
                rows = []
    if rows:
        yield batch_of(rows)


def _lines(stream: Any) -> Iterator[bytes]:
    """Lines of an Arrow input stream, read in blocks (never the whole file at once)."""
    pending = b""
    while block := stream.read(BLOCK_SIZE):
        pending += block
        *complete, pending = pending.split(b"\n")
        yield from complete
    if pending:
        yield pending
