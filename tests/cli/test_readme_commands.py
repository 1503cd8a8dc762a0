"""The README's first command and its follow-up commands, run as a newcomer would: from the
clone, exactly as written (`uv run` is the launcher, the rest is the agentops command line)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from agentops.cli import main
from tests.cli.conftest import run

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_commands() -> list[list[str]]:
    """Every `uv run agentops …` line of the README's sh blocks, as agentops arguments."""
    blocks = re.findall(r"```sh\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    commands = []
    for block in blocks:
        for line in block.splitlines():
            words = shlex.split(line, comments=True)
            if words[:3] == ["uv", "run", "agentops"]:
                commands.append(words[3:])
    return commands


def test_the_readme_shows_follow_up_commands_on_the_demo_folder() -> None:
    commands = readme_commands()
    assert ["-C", "agentops-demo", "why", "INC-1003"] in commands
    assert len(commands) >= 5 and all(c[:2] == ["-C", "agentops-demo"] for c in commands)


def test_the_demo_and_the_readme_follow_ups_work_from_the_clone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    clone = tmp_path / "clone"  # a folder like the clone: the demo lands beside the sources
    clone.mkdir()
    monkeypatch.chdir(clone)
    monkeypatch.setenv("UV", "uv")  # as under `uv run`, which the README's commands use
    for name in ("ANTHROPIC_API_KEY", "AGENTOPS_DB_URL", "AGENTOPS_MODEL"):
        monkeypatch.delenv(name, raising=False)
    code, out, err = run(capsys, "demo")  # the README's first command; pytest has no terminal
    assert code == 0, err
    assert (clone / "agentops-demo" / ".agentops" / "lineage.db").is_file()
    phases = [line for line in err.splitlines() if line.endswith("…")]
    assert phases[0].startswith("building the sample project")
    assert any(p.startswith("training the versions") for p in phases)
    assert any(p.startswith("ingesting") for p in phases)
    assert phases[-1] == "analysing incident:INC-1003…"
    assert "not a terminal: printing the report instead of opening the chat" in err
    assert "cause found" in out  # the report --no-tui prints
    printed = [line.strip() for line in err.splitlines() if line.startswith("  uv run agentops")]
    assert "uv run agentops -C agentops-demo why INC-1003" in printed
    for command in readme_commands() + [shlex.split(line)[3:] for line in printed]:
        if command[2:] == ["chat"]:
            continue  # needs a terminal: tests/cli/test_manners.py
        code, _, err = run(capsys, *command)
        assert code == 0, (command, err)
        assert Path.cwd() == clone
    assert main(["demo"]) == 0  # a second run reuses the earlier demo instead of refusing it
    assert "reusing the demo built earlier" in capsys.readouterr().err


def test_demo_refuses_a_file_and_someone_elses_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a-file").write_text("mine")
    code, _, err = run(capsys, "demo", "--dir", str(tmp_path / "a-file"), "--no-tui")
    assert code == 2 and f"error: {tmp_path / 'a-file'} is a file" in err
    (tmp_path / "theirs").mkdir()
    (tmp_path / "theirs" / "notes.txt").write_text("mine")
    code, _, err = run(capsys, "demo", "--dir", str(tmp_path / "theirs"), "--no-tui")
    assert code == 2 and "is not empty and is not an earlier demo" in err
    assert (tmp_path / "theirs" / "notes.txt").read_text() == "mine"
