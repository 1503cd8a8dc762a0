"""`why` reads the store in a bounded number of SQL statements, not node by node.

Statements are counted with sqlite3's trace callback, set on every raw DBAPI connection the
engine opens (the store opens its connections lazily, so a fresh store's are all seen).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from agentops.analysis.rootcause import explain
from agentops.cli import main
from graph.model import Edge, Node
from graph.refs import EdgeKind
from graph.store import open_store

WHY_BUDGET = 60
CODE_FILE = {"path": "src/features.py", "class": "code"}


@contextmanager
def sql_statements() -> Iterator[list[str]]:
    """Every SQL statement sent on connections opened inside the block."""
    sent: list[str] = []

    def trace(dbapi_connection, _record) -> None:  # noqa: ANN001 - SQLAlchemy's hook signature
        dbapi_connection.set_trace_callback(sent.append)

    event.listen(Engine, "connect", trace)
    try:
        yield sent
    finally:
        event.remove(Engine, "connect", trace)


def test_why_on_the_demo_incident_stays_within_budget(
    synced_scenario: Callable,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
) -> None:
    project, _ = synced_scenario("feature-code-bug")  # what `agentops demo` builds
    truth = json.loads(Path(project.ground_truth_path).read_text())
    monkeypatch.chdir(project.root)
    with sql_statements() as sent:
        assert main(["why", truth["incident"].split(":", 1)[1], "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["bad"] == truth["bad"] and report["good"] == truth["good"]
    assert sent, "no statement traced: the counter is not hooked to the store's connections"
    assert len(sent) <= WHY_BUDGET, "\n".join(sent)


def _day(n: int) -> datetime:
    return datetime(2026, 1, 1, 9, tzinfo=UTC) + timedelta(days=n)


def _history(versions: int) -> tuple[list[Node], list[Edge]]:
    """A model retrained weekly: each version from a new commit, config, dataset and run, each
    promoted and deployed; an incident on the last one."""
    nodes: list[Node] = []
    edges: list[Edge] = []
    for i in range(1, versions + 1):
        sha = f"{i:040x}"
        commit, run = f"commit:{sha}", f"run:r{i}"
        config, data = f"config:train.yaml@{i:012x}", f"dataset:ratings@{i:012x}"
        promoted = f"{_day(7 * i + 1):%Y-%m-%dT%H:%M:%SZ}"
        model, deploy = f"model:recsys/{i}", f"deploy:recsys/champion@{promoted}"
        parents = [f"{i - 1:040x}"] if i > 1 else []
        nodes += [
            Node.make(
                commit,
                {"message": f"week {i}", "parents": parents, "files": [CODE_FILE]},
                _day(7 * i),
            ),
            Node.make(config, {"path": "train.yaml", "keys": {"train.lr": 0.01}}, _day(7 * i)),
            Node.make(data, {"row_count": 1000 + i}, _day(7 * i)),
            Node.make(
                run,
                {"git_commit": sha, "params": {"lr": 0.01}, "metrics": {"ndcg": {"value": 0.3}}},
                _day(7 * i),
            ),
            Node.make(model, {"tags": {"promoted_at": promoted}}, _day(7 * i)),
            Node.make(deploy, {}, _day(7 * i + 1)),
        ]
        links = [(commit, run, EdgeKind.CODE_OF), (commit, config, EdgeKind.INTRODUCED)]
        links += [(config, run, EdgeKind.CONFIG_OF), (data, run, EdgeKind.INPUT)]
        links += [(run, model, EdgeKind.PRODUCED), (model, deploy, EdgeKind.DEPLOYED)]
        if i > 1:
            links.append((f"commit:{i - 1:040x}", commit, EdgeKind.PARENT))
        edges += [Edge(src, dst, kind, {}, _day(7 * i + 1)) for src, dst, kind in links]
    incident = "incident:INC-9"
    nodes.append(Node.make(incident, {"title": "NDCG dropped"}, _day(7 * versions + 2)))
    edges.append(Edge(deploy, incident, EdgeKind.AFFECTED, {}, _day(7 * versions + 2)))
    return nodes, edges


def test_why_does_not_read_more_as_history_grows(tmp_path: Path) -> None:
    counts = []
    for versions in (3, 40):
        url = f"sqlite:///{tmp_path / f'{versions}.db'}"
        with open_store(url) as store:
            store.upsert(*_history(versions))
        with sql_statements() as sent, open_store(url) as store:
            report = explain(store, "INC-9")
        assert report.bad == f"model:recsys/{versions}"
        assert report.good == f"model:recsys/{versions - 1}"
        counts.append(len(sent))
    assert counts[0] == counts[1] <= WHY_BUDGET
