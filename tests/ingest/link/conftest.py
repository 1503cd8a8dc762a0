"""Fixtures: the MLflow stores of `tests/ingest/mlflow` (a fresh SQLite store per test)."""

from tests.ingest.mlflow.conftest import _quiet_mlflow, mlflow_db, mlflow_template

__all__ = ["_quiet_mlflow", "mlflow_db", "mlflow_template"]
