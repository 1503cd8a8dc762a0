"""The link step on OpenLineage datasets that name files (the spec's `file` and `file://{host}`
namespaces, name = absolute path): each run's read or write becomes the content node of that
file, its OpenLineage name an alias, never a node of its own.

A real git repository (a committed data file in two versions), real files on disk with set
mtimes (a feature file and an output the runs exchange, both git-ignored), and real RunEvents in
the shape of the spec's (validated against the vendored schema), ingested through the sources'
own `run` (as `agentops ingest` and `sync` do) in three orders, once and twice, and one event
at a time.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from graph.export.openlineage import export_openlineage
from graph.refs import EdgeKind, NodeKind
from graph.store import LineageStore, open_store
from tests.ingest.link.test_link_identity import blake3_12, comparable, git, ingest
from tests.ingest.openlineage.ol_spec_validator import SpecValidator

TRAIN_A = "user,item,rating\n1,10,4\n2,11,5\n3,12,3\n"
TRAIN_B = "user,item,rating\n1,10,4\n2,11,\n3,12,\n4,13,2\n"
USERS = "user,age\n1,31\n2,45\n3,27\n4,52\n"
SCORES = "user,score\n1,0.4\n2,0.9\n"
ELSEWHERE = "code,label\na,1\n"
RUN_0, RUN_1, RUN_2 = (
    "00000000-0000-4000-8000-000000000000",
    "11111111-1111-4111-8111-111111111111",
    "22222222-2222-4222-8222-222222222222",
)
PRODUCER = "https://github.com/OpenLineage/OpenLineage/tree/1.24.2/client/python"
SCHEMA = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
FACETS = "https://openlineage.io/spec/facets/1-0-0/{}.json"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def facet(name: str, **body: Any) -> dict[str, Any]:
    return {"_producer": PRODUCER, "_schemaURL": FACETS.format(name), **body}


def file_ds(path: Path, side: str = "", namespace: str = "file", **stats: int) -> dict[str, Any]:
    """A dataset as the spec names a file: namespace `file` (or `file://{host}`), name = path."""
    made: dict[str, Any] = {"namespace": namespace, "name": str(path), "facets": {}}
    if stats:
        key = f"{side}Statistics"
        made[f"{side}Facets"] = {
            key: facet(f"{side.title()}Statistics{side.title()}DatasetFacet", **stats)
        }
    return made


def run_event(
    run_id: str, kind: str, time: str, commit: str | None, inputs=(), outputs=()
) -> dict[str, Any]:
    job_facets = {}
    if commit:
        job_facets["sourceCodeLocation"] = facet(
            "SourceCodeLocationJobFacet",
            type="git",
            url="https://example.com/r.git",
            version=commit,
        )
    return {
        "eventType": kind,
        "eventTime": time,
        "producer": PRODUCER,
        "schemaURL": SCHEMA,
        "run": {"runId": run_id, "facets": {}},
        "job": {"namespace": "scoring", "name": f"job-{run_id[:4]}", "facets": job_facets},
        "inputs": list(inputs),
        "outputs": list(outputs),
    }


@dataclass
class Project:
    root: Path
    events: Path
    commits: list[str]
    outside: Path


def set_mtime(path: Path, text: str, when: str) -> None:
    path.write_text(text)
    stamp = at(when).timestamp()
    os.utime(path, (stamp, stamp))


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """run1 (commit 1) reads train.csv and a file outside the project, writes out/scores.csv;
    run2 (commit 2) reads train.csv (named `file://trainer-1`), features/users.csv and what run1
    wrote; run0 (no commit) read users.csv before the version `ingest data` saw was written."""
    base = tmp_path_factory.mktemp("ol-files")
    root = base / "project"
    for folder in ("data", "features", "out", "lineage"):
        (root / folder).mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    (root / ".gitignore").write_text("features/\nout/\nlineage/\n")
    commits = []
    for train in (TRAIN_A, TRAIN_B):
        (root / "data" / "train.csv").write_text(train)
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "train data")
        commits.append(git(root, "rev-parse", "HEAD"))
    set_mtime(root / "features" / "users.csv", USERS, "2026-03-01T09:00:00Z")
    set_mtime(root / "out" / "scores.csv", SCORES, "2026-03-01T10:05:00Z")
    outside = base / "elsewhere" / "labels.csv"
    outside.parent.mkdir()
    outside.write_text(ELSEWHERE)
    train, users, scores = (
        root / "data" / "train.csv",
        root / "features" / "users.csv",
        root / "out" / "scores.csv",
    )
    events = [
        run_event(RUN_0, "START", "2026-03-01T08:00:00Z", None, [file_ds(users)]),
        run_event(RUN_0, "COMPLETE", "2026-03-01T08:30:00Z", None),
        run_event(  # the rows known at the start, the bytes read at the end
            RUN_1,
            "START",
            "2026-03-01T10:00:00Z",
            commits[0],
            [file_ds(train, "input", rowCount=3)],
        ),
        run_event(
            RUN_1,
            "COMPLETE",
            "2026-03-01T10:10:00Z",
            commits[0],
            [file_ds(train, "input", rowCount=3, size=len(TRAIN_A)), file_ds(outside)],
            [file_ds(scores, "output", rowCount=2)],
        ),
        run_event(
            RUN_2,
            "START",
            "2026-03-01T11:00:00Z",
            commits[1],
            [file_ds(train, namespace="file://trainer-1"), file_ds(users), file_ds(scores)],
        ),
        run_event(RUN_2, "COMPLETE", "2026-03-01T11:30:00Z", commits[1]),
    ]
    path = root / "lineage" / "events.ndjson"
    path.write_text("".join(json.dumps(e) + "\n" for e in events))
    return Project(root, path, commits, outside)


def ingest_all(store: LineageStore, p: Project, order: tuple[str, ...]) -> None:
    tables: dict[str, dict[str, Any]] = {
        "git": {},
        "data": {"paths": ["features/*.csv", "out/*.csv"]},
        "openlineage": {"paths": [str(p.events)]},
    }
    for name in order:
        ingest(store, p.root, name, **tables[name])


def inputs_of(store: LineageStore, run: str) -> dict[str, dict[str, Any]]:
    return {e.src: e.attrs for e in store.edges_of([f"run:{run}"]) if e.kind is EdgeKind.INPUT}


def test_the_events_are_spec_events(project: Project) -> None:
    spec = SpecValidator()
    for line in project.events.read_text().splitlines():
        assert spec.event_errors(json.loads(line)) == []


ORDERS = [
    ("openlineage", "git", "data"),
    ("git", "data", "openlineage"),
    ("data", "openlineage", "git"),
]


@pytest.fixture(scope="module")
def dumps(project: Project, tmp_path_factory: pytest.TempPathFactory) -> dict[tuple, Any]:
    """Each order's graph, once and after every ingest again; the last order's store is kept
    open for the assertions on what it holds."""
    found = {}
    folder = tmp_path_factory.mktemp("stores")
    for order in ORDERS:
        with open_store(f"sqlite:///{folder / ('-'.join(order) + '.db')}") as store:
            ingest_all(store, project, order)
            once = comparable(store)
            ingest_all(store, project, order)
            found[order] = (once, comparable(store))
    return found


def test_any_order_once_or_twice_gives_one_graph(dumps: dict[tuple, Any]) -> None:
    first = dumps[ORDERS[0]][0]
    for order, (once, twice) in dumps.items():
        assert twice == once, order
        assert once == first, order


def test_a_file_read_or_written_is_its_content_node(project: Project, tmp_path: Path) -> None:
    p = project
    with open_store(f"sqlite:///{tmp_path / 'lineage.db'}") as store:
        ingest_all(store, p, ORDERS[0])
        train_a, train_b = (f"dataset:train@{blake3_12(t)}" for t in (TRAIN_A, TRAIN_B))
        users, scores = f"dataset:users@{blake3_12(USERS)}", f"dataset:scores@{blake3_12(SCORES)}"
        # run1 read train.csv as committed at its commit, and wrote scores.csv
        run1 = inputs_of(store, RUN_1)
        assert run1[train_a]["identity"] == "blake3" and run1[train_a]["matched_by"] == "git"
        read = run1[train_a]["facets"]["inputStatistics"]  # the latest event's, on the edge
        assert (read["rowCount"], read["size"]) == (3, len(TRAIN_A))
        [written] = [e for e in store.edges_of([f"run:{RUN_1}"]) if e.kind is EdgeKind.OUTPUT]
        assert (written.dst, written.attrs["matched_by"]) == (scores, "path+time")
        # run2 read the next commit's train.csv, users.csv as `ingest data` saw it, and
        # what run1 wrote: one node between the two runs
        run2 = inputs_of(store, RUN_2)
        assert {ref: a["matched_by"] for ref, a in run2.items()} == {
            train_b: "git",
            users: "path+time",
            scores: "path+time",
        }
        # the OpenLineage names are aliases of the content, not nodes
        train_path, scores_path = p.root / "data" / "train.csv", p.root / "out" / "scores.csv"
        assert store.get(train_a).attrs["aliases"] == {"openlineage": [f"file/{train_path}"]}
        assert store.get(train_b).attrs["aliases"] == {
            "openlineage": [f"file://trainer-1/{train_path}"]
        }
        assert store.get(scores).attrs["aliases"] == {"openlineage": [f"file/{scores_path}"]}
        left = {
            n.attrs["dataset_name"]: n
            for n in store.find(NodeKind.DATASET)
            if n.attrs.get("source") == "openlineage"
        }
        assert set(left) == {str(p.root / "features" / "users.csv"), str(p.outside)}
        # unresolvable: one node each, saying why
        stale = left[str(p.root / "features" / "users.csv")]
        assert stale.attrs["content"] == "unreachable"
        assert "ingest data never saw the file then" in stale.attrs["content_reason"]
        assert [e.dst for e in store.edges_of([stale.ref])] == [f"run:{RUN_0}"]
        outside = left[str(p.outside)]
        assert outside.attrs["content"] == "unreachable"
        assert "outside the project" in outside.attrs["content_reason"]
        assert [e.dst for e in store.edges_of([outside.ref])] == [f"run:{RUN_1}"]
        # exported again, each file keeps the name OpenLineage gave it, in a valid event
        [event] = [
            e for e in export_openlineage(store, [f"run:{RUN_2}"]) if e["run"]["runId"] == RUN_2
        ]
        assert SpecValidator().event_errors(event) == []
        assert {(d["namespace"], d["name"]) for d in event["inputs"]} == {
            ("file://trainer-1", str(train_path)),
            ("file", str(p.root / "features" / "users.csv")),
            ("file", str(scores_path)),
        }


def test_events_in_separate_batches_in_any_order_give_the_same_graph(
    project: Project, tmp_path: Path
) -> None:
    """One event per file (what a file transport writing an event per file leaves), read one
    at a time, in order and last first: a COMPLETE's input facets that arrive after the START
    moved the run's edge to the content are kept, and the graph is the one all events at once
    give."""
    lines = project.events.read_text().splitlines()
    graphs = []
    for name, batches in (
        ("together", [lines]),
        ("in-order", [[line] for line in lines]),
        ("last-first", [[line] for line in reversed(lines)]),
    ):
        with open_store(f"sqlite:///{tmp_path / (name + '.db')}") as store:
            ingest_all(store, project, ("git", "data"))
            for index, batch in enumerate(batches):
                events = tmp_path / name / f"{index}.ndjson"
                events.parent.mkdir(exist_ok=True)
                events.write_text("\n".join(batch) + "\n")
                ingest(store, project.root, "openlineage", paths=[str(events)])
            graphs.append(comparable(store))
    assert graphs[0] == graphs[1] == graphs[2]
    [train] = [
        r
        for r in graphs[1]
        if r.get("src", "").startswith("dataset:train@")
        and r["kind"] == "input"
        and r["dst"] == f"run:{RUN_1}"
    ]
    assert train["attrs"]["facets"]["inputStatistics"]["size"] == len(TRAIN_A)


def test_sync_says_what_waits_for_which_ingest(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`agentops sync --json` with only the events declared, then with git too: the link step
    reports each unresolved file with why, and folds the committed one once git is read."""
    from agentops.cli import app

    monkeypatch.delenv("AGENTOPS_DB_URL", raising=False)
    config = project.root / "agentops.toml"
    argv = ["-C", str(project.root), "--db", f"sqlite:///{tmp_path / 'cli.db'}", "sync", "--json"]
    links = []
    try:
        for tables in ("", '[sources.git]\npath = "."\n'):
            config.write_text(f'[sources.openlineage]\npaths = ["lineage/"]\n{tables}')
            result = CliRunner().invoke(app, argv, catch_exceptions=False)
            assert result.exit_code == 0, result.output
            links.append({o["source"]: o["link"] for o in json.loads(result.stdout)["sources"]})
    finally:
        config.unlink()
    alone = links[0]["openlineage"]
    reasons = sorted(alone["unreachable"].values())
    assert len(reasons) == 5 and not alone["folded"]  # train.csv ×2, users, scores, outside
    assert sum("is not versioned: run ingest git" in r for r in reasons) == 2
    after_git = links[1]["git"]  # git runs first; the events file is unchanged, not re-read
    assert len(after_git["folded"]) == 2
    assert all("/data/train.csv@" in ref for ref in after_git["folded"])
    assert len(after_git["unreachable"]) == 3
    assert links[1]["openlineage"]["unreachable"] == after_git["unreachable"]


def test_a_write_is_the_version_left_in_the_run_s_span() -> None:
    """The version a run wrote: the last one there by its end, written after its start, with
    the rows the run reported; before the start, it was there already; unknown, it is not."""
    from graph.ingest.data import version_written_between

    def ns(text: str) -> int:
        return int(at(text).timestamp()) * 1_000_000_000

    timeline = [
        {"ref": "dataset:x@old", "digest": "old", "mtime_ns": ns("2026-03-01T09:00:00Z")},
        {
            "ref": "dataset:x@new",
            "digest": "new",
            "mtime_ns": ns("2026-03-01T10:05:00Z"),
            "row_count": 2,
        },
        {"ref": None, "digest": None, "mtime_ns": ns("2026-03-01T12:00:00Z")},
    ]
    start, end = at("2026-03-01T10:00:00Z"), at("2026-03-01T10:10:00Z")
    assert version_written_between(timeline, start, end, 2) == "dataset:x@new"
    assert version_written_between(timeline, start, end, None) == "dataset:x@new"
    assert version_written_between(timeline, start, end, 5) is None  # other rows: not this one
    late = at("2026-03-01T11:00:00Z")
    assert version_written_between(timeline, late, at("2026-03-01T11:30:00Z"), None) is None
    assert version_written_between(timeline, late, at("2026-03-01T12:30:00Z"), None) is None
