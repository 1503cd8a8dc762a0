"""Class 3: small hostile inputs cannot take unbounded memory; the one file is skipped with a
message and the rest is read. Every run here is capped at 1 GiB of address space."""

from __future__ import annotations

import json
from pathlib import Path

from tests.hostile.conftest import commit_files, run_agentops, yaml_alias_bomb


def test_a_committed_yaml_alias_bomb_is_skipped_and_the_repo_ingests(project: Path) -> None:
    commit_files(
        project,
        {
            "configs/bomb.yaml": yaml_alias_bomb(),
            "configs/train.yaml": "model:\n  lr: 0.01\n",
            "dvc.lock": "schema: '2.0'\nstages:\n" + "  x: " + yaml_alias_bomb().split("\n")[0],
        },
    )
    outcome = run_agentops(project, "ingest", "git", ".", "--json")
    assert "Traceback" not in outcome.stderr and "MemoryError" not in outcome.stderr
    assert outcome.code == 0, outcome.stderr
    assert "1 unparseable" in outcome.stderr
    dump = run_agentops(project, "graph", "dump", "-")
    configs = {
        record["attrs"]["path"]: record["attrs"]
        for record in map(json.loads, dump.stdout.splitlines())
        if record.get("ref", "").startswith("config:")
    }
    assert "expand to more than" in configs["configs/bomb.yaml"]["parse_error"]
    assert configs["configs/train.yaml"]["keys"] == {"model.lr": 0.01}
    assert run_agentops(project, "ingest", "git", ".").code == 0  # and again, incrementally


def test_rollback_apply_reads_a_bounded_amount(project: Path) -> None:
    line = run_agentops(project, "rollback", "apply", "/dev/zero", "--yes").assert_one_clear_error()
    assert "/dev/zero" in line


def test_a_team_card_alias_bomb_is_refused_by_name_and_the_rest_load(project: Path) -> None:
    cards = project / "docs" / "ops"
    cards.mkdir(parents=True)
    bomb = "---\nid: bomb\n" + yaml_alias_bomb() + "---\nbody\n"
    (cards / "bomb.md").write_text(bomb)
    (project / "agentops.toml").write_text('knowledge = ["docs/ops"]\n')
    checked = run_agentops(project, "knowledge", "check", "docs/ops")
    assert "Traceback" not in checked.stderr and "MemoryError" not in checked.stderr
    assert checked.code == 1 and "YAML aliases" in checked.stdout + checked.stderr
    listed = run_agentops(project, "knowledge", "list")
    assert "Traceback" not in listed.stderr and "MemoryError" not in listed.stderr
    assert "bomb.md" in listed.stderr and "YAML aliases" in listed.stderr
