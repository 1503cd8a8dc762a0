"""End to end through the CLI: a real git repository and a real MLflow store, synced, then
`agentops why --json`. The changes that cannot reach the model — a plotting module the training
script never imports, its style config, a package the model's logged environment does not
install — are ruled out with their evidence, and the real cause still ranks first."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentops.cli import main
from graph.attributes import ModelVersionAttrs
from graph.store import open_store
from tests.analysis.rootcause.git_repo import commit
from tests.ingest.mlflow.mlflow_project import MlflowProject

pytestmark = pytest.mark.filterwarnings(
    "ignore::UserWarning", "ignore::FutureWarning", "ignore::DeprecationWarning"
)

FIRST = {
    "train.py": "import yaml\nfrom pkg.model import fit\nfit(yaml.safe_load(open('conf.yaml')))\n",
    "conf.yaml": "optimizer:\n  lr: 0.01\n",
    "pkg/__init__.py": "",
    "pkg/model.py": "from pkg.features import scale\ndef fit(cfg):\n    return scale(cfg)\n",
    "pkg/features.py": "def scale(x):\n    return x\n",
    "pkg/plots.py": "import yaml\nSTYLE = yaml.safe_load(open('style.yaml'))\ndef bar():\n"
    "    return 1\n",
    "style.yaml": "figure:\n  dpi: 100\n",
    "requirements.txt": "numpy==1.26.4\nmatplotlib==3.7.0\nscikit-learn==1.4.0\n",
}


def _model_files(folder: Path) -> str:
    """A model folder in MLflow's format, with the environment MLflow logs beside MLmodel."""
    folder.mkdir(parents=True)
    (folder / "MLmodel").write_text("flavors:\n  python_function: {}\n")
    (folder / "requirements.txt").write_text("mlflow==3.1\nnumpy==1.26.4\nscikit-learn==1.4.0\n")
    (folder / "conda.yaml").write_text(
        "dependencies:\n  - python=3.11\n  - pip\n  - pip:\n    - mlflow==3.1\n"
    )
    (folder / "python_env.yaml").write_text(
        "python: 3.11\nbuild_dependencies:\n  - pip\ndependencies:\n  - -r requirements.txt\n"
        "  - pandas>=2\n"
    )
    return folder.as_uri()


def test_why_rules_out_what_cannot_reach_the_model_and_keeps_the_cause_first(
    mlflow_project: MlflowProject,
    mlflow_db: Path,
    cli: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo = cli
    good_sha = commit(repo, FIRST, "first model")
    commit(repo, {"pkg/plots.py": FIRST["pkg/plots.py"].replace("1", "2")}, "bigger bars")
    commit(repo, {"style.yaml": "figure:\n  dpi: 300\n"}, "sharper figures")
    commit(repo, {"requirements.txt": FIRST["requirements.txt"].replace("3.7.0", "3.9.0")}, "mpl")
    bad_sha = commit(repo, {"pkg/features.py": "def scale(x):\n    return x * 0\n"}, "new scale")
    client, p = mlflow_project.client, mlflow_project
    versions = []
    for sha, ndcg in ((good_sha, 0.31), (bad_sha, 0.12)):
        run = p.run(params={"lr": "0.01"}, metrics={"ndcg_at_10": [ndcg]}, commit=sha)
        client.set_tag(run, "mlflow.source.name", str(repo / "train.py"))
        source = _model_files(repo.parent / "models" / sha[:8])
        if not versions:
            client.create_registered_model("recsys")
        versions.append(client.create_model_version("recsys", source, run_id=run).version)
    (repo / "agentops.toml").write_text(
        f'[sources.git]\npath = "."\n[sources.mlflow]\ntracking_uri = "sqlite:///{mlflow_db}"\n'
    )
    assert main(["sync"]) == 0
    capsys.readouterr()

    with open_store(f"sqlite:///{repo / '.agentops' / 'lineage.db'}") as store:
        model = store.get(f"model:recsys/{versions[1]}")
        assert model is not None
        attrs = ModelVersionAttrs(model)
        assert attrs.runtime_packages == [
            "mlflow", "numpy", "pandas", "pip", "python", "scikit-learn"
        ]  # fmt: skip
        assert attrs.runtime_env_files == ["requirements.txt", "conda.yaml", "python_env.yaml"]

    bad, good = f"model:recsys/{versions[1]}", f"model:recsys/{versions[0]}"
    assert main(["why", bad, "--good", good, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    first = report["suspects"][0]
    assert first["summary"] == "code change: new scale" and first["cause"]
    assert "on the import path: train.py → pkg/model.py → pkg/features.py" in first["evidence"]
    ruled_out = {s["summary"].split(":")[0]: s["relevance"]["reason"] for s in report["ruled_out"]}
    assert ruled_out["ruled out, commit 'bigger bars'"] == (
        "pkg/plots.py is not imported by train.py (from mlflow.source.name), the run's entry point"
    )
    assert ruled_out["ruled out, style.yaml"].startswith("nothing reads style.yaml")
    # the commits that changed only those files are ruled out with them, not ranked
    assert ruled_out["ruled out, commit 'sharper figures'"] == ruled_out["ruled out, style.yaml"]
    assert ruled_out["ruled out, commit 'mpl'"] == ruled_out["ruled out, requirements.txt"]
    assert ruled_out["ruled out, requirements.txt"] == (
        f"matplotlib is not in the environment logged with {bad} (requirements.txt, "
        "conda.yaml, python_env.yaml) and nothing imported from train.py imports it: neither "
        "the model's runtime nor its training uses it"
    )
    assert all("plots" not in s["summary"] for s in report["suspects"])
