"""One rule for which way a metric gets worse, shared by why, rollback, checklist and verify."""

from agentops.analysis.metric_direction import higher_is_better, lower_is_better


def test_the_name_decides_when_nothing_moved() -> None:
    lower = ("val_loss", "rmse", "root_mean_squared_error", "mae", "latency_p99_ms", "perplexity")
    higher = ("accuracy", "roc_auc", "ndcg_at_10", "r2", "macro_f1")
    assert all(lower_is_better(m) and not higher_is_better(m) for m in lower)
    assert all(higher_is_better(m) and not lower_is_better(m) for m in higher)


def test_a_recorded_regression_decides_over_the_name() -> None:
    assert higher_is_better("custom_score", 0.9, 0.7)  # it dropped, and that was bad
    assert not higher_is_better("custom_score", 0.7, 0.9)
    assert higher_is_better("accuracy", 0.5, 0.5)  # no move: the name decides
