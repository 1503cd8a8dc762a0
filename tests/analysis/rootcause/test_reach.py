"""Can a change reach the model? Python off the entry points' import path, configs nothing
reads and packages the model's logged environment does not install are ruled out, each with the
evidence; everything the rules cannot be sure of stays. Real git repositories, made here."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentops.analysis.rootcause import _behaviour_kept, _code_suspects
from agentops.analysis.rootcause.baseline import Version
from agentops.analysis.rootcause.relevance import ReachEvidence
from agentops.analysis.rootcause.relevance.configs import CodeMentions, config_use
from agentops.analysis.rootcause.relevance.environment import RuntimeEnvironment
from agentops.analysis.rootcause.relevance.imports import (
    EntryPoint,
    ImportReach,
    entry_points,
    import_reach,
)
from agentops.analysis.rootcause.scoring import CAUSE_SCORE
from agentops.errors import ProjectError
from agentops.settings import load_settings
from graph.attributes import ModelVersionAttrs
from graph.code_diff import CodeDiff, CommitChange, ConfigChange, KeyChange
from graph.ingest.git.tree import CommitTree
from graph.model import Node
from tests.analysis.rootcause.git_repo import commit

PACKAGE = {
    "pkg/__init__.py": "",
    "pkg/model.py": "from .features import scale\nfrom pkg import layers\n",
    "pkg/features.py": "import numpy as np\ndef scale(x):\n    return x / 2\n",
    "pkg/layers.py": "",
    "pkg/plots.py": "import matplotlib\ndef plot(x):\n    return x\n",
    "tools/report.py": "from pkg import plots\n",
    "README.md": "# the project\n",
    "scripts/fit.R": "fit <- 1\n",
}


@pytest.fixture(scope="module")
def src_layout(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A src layout: `src/train.py` imports `helpers` (beside it) and the `pkg` package."""
    repo = tmp_path_factory.mktemp("src-layout")
    files = {f"src/{path}": text for path, text in PACKAGE.items() if path.startswith("pkg/")}
    files["src/train.py"] = "import helpers\nfrom pkg.model import scale\n"
    files["src/helpers.py"] = "X = 1\n"
    files["src/unused.py"] = "Y = 2\n"
    return repo, commit(repo, files)


def _reach(repo: Path, sha: str, source: str | None, declared: tuple[str, ...] = ()):
    tree = CommitTree.at(repo, sha)
    found, unknown = entry_points(tree, str(repo.resolve()), [source], declared)
    return tree, (ImportReach(found, unknown=unknown) if unknown else import_reach(tree, found))


def test_a_module_off_the_import_path_is_ruled_out_and_one_on_it_shows_its_chain(
    tmp_path: Path,
) -> None:
    sha = commit(tmp_path, {**PACKAGE, "train.py": "from pkg.model import scale\n"})
    _, reach = _reach(tmp_path, sha, str(tmp_path / "train.py"))  # absolute, as MLflow logs it
    assert reach.entries == [EntryPoint("train.py", "from mlflow.source.name")]
    assert reach.reason("pkg/plots.py") == (
        "pkg/plots.py is not imported by train.py (from mlflow.source.name), the run's entry point"
    )
    assert reach.reason("tools/report.py")  # it imports plots; nothing imports it
    assert reach.chain("pkg/features.py") == "train.py → pkg/model.py → pkg/features.py"
    for reached in ("pkg/__init__.py", "pkg/layers.py", "pkg/model.py"):
        assert reach.reason(reached) is None, reached
    assert reach.reason("scripts/fit.R") is None  # not Python: never ruled out by imports


def test_serving_code_a_platform_starts_is_never_off_the_path(tmp_path: Path) -> None:
    """A model server or web framework starts serving code with no command in the repository:
    a module named as serving code by convention is an entry point of its own, so a skew
    planted in it is not ruled out for being off the training script's import path."""
    files = {**PACKAGE, "train.py": "from pkg.model import scale\n"}
    files["pkg/serve.py"] = "from pkg.features import scale\ndef handle(x):\n    return x\n"
    files["apiary.py"] = "Z = 3\n"
    sha = commit(tmp_path, files)
    _, reach = _reach(tmp_path, sha, "train.py")
    assert EntryPoint("pkg/serve.py", "a serving module by its name") in reach.entries
    assert reach.reason("pkg/serve.py") is None
    assert reach.reason("pkg/plots.py")  # still off every path
    assert reach.reason("apiary.py")  # `api` must be the whole name, or `api_<suffix>`


def test_src_layout_the_entry_folder_and_a_run_from_another_checkout(
    src_layout: tuple[Path, str],
) -> None:
    repo, sha = src_layout
    _, reach = _reach(repo, sha, "/home/ci/builds/other-clone/src/train.py")
    assert reach.entries[0].path == "src/train.py"
    assert reach.chain("src/helpers.py") == "src/train.py → src/helpers.py"
    assert reach.chain("src/pkg/features.py") == (
        "src/train.py → src/pkg/model.py → src/pkg/features.py"
    )
    assert reach.reason("src/unused.py") and reach.reason("src/pkg/plots.py")


def test_module_entry_points_from_pipelines_and_agentops_toml(tmp_path: Path) -> None:
    dvc = "stages:\n  featurize:\n    cmd: python -m pkg.features --out data/f.csv\n"
    mlproject = "name: p\nentry_points:\n  main:\n    command: 'python tools/report.py'\n"
    sha = commit(tmp_path, {**PACKAGE, "dvc.yaml": dvc, "MLproject": mlproject})
    _, reach = _reach(tmp_path, sha, None, declared=("pkg.model",))
    assert {e.path for e in reach.entries} == {"pkg/features.py", "tools/report.py", "pkg/model.py"}
    assert reach.chain("pkg/plots.py") == "tools/report.py → pkg/plots.py"
    assert reach.reason("pkg/layers.py") is None  # pkg.model imports it
    entry = next(e for e in reach.entries if e.path == "pkg/features.py")
    assert entry.origin == "the stage featurize command in dvc.yaml"


def test_serving_containers_and_shell_wrapped_commands_are_entry_points(tmp_path: Path) -> None:
    dvc = (
        "stages:\n  fetch:\n    cmd: wget -q https://example.com/x.csv -O data/x.csv\n"
        "  featurize:\n    cmd: bash -c 'cd . && python -m pkg.features'\n"
    )
    sha = commit(
        tmp_path,
        {
            **PACKAGE,
            "dvc.yaml": dvc,
            "serve/app.py": "from pkg.model import scale\n",
            "Dockerfile": 'FROM python:3.11\nCMD ["uvicorn", "serve.app:app", "--port", "80"]\n',
            "Procfile": "worker: python tools/report.py\n",
        },
    )
    _, reach = _reach(tmp_path, sha, None)
    assert reach.unknown is None  # wget runs nothing of the repository
    assert {e.describe() for e in reach.entries} == {
        "pkg/features.py (the stage featurize command in dvc.yaml)",
        "serve/app.py (the CMD of Dockerfile)",
        "tools/report.py (the process worker of Procfile)",
    }
    assert reach.chain("pkg/layers.py") == "serve/app.py → pkg/model.py → pkg/layers.py"


def test_nothing_is_ruled_out_without_a_known_python_entry_point(tmp_path: Path) -> None:
    sha = commit(tmp_path, {**PACKAGE, "train.py": "import pkg.model\n"})
    _, none_known = _reach(tmp_path, sha, None)
    assert none_known.unknown and none_known.reason("pkg/plots.py") is None
    _, notebook = _reach(tmp_path, sha, "/tmp/ipykernel_launcher.py")
    assert notebook.unknown and notebook.reason("pkg/plots.py") is None
    shell = "stages:\n  train:\n    cmd: Rscript scripts/fit.R\n"
    sha = commit(tmp_path, {"dvc.yaml": shell})
    _, r_stage = _reach(tmp_path, sha, str(tmp_path / "train.py"))
    assert "Rscript" in (r_stage.unknown or "") and r_stage.reason("pkg/plots.py") is None


def test_a_computed_import_leaves_its_package_undecided(tmp_path: Path) -> None:
    registry = "import importlib\ndef load(name):\n    return importlib.import_module(name)\n"
    literal = "import importlib\nimportlib.import_module('pkg.layers')\n"
    sha = commit(
        tmp_path,
        {
            **PACKAGE,
            "pkg/model.py": "from pkg import registry\n",
            "pkg/registry.py": registry,
            "train.py": literal + "import pkg.model\n",
        },
    )
    _, reach = _reach(tmp_path, sha, "train.py")
    assert reach.reason("pkg/plots.py") is None  # pkg.registry could import it
    assert reach.reason("tools/report.py")  # outside the package: still off the path
    assert reach.chain("pkg/layers.py") == "train.py → pkg/layers.py"  # a literal is an import
    sha = commit(tmp_path, {"train.py": "import pkg.model\n__import__(PLUGIN)\n"})
    _, top_level = _reach(tmp_path, sha, "train.py")
    assert top_level.reason("tools/report.py") is None  # the entry itself: anything goes


def test_code_that_runs_without_a_static_import_is_reached(tmp_path: Path) -> None:
    train = "import sys\nsys.path.insert(0, 'libs')\nimport helpers.io\nimport pkg.model\n"
    sha = commit(
        tmp_path,
        {
            **PACKAGE,
            "train.py": train,
            "libs/helpers/__init__.py": "",
            "libs/helpers/io.py": "",
            "libs/helpers/unused.py": "",
            "conf/model.yaml": "net:\n  _target_: nets.resnet.ResNet\n  out: plots.png\n",
            "nets/__init__.py": "",
            "nets/resnet.py": "class ResNet: ...\n",
            "nets/vit.py": "class ViT: ...\n",
        },
    )
    _, reach = _reach(tmp_path, sha, "train.py")
    assert reach.chain("libs/helpers/io.py") == "train.py → libs/helpers/io.py"
    assert reach.reason("libs/helpers/unused.py")
    assert reach.chain("nets/resnet.py") == "conf/model.yaml → nets/resnet.py"
    assert reach.reason("nets/vit.py") and reach.reason("pkg/plots.py")  # plots.png: a file
    assert "helpers" not in reach.third_party
    sha = commit(tmp_path, {"train.py": "from hydra.utils import instantiate\ninstantiate(c)\n"})
    _, built = _reach(tmp_path, sha, "train.py")
    assert built.reason("nets/vit.py") is None  # instantiate(cfg) may build anything


def test_config_consumption_needs_positive_evidence(tmp_path: Path) -> None:
    sha = commit(
        tmp_path,
        {
            **PACKAGE,
            "pkg/plots.py": "import yaml\nSTYLE = yaml.safe_load(open('configs/style.yaml'))\n",
            "train.py": "import pkg.model\ncfg = load('configs/train.yaml')\nlr = cfg.lr\n",
            "configs/train.yaml": "optimizer:\n  lr: 0.1\n",
            "configs/style.yaml": "figure:\n  dpi: 300\n",
            "configs/extra.yaml": "serving:\n  batch_window: 3\n",
        },
    )
    tree, reach = _reach(tmp_path, sha, "train.py")
    mentions = CodeMentions.scan(tree, reach)
    params = {"the good run": {"optimizer.lr": "0.01"}, "the bad run": {"lr": "0.1"}}
    used = config_use("configs/train.yaml", ["optimizer.lr"], params, [], mentions)
    assert used.reason is None
    assert "optimizer.lr logged as param optimizer.lr by the good run and the bad run" in (
        used.evidence
    )
    assert "train.py names 'configs/train.yaml'" in used.evidence
    style = config_use("configs/style.yaml", ["figure.dpi"], params, [], mentions)
    assert style.evidence == () and "nothing reads configs/style.yaml" in (style.reason or "")
    extra = config_use("configs/extra.yaml", ["serving.batch_window"], {}, [], mentions)
    assert extra.reason  # no run logged it, no code names it
    linked = config_use("configs/extra.yaml", ["serving.batch_window"], {}, ["the bad run"], None)
    assert linked.reason is None and linked.evidence == (
        "configs/extra.yaml is linked to the bad run (config_of)",
    )
    # the same code read without its entry points: plots.py counts, so style.yaml is read
    everything = CodeMentions.scan(tree, ImportReach(unknown="no entry point"))
    assert config_use("configs/style.yaml", ["figure.dpi"], {}, [], everything).reason is None


def test_key_names_in_code_and_a_hydra_config_name_count_as_reading(tmp_path: Path) -> None:
    train = (
        "import hydra\n@hydra.main(config_path='conf', config_name='base')\n"
        "def main(cfg):\n    Model(**cfg['model'])\n"
    )
    sha = commit(
        tmp_path,
        {
            "train.py": train,
            "conf/base.yaml": "defaults:\n  - optim: adam\n",
            "conf/optim/adam.yaml": "beta: 0.9\n",
            "params/other.yaml": "model:\n  factors: 8\n",
            "unread/x.json": '{"window": 3}',
        },
    )
    tree, reach = _reach(tmp_path, sha, "train.py")
    mentions = CodeMentions.scan(tree, reach)
    assert mentions.file_named("conf/base.yaml") == "train.py names 'base'"
    assert mentions.file_named("conf/optim/adam.yaml")  # in the folder Hydra reads
    assert mentions.key_named("model.factors") == "train.py reads 'model' (of model.factors)"
    assert config_use("unread/x.json", ["window"], {}, [], mentions).reason
    broken = CodeMentions.scan(CommitTree.at(tmp_path, commit(tmp_path, {"b.py": "def (:\n"})),
                               ImportReach(unknown="none"))  # fmt: skip
    assert broken.opaque == "b.py does not parse"
    assert config_use("unread/x.json", ["window"], {}, [], broken).reason is None


def test_a_path_spelled_out_in_full_names_one_file_not_its_folder() -> None:
    """`root / "conf" / "config.yaml"` reads config.yaml, not the lint settings beside it; a
    computed name in the folder (`f"{name}.yaml"`, Hydra's `config_path`) reads any of them."""
    cases = {
        'cfg = load(root / "conf" / "config.yaml")': None,
        'cfg = load(os.path.join("conf", "config.yaml"))': None,
        'cfg = load(root / "conf" / f"{name}.yaml")': "t.py names 'conf', the folder that holds it",
    }
    for source, lint in cases.items():
        mentions = CodeMentions.of_file("t.py", source.encode())
        assert mentions.file_named("conf/lint.yaml") == lint, source
        assert mentions.file_named("conf/config.yaml"), source


def test_the_model_logged_environment_and_the_training_imports_decide_a_bump() -> None:
    node = Node.make(
        "model:m/2",
        {"runtime_packages": ["numpy", "scikit-learn"], "runtime_env_files": ["requirements.txt"]},
    )
    environment = RuntimeEnvironment.of("model:m/2", ModelVersionAttrs(node))
    assert environment is not None
    training = ImportReach(
        [EntryPoint("train.py", "from mlflow.source.name")],
        third_party={"sklearn": "train.py", "cv2": "pkg/images.py", "dateutil": "pkg/time.py"},
    )
    assert environment.judge("requirements.txt", "Scikit_Learn", training)[0]
    reaches, why = environment.judge("requirements.txt", "matplotlib", training)
    assert not reaches and why == (
        "matplotlib is not in the environment logged with model:m/2 (requirements.txt) and "
        "nothing imported from train.py imports it: neither the model's runtime nor its "
        "training uses it"
    )
    reaches, why = environment.judge("requirements.txt", "opencv-python-headless", training)
    assert reaches and why.endswith("but training uses it: pkg/images.py imports cv2")
    assert environment.judge("requirements.txt", "python-dateutil", training)[0]
    assert environment.judge("uv.lock", "threadpoolctl", training)[0]  # maybe transitive: stays
    unknown = ImportReach(unknown="no entry point is known")
    assert environment.judge("requirements.txt", "matplotlib", unknown)[0]
    assert RuntimeEnvironment.of("model:m/1", ModelVersionAttrs(Node.make("model:m/1", {}))) is None


def test_third_party_imports_are_what_is_neither_the_repository_nor_the_standard_library(
    tmp_path: Path,
) -> None:
    train = "import os, json\nimport numpy as np\nfrom sklearn.linear_model import Ridge\n"
    sha = commit(tmp_path, {**PACKAGE, "train.py": train + "import pkg.features\n"})
    _, reach = _reach(tmp_path, sha, "train.py")
    assert reach.third_party == {"numpy": "train.py", "sklearn": "train.py"}  # not plots' mpl


def test_declared_entry_points_are_read_from_agentops_toml(tmp_path: Path) -> None:
    toml = tmp_path / "agentops.toml"
    toml.write_text('[analysis]\nentry_points = ["train.py", "app.serve"]\n')
    assert load_settings(tmp_path).entry_points == ("train.py", "app.serve")
    toml.write_text("[analysis]\nentry_points = 'train.py'\n")
    with pytest.raises(ProjectError, match=r"\[analysis\] entry_points must be a list"):
        load_settings(tmp_path)


def test_commits_are_judged_on_the_code_that_can_reach_the_model(tmp_path: Path) -> None:
    """The analysis' own wiring: `_behaviour_kept` and `_code_suspects` with the evidence."""
    train = "import yaml\nfrom pkg.model import scale\n"
    good = commit(tmp_path, {**PACKAGE, "train.py": train, "style.yaml": "dpi: 1\n"})
    plots = commit(tmp_path, {"pkg/plots.py": "def plot(x):\n    return x * 2\n"}, "plots")
    mixed = commit(
        tmp_path,
        {
            "pkg/plots.py": "def plot(x):\n    return x * 3\n",
            "pkg/features.py": PACKAGE["pkg/features.py"].replace(":\n", ':\n    """Half."""\n'),
        },
        "plots and a docstring",
    )
    real = commit(tmp_path, {"pkg/features.py": "def scale(x):\n    return x / 3\n"}, "rescale")
    style = commit(tmp_path, {"style.yaml": "dpi: 2\n"}, "style")
    model = Node.make("model:m/2", {})
    run = Node.make("run:r2", {"source_name": str(tmp_path / "train.py"), "params": {}})
    versions = (
        Version(Node.make("model:m/1", {}), Node.make("run:r1", {"params": {}})),
        Version(model, run),
    )
    reach = ReachEvidence(*versions, tmp_path, style)
    changed = {plots: ["pkg/plots.py"], mixed: ["pkg/plots.py", "pkg/features.py"]}
    changed[real] = ["pkg/features.py"]
    diff = CodeDiff("model:m/1", "model:m/2", good, style)
    diff.commits = [
        CommitChange(sha, sha[:7], "t", None, False, True, {"code": paths})
        for sha, paths in changed.items()
    ]
    diff.configs = [
        ConfigChange(
            "style.yaml", "config:s@1", "config:s@2", keys=(KeyChange("dpi", "changed", 1, 2),)
        )
    ]
    notes: list[str] = []
    kept = _behaviour_kept(diff, tmp_path, notes, reach)
    assert kept == {mixed: True, real: False} and notes == []
    suspects = {s.ref: s for s in _code_suspects(diff, None, {}, kept, reach)}
    assert suspects[f"commit:{plots}"].relevance.reason.startswith("pkg/plots.py is not imported")
    assert not suspects[f"commit:{mixed}"].reaches_model  # plots off the path, the rest a docstring
    assert suspects[f"commit:{mixed}"].evidence[-1].startswith("pkg/plots.py is not imported")
    cause = suspects[f"commit:{real}"]
    assert cause.reaches_model and cause.score >= CAUSE_SCORE
    assert "on the import path: train.py → pkg/model.py → pkg/features.py" in cause.evidence
    assert not suspects["config:s@2"].reaches_model  # nothing names style.yaml or dpi
    assert reach.notes == []


def test_scripts_a_makefile_or_a_shell_script_runs_are_entry_points(tmp_path: Path) -> None:
    """`make train` prepares, then trains: the prepare step reaches the model though the
    training script (the run's `mlflow.source.name`) never imports it. CI's scripts do not."""
    sha = commit(
        tmp_path,
        {
            "Makefile": "# the pipeline\ntrain: data\n\t@python scripts/train.py \\\n\t\t--fast\n"
            "data:\n\tpython scripts/prepare.py && echo done\nlint:\n\truff check .\n",
            "run.sh": "#!/bin/sh\npython -m tools.export\n",
            ".github/run_ci.sh": "python scripts/ci_check.py\n",
            "scripts/train.py": "print('train')\n",
            "scripts/prepare.py": "print('prepare')\n",
            "scripts/plot.py": "print('plot')\n",
            "scripts/ci_check.py": "print('ci')\n",
            "tools/__init__.py": "",
            "tools/export.py": "print('export')\n",
        },
    )
    _, reach = _reach(tmp_path, sha, "scripts/train.py")
    assert reach.reason("scripts/prepare.py") is None
    assert reach.reason("tools/export.py") is None
    assert reach.reason("scripts/plot.py") and reach.reason("scripts/ci_check.py")
    assert EntryPoint("scripts/prepare.py", "the data recipe in Makefile") in reach.entries


def test_a_script_that_writes_the_data_training_reads_reaches_the_model(tmp_path: Path) -> None:
    """Run by hand before training, `prepare.py` is on no import path; it writes the file
    `train.py` reads, so a change to it reaches the model. A plot of that file does not."""
    sha = commit(
        tmp_path,
        {
            "train.py": "import pandas as pd\nframe = pd.read_csv('data/features.csv')\n",
            "prepare.py": "raw = load()\nraw.to_csv('data/features.csv', index=False)\n",
            "plot.py": "import pandas as pd\npd.read_csv('data/features.csv').plot()\n",
        },
    )
    run = Node.make("run:r2", {"source_name": "train.py", "params": {}})
    good = Version(Node.make("model:m/1", {}), Node.make("run:r1", {"params": {}}))
    evidence = ReachEvidence(good, Version(Node.make("model:m/2", {}), run), tmp_path, sha)
    assert evidence.off_path(["prepare.py", "plot.py"]) == {
        "plot.py": "plot.py is not imported by train.py (from mlflow.source.name), the run's "
        "entry point"
    }
