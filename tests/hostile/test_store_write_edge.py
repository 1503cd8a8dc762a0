"""Class 1: one bad value must not poison the store. Whatever is written can be read back: a
record the store cannot hold is refused by ref with its reason, the others are written."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from graph.model import Node
from graph.store import LineageStore, open_store
from tests.hostile.conftest import run_agentops

RUN_ID = "0198c2a4-6f4a-7b3e-9c1d-2f5e8a7b6c01"


def _event(time: str, run_id: str = RUN_ID) -> dict[str, object]:
    return {
        "eventType": "COMPLETE",
        "eventTime": time,
        "producer": "https://example.com/producer",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {"runId": run_id},
        "job": {"namespace": "ns", "name": "train"},
        "inputs": [{"namespace": "ns", "name": "ratings"}],
    }


def test_bad_values_are_refused_one_by_one_and_the_rest_is_written(store: LineageStore) -> None:
    far = datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
    result = store.upsert(
        [
            Node.make("run:good", {"note": "a\x00b\ud800c", "loss": float("nan")}),
            Node.make("run:far", {}, far),
            Node.make("run:huge", {"n": 10**40}),
            Node.make("run:deep", {"x": json.loads("[" * 200 + "]" * 200)}),
        ]
    )
    assert result.nodes == 1
    assert sorted(line.split(" ")[0] for line in result.rejected) == [
        "run:deep",
        "run:far",
        "run:huge",
    ]
    good = store.get("run:good")
    assert good is not None and good.attrs == {"note": "a\ufffdb\ufffdc", "loss": None}
    assert [node.ref for node in store.iter_nodes()] == ["run:good"]


def test_a_store_poisoned_before_the_check_still_reads(sqlite_url: str) -> None:
    with open_store(sqlite_url) as store:
        store.upsert([Node.make("run:a"), Node.make("run:b")])
        with store._engine.begin() as conn:  # a row written by an older agentops
            conn.exec_driver_sql(
                "UPDATE nodes SET source_time = 253402300800000000 WHERE ref = 'run:a'"
            )
        assert [(n.ref, n.source_time) for n in store.iter_nodes()][0] == ("run:a", None)


def test_an_out_of_range_event_time_is_refused_and_later_commands_work(project: Path) -> None:
    events = project / "events.json"
    other = RUN_ID[:-2] + "02"
    third = RUN_ID[:-2] + "03"
    events.write_text(
        json.dumps(
            [
                _event("9999-12-31T23:59:59.999999Z"),
                _event("0001-01-01T00:00:00+14:00", other),
                _event("2026-01-01T00:00:00Z", third),
            ]
        )
    )
    first = run_agentops(project, "ingest", "openlineage", "events.json")
    assert first.code == 1 and "Traceback" not in first.stderr
    assert "[0]" in first.stderr and "[1]" in first.stderr and "outside" in first.stderr
    for args in (
        ("ingest", "openlineage", "events.json"),
        ("graph", "dump", "-"),
        ("lineage", "upstream", f"run:{third}", "--json"),
    ):
        outcome = run_agentops(project, *args)
        assert "Traceback" not in outcome.stderr, (args, outcome.stderr)
    dumped = run_agentops(project, "graph", "dump", "-").stdout
    assert f"run:{third}" in dumped and f"run:{RUN_ID}" not in dumped
