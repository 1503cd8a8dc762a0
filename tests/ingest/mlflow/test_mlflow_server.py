"""`ingest mlflow` over HTTP against MLflow's real tracking server app, and against none."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from agentops.cli import main
from graph.errors import IngestError
from graph.ingest.data import ingest_datasets
from graph.ingest.mlflow import ingest_mlflow
from graph.model import Node
from graph.refs import EdgeKind
from graph.store import LineageStore
from tests.ingest.mlflow.conftest import free_port
from tests.ingest.mlflow.mlflow_project import LoggedInput, MlflowProject

pytestmark = pytest.mark.filterwarnings(
    "ignore::UserWarning", "ignore::FutureWarning", "ignore::DeprecationWarning"
)

SHA = "ab" * 20


def test_ingest_from_a_real_tracking_server(
    mlflow_project: MlflowProject,
    project_root: Path,
    sqlite_store: LineageStore,
    mlflow_server: str,
) -> None:
    p, store = mlflow_project, sqlite_store
    ratings = project_root / "data" / "ratings.csv"
    ratings.write_text("user,item,rating\n1,10,4.0\n2,11,3.0\n")
    [version] = ingest_datasets(store, [ratings], root=project_root).datasets
    store.upsert([Node.make(f"commit:{SHA}", {"message": "train"})])
    run_id = p.run(
        inputs=[LoggedInput(ratings, "ratings")],
        metrics={"loss": [0.5, 0.25]},
        commit=SHA,
        start_ms=int(time.time() * 1000) + 1000,  # after the file was written
    )
    p.alias("recsys", "champion", p.register("recsys", run_id))

    result = ingest_mlflow(store, mlflow_server, root=project_root)
    assert result.tracking_uri == mlflow_server
    assert (result.runs_read, result.model_versions, result.history_calls) == (1, 1, 1)
    run = f"run:{run_id}"
    produced = [(e.src, e.dst) for e in store.edges_of([run]) if e.kind is EdgeKind.PRODUCED]
    assert produced == [(run, "model:recsys/1")]
    inputs = {e.src: e.attrs for e in store.edges_of([run]) if e.kind is EdgeKind.INPUT}
    assert list(inputs) == [version.ref] and inputs[version.ref]["identity"] == "blake3"
    assert [e.src for e in store.edges_of([run]) if e.kind is EdgeKind.CODE_OF] == [f"commit:{SHA}"]
    assert store.get(run).attrs["metrics"]["loss"]["min"] == 0.25
    [deploy] = result.deployments
    assert store.get(deploy).attrs["version"] == "1"  # the REST API says "1", SQLite says 1

    again = ingest_mlflow(store, mlflow_server, root=project_root)
    assert again.runs_written == 0 and again.deployments == []


def test_an_unreachable_server_fails_fast_with_one_line(
    sqlite_store: LineageStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    started = time.monotonic()
    with pytest.raises(IngestError, match=f"MLflow at {url} failed") as caught:
        ingest_mlflow(sqlite_store, url)
    assert time.monotonic() - started < 60  # no retry storm (MLflow's default retries ~2 min)
    assert "tracking server is up" in caught.value.hint
    assert sqlite_store.counts().nodes == {}

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AGENTOPS_DB_URL", raising=False)
    assert main(["ingest", "mlflow", "--tracking-uri", url]) == 1
    err = capsys.readouterr().err
    assert f"error: MLflow at {url} failed" in err and "Traceback" not in err
