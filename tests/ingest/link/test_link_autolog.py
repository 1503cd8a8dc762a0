"""MLflow autolog's inputs name no file; the link step finds the committed file they were read
from by the rows and columns MLflow logged.

A real git repository commits `data/train.csv`, `data/test.csv` and `data/sample.csv` (the same
shape as the training file, no role in its name); real `mlflow.sklearn.autolog()` fits a small
regressor on frames read from those files (the target split off, a derived column added) and
scores it on the test frame, and the run logs a 3-row input example. A second run logs a frame
read from `sample.csv` with no context: two files agree, so it stays a placeholder.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from graph.refs import EdgeKind
from graph.store import LineageStore, open_store
from tests.ingest.link.test_link_identity import blake3_12, comparable, git, ingest


def sales(rows: int, offset: int) -> str:
    lines = ["area,rooms,built,price"]
    for i in range(rows):
        area = 50 + (i * 37 + offset) % 120
        rooms = 1 + (i + offset) % 5
        lines.append(f"{area},{rooms},{1950 + (i * 7 + offset) % 70},{area * 900 + rooms * 5000}")
    return "\n".join(lines) + "\n"


TRAIN = sales(24, 0)
SAMPLE = sales(24, 5)  # same rows and columns as the training file
TEST = sales(9, 11)


@dataclass
class Autologged:
    root: Path
    uri: str
    fit_run: str
    sample_run: str


def features(frame):  # the model's frame: the target split off, a derived column added
    out = frame.drop(columns=["price"])
    out["age"] = 2024 - out["built"]
    return out


@pytest.fixture
def autologged(tmp_path: Path, mlflow_db: Path, monkeypatch: pytest.MonkeyPatch) -> Autologged:
    import mlflow
    import mlflow.data
    import pandas as pd
    from sklearn.linear_model import LinearRegression
    from sklearn.metrics import mean_squared_error

    monkeypatch.setenv("MLFLOW_REQUIREMENTS_INFERENCE_TIMEOUT", "1")
    root = tmp_path / "project"
    (root / "data").mkdir(parents=True)
    monkeypatch.chdir(root)
    git(root, "init", "-q", "-b", "main")
    (root / ".gitignore").write_text("mlflow.db\nmlruns/\n")
    for name, text in (("train", TRAIN), ("test", TEST), ("sample", SAMPLE)):
        (root / "data" / f"{name}.csv").write_text(text)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "splits")
    commit = git(root, "rev-parse", "HEAD")
    uri = f"sqlite:///{mlflow_db}"
    mlflow.set_tracking_uri(uri)
    mlflow.set_experiment("autolog")
    tags = {"mlflow.source.git.commit": commit}
    train, test = pd.read_csv(root / "data/train.csv"), pd.read_csv(root / "data/test.csv")
    mlflow.sklearn.autolog(log_models=False, silent=True)
    try:
        with mlflow.start_run(tags=tags) as fit:
            model = LinearRegression().fit(features(train), train["price"])
            mean_squared_error(test["price"], model.predict(features(test)))  # logs the eval frame
            example = mlflow.data.from_pandas(features(train).head(3))
            mlflow.log_input(example, context="input_example")
        with mlflow.start_run(tags=tags) as other:
            frame = features(pd.read_csv(root / "data/sample.csv"))
            mlflow.log_input(mlflow.data.from_pandas(frame))
    finally:
        mlflow.sklearn.autolog(disable=True)
        mlflow.set_tracking_uri(None)
    return Autologged(root, uri, fit.info.run_id, other.info.run_id)


def inputs(store: LineageStore, run_id: str) -> dict[str, dict]:
    edges = store.edges_of([f"run:{run_id}"])
    return {
        e.attrs.get("context") or "": {"ref": e.src, **e.attrs}
        for e in edges
        if e.kind is EdgeKind.INPUT
    }


def test_autologged_frames_resolve_to_the_committed_files(autologged: Autologged, tmp_path: Path):
    a = autologged
    dumps = []
    for order in (("git", "mlflow"), ("mlflow", "git")):
        with open_store(f"sqlite:///{tmp_path / ('-'.join(order) + '.db')}") as store:
            for name in order:
                ingest(store, a.root, name, **({"tracking_uri": a.uri} if name == "mlflow" else {}))
            fit = inputs(store, a.fit_run)
            # sample.csv has the training frame's shape: the role in the name decides
            assert fit["train"]["ref"] == f"dataset:train@{blake3_12(TRAIN)}"
            assert fit["eval"]["ref"] == f"dataset:test@{blake3_12(TEST)}"
            for context in ("train", "eval"):
                assert fit[context]["identity"] == "blake3"
                assert fit[context]["matched_by"] == "schema+rows"
                content = store.get(fit[context]["ref"])
                assert content.attrs["aliases"]["mlflow"] == [fit[context]["mlflow_digest"]]
                assert content.attrs["profile"]["columns"]
            example = store.get(fit["input_example"]["ref"])
            assert example.attrs["algorithm"] == "mlflow"
            assert "input example" in example.attrs["content_reason"]
            (tie,) = inputs(store, a.sample_run).values()
            reason = store.get(tie["ref"]).attrs["content_reason"]
            assert "data/sample.csv" in reason and "data/train.csv" in reason
            once = comparable(store)
            ingest(store, a.root, "git")  # twice == once
            ingest(store, a.root, "mlflow", tracking_uri=a.uri)
            assert comparable(store) == once
            dumps.append(once)
    assert dumps[0] == dumps[1]
