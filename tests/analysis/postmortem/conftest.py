"""A hand-built incident graph, the root-cause report the analysis would give for it, and a
Markdown parser to check the postmortem's structure the way a renderer reads it.

Good: recsys/1 from run r-good (commit c0, ratings v1, train.yaml v1), promoted 2026-11-03.
Bad: recsys/2 from run r-bad (commit c3, ratings v2, train.yaml v2), promoted 2026-11-09 and
served by the champion alias; incident INC-7 opened 2026-11-10. Between c0 and c3: c1 (the
feature-code bug, with a hostile commit message), c2 (docs), c3 (the data export). People's
names sit where the graph keeps them: commit authors, the run's user, `promoted_by`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from agentops.analysis.rootcause.report import CAUSE_FOUND, RootCauseReport, Suspect, Symptom
from graph.model import Edge, Node
from graph.refs import EdgeKind
from graph.store import LineageStore
from tests.analysis.incidents.conftest import CliResult, agentops  # noqa: F401 - shared fixture

SHA = {n: str(n) * 40 for n in range(4)}
C = {n: f"commit:{sha}" for n, sha in SHA.items()}
DS1, DS2 = "dataset:ratings@111111111111", "dataset:ratings@222222222222"
CFG1, CFG2 = "config:configs/train.yaml@aaaaaaaaaaaa", "config:configs/train.yaml@bbbbbbbbbbbb"
RUN_GOOD, RUN_BAD = "run:r-good", "run:r-bad"
GOOD, BAD = "model:recsys/1", "model:recsys/2"
DEPLOY = "deploy:recsys/champion@2026-11-09T09:00:00Z"
INCIDENT = "incident:INC-7"
PEOPLE = ("Dana Scully", "dana@example.com", "Fox Mulder", "Walter Skinner")
HOSTILE = (
    "# Injected heading\n```\n<script>alert(1)</script> | cell | break\n"
    "[link](javascript:alert(1)) Dana Scully; thanks Fox for the review, Scully's test will pass"
)


def t(day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def _commit(n: int, day: int, message: str, files: list[tuple[str, str]], author: str) -> Node:
    return Node.make(
        C[n],
        {
            "message": message,
            "author": {"name": author, "email": f"{author.split()[0].lower()}@example.com"},
            "committed_at": t(day).isoformat(),
            "parents": [SHA[n - 1]] if n else [],
            "files": [{"path": p, "change": "M", "class": cls} for p, cls in files],
        },
        t(day),
    )


def _run(ref: str, day: int, commit: str, ndcg: float, recall: float) -> Node:
    return Node.make(
        ref,
        {
            "status": "FINISHED",
            "user": "Walter Skinner",
            "git_commit": commit,
            "start_time": t(day, 13).isoformat(),
            "end_time": t(day, 13, 25).isoformat(),
            "metrics": {
                "ndcg_at_10": {"value": ndcg, "step": 0},
                "recall_at_10": {"value": recall, "step": 0},
            },
        },
        t(day, 13),
    )


def incident_graph() -> tuple[list[Node], list[Edge]]:
    nodes = [
        _commit(0, 1, "train: weekly retrain", [("src/train.py", "code")], "Fox Mulder"),
        _commit(1, 5, "feat: " + HOSTILE, [("src/features.py", "code")], "Dana Scully"),
        _commit(2, 6, "README: retrain schedule", [("README.md", "docs")], "Fox Mulder"),
        _commit(3, 8, "data: weekly export", [("data/ratings.csv", "data")], "etl-bot"),
        Node.make(CFG1, {"keys": {"model.factors": 16}}, t(1)),
        Node.make(CFG2, {"keys": {"model.factors": 16}}, t(8)),
        Node.make(DS1, {"row_count": 40_000}, t(1)),
        Node.make(DS2, {"row_count": 41_000}, t(8)),
        _run(RUN_GOOD, 2, SHA[0], 0.31, 0.40),
        _run(RUN_BAD, 8, SHA[3], 0.22, 0.30),
        Node.make(
            GOOD,
            {"tags": {"promoted_at": t(3, 9).isoformat(), "promoted_by": "Fox Mulder"}},
            t(2, 14),
        ),
        Node.make(
            BAD,
            {
                "tags": {"promoted_at": t(9, 9).isoformat(), "promoted_by": "Fox Mulder"},
                "aliases": ["champion"],
            },
            t(8, 14),
        ),
        Node.make(DEPLOY, {"alias": "champion", "model_ref": BAD, "version": "2"}, t(9, 9)),
        Node.make(
            INCIDENT,
            {
                "id": "INC-7",
                "title": "NDCG@10 down after the Monday retrain",
                "opened_at": t(10, 8, 40).isoformat(),
                "severity": "SEV2",
                "affects": [BAD],
                "symptom": {"metric": "ndcg_at_10", "baseline": 0.31, "observed": 0.22},
            },
            t(10, 8, 40),
        ),
    ]
    link = [
        (C[0], C[1], EdgeKind.PARENT),
        (C[1], C[2], EdgeKind.PARENT),
        (C[2], C[3], EdgeKind.PARENT),
        (DS1, DS2, EdgeKind.PREVIOUS),
        (C[0], RUN_GOOD, EdgeKind.CODE_OF),
        (C[3], RUN_BAD, EdgeKind.CODE_OF),
        (CFG1, RUN_GOOD, EdgeKind.CONFIG_OF),
        (CFG2, RUN_BAD, EdgeKind.CONFIG_OF),
        (DS1, RUN_GOOD, EdgeKind.INPUT),
        (DS2, RUN_BAD, EdgeKind.INPUT),
        (RUN_GOOD, GOOD, EdgeKind.PRODUCED),
        (RUN_BAD, BAD, EdgeKind.PRODUCED),
        (BAD, DEPLOY, EdgeKind.DEPLOYED),
        (BAD, INCIDENT, EdgeKind.AFFECTED),
    ]
    times = {node.ref: node.source_time for node in nodes}
    edges = [Edge(s, d, k, {}, max(times[s], times[d])) for s, d, k in link]
    return nodes, edges


def cause_report(**changes: Any) -> RootCauseReport:
    """What `explain` would say: the feature commit c1 is the cause; docs and data rank lower."""
    suspects = [
        Suspect(
            C[1],
            "code",
            "commit changes feature code: feat: " + HOSTILE,
            0.91,
            "feature-code-bug",
            evidence=[
                "touches src/features.py (feature code) — author Dana Scully",
                "<img src=x onerror=alert(1)> the join key changed",
            ],
            remediation=["rollback-alias", "roll-forward"],
            related=[],
            rank=1,
            is_cause=True,
        ),
        Suspect(DS2, "data-rows", "dataset ratings changed", 0.1, None, ["rows +2.5%"], rank=2),
        Suspect(C[2], "code", "commit touches docs only", 0.05, None, [], rank=3),
    ]
    report = RootCauseReport(
        bad=BAD,
        good=GOOD,
        verdict=CAUSE_FOUND,
        suspects=suspects,
        symptom=Symptom("ndcg_at_10", 0.31, 0.22, "incident"),
        incident=INCIDENT,
        bad_run=RUN_BAD,
        good_run=RUN_GOOD,
        notes=["compared with model:recsys/1: the last version that served before it"],
    )
    for key, value in changes.items():
        setattr(report, key, value)
    return report


@pytest.fixture
def pm_store(sqlite_store: LineageStore) -> LineageStore:
    sqlite_store.upsert(*incident_graph())
    return sqlite_store


@pytest.fixture
def cli_store(pm_store: LineageStore) -> LineageStore:
    return pm_store


@pytest.fixture
def refs() -> SimpleNamespace:
    return SimpleNamespace(
        C=C, DS1=DS1, DS2=DS2, CFG2=CFG2, RUN_GOOD=RUN_GOOD, RUN_BAD=RUN_BAD, GOOD=GOOD,
        BAD=BAD, DEPLOY=DEPLOY, INCIDENT=INCIDENT, PEOPLE=PEOPLE, t=t,
    )  # fmt: skip


@pytest.fixture(scope="session")
def library():  # noqa: ANN201 - KnowledgeLibrary
    from knowledge import load_library

    return load_library()


def parse_markdown(text: str) -> list[Any]:
    """Block tokens as CommonMark + GFM tables reads them (markdown-it-py, a rich dependency)."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable("table").parse(text)


def plain(inline: Any) -> str:
    """The text a renderer shows for an inline token: escapes undone, code spans unwrapped."""
    parts = []
    for child in inline.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)


def headings(text: str) -> list[tuple[str, str]]:
    """(level tag, text) of every heading a renderer would show."""
    tokens = parse_markdown(text)
    return [
        (token.tag, plain(tokens[i + 1]))
        for i, token in enumerate(tokens)
        if token.type == "heading_open"
    ]


def section(text: str, name: str) -> str:
    """The Markdown of one `## name` section (up to the next `## `)."""
    start = text.index(f"\n## {name}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def table_rows(markdown: str) -> list[list[str]]:
    """The body rows of the first table in `markdown`, cells as rendered text."""
    tokens = parse_markdown(markdown)
    rows: list[list[str]] = []
    in_body = False
    for token in tokens:
        if token.type == "tbody_open":
            in_body = True
        elif token.type == "tbody_close":
            break
        elif in_body and token.type == "tr_open":
            rows.append([])
        elif in_body and token.type == "inline":
            rows[-1].append(plain(token))
    return rows
