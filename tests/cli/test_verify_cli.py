"""`agentops verify` through the CLI: the pinned `--json` shape, the cache on a second call, the
user's work tree and MLflow store left as they were, clear errors instead of a verdict."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from agentops.cli import main

pytestmark = pytest.mark.usefixtures("project_python_first")

SHAPE = {
    "bad": str,
    "good": str,
    "metric": str,
    "good_value": float,
    "bad_value": float,
    "suspects": list,
    "verdict": str,
}
SUSPECT_SHAPE = {"ref": str, "kind": str, "verdict": str, "share": float, "runs": int}


def _verify(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> tuple[int, str, str]:
    code = main(["-C", str(root), "verify", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_planted_code_cause_confirmed_cached_and_the_project_untouched(
    copied_scenario: Callable,
    verify_planted: Callable,
    project_state: Callable,
    capsys: pytest.CaptureFixture[str],
) -> None:
    built, root = copied_scenario("feature-code-bug")
    before = project_state(root, "mlflow.db")
    args = ("--repeats", "1", "--max-runs", "6")
    first = verify_planted(built, root, "mlflow.db", *args)
    for key, kind in SHAPE.items():
        assert isinstance(first[key], kind), key
    for suspect in first["suspects"]:
        for key, kind in SUSPECT_SHAPE.items():
            assert isinstance(suspect[key], kind), key
        assert suspect["verdict"] in {"confirmed", "rejected", "inconclusive"}
    assert first["runs"] == 6 and first["cached_runs"] == 0

    code, out, _ = _verify(capsys, root, built.incident_id, *args, "--json")
    second = json.loads(out)
    assert code == 0 and second["runs"] == 0 and second["cached_runs"] == 6
    assert second["suspects"] == first["suspects"]
    assert project_state(root, "mlflow.db") == before

    # the result is evidence: why shows it
    assert main(["-C", str(root), "why", built.incident_id, "--json"]) == 0
    notes = json.loads(capsys.readouterr().out)["notes"]
    assert any(note.startswith("confirmed by re-training: reverting") for note in notes)


def test_a_failing_command_is_one_clear_line_and_exit_1(
    copied_scenario: Callable, capsys: pytest.CaptureFixture[str]
) -> None:
    built, root = copied_scenario("seed-noise")
    config = root / "agentops.toml"
    text = config.read_text().split("[verify]")[0]
    config.write_text(text + '[verify]\ncommand = "echo no GPU here >&2; exit 7"\n')
    code, out, err = _verify(capsys, root, built.incident_id, "--repeats", "1", "--json")
    assert code == 1 and out == ""
    assert err.startswith("error: the [verify] command failed on GOOD's tree")
    assert "exit status 7: no GPU here" in err.splitlines()[0]
