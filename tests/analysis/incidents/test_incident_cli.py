import json
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

Run = Callable[..., Any]  # conftest.agentops: (*args) -> CliResult(code, out, err)


def test_open_list_show_close_through_the_cli(
    agentops: Run, project: Path, sample: SimpleNamespace
) -> None:
    opened = agentops(
        "incident", "open", "--model", "recsys/2", "--symptom", "NDCG@10 fell",
        "--metric", "ndcg_at_10", "--from", "0.31", "--to", "0.22",
        "--at", "2026-11-05T08:30:00Z", "--severity", "SEV1", "--json",
    )  # fmt: skip
    assert opened.code == 0, opened.err
    data = opened.json()
    assert data == {
        "ref": "incident:INC-2",
        "id": "INC-2",
        "title": "NDCG@10 fell",
        "severity": "SEV1",
        "status": "open",
        "opened_at": "2026-11-05T08:30:00+00:00",
        "closed_at": None,
        "resolution": None,
        "affects": [sample.M2],
        "symptom": {"metric": "ndcg_at_10", "baseline": 0.31, "observed": 0.22},
        "summary": "NDCG@10 fell",
    }
    file = project / "incidents" / "INC-2.json"
    assert json.loads(file.read_text())["id"] == "INC-2"
    assert "opened incident:INC-2 (SEV1)" in opened.err

    listed = agentops("incident", "list", "--json")
    assert [i["ref"] for i in listed.json()["incidents"]] == ["incident:INC-2", sample.INCIDENT]
    table = agentops("incident", "list")
    assert table.code == 0 and "INC-2" in table.out and "NDCG@10 fell" in table.out

    shown = agentops("incident", "show", "INC-2", "--json")
    assert shown.json()["affected"] == [{"ref": sample.M2, "kind": "model"}]
    assert shown.json()["upstream"]["run"]["refs"] == [sample.RUN2]
    text = agentops("incident", "show", "INC-2")
    assert "incident:INC-2" in text.out and "upstream run (1)" in text.out

    closed = agentops(
        "incident", "close", "INC-2", "--at", "2026-11-05T10:00:00Z",
        "--resolution", "moved champion back to v1",
    )  # fmt: skip
    assert closed.code == 0 and closed.out.strip() == "incident:INC-2"
    record = json.loads(file.read_text())
    assert record["closed_at"] == "2026-11-05T10:00:00+00:00"
    assert record["resolution"] == "moved champion back to v1"
    assert [i["ref"] for i in agentops("incident", "list", "--json").json()["incidents"]] == [
        sample.INCIDENT
    ]
    every = agentops("incident", "list", "--all", "--json").json()["incidents"]
    assert [i["status"] for i in every] == ["closed", "open"]


def test_cli_errors_are_one_line_and_exit_1(agentops: Run, project: Path) -> None:
    unknown = agentops("incident", "open", "--model", "recsys/99", "--symptom", "x")
    assert unknown.code == 1 and "error: no node matches 'recsys/99'" in unknown.err
    wrong_kind = agentops("incident", "open", "--model", "ratings@bbbb", "--symptom", "x")
    assert wrong_kind.code == 1
    assert "is not a model version or a deployment" in wrong_kind.err
    bad_time = agentops("incident", "open", "--model", "recsys/2", "--symptom", "x", "--at", "now")
    assert bad_time.code == 2 and "--at 'now' is not a time" in bad_time.err  # a usage error
    missing = agentops("incident", "close", "INC-404")
    assert missing.code == 1 and "INC-404" in missing.err
    usage = agentops("incident", "open", "--symptom", "x")  # --model is required
    assert usage.code == 2
    assert not (project / "incidents").exists()


def test_open_without_a_declared_folder_uses_incidents(
    agentops: Run, project: Path, sample: SimpleNamespace
) -> None:
    (project / "agentops.toml").write_text("")
    opened = agentops("incident", "open", "--model", sample.DEPLOY, "--symptom", "timeouts")
    assert opened.code == 0 and opened.out.strip() == "incident:INC-2"
    record = json.loads((project / "incidents" / "INC-2.json").read_text())
    assert record["affects"] == [sample.DEPLOY, sample.M2]
