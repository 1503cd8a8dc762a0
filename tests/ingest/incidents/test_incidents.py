import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from graph.errors import IngestError
from graph.ingest.incidents import ingest_incidents
from graph.queries import upstream
from graph.store import LineageStore


def write(folder: Path, name: str, record: object) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(json.dumps(record) if not isinstance(record, str) else record)
    return path


INCIDENT = {
    "id": "INC-1001",
    "title": "NDCG@10 dropped after last night's promotion",
    "opened_at": "2026-11-04T03:12:00Z",
    "severity": "SEV2",
    "affects": ["model:recsys/2"],
    "symptom": {"metric": "ndcg_at_10", "baseline": 0.31, "observed": 0.22},
}


def test_incident_files_become_nodes_linked_to_what_they_affect(
    sample_store: LineageStore, sample: SimpleNamespace, tmp_path: Path
) -> None:
    folder = tmp_path / "incidents"
    write(folder, "INC-1001.json", INCIDENT)
    report = ingest_incidents(sample_store, [folder])
    assert report.incidents == ["incident:INC-1001"] and report.problems == []
    node = sample_store.get("incident:INC-1001")
    assert node is not None
    assert node.attrs["symptom"] == {"metric": "ndcg_at_10", "baseline": 0.31, "observed": 0.22}
    assert node.source_time.isoformat() == "2026-11-04T03:12:00+00:00"
    lineage = upstream(sample_store, ["incident:INC-1001"])
    assert {sample.M2, sample.RUN2, sample.DS2} <= lineage.refs()
    again = ingest_incidents(sample_store, [folder])  # idempotent
    assert again.incidents == report.incidents
    assert sample_store.counts().edges["affected"] == 2


def test_bad_files_are_reported_and_the_good_ones_kept(
    sample_store: LineageStore, tmp_path: Path
) -> None:
    folder = tmp_path / "incidents"
    write(folder, "a-good.json", INCIDENT)
    write(folder, "b-broken.json", "{not json")
    write(folder, "c-missing.json", {"id": "INC-2"})
    write(folder, "d-unknown.json", {**INCIDENT, "id": "INC-3", "affects": ["model:recsys/99"]})
    write(folder, "e-badref.json", {**INCIDENT, "id": "INC-4", "affects": ["modle:x/1"]})
    # as a command takes them: a short form and MLflow's URI of the version an alias points to
    write(
        folder,
        "f-short.json",
        {**INCIDENT, "id": "INC-5", "affects": ["recsys/1", "models:/recsys@champion"]},
    )
    report = ingest_incidents(sample_store, [folder])
    assert report.incidents == ["incident:INC-1001", "incident:INC-3", "incident:INC-5"]
    assert {e.src for e in sample_store.edges_of(["incident:INC-5"])} == {
        "model:recsys/1",
        "model:recsys/2",
    }
    problems = "\n".join(report.problems)
    assert "b-broken.json: not a readable JSON file" in problems
    assert "c-missing.json: missing field(s) title, opened_at" in problems
    assert "d-unknown.json: affects model:recsys/99, which is not in the graph yet" in problems
    assert "e-badref.json: unknown node kind 'modle'" in problems


def test_a_missing_folder_is_an_error(sample_store: LineageStore, tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="no such incident file or folder"):
        ingest_incidents(sample_store, [tmp_path / "nope"])


def test_ingest_incidents_command_reports_bad_files_and_exits_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`agentops ingest incidents`, generated from the incidents source like every other."""
    from agentops.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AGENTOPS_DB_URL", raising=False)
    folder = tmp_path / "incidents"
    write(folder, "a-good.json", {**INCIDENT, "affects": []})
    (tmp_path / "agentops.toml").write_text('[sources.incidents]\npaths = ["incidents"]\n')
    assert main(["ingest", "incidents", "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out) == {"incidents": ["incident:INC-1001"], "problems": []}
    assert "incidents: 1 incidents" in captured.err
    write(folder, "b-broken.json", "{not json")
    assert main(["ingest", "incidents", str(folder / "b-broken.json")]) == 1
    err = capsys.readouterr().err
    assert "b-broken.json: not a readable JSON file" in err and "1 not read" in err
