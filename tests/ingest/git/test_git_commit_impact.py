"""A commit's blast radius and paths follow git history: what was built from any later commit
that still contains it, and nothing built from a commit that does not — on SQLite and
PostgreSQL, over a real repository with a side branch merged back."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from graph.ingest.git import ingest_git
from graph.model import Edge, Node
from graph.queries import WalkOptions, downstream, impact, path
from graph.refs import EdgeKind, commit_ref
from graph.store import LineageStore, open_store

from .ingest_git_repos import Repo, new_repo


def _history(repo: Repo) -> None:
    """base ─ culprit ─ after ─────── merge
         └──────── side (branch) ──┘
    `side` forks before the culprit, so only `after` and `merge` contain it."""
    repo.write("src/features.py", "WEIGHT = 1\n")
    repo.commit("base", "base")
    repo.write("src/features.py", "WEIGHT = 2\n")
    repo.commit("features: simplify weighting", "culprit")
    repo.write("README.md", "# recsys\n")
    repo.commit("docs", "after")
    repo.git("checkout", "-q", "-b", "side", repo.shas["base"])
    repo.write("src/model.py", "DEPTH = 3\n")
    repo.commit("model: deeper trees", "side")
    repo.git("checkout", "-q", "main")
    repo.clock += 1
    when = f"2024-01-{repo.clock:02d}T12:00:00+00:00"
    env = {"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    repo.git("merge", "-q", "--no-ff", "-m", "Merge side", "side", env=env)
    repo.shas["merge"] = repo.git("rev-parse", "HEAD")


def _builds(repo: Repo) -> tuple[list[Node], list[Edge]]:
    """A run, a model version and (for the merge) a deployment and an incident per commit."""
    at = datetime(2024, 2, 1, tzinfo=UTC)
    nodes, edges = [], []
    for label in ("base", "after", "side", "merge"):
        run, model = f"run:{label}", f"model:recsys/{label}"
        nodes += [Node.make(run, {}, at), Node.make(model, {}, at)]
        edges += [
            Edge(commit_ref(repo.shas[label]), run, EdgeKind.CODE_OF, {}, at),
            Edge(run, model, EdgeKind.PRODUCED, {}, at),
        ]
    deploy, incident = "deploy:recsys/prod@2024-02-02T00:00:00.000Z", "incident:INC-1"
    nodes += [Node.make(deploy, {}, at), Node.make(incident, {}, at)]
    edges += [
        Edge("model:recsys/merge", deploy, EdgeKind.DEPLOYED, {}, at),
        Edge(deploy, incident, EdgeKind.AFFECTED, {}, at),
    ]
    return nodes, edges


@pytest.fixture
def built(tmp_path: Path, store_url: str) -> tuple[LineageStore, dict[str, str]]:
    repo = new_repo(tmp_path / "repo")
    _history(repo)
    store = open_store(store_url)
    ingest_git(store, repo.path)
    store.upsert(*_builds(repo))
    yield store, {label: commit_ref(sha) for label, sha in repo.shas.items()}
    store.close()


def test_impact_of_a_commit_reaches_what_later_commits_containing_it_built(built) -> None:
    store, commits = built
    radius = {node.ref for node in impact(store, [commits["culprit"]]).nodes}
    assert radius == {
        commits["culprit"],
        "model:recsys/after",
        "model:recsys/merge",
        "deploy:recsys/prod@2024-02-02T00:00:00.000Z",
        "incident:INC-1",
    }  # not recsys/side (forked before the culprit), not recsys/base (its parent)
    side = {node.ref for node in impact(store, [commits["side"]]).nodes}
    assert "model:recsys/side" in side and "model:recsys/merge" in side
    assert "model:recsys/after" not in side


def test_path_from_a_commit_goes_through_the_commits_that_contain_it(built) -> None:
    store, commits = built
    found = path(store, commits["culprit"], "incident:INC-1", WalkOptions(commit_history=True))
    assert found.shortest == [
        commits["culprit"],
        commits["after"],
        commits["merge"],
        "run:merge",
        "model:recsys/merge",
        "deploy:recsys/prod@2024-02-02T00:00:00.000Z",
        "incident:INC-1",
    ]
    on_path = {node.ref for node in found.subgraph.nodes}
    assert commits["side"] not in on_path and commits["base"] not in on_path
    assert "run:after" not in on_path  # built from a commit containing it, but no path onward
    assert (commits["after"], commits["merge"], EdgeKind.PARENT) in {
        (e.src, e.dst, e.kind) for e in found.subgraph.edges
    }


def test_plain_downstream_still_leaves_git_history_out(built) -> None:
    store, commits = built
    assert {node.ref for node in downstream(store, [commits["culprit"]]).nodes} == {
        commits["culprit"]
    }
    plain = path(store, commits["culprit"], "incident:INC-1")
    assert plain.shortest == []
