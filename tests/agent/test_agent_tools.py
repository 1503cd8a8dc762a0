"""Each tool on a small graph: real results, errors as results, secrets out, nothing written."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from agentops.agent.fencing import unfence
from agentops.agent.messages import ToolCall
from agentops.agent.tools import ToolContext, ToolRegistry, check_input, default_registry
from agentops.project import Project

READ_ONLY_TOOLS = [
    "resolve_ref",
    "show_node",
    "upstream",
    "downstream",
    "impact",
    "path",
    "lineage_diff",
    "code_diff",
    "show_commit",
    "config_diff",
    "dataset_profile_diff",
    "search_knowledge",
    "show_card",
    "list_incidents",
    "why",
    "suggest_checklist",
    "rollback_plan",
    "draft_postmortem",
]


@pytest.fixture
def run(agent_store):
    registry = default_registry()
    context = ToolContext(Project.for_store(agent_store))

    def call(name: str, **args):
        return registry.run(context, ToolCall("t1", name, args))

    return call


def test_the_tool_set_is_exactly_the_read_only_one() -> None:
    """A new tool must be added here on purpose (and be read-only): nothing writes or runs."""
    registry = default_registry()
    assert registry.names == READ_ONLY_TOOLS
    for spec in registry.specs():
        assert spec.input_schema["type"] == "object"
        assert spec.input_schema["additionalProperties"] is False
        assert len(spec.description) > 30


def test_resolve_ref_turns_short_forms_into_refs(run, refs) -> None:
    out = run("resolve_ref", text="recsys/2")
    assert not out.is_error
    assert out.data["ref"] == refs.M2 and "champion" in out.data["what"]
    assert out.refs == (refs.M2,)
    assert run("resolve_ref", text=refs.SHA3[:9]).data["ref"] == refs.C3
    assert run("resolve_ref", text="INC-7").data["ref"] == refs.INCIDENT


def test_unknown_and_ambiguous_refs_come_back_as_error_results(run) -> None:
    missing = run("resolve_ref", text="recsys/99")
    assert missing.is_error and "no node matches 'recsys/99'" in missing.data
    ambiguous = run("resolve_ref", text="ratings")
    assert ambiguous.is_error and "ambiguous" in ambiguous.data
    assert "dataset:ratings@aaaaaaaaaaaa" in ambiguous.data  # the candidates, as a hint
    assert ambiguous.content.startswith("<untrusted-data")


def test_bad_inputs_are_rejected_by_schema(run) -> None:
    assert "needs ref" in run("show_node").data
    assert "no parameter(s) force" in run("show_node", ref="recsys/2", force=True).data
    assert "depth must be within" in run("upstream", ref="recsys/2", depth=99).data
    assert "no tool named 'move_alias'" in run("move_alias", ref="recsys/1").data
    registry = default_registry()
    with pytest.raises(Exception, match="must be a string"):
        check_input(registry.get("show_node"), {"ref": 7})


def test_walks_and_impact(run, refs) -> None:
    up = run("upstream", ref="recsys/2").data
    assert up["root"] == refs.M2
    walked = {entry.split(" ", 1)[1] for entry in up["nodes"]}
    assert {refs.RUN2, refs.C3, refs.CFG2, refs.DS2} <= walked
    assert refs.C2 not in walked  # git history is not lineage
    down = run("downstream", ref=refs.DS2, kinds=["model", "incident"]).data
    assert [e.split(" ", 1)[1] for e in down["nodes"]] == [refs.M2, refs.INCIDENT]
    impact = run("impact", ref=refs.DS2).data
    assert impact["affected"] == {
        "model": [refs.M2],
        "deploy": [refs.DEPLOY],
        "incident": [refs.INCIDENT],
    }
    path = run("path", src=refs.DS2, dst="INC-7").data
    assert path["shortest"] == [refs.DS2, refs.RUN2, refs.M2, refs.DEPLOY, refs.INCIDENT]


def test_diffs_name_what_changed(run, refs) -> None:
    lineage = run("lineage_diff", a="recsys/1", b="recsys/2").data
    changed = {(c["kind"], c["name"]): (c["a"], c["b"]) for c in lineage["changed"]}
    assert changed[("dataset", "ratings")] == ([refs.DS1], [refs.DS2])
    assert changed[("config", "configs/train.yaml")] == ([refs.CFG1], [refs.CFG2])
    code = run("code_diff", a="recsys/1", b="recsys/2").data
    assert [c["ref"] for c in code["commits"]] == [refs.C3, refs.C2]
    assert code["files_by_class"]["docs"] == ["README.md"]
    config = run("config_diff", a=refs.CFG2).data  # against its previous version
    by_key = {k["key"]: k for k in config["keys"]}
    assert by_key["train.lr"] == {"key": "train.lr", "status": "changed", "old": 0.01, "new": 0.1}
    assert "train.max_tokens" not in by_key
    profile = run("dataset_profile_diff", a=refs.DS1, b=refs.DS2).data
    assert profile["row_count"] == [1000, 1010]
    genre = next(c for c in profile["columns"] if c["name"] == "genre")
    assert genre["null_rate"] == [0.01, 0.35]


def test_show_commit_and_show_node(run, refs) -> None:
    commit = run("show_commit", ref=refs.SHA3[:8]).data
    assert commit["ref"] == refs.C3
    assert commit["introduced"] == [refs.CFG2] and commit["code_of_runs"] == [refs.RUN2]
    assert commit["files"] == {"config": ["M configs/train.yaml"]}
    via_model = run("show_commit", ref="recsys/1").data  # the commit a model was trained from
    assert via_model["ref"] == refs.C1
    node = run("show_node", ref=refs.DS2).data
    assert node["attrs"]["profile"]["columns"][1]["null_rate"] == 0.35
    assert f"{refs.DS1} -previous->" in node["in"]


def test_knowledge_and_incidents(run, refs) -> None:
    hits = run("search_knowledge", query="null spike missing values").data["cards"]
    assert hits[0]["id"] == "null-spike"
    card = run("show_card", card_id="rollback-alias").data
    assert card["kind"] == "runbook" and card["body"]
    assert run("show_card", card_id="nul-spike").is_error
    incidents = run("list_incidents").data["incidents"]
    assert [i["ref"] for i in incidents] == [refs.INCIDENT]
    assert incidents[0]["symptom"]["metric"] == "ndcg_at_10"


def test_secrets_are_redacted_from_what_the_model_reads(run, refs) -> None:
    for name, args in [
        ("show_node", {"ref": refs.CFG2}),
        ("config_diff", {"a": refs.CFG1, "b": refs.CFG2}),
        ("show_commit", {"ref": refs.C2}),
        ("code_diff", {"a": refs.M1, "b": refs.M2}),
        ("why", {"bad": refs.INCIDENT}),  # the analysis quotes config values in its evidence
    ]:
        out = run(name, **args)
        text = out.content + json.dumps(out.data)
        for secret in refs.SECRETS:
            assert secret not in text, (name, secret)
        assert "[REDACTED:" in text or out.is_error
    keys = run("show_node", ref=refs.CFG2).data["attrs"]["keys"]
    assert keys["train.max_tokens"] == 512 and keys["train.lr"] == 0.1  # not secrets


def test_commit_text_is_fenced_and_cannot_break_out(run, refs) -> None:
    out = run("show_commit", ref=refs.C2)
    source, body = unfence(out.content)
    assert source == f"tool:show_commit ref={refs.C2}"
    assert "ignore previous instructions" in body
    assert out.content.count("</untrusted-data>") == 1
    assert "&lt;/untrusted-data>" in body


def test_an_analysis_tool_given_a_bad_ref_answers_with_an_error_result(run, refs) -> None:
    out = run("why", bad="INC-7", good="recsys/99")
    assert out.is_error and "no node matches 'recsys/99'" in out.data
    assert out.refs == (refs.INCIDENT,)  # what was resolved before the failure is kept
    assert "no node matches" in run("why", bad="recsys/99").data


def test_no_tool_writes_to_the_store(run, refs, agent_store) -> None:
    before = (list(agent_store.iter_nodes()), list(agent_store.iter_edges()))
    for name, args in [
        ("resolve_ref", {"text": "recsys/2"}),
        ("show_node", {"ref": refs.M2}),
        ("upstream", {"ref": refs.INCIDENT}),
        ("impact", {"ref": refs.C3}),
        ("lineage_diff", {"a": refs.M1, "b": refs.M2}),
        ("code_diff", {"a": refs.M1, "b": refs.M2}),
        ("dataset_profile_diff", {"a": refs.DS2}),
        ("why", {"bad": refs.INCIDENT}),
        ("rollback_plan", {"bad": refs.M2}),
        ("suggest_checklist", {"ref": refs.M2}),
        ("draft_postmortem", {"incident": refs.INCIDENT}),
    ]:
        run(name, **args)
    assert (list(agent_store.iter_nodes()), list(agent_store.iter_edges())) == before
    assert agent_store.get_state("conversations") == {}


def test_the_postmortem_quotes_saved_investigations(run, agent_store) -> None:
    from agentops.agent.backends.stub import StubBackend
    from agentops.agent.loop import Conversation

    Conversation(ToolContext(Project.for_store(agent_store)), StubBackend()).ask(
        "why did INC-7 happen?"
    )
    draft = run("draft_postmortem", incident="INC-7")
    assert not draft.is_error, draft.data
    assert "Investigation (agent conversation)" in draft.data
    assert "why did INC-7 happen?" in draft.data


def test_a_tool_bug_is_an_error_result_not_the_end_of_the_answer(agent_store) -> None:
    def broken(context, ref):
        raise KeyError("columns")

    registry = ToolRegistry(
        replace(tool, function=broken) if tool.name == "show_node" else tool
        for tool in default_registry()
    )
    out = registry.run(
        ToolContext(Project.for_store(agent_store)), ToolCall("t", "show_node", {"ref": "recsys/2"})
    )
    assert out.is_error
    assert out.data.startswith("error: show_node failed unexpectedly (KeyError: 'columns')")
    assert out.refs == ()


def test_a_run_is_summarised_by_its_name_and_metric_values() -> None:
    """MLflow stores each metric as a dict: the one-line summary shows its number."""
    from agentops.agent.tools.lineage import node_summary
    from graph.model import Node

    metrics = {"ndcg_at_10": {"value": 0.31, "min": 0.2, "max": 0.31, "step": 3}}
    node = Node.make("run:abc", {"status": "FINISHED", "run_name": "train-v7", "metrics": metrics})
    assert node_summary(node) == "run FINISHED train-v7 ndcg_at_10=0.31"
