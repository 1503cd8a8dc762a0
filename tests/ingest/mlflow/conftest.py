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
import time
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
def mlflow_project(mlflow_db: Path, project_root: Path) -> MlflowProject:
    return MlflowProject(f"sqlite:///{mlflow_db}", project_root / "mlartifacts")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def mlflow_server(mlflow_db: Path, tmp_path: Path) -> Iterator[str]:
    """A real `mlflow server` on 127.0.0.1 over the test's store; yields its URL."""
    port = free_port()
    log = (tmp_path / "mlflow-server.log").open("w")
    command = [
        sys.executable, "-m", "mlflow", "server",
        "--backend-store-uri", f"sqlite:///{mlflow_db}",
        "--default-artifact-root", (tmp_path / "server-artifacts").as_uri(),
        "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
    ]  # fmt: skip
    process = subprocess.Popen(
        command,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env={**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                pytest.fail(f"mlflow server exited: {(tmp_path / 'mlflow-server.log').read_text()}")
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("mlflow server did not answer within 90 s")
            time.sleep(0.25)
        yield url
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)
        log.close()
