"""The code half of a lineage diff, and lines added/removed on demand, on the scenario repo."""

from __future__ import annotations

import pytest

from graph.code_diff import code_diff, commits_between
from graph.errors import IngestError, RefError
from graph.ingest.git import ingest_git
from graph.ingest.git.stats import commit_line_stats, line_stats
from graph.model import Edge, Node
from graph.refs import EdgeKind
from graph.store import LineageStore

from .ingest_git_repos import Repo


@pytest.fixture
def ingested(ml_repo: Repo, store: LineageStore) -> LineageStore:
    ingest_git(store, ml_repo.path)
    return store


def _rev_list(repo: Repo, spec: str) -> list[str]:
    return repo.git("rev-list", spec).split()


@pytest.mark.parametrize(
    ("a", "b"), [("c1", "c7"), ("c2", "c6"), ("c4", "c7"), ("c5", "c4"), ("c7", "c1"), ("c3", "c3")]
)
def test_commits_between_matches_git_rev_list(
    ml_repo: Repo, ingested: LineageStore, a: str, b: str
) -> None:
    s = ml_repo.shas
    nodes, truncated = commits_between(ingested, s[a], s[b])
    assert not truncated
    assert [n.ref.removeprefix("commit:") for n in nodes] == _rev_list(ml_repo, f"{s[a]}..{s[b]}")


def test_diff_between_two_commits(ml_repo: Repo, ingested: LineageStore) -> None:
    s = ml_repo.shas
    diff = code_diff(ingested, s["c1"][:10], s["c7"])
    assert diff.commit_a == f"commit:{s['c1']}" and diff.commit_b == f"commit:{s['c7']}"
    assert [c.sha for c in diff.commits] == _rev_list(ml_repo, f"{s['c1']}..{s['c7']}")
    assert diff.commits[0].subject == "Caf\ufffd au lait"
    merge = next(c for c in diff.commits if c.sha == s["c6"])
    assert merge.merge and merge.files == {}
    assert diff.files_by_class == {
        "code": ["src/trainer.py"],
        "config": ["configs/broken.yaml", "configs/caf\\xe9.yaml", "configs/train.yaml"],
        "data": ["data/ratings.csv"],
        "dependency": ["requirements.txt"],
        "docs": ["README.md", "docs/guide.md"],
    }
    configs = {c.path: c for c in diff.configs}
    assert set(configs) == {
        "configs/broken.yaml",
        "configs/caf\\xe9.yaml",
        "configs/train.yaml",
        "requirements.txt",
    }
    train = configs["configs/train.yaml"]
    assert [k.to_json() for k in train.keys] == [
        {"key": "train.optimizer.lr", "status": "changed", "old": 0.01, "new": 0.02}
    ]
    broken = configs["configs/broken.yaml"]
    assert broken.old is None and broken.parse_error and broken.keys == ()
    assert [k.to_json() for k in configs["configs/caf\\xe9.yaml"].keys] == [
        {"key": "x", "status": "added", "old": None, "new": 1}
    ]
    assert configs["requirements.txt"].manifest
    assert [d.to_json() for d in diff.dependencies] == [
        {
            "manifest": "requirements.txt",
            "package": "numpy",
            "status": "changed",
            "old": "==1.26.4",
            "new": "==2.0.0",
        },
        {
            "manifest": "requirements.txt",
            "package": "scikit-learn",
            "status": "added",
            "old": None,
            "new": "==1.5.0",
        },
    ]
    shape = diff.to_json()
    assert set(shape) == {
        "a",
        "b",
        "commit_a",
        "commit_b",
        "commits",
        "files_by_class",
        "configs",
        "dependencies",
        "truncated",
        "data",
        "a_side",
    }
    # the data file appended to at c5 is named, old version → new
    (ratings,) = diff.data
    assert ratings.name == "ratings"
    assert ratings.old is not None and ratings.old.startswith("dataset:ratings@")
    assert ingested.get(ratings.old).attrs["git_blob"] == ml_repo.git(
        "rev-parse", f"{s['c1']}:data/ratings.csv"
    )
    assert ingested.get(ratings.new).attrs["git_blob"] == ml_repo.git(
        "rev-parse", f"{s['c5']}:data/ratings.csv"
    )
    assert diff.a_side is None  # c1 is an ancestor of c7: one side only


def test_diff_of_a_branch_sees_both_sides_of_the_merge_base(
    ml_repo: Repo, ingested: LineageStore
) -> None:
    s = ml_repo.shas
    diff = code_diff(ingested, s["c5"], s["c4"])  # main's c5 vs the feature branch
    assert [c.sha for c in diff.commits] == [s["c4"], s["c3"]]
    assert {c.path for c in diff.configs} == {"configs/broken.yaml", "requirements.txt"}
    assert all(c.path != "configs/train.yaml" for c in diff.configs)
    assert diff.data == []
    # main's side of the merge base (c2): c5, which appended to the data file
    assert diff.a_side is not None
    assert [c.sha for c in diff.a_side.commits] == _rev_list(ml_repo, f"{s['c4']}..{s['c5']}")
    assert [(d.name, d.old is not None) for d in diff.a_side.data] == [("ratings", True)]
    assert diff.to_json()["a_side"]["data"][0]["new"] == diff.a_side.data[0].new


def test_diff_between_models_goes_through_their_runs(ml_repo: Repo, ingested: LineageStore) -> None:
    s = ml_repo.shas
    ingested.upsert(
        [
            Node.make("run:good", {"git_commit": s["c2"]}),
            Node.make("run:bad", {}),
            Node.make("model:recsys/1"),
            Node.make("model:recsys/2"),
        ],
        [
            Edge(f"commit:{s['c3']}", "run:bad", EdgeKind.CODE_OF),
            Edge("run:good", "model:recsys/1", EdgeKind.PRODUCED),
            Edge("run:bad", "model:recsys/2", EdgeKind.PRODUCED),
        ],
    )
    diff = code_diff(ingested, "recsys/1", "model:recsys/2")
    assert (diff.a, diff.b) == ("model:recsys/1", "model:recsys/2")
    assert [c.sha for c in diff.commits] == [s["c3"]]
    assert [(d.package, d.old, d.new) for d in diff.dependencies] == [
        ("numpy", "==1.26.4", "==2.0.0"),
        ("scikit-learn", None, "==1.5.0"),
    ]
    ingested.upsert([Node.make("run:orphan", {"git_commit": "0" * 40})])
    with pytest.raises(RefError, match="no commit found behind run:orphan"):
        code_diff(ingested, "run:orphan", "model:recsys/2")


def test_line_stats_on_demand_and_cached(ml_repo: Repo, ingested: LineageStore) -> None:
    s = ml_repo.shas
    stats = commit_line_stats(ingested, ml_repo.path, s["c3"])
    assert sorted((f.path, f.added, f.removed) for f in stats) == [
        ("requirements.txt", 3, 2),
        ("src/trainer.py", 0, 0),
    ]
    assert f"numstat:{s['c3']}" in ingested.get_state("git", [f"numstat:{s['c3']}"])
    # cached: answered without the repository
    assert commit_line_stats(ingested, "/nonexistent", s["c3"]) == stats
    merge = line_stats(ingested, ml_repo.path, [s["c6"], s["c1"]])
    # a merge is measured against its first parent: what the merge brought to main
    assert {f.path for f in merge[s["c6"]]} == {
        "configs/broken.yaml",
        "requirements.txt",
        "src/trainer.py",
    }
    assert len(merge[s["c1"]]) == 6
    with pytest.raises(IngestError, match="not a git repository|does not exist"):
        commit_line_stats(ingested, "/nonexistent", s["c2"])


def test_line_stats_of_a_binary_file(repo: Repo, store: LineageStore) -> None:
    repo.write("model.bin", bytes(range(256)))
    sha = repo.commit("binary")
    assert commit_line_stats(store, repo.path, sha)[0].to_json() == {
        "path": "model.bin",
        "added": None,
        "removed": None,
    }
