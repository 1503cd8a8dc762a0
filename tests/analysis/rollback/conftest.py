"""A hand-built model history for rollback planning, and root-cause reports for it.

    C1 ─ C2 ─ C3 (HEAD)            commits; C2 changed feature code, C3 the serving config
    recsys/1  run r1  C1  ratings R1, holdout H1   promoted day 2, served
    recsys/2  run r2  C2  ratings R1, holdout H1   promoted day 5, served (the last good one)
    recsys/3  run r3  C3  ratings R2, holdout H2   promoted day 9, champion, INC-1 (the bad one)
    recsys/4  run r4  C3  ratings R2, holdout H2   registered day 10, never served

R2 renamed `rating` to `stars` and is the newest ratings version; H2 is the newest holdout.
configs/serve.yaml names the model and its alias, so it is serving configuration; S2 (from C3)
cut `features.window` from 50 to 5. configs/train.yaml is the same (T1) at every commit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest

from agentops.analysis.rootcause.report import CAUSE_FOUND, RootCauseReport, Suspect, Symptom
from graph.model import Edge, Node
from graph.refs import EdgeKind
from graph.store import LineageStore

SHA = {n: str(n) * 40 for n in (1, 2, 3)}
C = {n: f"commit:{sha}" for n, sha in SHA.items()}
T1 = "config:configs/train.yaml@111111111111"
S1, S2 = "config:configs/serve.yaml@aaaaaaaaaaaa", "config:configs/serve.yaml@bbbbbbbbbbbb"
R1, R2 = "dataset:ratings@111111111111", "dataset:ratings@222222222222"
H1, H2 = "dataset:holdout@111111111111", "dataset:holdout@222222222222"
M = {n: f"model:recsys/{n}" for n in (1, 2, 3, 4)}
RUN = {n: f"run:r{n}" for n in (1, 2, 3, 4)}
DEPLOY = "deploy:recsys/champion@2026-11-09T09:00:00.000Z"
INCIDENT = "incident:INC-1"
URI = "sqlite:///mlflow.db"


def t(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


def _profile(columns: list[tuple[str, str, float]]) -> dict:
    return {
        "version": 1,
        "row_count": 1000,
        "columns": [
            {"name": name, "type": kind, "null_rate": nulls} for name, kind, nulls in columns
        ],
    }


def _dataset(ref: str, day: int, columns: list[tuple[str, str, float]]) -> Node:
    return Node.make(
        ref,
        {
            "row_count": 1000,
            "schema": [{"name": name, "type": kind} for name, kind, _ in columns],
            "profile": _profile(columns),
        },
        t(day, 6),
    )


def _run(n: int, day: int, commit: int, ndcg: float) -> Node:
    return Node.make(
        RUN[n],
        {
            "git_commit": SHA[commit],
            "start_time": t(day, 13).isoformat(),
            "metrics": {
                "ndcg_at_10": {"value": ndcg, "step": 0},
                "p95_latency_ms": {"value": 40.0, "step": 0},
            },
        },
        t(day, 13),
    )


def _model(n: int, day: int, promoted: int | None, aliases: list[str]) -> Node:
    tags = {"promoted_at": t(promoted, 9).isoformat(), "promoted_by": "Ada"} if promoted else {}
    return Node.make(
        M[n],
        {
            "name": "recsys",
            "version": str(n),
            "run_id": f"r{n}",
            "tags": tags,
            "aliases": aliases,
            "tracking_uri": URI,
        },
        t(day, 14),
    )


def history_graph() -> tuple[list[Node], list[Edge]]:
    ratings_ok = [("user_id", "int64", 0.0), ("movie_id", "int64", 0.0), ("rating", "double", 0.0)]
    ratings_renamed = [
        ("user_id", "int64", 0.0),
        ("movie_id", "int64", 0.0),
        ("stars", "double", 0.0),
    ]
    holdout = [("user_id", "int64", 0.0), ("movie_id", "int64", 0.0)]
    serve_keys = {"model.name": "recsys", "model.alias": "champion", "features.window": 50}
    nodes = [
        Node.make(C[1], {"parents": [], "message": "train"}, t(1)),
        Node.make(C[2], {"parents": [SHA[1]], "message": "features: simplify"}, t(4)),
        Node.make(C[3], {"parents": [SHA[2]], "message": "perf", "refs": ["HEAD", "main"]}, t(8)),
        Node.make(T1, {"path": "configs/train.yaml", "keys": {"model.lr": 0.1}}, t(1)),
        Node.make(S1, {"path": "configs/serve.yaml", "keys": serve_keys}, t(1)),
        Node.make(
            S2, {"path": "configs/serve.yaml", "keys": {**serve_keys, "features.window": 5}}, t(8)
        ),
        _dataset(R1, 1, ratings_ok),
        _dataset(R2, 8, ratings_renamed),
        _dataset(H1, 1, holdout),
        _dataset(H2, 8, holdout),
        _run(1, 1, 1, 0.300),
        _run(2, 4, 2, 0.310),
        _run(3, 8, 3, 0.200),
        _run(4, 10, 3, 0.205),
        _model(1, 1, 2, []),
        _model(2, 4, 5, []),
        _model(3, 8, 9, ["champion"]),
        _model(4, 10, None, []),
        Node.make(
            DEPLOY,
            {"model": "recsys", "alias": "champion", "version": "3", "model_ref": M[3]},
            t(9, 9),
        ),
        Node.make(
            INCIDENT,
            {
                "title": "NDCG@10 dropped",
                "severity": "SEV2",
                "opened_at": t(10).isoformat(),
                "affects": [M[3]],
                "symptom": {"metric": "ndcg_at_10", "baseline": 0.31, "observed": 0.2},
            },
            t(10),
        ),
    ]
    links = [
        (C[1], C[2], EdgeKind.PARENT, {}),
        (C[2], C[3], EdgeKind.PARENT, {}),
        (C[1], T1, EdgeKind.INTRODUCED, {}),
        (C[1], S1, EdgeKind.INTRODUCED, {}),
        (C[3], S2, EdgeKind.INTRODUCED, {}),
        (S1, S2, EdgeKind.PREVIOUS, {}),
        (R1, R2, EdgeKind.PREVIOUS, {}),
        (H1, H2, EdgeKind.PREVIOUS, {}),
    ]
    inputs = {1: (R1, H1), 2: (R1, H1), 3: (R2, H2), 4: (R2, H2)}
    commits = {1: 1, 2: 2, 3: 3, 4: 3}
    for n, (ratings, hold) in inputs.items():
        links += [
            (ratings, RUN[n], EdgeKind.INPUT, {"context": "training"}),
            (hold, RUN[n], EdgeKind.INPUT, {"context": "eval"}),
            (C[commits[n]], RUN[n], EdgeKind.CODE_OF, {}),
            (RUN[n], M[n], EdgeKind.PRODUCED, {}),
        ]
    links += [
        (M[3], DEPLOY, EdgeKind.DEPLOYED, {"alias": "champion"}),
        (M[3], INCIDENT, EdgeKind.AFFECTED, {}),
    ]
    times = {node.ref: node.source_time for node in nodes}
    edges = [
        Edge(src, dst, kind, attrs, max(times[src], times[dst])) for src, dst, kind, attrs in links
    ]
    return nodes, edges


def report_for(*causes: Suspect, verdict: str = CAUSE_FOUND) -> RootCauseReport:
    """What `explain` would say about recsys/3 with these causes."""
    for rank, cause in enumerate(causes, start=1):
        cause.rank, cause.is_cause = rank, True
    return RootCauseReport(
        bad=M[3],
        good=M[2],
        verdict=verdict,
        suspects=list(causes),
        symptom=Symptom("ndcg_at_10", 0.31, 0.2, "incident"),
        incident=INCIDENT,
        bad_run=RUN[3],
        good_run=RUN[2],
    )


def suspect(ref: str, kind: str, card: str, previous: str | None = None, **extra) -> Suspect:
    return Suspect(ref, kind, f"{kind} change", 0.9, card, ["evidence"], previous=previous, **extra)


@pytest.fixture
def history(store: LineageStore) -> LineageStore:
    """The history on SQLite and on PostgreSQL (the `store` fixture runs both)."""
    store.upsert(*history_graph())
    return store


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Iterator[Callable[..., tuple[int, str, str]]]:
    """`cli(*args)` -> (exit code, stdout, stderr) of `agentops …` with `rollback` mounted."""
    from agentops.cli import app, main
    from agentops.cli.rollback import rollback_app

    mounted = any(group.name == "rollback" for group in app.registered_groups)
    if not mounted:
        app.add_typer(rollback_app, name="rollback")

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    yield run
    if not mounted:
        app.registered_groups[:] = [g for g in app.registered_groups if g.name != "rollback"]
