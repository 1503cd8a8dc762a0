"""A project folder with incident files and the `agentops` CLI with the incident commands."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from graph.store import LineageStore


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    def json(self) -> object:
        return json.loads(self.out)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project whose agentops.toml declares `incidents/`; the cwd for the CLI."""
    root = tmp_path / "project"
    root.mkdir()
    (root / "agentops.toml").write_text('[sources.incidents]\npaths = ["incidents/"]\n')
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def cli_store(sample_store: LineageStore) -> LineageStore:
    """The store the CLI runs on (the postmortem tests override it)."""
    return sample_store


@pytest.fixture
def agentops(
    cli_store: LineageStore, capsys: pytest.CaptureFixture[str]
) -> Iterator[Callable[..., CliResult]]:
    """`agentops(*args)` runs `agentops.cli.main` on `cli_store`, with `incident` and
    `postmortem` registered if the CLI does not register them yet."""
    from agentops import cli
    from agentops.cli.incident import incident_app
    from agentops.cli.postmortem import postmortem

    groups = {group.name for group in cli.app.registered_groups}
    commands = {command.name for command in cli.app.registered_commands}
    added_group = added_command = None
    if "incident" not in groups:
        cli.app.add_typer(incident_app, name="incident")
        added_group = cli.app.registered_groups[-1]
    if "postmortem" not in commands:
        cli.app.command("postmortem")(postmortem)
        added_command = cli.app.registered_commands[-1]

    def run(*args: str) -> CliResult:
        capsys.readouterr()
        code = cli.main(["--db", cli_store.url, *args])
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    yield run
    if added_group is not None:
        cli.app.registered_groups.remove(added_group)
    if added_command is not None:
        cli.app.registered_commands.remove(added_command)
