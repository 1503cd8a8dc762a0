"""Class 10: nothing is skipped without a word: a config path holding a newline, an empty
OpenLineage file, a project without DVC."""

from __future__ import annotations

from pathlib import Path

from tests.hostile.conftest import commit_files, run_agentops


def test_a_path_with_a_newline_is_named_not_silently_skipped(project: Path) -> None:
    commit_files(project, {"configs/a\nb.yaml": "lr: 1\n", "configs/train.yaml": "lr: 2\n"})
    outcome = run_agentops(project, "ingest", "git", ".")
    assert outcome.code == 0 and "Traceback" not in outcome.stderr
    assert "a newline in the path" in outcome.stderr and "configs/a\\nb.yaml" in outcome.stderr


def test_an_empty_event_file_and_a_project_without_dvc_say_so(project: Path) -> None:
    (project / "empty.json").write_text("")
    empty = run_agentops(project, "ingest", "openlineage", "empty.json")
    assert empty.code == 1 and "no OpenLineage events" in empty.stderr
    commit_files(project, {"train.py": "print(1)\n"})
    dvc = run_agentops(project, "ingest", "dvc", ".")
    assert dvc.code == 0 and "no dvc.lock or .dvc file" in dvc.stderr
