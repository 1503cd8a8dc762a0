"""Which way a metric gets worse: one rule for the root cause, the rollback plan, the checklist
and `verify`, so they never disagree on whether a move is a regression.

The recorded move decides when there is one (the symptom went from baseline to observed, and
that was the bad direction); otherwise the name does: losses, errors, latencies and durations
are better lower, everything else (accuracy, AUC, NDCG, R², F1) higher.
"""

from __future__ import annotations

import re

LOWER_IS_BETTER = re.compile(
    r"(loss|error|err\b|rmse|mse|mae|mape|latency|perplexity|duration|time|_ms\b|seconds)", re.I
)


def lower_is_better(metric: str) -> bool:
    """By the metric's name alone."""
    return bool(LOWER_IS_BETTER.search(metric))


def higher_is_better(metric: str, before: float | None = None, after: float | None = None) -> bool:
    """From a recorded move from `before` (good) to `after` (bad) when there is one: a drop
    means higher is better. Else from the name."""
    if before is not None and after is not None and before != after:
        return after < before
    return not lower_is_better(metric)
