"""`agentops init` declares the sources it finds where each tool puts them by default, so a
plain `agentops sync` reads the project."""

from __future__ import annotations

import subprocess
import tomllib
from pathlib import Path

import pytest

from agentops.cli import main


def test_init_declares_what_the_project_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "project"
    (root / "src").mkdir(parents=True)
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    (root / "mlflow.db").write_bytes(b"")  # MLflow's default store since 3.7
    (root / "dvc.yaml").write_text("stages: {}\n")
    (root / "incidents").mkdir()
    (root / "lineage").mkdir()
    (root / "lineage" / "events.jsonl").write_text("{}\n")
    (root / "docs").mkdir()  # a folder that is no source
    monkeypatch.chdir(root)
    monkeypatch.delenv("AGENTOPS_DB_URL", raising=False)
    assert main(["init"]) == 0
    written = tomllib.loads((root / "agentops.toml").read_text())
    assert written["sources"] == {
        "git": {"path": "."},
        "mlflow": {"tracking_uri": "sqlite:///mlflow.db"},
        "openlineage": {"paths": ["lineage/"]},
        "dvc": {"path": "."},
        "incidents": {"paths": ["incidents/"]},
    }
    err = capsys.readouterr().err
    assert "found mlflow: tracking_uri = sqlite:///mlflow.db" in err
    assert err.rstrip().endswith("next: agentops sync")


def test_init_in_a_subfolder_of_a_repository_and_in_an_empty_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("AGENTOPS_DB_URL", raising=False)
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / "service").mkdir()
    monkeypatch.chdir(tmp_path / "service")
    assert main(["init"]) == 0
    assert tomllib.loads(Path("agentops.toml").read_text())["sources"] == {"git": {"path": "."}}
    empty = tmp_path.parent / f"{tmp_path.name}-empty"
    empty.mkdir()
    monkeypatch.chdir(empty)
    assert main(["init"]) == 0
    text = Path("agentops.toml").read_text()
    assert "sources" not in tomllib.loads(text)
    assert "# not found here, add when needed: [sources.git]" in text
    capsys.readouterr()
    Path("agentops.toml").write_text("# mine\n")
    assert main(["init"]) == 0  # never over an existing file
    assert Path("agentops.toml").read_text() == "# mine\n"
    assert "kept existing" in capsys.readouterr().err
