"""Ingesting a real repository: the nodes, edges and attributes the graph ends up with."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from blake3 import blake3

from graph.ingest.git import ingest_git
from graph.model import Node
from graph.refs import EdgeKind, NodeKind, config_ref, dataset_ref
from graph.store import LineageStore

from .ingest_git_repos import RATINGS_V1, RATINGS_V2, Repo


def _edges(store: LineageStore, kind: EdgeKind) -> set[tuple[str, str]]:
    return {(e.src, e.dst) for e in store.iter_edges() if e.kind is kind}


def _commit(store: LineageStore, sha: str) -> Node:
    node = store.get(f"commit:{sha}")
    assert node is not None, sha
    return node


def _blob(repo: Repo, rev: str, path: str) -> str:
    return repo.git("rev-parse", f"{rev}:{path}")


def test_commits_parents_and_files(ml_repo: Repo, store: LineageStore) -> None:
    result = ingest_git(store, ml_repo.path)
    s = ml_repo.shas
    assert result.new_commits == 7
    assert store.counts().nodes["commit"] == 7
    assert _edges(store, EdgeKind.PARENT) == {
        (f"commit:{a}", f"commit:{b}")
        for a, b in [
            (s["c1"], s["c2"]),
            (s["c2"], s["c3"]),
            (s["c3"], s["c4"]),
            (s["c2"], s["c5"]),
            (s["c5"], s["c6"]),
            (s["c4"], s["c6"]),
            (s["c6"], s["c7"]),
        ]
    }
    c3 = _commit(store, s["c3"]).attrs
    assert c3["parents"] == [s["c2"]]
    assert c3["message"] == "Rename trainer, bump numpy"
    assert c3["author"] == {"name": "Ada Lovelace", "email": "ada@example.com"}
    assert c3["reachable"] is True
    assert sorted(c3["files"], key=lambda f: f["path"]) == [
        {"path": "requirements.txt", "change": "M", "class": "dependency"},
        {"path": "src/trainer.py", "change": "R", "class": "code", "old_path": "src/train.py"},
    ]
    c1_files = {f["path"]: f for f in _commit(store, s["c1"]).attrs["files"]}
    assert {p: f["class"] for p, f in c1_files.items()} == {
        "README.md": "docs",
        "configs/train.yaml": "config",
        "data/ratings.csv": "data",
        "requirements.txt": "dependency",
        "src/train.py": "code",
        "tests/test_train.py": "tests",
    }
    assert {f["change"] for f in c1_files.values()} == {"A"}
    merge = _commit(store, s["c6"]).attrs
    assert merge["parents"] == [s["c5"], s["c4"]]
    assert merge["files"] == []  # like `git log`, a merge lists no files of its own


def test_times_are_utc_with_the_offset_kept(ml_repo: Repo, store: LineageStore) -> None:
    ingest_git(store, ml_repo.path)
    c2 = _commit(store, ml_repo.shas["c2"])
    assert c2.source_time == datetime(2024, 1, 2, 8, 0, tzinfo=UTC)
    assert c2.attrs["committed_at"] == "2024-01-02T08:00:00+00:00"
    assert c2.attrs["tz_offset"] == "+02:00"
    assert c2.attrs["authored_at"] == "2024-01-02T10:00:00+02:00"
    assert c2.attrs["message"] == "Raise the learning rate\n\nBecause the loss plateaued."


def test_refs_on_tips(ml_repo: Repo, store: LineageStore) -> None:
    ingest_git(store, ml_repo.path)
    s = ml_repo.shas
    assert _commit(store, s["c7"]).attrs["refs"] == ["HEAD", "main"]
    assert _commit(store, s["c4"]).attrs["refs"] == ["feature"]
    assert _commit(store, s["c2"]).attrs["refs"] == ["tag: v1"]  # annotated tag, peeled
    assert "refs" not in _commit(store, s["c3"]).attrs


def test_config_versions_with_flat_keys_and_history(ml_repo: Repo, store: LineageStore) -> None:
    result = ingest_git(store, ml_repo.path)
    s = ml_repo.shas
    v1 = config_ref("configs/train.yaml", _blob(ml_repo, s["c1"], "configs/train.yaml"))
    v2 = config_ref("configs/train.yaml", _blob(ml_repo, s["c2"], "configs/train.yaml"))
    old, new = store.get(v1), store.get(v2)
    assert old is not None and new is not None
    assert old.attrs["keys"] == {
        "train.optimizer.lr": 0.01,
        "train.optimizer.name": "adam",
        "train.epochs": 10,
    }
    assert new.attrs["keys"]["train.optimizer.lr"] == 0.02
    assert new.attrs["path"] == "configs/train.yaml" and new.attrs["format"] == "yaml"
    assert new.source_time == _commit(store, s["c2"]).source_time
    assert (v1, v2) in _edges(store, EdgeKind.PREVIOUS)
    introduced = _edges(store, EdgeKind.INTRODUCED)
    assert (f"commit:{s['c1']}", v1) in introduced
    assert (f"commit:{s['c2']}", v2) in introduced
    assert result.configs == 4  # train.yaml ×2, broken.yaml, café.yaml


def test_broken_yaml_is_kept_with_its_parse_error(ml_repo: Repo, store: LineageStore) -> None:
    result = ingest_git(store, ml_repo.path)
    blob = _blob(ml_repo, ml_repo.shas["c4"], "configs/broken.yaml")
    ref = config_ref("configs/broken.yaml", blob)
    node = store.get(ref)
    assert node is not None
    assert "keys" not in node.attrs
    assert node.attrs["parse_error"].startswith(("ParserError", "ScannerError"))
    assert result.parse_errors == 1
    assert (f"commit:{ml_repo.shas['c4']}", ref) in _edges(store, EdgeKind.INTRODUCED)


def test_manifest_versions_keep_packages(ml_repo: Repo, store: LineageStore) -> None:
    result = ingest_git(store, ml_repo.path)
    s = ml_repo.shas
    old = store.get(config_ref("requirements.txt", _blob(ml_repo, s["c1"], "requirements.txt")))
    new = store.get(config_ref("requirements.txt", _blob(ml_repo, s["c3"], "requirements.txt")))
    assert old is not None and new is not None
    assert old.attrs["manifest"] is True
    assert old.attrs["packages"] == {"numpy": "==1.26.4", "pandas": ">=2.0"}
    assert new.attrs["packages"] == {
        "numpy": "==2.0.0",
        "pandas": ">=2.0",
        "scikit-learn": "==1.5.0",
    }
    assert (old.ref, new.ref) in _edges(store, EdgeKind.PREVIOUS)
    assert result.manifests == 2


def test_committed_data_files_become_dataset_versions(ml_repo: Repo, store: LineageStore) -> None:
    result = ingest_git(store, ml_repo.path)
    v1 = dataset_ref("ratings", blake3(RATINGS_V1).hexdigest())
    v2 = dataset_ref("ratings", blake3(RATINGS_V2).hexdigest())
    node = store.get(v2)
    assert node is not None
    profile = node.attrs.pop("profile")
    assert node.attrs == {
        "digest": blake3(RATINGS_V2).hexdigest(),
        "algorithm": "blake3",
        "size": len(RATINGS_V2),
        "path": "data/ratings.csv",
        "source": "git",
        "git_blob": _blob(ml_repo, ml_repo.shas["c5"], "data/ratings.csv"),
        "format": "csv",
        "row_count": RATINGS_V2.count(b"\n") - 1,
        "schema": [{"name": c["name"], "type": c["type"]} for c in profile["columns"]],
    }
    # every committed version is profiled, so drift can be computed between any two
    assert profile["row_count"] == node.attrs["row_count"]
    assert (v1, v2) in _edges(store, EdgeKind.PREVIOUS)
    assert (f"commit:{ml_repo.shas['c5']}", v2) in _edges(store, EdgeKind.INTRODUCED)
    assert result.datasets == 2


def test_an_existing_dataset_node_is_linked_not_overwritten(
    ml_repo: Repo, store: LineageStore
) -> None:
    ref = dataset_ref("ratings", blake3(RATINGS_V1).hexdigest())
    store.upsert([Node.make(ref, {"row_count": 1, "source": "file"})])
    ingest_git(store, ml_repo.path)
    node = store.get(ref)
    assert node is not None and node.attrs == {"row_count": 1, "source": "file"}
    assert (f"commit:{ml_repo.shas['c1']}", ref) in _edges(store, EdgeKind.INTRODUCED)


def test_non_utf8_message_and_path(ml_repo: Repo, store: LineageStore) -> None:
    ingest_git(store, ml_repo.path)
    c7 = _commit(store, ml_repo.shas["c7"]).attrs
    assert c7["message"] == "Caf\ufffd au lait"
    assert c7["files"] == [{"path": "configs/caf\\xe9.yaml", "change": "A", "class": "config"}]
    found = store.find(NodeKind.CONFIG, name="configs/caf\\xe9.yaml")
    assert [n.attrs["keys"] for n in found] == [{"x": 1}]


def test_ingest_twice_is_a_noop_with_the_same_graph(ml_repo: Repo, store: LineageStore) -> None:
    ingest_git(store, ml_repo.path)
    before = store.counts()
    again = ingest_git(store, ml_repo.path)
    assert again.noop and again.new_commits == 0
    assert store.counts() == before
    assert before.nodes == {"commit": 7, "config": 6, "dataset": 2}


def test_all_and_rev_scopes(ml_repo: Repo, store: LineageStore) -> None:
    s = ml_repo.shas
    ranged = ingest_git(store, ml_repo.path, rev=f"{s['c2']}..feature")
    assert ranged.new_commits == 2 and ranged.scope == f"rev:{s['c2']}..feature"
    # c3's parent c2 is outside the range and not stored: no dangling parent edge
    assert _edges(store, EdgeKind.PARENT) == {(f"commit:{s['c3']}", f"commit:{s['c4']}")}
    full = ingest_git(store, ml_repo.path, all_refs=True)
    # a range run's tips do not count as fully ingested history: everything is read again
    assert (full.new_commits, full.commits_read) == (5, 7)
    assert len(_edges(store, EdgeKind.PARENT)) == 7


def test_bad_rev_is_a_clear_error(ml_repo: Repo, store: LineageStore) -> None:
    from graph.errors import IngestError

    with pytest.raises(IngestError, match="names no commit"):
        ingest_git(store, ml_repo.path, rev="no-such-branch")
    with pytest.raises(IngestError, match="not a revision spec"):
        ingest_git(store, ml_repo.path, rev="--output=/tmp/x")
    assert store.counts().nodes == {}


def test_runs_are_linked_to_their_commit(ml_repo: Repo, store: LineageStore) -> None:
    sha = ml_repo.shas["c5"]
    store.upsert([Node.make("run:r1", {"git_commit": sha.upper()})])
    result = ingest_git(store, ml_repo.path)
    assert result.linked_runs == 1
    assert (f"commit:{sha}", "run:r1") in _edges(store, EdgeKind.CODE_OF)
