"""The rule that links a run to the config versions it consumed (docs/conventions.md)."""

from __future__ import annotations

from graph.ingest.link import consumed_keys, same_value

TRAIN = {"model.factors": 16, "model.lr": 0.01, "features.window": 50, "data.path": "d.csv"}


def test_flattened_names_with_equal_values_are_consumed() -> None:
    params = {"model.factors": "16", "model.lr": "0.01", "features.window": "50"}
    assert consumed_keys(params, TRAIN) == ["model.factors", "model.lr", "features.window"]


def test_a_value_that_differs_is_not_consumed() -> None:
    params = {"model.factors": "32", "model.lr": "0.01"}  # overridden on the command line
    assert consumed_keys(params, TRAIN) == ["model.lr"]


def test_a_prefix_the_code_added_and_a_unique_leaf_are_consumed() -> None:
    serve = {"blend.genre": 0.25, "timeout_ms": 50}
    assert consumed_keys({"serve.blend.genre": "0.25", "serve.timeout_ms": "50"}, serve) == [
        "blend.genre",
        "timeout_ms",
    ]
    assert consumed_keys({"factors": "16", "window": "50"}, TRAIN) == [
        "model.factors",
        "features.window",
    ]


def test_an_ambiguous_leaf_is_not_consumed() -> None:
    config = {"train.lr": 0.1, "finetune.lr": 0.1}
    assert consumed_keys({"lr": "0.1"}, config) == []


def test_values_compare_as_mlflow_logs_them() -> None:
    assert same_value("True", True) and same_value("0.10", 0.1) and same_value("1e-3", 0.001)
    assert not same_value("0.1", 0.2) and not same_value("yes", "no")
