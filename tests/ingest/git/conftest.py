"""Fixtures for the git ingest tests: real repositories and stores to ingest into."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.store import LineageStore

from .ingest_git_repos import Repo, build_ml_repo, new_repo


@pytest.fixture(scope="session")
def ml_repo(tmp_path_factory: pytest.TempPathFactory) -> Repo:
    """The scenario repository, built once; tests must not change it (copy it instead)."""
    return build_ml_repo(tmp_path_factory.mktemp("ml") / "repo")


@pytest.fixture
def store(sqlite_store: LineageStore) -> LineageStore:
    """SQLite for these tests (test_git_postgres.py runs the PostgreSQL variant)."""
    return sqlite_store


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    """An empty repository of the test's own, to shape as it likes."""
    return new_repo(tmp_path / "repo")
