"""A project whose team overrides a built-in card, for checking that every interface reads it.

`with_team_cards(settings)` adds `knowledge = ["docs/ops"]` to the project's agentops.toml and
writes into docs/ops the built-in `feature-code-bug` failure mode with the team's own runbook as
its only remediation, and that runbook. A team card with a built-in id replaces the built-in one
(knowledge/library.py), so wherever the built-in card would name `rollback-alias`, the project
must name TEAM_RUNBOOK.
"""

from __future__ import annotations

from importlib import resources

from agentops.settings import ProjectSettings, load_settings

TEAM_RUNBOOK = "recsys-feature-hotfix"
CARD = "feature-code-bug"
BUILTIN_REMEDIATION = "remediation: [rollback-alias, roll-forward, feature-flag-kill]"


def _builtin(path: str) -> str:
    return resources.files("knowledge").joinpath("cards", path).read_text(encoding="utf-8")


def with_team_cards(settings: ProjectSettings) -> ProjectSettings:
    """The project's settings once its team folder overrides `feature-code-bug`."""
    folder = settings.root / "docs" / "ops"
    folder.mkdir(parents=True)
    card = _builtin(f"failure-mode/{CARD}.md")
    assert BUILTIN_REMEDIATION in card, "the built-in card changed: update this fixture"
    card = card.replace(BUILTIN_REMEDIATION, f"remediation: [{TEAM_RUNBOOK}]")
    (folder / f"{CARD}.md").write_text(card, encoding="utf-8")
    runbook = _builtin("runbook/roll-forward.md").replace("id: roll-forward", f"id: {TEAM_RUNBOOK}")
    (folder / f"{TEAM_RUNBOOK}.md").write_text(runbook, encoding="utf-8")
    config = settings.config_path
    config.write_text('knowledge = ["docs/ops"]\n' + config.read_text(encoding="utf-8"))
    return load_settings(settings.root)
