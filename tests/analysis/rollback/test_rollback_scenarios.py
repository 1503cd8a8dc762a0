"""End to end on the fixture scenarios: the real root-cause analysis, the plan, and a real alias
move in the scenario's own MLflow store (a copy: the synced scenarios are shared)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable

import pytest

from agentops.analysis.rollback import plan
from graph.refs import NodeKind
from graph.store import open_store

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

SCENARIOS = ("wrong-model-promoted", "eval-set-change", "training-serving-skew", "seed-noise")


@pytest.mark.parametrize("name", SCENARIOS)
def test_plan_matches_the_ground_truth(synced_scenario: Callable, name: str):
    project, url = synced_scenario(name)
    truth = project.ground_truth
    with open_store(url) as store:
        result = plan(store, truth.incident, root=project.root)
    assert result.bad == truth.bad
    if truth.rollback_to:
        assert result.roll_back and result.target.model == truth.rollback_to
        assert result.mechanism.to_version == truth.rollback_to.rsplit("/", 1)[1]
    else:
        assert not result.roll_back and result.mechanism is None
    assert [cause.ref for cause in result.causes] == [cause.ref for cause in truth.causes]


def test_wrong_model_promoted_is_rolled_back_for_real(
    synced_scenario: Callable, tmp_path, cli, monkeypatch
):
    from mlflow import MlflowClient

    def champion(uri: str) -> str:
        return str(MlflowClient(uri).get_model_version_by_alias("recsys", "champion").version)

    project, url = synced_scenario("wrong-model-promoted")
    copy = tmp_path / "project"
    shutil.copytree(project.root, copy)
    db = f"sqlite:///{copy / '.agentops' / 'lineage.db'}"
    registry = f"sqlite:///{copy / 'mlflow.db'}"
    monkeypatch.chdir(copy)
    out_file = copy / "plan.json"
    code, _, err = cli("--db", db, "rollback", "plan", project.incident_id, "--out", str(out_file))
    assert code == 0, err
    data = json.loads(out_file.read_text())
    assert data["target"]["model"] == "model:recsys/9"
    assert data["mechanism"]["from_version"] == "4" and data["mechanism"]["alias"] == "champion"
    assert champion(registry) == "4"

    code, _, err = cli("--db", db, "rollback", "apply", str(out_file), "--tracking-uri", registry)
    assert code == 1 and "nothing changed" in err
    assert champion(registry) == "4"

    args = ("--db", db, "rollback", "apply", str(out_file), "--yes", "--tracking-uri", registry)
    code, _, err = cli(*args)
    assert code == 0, err
    assert champion(registry) == "9"
    original = f"sqlite:///{project.root / 'mlflow.db'}"
    assert champion(original) == "4"
    with open_store(db) as store:
        moves = [
            node
            for node in store.find(NodeKind.DEPLOYMENT)
            if node.attrs.get("by") == "agentops rollback apply"
        ]
        assert [node.attrs["to_version"] for node in moves] == ["9"]
        assert store.get("model:recsys/9").attrs["aliases"] == ["champion"]


def test_eval_set_change_plan_says_a_model_rollback_will_not_fix_it(
    synced_scenario: Callable, tmp_path, cli
):
    project, url = synced_scenario("eval-set-change")
    with open_store(url) as store:
        result = plan(store, project.incident_id, root=project.root)
    assert result.action.value == "data-pin"
    assert result.reason.startswith("A model rollback will not fix it")
    assert result.causes[0].side == "evaluation" and result.causes[0].previous
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(result.to_json()))
    code, _, err = cli("--db", url, "rollback", "apply", str(path), "--yes")
    assert code == 1 and "not an alias move" in err


def test_seed_noise_plan_says_do_not_roll_back(synced_scenario: Callable):
    project, url = synced_scenario("seed-noise")
    with open_store(url) as store:
        result = plan(store, project.incident_id, root=project.root)
    assert result.action.value == "none" and result.verdict == "no-lineage-cause"
    assert result.reason.startswith("Do not roll back")
    assert any("the trigger is not met" in line for line in result.trigger)
    assert "**Do not roll back.**" in result.to_markdown()
