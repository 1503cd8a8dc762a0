"""Fixtures: the shared OpenLineage data, the spec validator, and the CLI with these commands."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ingest.openlineage.ol_spec_validator import SPEC_DIR, SpecValidator


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

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AGENTOPS_DB_URL", raising=False)
    groups = list(app.registered_groups)
    if "export" not in {group.name for group in app.registered_groups}:
        app.add_typer(export_app, name="export")
    try:
        yield tmp_path
    finally:
        app.registered_groups[:] = groups
