"""Data expectations from stored profiles, their dry run, and the generated pytest file."""

from __future__ import annotations

import ast
import csv
import io
from dataclasses import replace
from pathlib import Path

import pytest

from agentops.analysis.checklist.dry_run import evaluate_profile
from agentops.analysis.checklist.expectations import (
    ColumnExpectation,
    DatasetExpectation,
    column_expectation,
    dataset_expectation,
    env_name,
)
from agentops.analysis.checklist.pytest_file import python_literal, render_pytest
from agentops.errors import ChecklistError
from graph.model import Node
from graph.profile import profile_attrs

from .conftest import HandGraph, failed, run_pytest


def numeric(name: str, low: float, high: float, **extra: object) -> dict:
    step = (high - low) / 100
    return {
        "name": name,
        "type": "int64",
        "kind": "numeric",
        "count": 1000,
        "nulls": 0,
        "null_rate": 0.0,
        "min": low,
        "max": high,
        "mean": (low + high) / 2,
        "std": (high - low) / 4,
        "quantiles": [low + i * step for i in range(101)],
        **extra,
    }


def test_fixed_tolerances_from_the_good_profile_alone() -> None:
    column = numeric("rating", 1.0, 5.0, null_rate=0.02)
    expectation = column_expectation(column, [column], gap_steps=1)
    assert expectation.family == "numeric"
    assert expectation.max_null_rate == pytest.approx(0.07)  # + 5 points
    assert expectation.value_range == pytest.approx((0.6, 5.4))  # 10% of the width each side
    assert expectation.mean == pytest.approx((3.0 - 0.25, 3.0 + 0.25))  # 0.25 std (std = 1)
    low, high = expectation.quantiles["0.5"]  # between p45 and p55, widened by 0.1 std
    assert (low, high) == pytest.approx((2.8 - 0.1, 3.2 + 0.1))
    assert expectation.not_below is None  # one version: no sign of growth


def test_history_gives_growing_columns_room_and_a_freshness_floor() -> None:
    weeks = [numeric("ts", 0.0, 1000.0 + 100 * week) for week in range(5)]
    good = weeks[-1]
    one = column_expectation(good, weeks, gap_steps=1)
    three = column_expectation(good, weeks, gap_steps=3)
    assert one.value_range[1] == pytest.approx(1400 + 1.5 * 100)  # GROWTH × step × gap
    assert three.value_range[1] == pytest.approx(1400 + 1.5 * 100 * 3)
    assert one.not_below == 1400.0  # the maximum rose at every step: it must not go back
    assert one.value_range[0] == 0.0  # never negative: the lower bound stays at 0
    stale = _CheckedColumn(numeric("ts", 0.0, 1300.0))
    [failure] = [f for f in stale.failures(one) if f.check == "freshness"]
    assert failure.message == "latest value 1300 is older than 1400"


def test_a_column_with_negative_values_has_no_floor() -> None:
    column = numeric("delta", -5.0, 5.0)
    assert column_expectation(column, [column], gap_steps=1).value_range == pytest.approx(
        (-6.0, 6.0)
    )


class _CheckedColumn:
    """One column profile wrapped as a dataset version, for the dry run."""

    def __init__(self, column: dict) -> None:
        self.node = Node.make(
            "dataset:t@000000000000", {"profile": {"row_count": 1000, "columns": [column]}}
        )

    def failures(self, expectation: ColumnExpectation) -> list:
        dataset = DatasetExpectation(
            "t", "dataset:t@111111111111", None, "t.csv", "csv", 1, [expectation]
        )
        return evaluate_profile(dataset, self.node)


def test_category_shares_only_for_values_that_matter() -> None:
    column = {
        "name": "genre",
        "type": "string",
        "kind": "categorical",
        "count": 100,
        "null_rate": 0.0,
        "top": [
            {"value": "Drama", "count": 60},
            {"value": "Rare", "count": 1},  # under 2%: no check
            {"value": "x" * 200 + "…", "count": 30},  # cut by the profiler: cannot be matched
        ],
        "top_error": 0,
    }
    expectation = column_expectation(column, [column], gap_steps=1)
    assert expectation.family == "string"
    assert expectation.shares == [("Drama", pytest.approx(0.55), pytest.approx(0.65))]


def test_dry_run_flags_the_null_spike_and_nothing_on_the_good_version(hand: HandGraph) -> None:
    store = hand.store
    good, bad = store.get(hand.refs["good"]), store.get(hand.refs["bad"])
    expectation = dataset_expectation(store, "ratings", good, bad, "training")
    assert expectation is not None
    assert expectation.history == [hand.refs["v0"]]
    assert expectation.gap == 1
    assert expectation.path == "data/ratings.csv"
    assert evaluate_profile(expectation, good) == []
    failures = evaluate_profile(expectation, bad)
    assert ("nulls", "rating") in {(f.check, f.column) for f in failures}
    assert all(f.column == "rating" for f in failures)  # user_id, genre, timestamp are fine


def test_dry_run_reports_a_renamed_column(hand: HandGraph, tmp_path: Path) -> None:
    good = hand.store.get(hand.refs["good"])
    text = hand.files["good"].read_text().replace("user_id,rating,", "user_id,stars,", 1)
    renamed = tmp_path / "renamed.csv"
    renamed.write_text(text)
    node = Node.make("dataset:ratings@eeeeeeeeeeee", profile_attrs([renamed], "csv"))
    expectation = dataset_expectation(hand.store, "ratings", good, None)
    [schema] = [f for f in evaluate_profile(expectation, node) if f.check == "schema"]
    assert schema.message == "missing rating; unexpected stars"


def test_generated_file_passes_on_good_data_and_fails_on_bad(
    hand: HandGraph, tmp_path: Path
) -> None:
    store = hand.store
    good, bad = store.get(hand.refs["good"]), store.get(hand.refs["bad"])
    expectation = dataset_expectation(store, "ratings", good, bad, "training")
    test_file = tmp_path / "test_generated.py"
    test_file.write_text(
        render_pytest([expectation], {"model": "model:recsys/3"}, hand.root / "bad")
    )
    # default root: the bad data
    assert failed(run_pytest(test_file, {}, tmp_path)) == {
        "test_null_rate[ratings.rating]",
        "test_mean[ratings.rating]",
        "test_quantiles[ratings.rating]",
    }
    # AGENTOPS_DATA_ROOT points the file at the good data
    outcomes = run_pytest(test_file, {"AGENTOPS_DATA_ROOT": str(hand.root / "good")}, tmp_path)
    assert failed(outcomes) == set()
    assert "test_freshness[ratings.timestamp]" not in outcomes  # two versions: no growth seen
    assert outcomes["test_category_shares[ratings.genre]"] == "passed"
    # one dataset's own variable wins over the root
    override = {
        "AGENTOPS_DATA_ROOT": str(hand.root / "good"),
        env_name("ratings"): str(hand.files["bad"]),
    }
    assert "test_null_rate[ratings.rating]" in failed(run_pytest(test_file, override, tmp_path))


def test_missing_data_file_fails_with_the_variable_to_set(hand: HandGraph, tmp_path: Path) -> None:
    good = hand.store.get(hand.refs["good"])
    expectation = dataset_expectation(hand.store, "ratings", good, None)
    test_file = tmp_path / "test_generated.py"
    test_file.write_text(render_pytest([expectation], {}, tmp_path / "nowhere"))
    outcomes = run_pytest(test_file, {}, tmp_path)
    assert "passed" not in outcomes.values()
    assert outcomes["test_schema[ratings]"] == "failed"


PAYLOAD = "__import__('pathlib').Path('PWNED').touch()"
HOSTILE = "x\n" + PAYLOAD + "\n#'''\"\"\"\\{DATASETS}\u2028é"


def _hostile_expectation() -> DatasetExpectation:
    column = ColumnExpectation(
        HOSTILE, "string", HOSTILE, 0.1, shares=[(HOSTILE, 0.0, 1.0), (PAYLOAD, 0.0, 1.0)]
    )
    return DatasetExpectation(HOSTILE, HOSTILE, HOSTILE, HOSTILE, "csv", 1, [column], [HOSTILE])


DATA_NAMES = ("DATASETS", "GENERATED_FOR", "DEFAULT_DATA_ROOT")


def _is_data(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Assign)
        and isinstance(node.targets[0], ast.Name)
        and node.targets[0].id in DATA_NAMES
    )


def _code_only(text: str) -> str:
    """The module without its three data assignments."""
    module = ast.parse(text)
    module.body = [node for node in module.body if not _is_data(node)]
    return ast.dump(module)


def test_untrusted_values_stay_literals(tmp_path: Path) -> None:
    """Names, paths and values from the graph cannot become code in the generated file."""
    expectation = _hostile_expectation()
    text = render_pytest([expectation], {"model": HOSTILE}, Path(HOSTILE))
    values = {
        node.targets[0].id: ast.literal_eval(node.value)
        for node in ast.parse(text).body
        if _is_data(node)
    }
    assert values["DATASETS"] == [{**expectation.to_json(), "env": env_name(HOSTILE)}]
    assert values["DATASETS"][0]["columns"][0]["shares"][1][0] == PAYLOAD
    assert values["GENERATED_FOR"] == {"model": HOSTILE}
    assert values["DEFAULT_DATA_ROOT"] == HOSTILE
    benign = replace(expectation, name="ratings", columns=[], path="p.csv", history=[])
    assert _code_only(text) == _code_only(render_pytest([benign], {"model": "m"}, tmp_path))
    assert env_name(HOSTILE).startswith("AGENTOPS_DATA_X_")
    test_file = tmp_path / "test_hostile.py"
    test_file.write_text(text)
    outcomes = run_pytest(test_file, {}, tmp_path)  # the data is missing: nothing passes
    assert "passed" not in outcomes.values()
    assert outcomes["test_range[none]"] == "skipped"  # no numeric column
    assert not (tmp_path / "PWNED").exists()


def test_quoted_names_and_values_round_trip_through_real_data(tmp_path: Path) -> None:
    """Quotes, backslashes and braces in column names and cells: the file passes on its data."""
    name, value = "a'b\"c\\{x}", "'''); import os; os.system('touch PWNED') #"
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([name, "n"])
    writer.writerows([[value, i] for i in range(30)] + [["other", 99]] * 10)
    data = tmp_path / "data" / "odd.csv"
    data.parent.mkdir()
    data.write_text(buffer.getvalue())
    attrs = {"path": "data/odd.csv", **profile_attrs([data], "csv")}
    node = Node.make("dataset:odd@abcdefabcdef", attrs)
    expectation = dataset_expectation(_NoHistory(), "odd", node, None)
    assert expectation.columns[0].name == name
    assert expectation.columns[0].shares[0][0] == value
    test_file = tmp_path / "test_odd.py"
    test_file.write_text(render_pytest([expectation], {}, tmp_path))
    outcomes = run_pytest(test_file, {}, tmp_path)
    assert failed(outcomes) == set()
    assert any(key.startswith("test_category_shares[") for key in outcomes)
    assert not (tmp_path / "PWNED").exists()


class _NoHistory:
    """A store with no version history."""

    def edges_of(self, refs: list[str]) -> list:
        return []

    def get_many(self, refs: list[str]) -> list:
        return []


def test_literal_refuses_anything_but_plain_data() -> None:
    assert python_literal({"a": [1, 2.5, float("nan"), None, True, "x"]}) == (
        "{'a': [1, 2.5, None, None, True, 'x']}"
    )
    with pytest.raises(ChecklistError):
        python_literal({"a": object()})
    with pytest.raises(ChecklistError):
        python_literal({1: "x"})
    with pytest.raises(ChecklistError):
        render_pytest([], {})
