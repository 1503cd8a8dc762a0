"""The evidence each ranked suspect carries: a commit's author, time and the lines it changed
(read from a real repository), config keys checked against the runs' logged params, dataset
figures as numbers, and one line saying why it ranks where it does; the JSON shape is pinned."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console

from agentops.analysis import builtin_library
from agentops.analysis.rootcause.evidence import MAX_HUNK_LINES, attach_evidence
from agentops.analysis.rootcause.report import CAUSE_FOUND, RootCauseReport, Suspect
from agentops.cli import main
from agentops.project import Project
from agentops.render import root_cause_view
from agentops.settings import load_settings
from graph.attributes import RunAttrs
from graph.ingest.git.hunks import commit_hunks
from graph.model import Node
from graph.store import open_store

SECRET = "sk-ant-api03-" + "Qw7" * 12


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout.rstrip("\n")


def _commit_all(repo: Path, message: str) -> str:
    _git(repo, "add", "-A")
    _git(repo, "-c", "user.name=Ada Lovelace", "-c", "user.email=ada@example.com",
         "commit", "-qm", message)  # fmt: skip
    return _git(repo, "rev-parse", "HEAD")


@pytest.fixture(scope="module")
def small_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """Two commits; the second edits a plotting helper (30 lines) and the model's loss (one
    line, with a secret and a terminal escape in it)."""
    repo = tmp_path_factory.mktemp("evidence-repo")
    _git(repo, "init", "-q")
    (repo / "plots.py").write_text("".join(f"x{i} = {i}\n" for i in range(40)))
    (repo / "loss.py").write_text("def loss(a, b):\n    return abs(a - b)\n")
    (repo / ":(glob)odd.py").write_text("y = 1\n")
    _commit_all(repo, "first")
    (repo / "plots.py").write_text("".join(f"x{i} = {i + 1}\n" for i in range(40)))
    (repo / "loss.py").write_text(
        f'KEY = "{SECRET}"  # \x1b[31mred\x1b[0m\ndef loss(a, b):\n    return (a - b) ** 2\n'
    )
    (repo / ":(glob)odd.py").write_text("y = 2\n")
    return repo, _commit_all(repo, "loss: squared error")


def test_hunks_come_from_git_in_the_order_asked_and_within_the_line_budget(small_repo) -> None:  # noqa: ANN001
    repo, sha = small_repo
    shown = _git(repo, "show", "--format=", sha, "--", "loss.py").replace("\x1b", "")
    [hunks] = commit_hunks(repo, {sha: ["loss.py", "plots.py"]}, MAX_HUNK_LINES).values()
    assert hunks[0].path == "loss.py"  # the file asked first comes first
    assert "+    return (a - b) ** 2" in hunks[0].lines
    assert all(line in shown.splitlines() for line in hunks[0].lines)
    assert sum(len(h.lines) for h in hunks) == MAX_HUNK_LINES  # plots.py is cut, not dropped
    assert {h.path for h in hunks} == {"loss.py", "plots.py"}
    # a path that reads like pathspec magic is taken literally: only that file's diff
    [odd] = commit_hunks(repo, {sha: [":(glob)odd.py"]}, MAX_HUNK_LINES).values()
    assert [h.path for h in odd] == [":(glob)odd.py"] and "+y = 2" in odd[0].lines


def _commit_report(sha: str, reason: str = "") -> RootCauseReport:
    suspect = Suspect(f"commit:{sha}", "code", "code change: loss", 0.75, "feature-code-bug")
    if reason:
        from agentops.analysis.rootcause.report import Relevance

        suspect.relevance = Relevance(True, reason)
    suspect.rank, suspect.is_cause = 1, True
    return RootCauseReport("model:m/2", "model:m/1", CAUSE_FOUND, [suspect])


def test_a_commit_suspect_shows_who_when_and_its_redacted_lines(
    small_repo,  # noqa: ANN001
    sqlite_url: str,
) -> None:
    repo, sha = small_repo
    at = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    files = [{"path": p, "change": "M", "class": "code"} for p in ("plots.py", "loss.py")]
    node = Node.make(
        f"commit:{sha}",
        {
            "message": "loss",
            "author": {"name": "Ada Lovelace"},
            "files": files,
            "committed_at": at.isoformat(),
        },  # fmt: skip
        at,
    )
    with open_store(sqlite_url) as store:
        store.upsert([node], [])
        report = _commit_report(sha, "loss.py is imported by train.py")
        attach_evidence(store, report, builtin_library(), repo)
        details = report.suspects[0].details
        assert details is not None
        assert (details.author, details.at) == ("Ada Lovelace", at)
        assert details.hunks[0].path == "loss.py"  # the file on the model's path first
        text = json.dumps(report.to_json())
        assert SECRET not in text and "[REDACTED" in text
        assert "\\u001b" not in text and "red" in text  # the escape sequence is gone, not the word
        assert details.why_ranked.startswith("#1: score 0.75 ≥ 0.50 (a cause)")
        assert "feature-code-bug (card prior" in details.why_ranked

        console = Console(width=100, record=True, force_terminal=True)
        console.print(root_cause_view(report))
        screen = console.export_text(styles=False)
        assert "\x1b[31m" not in console.export_text(styles=False)
        assert "+    return (a - b) ** 2" in screen and SECRET not in screen
        assert max(len(line) for line in screen.splitlines()) <= 100

        chained = _commit_report(sha)
        chained.suspects[0].evidence.append("import chain: train.py → plots")
        attach_evidence(store, chained, builtin_library(), repo)
        assert chained.suspects[0].details.hunks[0].path == "plots.py"  # type: ignore[union-attr]

        without = _commit_report(sha)
        attach_evidence(store, without, builtin_library(), None)
        kept = without.suspects[0].details
        assert kept is not None and kept.hunks == []
        assert kept.hunks_note and "no git repository" in kept.hunks_note


def _explained(synced_scenario: Callable, name: str) -> tuple[RootCauseReport, dict, str]:
    project, url = synced_scenario(name)
    truth = json.loads(Path(project.ground_truth_path).read_text())
    with Project(load_settings(project.root)) as front_door:
        return front_door.explain(truth["incident"]), truth, url


def test_the_planted_commit_shows_the_lines_git_shows(synced_scenario: Callable) -> None:
    report, truth, _ = _explained(synced_scenario, "feature-code-bug")
    project, _ = synced_scenario("feature-code-bug")
    top = report.suspects[0]
    assert top.ref == truth["causes"][0]["ref"] and top.details is not None
    sha = top.ref.removeprefix("commit:")
    author = _git(project.root, "log", "-1", "--format=%an", sha)
    assert top.details.author == author
    assert top.details.at is not None
    assert (
        top.details.at.isoformat()
        == datetime.fromisoformat(_git(project.root, "log", "-1", "--format=%cI", sha))
        .astimezone(UTC)
        .isoformat()
    )
    shown = _git(project.root, "show", "--format=", "-U1", sha).splitlines()
    changed = [line for hunk in top.details.hunks for line in hunk.lines]
    assert changed and all(line in shown for line in changed)
    assert any(line.startswith("-") for line in changed)
    assert any(line.startswith("+") for line in changed)
    assert len(changed) <= MAX_HUNK_LINES


def test_a_config_key_is_checked_against_the_runs_params(synced_scenario: Callable) -> None:
    report, truth, url = _explained(synced_scenario, "config-regression")
    top = report.suspects[0]
    assert top.ref == truth["causes"][0]["ref"] and top.details is not None
    [key] = top.details.keys
    assert key.runs == "confirmed" and key.param
    with open_store(url) as store:
        good, bad = (RunAttrs(store.get(ref)).params for ref in (report.good_run, report.bad_run))
    assert str(bad[key.param]) in (str(key.new), repr(key.new))
    assert str(good[key.param]) in (str(key.old), repr(key.old))


def test_a_serving_key_the_runs_logged_otherwise_says_what_they_logged(
    synced_scenario: Callable,
) -> None:
    report, truth, url = _explained(synced_scenario, "training-serving-skew")
    top = report.suspects[0]
    assert top.ref == truth["causes"][0]["ref"] and top.details is not None
    [key] = top.details.keys
    with open_store(url) as store:
        bad = RunAttrs(store.get(report.bad_run)).params
    assert key.runs == "contradicted" and key.logged == bad[key.param]
    assert str(key.new) != str(key.logged)
    assert set(key.to_json()) == {
        "file", "key", "status", "old", "new", "runs", "param", "logged",
    }  # fmt: skip


def test_a_dataset_suspect_carries_its_figures_as_numbers(synced_scenario: Callable) -> None:
    report, truth, url = _explained(synced_scenario, "null-spike")
    top = report.suspects[0]
    assert top.ref == truth["causes"][0]["ref"] and top.details is not None
    data = top.details.data
    assert data is not None
    with open_store(url) as store:
        new, old = store.get(top.ref), store.get(top.previous)
    assert (data.rows_before, data.rows_after) == (
        old.attrs["row_count"],
        new.attrs["row_count"],
    )
    spiked = max(data.columns, key=lambda c: c.null_after - c.null_before)
    assert spiked.null_after - spiked.null_before >= 0.10
    profile = {c["name"]: c for c in new.attrs["profile"]["columns"]}
    assert spiked.null_after == pytest.approx(profile[spiked.name]["null_rate"])


SUSPECT_KEYS = {
    "rank", "ref", "kind", "summary", "score", "card", "evidence", "cause", "remediation",
    "previous", "related", "relevance", "findings", "details",
}  # fmt: skip
REPORT_KEYS = {
    "bad", "good", "verdict", "suspects", "symptom", "incident", "bad_run", "good_run", "notes",
    "ruled_out",
}  # fmt: skip
DETAILS_KEYS = {"why_ranked", "author", "at", "hunks", "hunks_note", "keys", "data"}


def test_why_json_pins_the_shape_of_a_suspect_and_of_the_report(
    synced_scenario: Callable, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    project, _ = synced_scenario("feature-code-bug")
    monkeypatch.chdir(project.root)
    assert main(["why", project.incident_id, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == REPORT_KEYS
    for suspect in data["suspects"]:
        assert set(suspect) == SUSPECT_KEYS
        assert set(suspect["details"]) == DETAILS_KEYS
        assert suspect["details"]["why_ranked"].startswith(f"#{suspect['rank']}: ")
    top = data["suspects"][0]
    assert set(top["details"]["hunks"][0]) == {"path", "header", "lines"}
    assert data["ruled_out"], "the docs-only and tests-only commits"
    for change in data["ruled_out"]:
        assert set(change) == SUSPECT_KEYS
        assert change["relevance"]["reaches_model"] is False and change["relevance"]["reason"]


def test_why_text_has_a_ruled_out_section_and_stays_within_100_columns(
    synced_scenario: Callable, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    project, _ = synced_scenario("feature-code-bug")
    monkeypatch.chdir(project.root)
    assert main(["why", project.incident_id, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert main(["why", project.incident_id]) == 0
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) <= 100
    after = out.split("Ruled out", 1)[1]
    for change in data["ruled_out"]:
        assert change["ref"][:17] in after  # the short ref, in the section of its own
        assert change["relevance"]["reason"][:40] in " ".join(after.split())
    top = data["suspects"][0]
    assert top["details"]["hunks"][0]["lines"][1].strip()[:30] in out
    assert "why here: #1: " in " ".join(out.split())
