"""`suggest` on the hand-built graph: tests from the cause cards, JSON shape, Markdown."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from agentops.analysis.checklist import suggest
from agentops.analysis.rootcause.report import NO_LINEAGE_CAUSE
from knowledge import load_library

from .conftest import C3, M2, M3, HandGraph

TEST_KEYS = {
    "item",
    "title",
    "checklist",
    "covers",
    "cards",
    "why",
    "basis",
    "in_place",
    "data_checks",
    "command",
}


def test_tests_come_from_the_cause_card(hand: HandGraph) -> None:
    result = suggest(hand.store, "INC-1", report=hand.report)
    assert [t.item for t in result.tests] == ["data-1", "monitoring-2", "monitoring-3"]
    data1 = result.tests[0]
    assert data1.title == "Feature expectations are captured in a schema"
    assert data1.checklist == "ml-test-score-data"
    assert data1.covers == [hand.refs["bad"]]
    assert data1.cards == ["null-spike"]
    assert data1.basis == "cause"
    assert data1.in_place == "missing"
    assert data1.why[0].startswith(
        "null-spike (Null or missing-value spike in a feature) catches data-nulls changes like "
        f"{hand.refs['bad']}: dataset ratings changed (null-spike)"
    )
    assert ("nulls", "rating") in {(f.check, f.column) for f in data1.data_checks}
    assert data1.command == "agentops checklist suggest incident:INC-1 --format pytest"
    assert result.tests[2].data_checks == []  # monitoring-3 is not a data check
    # the code suspect is not a cause: no test is suggested for it
    assert all(C3 not in t.covers for t in result.tests)
    assert result.causes == [hand.refs["bad"]]


def test_readiness_lists_the_suggested_items_first(hand: HandGraph) -> None:
    result = suggest(hand.store, "INC-1", report=hand.report)
    assert [item.item for item in result.readiness[:3]] == [
        "data-1",
        "monitoring-2",
        "monitoring-3",
    ]
    rest = result.readiness[3:]
    order = {"missing": 0, "partial": 1, "unknown": 2, "present": 3}
    assert [order[i.status] for i in rest] == sorted(order[i.status] for i in rest)
    assert {i.item for i in result.missing} >= {"data-1", "infra-6", "infra-4"}


def test_without_a_cause_the_noise_checks_and_suspects_are_offered(hand: HandGraph) -> None:
    suspects = [replace(s, is_cause=False) for s in hand.report.suspects]
    report = replace(hand.report, verdict=NO_LINEAGE_CAUSE, suspects=suspects)
    result = suggest(hand.store, "INC-1", report=report)
    assert result.causes == []
    assert {t.basis for t in result.tests} == {"suspect"}
    items = [t.item for t in result.tests]
    assert items[:3] == ["data-1", "monitoring-2", "monitoring-3"]  # the top suspect's card
    assert "data-7" in items  # the code suspect's card (feature-code-bug)
    noise = [t for t in result.tests if "seed-noise" in t.cards]
    assert noise and all("tells run-to-run noise" in t.why[-1] for t in noise)


def test_a_team_card_changes_what_is_suggested(hand: HandGraph, tmp_path: Path) -> None:
    builtin = Path(__file__).parents[3] / "knowledge" / "cards" / "failure-mode" / "null-spike.md"
    team = tmp_path / "ops"
    team.mkdir()
    text = builtin.read_text().replace(
        "checks: [data-1, monitoring-2, monitoring-3]", "checks: [matrix-ranking-mft, data-1]"
    )
    (team / "null-spike.md").write_text(text)
    result = suggest(hand.store, "INC-1", library=load_library([team]), report=hand.report)
    assert [t.item for t in result.tests] == ["matrix-ranking-mft", "data-1"]
    assert result.tests[0].checklist == "checklist-matrix"


def test_json_shape(hand: HandGraph) -> None:
    data = json.loads(json.dumps(suggest(hand.store, "INC-1", report=hand.report).to_json()))
    assert set(data) == {
        "ref",
        "bad",
        "good",
        "incident",
        "verdict",
        "causes",
        "bad_run",
        "good_run",
        "tests",
        "readiness",
        "readiness_counts",
        "data_tests",
        "notes",
    }
    assert (data["ref"], data["bad"], data["good"]) == ("incident:INC-1", M3, M2)
    assert all(set(test) == TEST_KEYS for test in data["tests"])
    assert set(data["readiness"][0]) == {
        "item",
        "title",
        "checklist",
        "status",
        "looked_for",
        "found",
        "rule",
    }
    assert sum(data["readiness_counts"].values()) == len(data["readiness"])
    assert data["data_tests"]["datasets"] == ["ratings"]
    assert {"dataset", "check", "column", "message"} == set(data["data_tests"]["failing_on_bad"][0])


def test_markdown_sections_and_escaping(hand: HandGraph) -> None:
    hostile = replace(
        hand.report.suspects[0], summary="x\n# injected heading\n```\n<script>alert(1)</script>"
    )
    report = replace(hand.report, suspects=[hostile, *hand.report.suspects[1:]])
    text = suggest(hand.store, "INC-1", report=report).to_markdown()
    headings = [line for line in text.splitlines() if line.startswith("#")]
    assert headings == [
        "# Checklist: `model:recsys/3`",
        "## Tests that would have caught this",
        "## What the lineage shows missing",
        "## Judged present or not judgeable",
        "## Data tests",
    ]
    assert "<script>" not in text and "```" not in text
    assert "- **MISSING** `infra-6` Models are canaried before serving" in text


def test_report_is_computed_when_not_given(hand: HandGraph) -> None:
    result = suggest(hand.store, "model:recsys/3")
    assert (result.bad, result.good) == (M3, M2)
    assert result.readiness


def test_no_good_version_means_no_data_tests(hand: HandGraph) -> None:
    from agentops.errors import ChecklistError

    report = replace(hand.report, good=None, good_run=None)
    result = suggest(hand.store, "INC-1", report=report)
    assert result.data == []
    assert "no good version to compare with: no data tests were derived" in result.notes
    with pytest.raises(ChecklistError, match="no profiled input datasets"):
        result.to_pytest()
