"""The stub on the suite's fixture scenarios (every family): "why did it get worse?" names the
true cause (or says no lineage change explains it), citing the cause's ref and card.

Each scenario is a real project (git, data files, MLflow runs and registry, an incident) built by
`fixtures`, synced into a store the way `agentops sync` does it. The projects come from the
session-wide `synced_scenario` fixture (tests/conftest.py), shared with the analysis tests.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from fixtures.projects import PROJECTS

QUESTION = "why did it get worse?"


@pytest.mark.parametrize("scenario", PROJECTS["movielens"].in_suite)
def test_the_stub_names_the_true_cause(synced_scenario: Callable, scenario: str) -> None:
    import json

    from agentops.agent.backends.stub import StubBackend
    from agentops.agent.loop import Conversation
    from agentops.agent.tools import ToolContext
    from agentops.project import Project
    from agentops.settings import load_settings
    from graph.store import open_store

    project, _ = synced_scenario(scenario)  # shared, read-only: the answer is not saved
    root = project.root
    truth = json.loads((root / "ground_truth.json").read_text())
    settings = load_settings(root)
    with open_store(settings.db_url) as store:
        context = ToolContext(Project(settings, store))
        answer = Conversation(context, StubBackend(), save=False).ask(QUESTION)
    names = [record.call.name for record in answer.tool_calls]
    assert names[:2] == ["list_incidents", "why"], names
    assert answer.turns <= 6
    text = answer.text
    if truth["verdict"] == "no-lineage-cause":
        assert "**No change in the lineage explains this.**" in text
        assert "Most likely cause" not in text
        return
    headline = next(line for line in text.splitlines() if line.startswith("**Most likely"))
    causes = {cause["ref"] for cause in truth["causes"]}
    assert any(f"`{ref}`" in headline for ref in causes), (headline, causes)
    assert any(f"`{card}`" in text for card in truth["cards"])


def test_what_else_the_named_cause_affects(synced_scenario: Callable) -> None:
    """After naming a commit as the cause, "what else does it affect?" is that commit's blast
    radius: the models, deployments and incident built from the commits that contain it — the
    same answer as `agentops lineage impact`."""
    import json

    from agentops.agent.backends.stub import StubBackend
    from agentops.agent.loop import Conversation
    from agentops.agent.tools import ToolContext
    from agentops.project import Project
    from agentops.settings import load_settings
    from graph.queries import impact
    from graph.store import open_store

    project, _ = synced_scenario("feature-code-bug")
    truth = json.loads((project.root / "ground_truth.json").read_text())
    culprit = truth["causes"][0]["ref"]
    assert culprit.startswith("commit:")
    settings = load_settings(project.root)
    with open_store(settings.db_url) as store:
        context = ToolContext(Project(settings, store))
        conversation = Conversation(context, StubBackend(), save=False)
        conversation.ask(QUESTION)
        answer = conversation.ask("what else does it affect?")
        radius = {node.ref for node in impact(store, [culprit]).nodes} - {culprit}
    assert [(r.call.name, r.call.input) for r in answer.tool_calls] == [
        ("impact", {"ref": culprit})
    ]
    assert {truth["bad"], truth["incident"]} <= radius
    assert any(ref.startswith("deploy:") for ref in radius)
    for ref in radius:
        assert f"`{ref}`" in answer.text
