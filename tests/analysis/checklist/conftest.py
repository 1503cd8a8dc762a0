"""A small, hand-built lineage graph for the checklist: three versions of `recsys`, real CSV
files profiled by the real profiler, and a root-cause report written by hand.

v1 and v2 served (v2 is the good one); v3 is champion with an incident. v3's run read a ratings
export in which 40% of `rating` is empty (the cause); commit C3 changed feature code without a
test (a lower-ranked suspect). The end-to-end fixtures build real projects from `fixtures/`.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from agentops.analysis.rootcause.report import CAUSE_FOUND, RootCauseReport, Suspect, Symptom
from graph.model import Edge, Node
from graph.profile import profile_attrs
from graph.refs import EdgeKind
from graph.store import LineageStore, open_store

SHA = {n: f"{n}" * 8 + "0" * 32 for n in ("1", "2", "3", "4")}
C1, C2, C3, C4 = (f"commit:{SHA[n]}" for n in ("1", "2", "3", "4"))
REQS = "config:requirements.txt@aaaaaaaaaaaa"
TRAIN = "config:configs/train.yaml@bbbbbbbbbbbb"
RUN1, RUN2, RUN3 = "run:r1", "run:r2", "run:r3"
M1, M2, M3 = "model:recsys/1", "model:recsys/2", "model:recsys/3"
DEPLOY = "deploy:recsys/champion@2026-03-10T09:00:00Z"
INCIDENT = "incident:INC-1"


def day(n: int) -> datetime:
    return datetime(2026, 3, 1, 9, 0, tzinfo=UTC) + timedelta(days=n)


def ratings_csv(rows: int, start: int, null_every: int = 0) -> bytes:
    """user_id, rating 1-5, genre (four values), timestamp rising by 100 s a row."""
    genres = ("Drama", "Comedy", "Action", "Horror")
    lines = ["user_id,rating,genre,timestamp"]
    for i in range(rows):
        rating = "" if null_every and i % null_every < 2 else str(1 + (i * 7) % 5)
        lines.append(f"{1 + i % 150},{rating},{genres[i % 4]},{start + i * 100}")
    return ("\n".join(lines) + "\n").encode()


@dataclass
class HandGraph:
    store: LineageStore
    root: Path
    files: dict[str, Path]  # role → data file (v0, good, bad)
    refs: dict[str, str]  # role → dataset ref
    report: RootCauseReport
    extra: dict[str, Any] = field(default_factory=dict)


def _dataset(root: Path, role: str, content: bytes, when: datetime) -> tuple[Node, Path]:
    folder = root / role / "data"
    folder.mkdir(parents=True)
    path = folder / "ratings.csv"
    path.write_bytes(content)
    digest = hashlib.sha256(content).hexdigest()[:12]
    attrs = {"path": "data/ratings.csv", "format": "csv", **profile_attrs([path], "csv")}
    return Node.make(f"dataset:ratings@{digest}", attrs, when), path


def commit(sha: str, parents: list[str], message: str, files: list[tuple[str, str]], when):
    return Node.make(
        f"commit:{sha}",
        {
            "parents": parents,
            "author": {"name": "Ana", "email": "ana@example.org"},
            "message": message,
            "files": [{"path": p, "change": "M", "class": c} for p, c in files],
        },
        when,
    )


def model(version: int, run_id: str, when: datetime, **tags: str) -> Node:
    return Node.make(
        f"model:recsys/{version}",
        {"name": "recsys", "version": str(version), "run_id": run_id, "tags": tags, "aliases": []},
        when,
    )


def run(ref: str, sha: str, ndcg: float, when: datetime) -> Node:
    return Node.make(
        ref,
        {
            "run_name": f"weekly-train-{ref}",
            "experiment": "recsys-training",
            "git_commit": sha,
            "params": {"model.alpha": "2.0", "seed": "42"},
            "metrics": {"ndcg_at_10": {"value": ndcg}},
        },
        when,
    )


def build_hand_graph(store: LineageStore, root: Path) -> HandGraph:
    v0, v0_path = _dataset(root, "v0", ratings_csv(400, 1_700_000_000), day(0))
    good, good_path = _dataset(root, "good", ratings_csv(440, 1_700_000_000), day(3))
    bad, bad_path = _dataset(root, "bad", ratings_csv(480, 1_700_000_000, null_every=5), day(7))
    nodes = [
        commit(
            SHA["1"],
            [],
            "initial",
            [
                ("requirements.txt", "dependency"),
                ("src/features.py", "code"),
                ("tests/test_features.py", "tests"),
            ],
            day(0),
        ),
        commit(SHA["2"], [SHA["1"]], "data: export", [("data/ratings.csv", "data")], day(3)),
        commit(
            SHA["3"], [SHA["2"]], "features: faster join", [("src/features.py", "code")], day(6)
        ),
        commit(SHA["4"], [SHA["3"]], "data: export", [("data/ratings.csv", "data")], day(7)),
        Node.make(
            REQS,
            {
                "path": "requirements.txt",
                "manifest": True,
                "manifest_kind": "requirements",
                "packages": {"numpy": "==2.1.3", "pandas": ">=2.0", "python": ">=3.11"},
            },
            day(0),
        ),
        Node.make(
            TRAIN, {"path": "configs/train.yaml", "keys": {"model.alpha": 2.0, "seed": 42}}, day(0)
        ),
        v0,
        good,
        bad,
        run(RUN1, SHA["1"], 0.28, day(1)),
        run(RUN2, SHA["2"], 0.30, day(4)),
        run(RUN3, SHA["4"], 0.20, day(8)),
        model(1, "r1", day(1), promoted_at=day(2).isoformat(), promoted_by="Ana"),
        model(2, "r2", day(4), promoted_at=day(5).isoformat(), promoted_by="Bo"),
        model(3, "r3", day(8), promoted_at=day(9).isoformat(), promoted_by="Ana"),
        Node.make(DEPLOY, {"alias": "champion", "version": "3", "model_ref": M3}, day(9)),
        Node.make(INCIDENT, {"title": "ndcg down", "affects": [M3]}, day(10)),
    ]
    links = [
        (C1, C2, EdgeKind.PARENT, {}),
        (C2, C3, EdgeKind.PARENT, {}),
        (C3, C4, EdgeKind.PARENT, {}),
        (C1, REQS, EdgeKind.INTRODUCED, {}),
        (C1, TRAIN, EdgeKind.INTRODUCED, {}),
        (v0.ref, good.ref, EdgeKind.PREVIOUS, {}),
        (good.ref, bad.ref, EdgeKind.PREVIOUS, {}),
        (C1, RUN1, EdgeKind.CODE_OF, {}),
        (C2, RUN2, EdgeKind.CODE_OF, {}),
        (C4, RUN3, EdgeKind.CODE_OF, {}),
        (v0.ref, RUN1, EdgeKind.INPUT, {"context": "training"}),
        (good.ref, RUN2, EdgeKind.INPUT, {"context": "training"}),
        (bad.ref, RUN3, EdgeKind.INPUT, {"context": "training"}),
        (RUN1, M1, EdgeKind.PRODUCED, {}),
        (RUN2, M2, EdgeKind.PRODUCED, {}),
        (RUN3, M3, EdgeKind.PRODUCED, {}),
        (M3, DEPLOY, EdgeKind.DEPLOYED, {}),
        (M3, INCIDENT, EdgeKind.AFFECTED, {}),
    ]
    store.upsert(nodes, [Edge(s, d, k, a) for s, d, k, a in links])
    report = RootCauseReport(
        bad=M3,
        good=M2,
        verdict=CAUSE_FOUND,
        suspects=[
            Suspect(
                bad.ref,
                "data-nulls",
                "dataset ratings changed (null-spike)",
                0.9,
                "null-spike",
                ["nulls in rating: 0.0% → 40.0%"],
                ["data-pin"],
                previous=good.ref,
                rank=1,
                is_cause=True,
            ),
            Suspect(
                C3,
                "code",
                "code change: features: faster join",
                0.3,
                "feature-code-bug",
                ["src/features.py"],
                rank=2,
            ),
        ],
        symptom=Symptom("ndcg_at_10", 0.30, 0.20, "incident"),
        incident=INCIDENT,
        bad_run=RUN3,
        good_run=RUN2,
    )
    return HandGraph(
        store,
        root,
        {"v0": v0_path, "good": good_path, "bad": bad_path},
        {"v0": v0.ref, "good": good.ref, "bad": bad.ref},
        report,
    )


@pytest.fixture
def hand(tmp_path: Path) -> Iterator[HandGraph]:
    with open_store(f"sqlite:///{tmp_path / 'lineage.db'}") as store:
        yield build_hand_graph(store, tmp_path)


def run_pytest(test_file: Path, env: dict[str, str], cwd: Path) -> dict[str, str]:
    """Run a generated test file in a fresh interpreter; test id → outcome (from JUnit XML)."""
    import os
    import xml.etree.ElementTree as ET

    report = cwd / "junit.xml"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(test_file),
            "-q",
            "-p",
            "no:cacheprovider",
            f"--junitxml={report}",
            f"--rootdir={cwd}",
        ],
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode in (0, 1), done.stdout + done.stderr
    outcomes = {}
    for case in ET.parse(report).iter("testcase"):
        kind = "passed"
        for child in case:
            if child.tag in ("failure", "error"):
                kind = "failed"
            elif child.tag == "skipped":
                kind = "skipped"
        outcomes[case.get("name", "")] = kind
    assert outcomes, done.stdout
    return outcomes


def failed(outcomes: dict[str, str]) -> set[str]:
    return {name for name, kind in outcomes.items() if kind == "failed"}


JsonCheck = Callable[[dict[str, Any]], None]


def dumps(data: Any) -> str:
    return json.dumps(data, sort_keys=True)
