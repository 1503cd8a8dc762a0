"""Fixtures: the shared OpenLineage data, the spec validator, and the CLI with these commands."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest_openlineage.ol_spec_validator import SPEC_DIR, SpecValidator


@pytest.fixture(scope="session")
def spec() -> SpecValidator:
    if not (SPEC_DIR / "OpenLineage.json").is_file():
        pytest.fail(f"the shared OpenLineage data is missing: {SPEC_DIR}")
    return SpecValidator()


@pytest.fixture(scope="session")
def loose_spec() -> SpecValidator:
    """The spec with formats as annotations, as JSON Schema 2020-12 has them by default."""
    return SpecValidator(assert_formats=False)


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """`agentops ingest openlineage`/`ingest dvc`/`export` wired into the real CLI, run in a
    fresh project folder (its store at .agentops/lineage.db)."""
    from agentops.cli import app
    from agentops.cli.export import export_app
    from agentops.cli.ingest import ingest_app
    from agentops.cli.ingest.dvc import ingest_dvc
    from agentops.cli.ingest.openlineage import ingest_openlineage

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AGENTOPS_DB_URL", raising=False)
    commands, groups = list(ingest_app.registered_commands), list(app.registered_groups)
    names = {command.name for command in ingest_app.registered_commands}
    if "openlineage" not in names:  # until agentops/cli/ingest/__init__.py registers them
        ingest_app.command("openlineage")(ingest_openlineage)
    if "dvc" not in names:
        ingest_app.command("dvc")(ingest_dvc)
    if "export" not in {group.name for group in app.registered_groups}:
        app.add_typer(export_app, name="export")
    try:
        yield tmp_path
    finally:
        ingest_app.registered_commands[:] = commands
        app.registered_groups[:] = groups
