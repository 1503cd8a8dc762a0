"""The same OpenLineage events in any order, in any batches, once or twice → the same graph:
dump-equal (graph/export/dump.py) and with equal `--as-of` answers. Over the real Marquez events,
plus a parent/child family whose events share instants (a COMPLETE and a FAIL at one time, a
child event before its parent's START, one dataset name in two namespaces)."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from pathlib import Path

import pytest

from graph.export.dump import dump_lines
from graph.ingest.openlineage import ingest_events
from graph.ingest.openlineage.events import EventBatch, OpenLineageEvent, parse_events, read_events
from graph.queries import WalkOptions, downstream, upstream
from graph.refs import NodeKind
from graph.store import open_store
from tests.ingest.openlineage.ol_spec_validator import MARQUEZ_DIR
from tests.ingest.openlineage.test_openlineage_ingest import ds, event, facet

PARENT, CHILD = "6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "7b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e"
AS_OF = [
    datetime(2020, 12, 28, 19, 51, 1, 641000, tzinfo=UTC),
    datetime(2026, 3, 1, 2, 0, tzinfo=UTC),
    datetime(2026, 3, 1, 2, 5, tzinfo=UTC),
    None,
]


def _family() -> list[dict]:
    parent_facet = {
        "parent": facet(run={"runId": PARENT}, job={"namespace": "airflow", "name": "dag"})
    }
    return [
        event(CHILD, "START", "2026-03-01T01:59:00Z", run_facets=parent_facet),  # before PARENT's
        event(PARENT, "START", "2026-03-01T02:00:00Z", job="dag"),
        event(
            CHILD,
            "COMPLETE",
            "2026-03-01T02:05:00Z",
            inputs=[ds("orders"), ds("orders", namespace="s3://lake")],
            outputs=[ds("daily", rowCount=facet(rowCount=10))],
            run_facets=parent_facet,
        ),
        event(  # the same instant: FAIL, with other facet values
            CHILD,
            "FAIL",
            "2026-03-01T02:05:00Z",
            outputs=[ds("daily", rowCount=facet(rowCount=0))],
            run_facets={
                **parent_facet,
                "errorMessage": facet(message="oom", programmingLanguage="py"),
            },
        ),
        event(PARENT, "COMPLETE", "2026-03-01T02:10:00Z", job="dag"),
    ]


@pytest.fixture(scope="module")
def events(tmp_path_factory: pytest.TempPathFactory) -> list[OpenLineageEvent]:
    real = read_events([MARQUEZ_DIR], None)
    assert len(real.events) >= 10
    family = parse_events("\n".join(json.dumps(e) for e in _family()), "family.ndjson")
    assert not family.invalid
    return real.events + family.events


def _graph_after(url: str, batches: list[list[OpenLineageEvent]]) -> tuple[list[str], list]:
    """The dump (without `first_seen`: when this store first saw a node, not a fact of the
    events) and the as-of answers of upstream/downstream of every run."""
    with open_store(url) as store:
        for batch in batches:
            ingest_events(store, EventBatch(events=list(batch)))
        lines = []
        for line in dump_lines(store):
            record = json.loads(line)
            record.pop("first_seen", None)
            lines.append(json.dumps(record, sort_keys=True))
        runs = sorted(node.ref for node in store.find(NodeKind.RUN))
        answers = [
            (when, walk(store, runs, WalkOptions(as_of=when)).to_json())
            for when in AS_OF
            for walk in (upstream, downstream)
        ]
    return sorted(lines), answers


def _orders(events: list[OpenLineageEvent]) -> dict[str, list[list[OpenLineageEvent]]]:
    shuffled = [list(events) for _ in range(3)]
    for seed, copy in enumerate(shuffled):
        random.Random(seed).shuffle(copy)
    half = len(events) // 2
    return {
        "reversed": [events[::-1]],
        "twice": [events, events],
        "duplicated in one batch": [events + events[::-1]],
        **{f"shuffled {seed}": [copy] for seed, copy in enumerate(shuffled)},
        "two batches, second half first": [events[half:], events[:half]],
        "one event per batch, shuffled": [[e] for e in shuffled[0]],
        "one event per batch, twice": [[e] for e in shuffled[1] + shuffled[2]],
    }


def test_any_order_once_or_twice_gives_the_same_graph(
    events: list[OpenLineageEvent], tmp_path: Path
) -> None:
    once = _graph_after(f"sqlite:///{tmp_path / 'once.db'}", [events])
    assert len(once[0]) > 30
    for name, batches in _orders(events).items():
        other = _graph_after(f"sqlite:///{tmp_path / (name.replace(' ', '_') + '.db')}", batches)
        assert other[0] == once[0], name
        assert other[1] == once[1], name


def test_ties_at_one_instant_are_broken_by_the_documented_rule(
    events: list[OpenLineageEvent], tmp_path: Path
) -> None:
    """FAIL outranks COMPLETE at one time; a facet at one time keeps the value whose canonical
    JSON sorts last; the parent's time is its START whatever its child said first."""
    with open_store(f"sqlite:///{tmp_path / 'g.db'}") as store:
        ingest_events(store, EventBatch(events=events[::-1]))
        child, parent = store.get(f"run:{CHILD}"), store.get(f"run:{PARENT}")
        assert child is not None and parent is not None
        assert child.attrs["state"] == "FAIL" and child.attrs["error"]["message"] == "oom"
        assert child.attrs["ended_at"] == "2026-03-01T02:05:00.000000+00:00"
        assert parent.source_time == datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
        daily = store.find(NodeKind.DATASET, "postgres://db:5432/daily")
        assert len(daily) == 1
        # one instant, two values of one facet: {"rowCount":10,…} sorts after {"rowCount":0,…}
        assert daily[0].attrs["facets"]["rowCount"]["rowCount"] == 10
        orders = {n.ref.rsplit("@", 1)[0] for n in store.find(NodeKind.DATASET)}
        assert {"dataset:postgres://db:5432/orders", "dataset:s3://lake/orders"} <= orders


def test_postgresql_holds_the_same_graph(
    events: list[OpenLineageEvent], tmp_path: Path, pg_url: str
) -> None:
    once = _graph_after(f"sqlite:///{tmp_path / 'once.db'}", [events])
    shuffled = list(events)
    random.Random(5).shuffle(shuffled)
    assert _graph_after(pg_url, [shuffled[:7], shuffled[7:], events]) == once
