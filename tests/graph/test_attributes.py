"""The typed attribute views on attributes as each ingester writes them, and on broken ones.

Where an ingester is cheap it is run for real (git, DVC and incident files in a temp folder,
data files, OpenLineage events); MLflow nodes come from the ingest's own node builders fed
MLflow-shaped objects, so no MLflow server or import is needed.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from graph.attributes import (
    Attrs,
    CommitAttrs,
    ConfigAttrs,
    DataEdgeAttrs,
    DatasetAttrs,
    DeploymentAttrs,
    IncidentAttrs,
    ModelVersionAttrs,
    RunAttrs,
    attrs_of,
    metric_value,
)
from graph.ingest.data import ingest_datasets
from graph.ingest.dvc import ingest_dvc
from graph.ingest.git import ingest_git
from graph.ingest.incidents import parse_incident
from graph.ingest.mlflow import MlflowIngestResult, _RunReader
from graph.ingest.mlflow.registry import RegistryChanges, _record_moves, _version_node
from graph.ingest.openlineage import ingest_openlineage
from graph.model import Edge, Node
from graph.refs import EdgeKind, NodeKind
from graph.store import LineageStore

SHA = "c" * 40
RATINGS = "user,item,rating\n1,10,5\n2,20,\n3,30,4\n"
URI = "sqlite:///mlflow.db"


def git(root: Path, *args: str, when: str = "2024-01-01T12:00:00+00:00") -> str:
    env = {
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_AUTHOR_NAME": "Ada Lovelace",
        "GIT_AUTHOR_EMAIL": "ada@example.com",
        "GIT_COMMITTER_NAME": "Ada Lovelace",
        "GIT_COMMITTER_EMAIL": "ada@example.com",
        "GIT_AUTHOR_DATE": when,
        "GIT_COMMITTER_DATE": when,
    }
    done = subprocess.run(
        ["git", *args], cwd=root, env={**os.environ, **env}, check=True, capture_output=True
    )
    return done.stdout.decode().strip()


def commit(root: Path, files: dict[str, str], message: str, when: str) -> str:
    """Write `files` into the repository at `root` (made on first use) and commit everything."""
    if not (root / ".git").exists():
        root.mkdir(parents=True)
        git(root, "init", "-q", "-b", "main")
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message, when=when)
    return git(root, "rev-parse", "HEAD")


def stored(store: LineageStore, kind: NodeKind, name: str | None = None) -> Node:
    found = store.find(kind, name=name) if name else store.find(kind)
    assert found, f"no {kind.value} {name or ''} in the store"
    return found[-1]


# -- git: commits, configs, manifests, committed data --------------------------------------------


@pytest.fixture
def git_store(tmp_path: Path, sqlite_store: LineageStore) -> LineageStore:
    root = tmp_path / "repo"
    first = {
        "configs/train.yaml": "train:\n  optimizer:\n    lr: 0.01\n  epochs: 10\n",
        "requirements.txt": "numpy==1.26.4\npandas>=2\n",
        "data/ratings.csv": RATINGS,
    }
    commit(root, first, "first cut", "2024-01-01T12:00:00+00:00")
    git(root, "mv", "configs/train.yaml", "configs/training.yaml")
    second = {"src/train.py": "print('train')\n"}
    message = "rename the config\n\nand add the training script"
    commit(root, second, message, "2024-01-02T12:00:00+00:00")
    ingest_git(sqlite_store, root)
    return sqlite_store


def test_commit_view_reads_what_git_ingest_writes(git_store: LineageStore) -> None:
    first, second = git_store.find(NodeKind.COMMIT)
    commit = CommitAttrs(second)
    assert commit.author == "Ada Lovelace"  # stored as {"name", "email"}
    assert commit.author_email == "ada@example.com"
    assert commit.message == "rename the config\n\nand add the training script"
    assert commit.subject == "rename the config"
    assert commit.parents == [first.ref.removeprefix("commit:")]
    assert commit.committed_at == datetime(2024, 1, 2, 12, tzinfo=UTC)
    assert "HEAD" in commit.refs and "main" in commit.refs
    files = {entry["path"]: entry for entry in commit.files}
    assert files["configs/training.yaml"]["change"] == "R"
    assert files["configs/training.yaml"]["old_path"] == "configs/train.yaml"
    assert files["src/train.py"]["class"] == "code"
    assert CommitAttrs(first).parents == [] and CommitAttrs(first).refs == []


def test_config_and_manifest_views_read_what_git_ingest_writes(git_store: LineageStore) -> None:
    config = ConfigAttrs(stored(git_store, NodeKind.CONFIG, "configs/train.yaml"))
    assert config.keys == {"train.optimizer.lr": 0.01, "train.epochs": 10}
    assert config.path == "configs/train.yaml"
    assert not config.is_manifest and config.packages == {} and config.manifest_kind is None
    manifest = ConfigAttrs(stored(git_store, NodeKind.CONFIG, "requirements.txt"))
    assert manifest.is_manifest and manifest.manifest_kind == "requirements"
    assert manifest.packages == {"numpy": "==1.26.4", "pandas": ">=2"}


def test_dataset_view_reads_a_committed_and_profiled_file(git_store: LineageStore) -> None:
    dataset = DatasetAttrs(stored(git_store, NodeKind.DATASET, "ratings"))
    assert dataset.source == "git" and dataset.path == "data/ratings.csv"
    assert dataset.format == "csv"
    assert dataset.row_count == 3
    assert dataset.schema == {"user": "int64", "item": "int64", "rating": "int64"}
    columns = {column["name"]: column for column in dataset.profile_columns}
    assert columns["rating"]["null_rate"] == pytest.approx(1 / 3)
    assert dataset.profile["row_count"] == 3


def test_dataset_view_reads_what_file_ingest_writes(
    tmp_path: Path, sqlite_store: LineageStore
) -> None:
    path = tmp_path / "ratings.csv"
    path.write_text(RATINGS)
    ingest_datasets(sqlite_store, [path], root=tmp_path)
    dataset = DatasetAttrs(stored(sqlite_store, NodeKind.DATASET, "ratings"))
    assert dataset.path == "ratings.csv" and dataset.format == "csv"
    assert dataset.source is None  # file ingest says `origin: file`
    assert dataset.row_count == 3 and list(dataset.schema) == ["user", "item", "rating"]
    assert len(dataset.profile_columns) == 3


# -- MLflow: runs, model versions, alias moves ---------------------------------------------------


def mlflow_run_node(metrics: dict[str, float], tags: dict[str, str]) -> Node:
    """A run node exactly as the MLflow ingest builds it from a searched run."""
    result = MlflowIngestResult(URI, full=True)
    reader = _RunReader(None, None, URI, {"1": "recsys"}, None, False, result)
    info = SimpleNamespace(
        run_id="0123abcd",
        run_name="train-v7",
        experiment_id="1",
        status="FINISHED",
        lifecycle_stage="active",
        user_id="ada",
        start_time=1_730_000_000_000,
        end_time=1_730_000_600_000,
    )
    data = SimpleNamespace(params={"lr": "0.01"}, metrics=metrics, tags=tags, _metric_objs=[])
    return reader._run_node(SimpleNamespace(info=info, data=data), "run:0123abcd", None)


def test_run_view_reads_what_mlflow_ingest_writes() -> None:
    tags = {"mlflow.source.git.commit": SHA.upper(), "mlflow.source.name": "src/train.py"}
    run = RunAttrs(mlflow_run_node({"ndcg_at_10": 0.31, "loss": float("nan")}, tags))
    assert run.raw["metrics"]["ndcg_at_10"]["value"] == 0.31  # the stored shape: a dict
    assert run.metrics == {"ndcg_at_10": 0.31}  # NaN is stored as null: no number
    assert run.metric("ndcg_at_10") == 0.31 and run.metric("loss") is None
    assert run.metric_names == ["loss", "ndcg_at_10"]
    assert run.params == {"lr": "0.01"}
    assert run.git_commit == SHA
    assert run.source_name == "src/train.py"
    assert run.run_name == "train-v7" and run.name == "train-v7"
    assert run.experiment == "recsys"
    assert run.status == "FINISHED" and run.state is None
    assert run.started_at == datetime.fromtimestamp(1_730_000_000, UTC)
    assert run.ended_at == datetime.fromtimestamp(1_730_000_600, UTC)
    assert run.tags["mlflow.source.name"] == "src/train.py"
    assert not run.is_job and not run.is_stub


def mlflow_version(version: str, tags: dict[str, str]) -> SimpleNamespace:
    return SimpleNamespace(
        name="recsys",
        version=version,
        run_id="0123abcd",
        source="models:/m-1",
        status="READY",
        current_stage="None",
        description="",
        tags=tags,
        creation_timestamp=1_730_000_000_000,
        last_updated_timestamp=1_730_000_900_000,
    )


def test_model_version_and_deployment_views_read_what_the_registry_ingest_writes(
    sqlite_store: LineageStore,
) -> None:
    current = {"champion": {"model": "recsys", "name": "champion", "version": "7", "kind": "alias"}}
    tags = {"promoted_at": "2024-11-03T09:00:00Z", "promoted_by": "ada"}
    model = ModelVersionAttrs(_version_node(None, mlflow_version("7", tags), URI, current))
    assert model.version == "7" and model.run_id == "0123abcd"
    assert model.aliases == ["champion"]
    assert model.promoted_at == datetime(2024, 11, 3, 9, tzinfo=UTC)
    assert model.promoted_by == "ada"
    assert model.tracking_uri == URI

    changes = RegistryChanges(nodes={model.node.ref: model.node})
    seen = {"champion": {"version": "6", "deploy": None, "seen_at": "2024-10-01T00:00:00.000Z"}}
    now = datetime(2024, 11, 4, tzinfo=UTC)
    _record_moves(None, sqlite_store, changes, current, seen, URI, now)
    (move,) = [node for node in changes.nodes.values() if node.kind is NodeKind.DEPLOYMENT]
    deployment = DeploymentAttrs(move)
    assert deployment.model == "recsys" and deployment.alias == "champion"
    assert deployment.version == "7" and deployment.previous_version == "6"
    assert deployment.model_ref == "model:recsys/7"
    assert deployment.time_basis == "version_last_updated"
    assert deployment.moved_at == datetime.fromtimestamp(1_730_000_900, UTC)


def test_deployment_alias_falls_back_to_the_environment_a_deploy_event_names() -> None:
    node = Node.make("deploy:recsys/prod@2024-11-03T00:00:00Z", {"env": "prod", "version": 7})
    assert DeploymentAttrs(node).alias == "prod"
    assert DeploymentAttrs(node).version == "7"  # older stores wrote numbers


# -- OpenLineage ---------------------------------------------------------------------------------

PRODUCER = "https://github.com/OpenLineage/OpenLineage/blob/v1-0-0/client"
RUN_ID = "ea041791-68bc-4ae1-bd89-4c8106a157e4"
PARENT_ID = "43d7db3b-8984-4cda-b237-8c6919b36670"


def facet(**body: object) -> dict[str, object]:
    return {"_producer": PRODUCER, "_schemaURL": "https://example.com/facet.json", **body}


def ol_event(event_type: str, time: str, **extra: object) -> dict[str, object]:
    return {
        "eventType": event_type,
        "eventTime": time,
        "producer": PRODUCER,
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {
            "runId": RUN_ID,
            "facets": {
                "parent": facet(
                    run={"runId": PARENT_ID}, job={"namespace": "airflow", "name": "dag"}
                )
            },
        },
        "job": {
            "namespace": "airflow",
            "name": "dag.train",
            "facets": {
                "sourceCodeLocation": facet(type="git", url="https://example.com/r", version=SHA)
            },
        },
        "inputs": [
            {
                "namespace": "postgres://db:5432",
                "name": "public.ratings",
                "facets": {
                    "schema": facet(fields=[{"name": "user", "type": "INT"}, {"name": "note"}])
                },
                "inputFacets": {"dataQualityMetrics": facet(rowCount=3, columnMetrics={})},
            }
        ],
        "outputs": [],
        **extra,
    }


@pytest.fixture
def ol_store(tmp_path: Path, sqlite_store: LineageStore) -> LineageStore:
    events = [
        ol_event("START", "2024-11-03T10:00:00Z"),
        ol_event("COMPLETE", "2024-11-03T10:05:00Z"),
    ]
    path = tmp_path / "events.ndjson"
    path.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    report = ingest_openlineage(sqlite_store, [path])
    assert not report.invalid
    return sqlite_store


def test_run_view_reads_what_openlineage_ingest_writes(ol_store: LineageStore) -> None:
    run = RunAttrs(ol_store.get(f"run:{RUN_ID}"))
    assert run.source == "openlineage"
    assert run.state == "COMPLETE" and run.status is None
    assert run.job == {"namespace": "airflow", "name": "dag.train"}
    assert run.job_name == "dag.train" and run.name == "dag.train"
    assert run.git_commit == SHA
    assert run.started_at == datetime(2024, 11, 3, 10, tzinfo=UTC)
    assert run.ended_at == run.last_event_at == datetime(2024, 11, 3, 10, 5, tzinfo=UTC)
    assert "parent" in run.run_facets and "sourceCodeLocation" in run.job_facets
    assert run.metrics == {} and not run.is_job and not run.is_stub
    parent = RunAttrs(ol_store.get(f"run:{PARENT_ID}"))
    assert parent.is_stub and parent.job_name == "dag"


def test_dataset_and_edge_views_read_what_openlineage_ingest_writes(
    ol_store: LineageStore,
) -> None:
    node = stored(ol_store, NodeKind.DATASET)
    dataset = DatasetAttrs(node)
    assert dataset.source == "openlineage"
    assert dataset.namespace == "postgres://db:5432" and dataset.dataset_name == "public.ratings"
    assert dataset.schema == {"user": "INT", "note": ""}  # a column may come without a type
    assert "schema" in dataset.facets
    assert dataset.profile == {} and dataset.row_count is None
    (edge,) = [e for e in ol_store.edges_of([node.ref]) if e.kind is EdgeKind.INPUT]
    assert "dataQualityMetrics" in DataEdgeAttrs(edge.attrs).facets
    assert DataEdgeAttrs(edge.attrs).context is None


def test_edge_view_reads_mlflow_input_contexts() -> None:
    edge = Edge("dataset:ratings@aaaaaaaaaaaa", "run:r1", EdgeKind.INPUT, {"context": "eval"})
    assert DataEdgeAttrs(edge.attrs).context == "eval"
    assert DataEdgeAttrs({"context": None, "facets": []}).facets == {}


# -- DVC and incidents ---------------------------------------------------------------------------


def test_run_view_reads_what_dvc_ingest_writes(tmp_path: Path, sqlite_store: LineageStore) -> None:
    def entry(path: str, data: str) -> dict[str, object]:
        digest = hashlib.md5(data.encode()).hexdigest()
        return {"path": path, "hash": "md5", "md5": digest, "size": len(data)}

    stage = {
        "cmd": "python src/train.py",
        "deps": [entry("data/ratings.csv", RATINGS)],
        "params": {"params.yaml": {"train": {"lr": 0.01, "epochs": 5}}},
        "outs": [entry("model.pkl", "weights")],
    }
    lock = json.dumps({"schema": "2.0", "stages": {"train": stage}})  # JSON is YAML
    root = tmp_path / "dvc-project"
    sha = commit(root, {"dvc.lock": lock}, "train", "2024-01-01T12:00:00+00:00")
    ingest_dvc(sqlite_store, root)
    train = RunAttrs(sqlite_store.get(f"run:dvc:train@{sha[:12]}"))
    assert train.source == "dvc" and train.stage == "train" and train.name == "train"
    assert train.state == "COMPLETE" and train.git_commit == sha
    assert train.params == {"train.lr": 0.01, "train.epochs": 5}
    assert train.metrics == {} and train.started_at is None


def test_incident_view_reads_an_incident_file(tmp_path: Path) -> None:
    record = {
        "id": "INC-1001",
        "title": "NDCG dropped",
        "opened_at": "2024-11-03T09:00:00Z",
        "severity": "SEV2",
        "affects": "model:recsys/7",
        "symptom": {"metric": "ndcg_at_10", "baseline": 0.31, "observed": 0.22},
        "summary": "recommendations got worse",
    }
    path = tmp_path / "INC-1001.json"
    path.write_text(json.dumps(record))
    node, _ = parse_incident(path)
    incident = IncidentAttrs(node)
    assert incident.id == "INC-1001" and incident.title == "NDCG dropped"
    assert incident.severity == "SEV2"
    assert incident.opened_at == datetime(2024, 11, 3, 9, tzinfo=UTC)
    assert incident.affects == ["model:recsys/7"]  # a single ref may be given as a string
    assert incident.symptom["baseline"] == 0.31
    assert incident.summary == "recommendations got worse"
    assert incident.closed_at is None and incident.resolution is None
    closed = IncidentAttrs(
        Node.make(node.ref, {**record, "closed_at": "2024-11-04T09:00:00+00:00", "resolution": "x"})
    )
    assert closed.closed_at == datetime(2024, 11, 4, 9, tzinfo=UTC) and closed.resolution == "x"


# -- metrics in both shapes, missing and mistyped keys ---------------------------------------------


def test_metrics_read_both_stored_shapes() -> None:
    node = Node.make(
        "run:r1",
        {
            "metrics": {
                "ndcg_at_10": {"value": 0.5, "min": 0.1, "max": 0.5, "step": 3},
                "auc": 0.7,  # a bare number (older stores, OpenLineage-derived)
                "epochs": 3,
                "broken": {"value": None},
                "flag": True,
                "text": "0.9",
                "inf": float("inf"),
            }
        },
    )
    run = RunAttrs(node)
    assert run.metrics == {"ndcg_at_10": 0.5, "auc": 0.7, "epochs": 3.0}
    assert run.metric_names == ["ndcg_at_10", "auc", "epochs", "broken", "flag", "text", "inf"]
    assert metric_value({"value": 2}) == 2.0 and metric_value(0.25) == 0.25
    assert metric_value(None) is None and metric_value({"min": 1}) is None


EMPTY = [
    ("commit:" + SHA, CommitAttrs),
    ("config:a.yaml@111111111111", ConfigAttrs),
    ("dataset:ratings@aaaaaaaaaaaa", DatasetAttrs),
    ("run:r1", RunAttrs),
    ("model:recsys/7", ModelVersionAttrs),
    ("deploy:recsys/champion@2024-11-03T00:00:00Z", DeploymentAttrs),
    ("incident:INC-1", IncidentAttrs),
]


@pytest.mark.parametrize(("ref", "view"), EMPTY)
def test_attrs_of_picks_the_view_of_the_kind(ref: str, view: type[Attrs]) -> None:
    assert type(attrs_of(Node.make(ref))) is view


def property_values(view: Attrs) -> dict[str, object]:
    """Every property a view names, `raw` (the stored dict itself) left out."""
    names = [
        name
        for klass in type(view).__mro__
        for name, value in vars(klass).items()
        if isinstance(value, property) and name != "raw"
    ]
    return {name: getattr(view, name) for name in names}


@pytest.mark.parametrize(("ref", "view"), EMPTY)
def test_every_property_answers_on_missing_keys(ref: str, view: type[Attrs]) -> None:
    values = property_values(view(Node.make(ref)))
    assert values, view
    assert all(value in (None, "", [], {}, False) for value in values.values()), values


MISTYPED = {
    "metrics": ["ndcg", 0.3],
    "params": "lr=0.1",
    "tags": ["x"],
    "job": "dag.train",
    "run_facets": [],
    "start_time": 1_730_000_000,
    "started_at": "yesterday",
    "status": 0,
    "profile": "big",
    "schema": "user:int",
    "row_count": True,
    "path": ["a"],
    "facets": None,
    "aliases": "champion",
    "version": 7.5,
    "moved_at": "soon",
    "model_ref": {"ref": "model:recsys/7"},
    "author": 42,
    "message": None,
    "files": {"a.py": "M"},
    "parents": "abc",
    "refs": None,
    "committed_at": 0,
    "keys": ["a"],
    "manifest": "yes",
    "packages": ["numpy"],
    "title": 3,
    "opened_at": "not a time",
    "affects": 42,
    "symptom": "bad",
    "id": None,
}


@pytest.mark.parametrize(("ref", "view"), EMPTY)
def test_every_property_answers_on_mistyped_keys(ref: str, view: type[Attrs]) -> None:
    values = property_values(view(Node.make(ref, MISTYPED)))
    assert all(value in (None, "", [], {}, False) for value in values.values()), values


def test_views_are_frozen_and_slotted() -> None:
    run = RunAttrs(Node.make("run:r1"))
    with pytest.raises(AttributeError):
        run.node = Node.make("run:r2")
    assert not hasattr(run, "__dict__")
