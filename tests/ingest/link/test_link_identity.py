"""The link step: one artifact, one node, whichever source is ingested first.

A real git repository whose data files and params.yaml are committed, real MLflow runs that
log those files as inputs (`mlflow.data.from_pandas(…, source=<path>)`) with the flattened
params and their commit, ingested through the sources' own `run` (as `agentops ingest` and
`sync` do): git then MLflow and MLflow then git give dump-equal graphs in which every model
version's upstream holds the profiled git version of each data file and the config version
its run used.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from graph.export.dump import dump_lines
from graph.ingest import sources
from graph.queries import upstream
from graph.refs import EdgeKind, NodeKind
from graph.store import LineageStore, open_store
from tests.ingest.dvc.dvc_repo import build_pipeline, md5

TRAIN_A = "user,item,rating\n1,10,4\n2,11,5\n3,12,3\n4,13,4\n"
TRAIN_B = "user,item,rating\n1,10,4\n2,11,\n3,12,\n4,13,\n5,14,2\n"  # a null spike
EVAL = "user,item,rating\n7,10,5\n8,11,1\n"
PARAMS_A = {"train": {"lr": 0.1, "epochs": 5}, "features": {"window": 50}}
PARAMS_B = {"train": {"lr": 0.05, "epochs": 5}, "features": {"window": 50}}
SERVER = {"server": {"port": 8080, "workers": 4}}  # a config no run consumes


def git(root: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "A",
        "GIT_AUTHOR_EMAIL": "a@example.com",
        "GIT_COMMITTER_NAME": "A",
        "GIT_COMMITTER_EMAIL": "a@example.com",
    }
    done = subprocess.run(
        ["git", "-C", str(root), *args], env=env, check=True, capture_output=True, text=True
    )
    return done.stdout.strip()


def flat(value: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, inner in value.items():
        name = f"{prefix}{key}"
        out.update(flat(inner, name + ".") if isinstance(inner, dict) else {name: inner})
    return out


@dataclass
class Project:
    root: Path
    uri: str
    commits: list[str]
    runs: list[str]  # run ids, one per commit
    models: list[str]  # model refs, one per commit


def log_run(client: Any, experiment: str, root: Path, commit: str) -> str:
    """A training run as a script would log it: params, inputs from the work tree, commit."""
    import mlflow.data
    import pandas as pd
    from mlflow.entities import DatasetInput, InputTag

    run_id = client.create_run(experiment, tags={"mlflow.source.git.commit": commit}).info.run_id
    params = yaml.safe_load((root / "params.yaml").read_text())
    for key, value in flat(params).items():
        client.log_param(run_id, key, value)
    inputs = []
    for path, name, context in (
        ("data/train.csv", "train", "training"),
        ("data/eval.csv", "eval", "evaluation"),
    ):
        frame = pd.read_csv(root / path)
        dataset = mlflow.data.from_pandas(frame, source=path, name=name)
        tag = InputTag(key="mlflow.data.context", value=context)
        inputs.append(DatasetInput(dataset=dataset._to_mlflow_entity(), tags=[tag]))
    client.log_inputs(run_id, datasets=inputs)
    client.set_terminated(run_id, "FINISHED")
    return run_id


@pytest.fixture
def project(tmp_path: Path, mlflow_db: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    from mlflow import MlflowClient

    root = tmp_path / "project"
    (root / "data").mkdir(parents=True)
    (root / "configs").mkdir()
    monkeypatch.chdir(root)
    git(root, "init", "-q", "-b", "main")
    (root / ".gitignore").write_text("mlflow.db\nmlartifacts/\n")
    (root / "configs" / "server.yaml").write_text(yaml.safe_dump(SERVER))
    (root / "data" / "eval.csv").write_text(EVAL)
    uri = f"sqlite:///{mlflow_db}"
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    experiment = client.create_experiment(
        "train", artifact_location=(root / "mlartifacts").as_uri()
    )
    client.create_registered_model("recsys")
    commits, runs, models = [], [], []
    for train, params in ((TRAIN_A, PARAMS_A), (TRAIN_B, PARAMS_B)):
        (root / "data" / "train.csv").write_text(train)
        (root / "params.yaml").write_text(yaml.safe_dump(params))
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", f"train on {len(runs) + 1}")
        commits.append(git(root, "rev-parse", "HEAD"))
        runs.append(log_run(client, experiment, root, commits[-1]))
        version = client.create_model_version("recsys", f"runs:/{runs[-1]}/model", run_id=runs[-1])
        models.append(f"model:recsys/{version.version}")
    return Project(root, uri, commits, runs, models)


def ingest(store: LineageStore, root: Path, name: str, **table: Any) -> Any:
    source = sources()[name]
    return source.run(store, source.options(table, root))


def comparable(store: LineageStore) -> list[dict[str, Any]]:
    """The dump without `first_seen` (when agentops wrote a row, not what the graph says)."""
    records = [json.loads(line) for line in dump_lines(store)]
    return [{k: v for k, v in r.items() if k != "first_seen"} for r in records]


def blake3_12(text: str) -> str:
    from blake3 import blake3

    return blake3(text.encode()).hexdigest()[:12]


def assert_one_node_per_content(store: LineageStore) -> None:
    datasets = store.find(NodeKind.DATASET)
    assert not [n.ref for n in datasets if n.attrs.get("algorithm") == "mlflow"]
    digests = Counter(n.ref.rsplit("@", 1)[1] for n in datasets)
    assert [d for d, count in digests.items() if count > 1] == []


@pytest.mark.parametrize("order", [("git", "mlflow"), ("mlflow", "git")])
def test_git_and_mlflow_agree_on_data_and_configs(
    project: Project, tmp_path: Path, order: tuple[str, str]
) -> None:
    p = project
    with open_store(f"sqlite:///{tmp_path / 'lineage.db'}") as store:
        for name in order:
            ingest(store, p.root, name, **({"tracking_uri": p.uri} if name == "mlflow" else {}))
        assert_one_node_per_content(store)
        for i, train in enumerate((TRAIN_A, TRAIN_B)):
            lineage = upstream(store, [p.models[i]])
            refs = lineage.refs()
            train_ref = f"dataset:train@{blake3_12(train)}"
            assert {train_ref, f"dataset:eval@{blake3_12(EVAL)}"} <= refs
            train_node = store.get(train_ref)
            assert train_node.attrs["source"] == "git" and train_node.attrs["profile"]
            assert train_node.attrs["aliases"]["mlflow"]
            blob = git(p.root, "rev-parse", f"{p.commits[i]}:params.yaml")
            assert f"config:params.yaml@{blob[:12]}" in refs
            assert not [r for r in refs if r.startswith("config:configs/server.yaml")]
            roles = {
                e.src.split("@")[0]: e.attrs["role"]
                for e in store.edges_of([f"run:{p.runs[i]}"])
                if e.kind is EdgeKind.INPUT
            }
            assert roles == {"dataset:train": "training", "dataset:eval": "evaluation"}
        # the null spike is visible: both train versions are profiled, as git read them
        nulls = [
            store.get(f"dataset:train@{blake3_12(t)}").attrs["profile"]["columns"][2]["nulls"]
            for t in (TRAIN_A, TRAIN_B)
        ]
        assert nulls == [0, 3]
        once = comparable(store)
        for name in order:  # twice == once
            ingest(store, p.root, name, **({"tracking_uri": p.uri} if name == "mlflow" else {}))
        assert comparable(store) == once
    (tmp_path / f"{'-'.join(order)}.json").write_text(json.dumps(once, sort_keys=True))


def test_the_order_of_ingests_does_not_change_the_graph(project: Project, tmp_path: Path) -> None:
    dumps = []
    for order in (("git", "mlflow"), ("mlflow", "git")):
        with open_store(f"sqlite:///{tmp_path / ('-'.join(order) + '.db')}") as store:
            for name in order:
                table = {"tracking_uri": project.uri} if name == "mlflow" else {}
                ingest(store, project.root, name, **table)
            dumps.append(comparable(store))
    assert dumps[0] == dumps[1]


def test_mlflow_alone_keeps_one_node_and_says_why_its_content_is_unreachable(
    project: Project, tmp_path: Path
) -> None:
    with open_store(f"sqlite:///{tmp_path / 'lineage.db'}") as store:
        report = ingest(store, project.root, "mlflow", tracking_uri=project.uri)
        placeholders = [
            n for n in store.find(NodeKind.DATASET) if n.attrs.get("algorithm") == "mlflow"
        ]
        # eval.csv did not change: one node for both runs; train.csv two
        assert sorted(n.ref.split("@")[0] for n in placeholders) == [
            "dataset:eval",
            "dataset:train",
            "dataset:train",
        ]
        for node in placeholders:
            assert node.attrs["content"] == "unreachable"
            assert "ingest git" in node.attrs["content_reason"]
        assert set(report.link["unreachable"]) == {n.ref for n in placeholders}


def test_dvc_md5_and_blake3_name_one_node(tmp_path: Path) -> None:
    pipeline = build_pipeline(tmp_path / "project")
    root = pipeline.repo.root
    raw = (root / "data" / "raw.csv").read_bytes()
    dumps = []
    for order in (("dvc", "data"), ("data", "dvc")):
        with open_store(f"sqlite:///{tmp_path / ('-'.join(order) + '.db')}") as store:
            for name in order:
                ingest(store, root, name, **({"paths": ["data/raw.csv"]} if name == "data" else {}))
            [node] = store.find(NodeKind.DATASET, "raw")[-1:]
            current = [n for n in store.find(NodeKind.DATASET, "raw") if n.attrs.get("aliases")]
            assert [n.ref for n in current] == [f"dataset:raw@{blake3_12(raw.decode())}"]
            attrs = current[0].attrs
            assert attrs["aliases"] == {"md5": [md5(raw)]} and attrs["profile"]
            assert not store.get(f"dataset:raw@{md5(raw)[:12]}")
            prepare = [e for e in store.edges_of([current[0].ref]) if e.kind is EdgeKind.INPUT]
            assert [e.dst.split("@")[0] for e in prepare] == ["run:dvc:prepare"]
            old = store.get(f"dataset:raw@{pipeline.raw_v1[:12]}")
            assert old.attrs["content"] == "unreachable"  # an older version, not on disk
            dumps.append(comparable(store))
            del node
    assert dumps[0] == dumps[1]


def test_autologged_inputs_keep_their_roles(mlflow_db: Path, tmp_path: Path) -> None:
    """Autolog names every input `dataset`: the train split, the eval split and the 2-row
    input example become three datasets, named by their role, not three versions of one."""
    import mlflow.data
    import pandas as pd
    from mlflow import MlflowClient
    from mlflow.entities import DatasetInput, InputTag

    uri = f"sqlite:///{mlflow_db}"
    client = MlflowClient(tracking_uri=uri)
    run_id = client.create_run(client.create_experiment("auto")).info.run_id
    frames = {
        "train": pd.DataFrame({"x": range(10), "y": [i % 2 for i in range(10)]}),
        "eval": pd.DataFrame({"x": range(10, 14), "y": [0, 1, 1, 0]}),
        "input_example": pd.DataFrame({"x": [0, 1]}),
    }
    client.log_inputs(
        run_id,
        datasets=[
            DatasetInput(
                mlflow.data.from_pandas(frame, name="dataset")._to_mlflow_entity(),
                [InputTag("mlflow.data.context", context)],
            )
            for context, frame in frames.items()
        ],
    )
    with open_store(f"sqlite:///{tmp_path / 'lineage.db'}") as store:
        ingest(store, tmp_path, "mlflow", tracking_uri=uri)
        inputs = {
            e.src.split("@")[0]: e.attrs["role"]
            for e in store.edges_of([f"run:{run_id}"])
            if e.kind is EdgeKind.INPUT
        }
    assert inputs == {
        "dataset:training": "training",
        "dataset:evaluation": "evaluation",
        "dataset:input_example": "example",
    }


def test_a_dvc_stage_is_linked_to_the_configs_it_declares_in_either_order(tmp_path: Path) -> None:
    from tests.ingest.dvc.dvc_repo import DvcRepo, lock_entry, write_lock

    repo = DvcRepo(tmp_path / "project")
    repo.root.mkdir()
    repo.git("init", "-q", "-b", "main")
    config = b"model:\n  depth: 3\n"
    repo.write("configs/model.yaml", config)
    repo.write("params.yaml", "train:\n  lr: 0.1\n")
    stage = lock_entry(
        "python train.py",
        [("configs/model.yaml", md5(config), len(config))],
        [("model.pkl", md5(b"m"), 1)],
        params={"train.lr": 0.1},
    )
    write_lock(repo, {"train": stage})
    commit = repo.commit("train")
    expected = {
        f"config:configs/model.yaml@{repo.blob(commit, 'configs/model.yaml')[:12]}",
        f"config:params.yaml@{repo.blob(commit, 'params.yaml')[:12]}",
    }
    for order in (("git", "dvc"), ("dvc", "git")):
        with open_store(f"sqlite:///{tmp_path / ('-'.join(order) + '.db')}") as store:
            for name in order:
                ingest(store, repo.root, name)
            run = f"run:dvc:train@{commit[:12]}"
            configs = {e.src for e in store.edges_of([run]) if e.kind is EdgeKind.CONFIG_OF}
            assert configs == expected, order


def test_an_old_dvc_version_is_found_in_the_dvc_cache(tmp_path: Path) -> None:
    pipeline = build_pipeline(tmp_path / "project")
    root = pipeline.repo.root
    current = (root / "data" / "raw.csv").read_bytes()
    old = b"user,item,rating\n1,10,4\n2,11,5\n"  # the bytes of the first commit
    assert md5(old) == pipeline.raw_v1
    entry = root / ".dvc" / "cache" / "files" / "md5" / md5(old)[:2] / md5(old)[2:]
    entry.parent.mkdir(parents=True)
    entry.write_bytes(old)
    with open_store(f"sqlite:///{tmp_path / 'lineage.db'}") as store:
        (root / "data" / "raw.csv").write_bytes(old)  # `ingest data` saw it once, back then
        ingest(store, root, "data", paths=["data/raw.csv"])
        (root / "data" / "raw.csv").write_bytes(current)
        ingest(store, root, "dvc")
        versions = {n.ref: n.attrs.get("aliases") for n in store.find(NodeKind.DATASET, "raw")}
        assert versions == {
            f"dataset:raw@{blake3_12(old.decode())}": {"md5": [md5(old)]},
            f"dataset:raw@{blake3_12(current.decode())}": {"md5": [md5(current)]},
        }
