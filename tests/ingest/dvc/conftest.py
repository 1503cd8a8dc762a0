"""Fixtures: DVC-shaped git repositories, and the CLI with `ingest dvc` wired in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ingest.dvc.dvc_repo import Pipeline, build_pipeline


@pytest.fixture
def pipeline(tmp_path: Path) -> Pipeline:
    return build_pipeline(tmp_path / "project")


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """`agentops ingest dvc` wired into the real CLI, run from a fresh project folder."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AGENTOPS_DB_URL", raising=False)
    yield tmp_path
