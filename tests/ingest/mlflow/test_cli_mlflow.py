"""`agentops ingest mlflow` through the real CLI: where the URI comes from, the JSON report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentops.cli import main
from graph.ingest.mlflow.client import default_tracking_uri, masked_uri, resolve_tracking_uri
from tests.ingest.mlflow.mlflow_project import MlflowProject

pytestmark = pytest.mark.filterwarnings(
    "ignore::UserWarning", "ignore::FutureWarning", "ignore::DeprecationWarning"
)

REPORT_KEYS = {
    "tracking_uri", "full", "experiments", "runs_read", "runs_written", "datasets",
    "datasets_matched", "model_versions", "deployments", "history_calls", "commits_linked",
    "models_linked",
}  # fmt: skip


def test_uri_from_agentops_toml_and_json_report(
    cli: Path, mlflow_project: MlflowProject, mlflow_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mlflow_project.alias(
        "recsys", "champion", mlflow_project.register("recsys", mlflow_project.run())
    )
    relative = Path("..") / mlflow_db.name  # relative to the project root, as the docs say
    (cli / "agentops.toml").write_text(f'[sources.mlflow]\ntracking_uri = "sqlite:///{relative}"\n')
    assert main(["ingest", "mlflow", "--json"]) == 0
    out = capsys.readouterr()
    report = json.loads(out.out)
    assert set(report) == REPORT_KEYS
    assert report["tracking_uri"] == f"sqlite:///{mlflow_db.resolve()}"
    assert (report["runs_read"], report["model_versions"], len(report["deployments"])) == (1, 1, 1)
    assert "mlflow: 1 runs read (1 new or changed)" in out.err


def test_uri_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://env:5000")
    assert (
        resolve_tracking_uri("http://flag:5000", "sqlite:///x.db", tmp_path) == "http://flag:5000"
    )
    assert resolve_tracking_uri(None, "sqlite:///x.db", tmp_path) == "http://env:5000"
    monkeypatch.delenv("MLFLOW_TRACKING_URI")
    assert (
        resolve_tracking_uri(None, "sqlite:///x.db", tmp_path) == f"sqlite:///{tmp_path / 'x.db'}"
    )
    assert masked_uri("http://bob:secret@host:5000/x") == "http://bob:***@host:5000/x"
    folder = (tmp_path / "mlruns").as_uri()  # a relative folder store is under the root too
    assert resolve_tracking_uri(None, "mlruns", tmp_path) == folder
    assert resolve_tracking_uri(None, "./mlruns", tmp_path) == folder
    assert resolve_tracking_uri(None, "databricks", tmp_path) == "databricks"


def test_with_no_uri_the_store_mlflow_writes_by_default_is_read(tmp_path: Path) -> None:
    """MLflow's own default in the project root: `./mlruns` if it holds experiments (MLflow
    keeps using it), else `./mlflow.db`; nothing there is no default."""
    assert default_tracking_uri(tmp_path) is None
    (tmp_path / "mlflow.db").write_bytes(b"")
    assert default_tracking_uri(tmp_path, relative=True) == "sqlite:///mlflow.db"
    assert resolve_tracking_uri(None, None, tmp_path) == f"sqlite:///{tmp_path / 'mlflow.db'}"
    (tmp_path / "mlruns" / ".trash").mkdir(parents=True)
    assert default_tracking_uri(tmp_path, relative=True) == "sqlite:///mlflow.db"  # no experiment
    (tmp_path / "mlruns" / "0").mkdir()
    (tmp_path / "mlruns" / "0" / "meta.yaml").write_text("name: Default\n")
    assert default_tracking_uri(tmp_path, relative=True) == "mlruns"


def test_a_folder_store_is_read_and_a_missing_one_never_created(
    cli: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A project trained before MLflow 3.7 (or with MLFLOW_ALLOW_FILE_STORE) has `mlruns/`."""
    import mlflow

    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    client = mlflow.MlflowClient(tracking_uri=str(cli / "mlruns"))
    run = client.create_run("0")
    client.log_param(run.info.run_id, "alpha", "0.5")
    monkeypatch.delenv("MLFLOW_ALLOW_FILE_STORE")
    assert main(["ingest", "mlflow", "--json"]) == 0  # no URI given: MLflow's default, here
    assert json.loads(capsys.readouterr().out)["runs_read"] == 1
    assert main(["ingest", "mlflow", "--tracking-uri", str(cli / "elsewhere")]) == 1
    assert "no MLflow experiments in" in capsys.readouterr().err
    assert not (cli / "elsewhere").exists()


def test_no_uri_anywhere_is_a_usage_error(cli: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ingest", "mlflow"]) == 1
    err = capsys.readouterr().err
    assert "error: no MLflow tracking URI" in err and "MLFLOW_TRACKING_URI" in err
