"""The verify runner's contract with a command that logs to MLflow, as autologged training
does: the run lands in the scratch store the runner points MLflow at, on the MLflow installed
here (whose file-store backend refuses to open unless opted in), never in the tree or the
team's store; and a command that writes no `$AGENTOPS_METRICS` (MLflow's own examples) is
measured by the last value of each metric its run logged."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from agentops.analysis.verify.runner import Runner, RunSettings

LOGS_TO_MLFLOW = (
    f"{sys.executable} -c '"
    "import mlflow\n"
    "with mlflow.start_run():\n"
    '    mlflow.log_metric("rmse", 3.0, step=0)\n'
    '    mlflow.log_metric("rmse", 2.5, step=1)\n'
    "'"
)  # no $AGENTOPS_METRICS: the run's last rmse is the value


def test_a_command_logging_to_mlflow_runs_against_the_scratch_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    team_store = f"sqlite:///{tmp_path / 'team.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", team_store)
    monkeypatch.delenv("MLFLOW_ALLOW_FILE_STORE", raising=False)
    tree = tmp_path / "tree"
    tree.mkdir()
    runner = Runner(RunSettings(LOGS_TO_MLFLOW, "rmse", 120, tmp_path / "cache"))
    assert runner.values(tree, "tree-hash", 1) == [2.5]
    assert runner.ran == 1
    assert runner.cached("tree-hash") == [{"rmse": 2.5}]
    assert os.listdir(tree) == [] and not (tmp_path / "team.db").exists()
