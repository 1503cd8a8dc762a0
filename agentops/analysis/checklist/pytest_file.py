"""Write the data expectations as a standalone pytest file (pyarrow + pytest, nothing else).

The file is data plus fixed code: every value that came from the graph — dataset names, paths,
column names, category values, thresholds — sits in one literal (`DATASETS`) written with
`repr`, so a hostile column name or cell value is a string in a list, never code. Comments and
the docstring hold only text written here. Each check is a parametrised test, so a failure names
the dataset and column (`test_null_rate[movies.genres]`).
"""

from __future__ import annotations

import math
import pprint
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from agentops.analysis.checklist.expectations import (
    GROWTH,
    HISTORY,
    MEAN_STDS,
    NULL_POINTS,
    QUANTILE_STDS,
    RANGE_SHARE,
    ROW_FLOOR,
    SHARE_MIN,
    SHARE_POINTS,
    DatasetExpectation,
    env_name,
)
from agentops.errors import ChecklistError

ROOT_ENV = "AGENTOPS_DATA_ROOT"


def plain(value: Any) -> Any:
    """`value` as JSON-like Python data whose `repr` is a literal: str, int, finite float, bool,
    None, lists and str-keyed dicts. Anything else is refused rather than written as code."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise ChecklistError("a generated test literal needs string keys")
        return {key: plain(item) for key, item in value.items()}
    raise ChecklistError(f"cannot write a {type(value).__name__} into a generated test")


def python_literal(value: Any) -> str:
    """A Python literal for `value` (see `plain`); `ast.literal_eval` gives `plain(value)` back."""
    return pprint.pformat(plain(value), width=100, sort_dicts=False)


def _dataset_literal(expectation: DatasetExpectation) -> dict[str, Any]:
    data = expectation.to_json()
    data["env"] = env_name(expectation.name)
    return data


def render_pytest(
    expectations: Sequence[DatasetExpectation],
    source: dict[str, Any],
    data_root: Path | None = None,
) -> str:
    """The test file's text. `source` says what it was generated for (model, run, good side);
    `data_root` is the default folder relative dataset paths resolve against (None: the current
    directory when pytest runs)."""
    if not expectations:
        raise ChecklistError(
            "no profiled input datasets to write data tests for",
            hint="the bad run needs dataset inputs whose good versions carry a profile "
            "(agentops ingest data / agentops sync)",
        )
    datasets = [_dataset_literal(e) for e in expectations]
    values = {
        "GENERATED_FOR": python_literal(source),
        "DEFAULT_DATA_ROOT": python_literal(str(data_root) if data_root else None),
        "DATASETS": python_literal(datasets),
    }
    body = _TEMPLATE.format(
        root_env=ROOT_ENV,
        null_points=f"{NULL_POINTS * 100:g}",
        range_share=f"{RANGE_SHARE * 100:g}",
        mean_stds=f"{MEAN_STDS:g}",
        quantile_stds=f"{QUANTILE_STDS:g}",
        share_min=f"{SHARE_MIN * 100:g}",
        share_points=f"{SHARE_POINTS * 100:g}",
        row_floor=f"{ROW_FLOOR * 100:g}",
        history=HISTORY,
        growth=f"{GROWTH:g}",
    )
    head, tail = body.split("# @@VALUES@@\n")
    assignments = "".join(f"{name} = {text}\n" for name, text in values.items())
    return head + assignments + tail


_TEMPLATE = '''"""Data checks on a model's input datasets, written by `agentops checklist suggest`.

Each input dataset of the bad training run is checked against the profile of the version the
last good model trained on (see GENERATED_FOR and DATASETS below): schema, row count, null
rates, value ranges, means, quantiles, category shares and freshness. Run it with

    pytest this_file.py

Where the data is read from: each dataset's `path` (as recorded in the lineage graph),
relative to DEFAULT_DATA_ROOT, or to ${root_env} when that environment variable is set.
One dataset can be pointed elsewhere with its own variable (the `env` key of its entry, e.g.
AGENTOPS_DATA_RATINGS=/data/ratings.csv). A folder path reads every file of the dataset's
format inside it as one table. Needs pyarrow and pytest.

Thresholds (the good version's value, widened by the tolerance):
- schema: the same column names, each in the same type family (int and float are one family);
- rows: at least {row_floor}% of the good row count (a truncated export);
- null rate: at most the good rate + {null_points} points;
- range: the good [min, max] widened by {range_share}% of its width;
- mean: the good mean +/- {mean_stds} standard deviations;
- quantiles p05..p95: between the good neighbouring quantiles (p +/- 0.05), widened by
  {quantile_stds} standard deviations;
- category shares: every value with at least {share_min}% of the good non-null rows keeps its share
  +/- {share_points} points;
- freshness: a column whose maximum rose at every earlier version must not end below the good
  maximum (a stale cut);
- sign: a column that was never negative keeps its lower bounds at 0 or above.
Each tolerance is also at least {growth} x the largest move of that statistic between two
consecutive earlier versions (up to {history} of them) x the number of versions the checked data
is past the good one, so columns that normally grow (ids, epoch times) have room to grow.
Edit the numbers in DATASETS to tighten or relax a check; the file is yours to keep.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

ROOT_ENV = "{root_env}"
# @@VALUES@@
BY_NAME = {{dataset["name"]: dataset for dataset in DATASETS}}


def _data_path(dataset):
    override = os.environ.get(dataset["env"])
    if override:
        return Path(override)
    if not dataset["path"]:
        pytest.fail(f"{{dataset['name']}}: no path recorded; set {{dataset['env']}}")
    path = Path(dataset["path"])
    if path.is_absolute():
        return path
    return Path(os.environ.get(ROOT_ENV) or DEFAULT_DATA_ROOT or ".") / path


def _format_of(path):
    name = path.name.lower()
    for suffix in (".gz", ".bz2", ".zst", ".lz4"):
        name = name.removesuffix(suffix)
    for ending, fmt in ((".csv", "csv"), (".tsv", "tsv"), (".parquet", "parquet"),
                        (".pq", "parquet"), (".jsonl", "jsonl"), (".ndjson", "jsonl")):
        if name.endswith(ending):
            return fmt
    return None


def _read(path, fmt):
    if fmt in ("csv", "tsv"):
        import pyarrow.csv as csv

        return csv.read_csv(
            path,
            parse_options=csv.ParseOptions(delimiter="\\t" if fmt == "tsv" else ","),
            convert_options=csv.ConvertOptions(strings_can_be_null=True),
        )
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path)
    if fmt == "jsonl":
        import pyarrow.json as pj

        return pj.read_json(path)
    pytest.fail(f"cannot read format {{fmt!r}}")


@cache
def _table(name):
    dataset = BY_NAME[name]
    path = _data_path(dataset)
    if not path.exists():
        pytest.fail(f"{{name}}: no data at {{path}} (set {{dataset['env']}} or {{ROOT_ENV}})")
    if path.is_dir():
        files = sorted(
            p for p in path.rglob("*") if p.is_file() and _format_of(p) == dataset["format"]
        )
        if not files:
            pytest.fail(f"{{name}}: no {{dataset['format']}} files under {{path}}")
        tables = [_read(p, dataset["format"]) for p in files]
        return pa.concat_tables(tables, promote_options="permissive")
    return _read(path, dataset["format"])


def _family(data_type):
    types = pa.types
    if types.is_dictionary(data_type):
        return _family(data_type.value_type)
    if types.is_integer(data_type) or types.is_floating(data_type) or types.is_decimal(data_type):
        return "numeric"
    if types.is_string(data_type) or types.is_large_string(data_type):
        return "string"
    if types.is_boolean(data_type):
        return "boolean"
    if types.is_timestamp(data_type) or types.is_date(data_type):
        return "temporal"
    if types.is_null(data_type):
        return "null"
    return "other"


def _column(dataset, column):
    table = _table(dataset["name"])
    if column["name"] not in table.column_names:
        pytest.fail(f"{{dataset['name']}}: column {{column['name']!r}} is missing")
    values = table.column(column["name"])
    if pa.types.is_dictionary(values.type):
        values = values.cast(values.type.value_type)
    return values


def _nan_count(values):
    if pa.types.is_floating(values.type):
        return pc.sum(pc.is_nan(values)).as_py() or 0
    return 0


def _finite(dataset, column):
    """The column's finite numbers as float64 (nulls, NaN and infinities left out)."""
    values = _column(dataset, column)
    if _family(values.type) != "numeric":
        pytest.fail(f"{{column['name']!r}} is {{values.type}}, not numeric")
    values = pc.cast(values.drop_null(), pa.float64())
    values = values.filter(pc.is_finite(values))
    if len(values) == 0:
        pytest.skip("no finite values (the null-rate check covers an empty column)")
    return values


def _cases(check):
    cases = [
        pytest.param(dataset, column, id=f"{{dataset['name']}}.{{column['name']}}")
        for dataset in DATASETS
        for column in dataset["columns"]
        if check(column)
    ]
    skip = pytest.mark.skip(reason="no column has this check")
    return cases or [pytest.param(None, None, id="none", marks=skip)]


@pytest.mark.parametrize("dataset", [pytest.param(d, id=d["name"]) for d in DATASETS])
def test_schema(dataset):
    table = _table(dataset["name"])
    found = {{field.name: _family(field.type) for field in table.schema}}
    expected = {{column["name"]: column["family"] for column in dataset["columns"]}}
    problems = [f"missing column {{name!r}}" for name in expected if name not in found]
    problems += [f"unexpected column {{name!r}}" for name in found if name not in expected]
    problems += [
        f"column {{name!r}} is {{found[name]}}, expected {{family}}"
        for name, family in expected.items()
        if name in found and found[name] != family and "null" not in (found[name], family)
    ]
    assert not problems, "; ".join(problems)


@pytest.mark.parametrize("dataset", [pytest.param(d, id=d["name"]) for d in DATASETS])
def test_row_count(dataset):
    rows = _table(dataset["name"]).num_rows
    assert rows >= dataset["min_rows"], f"{{rows}} rows, expected at least {{dataset['min_rows']}}"


@pytest.mark.parametrize("dataset,column", _cases(lambda column: True))
def test_null_rate(dataset, column):
    values = _column(dataset, column)
    rate = (values.null_count + _nan_count(values)) / len(values) if len(values) else 0.0
    assert rate <= column["max_null_rate"], (
        f"null rate {{rate:.2%}}, expected at most {{column['max_null_rate']:.2%}}"
    )


@pytest.mark.parametrize("dataset,column", _cases(lambda column: column["range"]))
def test_range(dataset, column):
    low, high = column["range"]
    bounds = pc.min_max(_finite(dataset, column)).as_py()
    found = f"{{bounds['min']:.6g}}..{{bounds['max']:.6g}}"
    assert low <= bounds["min"] and bounds["max"] <= high, (
        f"values {{found}}, expected within {{low:.6g}}..{{high:.6g}}"
    )


@pytest.mark.parametrize("dataset,column", _cases(lambda column: column["mean"]))
def test_mean(dataset, column):
    low, high = column["mean"]
    mean = pc.mean(_finite(dataset, column)).as_py()
    assert low <= mean <= high, f"mean {{mean:.6g}}, expected within {{low:.6g}}..{{high:.6g}}"


@pytest.mark.parametrize("dataset,column", _cases(lambda column: column["quantiles"]))
def test_quantiles(dataset, column):
    values = _finite(dataset, column)
    probs = list(column["quantiles"])
    found = pc.quantile(values, q=[float(p) for p in probs], interpolation="linear").to_pylist()
    problems = [
        f"p{{float(p) * 100:g}} = {{value:.6g}}, expected within {{low:.6g}}..{{high:.6g}}"
        for p, value in zip(probs, found, strict=True)
        for low, high in [column["quantiles"][p]]
        if not low <= value <= high
    ]
    assert not problems, "; ".join(problems)


@pytest.mark.parametrize("dataset,column", _cases(lambda column: column["shares"]))
def test_category_shares(dataset, column):
    values = _column(dataset, column).drop_null()
    if len(values) == 0:
        pytest.skip("no values (the null-rate check covers an empty column)")
    counts = {{
        item["values"]: item["counts"] for item in pc.value_counts(values).to_pylist()
    }}
    problems = []
    for value, low, high in column["shares"]:
        share = counts.get(value, 0) / len(values)
        if not low <= share <= high:
            problems.append(f"{{value!r}} holds {{share:.2%}}, expected {{low:.2%}}..{{high:.2%}}")
    assert not problems, "; ".join(problems)


@pytest.mark.parametrize("dataset,column", _cases(lambda column: column["not_below"] is not None))
def test_freshness(dataset, column):
    values = _column(dataset, column).drop_null()
    assert len(values) > 0, "no values, so no sign of fresh data"
    latest = pc.max(values).as_py()
    if isinstance(column["not_below"], str):
        latest = latest.isoformat() if hasattr(latest, "isoformat") else str(latest)
    assert latest >= column["not_below"], (
        f"latest value {{latest!r}} is older than the good version's {{column['not_below']!r}}"
    )
'''
