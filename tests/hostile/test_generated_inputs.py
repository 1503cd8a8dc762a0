"""Generated hostile values — times, text, numbers, nesting, sizes — through the commands that
take files: each ends in exit 0 or one clear error, never a traceback, within 1 GiB, and the
store stays readable; a refused `graph load` leaves it exactly as it was."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.hostile.conftest import run_agentops
from tests.hostile.test_store_write_edge import RUN_ID, _event

TIMES = ["9999-12-31T23:59:59.999999Z", "0001-01-01T00:00:00+14:00", "2026-02-30T00:00:00Z"]
TEXTS = ["\x00", "\ud800", "a\udfffb", "\x1b[2J\x1b]0;x\x07", "\u202e\u2066", "x" * 100_000]
NUMBERS = [float("nan"), float("inf"), -float("inf"), 10**30, -(10**30), 1e308, 2**63]
DEEP = {"x": json.loads("[" * 500 + "]" * 500)}


def _values() -> list[object]:
    return [*TEXTS, *NUMBERS, DEEP]


def _status(root: Path) -> dict[str, object]:
    outcome = run_agentops(root, "status", "--json")
    assert outcome.code == 0 and "Traceback" not in outcome.stderr, outcome.stderr
    return json.loads(outcome.stdout)


def test_hostile_attribute_values_in_one_load_are_refused_or_cleaned(project: Path) -> None:
    lines = [
        json.dumps({"type": "node", "ref": f"run:v{i}", "attrs": {"v": value}}, allow_nan=True)
        for i, value in enumerate(_values())
    ]
    (project / "graph.jsonl").write_text("\n".join(lines) + "\n")
    outcome = run_agentops(project, "graph", "load", "graph.jsonl")
    assert outcome.code == 0 and "Traceback" not in outcome.stderr, outcome.stderr
    dumped = run_agentops(project, "graph", "dump", "-")
    assert dumped.code == 0 and "\\u0000" not in dumped.stdout and "\\ud800" not in dumped.stdout
    assert "NaN" not in dumped.stdout and "Infinity" not in dumped.stdout
    refused = 4  # 10**30, -(10**30) and 2**63 do not fit 64 bits; DEEP nests past 64 levels
    assert _status(project)["nodes"] == {"run": len(_values()) - refused}


@pytest.mark.parametrize("time", TIMES)
def test_a_bad_time_in_a_dump_loads_nothing_and_says_which_line(project: Path, time: str) -> None:
    (project / "good.jsonl").write_text(json.dumps({"type": "node", "ref": "run:good"}) + "\n")
    assert run_agentops(project, "graph", "load", "good.jsonl").code == 0
    before = run_agentops(project, "graph", "dump", "-").stdout
    record = {"type": "node", "ref": "run:bad", "source_time": time}
    (project / "bad.jsonl").write_text(json.dumps({"type": "node", "ref": "run:x"}) + "\n")
    with (project / "bad.jsonl").open("a") as out:
        out.write(json.dumps(record) + "\n")
    line = run_agentops(project, "graph", "load", "bad.jsonl").assert_one_clear_error()
    assert "line 2" in line
    assert run_agentops(project, "graph", "dump", "-").stdout == before


def test_hostile_events_cost_only_themselves(project: Path) -> None:
    events = [_event(time, f"{RUN_ID[:-2]}{i:02d}") for i, time in enumerate(TIMES)]
    for i, value in enumerate(_values()):
        event = _event("2026-01-01T00:00:00Z", f"{RUN_ID[:-2]}{50 + i:02d}")
        event["job"] = {
            "namespace": "ns",
            "name": str(value)[:1000] if isinstance(value, str) else "j",
        }
        event["run"]["facets"] = {  # type: ignore[index]
            "custom": {"_producer": "p", "_schemaURL": "s", "value": value}
        }
        events.append(event)
    (project / "events.json").write_text(
        "\n".join(json.dumps(e, allow_nan=True) for e in events) + "\n" + "{" * 20_000 + "\n"
    )
    outcome = run_agentops(project, "ingest", "openlineage", "events.json", "--json")
    assert outcome.code == 1 and "Traceback" not in outcome.stderr, outcome.stderr
    report = json.loads(outcome.stdout)
    assert report["runs"] >= 1
    assert _status(project)["nodes"]["run"] >= 1
    assert run_agentops(project, "ingest", "openlineage", "events.json").code == 1  # again: same
