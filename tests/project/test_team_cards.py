"""The team's cards apply in every interface: `why`, `ask` and `postmortem` name the runbook the
team's `feature-code-bug` card gives, not the built-in one (the chat's panel: tests/tui)."""

from __future__ import annotations

import json

import pytest

from agentops.cli import main
from tests.project.team_cards import CARD, TEAM_RUNBOOK
from tests.tui.chat_harness import ChatProject

QUESTION = "why did the model get worse?"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def test_why_json_lists_the_team_runbooks(
    team_project: ChatProject, capsys: pytest.CaptureFixture[str]
) -> None:
    report = json.loads(run(capsys, "why", team_project.incident, "--json"))
    cause = report["suspects"][0]
    assert cause["ref"] == team_project.cause and cause["card"] == CARD
    assert cause["remediation"] == [TEAM_RUNBOOK]


def test_ask_answers_with_the_team_runbooks(
    team_project: ChatProject, capsys: pytest.CaptureFixture[str]
) -> None:
    transcript = json.loads(run(capsys, "ask", QUESTION, "--model", "stub", "--json"))
    [why] = [call for call in transcript["tool_calls"] if call["name"] == "why"]
    assert why["result"]["suspects"][0]["remediation"] == [TEAM_RUNBOOK]
    assert f"Fitting runbooks: `{TEAM_RUNBOOK}`." in transcript["answer"]


def test_postmortem_names_the_team_runbooks(
    team_project: ChatProject, capsys: pytest.CaptureFixture[str]
) -> None:
    draft = run(capsys, "postmortem", team_project.incident)
    assert f"`{TEAM_RUNBOOK}`" in draft  # under Resolution and in the action items
    assert "`rollback-alias`" not in draft
