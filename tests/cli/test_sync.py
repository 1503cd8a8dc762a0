"""`agentops sync`: every declared source runs; one failing source does not stop the others."""

import json
import subprocess
from pathlib import Path

import pytest

from agentops.cli import main


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "project"
    (root / "configs").mkdir(parents=True)
    (root / "data").mkdir()
    (root / "incidents").mkdir()
    (root / "configs" / "train.yaml").write_text("model:\n  lr: 0.01\n")
    (root / "data" / "ratings.csv").write_text("user,item,rating\n1,2,5\n3,4,1\n")
    _git(root, "init", "-q", "-b", "main")
    _git(root, "-c", "user.name=A", "-c", "user.email=a@x", "add", ".")
    _git(root, "-c", "user.name=A", "-c", "user.email=a@x", "commit", "-q", "-m", "first")
    (root / "incidents" / "INC-1.json").write_text(
        json.dumps(
            {
                "id": "INC-1",
                "title": "quality dropped",
                "opened_at": "2026-11-01T00:00:00Z",
            }
        )
    )
    (root / "agentops.toml").write_text(
        '[sources.git]\npath = "."\n'
        '[sources.data]\npaths = ["data/*.csv"]\n'
        '[sources.mlflow]\ntracking_uri = "http://127.0.0.1:9"\n'  # nothing listens there
        '[sources.incidents]\npaths = ["incidents/"]\n'
    )
    monkeypatch.chdir(root)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("AGENTOPS_DB_URL", raising=False)
    return root


def test_a_failing_source_is_reported_and_the_others_still_run(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sync", "--json"]) == 1
    captured = capsys.readouterr()
    outcomes = {o["source"]: o for o in json.loads(captured.out)["sources"]}
    assert list(outcomes) == ["git", "data", "mlflow", "incidents"]  # in dependency order
    assert outcomes["git"]["ok"] and outcomes["data"]["ok"] and outcomes["incidents"]["ok"]
    assert not outcomes["mlflow"]["ok"]
    assert "FAILED mlflow" in captured.err
    assert main(["status", "--json"]) == 0
    nodes = json.loads(capsys.readouterr().out)["nodes"]
    assert nodes["commit"] == 1 and nodes["incident"] == 1
    assert nodes["config"] == 1 and nodes["dataset"] == 1


def test_a_second_sync_reads_nothing_new(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "agentops.toml").write_text(
        '[sources.git]\npath = "."\n[sources.data]\npaths = ["data/*.csv"]\n'
    )
    assert main(["sync", "--json"]) == 0
    first = json.loads(capsys.readouterr().out)["sources"]
    assert first[0]["nodes"]["new"] >= 3  # the commit, its config and its data file
    assert first[1]["nodes"]["new"] == 0  # git already holds that content: one node
    assert main(["sync", "--json"]) == 0
    git, data = json.loads(capsys.readouterr().out)["sources"]
    assert git["source"] == "git" and git["details"]["new_commits"] == 0
    assert git["nodes"]["new"] == git["edges"]["new"] == 0
    assert data["nodes"] == {"new": 0, "updated": 0} and data["summary"].startswith("data: ")


def test_an_unknown_source_is_a_clear_error(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "agentops.toml").write_text('[sources.svn]\npath = "."\n')
    assert main(["sync"]) == 1
    assert "error: agentops.toml declares unknown source(s): svn" in capsys.readouterr().err
