"""Fixtures for the front door's tests: the synced sample project, copied, with team cards."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from fixtures.build import BuiltProject
from tests.project.team_cards import with_team_cards
from tests.tui.chat_harness import PROJECT_NAME, SCENARIO, ChatProject, copy_project


@pytest.fixture
def team_project(
    synced_scenario: Callable[[str], tuple[BuiltProject, str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> ChatProject:
    """The `feature-code-bug` project with its team's cards, as the current folder, offline."""
    built, _ = synced_scenario(SCENARIO)
    settings = with_team_cards(copy_project(built, tmp_path / PROJECT_NAME))
    for name in ("ANTHROPIC_API_KEY", "AGENTOPS_MODEL", "AGENTOPS_DB_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(settings.root)
    truth = json.loads(built.ground_truth_path.read_text(encoding="utf-8"))
    return ChatProject(built, settings, truth)
