"""A model version and what surrounds it, read for all versions at once."""

from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import event
from sqlalchemy.engine import Engine

from graph.store import LineageStore, open_store
from graph.version_lineage import model_versions, version_lineages


def test_a_version_knows_its_run_inputs_configs_commit_deployments_and_incidents(
    sample_store: LineageStore, sample: SimpleNamespace
) -> None:
    old, new = model_versions(sample_store, "recsys")  # oldest first
    assert (old.ref, new.ref) == (sample.M1, sample.M2)
    assert new.run is not None and new.run.ref == sample.RUN2
    assert [(use.dataset.ref, use.context) for use in new.inputs] == [
        (sample.MOVIES, ""),
        (sample.DS2, ""),
    ]
    assert [config.ref for config in new.configs] == [sample.CFG2]
    assert new.commit is not None and new.commit.ref == sample.C2
    assert [d.ref for d in new.deployments] == [sample.DEPLOY]
    assert new.incidents == (sample.INCIDENT,)  # through its deployment
    assert old.deployments == () and old.incidents == ()
    asked = [sample.M2, sample.RUN1, "model:x/1", sample.M1]
    # in the order asked; refs that are not stored model versions are skipped
    assert [v.ref for v in version_lineages(sample_store, asked)] == [sample.M2, sample.M1]


def test_every_version_is_read_in_five_statements(sqlite_url: str, sample: SimpleNamespace) -> None:
    with open_store(sqlite_url) as store:
        store.upsert(*sample.graph())
    sent: list[str] = []

    def trace(dbapi_connection, _record) -> None:  # noqa: ANN001 - SQLAlchemy's hook signature
        dbapi_connection.set_trace_callback(sent.append)

    event.listen(Engine, "connect", trace)
    try:
        with open_store(sqlite_url) as store:
            sent.clear()  # opening checks the schema
            versions = model_versions(store, "recsys")
    finally:
        event.remove(Engine, "connect", trace)
    assert len(versions) == 2
    assert len(sent) == 5, sent
