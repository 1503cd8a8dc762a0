"""Fixtures for the chat's tests: the sample project's store copied per test, offline."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from fixtures.build import BuiltProject

from .chat_harness import PROJECT_NAME, SCENARIO, ChatProject, copy_project


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """The chat answers with the stub unless a test gives it another backend."""
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("AGENTOPS_MODEL", raising=False)
    monkeypatch.delenv("AGENTOPS_DB_URL", raising=False)


@pytest.fixture
def chat_project(
    synced_scenario: Callable[[str], tuple[BuiltProject, str]], tmp_path: Path
) -> ChatProject:
    built, _ = synced_scenario(SCENARIO)
    settings = copy_project(built, tmp_path / PROJECT_NAME)
    truth = json.loads(built.ground_truth_path.read_text(encoding="utf-8"))
    return ChatProject(built, settings, truth)
