"""Shared fixtures: lineage stores on SQLite (a temp file) and on the real PostgreSQL server.

PostgreSQL tests read AGENTOPS_TEST_PG_URL (default: the local server this project's machines
run); each test gets its own schema, dropped afterwards.
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from fixtures.build import BaseCache, BuiltProject, build_project
from graph.model import Edge, Node
from graph.refs import EdgeKind
from graph.store import LineageStore, open_store

PG_URL = os.environ.get("AGENTOPS_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'lineage.db'}"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh schema on the test PostgreSQL server, as a URL whose search_path points at it."""
    from sqlalchemy import create_engine, text

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # noqa: BLE001 - turn any connection failure into one clear line
        pytest.fail(
            f"PostgreSQL at {PG_URL} is not reachable ({exc.__class__.__name__}); start it with "
            "`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`"
        )
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest) -> str:
    """Run the test once on SQLite and once on PostgreSQL."""
    name = "sqlite_url" if request.param == "sqlite" else "pg_url"
    return request.getfixturevalue(name)


@pytest.fixture
def store(store_url: str) -> Iterator[LineageStore]:
    with open_store(store_url) as opened:
        yield opened


@pytest.fixture
def sqlite_store(sqlite_url: str) -> Iterator[LineageStore]:
    with open_store(sqlite_url) as opened:
        yield opened


# -- a small ML-shaped graph -------------------------------------------------------------------
# Two model versions of `recsys`: v1 from commit c1 (config v1, ratings v1), v2 from commit c2
# (config v2, ratings v2); v2 is champion and has an incident. c1 → c2 is git history and
# ratings v1 → v2 is version history.

C1, C2 = "commit:" + "a" * 40, "commit:" + "b" * 40
CFG1, CFG2 = "config:configs/train.yaml@111111111111", "config:configs/train.yaml@222222222222"
DS1, DS2 = "dataset:ratings@aaaaaaaaaaaa", "dataset:ratings@bbbbbbbbbbbb"
MOVIES = "dataset:movies@cccccccccccc"
RUN1, RUN2 = "run:r1", "run:r2"
M1, M2 = "model:recsys/1", "model:recsys/2"
DEPLOY = "deploy:recsys/champion@2026-11-03T00:00:00Z"
INCIDENT = "incident:INC-1"


def _day(n: int) -> datetime:
    return datetime(2026, 11, n, 10, 0, tzinfo=UTC)


def sample_graph() -> tuple[list[Node], list[Edge]]:
    nodes = [
        Node.make(C1, {"message": "feat: add genre features"}, _day(1)),
        Node.make(C2, {"message": "tune learning rate"}, _day(2)),
        Node.make(CFG1, {"keys": {"train.lr": 0.01}}, _day(1)),
        Node.make(CFG2, {"keys": {"train.lr": 0.1}}, _day(2)),
        Node.make(DS1, {"row_count": 40_000}, _day(1)),
        Node.make(DS2, {"row_count": 41_000}, _day(2)),
        Node.make(MOVIES, {"row_count": 400}, _day(1)),
        Node.make(RUN1, {"status": "FINISHED"}, _day(1)),
        Node.make(RUN2, {"status": "FINISHED"}, _day(2)),
        Node.make(M1, {}, _day(1)),
        Node.make(M2, {}, _day(2)),
        Node.make(DEPLOY, {}, _day(3)),
        Node.make(INCIDENT, {"title": "NDCG@10 dropped"}, _day(4)),
    ]
    link = [
        (C1, C2, EdgeKind.PARENT),
        (DS1, DS2, EdgeKind.PREVIOUS),
        (C1, CFG1, EdgeKind.INTRODUCED),
        (C2, CFG2, EdgeKind.INTRODUCED),
        (C1, RUN1, EdgeKind.CODE_OF),
        (C2, RUN2, EdgeKind.CODE_OF),
        (CFG1, RUN1, EdgeKind.CONFIG_OF),
        (CFG2, RUN2, EdgeKind.CONFIG_OF),
        (DS1, RUN1, EdgeKind.INPUT),
        (DS2, RUN2, EdgeKind.INPUT),
        (MOVIES, RUN1, EdgeKind.INPUT),
        (MOVIES, RUN2, EdgeKind.INPUT),
        (RUN1, M1, EdgeKind.PRODUCED),
        (RUN2, M2, EdgeKind.PRODUCED),
        (M2, DEPLOY, EdgeKind.DEPLOYED),
        (DEPLOY, INCIDENT, EdgeKind.AFFECTED),
    ]
    times = {node.ref: node.source_time for node in nodes}
    edges = [Edge(src, dst, kind, {}, max(times[src], times[dst])) for src, dst, kind in link]
    return nodes, edges


@pytest.fixture
def sample() -> SimpleNamespace:
    """The refs of the sample graph, by role."""
    return SimpleNamespace(
        C1=C1,
        C2=C2,
        CFG1=CFG1,
        CFG2=CFG2,
        DS1=DS1,
        DS2=DS2,
        MOVIES=MOVIES,
        RUN1=RUN1,
        RUN2=RUN2,
        M1=M1,
        M2=M2,
        DEPLOY=DEPLOY,
        INCIDENT=INCIDENT,
        day=_day,
        graph=sample_graph,
    )


@pytest.fixture
def sample_store(store: LineageStore) -> LineageStore:
    store.upsert(*sample_graph())
    return store


# -- the sample ML project, built and ingested once per test session ---------------------------


@pytest.fixture(scope="session")
def fixture_base() -> Iterator[BaseCache]:
    """The fixtures' shared base history: built once (~15 s), copied into each scenario."""
    cache = BaseCache()
    yield cache
    cache.close()


@pytest.fixture(scope="session")
def built_scenario(
    fixture_base: BaseCache, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str], BuiltProject]:
    """`built_scenario(name)` -> the project of that scenario, built once per session."""
    built: dict[str, BuiltProject] = {}

    def get(name: str) -> BuiltProject:
        if name not in built:
            dest = tmp_path_factory.mktemp(f"project-{name}")
            built[name] = build_project(dest, name, cache=fixture_base)
        return built[name]

    return get


@pytest.fixture(scope="session")
def synced_scenario(
    built_scenario: Callable[[str], BuiltProject],
) -> Callable[[str], tuple[BuiltProject, str]]:
    """`synced_scenario(name)` -> (project, lineage store URL) after `agentops sync` of it.

    Shared by every test of the session: read it, never change it (copy it first).
    """
    synced: dict[str, tuple[BuiltProject, str]] = {}

    def get(name: str) -> tuple[BuiltProject, str]:
        if name not in synced:
            project = built_scenario(name)
            synced[name] = (project, _sync(project.root))
        return synced[name]

    return get


@pytest.fixture(scope="session")
def copied_scenario(
    synced_scenario: Callable[[str], tuple[BuiltProject, str]],
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[[str], tuple[BuiltProject, Path]]:
    """`copied_scenario(name)` -> (the synced project, a fresh copy of its folder) for tests
    that write into a project (its store, its .agentops/): every call makes a new copy."""

    def get(name: str) -> tuple[BuiltProject, Path]:
        project, _ = synced_scenario(name)
        return project, _copy(project.root, tmp_path_factory.mktemp(f"copy-{name}"))

    return get


@pytest.fixture(scope="session")
def synced_copy(tmp_path_factory: pytest.TempPathFactory) -> Callable[[BuiltProject], Path]:
    """`synced_copy(project)` -> a fresh copy of any built project's folder (the churn or
    home-price one too), after `agentops sync` of the project in place (once per project)."""
    synced: set[Path] = set()

    def get(project: BuiltProject) -> Path:
        if project.root not in synced:
            _sync(project.root)
            synced.add(project.root)
        return _copy(project.root, tmp_path_factory.mktemp(f"copy-{project.root.name}"))

    return get


def _sync(root: Path) -> str:
    """`agentops sync` of the project at `root`; its lineage store URL."""
    from agentops.settings import load_settings
    from agentops.sync import sync_project

    settings = load_settings(root)
    with open_store(settings.db_url) as store:
        outcomes = sync_project(settings, store)
    failed = [o for o in outcomes if not o.ok]
    assert not failed, [o.to_json() for o in failed]
    return settings.db_url


def _copy(root: Path, folder: Path) -> Path:
    import shutil

    dest = folder / "project"
    shutil.copytree(root, dest, symlinks=True)
    return dest


@pytest.fixture
def project_python_first(monkeypatch: pytest.MonkeyPatch) -> None:
    """A project's `[verify] command` runs `python` from PATH (the sample's does): make it the
    one these tests run on, as `uv run` or the project's own environment would."""
    here = str(Path(sys.executable).parent)
    monkeypatch.setenv("PATH", f"{here}{os.pathsep}{os.environ.get('PATH', '')}")


@pytest.fixture
def project_state() -> Callable[[Path, str], dict[str, str]]:
    """`project_state(root, store_file)` -> what the user sees of their project: the work tree,
    HEAD, the worktrees, and the bytes of the MLflow store file (`agentops verify` must leave
    all of them as they were)."""
    import hashlib
    import subprocess

    def state(root: Path, store_file: str) -> dict[str, str]:
        def git(*args: str) -> str:
            return subprocess.run(
                ["git", "-C", str(root), *args], capture_output=True, text=True, check=True
            ).stdout

        return {
            "status": git("status", "--porcelain", "--untracked-files=all"),
            "head": git("rev-parse", "HEAD"),
            "worktrees": git("worktree", "list", "--porcelain"),
            "mlflow": hashlib.sha256((root / store_file).read_bytes()).hexdigest(),
        }

    return state


@pytest.fixture
def verify_planted(
    project_state: Callable[[Path, str], dict[str, str]],
    project_python_first: None,
    capsys: pytest.CaptureFixture[str],
) -> Callable[..., dict]:
    """`verify_planted(built, root, store_file, *args)` -> the `--json` of `agentops verify
    INCIDENT *args` on the copy `root` of a built scenario, run in-process as a user would.
    It must exit 0 with the planted cause `confirmed` (share >= 0.5), no decoy confirmed, and
    the user's work tree, HEAD, worktrees and MLflow store as they were."""
    import json

    from agentops.cli import main

    def run(built: BuiltProject, root: Path, store_file: str, *args: str) -> dict:
        before = project_state(root, store_file)
        code = main(["-C", str(root), "verify", built.incident_id, *args, "--json"])
        out, err = capsys.readouterr()
        assert code == 0, err
        assert project_state(root, store_file) == before
        result = json.loads(out)
        by_ref = {s["ref"]: s for s in result["suspects"]}
        cause = by_ref[built.ground_truth.causes[0].ref]
        assert result["verdict"] == "cause-confirmed"
        assert cause["verdict"] == "confirmed" and cause["share"] >= 0.5, cause
        decoys = set(built.ground_truth.decoys)
        assert not [r for r, s in by_ref.items() if r in decoys and s["verdict"] == "confirmed"]
        return result

    return run
