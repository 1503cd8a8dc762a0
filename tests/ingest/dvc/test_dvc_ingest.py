"""DVC ingest on real git repositories with DVC-shaped files at several commits."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from agentops.cli import main
from graph.diff import diff
from graph.errors import IngestError
from graph.ingest.dvc import history as dvc_history
from graph.ingest.dvc import ingest_dvc
from graph.model import Node
from graph.refs import EdgeKind, NodeKind, config_ref
from graph.store import LineageStore
from tests.ingest.dvc.dvc_repo import DvcRepo, Pipeline, build_pipeline, lock_entry, md5, write_lock


def run_ref(stage: str, sha: str) -> str:
    return f"run:dvc:{stage}@{sha[:12]}"


def links(store: LineageStore, ref: str, kind: EdgeKind) -> set[tuple[str, str]]:
    return {(e.src, e.dst) for e in store.edges_of([ref]) if e.kind is kind}


def test_stages_become_runs_with_data_by_md5(store: LineageStore, pipeline: Pipeline) -> None:
    p = pipeline
    report = ingest_dvc(store, p.repo.root)
    assert (report.commits, report.lock_versions, report.dvc_files) == (3, 3, 2)
    assert not report.problems and not report.shallow
    # prepare ran at c1 and c3 (new data); at c2 only the learning rate changed
    assert sorted(n.ref for n in store.find(NodeKind.RUN)) == sorted(
        [
            run_ref("prepare", p.c1),
            run_ref("train", p.c1),
            run_ref("train", p.c2),
            run_ref("prepare", p.c3),
            run_ref("train", p.c3),
        ]
    )

    raw1, raw2 = f"dataset:raw@{p.raw_v1[:12]}", f"dataset:raw@{p.raw_v2[:12]}"
    feat1, feat2 = (
        f"dataset:features@{p.features_v1[:12]}",
        f"dataset:features@{p.features_v2[:12]}",
    )
    assert links(store, run_ref("prepare", p.c1), EdgeKind.INPUT) == {
        (raw1, run_ref("prepare", p.c1))
    }
    assert links(store, run_ref("prepare", p.c1), EdgeKind.OUTPUT) == {
        (run_ref("prepare", p.c1), feat1)
    }
    assert links(store, run_ref("train", p.c2), EdgeKind.INPUT) == {(feat1, run_ref("train", p.c2))}
    assert links(store, run_ref("train", p.c3), EdgeKind.INPUT) == {(feat2, run_ref("train", p.c3))}
    assert links(store, raw1, EdgeKind.PREVIOUS) == {(raw1, raw2)}

    raw = store.get(raw1)
    assert raw is not None
    assert raw.attrs["algorithm"] == "md5" and raw.attrs["md5"] == p.raw_v1
    assert raw.attrs["path"] == "data/raw.csv" and raw.attrs["introduced_in"] == p.c1
    features = store.get(feat1)
    assert features is not None and features.attrs["is_dir"] and features.attrs["nfiles"] == 2

    train = store.get(run_ref("train", p.c2))
    assert train is not None
    assert train.attrs["params"] == {"train.lr": 0.1, "train.epochs": 5}
    assert train.attrs["params_files"] == {"params.yaml": p.repo.blob(p.c2, "params.yaml")}
    assert train.attrs["code_deps"] == {"src/train.py": md5(b"print('train')\n")}
    assert train.attrs["git_commit"] == p.c2 and train.attrs["state"] == "COMPLETE"
    assert train.attrs["cmd"] == "python src/train.py"
    # git-tracked code is not a dataset
    assert store.find(NodeKind.DATASET, "train") == []


def test_diff_between_two_revisions_names_the_data_change(
    sqlite_store: LineageStore, pipeline: Pipeline
) -> None:
    p = pipeline
    ingest_dvc(sqlite_store, p.repo.root)
    changed = diff(sqlite_store, run_ref("train", p.c1), run_ref("train", p.c3)).changed
    assert {(c.kind.value, c.name, c.a_refs, c.b_refs) for c in changed} >= {
        ("dataset", "raw", (f"dataset:raw@{p.raw_v1[:12]}",), (f"dataset:raw@{p.raw_v2[:12]}",)),
        (
            "dataset",
            "features",
            (f"dataset:features@{p.features_v1[:12]}",),
            (f"dataset:features@{p.features_v2[:12]}",),
        ),
    }
    # c1 → c2 changed only a param: no dataset differs
    params_only = diff(sqlite_store, run_ref("train", p.c1), run_ref("train", p.c2)).changed
    assert [c for c in params_only if c.kind is NodeKind.DATASET] == []


def test_commits_and_params_files_link_once_they_are_in_the_graph(
    sqlite_store: LineageStore, pipeline: Pipeline
) -> None:
    p = pipeline
    first = ingest_dvc(sqlite_store, p.repo.root)
    assert (first.linked_commits, first.linked_configs) == (0, 0)
    blob1, blob2 = p.repo.blob(p.c1, "params.yaml"), p.repo.blob(p.c3, "params.yaml")
    sqlite_store.upsert(
        [  # what `ingest git` would add
            *(Node.make(f"commit:{sha}", {}) for sha in (p.c1, p.c2, p.c3)),
            Node.make(config_ref("params.yaml", blob1), {}),
            Node.make(config_ref("params.yaml", blob2), {}),
        ]
    )
    again = ingest_dvc(sqlite_store, p.repo.root)
    assert again.up_to_date
    assert again.linked_commits == 5
    assert again.linked_configs == 3 + 2  # params → 3 train runs; 2 .dvc versions ← commits
    assert links(sqlite_store, run_ref("train", p.c2), EdgeKind.CODE_OF) == {
        (f"commit:{p.c2}", run_ref("train", p.c2))
    }
    assert links(sqlite_store, run_ref("train", p.c1), EdgeKind.CONFIG_OF) == {
        (config_ref("params.yaml", blob1), run_ref("train", p.c1))
    }
    assert links(sqlite_store, f"dataset:raw@{p.raw_v2[:12]}", EdgeKind.INTRODUCED) == {
        (f"commit:{p.c3}", f"dataset:raw@{p.raw_v2[:12]}")
    }
    result = diff(sqlite_store, run_ref("train", p.c1), run_ref("train", p.c2))
    assert {(c.kind.value, c.name) for c in result.changed} == {("config", "params.yaml")}
    # train@c2 also reads what prepare@c1 made, so c1 is upstream of both; c2 is new
    assert f"commit:{p.c2}" in result.only_b and f"commit:{p.c1}" not in result.only_a
    assert ingest_dvc(sqlite_store, p.repo.root).linked_configs == 0  # nothing twice


def test_ingest_is_idempotent(sqlite_store: LineageStore, pipeline: Pipeline) -> None:
    ingest_dvc(sqlite_store, pipeline.repo.root)
    before = (
        [(n.ref, n.attrs) for n in sqlite_store.iter_nodes()],
        [(e.src, e.dst, e.kind) for e in sqlite_store.iter_edges()],
    )
    assert ingest_dvc(sqlite_store, pipeline.repo.root).up_to_date
    full = ingest_dvc(sqlite_store, pipeline.repo.root, full=True)
    assert not full.up_to_date and full.runs == 5
    after = (
        [(n.ref, n.attrs) for n in sqlite_store.iter_nodes()],
        [(e.src, e.dst, e.kind) for e in sqlite_store.iter_edges()],
    )
    assert after == before


def test_a_new_commit_is_picked_up(sqlite_store: LineageStore, pipeline: Pipeline) -> None:
    p = pipeline
    ingest_dvc(sqlite_store, p.repo.root)
    lock = yaml.safe_load((p.repo.root / "dvc.lock").read_text())
    lock["stages"]["train"]["params"]["params.yaml"]["train.epochs"] = 9
    p.repo.write("dvc.lock", yaml.safe_dump(lock, sort_keys=False))
    c4 = p.repo.commit("more epochs")
    report = ingest_dvc(sqlite_store, p.repo.root)
    assert not report.up_to_date and report.commits == 4
    new = sqlite_store.get(run_ref("train", c4))
    assert new is not None and new.attrs["params"]["train.epochs"] == 9
    assert len(sqlite_store.find(NodeKind.RUN)) == 6


def test_history_is_read_with_a_fixed_number_of_git_processes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sqlite_store: LineageStore
) -> None:
    """One git log and one cat-file --batch (plus rev-parse and one --batch-check), whatever
    the number of commits. (The refs are listed by `ingest git`'s own reader, not counted.)"""
    calls: list[list[str]] = []
    real_run = subprocess.run

    def counting_run(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[bytes]:
        calls.append(args)
        return real_run(args, **kwargs)  # type: ignore[call-overload,no-any-return]

    p = build_pipeline(tmp_path / "short")
    repo = p.repo
    monkeypatch.setattr(dvc_history.subprocess, "run", counting_run)
    ingest_dvc(sqlite_store, repo.root)
    short = len(calls)
    monkeypatch.setattr(dvc_history.subprocess, "run", real_run)
    for epochs in range(10, 22):  # twelve more commits that change dvc.lock
        lock = yaml.safe_load((repo.root / "dvc.lock").read_text())
        lock["stages"]["train"]["params"]["params.yaml"]["train.epochs"] = epochs
        repo.write("dvc.lock", yaml.safe_dump(lock, sort_keys=False))
        repo.commit(f"epochs={epochs}")
    calls.clear()
    monkeypatch.setattr(dvc_history.subprocess, "run", counting_run)
    report = ingest_dvc(sqlite_store, repo.root)
    assert report.commits == 15 and report.runs == 17
    assert len(calls) == short == 4
    assert [c[3] for c in calls] == ["rev-parse", "log", "cat-file", "cat-file"]


def test_broken_and_odd_files_are_reported_not_fatal(
    sqlite_store: LineageStore, pipeline: Pipeline
) -> None:
    p = pipeline
    p.repo.git("checkout", "-q", "-b", "experiment")
    p.repo.write("dvc.lock", "schema: '2.0'\nstages: [unclosed\n")
    p.repo.write("extra.csv.dvc", "- just a list\n")
    outside = lock_entry(
        "python x.py",
        [("../../outside.csv", md5(b"x"), 1)],
        [("y.csv", md5(b"y"), 1)],
        params={"k": 1},
    )
    outside["params"] = {"../../p.yaml": {"k": 1}}
    write_lock(p.repo, {"escape": outside}, path="odd/dvc.lock")
    broken = p.repo.commit("a merge-conflicted lock, and paths outside the repository")
    report = ingest_dvc(sqlite_store, p.repo.root)
    assert report.problems == [
        f"dvc.lock at {broken[:12]}: not valid YAML at line 3; skipped",
        f"extra.csv.dvc at {broken[:12]}: not a mapping with outs; skipped",
    ]
    assert report.runs == 6  # everything else is kept
    escape = sqlite_store.get(f"run:dvc:odd/dvc.yaml:escape@{broken[:12]}")
    assert escape is not None and escape.attrs["params_files"] == {"../p.yaml": None}
    assert links(sqlite_store, escape.ref, EdgeKind.INPUT) == {
        (f"dataset:outside@{md5(b'x')[:12]}", escape.ref)
    }


def test_subfolder_pipelines_foreach_stages_and_the_old_lock_format(
    sqlite_store: LineageStore, tmp_path: Path
) -> None:
    repo = DvcRepo(tmp_path / "mono")
    repo.root.mkdir()
    repo.git("init", "-q", "-b", "main")
    repo.write(".gitignore", "*.csv\n*.pkl\n")
    repo.write("ml/params.yaml", "lr: 0.5\n")
    write_lock(
        repo,
        {
            "fit@small": lock_entry(
                "python fit.py small",
                [("data.csv", md5(b"a"), 1)],
                [("small.pkl", md5(b"s"), 1)],
                params={"lr": 0.5},
            ),
        },
        path="ml/dvc.lock",
    )
    repo.write(
        "legacy/dvc.lock",
        yaml.safe_dump(
            {  # DVC 1.x: stages at the top level
                "clean": {
                    "cmd": "python clean.py",
                    "deps": [{"path": "in.csv", "md5": md5(b"i")}],
                    "outs": [{"path": "out.csv", "md5": md5(b"o")}],
                }
            }
        ),
    )
    sha = repo.commit("two pipelines")
    report = ingest_dvc(sqlite_store, repo.root)
    assert not report.problems
    fit = sqlite_store.get(f"run:dvc:ml/dvc.yaml:fit@small@{sha[:12]}")
    assert fit is not None
    assert fit.attrs["params"] == {"ml/params.yaml:lr": 0.5}
    assert fit.attrs["params_files"] == {"ml/params.yaml": repo.blob(sha, "ml/params.yaml")}
    assert links(sqlite_store, fit.ref, EdgeKind.INPUT) == {
        (f"dataset:data@{md5(b'a')[:12]}", fit.ref)
    }
    data = sqlite_store.get(f"dataset:data@{md5(b'a')[:12]}")
    assert data is not None and data.attrs["path"] == "ml/data.csv"
    clean = sqlite_store.get(f"run:dvc:legacy/dvc.yaml:clean@{sha[:12]}")
    assert clean is not None
    assert links(sqlite_store, clean.ref, EdgeKind.OUTPUT) == {
        (clean.ref, f"dataset:out@{md5(b'o')[:12]}")
    }
    # only this folder: ingesting ml/ alone sees one pipeline
    assert ingest_dvc(sqlite_store, repo.root / "ml", full=True).lock_versions == 1


def test_two_paths_with_one_stem_get_distinct_names(
    sqlite_store: LineageStore, tmp_path: Path
) -> None:
    repo = DvcRepo(tmp_path / "stems")
    repo.root.mkdir()
    repo.git("init", "-q", "-b", "main")
    write_lock(
        repo,
        {
            "join": lock_entry(
                "python join.py",
                [("a/users.csv", md5(b"1"), 1), ("b/users.parquet", md5(b"2"), 1)],
                [("users.csv", md5(b"3"), 1)],
            )
        },
    )
    repo.commit("join")
    ingest_dvc(sqlite_store, repo.root)
    names = sorted(n.name for n in sqlite_store.find(NodeKind.DATASET))
    assert names == ["b/users.parquet", "users", "users.csv"]


def test_not_a_repository_and_an_empty_one(sqlite_store: LineageStore, tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    with pytest.raises(IngestError, match="is not inside a git work tree"):
        ingest_dvc(sqlite_store, tmp_path / "plain")
    with pytest.raises(IngestError, match="no such folder"):
        ingest_dvc(sqlite_store, tmp_path / "missing")
    empty = DvcRepo(tmp_path / "empty")
    empty.root.mkdir()
    empty.git("init", "-q")
    report = ingest_dvc(sqlite_store, empty.root)
    assert (report.commits, report.runs) == (0, 0)


def test_cli(cli: Path, capsys: pytest.CaptureFixture[str], pipeline: Pipeline) -> None:
    root = str(pipeline.repo.root)
    assert main(["ingest", "dvc", root, "--json"]) == 0
    out, err = capsys.readouterr()
    report = json.loads(out)
    assert (report["runs"], report["datasets"], report["up_to_date"]) == (5, 7, False)
    assert "dvc: 3 dvc.lock and 2 .dvc versions in 3 commits → 5 runs, 7 datasets" in err
    assert main(["ingest", "dvc", root]) == 0
    assert "unchanged since the last ingest" in capsys.readouterr().err
    (cli / "agentops.toml").write_text(f'[sources.dvc]\npath = "{root}"\n')
    assert main(["ingest", "dvc", "--full", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["runs"] == 5
    (cli / "nogit").mkdir()
    assert main(["ingest", "dvc", "nogit"]) == 1
    assert "is not inside a git work tree" in capsys.readouterr().err
