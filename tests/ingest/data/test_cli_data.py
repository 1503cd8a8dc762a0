"""`agentops ingest data` through the real CLI entry point."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentops.cli import main


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AGENTOPS_DB_URL", raising=False)
    (tmp_path / ".agentops").mkdir()
    yield tmp_path


def test_ingest_data_json_report(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "data").mkdir()
    (project / "data" / "ratings.csv").write_text("user,rating\n1,4.0\n2,3.5\n")
    assert main(["ingest", "data", "data/ratings.csv", "--json"]) == 0
    out = capsys.readouterr()
    report = json.loads(out.out)
    assert set(report) == {"datasets", "nodes", "edges", "bytes_read", "bytes_total"}
    [dataset] = report["datasets"]
    assert set(dataset) == {
        "ref",
        "name",
        "path",
        "digest",
        "algorithm",
        "size",
        "format",
        "row_count",
        "status",
        "previous",
        "profile_error",
    }
    assert (dataset["name"], dataset["path"], dataset["row_count"]) == (
        "ratings",
        "data/ratings.csv",
        2,
    )
    assert dataset["ref"] == "dataset:ratings@" + dataset["digest"][:12]
    assert "data: 1 datasets, 1 new versions" in out.err


def test_paths_default_to_agentops_toml(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "data").mkdir()
    (project / "data" / "a.csv").write_text("x\n1\n")
    (project / "data" / "b.parquet").write_bytes(b"not parquet")
    (project / "agentops.toml").write_text(
        '[sources.data]\npaths = ["data/*.csv", "data/*.parquet"]\n'
    )
    assert main(["ingest", "data", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    by_name = {d["name"]: d for d in report["datasets"]}
    assert by_name["a"]["row_count"] == 1
    assert by_name["b"]["profile_error"]  # kept, fingerprinted, not profiled


def test_a_missing_path_exits_1_with_one_line(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ingest", "data", "nope.csv"]) == 1
    err = capsys.readouterr().err
    assert "error: data path nope.csv does not exist" in err and "Traceback" not in err
