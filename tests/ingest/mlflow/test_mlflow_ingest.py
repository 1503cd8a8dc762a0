"""`ingest mlflow` against a real MLflow SQLite store: lineage, identity, aliases, increments."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from graph.diff import diff
from graph.errors import IngestError
from graph.ingest.data import ingest_datasets
from graph.ingest.link import link
from graph.ingest.mlflow import ingest_mlflow
from graph.model import Node
from graph.queries import WalkOptions, upstream
from graph.refs import EdgeKind, NodeKind
from graph.store import LineageStore, open_store
from tests.ingest.mlflow.mlflow_project import LoggedInput, MlflowProject

pytestmark = pytest.mark.filterwarnings(
    "ignore::UserWarning", "ignore::FutureWarning", "ignore::DeprecationWarning"
)

SHA1, SHA2 = "1" * 40, "2" * 40


def write(path: Path, text: str, at_ms: int) -> Path:
    path.write_text(text)
    os.utime(path, ns=(at_ms * 1_000_000, at_ms * 1_000_000))
    return path


def edges(store: LineageStore, ref: str, kind: EdgeKind) -> list[tuple[str, str]]:
    return sorted((e.src, e.dst) for e in store.edges_of([ref]) if e.kind is kind)


def snapshot(store: LineageStore) -> tuple[list, list]:
    return (
        [(n.ref, n.attrs, n.source_time) for n in store.iter_nodes()],
        [(e.src, e.dst, e.kind, e.attrs) for e in store.iter_edges()],
    )


@dataclass
class TwoVersions:
    store: LineageStore
    project: MlflowProject
    ratings_v1: str
    ratings_v2: str
    movies: str
    run1: str
    run2: str


@pytest.fixture
def two_versions(
    mlflow_project: MlflowProject, project_root: Path, store: LineageStore
) -> TwoVersions:
    """recsys v1 trained on ratings v1 (+ movies, + an eval set nobody ingested) at commit
    SHA1; the ratings file then changed (a column and rows added); recsys v2 trained on it."""
    p, data = mlflow_project, project_root / "data"
    ratings = write(data / "ratings.csv", "user,item,rating\n1,10,4.0\n2,11,3.0\n3,10,\n", p.tick())
    movies = write(data / "movies.csv", "item,genre\n10,drama\n11,comedy\n", p.clock_ms)
    evalset = write(data / "holdout.csv", "user,item\n9,10\n", p.clock_ms)
    first = ingest_datasets(store, [ratings, movies], root=project_root).datasets
    store.upsert([Node.make(f"commit:{SHA1}", {"message": "train v1"}, datetime.now(UTC))])
    run1 = p.run(
        inputs=[
            LoggedInput(ratings, "ratings"),
            LoggedInput(movies, "movies"),
            LoggedInput(evalset, "holdout", "eval"),
        ],
        params={"lr": "0.01"},
        metrics={"loss": [0.9, 0.5, 0.7, 0.3, 0.4], "ndcg_at_10": [0.31]},
        commit=SHA1,
    )
    p.alias("recsys", "champion", p.register("recsys", run1))
    write(
        ratings,
        "user,item,rating,ts\n1,10,4.0,1\n2,11,3.0,2\n3,10,,3\n4,12,5.0,4\n",
        p.tick(),
    )
    [second] = ingest_datasets(store, [ratings], root=project_root).datasets
    run2 = p.run(
        inputs=[LoggedInput(ratings, "ratings"), LoggedInput(movies, "movies")],
        params={"lr": "0.02"},
        metrics={"ndcg_at_10": [0.27]},
        commit=SHA2,
    )
    p.register("recsys", run2)
    return TwoVersions(
        store, p, first[0].ref, second.ref, first[1].ref, f"run:{run1}", f"run:{run2}"
    )


def test_model_run_dataset_and_commit_lineage(
    two_versions: TwoVersions, project_root: Path
) -> None:
    t = two_versions
    result = ingest_mlflow(t.store, t.project.uri, root=project_root)
    assert (result.runs_read, result.model_versions, result.commits_linked) == (2, 2, 1)
    assert edges(t.store, "model:recsys/1", EdgeKind.PRODUCED) == [(t.run1, "model:recsys/1")]
    assert edges(t.store, "model:recsys/2", EdgeKind.PRODUCED) == [(t.run2, "model:recsys/2")]
    inputs1 = {e.src: e.attrs for e in t.store.edges_of([t.run1]) if e.kind is EdgeKind.INPUT}
    assert set(inputs1) >= {t.ratings_v1, t.movies}
    assert inputs1[t.ratings_v1]["identity"] == "blake3"
    assert inputs1[t.ratings_v1]["context"] == "training"
    holdout = [ref for ref in inputs1 if ref.startswith("dataset:holdout@")]
    assert len(holdout) == 1 and inputs1[holdout[0]]["context"] == "eval"
    assert inputs1[holdout[0]]["identity"] == "mlflow"
    assert edges(t.store, t.run1, EdgeKind.CODE_OF) == [(f"commit:{SHA1}", t.run1)]
    assert edges(t.store, t.run2, EdgeKind.CODE_OF) == []  # SHA2 is not in the graph

    ratings = t.store.get(t.ratings_v1).attrs
    assert ratings["algorithm"] == "blake3"
    assert [len(digest) for digest in ratings["aliases"]["mlflow"]] == [8]
    assert ratings["row_count"] == 3 and ratings["profile"]["columns"][2]["nulls"] == 1
    unverified = t.store.get(holdout[0]).attrs
    assert unverified["content_verified"] is False and unverified["algorithm"] == "mlflow"
    assert unverified["row_count"] == 1 and unverified["path"] == "data/holdout.csv"

    run = t.store.get(t.run1).attrs
    assert run["params"] == {"lr": "0.01"} and run["git_commit"] == SHA1
    assert run["status"] == "FINISHED" and run["experiment"] == "recsys"
    assert run["metrics"]["loss"] == {
        "value": 0.4,
        "step": 4,
        "timestamp": run["metrics"]["loss"]["timestamp"],
        "min": 0.3,
        "max": 0.9,
        "points": 5,
        "last_step": 4,
        "history": True,
    }
    assert run["metrics"]["ndcg_at_10"]["min"] == 0.31
    assert run["metrics"]["ndcg_at_10"]["history"] is False
    assert result.history_calls == 1  # only the curve; a metric logged once needs no call

    walked = upstream(t.store, ["model:recsys/1"], WalkOptions()).refs()
    assert {t.run1, t.ratings_v1, t.movies, f"commit:{SHA1}"} <= walked


def test_lineage_diff_between_two_model_versions_names_the_changed_dataset(
    two_versions: TwoVersions, project_root: Path
) -> None:
    t = two_versions
    ingest_mlflow(t.store, t.project.uri, root=project_root)
    result = diff(t.store, "model:recsys/1", "model:recsys/2")
    changed = {(c.kind, c.name): (c.a_refs, c.b_refs) for c in result.changed}
    assert changed[(NodeKind.DATASET, "ratings")] == ((t.ratings_v1,), (t.ratings_v2,))
    assert (NodeKind.DATASET, "movies") not in changed  # the same file, the same node
    a, b = (t.store.get(ref).attrs for ref in (t.ratings_v1, t.ratings_v2))
    assert (a["row_count"], b["row_count"]) == (3, 4)
    assert [c["name"] for c in b["schema"]] == [c["name"] for c in a["schema"]] + ["ts"]
    assert edges(t.store, t.ratings_v2, EdgeKind.PREVIOUS) == [(t.ratings_v1, t.ratings_v2)]


def test_ingest_is_idempotent(two_versions: TwoVersions, project_root: Path) -> None:
    t = two_versions
    ingest_mlflow(t.store, t.project.uri, root=project_root)
    before = snapshot(t.store)
    again = ingest_mlflow(t.store, t.project.uri, root=project_root)
    assert again.runs_written == 0 and again.history_calls == 0 and again.deployments == []
    assert snapshot(t.store) == before
    ingest_mlflow(t.store, t.project.uri, root=project_root, full=True)
    assert snapshot(t.store) == before


def test_equal_mlflow_digests_are_not_taken_as_equal_content(
    mlflow_project: MlflowProject, project_root: Path, sqlite_store: LineageStore, tmp_path: Path
) -> None:
    """MLflow's pandas digest sees the first 10,000 rows and the row count only: a change in
    row 10,001 keeps the digest (and MLflow even files both inputs as one dataset)."""
    p = mlflow_project
    rows = "\n".join(f"{i},{i % 7}" for i in range(10_000))
    events = project_root / "data" / "events.csv"
    write(events, f"id,v\n{rows}\n10000,1\n", p.tick())
    [v1] = ingest_datasets(sqlite_store, [events], root=project_root).datasets
    run_a = p.run(inputs=[LoggedInput(events, "events")])
    write(events, f"id,v\n{rows}\n10000,2\n", p.tick())
    [v2] = ingest_datasets(sqlite_store, [events], root=project_root).datasets
    run_b = p.run(inputs=[LoggedInput(events, "events")])
    assert v1.ref != v2.ref

    def inputs(store: LineageStore, run_id: str) -> list[str]:
        return [e.src for e in store.edges_of([f"run:{run_id}"]) if e.kind is EdgeKind.INPUT]

    with open_store(f"sqlite:///{tmp_path / 'mlflow-only.db'}") as mlflow_only:
        ingest_mlflow(mlflow_only, p.uri, root=project_root)
        [only_a], [only_b] = inputs(mlflow_only, run_a), inputs(mlflow_only, run_b)
        assert only_a == only_b  # nothing better to go on: one node, flagged as unverified
        assert mlflow_only.get(only_a).attrs["content_verified"] is False

    # where `ingest data` saw the file's versions, each run gets the content it really read
    ingest_mlflow(sqlite_store, p.uri, root=project_root)
    assert inputs(sqlite_store, run_a) == [v1.ref] and inputs(sqlite_store, run_b) == [v2.ref]
    digest = only_a.rsplit("@", 1)[1]
    for ref in (v1.ref, v2.ref):
        attrs = sqlite_store.get(ref).attrs
        assert attrs["algorithm"] == "blake3" and attrs["aliases"] == {"mlflow": [digest]}


def test_alias_moves_are_kept_as_deployments_across_ingests(
    mlflow_project: MlflowProject, project_root: Path, sqlite_store: LineageStore
) -> None:
    p, store = mlflow_project, sqlite_store
    v1 = p.register("recsys", p.run())
    p.alias("recsys", "champion", v1)
    first = ingest_mlflow(store, p.uri, root=project_root)
    [deploy1] = first.deployments
    assert deploy1.startswith("deploy:recsys/champion@")
    assert store.get(deploy1).attrs["time_basis"] == "version_last_updated"
    assert edges(store, deploy1, EdgeKind.DEPLOYED) == [("model:recsys/1", deploy1)]

    v2 = p.register("recsys", p.run())
    p.alias("recsys", "champion", v2)
    second = ingest_mlflow(store, p.uri, root=project_root)
    [deploy2] = second.deployments
    assert edges(store, deploy2, EdgeKind.DEPLOYED) == [("model:recsys/2", deploy2)]
    assert edges(store, deploy2, EdgeKind.PREVIOUS) == [(deploy1, deploy2)]
    assert store.get(deploy2).attrs["previous_version"] == "1"
    assert store.get("model:recsys/1").attrs["aliases"] == []
    assert store.get("model:recsys/2").attrs["aliases"] == ["champion"]

    assert ingest_mlflow(store, p.uri, root=project_root).deployments == []  # nothing moved

    p.alias("recsys", "champion", v1)  # rollback: v1 is older than the last look
    [deploy3] = ingest_mlflow(store, p.uri, root=project_root).deployments
    assert store.get(deploy3).attrs["time_basis"] == "seen"
    assert edges(store, deploy3, EdgeKind.DEPLOYED) == [("model:recsys/1", deploy3)]
    deployments = [n.ref for n in store.find(NodeKind.DEPLOYMENT)]
    assert deployments == [deploy1, deploy2, deploy3]  # every move ever seen, in time order


def test_incremental_ingest_reads_only_new_and_active_runs(
    mlflow_project: MlflowProject, project_root: Path, sqlite_store: LineageStore
) -> None:
    p, store = mlflow_project, sqlite_store
    for _ in range(3):
        p.run(metrics={"loss": [1.0, 0.5]})
    active = p.run(finish=False)
    first = ingest_mlflow(store, p.uri, root=project_root, overlap_ms=0)
    assert first.runs_read == 4 and store.get(f"run:{active}").attrs["status"] == "RUNNING"

    new = p.run(metrics={"loss": [0.8]})
    p.client.log_metric(active, "auc", 0.7, timestamp=p.clock_ms, step=0)
    p.client.set_terminated(active, "FINISHED", end_time=p.clock_ms + 1)
    second = ingest_mlflow(store, p.uri, root=project_root, overlap_ms=0)
    # the new run, the one that was active, and the last one at the (inclusive) end watermark
    assert (second.runs_read, second.runs_written, second.history_calls) == (3, 2, 0)
    assert store.get(f"run:{new}") is not None
    finished = store.get(f"run:{active}").attrs
    assert finished["status"] == "FINISHED" and finished["metrics"]["auc"]["value"] == 0.7
    assert len(store.find(NodeKind.RUN)) == 5


def test_missing_sqlite_store_is_a_clear_error(tmp_path: Path, sqlite_store: LineageStore) -> None:
    with pytest.raises(IngestError, match="no MLflow database"):
        ingest_mlflow(sqlite_store, f"sqlite:///{tmp_path / 'nope.db'}")
    assert not (tmp_path / "nope.db").exists()


def test_an_input_first_seen_unverified_is_folded_once_the_file_is_ingested(
    mlflow_project: MlflowProject, project_root: Path, sqlite_store: LineageStore
) -> None:
    p, store = mlflow_project, sqlite_store
    ratings = write(project_root / "data" / "ratings.csv", "a,b\n1,2\n", p.tick())
    run = f"run:{p.run(inputs=[LoggedInput(ratings, 'ratings')])}"
    ingest_mlflow(store, p.uri, root=project_root)
    [unverified] = [e.src for e in store.edges_of([run]) if e.kind is EdgeKind.INPUT]
    assert link(store, [], project_root).unreachable[unverified]

    [version] = ingest_datasets(store, [ratings], root=project_root).datasets
    report = link(store, [], project_root)
    assert report.folded == [unverified]
    inputs = {e.src: e.attrs for e in store.edges_of([run]) if e.kind is EdgeKind.INPUT}
    assert list(inputs) == [version.ref] and inputs[version.ref]["matched_by"] == "path+time"
    assert store.get(unverified) is None
    assert store.get(version.ref).attrs["aliases"] == {"mlflow": [unverified.rsplit("@")[1]]}
    ingest_mlflow(store, p.uri, root=project_root, full=True)  # now matched at once
    assert [e.src for e in store.edges_of([run]) if e.kind is EdgeKind.INPUT] == [version.ref]


def test_legacy_stages_are_deployments_too(
    mlflow_project: MlflowProject, project_root: Path, sqlite_store: LineageStore
) -> None:
    p = mlflow_project
    version = p.register("recsys", p.run())
    p.client.transition_model_version_stage("recsys", version, "Production")
    [deploy] = ingest_mlflow(sqlite_store, p.uri, root=project_root).deployments
    attrs = sqlite_store.get(deploy).attrs
    assert deploy.startswith("deploy:recsys/Production@")
    assert (attrs["kind"], attrs["version"]) == ("stage", "1")
    assert sqlite_store.get("model:recsys/1").attrs["stage"] == "Production"


def test_a_logged_blake3_digest_matches_the_ingested_version(
    mlflow_project: MlflowProject, project_root: Path, sqlite_store: LineageStore
) -> None:
    """The fixtures log the BLAKE3 digest12 as MLflow's digest: that alone identifies the
    version, even after the file at the source path changed."""
    from mlflow.entities import Dataset, DatasetInput, InputTag

    p, store = mlflow_project, sqlite_store
    ratings = write(project_root / "data" / "ratings.csv", "a\n1\n2\n", p.tick())
    [old] = ingest_datasets(store, [ratings], root=project_root).datasets
    write(ratings, "a\n1\n2\n3\n", p.tick())
    [new] = ingest_datasets(store, [ratings], root=project_root).datasets
    run_id = p.run(start_ms=p.tick())  # started after the change, yet it read the old content
    logged = Dataset(
        name="ratings",
        digest=old.digest[:12],
        source_type="local",
        source='{"uri": "data/ratings.csv"}',
        profile='{"num_rows": 2}',
    )
    tag = InputTag("mlflow.data.context", "training")
    p.client.log_inputs(run_id, datasets=[DatasetInput(logged, [tag])])
    ingest_mlflow(store, p.uri, root=project_root)
    inputs = {e.src: e.attrs for e in store.edges_of([f"run:{run_id}"]) if e.kind is EdgeKind.INPUT}
    assert list(inputs) == [old.ref] and inputs[old.ref]["matched_by"] == "digest"
    attrs = store.get(old.ref).attrs
    assert attrs["algorithm"] == "blake3" and attrs["profile"]["row_count"] == 2  # not clobbered
    assert new.ref != old.ref
