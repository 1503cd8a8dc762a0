"""Fixtures: one fresh MLflow SQLite store per session, copied for every test.

MLflow 3.17 refuses a `./mlruns` file store by default and takes seconds to create the schema
of a new SQLite store, so the session builds one template and each test gets a copy of it.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ingest.mlflow.mlflow_project import MlflowProject


@pytest.fixture(scope="session", autouse=True)
def _quiet_mlflow() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
        patch.delenv("MLFLOW_TRACKING_URI", raising=False)
        yield


@pytest.fixture(scope="session")
def mlflow_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from mlflow import MlflowClient

    path = tmp_path_factory.mktemp("mlflow-template") / "mlflow.db"
    MlflowClient(tracking_uri=f"sqlite:///{path}").search_experiments()  # creates the schema
    return path


@pytest.fixture
def mlflow_db(tmp_path: Path, mlflow_template: Path) -> Path:
    path = tmp_path / "mlflow.db"
    shutil.copyfile(mlflow_template, path)
    return path


@pytest.fixture
def project_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "project"
    (root / "data").mkdir(parents=True)
    monkeypatch.chdir(root)  # nothing MLflow writes by default lands in the checkout
    return root


@pytest.fixture
def cli(project_root: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The project root as the CLI sees it: its own store, not one named by the environment."""
    monkeypatch.delenv("AGENTOPS_DB_URL", raising=False)
    (project_root / ".agentops").mkdir()
    return project_root


@pytest.fixture
def mlflow_project(mlflow_db: Path, project_root: Path) -> MlflowProject:
    return MlflowProject(f"sqlite:///{mlflow_db}", project_root / "mlartifacts")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# MLflow's tracking server app (the Flask app `mlflow server` serves through uvicorn), served by
# werkzeug on a free port; prints the port once it listens.
SERVE = """
import sys
from mlflow.server import app
from mlflow.server.handlers import initialize_backend_stores
from werkzeug.serving import make_server
initialize_backend_stores(sys.argv[1], sys.argv[1], sys.argv[2])
server = make_server("127.0.0.1", 0, app, threaded=True)
print(server.server_port, flush=True)
server.serve_forever()
"""


@pytest.fixture
def mlflow_server(mlflow_db: Path, tmp_path: Path) -> Iterator[str]:
    """MLflow's real tracking server app on 127.0.0.1 over the test's store, in a process of
    its own; yields its URL. The app alone starts in a few seconds where `mlflow server`
    (uvicorn, its job runner) takes about twenty."""
    artifacts = (tmp_path / "server-artifacts").as_uri()
    command = [sys.executable, "-c", SERVE, f"sqlite:///{mlflow_db}", artifacts]
    log = (tmp_path / "mlflow-server.log").open("w")
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
        start_new_session=True,
        env={**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true"},
    )
    try:
        assert process.stdout is not None
        port = process.stdout.readline().strip()
        if not port.isdigit():
            pytest.fail(f"mlflow server app exited: {(tmp_path / 'mlflow-server.log').read_text()}")
        url = f"http://127.0.0.1:{port}"
        with urllib.request.urlopen(f"{url}/health", timeout=10) as answer:
            assert answer.status == 200
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)
        log.close()
