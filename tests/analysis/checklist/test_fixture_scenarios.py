"""End to end on the fixture projects: `agentops checklist suggest` through the real CLI, and
the generated pytest file run on the good and the bad data of the data-cause scenarios.

One project per scenario, built once per session with a shared base; the good and bad data
files are recovered from the fixture repository by the git blob recorded on each dataset node.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from agentops.cli import app, main
from agentops.cli.checklist import checklist_app
from graph.refs import EdgeKind
from graph.store import open_store

from .conftest import failed, run_pytest

DATA_SCENARIOS = ("upstream-schema-change", "null-spike", "label-shift")


@pytest.fixture(scope="session")
def projects(synced_scenario: Callable) -> dict[str, Path]:
    """The data-cause scenarios, from the session-wide shared builds (read-only)."""
    return {name: synced_scenario(name)[0].root for name in DATA_SCENARIOS}


@pytest.fixture
def cli() -> Iterator[None]:
    """`agentops checklist` mounted on the real app for the test (the app may not have it yet)."""
    groups = list(app.registered_groups)
    if not any(group.name == "checklist" for group in groups):
        app.add_typer(checklist_app, name="checklist")
    try:
        yield
    finally:
        app.registered_groups[:] = groups


def truth(root: Path) -> dict[str, Any]:
    return json.loads((root / "ground_truth.json").read_text())


def inputs(root: Path, model: str) -> list[dict[str, Any]]:
    """The dataset nodes (attrs) the run behind `model` read."""
    from agentops.settings import load_settings

    with open_store(load_settings(root).db_url) as store:
        [run] = [e.src for e in store.edges_of([model]) if e.kind is EdgeKind.PRODUCED]
        refs = [e.src for e in store.edges_of([run]) if e.kind is EdgeKind.INPUT and e.dst == run]
        return [node.attrs for node in store.get_many(refs)]


def materialise(root: Path, model: str, dest: Path) -> Path:
    """Write the exact files the run of `model` read under `dest`, at their recorded paths."""
    for attrs in inputs(root, model):
        content = subprocess.run(
            ["git", "cat-file", "blob", attrs["git_blob"]],
            cwd=root,
            capture_output=True,
            check=True,
        ).stdout
        target = dest / attrs["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    return dest


@pytest.mark.parametrize("scenario", DATA_SCENARIOS)
def test_generated_data_tests_pass_on_good_and_fail_on_bad(
    scenario: str,
    projects: dict[str, Path],
    cli: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = projects[scenario]
    facts = truth(root)
    monkeypatch.chdir(root)
    out = tmp_path / "test_data_checks.py"
    code = main(
        ["checklist", "suggest", facts["incident"], "--format", "pytest", "--out", str(out)]
    )
    streams = capsys.readouterr()
    assert code == 0, streams.err
    assert streams.out == ""
    assert f"wrote {out} (4 dataset(s) checked)" in streams.err
    good = materialise(root, facts["good"], tmp_path / "good")
    bad = materialise(root, facts["bad"], tmp_path / "bad")
    on_good = run_pytest(out, {"AGENTOPS_DATA_ROOT": str(good)}, tmp_path)
    assert failed(on_good) == set()
    assert len(on_good) > 50
    on_bad = failed(run_pytest(out, {"AGENTOPS_DATA_ROOT": str(bad)}, tmp_path))
    [cause] = facts["causes"]
    dataset = cause["ref"].removeprefix("dataset:").split("@")[0]
    assert on_bad, "the generated tests pass on the bad data"
    # only the faulty dataset fails: the weekly exports of the others are within tolerance
    assert all(f"[{dataset}" in test_id for test_id in on_bad), on_bad
    about_cause = {t for t in on_bad if t.endswith(f".{cause['key']}]") or "test_schema" in t}
    assert about_cause, on_bad


def test_pytest_on_stdout_reads_the_project_by_default(
    projects: dict[str, Path],
    cli: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Without --out the file goes to stdout; its default data root is the project, whose
    working tree holds the export the bad run read."""
    root = projects["null-spike"]
    monkeypatch.chdir(root)
    assert main(["checklist", "suggest", truth(root)["bad"], "--format", "pytest"]) == 0
    out = tmp_path / "test_from_stdout.py"
    out.write_text(capsys.readouterr().out)
    assert failed(run_pytest(out, {}, tmp_path)) == {"test_null_rate[movies.genres]"}


def test_json_names_the_check_that_would_have_caught_the_null_spike(
    projects: dict[str, Path], cli: None, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    root = projects["null-spike"]
    facts = truth(root)
    monkeypatch.chdir(root)
    assert main(["checklist", "suggest", facts["incident"], "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    [cause] = facts["causes"]
    assert data["bad"] == facts["bad"] and data["good"] == facts["good"]
    assert data["causes"] == [cause["ref"]]
    tests = {t["item"]: t for t in data["tests"]}
    assert tests["data-1"]["covers"] == [cause["ref"]]
    assert tests["data-1"]["in_place"] == "missing"
    assert {(c["dataset"], c["check"], c["column"]) for c in tests["data-1"]["data_checks"]} == {
        ("movies", "nulls", "genres")
    }
    status = {item["item"]: item["status"] for item in data["readiness"]}
    assert status["infra-6"] == "missing"  # only the champion alias was ever seen
    assert status["infra-4"] == "missing"  # promoted although its own run was worse
    assert status["infra-7"] == "partial"  # earlier served versions, no rollback drill


def test_markdown_and_errors(
    projects: dict[str, Path], cli: None, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    root = projects["label-shift"]
    monkeypatch.chdir(root)
    assert main(["checklist", "suggest", truth(root)["incident"]]) == 0
    text = capsys.readouterr().out
    assert text.startswith("# Checklist: `model:recsys/10`")
    assert "- **`data-1`** Feature expectations are captured in a schema" in text
    assert main(["checklist", "suggest", "model:nosuch/1"]) == 1
    streams = capsys.readouterr()
    assert streams.out == ""
    assert streams.err.splitlines()[0].startswith("error: no node matches")
