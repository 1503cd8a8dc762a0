"""`agentops why` scores exactly what `agentops lineage diff` shows for the same two versions."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from agentops.analysis.rootcause import explain
from agentops.cli import main
from graph.diff import diff
from graph.model import Edge, Node
from graph.refs import EdgeKind, NodeKind
from graph.store import LineageStore


def _cli_json(capsys: pytest.CaptureFixture, *args: str) -> dict[str, Any]:
    assert main([*args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def _changed_refs(diff: dict[str, Any]) -> set[str]:
    """The refs a lineage diff names as changed: non-merge commits, new config versions, and
    each dataset's version on the bad side (its good-side version if it is gone)."""
    code = diff["code"] or {"commits": [], "configs": []}
    refs = {f"commit:{c['sha']}" for c in code["commits"] if not c["merge"]}
    refs |= {c["new"] for c in code["configs"] if c["new"] and not c["manifest"]}
    paired = [c for c in diff["changed"] if c["kind"] == "dataset"]
    refs |= {c["b"][-1] for c in paired}
    seen = {ref for c in paired for ref in (*c["a"], *c["b"])}
    b_names = {ref.rsplit("@", 1)[0] for ref in diff["only_b"]}
    refs |= {r for r in diff["only_b"] if r.startswith("dataset:") and r not in seen}
    refs |= {
        r
        for r in diff["only_a"]
        if r.startswith("dataset:") and r not in seen and r.rsplit("@", 1)[0] not in b_names
    }
    return refs


@pytest.mark.parametrize("name", ["compound", "feature-code-bug", "config-regression"])
def test_why_ranks_what_lineage_diff_shows(
    name: str,
    synced_scenario: Callable,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
) -> None:
    project, _ = synced_scenario(name)
    monkeypatch.chdir(project.root)
    incident = json.loads(Path(project.ground_truth_path).read_text())["incident"]
    report = _cli_json(capsys, "why", incident.split(":", 1)[1])
    diff = _cli_json(capsys, "lineage", "diff", report["good"], report["bad"])
    changed = _changed_refs(diff)
    suspects = {s["ref"] for s in report["suspects"]}
    ruled_out = {s["ref"] for s in report["ruled_out"]}
    assert not suspects & ruled_out
    assert changed and changed <= suspects | ruled_out
    # beyond the diff's items, only the run (for its params) or the promotion may be scored
    assert suspects - changed <= {diff["run_b"], report["bad"]}
    dependency_evidence = " ".join(
        line
        for s in report["suspects"] + report["ruled_out"]
        if s["kind"] == "dependency"
        for line in s["evidence"]
    )
    for change in (diff["code"] or {}).get("dependencies", []):
        assert change["package"] in dependency_evidence


def test_a_dataset_upstream_of_the_inputs_is_scored_too(sqlite_store: LineageStore) -> None:
    """raw → prepare run → features → train run → model: a new raw export is a change of both
    versions' lineage even though the training run reads only the features."""
    nodes, edges = [], []
    for i in (1, 2):
        raw, features = f"dataset:raw@{i:012x}", f"dataset:features@{i:012x}"
        prepare, train, model = f"run:prep{i}", f"run:train{i}", f"model:recsys/{i}"
        when = datetime(2026, 3, i, tzinfo=UTC)
        nodes += [
            Node.make(raw, {"row_count": 100 * i}, when),
            Node.make(features, {"row_count": 100}, when),
            Node.make(prepare, {}, when),
            Node.make(train, {"params": {"lr": 0.01 * i}}, when),
            Node.make(model, {}, when),
        ]
        links = [(raw, prepare, EdgeKind.INPUT), (prepare, features, EdgeKind.OUTPUT)]
        links += [(features, train, EdgeKind.INPUT), (train, model, EdgeKind.PRODUCED)]
        edges += [Edge(src, dst, kind, {}, when) for src, dst, kind in links]
    sqlite_store.upsert(nodes, edges)
    changes = diff(sqlite_store, "model:recsys/1", "model:recsys/2")
    datasets = {c.b_refs[-1] for c in changes.version_changes(NodeKind.DATASET)}
    assert datasets == {"dataset:raw@000000000002", "dataset:features@000000000002"}
    report = explain(sqlite_store, "model:recsys/2", good="model:recsys/1")
    assert {s.ref for s in report.suspects} == datasets | {changes.run_b}
