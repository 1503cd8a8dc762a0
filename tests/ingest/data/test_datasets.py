"""`ingest data` into a real store (SQLite and PostgreSQL): versions, history, bookkeeping."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from graph.errors import IngestError
from graph.ingest.data import (
    default_name,
    expand_data_paths,
    ingest_datasets,
    version_at,
)
from graph.refs import EdgeKind, NodeKind
from graph.store import LineageStore


def _age(path: Path, seconds: int = 60) -> None:
    past = time.time_ns() - seconds * 1_000_000_000
    os.utime(path, ns=(past, past))


def _snapshot(store: LineageStore) -> tuple[list, list]:
    nodes = [(n.ref, n.attrs, n.source_time) for n in store.iter_nodes()]
    edges = [(e.src, e.dst, e.kind, e.attrs) for e in store.iter_edges()]
    return nodes, edges


def test_a_csv_becomes_a_profiled_dataset_version(tmp_path: Path, store: LineageStore) -> None:
    path = tmp_path / "data" / "ratings.csv"
    path.parent.mkdir()
    path.write_text("user,rating,note\n1,4.5,ok\n2,,\x00weird\n3,2.0,ok\n")
    _age(path)
    result = ingest_datasets(store, [path], root=tmp_path)
    [version] = result.datasets
    node = store.get(version.ref)
    assert node is not None and node.kind is NodeKind.DATASET
    assert version.ref == f"dataset:ratings@{node.attrs['digest'][:12]}"
    attrs = node.attrs
    assert (attrs["path"], attrs["format"], attrs["algorithm"]) == (
        "data/ratings.csv",
        "csv",
        "blake3",
    )
    assert attrs["size"] == path.stat().st_size and attrs["row_count"] == 3
    assert attrs["schema"] == [
        {"name": "user", "type": "int64"},
        {"name": "rating", "type": "double"},
        {"name": "note", "type": "string"},
    ]
    rating = attrs["profile"]["columns"][1]
    assert (rating["null_rate"], rating["min"], rating["max"]) == (pytest.approx(1 / 3), 2.0, 4.5)
    assert "\x00" not in str(attrs["profile"])  # cell text is cleaned for jsonb
    assert node.source_time.timestamp() == pytest.approx(path.stat().st_mtime, abs=1e-3)


def test_same_content_twice_is_idempotent_and_not_reread(
    tmp_path: Path, store: LineageStore
) -> None:
    path = tmp_path / "ratings.csv"
    path.write_text("a,b\n1,2\n")
    _age(path)
    first = ingest_datasets(store, [path])
    before = _snapshot(store)
    again = ingest_datasets(store, [path])
    assert again.bytes_read == 0 and again.datasets[0].status == "unchanged"
    assert again.datasets[0].ref == first.datasets[0].ref
    assert _snapshot(store) == before


def test_new_content_is_a_new_version_linked_from_the_old(
    tmp_path: Path, sqlite_store: LineageStore
) -> None:
    path = tmp_path / "ratings.csv"
    path.write_text("a\n1\n2\n")
    _age(path, 120)
    v1 = ingest_datasets(sqlite_store, [path]).datasets[0]
    path.write_text("a,b\n1,x\n2,y\n3,z\n")
    _age(path, 60)
    v2 = ingest_datasets(sqlite_store, [path]).datasets[0]
    assert v1.ref != v2.ref and v2.previous == v1.ref and v2.row_count == 3
    [edge] = [e for e in sqlite_store.edges_of([v2.ref]) if e.kind is EdgeKind.PREVIOUS]
    assert (edge.src, edge.dst) == (v1.ref, v2.ref)
    assert [n.ref for n in sqlite_store.find(NodeKind.DATASET, "ratings")] == [v1.ref, v2.ref]
    # which content was at the path when: what the MLflow ingester asks
    mtime1 = sqlite_store.get(v1.ref).source_time.timestamp()
    assert version_at(sqlite_store, path, int((mtime1 + 1) * 1e9))["ref"] == v1.ref
    assert version_at(sqlite_store, path, time.time_ns())["ref"] == v2.ref
    assert version_at(sqlite_store, path, int((mtime1 - 1) * 1e9)) is None
    path.write_text("changed, never ingested\n")
    assert version_at(sqlite_store, path, time.time_ns() + 10**9) is None


def test_name_option_and_folders(tmp_path: Path, sqlite_store: LineageStore) -> None:
    folder = tmp_path / "events"
    folder.mkdir()
    (folder / "part-0.jsonl").write_text('{"x": 1}\n{"x": 2}\n')
    (folder / "part-1.jsonl").write_text('{"x": 3}\n')
    (folder / "_SUCCESS").write_text("")
    [version] = ingest_datasets(sqlite_store, [folder], name="clicks").datasets
    attrs = sqlite_store.get(version.ref).attrs
    assert version.ref.startswith("dataset:clicks@")
    assert (attrs["files"], attrs["format"], attrs["row_count"]) == (3, "jsonl", 3)


def test_other_formats_are_fingerprinted_only(tmp_path: Path, sqlite_store: LineageStore) -> None:
    blob = tmp_path / "embeddings.npy"
    blob.write_bytes(b"\x93NUMPY" + bytes(100))
    [version] = ingest_datasets(sqlite_store, [blob]).datasets
    attrs = sqlite_store.get(version.ref).attrs
    assert version.format is None and "profile" not in attrs and attrs["size"] == 106


def test_a_malformed_csv_is_kept_with_its_profile_error(
    tmp_path: Path, sqlite_store: LineageStore
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n3,4,5\n")
    [version] = ingest_datasets(sqlite_store, [bad]).datasets
    assert version.profile_error and "bad.csv" in version.profile_error
    assert "profile" not in sqlite_store.get(version.ref).attrs


def test_bad_arguments_write_nothing(tmp_path: Path, sqlite_store: LineageStore) -> None:
    good = tmp_path / "good.csv"
    good.write_text("a\n1\n")
    with pytest.raises(IngestError, match="does not exist"):
        ingest_datasets(sqlite_store, [good, tmp_path / "missing.csv"])
    with pytest.raises(IngestError, match="exactly one PATH"):
        ingest_datasets(sqlite_store, [good, good], name="x")
    assert sqlite_store.counts().nodes == {}


def test_default_names_and_globs(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    for name in ("a.csv", "b.csv", "c.parquet"):
        (tmp_path / "data" / name).write_text("x\n")
    assert default_name(Path("data/ratings.csv.gz")) == "ratings"
    assert default_name(Path("data/ratings.csv")) == "ratings"
    found = expand_data_paths(["data/*.csv", "data/*.parquet"], tmp_path)
    assert [p.name for p in found] == ["a.csv", "b.csv", "c.parquet"]
    with pytest.raises(IngestError, match="matches nothing"):
        expand_data_paths(["nope/*.csv"], tmp_path)
