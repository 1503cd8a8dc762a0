"""Which code edits keep behaviour: docstrings, comments, formatting and renamed locals do;
anything that changes what the code computes, or cannot be parsed, does not."""

from __future__ import annotations

import pytest

from graph.ingest.git.behaviour import behaviour_preserving, normalised_tree

from .ingest_git_repos import Repo

BASE = '''"""Feature code."""
import math


def scale(values, factor=2.0):
    total = 0.0
    for value in values:
        total += value * factor
    return math.sqrt(total)


class Model:
    def predict(self, rows):
        out = [scale(r) for r in rows]
        return out
'''

COSMETIC = '''"""Feature code, documented."""
import math


def scale(values, factor=2.0):
    """Scale and sum: the root of the weighted total."""
    acc = 0.0  # running sum
    for v in values:
        acc += v*factor
    return math.sqrt(
        acc
    )


class Model:
    """The model."""

    def predict(self, rows):
        predictions = [scale(r) for r in rows]
        return predictions
'''


def _commit(repo: Repo, text: str, message: str) -> str:
    repo.write("src/features.py", text)
    return repo.commit(message)


@pytest.fixture
def history(repo: Repo) -> dict[str, str]:
    shas = {"base": _commit(repo, BASE, "feat: scale features")}
    shas["cosmetic"] = _commit(repo, COSMETIC, "feat: faster scaling")  # the message lies
    shas["behaviour"] = _commit(repo, COSMETIC.replace("v*factor", "v+factor"), "docs: typo")
    shas["parameter"] = _commit(
        repo,
        COSMETIC.replace("v+factor", "v*factor").replace("factor", "weight"),
        "refactor: rename",
    )
    shas["broken"] = _commit(repo, "def scale(:\n", "wip")
    repo.write("src/query.sql", "select 1")
    shas["sql"] = repo.commit("sql")
    return shas


def test_cosmetic_edits_keep_behaviour_and_real_ones_do_not(
    repo: Repo, history: dict[str, str]
) -> None:
    files = {sha: ["src/features.py"] for sha in history.values()}
    files[history["sql"]] = ["src/query.sql"]
    files[history["base"]] = ["src/features.py"]  # added: nothing to compare with
    kept = behaviour_preserving(repo.path, files)
    assert kept == {
        history["base"]: False,
        history["cosmetic"]: True,
        history["behaviour"]: False,
        history["parameter"]: False,  # callers may pass `factor=` by keyword
        history["broken"]: False,
        history["sql"]: False,  # only Python is judged
    }


def test_an_inner_local_never_reads_as_the_outer_one_it_replaced() -> None:
    outer = b"def f(a):\n    x = a\n    def g():\n        y = 1\n        return x\n    return g\n"
    inner = b"def f(a):\n    x = a\n    def g():\n        y = 1\n        return y\n    return g\n"
    assert normalised_tree(outer) != normalised_tree(inner)
    renamed = outer.replace(b"x", b"kept")
    assert normalised_tree(outer) == normalised_tree(renamed)


def test_globals_and_attributes_are_not_renamed() -> None:
    a = b"LIMIT = 3\ndef f(rows):\n    global LIMIT\n    LIMIT = 4\n    return rows[:LIMIT]\n"
    b = b"LIMIT = 3\ndef f(rows):\n    global LIMIT\n    OTHER = 4\n    return rows[:LIMIT]\n"
    assert normalised_tree(a) != normalised_tree(b)
    assert normalised_tree(b"x.a = 1\n") != normalised_tree(b"x.b = 1\n")
