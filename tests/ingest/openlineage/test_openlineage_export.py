"""`export openlineage`: spec-valid RunEvents, checked with the spec's own JSON Schema."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from agentops.cli import main
from graph.export.openlineage import export_openlineage
from graph.ingest.openlineage import ingest_openlineage
from graph.model import Edge, Node
from graph.refs import EdgeKind, NodeKind
from graph.store import LineageStore, open_store
from tests.ingest.openlineage.ol_spec_validator import MARQUEZ_DIR, SPEC_DIR, SpecValidator, load
from tests.ingest.openlineage.test_openlineage_ingest import spec_example_events, write_ndjson

VALID = [
    "event_simple.json",
    "event_unicode.json",
    "event_required_only.json",
    "event_required_nanoseconds.json",
    "event_required_no_timezone.json",
    "event_namespace_naming.json",
    "null_nominal_end_time.json",
    "event_job_event.json",
    "event_dataset_event.json",
]


def _all_runs(store: LineageStore) -> list[str]:
    return [n.ref for n in store.find(NodeKind.RUN) if not n.attrs.get("stub")]


def _graph(store: LineageStore) -> tuple[set[str], set[tuple[str, str, str]]]:
    return (
        {n.ref for n in store.iter_nodes()},
        {(e.src, e.dst, e.kind.value) for e in store.iter_edges()},
    )


def test_validator_catches_what_it_should(spec: SpecValidator) -> None:
    """Guard the guard: the schema check fails broken events."""
    good = load(MARQUEZ_DIR / "event_simple.json")
    assert spec.event_errors(good) == []
    broken = json.loads(json.dumps(good))
    broken["run"]["runId"] = "42"
    del broken["job"]["namespace"]
    errors = " ".join(spec.event_errors(broken))
    assert "not a uuid" in errors and "'namespace' is required" in errors
    no_tz = load(MARQUEZ_DIR / "event_required_no_timezone.json")
    assert spec.event_errors(no_tz) and not SpecValidator(assert_formats=False).event_errors(no_tz)


def test_round_trip_of_valid_events(
    tmp_path: Path, spec: SpecValidator, loose_spec: SpecValidator
) -> None:
    """ingest → export → every event valid with formats asserted → ingest again: same graph.
    (The no-time-zone source is valid only with formats as annotations; its export is not.)"""
    sources = [MARQUEZ_DIR / name for name in VALID]
    for path in sources:
        assert loose_spec.event_errors(load(path)) == [], path.name
    with open_store(f"sqlite:///{tmp_path / 'one.db'}") as first:
        ingest_openlineage(first, sources)
        exported = export_openlineage(first, _all_runs(first))
        nodes, links = _graph(first)
    assert len(exported) == 6  # 5 runs and the job of the JobEvent
    for event in exported:
        assert spec.event_errors(event) == [], event
    assert {e["schemaURL"].rsplit("/", 1)[-1] for e in exported} == {"RunEvent", "JobEvent"}
    with open_store(f"sqlite:///{tmp_path / 'two.db'}") as second:
        report = ingest_openlineage(second, [write_ndjson(tmp_path / "x.ndjson", exported)])
        assert not report.invalid
        again_nodes, again_links = _graph(second)
    static = {
        ref for ref in nodes if ref.startswith("dataset:my-dataset-namespace/my-dataset-name@")
    }
    assert again_nodes == nodes - static  # a DatasetEvent's dataset is in no run's lineage
    assert again_links == links


def test_exports_of_every_real_event_add_no_schema_error(
    sqlite_store: LineageStore, loose_spec: SpecValidator
) -> None:
    """Some Marquez events carry facets their facet schemas reject (placeholder 'string' URIs,
    a dataQualityMetrics without columnMetrics); the export passes facets through, so it may
    repeat those errors but must add none."""
    ingest_openlineage(sqlite_store, [MARQUEZ_DIR])
    source_errors = set()
    for path in MARQUEZ_DIR.glob("*.json"):
        payload = load(path)
        if "schemaURL" in payload:
            source_errors |= {re.sub(r"\[\d+\]", "", e) for e in loose_spec.event_errors(payload)}
    exported = export_openlineage(sqlite_store, _all_runs(sqlite_store))
    assert len(exported) == 7
    for event in exported:
        errors = {re.sub(r"\[\d+\]", "", e) for e in loose_spec.event_errors(event)}
        assert errors <= source_errors, errors - source_errors


def test_exports_of_the_spec_facet_examples_are_valid(tmp_path: Path, spec: SpecValidator) -> None:
    for name, _, wrapped in spec_example_events(spec):
        with open_store(f"sqlite:///{tmp_path / (name.replace('/', '_') + '.db')}") as store:
            ingest_openlineage(store, [write_ndjson(tmp_path / "e.json", [wrapped])])
            [exported] = [e for e in export_openlineage(store, _all_runs(store)) if "run" in e]
            assert spec.event_errors(exported) == [], name


def test_export_of_non_openlineage_runs(sqlite_store: LineageStore, spec: SpecValidator) -> None:
    """An MLflow-shaped and a DVC-shaped run: ids made UUIDs, statuses mapped, the linked
    commit as sourceCodeLocation, datasets with version and schema facets."""
    sha = "0123456789abcdef0123456789abcdef01234567"
    mlflow_id = "9f1c2b3a4d5e6f708192a3b4c5d6e7f8"
    nodes = [
        Node.make(f"commit:{sha}", {"message": "train v2"}),
        Node.make(
            "dataset:ratings@aaaaaaaaaaaa",
            {
                "path": "data/ratings.csv",
                "schema": [
                    {"name": "user_id", "type": "int64"},
                    {"name": "rating", "type": "double"},
                ],
            },
        ),
        Node.make("dataset:prepared@bbbbbbbbbbbb", {"source": "dvc", "path": "data/prepared"}),
        Node.make(
            "run:dvc:prepare@0123456789ab",
            {
                "source": "dvc",
                "stage": "prepare",
                "state": "COMPLETE",
                "git_commit": sha,
                "repo": "/srv/recsys",
            },
        ),
        Node.make(f"run:{mlflow_id}", {"status": "FAILED", "experiment_name": "recsys"}),
        Node.make("model:recsys/2", {}),
    ]
    links = [
        Edge(f"commit:{sha}", "run:dvc:prepare@0123456789ab", EdgeKind.CODE_OF),
        Edge("dataset:ratings@aaaaaaaaaaaa", "run:dvc:prepare@0123456789ab", EdgeKind.INPUT),
        Edge("run:dvc:prepare@0123456789ab", "dataset:prepared@bbbbbbbbbbbb", EdgeKind.OUTPUT),
        Edge("dataset:prepared@bbbbbbbbbbbb", f"run:{mlflow_id}", EdgeKind.INPUT),
        Edge("run:dvc:prepare@0123456789ab", f"run:{mlflow_id}", EdgeKind.PARENT_RUN),
        Edge(f"run:{mlflow_id}", "model:recsys/2", EdgeKind.PRODUCED),
    ]
    sqlite_store.upsert(nodes, links)
    events = export_openlineage(sqlite_store, ["recsys/2"])
    assert len(events) == 2
    by_job = {e["job"]["name"]: e for e in events}
    for event in events:
        assert spec.event_errors(event) == [], event
    dvc, mlflow = by_job["prepare"], by_job["recsys"]
    assert dvc["eventType"] == "COMPLETE" and mlflow["eventType"] == "FAIL"
    assert mlflow["run"]["runId"] == "9f1c2b3a-4d5e-6f70-8192-a3b4c5d6e7f8"
    assert dvc["run"]["facets"]["agentops"]["ref"] == "run:dvc:prepare@0123456789ab"
    assert dvc["job"]["facets"]["sourceCodeLocation"]["version"] == sha
    assert dvc["job"]["facets"]["sourceCodeLocation"]["url"] == "file:///srv/recsys"
    assert mlflow["run"]["facets"]["parent"]["run"]["runId"] == dvc["run"]["runId"]
    [ratings] = dvc["inputs"]
    assert ratings["namespace"] == "file" and ratings["name"] == "data/ratings.csv"
    assert ratings["facets"]["version"]["datasetVersion"] == "aaaaaaaaaaaa"
    assert [f["name"] for f in ratings["facets"]["schema"]["fields"]] == ["user_id", "rating"]
    assert [d["name"] for d in dvc["outputs"]] == ["data/prepared"]


def test_export_cli_prints_ndjson(
    cli: Path, capsys: pytest.CaptureFixture[str], spec: SpecValidator
) -> None:
    assert main(["ingest", "openlineage", str(MARQUEZ_DIR / "event_simple.json")]) == 0
    capsys.readouterr()
    assert main(["export", "openlineage", "run:41fb5137-f0fd-4ee5-ba5c-56f8571d1bd7"]) == 0
    out, err = capsys.readouterr()
    [line] = out.splitlines()
    event = json.loads(line)
    assert spec.event_errors(event) == []
    assert [d["name"] for d in event["inputs"]] == [
        "instance.schema.input-1",
        "instance.schema.input-2",
    ]
    assert "exported 1 OpenLineage events" in err
    assert main(["export", "openlineage", "run:nope"]) == 1
    assert "no node matches" in capsys.readouterr().err


def test_ingest_cli_reports_invalid_events_and_exits_1(
    cli: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    assert main(["ingest", "openlineage", str(MARQUEZ_DIR), "--json"]) == 1
    out, err = capsys.readouterr()
    report = json.loads(out)
    assert report["events"] == 12 and len(report["invalid"]) == 3
    assert f"invalid event {MARQUEZ_DIR / 'listener-1.json'}: schemaURL is required" in err
    assert "openlineage: 12 events from 15 files" in err
    monkeypatch.setattr(
        "sys.stdin", io.StringIO((SPEC_DIR / "tests/tests/example_full_event.json").read_text())
    )
    assert main(["ingest", "openlineage", "-"]) == 0
    assert "1 events from 1 files → 1 runs" in capsys.readouterr().err
    assert main(["ingest", "openlineage", "nowhere.json"]) == 1
    assert "error: no such file or folder: nowhere.json" in capsys.readouterr().err


def test_jsonschema_agrees_when_installed(spec: SpecValidator) -> None:
    import jsonschema
    from referencing import Registry, Resource

    registry = Registry().with_resources(
        (sid, Resource.from_contents(doc)) for sid, doc in spec.documents.items()
    )
    core = jsonschema.Draft202012Validator(spec.documents[spec.core_id], registry=registry)
    for path in MARQUEZ_DIR.glob("*.json"):
        payload = load(path)
        assert core.is_valid(payload) == (
            not SpecValidator(assert_formats=False).errors(
                payload, spec.documents[spec.core_id], spec.core_id
            )
        ), path.name
