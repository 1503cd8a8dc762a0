"""The vocabulary of change types: what kind of change a root-cause suspect is.

The analysis classifies every difference between a good and a bad model version into one of
these; failure-mode cards declare which ones they explain, which is how a suspect gets its prior.
The list is fixed in ``docs/conventions.md`` — change it there first.
"""

from __future__ import annotations

from enum import StrEnum


class ChangeType(StrEnum):
    """One kind of change in the lineage. Members compare equal to their string values."""

    CODE = "code"
    CONFIG = "config"
    PARAMS = "params"
    DEPENDENCY = "dependency"
    SERVING_CONFIG = "serving-config"
    DATA_SCHEMA = "data-schema"
    DATA_NULLS = "data-nulls"
    DATA_DISTRIBUTION = "data-distribution"
    DATA_ROWS = "data-rows"
    DATA_LABELS = "data-labels"
    DATA_FRESHNESS = "data-freshness"
    EVAL_DATA = "eval-data"
    ALIAS = "alias"
    ENVIRONMENT = "environment"
    NONE = "none"


CHANGE_TYPE_DESCRIPTIONS: dict[ChangeType, str] = {
    ChangeType.CODE: "source code changed (feature code, model code, pipeline code)",
    ChangeType.CONFIG: "a tracked config file changed",
    ChangeType.PARAMS: "training run parameters / hyperparameters differ",
    ChangeType.DEPENDENCY: "a library or lockfile version changed",
    ChangeType.SERVING_CONFIG: "serving-side settings changed (batching, timeouts, replicas)",
    ChangeType.DATA_SCHEMA: "a dataset's columns or types changed",
    ChangeType.DATA_NULLS: "the null / missing-value rate of a column changed",
    ChangeType.DATA_DISTRIBUTION: "a column's value distribution moved (PSI, KS)",
    ChangeType.DATA_ROWS: "a dataset's row count changed (dropped, duplicated, appended rows)",
    ChangeType.DATA_LABELS: "the label column's distribution or scale changed",
    ChangeType.DATA_FRESHNESS: "the data is older than expected or stopped updating",
    ChangeType.EVAL_DATA: "the evaluation set changed, not the model",
    ChangeType.ALIAS: "a registry alias or stage points at a different model version",
    ChangeType.ENVIRONMENT: "hardware, runtime or platform changed",
    ChangeType.NONE: "no change in the lineage explains the symptom",
}

CHANGE_TYPES: tuple[str, ...] = tuple(member.value for member in ChangeType)


def is_change_type(value: str) -> bool:
    """Whether ``value`` is in the vocabulary; cards and the analysis must agree on it."""
    return value in CHANGE_TYPES
