"""OpenLineage ingest against the real events in tests/data/openlineage/."""

from __future__ import annotations

import copy
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from graph.errors import IngestError
from graph.ingest.openlineage import (
    canonical_digest12,
    ingest_events,
    ingest_openlineage,
)
from graph.ingest.openlineage.events import EventKind, parse_events, read_events
from graph.model import Node
from graph.refs import EdgeKind, NodeKind
from graph.store import LineageStore, open_store
from tests.ingest.openlineage.ol_spec_validator import MARQUEZ_DIR, SPEC_DIR, SpecValidator, load

RUN_FULL = "run:ea041791-68bc-4ae1-bd89-4c8106a157e4"
RUN_REQUIRED = "run:43d7db3b-8984-4cda-b237-8c6919b36670"
PRODUCER = "https://github.com/OpenLineage/OpenLineage/blob/v1-0-0/client"
SCHEMA_URL = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"


def event(
    run_id: str,
    event_type: str | None,
    time: str,
    job: str = "etl.daily",
    inputs: list[dict[str, Any]] | None = None,
    outputs: list[dict[str, Any]] | None = None,
    run_facets: dict[str, Any] | None = None,
    job_facets: dict[str, Any] | None = None,
) -> dict[str, Any]:
    made: dict[str, Any] = {
        "eventTime": time,
        "producer": PRODUCER,
        "schemaURL": SCHEMA_URL,
        "run": {"runId": run_id, "facets": run_facets or {}},
        "job": {"namespace": "airflow", "name": job, "facets": job_facets or {}},
        "inputs": inputs or [],
        "outputs": outputs or [],
    }
    if event_type:
        made["eventType"] = event_type
    return made


def facet(**body: Any) -> dict[str, Any]:
    return {"_producer": PRODUCER, "_schemaURL": "https://example.com/facet.json", **body}


def ds(name: str, namespace: str = "postgres://db:5432", **facets: Any) -> dict[str, Any]:
    return {"namespace": namespace, "name": name, "facets": facets}


def write_ndjson(path: Path, events: list[Any]) -> Path:
    path.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    return path


def edges(store: LineageStore, ref: str, kind: EdgeKind) -> set[tuple[str, str]]:
    return {(e.src, e.dst) for e in store.edges_of([ref]) if e.kind is kind}


def node(store: LineageStore, ref: str) -> Node:
    found = store.get(ref)
    assert found is not None, ref
    return found


# -- the real events -----------------------------------------------------------------------------


def test_checks_agree_with_the_spec_schema_on_every_real_event(
    loose_spec: SpecValidator,
) -> None:
    """Each Marquez test event and the spec's full example: accepted exactly when the spec's
    own JSON Schema (OpenLineage.json, formats as annotations) accepts it."""
    files = [*sorted(MARQUEZ_DIR.glob("*.json")), SPEC_DIR / "tests/tests/example_full_event.json"]
    assert len(files) == 16
    core = loose_spec.documents[loose_spec.core_id]
    verdicts = {}
    for path in files:
        batch = parse_events(path.read_text(encoding="utf-8"), path.name)
        spec_errors = loose_spec.errors(load(path), core, loose_spec.core_id)
        assert bool(batch.events) == (not spec_errors), (path.name, batch.invalid, spec_errors)
        verdicts[path.name] = bool(batch.events)
    refused = sorted(name for name, ok in verdicts.items() if not ok)
    assert refused == ["event_without_schema_url.json", "listener-1.json", "listener-2.json"]


def test_every_valid_real_event_ingests(sqlite_store: LineageStore) -> None:
    report = ingest_openlineage(sqlite_store, [MARQUEZ_DIR])
    assert report.files == 15
    assert report.events == 12
    assert [(Path(bad.position).name, bad.reason) for bad in report.invalid] == [
        ("event_without_schema_url.json", "schemaURL is required"),
        ("listener-1.json", "schemaURL is required"),
        ("listener-2.json", "schemaURL is required"),
    ]
    counts = sqlite_store.counts()
    assert counts.nodes == {"dataset": 9, "run": 8}
    assert counts.edges == {"input": 9, "output": 7, "parent_run": 2}


def test_edge_cases_of_the_real_events(sqlite_store: LineageStore) -> None:
    ingest_openlineage(sqlite_store, [MARQUEZ_DIR])

    unicode_run = node(sqlite_store, "run:1d8f4596-b3f2-4ebb-9e75-8ecc955b834a")
    assert unicode_run.attrs["job"]["name"] == "myjob.buggy_task🕷"
    assert unicode_run.attrs["state"] == "COMPLETE"
    # +10:00 in the event is kept as the same instant in UTC
    assert unicode_run.source_time == datetime(2020, 12, 28, 9, 52, 0, 1000, tzinfo=UTC)

    # required-only, nanoseconds and no-timezone events share one run id: no eventType → OTHER;
    # the time with no zone is UTC, the nanosecond one keeps its microseconds
    required = node(sqlite_store, RUN_REQUIRED)
    assert required.attrs["state"] == "OTHER"
    assert required.attrs["first_event_at"] == "2020-12-28T19:51:01.641000+00:00"
    assert required.attrs["last_event_at"] == "2020-12-28T19:51:01.641499+00:00"

    null_end = node(sqlite_store, "run:1d79ed5b-7fe9-4124-b70a-bfa01d9fba83")
    assert null_end.attrs["nominal_time"] == {"nominalStartTime": "2020-12-17T03:00:00.001Z"}
    assert null_end.attrs["state"] == "START" and null_end.attrs["ended_at"] is None

    full = node(sqlite_store, RUN_FULL)  # event_full + event_large + event_namespace_naming
    assert full.attrs["state"] == "COMPLETE"
    assert {"nominalTime", "parent", "additionalProp1", "additionalProp3"} <= set(
        full.attrs["run_facets"]
    )
    assert {"sql", "sourceCodeLocation", "documentation"} <= set(full.attrs["job_facets"])
    assert full.attrs["parent"]["run_id"] == "3f5e83fa-3480-44ff-99c5-ff943904e5e8"
    assert full.attrs["source_code_location"]["url"] == "http://example.com"
    parent = node(sqlite_store, "run:3f5e83fa-3480-44ff-99c5-ff943904e5e8")
    assert parent.attrs["stub"] is True
    assert edges(sqlite_store, RUN_FULL, EdgeKind.PARENT_RUN) == {(parent.ref, RUN_FULL)}

    # one name in three namespaces: three datasets, each named by its namespace and name
    table_refs = sorted(
        n.ref
        for n in sqlite_store.find(NodeKind.DATASET)
        if n.attrs["dataset_name"] == "instance.schema.table"
    )
    assert [ref.rsplit("@", 1)[0] for ref in table_refs] == [
        "dataset:my-datasource-namespace/instance.schema.table",
        "dataset:s3://blob-sink/instance.schema.table",
        "dataset:s3://blob-source/instance.schema.table",
    ]
    table = node(sqlite_store, table_refs[0])
    assert table.attrs["namespace"] == "my-datasource-namespace"
    assert [c["name"] for c in table.attrs["schema"]] == ["column1"]
    assert {"documentation", "schema", "dataSource", "additionalProp1"} <= set(
        table.attrs["facets"]
    )
    sink = node(sqlite_store, table_refs[1])
    assert sink.attrs["namespace"] == "s3://blob-sink"
    assert sink.attrs["data_source"] == {"name": "s3://blob-sink", "uri": "s3://blob-sink"}

    # the DatasetEvent: a dataset with its schema and no run
    static = sqlite_store.find(NodeKind.DATASET, "my-dataset-namespace/my-dataset-name")
    assert len(static) == 1
    assert static[0].attrs["schema"] == [
        {"name": "col_a", "type": "VARCHAR", "description": "string"}
    ]
    assert sqlite_store.edges_of([static[0].ref]) == []

    # the JobEvent: the job's static lineage as a job node
    job = node(sqlite_store, "run:job:my-scheduler-namespace/myjob")
    assert job.attrs["kind"] == "job"
    assert {src for src, _ in edges(sqlite_store, job.ref, EdgeKind.INPUT)} == {
        "dataset:my-datasource-namespace/instance.schema.input-1@"
        + canonical_digest12(
            {
                "namespace": "my-datasource-namespace",
                "name": "instance.schema.input-1",
                "datasetVersion": None,
            }
        )
    }


def test_the_large_event_keeps_its_facets(sqlite_store: LineageStore) -> None:
    large = MARQUEZ_DIR / "event_large.json"
    assert large.stat().st_size > 200_000
    report = ingest_openlineage(sqlite_store, [large])
    assert report.events == 1 and not report.invalid
    facets = node(sqlite_store, RUN_FULL).attrs["run_facets"]
    plan = load(large)["run"]["facets"]["parent"]["spark.logicalPlan"]
    assert len(json.dumps(plan)) > 50_000
    assert facets["parent"]["spark.logicalPlan"] == plan


def _place(schema_id: str, spec: SpecValidator) -> str:
    text = json.dumps(spec.documents[schema_id])
    for place in ("InputDatasetFacet", "OutputDatasetFacet", "RunFacet", "JobFacet"):
        if f"/$defs/{place}" in text:
            return place
    return "DatasetFacet"


def spec_example_events(spec: SpecValidator) -> list[tuple[str, str, dict[str, Any]]]:
    """Each facet example of the spec's test suite, put where its schema says it belongs in
    an otherwise minimal valid RunEvent: (example file, facet key, event). Each event is a
    minute after the one before, so the latest example of a facet is the one a run keeps."""
    made = []
    for minute, path in enumerate(sorted((SPEC_DIR / "tests").glob("*/*.json"))):
        if path.parent.name in ("tests", "LineageFacet"):
            continue  # a full event (tested elsewhere); LineageFacet is not yet in any place
        example = load(path)
        key = next(iter(example))
        places = [_place(sid, spec) for sid in spec.facet_schemas_for(key)]
        wrapped = event(
            "0195f5a4-7c21-7e3a-9d55-0a3c2b1f0e11",
            "COMPLETE",
            f"2024-03-01T{10 + minute // 60:02d}:{minute % 60:02d}:00Z",
            job=f"example.{path.parent.name}.{path.stem}",
        )
        dataset = ds(f"example_{path.parent.name}_{path.stem}")
        place = places[0]
        if place == "RunFacet":
            wrapped["run"]["facets"] = example
        elif place == "JobFacet":
            wrapped["job"]["facets"] = example
        elif place == "InputDatasetFacet":
            wrapped["inputs"] = [{**dataset, "inputFacets": example}]
        elif place == "OutputDatasetFacet":
            wrapped["outputs"] = [{**dataset, "outputFacets": example}]
        else:
            wrapped["outputs"] = [{**dataset, "facets": example}]
        made.append((f"{path.parent.name}/{path.name}", key, wrapped))
    return made


def test_every_spec_facet_example_ingests_and_is_kept(
    sqlite_store: LineageStore, spec: SpecValidator
) -> None:
    examples = spec_example_events(spec)
    assert len(examples) >= 35
    for name, key, wrapped in examples:
        assert spec.event_errors(wrapped) == [], name  # the wrapping itself is spec-valid
        report = ingest_events(sqlite_store, parse_events(json.dumps(wrapped), name))
        assert not report.invalid, (name, report.invalid)
        run = node(sqlite_store, "run:0195f5a4-7c21-7e3a-9d55-0a3c2b1f0e11")
        kept = [run.attrs.get("run_facets", {}), run.attrs.get("job_facets", {})]
        for edge in sqlite_store.edges_of([run.ref]):
            kept.append(edge.attrs.get("facets", {}))
            kept.append(
                node(sqlite_store, edge.src if edge.kind is EdgeKind.INPUT else edge.dst).attrs.get(
                    "facets", {}
                )
            )
        assert any(
            key in facets and facets[key] == next(iter(load(SPEC_DIR / "tests" / name).values()))
            for facets in kept
        ), name


# -- merging a run's events ---------------------------------------------------------------------


RUN = "0d3f2a7e-1b6c-4c8e-9a41-5f0e7d2c9b13"


def lifecycle(tmp_path: Path) -> list[dict[str, Any]]:
    start = event(
        RUN,
        "START",
        "2026-03-01T02:00:00Z",
        inputs=[ds("raw.events")],
        run_facets={"nominalTime": facet(nominalStartTime="2026-03-01T00:00:00Z")},
        job_facets={
            "sourceCodeLocation": facet(
                type="git",
                url="https://example.com/repo.git",
                version="A1B2C3D4E5F60718293A4B5C6D7E8F9012345678",
            )
        },
    )
    running = event(
        RUN,
        "RUNNING",
        "2026-03-01T02:05:00Z",
        inputs=[ds("raw.users")],
        outputs=[
            ds("features.daily", schema=facet(fields=[{"name": "user_id", "type": "BIGINT"}]))
        ],
    )
    complete = event(
        RUN,
        "COMPLETE",
        "2026-03-01T02:10:00Z",
        outputs=[
            {
                **ds(
                    "features.daily",
                    schema=facet(
                        fields=[
                            {"name": "user_id", "type": "BIGINT"},
                            {"name": "clicks", "type": "INT"},
                        ]
                    ),
                ),
                "outputFacets": {"outputStatistics": facet(rowCount=1200, size=4096)},
            }
        ],
    )
    other = event(
        RUN,
        "OTHER",
        "2026-03-01T03:00:00Z",
        run_facets={"tags": facet(tags=[{"key": "team", "value": "ml"}])},
    )
    return [start, running, complete, other]


def test_events_of_a_run_merge_additively(sqlite_store: LineageStore, tmp_path: Path) -> None:
    report = ingest_openlineage(
        sqlite_store, [write_ndjson(tmp_path / "l.ndjson", lifecycle(tmp_path))]
    )
    assert report.events == 4 and report.runs == 1 and not report.invalid
    run = node(sqlite_store, f"run:{RUN}")
    assert run.attrs["state"] == "COMPLETE"  # OTHER after COMPLETE adds facets only
    assert run.attrs["started_at"] == "2026-03-01T02:00:00.000000+00:00"
    assert run.attrs["ended_at"] == "2026-03-01T02:10:00.000000+00:00"
    assert run.source_time == datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
    assert set(run.attrs["run_facets"]) == {"nominalTime", "tags"}
    assert run.attrs["git_commit"] == "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"
    inputs = {src.split("@")[0] for src, _ in edges(sqlite_store, run.ref, EdgeKind.INPUT)}
    assert inputs == {  # the union of all events
        "dataset:postgres://db:5432/raw.events",
        "dataset:postgres://db:5432/raw.users",
    }
    [(_, out)] = edges(sqlite_store, run.ref, EdgeKind.OUTPUT)
    features = node(sqlite_store, out)
    assert [c["name"] for c in features.attrs["schema"]] == ["user_id", "clicks"]  # the latest
    assert features.attrs["row_count"] == 1200
    [out_edge] = [e for e in sqlite_store.edges_of([out]) if e.kind is EdgeKind.OUTPUT]
    assert out_edge.attrs["facets"]["outputStatistics"]["rowCount"] == 1200


def _snapshot(store: LineageStore) -> tuple[list[Any], list[Any]]:
    nodes = [(n.ref, n.attrs, n.source_time) for n in store.iter_nodes()]
    links = [(e.src, e.dst, e.kind, e.attrs, e.source_time) for e in store.iter_edges()]
    return nodes, links


def test_merge_is_idempotent_and_order_independent(tmp_path: Path) -> None:
    from graph.store import open_store

    events = lifecycle(tmp_path)
    with open_store(f"sqlite:///{tmp_path / 'a.db'}") as one:
        ingest_openlineage(one, [write_ndjson(tmp_path / "all.ndjson", events)])
        first = _snapshot(one)
        ingest_openlineage(one, [tmp_path / "all.ndjson"])
        assert _snapshot(one) == first
    with open_store(f"sqlite:///{tmp_path / 'b.db'}") as other:
        for index, single in enumerate(reversed(events)):  # one ingest per event, newest first
            ingest_openlineage(other, [write_ndjson(tmp_path / f"e{index}.json", [single])])
        assert _snapshot(other)[0] == first[0]
        assert [e[:4] for e in _snapshot(other)[1]] == [e[:4] for e in first[1]]


def test_a_failed_run_keeps_its_error_and_a_late_start_does_not_reopen_it(
    sqlite_store: LineageStore, tmp_path: Path
) -> None:
    failed = event(
        RUN,
        "FAIL",
        "2026-03-01T02:10:00Z",
        run_facets={
            "errorMessage": facet(
                message="division by zero", programmingLanguage="PYTHON", stackTrace="Traceback …"
            )
        },
    )
    start = event(RUN, "START", "2026-03-01T02:11:00Z")  # a skewed clock: START after FAIL
    ingest_openlineage(sqlite_store, [write_ndjson(tmp_path / "f.ndjson", [failed, start])])
    run = node(sqlite_store, f"run:{RUN}")
    assert run.attrs["state"] == "FAIL"
    assert run.attrs["error"]["message"] == "division by zero"
    assert run.attrs["ended_at"] == "2026-03-01T02:10:00.000000+00:00"


def test_the_marquez_listener_pair_merges_running_then_complete(
    sqlite_store: LineageStore, tmp_path: Path
) -> None:
    """listener-1 (RUNNING) and listener-2 (COMPLETE) lack schemaURL, which the spec requires:
    refused as they are, merged once it is added."""
    fixed = []
    for name in ("listener-2.json", "listener-1.json"):
        payload = load(MARQUEZ_DIR / name)
        payload["schemaURL"] = SCHEMA_URL
        fixed.append(payload)
    ingest_openlineage(sqlite_store, [write_ndjson(tmp_path / "listener.ndjson", fixed)])
    run = node(sqlite_store, "run:5e58a95c-1c71-4231-8984-ac172d5566cf")
    assert run.attrs["state"] == "COMPLETE"
    names = {
        node(sqlite_store, src).attrs["dataset_name"]
        for src, _ in edges(sqlite_store, run.ref, EdgeKind.INPUT)
    }
    assert names == {f"file://localhost/in_file{i}.txt" for i in (1, 2, 3)}
    assert len(edges(sqlite_store, run.ref, EdgeKind.OUTPUT)) == 2


def test_parent_stub_becomes_a_full_run(sqlite_store: LineageStore, tmp_path: Path) -> None:
    parent_id = "7a1c6a52-92a5-4b5e-8d0e-3a1f1b2c3d4e"
    child = event(
        RUN,
        "COMPLETE",
        "2026-03-01T02:10:00Z",
        run_facets={
            "parent": facet(
                run={"runId": parent_id.upper()}, job={"namespace": "airflow", "name": "dag"}
            )
        },
    )
    ingest_openlineage(sqlite_store, [write_ndjson(tmp_path / "c.json", [child])])
    assert node(sqlite_store, f"run:{parent_id}").attrs["stub"] is True
    ingest_openlineage(
        sqlite_store,
        [
            write_ndjson(
                tmp_path / "p.json",
                [event(parent_id, "COMPLETE", "2026-03-01T02:20:00Z", job="dag")],
            )
        ],
    )
    parent = node(sqlite_store, f"run:{parent_id}")
    assert "stub" not in parent.attrs and parent.attrs["state"] == "COMPLETE"
    assert edges(sqlite_store, parent.ref, EdgeKind.PARENT_RUN) == {(parent.ref, f"run:{RUN}")}


def test_source_code_version_links_the_run_to_its_commit(
    sqlite_store: LineageStore, tmp_path: Path
) -> None:
    sha = "0123456789abcdef0123456789abcdef01234567"
    sqlite_store.upsert([Node.make(f"commit:{sha}", {"message": "feat"})])
    run_event = event(
        RUN,
        "COMPLETE",
        "2026-03-01T02:10:00Z",
        job_facets={
            "sourceCodeLocation": facet(type="git", url="https://example.com/r.git", version=sha)
        },
    )
    report = ingest_openlineage(sqlite_store, [write_ndjson(tmp_path / "e.json", [run_event])])
    assert report.linked_commits == 1
    assert edges(sqlite_store, f"run:{RUN}", EdgeKind.CODE_OF) == {(f"commit:{sha}", f"run:{RUN}")}


def test_a_subversion_revision_is_no_git_commit(sqlite_store: LineageStore, tmp_path: Path) -> None:
    """The facet's `version` is "the git sha | Svn: the revision number": an all-digit
    revision looks like an abbreviated sha, and is not one."""
    location = facet(type="svn", url="svn://example.com/r", version="1234567")
    run_event = event(
        RUN, "COMPLETE", "2026-03-01T02:10:00Z", job_facets={"sourceCodeLocation": location}
    )
    ingest_openlineage(sqlite_store, [write_ndjson(tmp_path / "e.json", [run_event])])
    run = node(sqlite_store, f"run:{RUN}")
    assert "git_commit" not in run.attrs
    assert run.attrs["source_code_location"]["version"] == "1234567"


# -- dataset naming ------------------------------------------------------------------------------


def test_dataset_versions_and_namespaces(sqlite_store: LineageStore, tmp_path: Path) -> None:
    version = facet(datasetVersion="42")
    odd = facet(datasetVersion="s3 version/with@odd chars")
    first = event(
        RUN,
        "COMPLETE",
        "2026-03-01T02:00:00Z",
        inputs=[
            ds("orders", version=version),
            ds("orders", namespace="s3://lake"),
            ds("orders", namespace="kafka://bus", version=odd),
        ],
    )
    ingest_openlineage(sqlite_store, [write_ndjson(tmp_path / "a.json", [first])])
    refs = sorted(src for src, _ in edges(sqlite_store, f"run:{RUN}", EdgeKind.INPUT))
    odd_digest = canonical_digest12(
        {
            "namespace": "kafka://bus",
            "name": "orders",
            "datasetVersion": "s3 version/with@odd chars",
        }
    )
    lake_digest = canonical_digest12(
        {"namespace": "s3://lake", "name": "orders", "datasetVersion": None}
    )
    assert refs == [
        f"dataset:kafka://bus/orders@{odd_digest}",
        "dataset:postgres://db:5432/orders@42",
        f"dataset:s3://lake/orders@{lake_digest}",
    ]
    # a ref depends on namespace and name only: another store that saw s3://lake first
    # names every dataset the same way
    later = event(
        "1e2d3c4b-5a69-4788-97a6-b5c4d3e2f101",
        "COMPLETE",
        "2026-03-02T02:00:00Z",
        inputs=[ds("orders", namespace="s3://lake")],
        outputs=[ds("orders")],
    )
    with open_store(f"sqlite:///{tmp_path / 'other.db'}") as other:
        ingest_openlineage(other, [write_ndjson(tmp_path / "b.json", [later])])
        ingest_openlineage(other, [tmp_path / "a.json"])
        assert sorted(src for src, _ in edges(other, f"run:{RUN}", EdgeKind.INPUT)) == refs
    ingest_openlineage(sqlite_store, [tmp_path / "b.json"])
    run2 = "run:1e2d3c4b-5a69-4788-97a6-b5c4d3e2f101"
    assert {s.split("@")[0] for s, _ in edges(sqlite_store, run2, EdgeKind.INPUT)} == {
        "dataset:s3://lake/orders"
    }
    assert {d.split("@")[0] for _, d in edges(sqlite_store, run2, EdgeKind.OUTPUT)} == {
        "dataset:postgres://db:5432/orders"
    }
    assert sqlite_store.resolve("postgres://db:5432/orders@42") == refs[1]


# -- invalid input --------------------------------------------------------------------------------


def test_invalid_events_are_reported_with_position_and_valid_ones_kept(
    sqlite_store: LineageStore, tmp_path: Path
) -> None:
    good = event(RUN, "COMPLETE", "2026-03-01T02:00:00Z")
    bad_id = copy.deepcopy(good)
    bad_id["run"]["runId"] = "not-a-uuid"
    no_namespace = copy.deepcopy(good)
    del no_namespace["job"]["namespace"]
    bad_type = copy.deepcopy(good)
    bad_type["eventType"] = "DONE"
    bad_facet = copy.deepcopy(good)
    bad_facet["run"]["facets"] = {"nominalTime": {"nominalStartTime": "2026-01-01T00:00:00Z"}}
    lines = [
        json.dumps(good),
        json.dumps(bad_id),
        "{not json",
        json.dumps(no_namespace),
        json.dumps(bad_type),
        json.dumps(bad_facet),
        json.dumps([good, 7]),
        "42",
    ]
    path = tmp_path / "mixed.ndjson"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = ingest_openlineage(sqlite_store, [path])
    assert report.events == 2
    assert [(bad.position.rsplit("/", 1)[-1], bad.reason) for bad in report.invalid] == [
        ("mixed.ndjson:2", "run.runId 'not-a-uuid' is not a UUID"),
        (
            "mixed.ndjson:3",
            "not JSON: Expecting property name enclosed in double quotes at line 3 column 2",
        ),
        ("mixed.ndjson:4", "job.namespace is required"),
        (
            "mixed.ndjson:5",
            "eventType 'DONE' is not one of START, RUNNING, COMPLETE, ABORT, FAIL, OTHER",
        ),
        ("mixed.ndjson:6", "run.facets.nominalTime._producer is required"),
        ("mixed.ndjson:7[1]", "an event must be a JSON object, not a number"),
        ("mixed.ndjson:8", "an event must be a JSON object, not a number"),
    ]
    assert node(sqlite_store, f"run:{RUN}").attrs["state"] == "COMPLETE"


def test_input_shapes_array_object_ndjson_and_stdin() -> None:
    one = event(RUN, "START", "2026-03-01T02:00:00Z")
    two = event(RUN, "COMPLETE", "2026-03-01T03:00:00Z")
    assert [e.position for e in parse_events(json.dumps([one, two]), "f").events] == [
        "f[0]",
        "f[1]",
    ]
    assert [e.position for e in parse_events(json.dumps(one, indent=2), "f").events] == ["f"]
    pretty = json.dumps(one, indent=2) + "\n" + json.dumps(two, indent=2)
    second_line = json.dumps(one, indent=2).count("\n") + 2
    assert [e.position for e in parse_events(pretty, "f").events] == ["f:1", f"f:{second_line}"]
    batch = read_events(["-"], stdin=io.StringIO(json.dumps(one) + "\n" + json.dumps(two)))
    assert [(e.position, e.kind) for e in batch.events] == [
        ("<stdin>:1", EventKind.RUN),
        ("<stdin>:2", EventKind.RUN),
    ]


def test_unreadable_inputs(tmp_path: Path, sqlite_store: LineageStore) -> None:
    with pytest.raises(IngestError, match="no such file or folder"):
        ingest_openlineage(sqlite_store, [tmp_path / "missing.json"])
    (tmp_path / "latin1.json").write_bytes(b'{"name": "caf\xe9"}')
    (tmp_path / "notes.txt").write_text("ignored: not an event file")
    report = ingest_openlineage(sqlite_store, [tmp_path])
    assert report.files == 1
    assert [bad.reason for bad in report.invalid] == ["not UTF-8 text (invalid continuation byte)"]
    assert sqlite_store.counts().nodes == {}


def test_job_and_dataset_both_is_ambiguous() -> None:
    both = {
        "eventTime": "2026-03-01T00:00:00Z",
        "producer": PRODUCER,
        "schemaURL": SCHEMA_URL,
        "job": {"namespace": "n", "name": "j"},
        "dataset": {"namespace": "n", "name": "d"},
    }
    [bad] = parse_events(json.dumps(both), "x").invalid
    assert "matches both JobEvent and DatasetEvent" in bad.reason


def test_on_postgresql_too(pg_url: str) -> None:
    from graph.store import open_store

    with open_store(pg_url) as store:
        report = ingest_openlineage(store, [MARQUEZ_DIR])
        assert report.events == 12
        assert store.counts().nodes == {"dataset": 9, "run": 8}
        assert (
            node(store, "run:1d8f4596-b3f2-4ebb-9e75-8ecc955b834a").attrs["job"]["name"]
            == "myjob.buggy_task🕷"
        )


def test_unchanged_files_are_skipped_when_asked(sqlite_store: LineageStore, tmp_path: Path) -> None:
    folder = tmp_path / "lineage"
    folder.mkdir()
    write_ndjson(folder / "a.ndjson", lifecycle(tmp_path)[:2])
    bad = copy.deepcopy(lifecycle(tmp_path)[2])
    del bad["producer"]
    write_ndjson(folder / "b.ndjson", [bad])
    first = ingest_openlineage(sqlite_store, [folder], skip_unchanged=True)
    assert (first.files, first.events, len(first.invalid), first.skipped_files) == (2, 2, 1, 0)
    second = ingest_openlineage(sqlite_store, [folder], skip_unchanged=True)
    # a.ndjson is skipped; b.ndjson had an invalid event, so it is read and reported again
    assert (second.files, second.events, len(second.invalid), second.skipped_files) == (1, 0, 1, 1)
    write_ndjson(folder / "b.ndjson", lifecycle(tmp_path)[2:])
    third = ingest_openlineage(sqlite_store, [folder], skip_unchanged=True)
    assert (third.files, third.events, third.invalid, third.skipped_files) == (1, 2, [], 1)
    assert node(sqlite_store, f"run:{RUN}").attrs["state"] == "COMPLETE"
    assert ingest_openlineage(sqlite_store, [folder]).events == 4  # by default, everything


def test_a_deleted_job_facet_is_dropped(sqlite_store: LineageStore, tmp_path: Path) -> None:
    start = lifecycle(tmp_path)[0]
    deleted = event(
        RUN,
        "COMPLETE",
        "2026-03-01T02:10:00Z",
        job_facets={"sourceCodeLocation": facet(_deleted=True)},
    )
    ingest_openlineage(sqlite_store, [write_ndjson(tmp_path / "d.ndjson", [start, deleted])])
    run = node(sqlite_store, f"run:{RUN}")
    assert "git_commit" not in run.attrs and "source_code_location" not in run.attrs
    assert run.attrs["job_facets"]["sourceCodeLocation"]["_deleted"] is True
