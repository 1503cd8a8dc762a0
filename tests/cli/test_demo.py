"""`agentops demo --no-tui`: builds, ingests and explains a sample incident, offline."""

import json
from pathlib import Path

import pytest

from agentops.cli import main


def test_demo_builds_ingests_and_names_the_cause(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    folder = tmp_path / "demo"
    assert main(["demo", "--dir", str(folder), "--scenario", "null-spike", "--no-tui"]) == 0
    out, err = capsys.readouterr()
    truth = json.loads((folder / "ground_truth.json").read_text())
    assert f"sample project: {folder}" in err
    assert "upstream of incident:INC-1002" in out  # the incident's lineage
    assert "affected model:recsys/10" in out
    assert "cause found" in out and truth["causes"][0]["ref"] in out
    assert (folder / ".agentops" / "lineage.db").is_file()


def test_demo_refuses_a_folder_with_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    assert main(["demo", "--dir", str(tmp_path), "--no-tui"]) == 2
    assert "is not empty" in capsys.readouterr().err
    assert (tmp_path / "keep.txt").read_text() == "mine"


def test_demo_rejects_an_unknown_scenario(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--dir", str(tmp_path / "d"), "--scenario", "nope", "--no-tui"]) == 2
    assert "unknown scenario 'nope'" in capsys.readouterr().err
