"""DVC-tracked data joins the lineage: old versions come from the DVC cache, profiled, and an
MLflow input whose source path DVC tracks is the version DVC recorded for it.

A real git repository shaped as DVC leaves it: the data file git-ignored, its bytes in the DVC
cache, and `dvc.lock` committed right after each `dvc repro` (so the run at a commit read what
the *next* commit's lock records). Real MLflow runs log the file with
`mlflow.data.from_pandas(frame, source=<path>)`, MLflow's own pandas digest.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from graph.ingest.dvc.cache import cache_dir, cache_entry
from graph.refs import EdgeKind, NodeKind
from graph.store import open_store
from tests.ingest.dvc.dvc_repo import DvcRepo, lock_entry, md5, write_lock
from tests.ingest.link.test_link_identity import blake3_12, comparable, ingest

PATH = "data/features.csv"
VERSIONS = (
    "user,age,clicked\n1,31,0\n2,45,1\n3,22,0\n",
    "user,age,clicked\n1,31,0\n2,45,1\n3,22,0\n4,,1\n5,,0\n",  # more rows, age nulls
)


@dataclass
class Project:
    repo: DvcRepo
    uri: str
    runs: list[str]


def _cache(repo: DvcRepo, data: bytes, layout: str) -> None:
    digest = md5(data)
    folder = repo.root / ".dvc" / "cache"
    entry = (folder / "files" / "md5" if layout == "dvc3" else folder) / digest[:2] / digest[2:]
    entry.parent.mkdir(parents=True, exist_ok=True)
    entry.write_bytes(data)


def _log_run(client: Any, experiment: str, root: Path, commit: str, digest: str | None) -> str:
    import mlflow.data
    import pandas as pd
    from mlflow.entities import Dataset, DatasetInput, InputTag

    run_id = client.create_run(experiment, tags={"mlflow.source.git.commit": commit}).info.run_id
    entity = mlflow.data.from_pandas(
        pd.read_csv(root / PATH), source=PATH, name="features"
    )._to_mlflow_entity()
    if digest is not None:  # a logger that wrote some other digest: only rows can tell
        entity = Dataset(
            entity.name, digest, entity.source_type, entity.source, entity.schema, entity.profile
        )
    tag = InputTag(key="mlflow.data.context", value="training")
    client.log_inputs(run_id, datasets=[DatasetInput(dataset=entity, tags=[tag])])
    client.set_terminated(run_id, "FINISHED")
    return run_id


def build(root: Path, mlflow_db: Path, digest: str | None = None) -> Project:
    """Two `dvc repro` runs, each logged to MLflow at HEAD, then `dvc.lock` committed."""
    from mlflow import MlflowClient

    repo = DvcRepo(root)
    root.mkdir(parents=True)
    repo.git("init", "-q", "-b", "main")
    repo.write(".gitignore", f"/{PATH}\nmlflow.db\n")
    repo.write(".dvc/config", "[core]\n    autostage = true\n")
    repo.write("featurize.py", "print('featurize')\n")
    repo.commit("featurize stage")
    uri = f"sqlite:///{mlflow_db}"
    client = MlflowClient(tracking_uri=uri)
    experiment = client.create_experiment("train", artifact_location=(root / "mla").as_uri())
    runs = []
    for number, text in enumerate(VERSIONS):
        data = text.encode()
        repo.write(PATH, data)  # `dvc repro` wrote it and cached it
        _cache(repo, data, "dvc3")
        head = repo.git("rev-parse", "HEAD")
        logged = f"{digest}{number}" if digest else None  # one MLflow digest per content
        runs.append(_log_run(client, experiment, root, head, logged))
        stage = lock_entry("python featurize.py", [], [(PATH, md5(data), len(data))])
        write_lock(repo, {"featurize": stage})
        repo.commit(f"repro {number}")
    return Project(repo, uri, runs)


def inputs_of(store: Any, run_id: str) -> list[Any]:
    return [e for e in store.edges_of([f"run:{run_id}"]) if e.kind is EdgeKind.INPUT]


def test_mlflow_inputs_of_dvc_tracked_files_are_the_versions_dvc_recorded(
    tmp_path: Path, mlflow_db: Path
) -> None:
    p = build(tmp_path / "project", mlflow_db)
    dumps = []
    for order in (("mlflow", "dvc"), ("dvc", "mlflow")):
        with open_store(f"sqlite:///{tmp_path / ('-'.join(order) + '.db')}") as store:
            for name in order:
                ingest(
                    store, p.repo.root, name, **({"tracking_uri": p.uri} if name != "dvc" else {})
                )
            for run_id, text in zip(p.runs, VERSIONS, strict=True):
                [edge] = inputs_of(store, run_id)
                assert edge.src == f"dataset:features@{blake3_12(text)}", order
                assert (edge.attrs["identity"], edge.attrs["matched_by"]) == (
                    "blake3",
                    "dvc+digest",
                )
                node = store.get(edge.src)
                assert node.attrs["row_count"] == text.count("\n") - 1 and node.attrs["profile"]
                assert node.attrs["aliases"]["md5"] == [md5(text.encode())]
                assert node.attrs["aliases"]["mlflow"]
            assert not [n for n in store.find(NodeKind.DATASET) if n.attrs.get("content")]
            once = comparable(store)
            for name in order:  # twice == once
                ingest(
                    store, p.repo.root, name, **({"tracking_uri": p.uri} if name != "dvc" else {})
                )
            assert comparable(store) == once
            dumps.append(once)
    assert json.dumps(dumps[0], sort_keys=True) == json.dumps(dumps[1], sort_keys=True)


def test_the_row_count_decides_when_the_digest_is_not_mlflows_pandas_digest(
    tmp_path: Path, mlflow_db: Path
) -> None:
    p = build(tmp_path / "project", mlflow_db, digest="rows")
    with open_store(f"sqlite:///{tmp_path / 'lineage.db'}") as store:
        ingest(store, p.repo.root, "mlflow", tracking_uri=p.uri)
        for run_id, text in zip(p.runs, VERSIONS, strict=True):
            [edge] = inputs_of(store, run_id)
            assert edge.src == f"dataset:features@{blake3_12(text)}"
            assert edge.attrs["matched_by"] == "dvc+rows"


def test_a_version_dvc_never_recorded_stays_a_placeholder_saying_why(
    tmp_path: Path, mlflow_db: Path
) -> None:
    p = build(tmp_path / "project", mlflow_db, digest="gone")
    for text in VERSIONS:  # neither the cache nor the work tree holds what was recorded
        data = text.encode()
        (p.repo.root / ".dvc/cache/files/md5" / md5(data)[:2] / md5(data)[2:]).unlink()
    (p.repo.root / PATH).write_text("user,age,clicked\n9,9,9\n")
    with open_store(f"sqlite:///{tmp_path / 'lineage.db'}") as store:
        ingest(store, p.repo.root, "mlflow", tracking_uri=p.uri)
        [edge] = inputs_of(store, p.runs[0])
        node = store.get(edge.src)
        assert node.attrs["content"] == "unreachable"
        assert (
            "DVC recorded" in node.attrs["content_reason"] and PATH in node.attrs["content_reason"]
        )


@pytest.mark.parametrize("layout", ["dvc2", "dvc3"])
def test_an_old_version_is_profiled_from_the_dvc_cache(tmp_path: Path, layout: str) -> None:
    """No `ingest data` ever saw the old bytes: the cache entry is versioned as the file at
    its DVC path would be (named by its stem, profiled), and DVC's md5 node folds into it."""
    repo = DvcRepo(tmp_path / "project")
    repo.root.mkdir()
    repo.git("init", "-q", "-b", "main")
    repo.write(".gitignore", "/data/raw.csv\n")
    cache = "../../dvc-cache" if layout == "dvc2" else None
    if cache:  # a cache moved out of the project by `dvc cache dir`, relative to .dvc/
        repo.write(".dvc/config", f"[cache]\n    dir = {cache}\n")
    for text in VERSIONS:
        data = text.encode()
        repo.write("data/raw.csv", data)
        out = {"md5": md5(data), "size": len(data), "hash": "md5", "path": "raw.csv"}
        repo.write("data/raw.csv.dvc", json.dumps({"outs": [out]}))
        repo.commit("new export")
        digest = md5(data)
        entry = cache_dir(repo.root) / (
            Path(digest[:2]) if cache else Path("files/md5") / digest[:2]
        )
        entry.mkdir(parents=True, exist_ok=True)
        (entry / digest[2:]).write_bytes(data)
    assert cache_entry(repo.root, md5(VERSIONS[0].encode())) is not None
    if cache:
        assert cache_dir(repo.root).resolve() == (tmp_path / "dvc-cache").resolve()
    with open_store(f"sqlite:///{tmp_path / 'lineage.db'}") as store:
        ingest(store, repo.root, "dvc")
        old = store.get(f"dataset:raw@{blake3_12(VERSIONS[0])}")
        assert old is not None and old.attrs["path"] == "data/raw.csv"
        assert old.attrs["row_count"] == 3 and old.attrs["profile"]["columns"]
        assert old.attrs["aliases"] == {"md5": [md5(VERSIONS[0].encode())]}
        assert not store.get(f"dataset:raw@{md5(VERSIONS[0].encode())[:12]}")
        newer = store.get(f"dataset:raw@{blake3_12(VERSIONS[1])}")
        chain = [e for e in store.edges_of([old.ref]) if e.kind is EdgeKind.PREVIOUS]
        assert [(e.src, e.dst) for e in chain] == [(old.ref, newer.ref)]
