"""Class 7: input that breaks a parser or the environment ends in one clear line, not a
traceback; one malformed event does not cost the valid events of its file."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.hostile.conftest import run_agentops
from tests.hostile.test_store_write_edge import RUN_ID, _event

DEEP = "[" * 10_000 + "]" * 10_000
HUGE_INT = '{"n": 1' + "0" * 5_000 + "}"


@pytest.mark.parametrize("text", [DEEP, HUGE_INT], ids=["deep", "huge-int"])
def test_graph_load_and_rollback_apply_refuse_in_one_line(project: Path, text: str) -> None:
    (project / "bad.json").write_text(text)
    load = run_agentops(project, "graph", "load", "bad.json").assert_one_clear_error()
    assert "line 1" in load
    apply = run_agentops(project, "rollback", "apply", "bad.json", "--yes")
    assert "bad.json" in apply.assert_one_clear_error()


def test_one_malformed_event_costs_only_itself(project: Path) -> None:
    good = [_event("2026-01-01T00:00:00Z", RUN_ID[:-1] + str(n)) for n in range(3)]
    text = (
        "[" + json.dumps(good[0]) + "," + DEEP + "," + HUGE_INT + "," + json.dumps(good[1]) + "]\n"
    )
    text += DEEP + "\n" + json.dumps(good[2]) + "\n"
    (project / "events.json").write_text(text)
    outcome = run_agentops(project, "ingest", "openlineage", "events.json", "--json")
    assert outcome.code == 1 and "Traceback" not in outcome.stderr
    report = json.loads(outcome.stdout)
    assert report["events"] == 3 and report["runs"] == 3
    reasons = {bad["position"]: bad["reason"] for bad in report["invalid"]}
    assert set(reasons) == {"events.json:1[1]", "events.json:1[2]", "events.json:2[0]"}
    assert "deeply" in reasons["events.json:1[1]"] and "digits" in reasons["events.json:1[2]"]


def test_nul_surrogate_and_nan_move_from_sqlite_to_postgresql(project: Path, pg_url: str) -> None:
    dump = project / "graph.jsonl"
    dump.write_text(
        json.dumps({"type": "node", "ref": "run:a", "attrs": {"t": "x\x00y", "v": float("nan")}})
        + "\n"
        + '{"type": "node", "ref": "run:b", "attrs": {"t": "\\ud800"}}\n'
    )
    assert run_agentops(project, "graph", "load", str(dump)).code == 0
    moved = run_agentops(project, "--db", pg_url, "graph", "load", str(dump))
    assert moved.code == 0, moved.stderr
    back = run_agentops(project, "--db", pg_url, "graph", "dump", "-")
    assert back.code == 0 and "run:a" in back.stdout and "run:b" in back.stdout


def test_a_folder_or_file_in_the_wrong_place_is_one_line(project: Path) -> None:
    (project / "out").mkdir()
    assert "out" in run_agentops(project, "graph", "dump", "out").assert_one_clear_error()
    (project / "afile").write_text("x")
    demo = run_agentops(project, "demo", "--dir", "afile", "--no-tui")
    assert "afile" in demo.assert_one_clear_error()
    blocked = project / "blocked"
    blocked.mkdir()
    (blocked / ".agentops").write_text("not a folder")
    if os.getuid() != 0:  # root writes into read-only folders anyway
        readonly = project / "readonly"
        readonly.mkdir(mode=0o555)
        run_agentops(readonly, "init").assert_one_clear_error()
    run_agentops(blocked, "init").assert_one_clear_error()
