"""`ingest dvc` reads the refs `ingest git` reads: branches, tags, remote-tracking branches (all
a plain `git clone` leaves of the other branches), and with `--all` every ref, DVC experiments
under `refs/exps` among them — and every stage of every `dvc.lock` revision on them is a run."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from agentops.cli import main
from graph.ingest.dvc import ingest_dvc, parse_lock
from graph.ingest.git import ingest_git
from graph.refs import NodeKind
from graph.store import LineageStore
from tests.ingest.dvc.dvc_repo import DvcRepo, Pipeline


def _retrain(repo: DvcRepo, epochs: int, message: str) -> str:
    """A commit whose dvc.lock holds a new `train` entry (the stage re-ran with `epochs`)."""
    lock = yaml.safe_load((repo.root / "dvc.lock").read_text())
    lock["stages"]["train"]["params"]["params.yaml"]["train.epochs"] = epochs
    repo.write("dvc.lock", yaml.safe_dump(lock, sort_keys=False))
    return repo.commit(message)


def _branchy(p: Pipeline) -> dict[str, str]:
    """main (c1-c3), a branch `try-large` off c2, and a DVC experiment kept only under
    refs/exps (as `dvc exp run` leaves it): no branch or tag reaches it."""
    repo = p.repo
    repo.git("checkout", "-q", "-b", "try-large", p.c2)
    large = _retrain(repo, 50, "try a larger run")
    repo.git("checkout", "-q", "main")
    experiment = _retrain(repo, 7, "exp: epochs=7")
    repo.git("update-ref", f"refs/exps/{p.c3[:2]}/{p.c3[2:]}/exp-7", experiment)
    repo.git("reset", "-q", "--hard", p.c3)
    return {"large": large, "experiment": experiment}


def _clone(source: Path, dest: Path) -> Path:
    subprocess.run(["git", "clone", "-q", str(source), str(dest)], check=True, capture_output=True)
    return dest


def _lock_entries(root: Path, revisions: list[str]) -> set[tuple[str, str]]:
    """(stage, lock entry digest) of every dvc.lock revision reachable from `revisions`."""
    git = ["git", "-C", str(root)]
    shas = subprocess.run(
        [*git, "rev-list", *revisions, "--", "dvc.lock"], check=True, capture_output=True, text=True
    ).stdout.split()
    entries = set()
    for sha in shas:
        content = subprocess.run(
            [*git, "show", f"{sha}:dvc.lock"], check=True, capture_output=True
        ).stdout
        entries |= {(entry.address, entry.digest) for entry in parse_lock(content, "dvc.lock")}
    return entries


def _runs(store: LineageStore) -> set[tuple[str, str]]:
    return {
        (run.attrs["stage"], run.attrs["lock_entry"])
        for run in store.find(NodeKind.RUN)
        if run.attrs.get("source") == "dvc"
    }


def test_a_plain_clone_reads_the_remote_tracking_branches(
    sqlite_store: LineageStore, pipeline: Pipeline, tmp_path: Path
) -> None:
    made = _branchy(pipeline)
    clone = _clone(pipeline.repo.root, tmp_path / "clone")
    report = ingest_dvc(sqlite_store, clone)
    assert not report.problems
    runs = _runs(sqlite_store)
    assert runs == _lock_entries(clone, ["--branches", "--remotes", "--tags", "HEAD"])
    assert any(run.attrs["git_commit"] == made["large"] for run in sqlite_store.find(NodeKind.RUN))
    # the same commits as ingest git: every DVC run's commit is a commit it read
    ingest_git(sqlite_store, clone)
    commits = {node.ref.removeprefix("commit:") for node in sqlite_store.find(NodeKind.COMMIT)}
    assert {run.attrs["git_commit"] for run in sqlite_store.find(NodeKind.RUN)} <= commits
    assert made["experiment"] not in commits


def test_all_adds_the_dvc_experiments(sqlite_store: LineageStore, pipeline: Pipeline) -> None:
    made = _branchy(pipeline)
    root = pipeline.repo.root
    ingest_dvc(sqlite_store, root)
    by_default = _runs(sqlite_store)
    assert made["experiment"] not in {
        run.attrs["git_commit"] for run in sqlite_store.find(NodeKind.RUN)
    }
    ingest_dvc(sqlite_store, root, all_refs=True)
    everything = _runs(sqlite_store)
    assert everything == _lock_entries(root, ["--all"])
    assert len(everything - by_default) == 1
    assert made["experiment"] in {
        run.attrs["git_commit"] for run in sqlite_store.find(NodeKind.RUN)
    }


def test_rev_limits_the_history_like_ingest_git(
    sqlite_store: LineageStore, pipeline: Pipeline
) -> None:
    _branchy(pipeline)
    ingest_dvc(sqlite_store, pipeline.repo.root, rev="main")
    assert _runs(sqlite_store) == _lock_entries(pipeline.repo.root, ["main"])


def test_cli_takes_the_same_ref_options(
    cli: Path, capsys: pytest.CaptureFixture[str], pipeline: Pipeline
) -> None:
    _branchy(pipeline)
    root = str(pipeline.repo.root)
    assert main(["ingest", "dvc", root, "--all", "--json"]) == 0
    assert '"runs": 7' in capsys.readouterr().out
    assert main(["ingest", "dvc", root, "--rev", "--bad"]) == 1
    assert "is not a revision spec" in capsys.readouterr().err
