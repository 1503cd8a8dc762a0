"""`why` on every fixture scenario: the planted cause first, decoys below, no-cause abstains."""

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from agentops.analysis.rootcause import explain
from agentops.cli import main
from fixtures import SCENARIOS
from graph.store import open_store


def _truth(project) -> dict:
    return json.loads(Path(project.ground_truth_path).read_text())


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_why_names_the_planted_cause(name: str, synced_scenario: Callable) -> None:
    project, url = synced_scenario(name)
    truth = _truth(project)
    with open_store(url) as store:
        report = explain(store, truth["incident"])
    assert report.bad == truth["bad"]
    assert report.good == truth["good"]
    assert report.verdict == truth["verdict"]
    causes = {c["ref"]: c["card"] for c in truth["causes"]}
    found = {s.ref: s.card for s in report.causes}
    assert found == causes  # every planted cause, with its card, and nothing else
    if causes:
        top = [s.ref for s in report.suspects[: len(causes)]]
        assert set(top) == set(causes)
    ranked = {s.ref: s.rank for s in report.suspects}
    worst_cause = max((ranked[ref] for ref in causes), default=0)
    for decoy in truth["decoys"]:
        if decoy in ranked:
            assert ranked[decoy] > worst_cause, decoy
            assert not next(s for s in report.suspects if s.ref == decoy).is_cause


def test_why_json_shape_through_the_cli(
    synced_scenario: Callable, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    project, _ = synced_scenario("config-regression")
    monkeypatch.chdir(project.root)
    truth = _truth(project)
    assert main(["why", truth["incident"].split(":", 1)[1], "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"bad", "good", "verdict", "suspects"} <= set(data)
    first = data["suspects"][0]
    assert set(first) >= {"rank", "ref", "kind", "summary", "score", "card", "evidence"}
    assert first["ref"] == truth["causes"][0]["ref"]
    assert first["kind"] == "config"
    assert any("model.regularization 10.0 → 100.0" in e for e in first["evidence"])


def test_why_with_an_explicit_good_and_a_table(
    synced_scenario: Callable, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    project, _ = synced_scenario("config-regression")
    monkeypatch.chdir(project.root)
    truth = _truth(project)
    assert main(["why", truth["bad"], "--good", truth["good"]]) == 0
    out = capsys.readouterr().out
    assert "cause found" in out and truth["causes"][0]["ref"] in out


def test_why_refuses_a_node_it_cannot_start_from(
    synced_scenario: Callable, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    project, _ = synced_scenario("config-regression")
    monkeypatch.chdir(project.root)
    assert main(["why", "dataset:" + _truth(project)["decoys"][-1].split(":", 1)[1]]) == 1
    err = capsys.readouterr().err
    assert "`why` starts from a model version, deployment or incident" in err


def test_secret_config_values_never_reach_the_report(tmp_path: Path) -> None:
    from agentops.analysis.rootcause.scoring import config_suspect

    suspect = config_suspect(
        "configs/train.yaml",
        "config:configs/train.yaml@bbbbbbbbbbbb",
        "config:configs/train.yaml@aaaaaaaaaaaa",
        [
            {"key": "db.password", "old": None, "new": "hunter2-prod"},
            {"key": "model.lr", "old": 0.01, "new": 0.1},
        ],
        {},
    )
    text = "\n".join(suspect.evidence)
    assert "hunter2-prod" not in text and "REDACTED" in text
    assert "model.lr 0.01 → 0.1" in text
    assert suspect.card == "config-regression"


def test_lineage_diff_between_two_model_versions_shows_code_and_data(
    synced_scenario: Callable, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    project, _ = synced_scenario("compound")
    monkeypatch.chdir(project.root)
    truth = _truth(project)
    assert main(["lineage", "diff", truth["good"], truth["bad"], "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    changed = {c["name"] for c in data["changed"] if c["kind"] == "dataset"}
    assert "movies" in changed  # the blanked genres ship in a new movies version
    packages = {(d["package"], d["old"], d["new"]) for d in data["code"]["dependencies"]}
    assert ("acme-vecsearch", "==1.4.2", "==2.0.1") in packages
    subjects = [c["subject"] for c in data["code"]["commits"]]
    assert "chore(deps): bump acme-vecsearch from 1.4.2 to 2.0.1" in subjects
    assert main(["lineage", "diff", truth["good"], truth["bad"]]) == 0
    out = capsys.readouterr().out
    assert "dependencies changed" in out and "acme-vecsearch" in out


def test_a_metric_drop_beyond_noise_names_the_strongest_weak_change() -> None:
    from agentops.analysis.rootcause import _name_the_strongest
    from agentops.analysis.rootcause.report import Suspect
    from agentops.analysis.rootcause.scoring import CAUSE_SCORE, commit_suspect

    typo = commit_suspect("a" * 40, "fix typo in scaling", {"code": ["src/f.py"]}, None)
    docs = commit_suspect("b" * 40, "README", {"docs": ["README.md"]}, None)
    assert typo.score < CAUSE_SCORE  # a "typo" message alone does not make a cause
    _name_the_strongest([typo, docs], -0.3)
    assert typo.score == CAUSE_SCORE and "beyond its usual noise" in typo.evidence[-1]
    assert docs.score < 0.1  # benign changes are never named
    strong = Suspect("config:x@1", "config", "lr ×10", 0.85, "config-regression")
    weak = commit_suspect("c" * 40, "tidy: typo", {"code": ["src/g.py"]}, None)
    _name_the_strongest([strong, weak], -0.3)
    assert weak.score < CAUSE_SCORE  # a cause was already found on its own evidence
