"""Changes that cannot reach the model — CI, lint and editor configs, development-only
dependency manifests, code only tooling runs — are ruled out with their reason, below every
real change."""

from __future__ import annotations

from agentops.analysis.rootcause import _code_suspects
from agentops.analysis.rootcause.relevance import (
    dev_group_reason,
    dev_manifest_reason,
    unreachable_reason,
)
from agentops.analysis.rootcause.scoring import CAUSE_SCORE
from graph.code_diff import CodeDiff, CommitChange, ConfigChange, KeyChange, PackageChange


def _commit(sha: str, subject: str, files: dict[str, list[str]]) -> CommitChange:
    return CommitChange(sha, subject, "someone", None, False, True, files)


def _diff() -> CodeDiff:
    lr = KeyChange("train.lr", "changed", 0.01, 0.1)
    python = KeyChange("jobs.test.python", "changed", "3.11", "3.12")
    return CodeDiff(
        "model:m/1",
        "model:m/2",
        "a" * 40,
        "f" * 40,
        commits=[
            _commit("1" * 40, "ci: python 3.12", {"config": [".github/workflows/ci.yml"]}),
            _commit("2" * 40, "chore: bump pytest", {"dependency": ["requirements-dev.txt"]}),
            _commit("3" * 40, "ci: speed up", {"code": [".github/scripts/cache.py", "noxfile.py"]}),
            _commit("4" * 40, "tune lr", {"config": ["params.yaml"]}),
        ],
        configs=[
            ConfigChange(".github/workflows/ci.yml", "config:ci@1", "config:ci@2", keys=(python,)),
            ConfigChange("params.yaml", "config:params@1", "config:params@2", keys=(lr,)),
            ConfigChange("requirements-dev.txt", "config:dev@1", "config:dev@2", manifest=True),
        ],
        dependencies=[PackageChange("requirements-dev.txt", "pytest", "changed", "7.4", "9.0")],
    )


def test_tooling_changes_are_ruled_out_with_a_reason_and_real_ones_are_not() -> None:
    suspects = {s.ref: s for s in _code_suspects(_diff(), None, {}, {})}
    ci = suspects["config:ci@2"]
    assert ci.score == 0.0 and ci.summary.startswith("ruled out")
    assert "continuous integration" in ci.evidence[-1]
    dev = suspects["config:dev@2"]
    assert dev.score == 0.0 and dev.kind == "dependency"
    assert "pytest 7.4 → 9.0" in dev.evidence
    tooling_code = suspects["commit:" + "3" * 40]
    assert tooling_code.score < CAUSE_SCORE  # only CI scripts and noxfile.py changed
    lr = suspects["config:params@2"]
    assert lr.score >= CAUSE_SCORE and lr.card == "config-regression"
    assert max(s.score for s in (ci, dev, tooling_code)) < lr.score


def test_the_conventions_that_decide_it() -> None:
    for path in (
        ".github/workflows/x.yml",
        ".gitlab-ci.yml",
        ".pre-commit-config.yaml",
        "ruff.toml",
        "mypy.ini",
        ".editorconfig",
        ".vscode/settings.json",
        "tox.ini",
    ):
        assert unreachable_reason(path), path
    for path in ("params.yaml", "configs/train.yaml", "src/model.py", "dvc.yaml", "Makefile"):
        assert unreachable_reason(path) is None, path
    for path in ("requirements-dev.txt", "requirements/test.txt", "dev-requirements.txt"):
        assert dev_manifest_reason(path), path
    for path in ("requirements.txt", "pyproject.toml", "environment.yml", "conda.yaml"):
        assert dev_manifest_reason(path) is None, path


def test_development_groups_inside_one_manifest_are_not_the_runtime() -> None:
    diff = CodeDiff("model:m/1", "model:m/2", "a" * 40, "f" * 40)
    diff.configs = [
        ConfigChange("pyproject.toml", "config:py@1", "config:py@2", manifest=True),
        ConfigChange("environment.yml", "config:env@1", "config:env@2", manifest=True),
    ]
    diff.dependencies = [
        PackageChange("pyproject.toml", "dev:pytest", "changed", ">=7", ">=9"),
        PackageChange("pyproject.toml", "lint:ruff", "changed", "0.4", "0.6"),
        PackageChange("environment.yml", "test:hypothesis", "added", None, "6"),
        PackageChange("environment.yml", "scikit-learn", "changed", "1.3", "2.0"),
    ]
    suspects = {s.ref: s for s in _code_suspects(diff, None, {}, {})}
    dev_only = suspects["config:py@2"]
    assert dev_only.score == 0.0 and "dev group" in dev_only.evidence[-1]
    mixed = suspects["config:env@2"]
    assert mixed.score >= CAUSE_SCORE and mixed.card == "dependency-bump"
    assert all("hypothesis" not in line for line in mixed.evidence)
    assert dev_group_reason("gpu:torch") is None and dev_group_reason("numpy") is None
