"""The front door: what a `Project` owns, what it remembers and when it forgets, and that
nothing else in agentops opens a store or loads the cards."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from agentops.errors import UsageError
from agentops.project import Project
from agentops.settings import load_settings
from graph.store import LineageStore
from tests.project.team_cards import CARD, TEAM_RUNBOOK, with_team_cards

AGENTOPS = Path(__file__).resolve().parents[2] / "agentops"
FRONT_DOOR = AGENTOPS / "project.py"


@pytest.fixture(autouse=True)
def _no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AGENTOPS_DB_URL", "AGENTOPS_MODEL", "ANTHROPIC_API_KEY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def project(tmp_path: Path, sample: SimpleNamespace) -> Iterator[Project]:
    """A project folder (no agentops.toml) whose own store holds the sample graph."""
    with Project.open(tmp_path) as opened:
        opened.store.upsert(*sample.graph())
        yield opened


@pytest.fixture
def explained(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The BAD of every root-cause analysis that really ran."""
    from agentops.analysis import rootcause

    calls: list[str] = []
    explain = rootcause.explain

    def counted(store: LineageStore, bad: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(bad)
        return explain(store, bad, *args, **kwargs)

    monkeypatch.setattr(rootcause, "explain", counted)
    return calls


def test_a_report_is_remembered_until_the_project_writes(
    project: Project, sample: SimpleNamespace, tmp_path: Path
) -> None:
    first = project.explain("recsys/2")
    assert project.explain(sample.M2) is first  # the same question, however the ref is typed
    assert first.incident == sample.INCIDENT
    project.open_incident(
        "recsys/2", "NDCG down again", incident_id="INC-2", at=sample.day(6), folder=tmp_path
    )
    again = project.explain("recsys/2")
    assert again.incident == "incident:INC-2"  # not the report from before the incident
    project.close_incident("INC-2", at=sample.day(7), paths=[tmp_path])
    assert project.explain("recsys/2") is not again


def test_the_plans_reuse_the_root_cause_report(
    project: Project, sample: SimpleNamespace, explained: list[str]
) -> None:
    report = project.explain(sample.INCIDENT)
    checklist = project.checklist("INC-1")
    plan = project.plan_rollback(sample.INCIDENT)
    draft = project.postmortem("INC-1")
    assert explained == [sample.INCIDENT]
    assert checklist.bad == plan.bad == report.bad == sample.M2
    assert project.checklist(sample.INCIDENT) is checklist
    assert project.plan_rollback("INC-1") is plan
    assert project.postmortem("INC-1") == draft
    assert project.postmortem("INC-1", [{"question": "why?", "answer": "C2"}]) != draft


def test_the_library_is_the_builtin_cards_overlaid_with_the_team_folders(tmp_path: Path) -> None:
    from knowledge import builtin_cards

    (tmp_path / "agentops.toml").write_text("")
    project = Project(with_team_cards(load_settings(tmp_path)))
    library = project.library
    assert project.library is library  # loaded once
    assert len(library) == len(builtin_cards()) + 1  # the card replaced, the runbook added
    assert list(library.get(CARD).remediation) == [TEAM_RUNBOOK]


def test_a_store_given_to_the_project_stays_open(
    sqlite_store: LineageStore, sample: SimpleNamespace, tmp_path: Path
) -> None:
    sqlite_store.upsert(*sample.graph())
    with Project(load_settings(tmp_path), sqlite_store) as project:
        assert project.store is sqlite_store and project.db_url == sqlite_store.url
        assert project.explain("recsys/2").bad == sample.M2
    assert sqlite_store.get(sample.M2) is not None


def test_the_backend_comes_from_the_flag_then_the_project_file(tmp_path: Path) -> None:
    (tmp_path / "agentops.toml").write_text('model = "stub"\n')
    project = Project.open(tmp_path)
    assert project.backend().label == "stub (offline)"
    assert project.backend("claude-sonnet-5-5").label.startswith("stub (offline")  # no API key
    with pytest.raises(UsageError, match="unknown model 'claude-x'"):
        project.backend("claude-x")  # issue 18: an unknown name is an error, not a silent stub


def test_opening_a_project_opens_and_imports_nothing_heavy(tmp_path: Path) -> None:
    """`agentops --help` imports the CLI's context, which reaches the project: keep it cheap."""
    probe = (
        "import sys\n"
        "from agentops.project import Project\n"
        "project = Project.open()\n"
        "assert project.db_url.endswith('.agentops/lineage.db')\n"
        "heavy = {'sqlalchemy', 'sqlmodel', 'knowledge.library', 'anthropic', 'textual', 'yaml'}\n"
        "print(','.join(sorted(heavy & set(sys.modules))))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""
    assert not (tmp_path / ".agentops").exists()  # nothing opened, nothing created


def _calls(path: Path, names: set[str]) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name in names:
                found.append(f"{path.relative_to(AGENTOPS.parent)}:{node.lineno} {name}(")
    return found


def test_only_the_project_opens_stores_and_loads_the_knowledge() -> None:
    """One front door: a second place that opens a store or loads the cards is how interfaces
    came to disagree (`agentops why` read the built-in cards only)."""
    sources = sorted(AGENTOPS.rglob("*.py"))
    assert FRONT_DOOR in sources
    assert _calls(FRONT_DOOR, {"open_store", "load_library"})  # the scan sees real calls
    elsewhere = [
        call
        for path in sources
        if path != FRONT_DOOR
        for call in _calls(path, {"open_store", "load_library"})
    ]
    assert elsewhere == []
