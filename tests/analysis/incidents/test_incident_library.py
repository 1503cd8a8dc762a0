import json
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from agentops.analysis.incidents import (
    IncidentError,
    close_incident,
    list_incidents,
    open_incident,
    open_incidents,
    show_incident,
)
from graph.errors import RefError, StoreError
from graph.ingest.incidents import ingest_incidents
from graph.refs import EdgeKind
from graph.store import LineageStore

AT = datetime(2026, 11, 5, 8, 30, tzinfo=UTC)


def affected_by(store: LineageStore, ref: str) -> set[str]:
    return {e.src for e in store.edges_of([ref]) if e.dst == ref and e.kind is EdgeKind.AFFECTED}


def test_open_writes_the_file_and_the_node_and_sync_reads_back_the_same(
    sample_store: LineageStore, sample: SimpleNamespace, tmp_path: Path
) -> None:
    folder = tmp_path / "incidents"
    node = open_incident(
        sample_store,
        "recsys/2",
        "NDCG@10 fell after the promotion\nSeen on the dashboard at 08:30.",
        metric="ndcg_at_10",
        baseline=0.31,
        observed=0.22,
        at=AT,
        severity="sev1",
        folder=folder,
    )
    # the sample graph holds incident:INC-1 already, so the next free id is INC-2
    assert node.ref == "incident:INC-2"
    record = json.loads((folder / "INC-2.json").read_text())
    assert record == {
        "id": "INC-2",
        "title": "NDCG@10 fell after the promotion",
        "opened_at": "2026-11-05T08:30:00+00:00",
        "severity": "SEV1",
        "affects": [sample.M2],
        "summary": "NDCG@10 fell after the promotion\nSeen on the dashboard at 08:30.",
        "symptom": {"metric": "ndcg_at_10", "baseline": 0.31, "observed": 0.22},
    }
    stored = sample_store.get("incident:INC-2")
    assert stored is not None and stored.attrs == record and stored.source_time == AT
    assert affected_by(sample_store, "incident:INC-2") == {sample.M2}
    assert [p.name for p in folder.iterdir()] == ["INC-2.json"]  # no temp file left behind

    ingest_incidents(sample_store, [folder])  # what `agentops sync` does with the file
    again = sample_store.get("incident:INC-2")
    assert again is not None and again.attrs == record and again.source_time == AT
    assert affected_by(sample_store, "incident:INC-2") == {sample.M2}


def test_ids_count_up_over_the_graph_and_the_folder(
    sample_store: LineageStore, tmp_path: Path
) -> None:
    folder = tmp_path / "incidents"
    folder.mkdir()
    (folder / "INC-41.json").write_text("{not yet valid}")  # a file someone is still writing
    first = open_incident(sample_store, "recsys/2", "slow", at=AT, folder=folder)
    second = open_incident(sample_store, "recsys/2", "slower", at=AT, folder=folder)
    assert (first.ref, second.ref) == ("incident:INC-42", "incident:INC-43")
    chosen = open_incident(sample_store, "recsys/1", "x", incident_id="OPS-7", folder=folder)
    assert chosen.ref == "incident:OPS-7" and (folder / "OPS-7.json").is_file()


def test_an_existing_id_is_refused_and_nothing_is_written(
    sample_store: LineageStore, tmp_path: Path
) -> None:
    folder = tmp_path / "incidents"
    folder.mkdir()
    (folder / "INC-9.json").write_text('{"id": "INC-9", "title": "kept"}')
    with pytest.raises(IncidentError, match="INC-9 already exists"):
        open_incident(sample_store, "recsys/2", "dup", incident_id="INC-9", folder=folder)
    with pytest.raises(IncidentError, match="INC-1 already exists"):  # in the graph, no file
        open_incident(sample_store, "recsys/2", "dup", incident_id="INC-1", folder=folder)
    assert json.loads((folder / "INC-9.json").read_text())["title"] == "kept"
    assert sorted(p.name for p in folder.iterdir()) == ["INC-9.json"]
    assert sample_store.get("incident:INC-9") is None


@pytest.mark.parametrize("bad_id", ["../escape", ".hidden", "a/b", "", "x" * 65])
def test_an_id_must_be_a_plain_file_name(
    sample_store: LineageStore, tmp_path: Path, bad_id: str
) -> None:
    folder = tmp_path / "incidents"
    with pytest.raises(IncidentError, match="not a valid incident id"):
        open_incident(sample_store, "recsys/2", "x", incident_id=bad_id or " ", folder=folder)
    assert not folder.exists() and not (tmp_path / "escape.json").exists()


def test_a_deployment_brings_its_model_along(
    sample_store: LineageStore, sample: SimpleNamespace
) -> None:
    node = open_incident(sample_store, sample.DEPLOY, "timeouts", at=AT)
    assert node.attrs["affects"] == [sample.DEPLOY, sample.M2]
    assert affected_by(sample_store, node.ref) == {sample.DEPLOY, sample.M2}


def test_what_an_incident_can_be_opened_against(
    sample_store: LineageStore, sample: SimpleNamespace, tmp_path: Path
) -> None:
    tmp_path = tmp_path / "incidents"
    with pytest.raises(IncidentError, match="is not a model version or a deployment"):
        open_incident(sample_store, sample.DS2, "bad data", folder=tmp_path)
    with pytest.raises(RefError, match="no node matches"):
        open_incident(sample_store, "recsys/99", "gone", folder=tmp_path)
    with pytest.raises(IncidentError, match="needs the metric"):
        open_incident(sample_store, "recsys/2", "x", baseline=0.3, folder=tmp_path)
    with pytest.raises(IncidentError, match="SEV0"):
        open_incident(sample_store, "recsys/2", "x", severity="urgent", folder=tmp_path)
    with pytest.raises(IncidentError, match="symptom is empty"):
        open_incident(sample_store, "recsys/2", "  ", folder=tmp_path)
    assert not tmp_path.exists()


def test_a_failed_graph_write_takes_the_file_back(
    sample_store: LineageStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing_upsert(*args: object, **kwargs: object) -> None:
        raise StoreError("write to the lineage store failed, nothing was saved: disk full")

    monkeypatch.setattr(sample_store, "upsert", failing_upsert)
    with pytest.raises(StoreError):
        open_incident(sample_store, "recsys/2", "x", folder=tmp_path / "incidents")
    assert list((tmp_path / "incidents").iterdir()) == []


def test_open_incidents_newest_first_and_closing_one_removes_it(
    sample_store: LineageStore, sample: SimpleNamespace, tmp_path: Path
) -> None:
    folder = tmp_path / "incidents"
    older = open_incident(sample_store, "recsys/1", "older", at=AT, folder=folder)
    newer = open_incident(sample_store, "recsys/2", "newer", at=AT.replace(day=6), folder=folder)
    # the sample's incident:INC-1 opened 2026-11-04 (oldest)
    assert open_incidents(sample_store) == [newer.ref, older.ref, sample.INCIDENT]

    closed = close_incident(
        sample_store, "INC-2", at=AT.replace(hour=11), resolution="rolled back", paths=[folder]
    )
    assert closed.ref == older.ref and not closed.is_open
    assert open_incidents(sample_store) == [newer.ref, sample.INCIDENT]
    everything = list_incidents(sample_store, include_closed=True)
    assert [i.ref for i in everything] == [newer.ref, older.ref, sample.INCIDENT]
    assert everything[1].to_json()["status"] == "closed"

    record = json.loads((folder / "INC-2.json").read_text())
    assert record["closed_at"] == "2026-11-05T11:30:00+00:00"
    assert record["resolution"] == "rolled back"
    node = sample_store.get(older.ref)
    assert node is not None and node.attrs == record  # file and node agree
    ingest_incidents(sample_store, [folder])  # a later sync keeps it closed
    assert open_incidents(sample_store) == [newer.ref, sample.INCIDENT]


def test_close_refuses_twice_and_before_opening(
    sample_store: LineageStore, sample: SimpleNamespace
) -> None:
    opened = open_incident(sample_store, "recsys/2", "x", at=AT)
    with pytest.raises(IncidentError, match="before the incident was opened"):
        close_incident(sample_store, opened.ref, at=AT.replace(day=1))
    close_incident(sample_store, opened.ref, at=AT.replace(day=7))  # no file: node only
    with pytest.raises(IncidentError, match="already closed at 2026-11-07"):
        close_incident(sample_store, opened.ref)
    with pytest.raises(IncidentError, match="is not an incident"):
        close_incident(sample_store, sample.M2)


def test_show_gives_the_affected_nodes_and_the_lineage_behind(
    sample_store: LineageStore, sample: SimpleNamespace
) -> None:
    view = show_incident(sample_store, "INC-1")
    assert [node.ref for node in view.affected] == [sample.DEPLOY]
    data = view.to_json()
    assert data["ref"] == sample.INCIDENT and data["status"] == "open"
    upstream = data["upstream"]
    assert upstream["model"] == {"count": 1, "refs": [sample.M2]}
    assert upstream["run"] == {"count": 1, "refs": [sample.RUN2]}
    assert set(upstream["dataset"]["refs"]) == {sample.DS2, sample.MOVIES}
    assert sample.M1 not in json.dumps(upstream)
