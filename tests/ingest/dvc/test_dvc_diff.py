"""`lineage diff` of two commits names the data versions that changed (DVC stage outputs, as
dvc.lock records them), and across sibling branches both sides of the merge base: a params
change on one branch and another on the other, as in DVC's example-get-started."""

from __future__ import annotations

import json

import pytest
import yaml

from agentops.cli import main
from graph.diff import diff
from graph.ingest.dvc import ingest_dvc
from graph.ingest.files.classify import FileClassifier
from graph.ingest.git import ingest_git
from graph.store import LineageStore
from tests.ingest.dvc.dvc_repo import DvcRepo, Pipeline, md5


def _retrain(repo: DvcRepo, key: str, value: float, message: str) -> tuple[str, str]:
    """Change one `train` param in params.yaml and re-run `train` (a new model.pkl): commit."""
    params = yaml.safe_load((repo.root / "params.yaml").read_text())
    params["train"][key] = value
    repo.write("params.yaml", yaml.safe_dump(params))
    lock = yaml.safe_load((repo.root / "dvc.lock").read_text())
    train = lock["stages"]["train"]
    train["params"]["params.yaml"][f"train.{key}"] = value
    model = f"model with {key}={value}".encode()
    train["outs"] = [{"path": "model.pkl", "hash": "md5", "md5": md5(model), "size": len(model)}]
    repo.write("dvc.lock", yaml.safe_dump(lock, sort_keys=False))
    return repo.commit(message), md5(model)


@pytest.fixture
def siblings(store: LineageStore, pipeline: Pipeline) -> dict[str, str]:
    """Two branches off c3: `more-epochs` (train.epochs 5 → 9) and `faster` (train.lr 0.1 →
    0.2), each re-running `train`; git and DVC ingested."""
    repo = pipeline.repo
    repo.git("checkout", "-q", "-b", "more-epochs", pipeline.c3)
    epochs, epochs_model = _retrain(repo, "epochs", 9, "train longer")
    repo.git("checkout", "-q", "-b", "faster", pipeline.c3)
    lr, lr_model = _retrain(repo, "lr", 0.2, "raise the learning rate")
    ingest_git(store, repo.root)
    ingest_dvc(store, repo.root)
    return {"epochs": epochs, "lr": lr, "epochs_model": epochs_model, "lr_model": lr_model}


def test_dvc_lock_is_data_lineage_not_a_dependency_file() -> None:
    classify = FileClassifier()
    assert classify("dvc.lock") == "data"
    assert classify("pipelines/train/dvc.lock") == "data"
    assert classify("data/raw.csv.dvc") == "data"
    assert classify("poetry.lock") == "dependency"


def test_commit_diff_names_the_data_each_side_changed(
    store: LineageStore, pipeline: Pipeline, siblings: dict[str, str]
) -> None:
    result = diff(store, f"commit:{siblings['epochs']}", f"commit:{siblings['lr']}")
    code = result.code
    assert code is not None
    # B's side of the merge base (c3): the learning rate, and the model it trained
    assert [c.sha for c in code.commits] == [siblings["lr"]]
    assert [(k.key, k.old, k.new) for c in code.configs for k in c.keys] == [("train.lr", 0.1, 0.2)]
    assert [(d.name, d.new.rsplit("@", 1)[1]) for d in code.data] == [
        ("model", siblings["lr_model"][:12])
    ]
    # A's side: the epochs, and its own model
    assert code.a_side is not None
    assert [c.sha for c in code.a_side.commits] == [siblings["epochs"]]
    assert [(k.key, k.old, k.new) for c in code.a_side.configs for k in c.keys] == [
        ("train.epochs", 5, 9)
    ]
    assert [(d.name, d.new.rsplit("@", 1)[1]) for d in code.a_side.data] == [
        ("model", siblings["epochs_model"][:12])
    ]
    # both replaced the model trained at c3
    (c3_model,) = {d.old for d in (*code.data, *code.a_side.data)}
    assert c3_model is not None and c3_model.startswith("dataset:model@")


def test_commit_diff_along_one_branch_names_the_new_data(
    store: LineageStore, pipeline: Pipeline, siblings: dict[str, str]
) -> None:
    code = diff(store, f"commit:{pipeline.c1}", f"commit:{pipeline.c3}").code
    assert code is not None and code.a_side is None
    changed = {d.name: (d.old, d.new) for d in code.data}
    assert set(changed) >= {"raw", "features", "model"}
    assert changed["raw"] == (
        f"dataset:raw@{pipeline.raw_v1[:12]}",
        f"dataset:raw@{pipeline.raw_v2[:12]}",
    )
    assert changed["features"][1] == f"dataset:features@{pipeline.features_v2[:12]}"


def test_cli_shows_both_sides(cli, capsys: pytest.CaptureFixture[str], pipeline: Pipeline) -> None:
    repo = pipeline.repo
    repo.git("checkout", "-q", "-b", "more-epochs", pipeline.c3)
    epochs, _ = _retrain(repo, "epochs", 9, "train longer")
    repo.git("checkout", "-q", "-b", "faster", pipeline.c3)
    lr, _ = _retrain(repo, "lr", 0.2, "raise the learning rate")
    assert main(["ingest", "git", str(repo.root)]) == 0
    assert main(["ingest", "dvc", str(repo.root)]) == 0
    capsys.readouterr()
    assert main(["lineage", "diff", epochs, lr]) == 0
    out = capsys.readouterr().out
    assert "on the other side of the merge base" in out
    assert "train.epochs" in out and "train.lr" in out and "data changed" in out
    assert main(["lineage", "diff", epochs, lr, "--json"]) == 0
    shape = json.loads(capsys.readouterr().out)["code"]
    assert [d["name"] for d in shape["data"]] == ["model"]
    assert [d["name"] for d in shape["a_side"]["data"]] == ["model"]
