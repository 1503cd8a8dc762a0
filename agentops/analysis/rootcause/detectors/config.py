"""Detectors that read a config diff (`ConfigDiff`): a training setting that moved, or a serving
setting that no longer matches what training used."""

from __future__ import annotations

import re
from typing import Any

from agentops.analysis.rootcause.detectors.evidence import ConfigDiff
from agentops.analysis.rootcause.detectors.registry import detector
from agentops.analysis.rootcause.report import Finding
from agentops.redact import redact_value
from graph.code_diff import KeyChange

# Config keys whose change does not touch what the model learns or serves.
BENIGN_KEY = re.compile(
    r"(^|[._])(log|logs|logging|log_level|level|verbose|verbosity|debug|tracking|description|"
    r"comment|owner|tags?|notes?|output_dir|name|title|color|colour)($|[._])",
    re.IGNORECASE,
)
# Keys that set how the model is trained: a move here is a hyperparameter regression suspect.
HYPERPARAMETER_KEY = re.compile(
    r"(lr|learning_rate|regulari[sz]ation|reg|lambda|l1|l2|alpha|beta|gamma|epochs?|"
    r"iterations?|n_iter|factors?|rank|dim|dims|embedding|hidden|layers?|dropout|momentum|"
    r"weight_decay|batch_size|depth|max_depth|n_estimators|trees|leaves|k|top_k|window|"
    r"decay|temperature|threshold|smoothing|min_count|negatives?)$",
    re.IGNORECASE,
)
SERVING_PATH = re.compile(r"(serv|inference|online|predict|deploy)", re.IGNORECASE)


def leaf(key: str) -> str:
    return key.rsplit(".", 1)[-1]


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _ratio(old: Any, new: Any) -> float | None:
    a, b = _number(old), _number(new)
    if a is None or b is None or a == 0 or b == 0:
        return None
    return max(a / b, b / a)


def _moved(diff: ConfigDiff) -> list[KeyChange]:
    return [key for key in diff.keys if not BENIGN_KEY.search(key.key)]


@detector("config-regression", reads=ConfigDiff)
def config_regression(diff: ConfigDiff) -> list[Finding]:
    """A training setting changed: a hyperparameter moved 5× (or 2×) explains a lot, another
    setting less. A hyperparameter is a key named like one, or one the training run logged as a
    param — MLflow's params are by definition the run's hyperparameters, whatever their name
    (scikit-learn's `C`, XGBoost's `eta`)."""
    if diff.serving:
        return []
    found = []
    for key in _moved(diff):
        ratio = _ratio(key.old, key.new)
        if HYPERPARAMETER_KEY.search(leaf(key.key)) or leaf(key.key) in diff.training_values:
            strength = 0.85 if ratio and ratio >= 5 else 0.7 if ratio and ratio >= 2 else 0.5
            what = f"hyperparameter {key.key}" + (f" moved ×{ratio:.3g}" if ratio else " changed")
        else:
            strength, what = 0.45, f"training setting {key.key} changed"
        found.append(Finding("config-regression", strength, (what,)))
    return found


@detector("training-serving-skew", reads=ConfigDiff)
def training_serving_skew(diff: ConfigDiff) -> list[Finding]:
    """A serving setting changed; strong when training used another value for the same key."""
    if not diff.serving:
        return []
    found = []
    for key in _moved(diff):
        trained = diff.training_values.get(leaf(key.key))
        if trained is not None and str(trained) != str(key.new):
            new = redact_value(key.new, key.key)
            line = (
                f"training uses {leaf(key.key)}={redact_value(trained, key.key)!r}, serving now "
                f"{new!r}: the model is served differently from how it was trained"
            )
            found.append(Finding("training-serving-skew", 0.85, (line,)))
        else:
            line = f"serving setting {key.key} changed"
            found.append(Finding("training-serving-skew", 0.45, (line,)))
    return found
