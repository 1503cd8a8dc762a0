"""The noise band comes from healthy history only: a version with an incident, or one the team
rolled back, and its fix are a regression and a repair, not the model's usual move."""

from __future__ import annotations

from agentops.analysis.rootcause import _apply_noise, _usual_noise
from agentops.analysis.rootcause.baseline import Version, healthy, rolled_back
from agentops.analysis.rootcause.report import Suspect, Symptom
from graph.model import Node

METRIC = "auc"


def _version(number: int, auc: float, **extra) -> Version:
    run = Node.make(f"run:r{number}", {"metrics": {METRIC: {"value": auc}}})
    model = Node.make(f"model:m/{number}", {"aliases": ["champion"], **extra.pop("attrs", {})})
    return Version(model, run, **extra)


def _move(previous: int, to: int) -> Node:
    return Node.make(
        f"deploy:m/champion@2026-01-0{to}T00:00:00.000Z",
        {"model": "m", "alias": "champion", "version": str(to), "previous_version": str(previous)},
    )


def _history() -> list[Version]:
    # 1..3 healthy and steady; 4 had an incident (0.70) and was rolled back to 3; 5 fixed it
    return [
        _version(1, 0.900),
        _version(2, 0.902),
        _version(3, 0.899, deployments=(_move(4, 3),)),
        _version(4, 0.700, incidents=("incident:INC-1",)),
        _version(5, 0.901),
        _version(6, 0.860),  # the bad one: -4.6% against 5
    ]


def test_known_bad_versions_are_not_part_of_the_band() -> None:
    versions = _history()
    assert rolled_back(versions) == {"model:m/4"}
    assert [v.ref for v in healthy(versions, versions[-1])] == [
        "model:m/1",
        "model:m/2",
        "model:m/3",
        "model:m/5",
    ]
    noise = _usual_noise(versions, versions[-1], METRIC)
    assert noise is not None and noise < 0.01  # with 4 and its fix counted it would be ~25%


def test_a_real_regression_stays_beyond_the_band() -> None:
    versions = _history()
    suspect = Suspect("config:params@2", "config", "lr 0.01 → 0.1", 0.7, "config-regression", [])
    notes: list[str] = []
    symptom = Symptom(METRIC, 0.901, 0.860, "runs")
    moved = _apply_noise(versions, [suspect], symptom, versions[-2], versions[-1], notes)
    assert moved is not None and moved < -0.04
    assert suspect.score == 0.7  # not demoted


def test_too_little_healthy_history_says_so_and_judges_on_the_evidence() -> None:
    versions = [
        _version(1, 0.90, incidents=("incident:INC-0",)),
        _version(2, 0.91),
        _version(3, 0.89),
    ]
    suspect = Suspect("commit:" + "a" * 40, "code", "code change", 0.75, "feature-code-bug", [])
    notes: list[str] = []
    moved = _apply_noise(
        versions, [suspect], Symptom(METRIC, 0.91, 0.89, "runs"), versions[1], versions[2], notes
    )
    assert moved is None and suspect.score == 0.75
    assert any("not enough healthy history" in note for note in notes)
