"""`agentops ingest git` through the CLI: summary on stderr, JSON on stdout, errors as one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from agentops.cli import _global_options
from agentops.cli.ingest import ingest_app
from agentops.errors import expected_errors

from .ingest_git_repos import Repo


def _app() -> typer.Typer:
    app = typer.Typer()
    app.callback()(_global_options)
    app.add_typer(ingest_app, name="ingest")
    return app


def _run(args: list[str], cwd: Path, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN202
    monkeypatch.chdir(cwd)
    monkeypatch.delenv("AGENTOPS_DB_URL", raising=False)
    return CliRunner().invoke(_app(), args)


def test_json_summary_on_stdout(ml_repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    result = _run(["--db", db, "ingest", "git", str(ml_repo.path), "--json"], tmp_path, monkeypatch)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["new_commits"] == 7 and summary["configs"] == 4
    assert summary["manifests"] == 2 and summary["datasets"] == 2
    assert set(summary) >= {"repo", "scope", "noop", "shallow", "parse_errors", "linked_runs"}
    assert "git: 7 new commits, 4 config versions, 2 manifest versions" in result.stderr
    again = _run(["--db", db, "ingest", "git", str(ml_repo.path)], tmp_path, monkeypatch)
    assert again.exit_code == 0 and again.stdout == ""
    assert "up to date" in again.stderr


def test_repository_and_classes_from_agentops_toml(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.write("notebooks/eda.py", "x = 1\n")
    repo.commit("notebook")
    (tmp_path / "agentops.toml").write_text(
        '[sources.git]\npath = "repo"\n[classify]\ndocs = ["notebooks/**"]\n'
    )
    result = _run(["ingest", "git", "--json"], tmp_path, monkeypatch)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["repo"] == str(repo.path.resolve())
    from graph.store import open_store

    with open_store(f"sqlite:///{tmp_path / '.agentops' / 'lineage.db'}") as store:
        (commit,) = store.find("commit")
        assert commit.attrs["files"][0]["class"] == "docs"


def test_not_a_repository_is_an_expected_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "plain").mkdir()
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    result = _run(["--db", db, "ingest", "git", str(tmp_path / "plain")], tmp_path, monkeypatch)
    assert result.exit_code == 1
    assert isinstance(result.exception, expected_errors())
    assert "is not a git repository" in result.exception.message
    conflicting = _run(
        ["--db", db, "ingest", "git", "--all", "--rev", "main"], tmp_path, monkeypatch
    )
    assert isinstance(conflicting.exception, expected_errors())


def test_importing_the_command_stays_light() -> None:
    import subprocess
    import sys

    code = (
        "import sys, agentops.cli.ingest;"
        "heavy = [m for m in ('git', 'sqlalchemy', 'yaml', 'blake3', 'graph.ingest.git')"
        " if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
