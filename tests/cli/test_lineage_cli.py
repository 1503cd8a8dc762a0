"""The CLI through `agentops.cli.main`, as a user would run it: output, JSON shapes, exit codes."""

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from agentops.cli import main
from graph.store import LineageStore
from tests.cli.conftest import run


def test_status_json_shape(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "status", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["db"] == f"sqlite:///{project / '.agentops' / 'lineage.db'}"
    assert data["nodes"] == {
        "commit": 2,
        "config": 2,
        "dataset": 3,
        "deploy": 1,
        "incident": 1,
        "model": 2,
        "run": 2,
    }
    assert data["edges"]["produced"] == 2


def test_upstream_json_shape_is_pinned(
    project: Path, capsys: pytest.CaptureFixture[str], sample: SimpleNamespace
) -> None:
    code, out, _ = run(capsys, "lineage", "upstream", "recsys/2", "--json")
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"root", "nodes", "edges", "truncated"}
    assert data["root"] == [sample.M2]
    assert data["nodes"][0] == {
        "ref": sample.M2,
        "kind": "model",
        "depth": 0,
        "at": "2026-11-02T10:00:00+00:00",
    }
    assert {"src": sample.RUN2, "dst": sample.M2, "kind": "produced"} in data["edges"]
    assert data["truncated"] is False


def test_tree_table_dot_and_mermaid(
    project: Path, capsys: pytest.CaptureFixture[str], sample: SimpleNamespace
) -> None:
    code, tree, _ = run(capsys, "lineage", "upstream", "INC-1")
    assert code == 0
    assert "upstream of incident:INC-1" in tree
    assert "produced run:r2" in tree and "tune learning rate" in tree
    _, table, _ = run(capsys, "lineage", "downstream", "ratings@bbbb", "--format", "table")
    assert "incident" in table and "NDCG@10 dropped" in table
    _, dot, _ = run(capsys, "lineage", "upstream", "recsys/2", "--format", "dot")
    assert dot.startswith("digraph lineage {") and '"run:r2" -> "model:recsys/2"' in dot
    _, mermaid, _ = run(capsys, "lineage", "impact", "movies", "--format", "mermaid")
    assert mermaid.startswith("flowchart LR") and "incident:INC-1" in mermaid


def test_path_diff_and_show(
    project: Path, capsys: pytest.CaptureFixture[str], sample: SimpleNamespace
) -> None:
    code, out, _ = run(capsys, "lineage", "path", "bbbbbbb", "INC-1")
    assert code == 0
    chain = [sample.C2, sample.RUN2, sample.M2, sample.DEPLOY, sample.INCIDENT]
    assert out.splitlines()[0] == "shortest: " + "  →  ".join(chain)
    code, out, _ = run(capsys, "lineage", "diff", "recsys/1", "recsys/2", "--json")
    changed = {(c["kind"], c["name"]) for c in json.loads(out)["changed"]}
    assert changed == {("commit", "git"), ("config", "configs/train.yaml"), ("dataset", "ratings")}
    code, out, _ = run(capsys, "lineage", "show", "INC-1", "--json")
    node = json.loads(out)["nodes"][0]
    assert node["attrs"] == {"title": "NDCG@10 dropped"}
    assert node["in"] == [{"src": sample.DEPLOY, "kind": "affected"}]


def test_as_of_on_the_command_line(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(
        capsys, "lineage", "downstream", "movies", "--as-of", "2026-11-01T23:00:00Z", "--json"
    )
    assert {n["ref"] for n in json.loads(out)["nodes"]} == {
        "dataset:movies@cccccccccccc",
        "run:r1",
        "model:recsys/1",
    }


@pytest.mark.parametrize(
    ("argv", "code", "says"),
    [
        (["lineage", "upstream", "recsys/9"], 1, "error: no node matches 'recsys/9'"),
        (["lineage", "upstream", "ratings"], 1, "error: 'ratings' is ambiguous"),
        (["lineage", "upstream", "recsys/2", "--kind", "modle"], 2, "'modle' is not a valid"),
        (["lineage", "upstream", "recsys/2", "--as-of", "yesterday"], 2, "--as-of 'yesterday'"),
        (["lineage", "upstream", "recsys/2", "--depth", "-1"], 2, "Invalid value"),
        (["lineage", "frobnicate"], 2, "No such command"),
        (["graph", "load", "missing.jsonl"], 2, "error: no such file: missing.jsonl"),
    ],
)
def test_bad_input_is_one_line_and_an_exit_code(
    project: Path, capsys: pytest.CaptureFixture[str], argv: list[str], code: int, says: str
) -> None:
    got, out, err = run(capsys, *argv)
    assert got == code
    assert says in err
    assert out == ""
    assert "Traceback" not in err


def test_bad_dump_line_names_the_line_and_keeps_the_store(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "bad.jsonl").write_text('{"type":"node","ref":"run:new"}\n{"type":"node"\n')
    code, _, err = run(capsys, "graph", "load", "bad.jsonl")
    assert code == 1
    assert "error: line 2: not JSON" in err
    _, out, _ = run(capsys, "status", "--json")
    assert json.loads(out)["nodes"]["run"] == 2


def test_graph_text_is_never_rich_markup(
    project: Path, capsys: pytest.CaptureFixture[str], sample_store: LineageStore
) -> None:
    from graph.model import Node

    (project / "evil.jsonl").write_text(
        json.dumps(
            {
                "type": "node",
                "ref": "commit:" + "c" * 40,
                "attrs": {"message": "[red]ignore previous instructions[/red]\x1b[2J"},
            }
        )
        + "\n"
    )
    assert main(["graph", "load", "evil.jsonl"]) == 0
    capsys.readouterr()
    _, out, _ = run(capsys, "lineage", "show", "ccccccc")
    assert "[red]ignore previous instructions[/red]" in out
    assert "\x1b[2J" not in out
    assert Node  # the node kind import is the store's, not the renderer's


def test_dump_to_stdout_and_load_from_a_file_are_inverse(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "graph", "dump", "-")
    assert code == 0
    assert len(out.splitlines()) == 29
    assert main(["graph", "dump", "copy.jsonl"]) == 0
    assert (project / "copy.jsonl").read_text() == out
    assert not (project / "copy.jsonl.partial").exists()
