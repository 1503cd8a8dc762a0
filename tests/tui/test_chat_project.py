"""The chat goes through the project: the team's cards reach the panels, and the report the
agent's `why` tool computed is the one the Suspects panel shows, not computed again."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Static

from agentops.tui.conversation import ToolCallLine
from agentops.tui.panels.suspects import SuspectsPanel, SuspectsTable
from tests.project.team_cards import CARD, TEAM_RUNBOOK, with_team_cards

from .chat_harness import ChatProject, run_chat

pytestmark = pytest.mark.anyio

QUESTION = "why did the model get worse?"


async def test_the_suspects_panel_shows_the_team_runbooks(chat_project: ChatProject) -> None:
    settings = with_team_cards(chat_project.settings)
    async with run_chat(settings=settings) as chat:
        await chat.send(QUESTION)
        panel = chat.app.query_one(SuspectsPanel)
        [cause, *_] = panel.query_one(SuspectsTable).suspects
        assert cause["ref"] == chat_project.cause and cause["card"] == CARD
        assert cause["remediation"] == [TEAM_RUNBOOK]
        shown = str(panel.query_one(".evidence", Static).render())
        assert f"runbooks: {TEAM_RUNBOOK}" in shown
        assert "why here: #1: score" in shown  # the typed evidence the analysis attached


async def test_a_question_computes_its_root_cause_report_once(
    chat_project: ChatProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The chat opens on the incident (its suspects shown), the agent's `why` tool ranks it
    again, the panel follows the tool: one analysis for the three."""
    from agentops.analysis import rootcause

    explained: list[str] = []
    explain = rootcause.explain

    def counted(store: Any, bad: str, *args: Any, **kwargs: Any) -> Any:
        explained.append(bad)
        return explain(store, bad, *args, **kwargs)

    monkeypatch.setattr(rootcause, "explain", counted)
    async with run_chat(settings=chat_project.settings) as chat:
        assert chat.app.session.subject == chat_project.incident
        await chat.send(QUESTION)
        tools = [line.tool for line in chat.app.query(ToolCallLine)]
        assert "why" in tools
        assert chat.app.query_one(SuspectsTable).refs()[0] == chat_project.cause
    assert explained == [chat_project.incident]
