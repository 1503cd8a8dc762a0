"""Class 4: `ingest mlflow` only reads. A SQLite file that is not a complete MLflow store —
the lineage store itself, any other database, a tracking database with a dropped table — is
refused before MLflow connects, and is left byte for byte as it was."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.hostile.conftest import run_agentops
from tests.ingest.mlflow.conftest import mlflow_template  # noqa: F401 - the fixture


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _refused(project: Path, database: Path) -> str:
    before = _digest(database)
    line = run_agentops(
        project, "ingest", "mlflow", "--tracking-uri", f"sqlite:///{database}"
    ).assert_one_clear_error()
    assert _digest(database) == before
    return line


def test_the_lineage_store_and_other_databases_are_not_mlflow_stores(project: Path) -> None:
    assert run_agentops(project, "init").code == 0
    lineage = project / ".agentops" / "lineage.db"
    assert "not an MLflow tracking database" in _refused(project, lineage)
    other = project / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE notes (text TEXT)")
    assert "not an MLflow tracking database" in _refused(project, other)
    (project / "junk.db").write_bytes(b"\x00" * 4096 + b"junk")
    assert "junk.db" in _refused(project, project / "junk.db")


@pytest.mark.usefixtures("mlflow_template")
def test_a_tracking_database_with_a_dropped_table_is_not_repaired(
    project: Path,
    mlflow_template: Path,  # noqa: F811
) -> None:
    damaged = project / "mlflow.db"
    shutil.copyfile(mlflow_template, damaged)
    with sqlite3.connect(damaged) as conn:
        conn.execute("DROP TABLE params")
    assert "lacks MLflow table(s) params" in _refused(project, damaged)
