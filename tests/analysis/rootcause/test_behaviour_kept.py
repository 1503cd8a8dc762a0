"""A commit whose code edits keep behaviour is ruled out, whatever its message says; the project
tells the analysis where its repository is."""

from __future__ import annotations

import subprocess
from pathlib import Path

from agentops.analysis.rootcause.scoring import BENIGN_SCORE, commit_suspect
from agentops.project import Project
from agentops.settings import load_settings


def test_a_behaviour_preserving_commit_is_not_a_suspect_whatever_its_message() -> None:
    files = {"code": ["src/features.py"]}
    kept = commit_suspect("a" * 40, "feat: new scaling", files, None, behaviour_kept=True)
    changed = commit_suspect("b" * 40, "docs: typo", files, None)
    assert kept.score == 0.0 and "behaviour-preserving" in kept.summary
    assert kept.card is None and not kept.reaches_model
    assert kept.relevance is not None and "syntax trees are equal" in kept.relevance.reason
    assert changed.score > BENIGN_SCORE and changed.card == "feature-code-bug"


def test_the_project_knows_its_repository(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "agentops.toml").write_text("")
    assert Project(load_settings(plain)).repo_path is None
    subprocess.run(["git", "init", "-q", str(plain)], check=True)
    assert Project(load_settings(plain)).repo_path == plain.resolve()
    nested = tmp_path / "nested"
    subprocess.run(["git", "init", "-q", str(nested / "code")], check=True)
    (nested / "agentops.toml").write_text('[sources.git]\npath = "code"\n')
    assert Project(load_settings(nested)).repo_path == (nested / "code").resolve()
