"""End to end through the CLI on a project shaped like MLflow's own examples
(`sklearn_elasticnet_wine`): hyperparameters are defaults in `train.py` (and `MLproject`),
logged with `mlflow.log_param`; the data is a CSV the script reads with no `log_input`; the
model's signature names its input columns. A real git repository and a real MLflow store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentops.cli import main
from tests.analysis.rootcause.git_repo import commit
from tests.ingest.mlflow.mlflow_project import LoggedInput, MlflowProject

pytestmark = pytest.mark.filterwarnings(
    "ignore::UserWarning", "ignore::FutureWarning", "ignore::DeprecationWarning"
)

TRAIN = """import sys

import pandas as pd
from sklearn.linear_model import ElasticNet

data = pd.read_csv("data/wine-quality.csv")
train_x, train_y = data.drop(["quality"], axis=1), data[["quality"]]
alpha = float(sys.argv[1]) if len(sys.argv) > 1 else 0.5
l1_ratio = float(sys.argv[2]) if len(sys.argv) > 2 else 0.5
model = ElasticNet(alpha=alpha, l1_ratio=l1_ratio, random_state=42).fit(train_x, train_y)
"""
MLPROJECT = """name: tutorial
entry_points:
  main:
    parameters:
      alpha: {type: float, default: 0.5}
    command: "python train.py {alpha}"
"""
FEATURES = ("fixed_acidity", "alcohol", "pH")


def _wine(
    scale: int = 1, features: tuple[str, ...] = FEATURES, rows: int = 60, label: bool = True
) -> str:
    """`rows` rows of the wine data; `scale` recodes the quality label, `features` picks
    columns, `label` keeps the quality column."""
    values = {
        "fixed_acidity": lambda i: f"{7 + i % 5 * 0.3:.1f}",
        "alcohol": lambda i: f"{9 + i % 7 * 0.5:.1f}",
        "pH": lambda i: f"{3 + i % 4 * 0.1:.1f}",
    }
    lines = [
        ",".join([*(values[f](i) for f in features), *([str((3 + i % 6) * scale)] * label)])
        for i in range(rows)
    ]
    header = ",".join([*features, *(["quality"] * label)])
    return header + "\n" + "\n".join(lines) + "\n"


def _model_files(folder: Path) -> str:
    """A model folder as `mlflow.sklearn.log_model(..., signature=...)` leaves it."""
    folder.mkdir(parents=True)
    inputs = json.dumps([{"type": "double", "name": name, "required": True} for name in FEATURES])
    (folder / "MLmodel").write_text(
        f"flavors:\n  python_function: {{}}\nsignature:\n  inputs: '{inputs}'\n"
        '  outputs: \'[{"type": "tensor", "tensor-spec": {"dtype": "float64", '
        '"shape": [-1]}}]\'\n'
    )
    return folder.as_uri()


def test_why_on_an_mlflow_example_shaped_project(
    mlflow_project: MlflowProject,
    mlflow_db: Path,
    cli: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo, p = cli, mlflow_project
    files = {"train.py": TRAIN, "MLproject": MLPROJECT, "data/wine-quality.csv": _wine()}
    no_ph = TRAIN.replace("axis=1)", 'axis=1).drop(columns=["pH"])')
    shas = [
        commit(repo, files, "ElasticNet on the wine data"),
        commit(repo, {"train.py": no_ph}, "features: pH is noise, leave it out"),
        commit(
            repo,
            {
                "train.py": no_ph.replace("else 0.5", "else 5.0", 1),
                "MLproject": MLPROJECT.replace("0.5", "5.0"),
            },
            "Stronger regularisation by default",
        ),
        commit(repo, {"data/wine-quality.csv": _wine(scale=10)}, "data: new export"),
    ]
    frames = repo.parent / "frames"
    frames.mkdir()
    # the training split's features autolog logs (no source: built in code)
    (frames / "all.csv").write_text(_wine(rows=45, label=False))
    (frames / "no_ph.csv").write_text(_wine(rows=45, label=False, features=FEATURES[:2]))
    versions, run_ids = [], []
    runs = zip(shas, ("0.5", "0.5", "5.0", "5.0"), (0.7, 0.8, 0.9, 9.0), strict=True)
    for i, (sha, alpha, rmse) in enumerate(runs):
        frame = LoggedInput(
            frames / ("all.csv" if i == 0 else "no_ph.csv"), "dataset", from_code=True
        )
        run = p.run(
            params={"alpha": alpha, "l1_ratio": "0.5"},
            metrics={"rmse": [rmse]},
            commit=sha,
            inputs=[frame],
        )
        p.client.set_tag(run, "mlflow.source.name", "train.py")
        run_ids.append(run)
        if not versions:
            p.client.create_registered_model("wine")
        source = _model_files(repo.parent / "models" / sha[:8])
        versions.append(p.client.create_model_version("wine", source, run_id=run).version)
    assert main(["init"]) == 0
    (repo / "agentops.toml").write_text(
        f'[sources.git]\npath = "."\n[sources.mlflow]\ntracking_uri = "sqlite:///{mlflow_db}"\n'
    )
    assert main(["sync"]) == 0
    capsys.readouterr()

    # preprocessing in the code: the commit, with the frame autolog logged as its evidence
    first = _why(capsys, 2, 1)
    assert first["ref"] == f"commit:{shas[1]}" and first["cause"]
    assert "the training frame MLflow logged moved with it: schema: removed pH" in first["evidence"]

    # a hyperparameter default in the code: the commit that changed it, not the run
    first = _why(capsys, 3, 2)
    assert (first["ref"], first["card"]) == (f"commit:{shas[2]}", "config-regression")
    assert (
        "this commit set alpha: train.py: alpha = float(sys.argv[1]) if len(sys.argv) > 1 else 5.0"
        in first["evidence"]
    )

    # the CSV the script reads (no run logged it), its label told by the model's signature
    first = _why(capsys, 4, 3)
    assert first["ref"].startswith("dataset:wine-quality@") and first["card"] == "label-shift"
    assert "quality rescaled ×10 (a label/target column)" in first["evidence"]
    assert (
        "read by the code on the model's path, though no run logged it: "
        "train.py names 'data/wine-quality.csv'"
    ) in first["evidence"]
    assert f"commit:{shas[3]}" in first["related"]
    # BAD as the run that made the version, as MLflow names its model
    assert main(["why", f"runs:/{run_ids[3]}/model", "--good", "models:/wine/3", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["suspects"][0]["ref"] == first["ref"]


def _why(capsys: pytest.CaptureFixture[str], bad: int, good: int) -> dict:
    """The first suspect of `why` for two versions given as MLflow URIs."""
    assert main(["why", f"models:/wine/{bad}", "--good", f"models:/wine/{good}", "--json"]) == 0
    return json.loads(capsys.readouterr().out)["suspects"][0]
