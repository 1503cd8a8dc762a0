"""Fixtures: DVC-shaped git repositories, and the CLI with `ingest dvc` wired in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest_dvc.dvc_repo import Pipeline, build_pipeline


@pytest.fixture
def pipeline(tmp_path: Path) -> Pipeline:
    return build_pipeline(tmp_path / "project")


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """`agentops ingest dvc` wired into the real CLI, run from a fresh project folder."""
    from agentops.cli.ingest import ingest_app
    from agentops.cli.ingest.dvc import ingest_dvc

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AGENTOPS_DB_URL", raising=False)
    commands = list(ingest_app.registered_commands)
    if "dvc" not in {command.name for command in ingest_app.registered_commands}:
        ingest_app.command("dvc")(ingest_dvc)  # until agentops/cli/ingest/__init__.py registers it
    try:
        yield tmp_path
    finally:
        ingest_app.registered_commands[:] = commands
