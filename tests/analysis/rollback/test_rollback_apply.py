"""`agentops rollback plan|apply` through the CLI, against a real MLflow registry (SQLite).

The registry has recsys versions 1-3 with `champion` on 3; the lineage graph is the hand-built
history of conftest.py. Every test gets its own copy of both.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentops.analysis.rollback import plan
from agentops.analysis.rollback.plan import plan_digest
from agentops.project import Project
from agentops.settings import load_settings
from graph.refs import EdgeKind, NodeKind
from graph.store import LineageStore, open_store

from .conftest import M, history_graph, report_for, suspect

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def registry_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real MLflow registry, made once (importing mlflow and migrating costs ~8 s)."""
    import os

    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    from mlflow import MlflowClient

    path = tmp_path_factory.mktemp("registry") / "mlflow.db"
    client = MlflowClient(f"sqlite:///{path}")
    client.create_registered_model("recsys")
    for _ in range(3):
        client.create_model_version("recsys", source=f"file://{path.parent}/model", run_id=None)
    client.set_registered_model_alias("recsys", "champion", "3")
    return path


@pytest.fixture
def project(
    tmp_path: Path, registry_template: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict]:
    """A folder with its own registry copy and lineage store; the cwd, its agentops.toml naming
    the registry (apply takes the registry from the project, never from the plan)."""
    shutil.copy(registry_template, tmp_path / "mlflow.db")
    (tmp_path / "agentops.toml").write_text(
        '[sources.mlflow]\ntracking_uri = "sqlite:///mlflow.db"\n'
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("AGENTOPS_DB_URL", raising=False)
    db = f"sqlite:///{tmp_path / 'lineage.db'}"
    with open_store(db) as store:
        store.upsert(*history_graph())
        yield {
            "root": tmp_path,
            "db": db,
            "uri": f"sqlite:///{tmp_path / 'mlflow.db'}",
            "store": store,
        }


def _alias(uri: str) -> str | None:
    from mlflow import MlflowClient

    version = MlflowClient(uri).get_registered_model("recsys").aliases.get("champion")
    return str(version) if version is not None else None


def _write_plan(project: dict, *causes, name: str = "plan.json") -> Path:
    """A plan as `rollback plan --out` writes it: signed with the project's plan key."""
    result = plan(project["store"], M[3], report=report_for(*causes), tracking_uri=project["uri"])
    signed = Project(load_settings(project["root"])).sign_plan(result.to_json())
    path = project["root"] / name
    path.write_text(json.dumps(signed, indent=2), encoding="utf-8")
    return path


def _deployments(store: LineageStore) -> list[str]:
    return [node.ref for node in store.find(NodeKind.DEPLOYMENT)]


ALIAS = suspect("model:recsys/3", "alias", "wrong-model-promoted")


def test_apply_without_yes_changes_nothing(project, cli):
    path = _write_plan(project, ALIAS)
    before = _deployments(project["store"])
    code, _, err = cli("--db", project["db"], "rollback", "apply", str(path))
    assert code == 1
    assert "will change: alias champion of model recsys: version 3 → version 2" in err
    assert "nothing changed" in err
    assert _alias(project["uri"]) == "3"
    assert _deployments(project["store"]) == before


def test_apply_moves_the_alias_and_records_it(project, cli):
    path = _write_plan(project, ALIAS)
    code, out, err = cli("--db", project["db"], "rollback", "apply", str(path), "--yes", "--json")
    assert code == 0, err
    assert _alias(project["uri"]) == "2"
    result = json.loads(out)
    assert (result["from_version"], result["to_version"]) == ("3", "2")
    store = project["store"]
    deploy = store.get(result["deployment"])
    assert deploy is not None and deploy.ref.startswith("deploy:recsys/champion@")
    assert deploy.attrs["by"] == "agentops rollback apply"
    assert (deploy.attrs["from_version"], deploy.attrs["to_version"]) == ("3", "2")
    assert deploy.attrs["plan"] == json.loads(path.read_text())["digest"]
    edges = {(e.src, e.dst, e.kind) for e in store.edges_of([deploy.ref])}
    assert (M[2], deploy.ref, EdgeKind.DEPLOYED) in edges
    assert any(e[2] is EdgeKind.PREVIOUS and e[1] == deploy.ref for e in edges)
    assert store.get(M[2]).attrs["aliases"] == ["champion"]
    assert store.get(M[3]).attrs["aliases"] == []
    assert "recorded in the lineage graph" in err


def test_apply_refuses_when_the_alias_moved_since_the_plan(project, cli):
    from mlflow import MlflowClient

    path = _write_plan(project, ALIAS)
    MlflowClient(project["uri"]).set_registered_model_alias("recsys", "champion", "1")
    code, _, err = cli("--db", project["db"], "rollback", "apply", str(path), "--yes")
    assert code == 1
    assert "points at version 1, not at version 3 as the plan expected" in err
    assert _alias(project["uri"]) == "1"


def test_a_tampered_plan_is_refused_in_one_line(project, cli):
    path = _write_plan(project, ALIAS)
    data = json.loads(path.read_text())
    data["mechanism"]["to_version"] = "1"
    data["target"]["model"] = M[1]
    path.write_text(json.dumps(data))
    code, _, err = cli("--db", project["db"], "rollback", "apply", str(path), "--yes")
    assert code == 1
    lines = err.strip().splitlines()
    assert lines[0].startswith("error: ") and "changed after it was made" in lines[0]
    assert lines[1].startswith("hint: ") and len(lines) == 2
    assert _alias(project["uri"]) == "3"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not JSON"),
        ('{"kind": "something else"}', "not a rollback plan"),
        ("[1, 2]", "not a rollback plan"),
    ],
)
def test_a_malformed_plan_is_refused_in_one_line(project, cli, content, message):
    path = project["root"] / "bad.json"
    path.write_text(content)
    code, out, err = cli("--db", project["db"], "rollback", "apply", str(path), "--yes")
    assert code == 1 and out == ""
    assert err.splitlines()[0].startswith(f"error: {path}: {message}")
    assert "Traceback" not in err
    assert _alias(project["uri"]) == "3"


def test_a_missing_plan_file_is_one_line(project, cli):
    code, _, err = cli("rollback", "apply", str(project["root"] / "nope.json"), "--yes")
    assert code == 1 and err.startswith("error: cannot read plan")


def test_a_plan_that_is_not_an_alias_move_is_never_applied(project, cli):
    path = _write_plan(project, suspect("dataset:holdout@222222222222", "eval-data", "x"))
    data = json.loads(path.read_text())
    assert data["action"] == "data-pin" and data["digest"] == plan_digest(data)
    code, _, err = cli("--db", project["db"], "rollback", "apply", str(path), "--yes")
    assert code == 1 and "not an alias move: it is for people" in err
    assert _alias(project["uri"]) == "3"


def test_tracking_uri_option_wins_over_the_plan(project, cli, tmp_path_factory):
    other = tmp_path_factory.mktemp("other") / "mlflow.db"
    shutil.copy(project["root"] / "mlflow.db", other)
    path = _write_plan(project, ALIAS)
    other_uri = f"sqlite:///{other}"
    code, _, err = cli(
        "--db", project["db"], "rollback", "apply", str(path), "--yes", "--tracking-uri", other_uri
    )
    assert code == 0, err
    assert _alias(other_uri) == "2" and _alias(project["uri"]) == "3"


def test_plan_command_writes_json_that_apply_reads(project, cli, monkeypatch):
    """`plan` runs the real root-cause analysis here; its JSON goes to --out and stdout."""
    import agentops.analysis.rootcause as rootcause

    monkeypatch.setattr(rootcause, "explain", lambda store, bad, **kw: report_for(ALIAS))
    out_file = project["root"] / "made.json"
    code, out, err = cli(
        "--db", project["db"], "rollback", "plan", "recsys/3", "--json", "--out", str(out_file)
    )
    assert code == 0, err
    data = json.loads(out)
    assert json.loads(out_file.read_text()) == data
    assert data["action"] == "rollback-alias" and data["target"]["model"] == M[2]
    # the toml-less project: the graph's relative registry path is resolved against the cwd
    assert data["mechanism"]["tracking_uri"] == project["uri"]
    assert "plan: rollback-alias (alias champion of model recsys: version 3 → version 2)" in err
    code, _, err = cli("--db", project["db"], "rollback", "apply", str(out_file), "--yes")
    assert code == 0, err
    assert _alias(project["uri"]) == "2"


def test_plan_command_markdown_and_bad_usage(project, cli, monkeypatch):
    import agentops.analysis.rootcause as rootcause

    monkeypatch.setattr(rootcause, "explain", lambda store, bad, **kw: report_for(ALIAS))
    code, out, _ = cli("--db", project["db"], "rollback", "plan", "recsys/3")
    assert code == 0 and out.startswith("# Rollback plan: model:recsys/3")
    code, _, err = cli("--db", project["db"], "rollback", "plan", "recsys/3", "--json", "--md")
    assert code == 2 and "exclude each other" in err
    code, _, err = cli("--db", project["db"], "rollback", "plan", "recsys/3", "--to", "recsys/3")
    assert code == 2 and err.startswith("error: --to model:recsys/3 is the bad version itself")


def test_the_next_mlflow_ingest_does_not_record_the_move_twice(
    registry_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A graph made by the real MLflow ingest: apply, ingest again, one new deployment only."""
    from agentops.analysis.rollback.apply import apply_plan, load_plan
    from graph.ingest.mlflow import ingest_mlflow

    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    shutil.copy(registry_template, tmp_path / "mlflow.db")
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    with open_store(f"sqlite:///{tmp_path / 'lineage.db'}") as store:
        ingest_mlflow(store, uri)
        assert len(_deployments(store)) == 1  # champion → 3, as the ingest first saw it
        report = report_for(ALIAS)
        result = plan(store, M[3], to="recsys/2", report=report)
        assert result.mechanism.tracking_uri == uri and result.mechanism.from_version == "3"
        path = tmp_path / "plan.json"
        path.write_text(json.dumps(result.to_json()))
        applied = apply_plan(store, load_plan(path), uri)
        assert applied.recorded and _alias(uri) == "2"
        ingest_mlflow(store, uri)
        deployments = _deployments(store)
        assert len(deployments) == 2 and applied.deployment in deployments


def test_a_plan_aimed_at_another_registry_is_refused(project, cli, tmp_path_factory):
    """Issue 17, class 2: the plan's digest is no signature; an edited plan, or one copied with
    its project, must not reach another registry through the URI it records."""
    original = tmp_path_factory.mktemp("original") / "mlflow.db"
    shutil.copy(project["root"] / "mlflow.db", original)
    path = _write_plan(project, ALIAS)
    data = json.loads(path.read_text())
    data["mechanism"]["tracking_uri"] = f"sqlite:///{original}"
    data["digest"] = plan_digest(data)
    path.write_text(json.dumps(data))
    code, _, err = cli("--db", project["db"], "rollback", "apply", str(path), "--yes")
    assert code == 1
    assert "the plan was made for the registry" in err and "Traceback" not in err
    assert _alias(f"sqlite:///{original}") == "3" and _alias(project["uri"]) == "3"


def test_a_plan_edited_throughout_with_its_digest_recomputed_is_refused(project, cli):
    """Issue 17, class 2: move, target and text all edited to agree, the digest recomputed —
    only the project's key could sign that, so apply refuses and the alias stays."""
    path = _write_plan(project, ALIAS)
    data = json.loads(path.read_text())
    data["mechanism"]["to_version"] = "1"
    data["target"]["model"] = M[1]
    data["reason"] = data["reason"].replace("to version 2", "to version 1")
    data["digest"] = plan_digest(data)
    path.write_text(json.dumps(data))
    code, _, err = cli("--db", project["db"], "rollback", "apply", str(path), "--yes")
    assert code == 1 and "not signed by this project's plan key" in err, err
    assert _alias(project["uri"]) == "3"
    key = project["root"] / ".agentops" / "plan.key"
    assert key.stat().st_mode & 0o077 == 0  # the key is the user's alone


def test_a_plan_from_another_project_is_refused(project, cli, tmp_path_factory):
    path = _write_plan(project, ALIAS)
    (project["root"] / ".agentops" / "plan.key").write_text("another project's key\n")
    code, _, err = cli("--db", project["db"], "rollback", "apply", str(path), "--yes")
    assert code == 1 and "not signed by this project's plan key" in err
    assert _alias(project["uri"]) == "3"


def test_a_plan_whose_version_was_edited_with_its_digest_is_refused(project, cli):
    path = _write_plan(project, ALIAS)
    data = json.loads(path.read_text())
    data["mechanism"]["to_version"] = "1"
    data["target"]["model"] = M[1]
    data["digest"] = plan_digest(data)
    path.write_text(json.dumps(data))
    code, _, err = cli("--db", project["db"], "rollback", "apply", str(path), "--yes")
    assert code == 1 and "does not name version 1" in err
    assert _alias(project["uri"]) == "3"
