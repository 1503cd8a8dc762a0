"""The same ingest and diff on PostgreSQL (in a schema of the test's own, dropped afterwards)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from graph.code_diff import code_diff
from graph.ingest.git import ingest_git
from graph.store import LineageStore, open_store

from .ingest_git_repos import Repo


@pytest.fixture
def pg_store(pg_url: str) -> Iterator[LineageStore]:
    """A store in a schema of its own on the test server (tests/conftest.py's `pg_url`)."""
    with open_store(pg_url) as store:
        yield store


def test_ingest_and_diff_on_postgres(ml_repo: Repo, pg_store: LineageStore) -> None:
    result = ingest_git(pg_store, ml_repo.path)
    assert (result.new_commits, result.configs, result.manifests, result.datasets) == (7, 4, 2, 2)
    counts = pg_store.counts()
    assert counts.nodes == {"commit": 7, "config": 6, "dataset": 2}
    assert counts.edges == {"introduced": 8, "parent": 7, "previous": 3}
    assert ingest_git(pg_store, ml_repo.path).noop
    assert pg_store.counts() == counts
    s = ml_repo.shas
    diff = code_diff(pg_store, s["c1"], s["c7"])
    assert len(diff.commits) == 6
    assert [(d.package, d.new) for d in diff.dependencies] == [
        ("numpy", "==2.0.0"),
        ("scikit-learn", "==1.5.0"),
    ]
    café = pg_store.find("config", name="configs/caf\\xe9.yaml")
    assert [n.attrs["keys"] for n in café] == [{"x": 1}]
