"""`agentops chat`: the command opens the app on the project, in a real terminal too."""

from __future__ import annotations

import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from fcntl import ioctl
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from agentops.cli import _global_options
from agentops.cli.chat import chat, open_chat
from agentops.tui.app import ChatApp

from .chat_harness import ChatProject

ROOT = Path(__file__).resolve().parents[2]
CHAT_CLI = """
import sys
from agentops.cli import app, main
from agentops.cli.chat import chat
app.command()(chat)
sys.exit(main(sys.argv[1:]))
"""


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The sessions of the apps `run` was called on (the terminal loop itself is not started)."""
    sessions: list[Any] = []
    monkeypatch.setattr(ChatApp, "run", lambda self, *a, **k: sessions.append(self.session))
    monkeypatch.setattr("agentops.cli.context.is_interactive", lambda: True)
    return sessions


def cli() -> typer.Typer:
    app = typer.Typer()
    app.callback()(_global_options)
    app.command()(chat)
    return app


def test_chat_opens_on_the_project_with_the_model_and_incident(
    chat_project: ChatProject, opened: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(chat_project.settings.root / ".agentops")  # found from a subfolder
    result = CliRunner().invoke(cli(), ["chat", "--model", "stub", "--incident", "INC-1003"])
    assert result.exit_code == 0, result.output
    [session] = opened
    assert session.settings.root == chat_project.settings.root
    assert session.settings.db_url == chat_project.settings.db_url
    assert session.backend.label == "stub (offline)"
    assert session.incident_text == "INC-1003"


def test_chat_takes_the_global_db_option(chat_project: ChatProject, opened: list[Any]) -> None:
    url = chat_project.settings.db_url
    result = CliRunner().invoke(cli(), ["--db", url, "chat"])
    assert result.exit_code == 0, result.output
    assert opened[0].settings.db_url == url
    assert opened[0].backend.label == "stub (offline: ANTHROPIC_API_KEY is not set)"


def test_open_chat_takes_a_project_folder_or_a_url(
    chat_project: ChatProject, opened: list[Any]
) -> None:
    open_chat(chat_project.settings.root, incident="INC-1003")
    open_chat(chat_project.settings.db_url)
    assert opened[0].settings.root == chat_project.settings.root
    assert opened[0].incident_text == "INC-1003"
    assert opened[1].settings.db_url == chat_project.settings.db_url


def _read_until(master: int, needle: bytes, seen: bytearray, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while needle not in seen:
        if time.monotonic() > deadline:
            raise AssertionError(f"{needle!r} never reached the terminal: …{bytes(seen[-800:])!r}")
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                seen += os.read(master, 65536)
            except OSError:
                raise AssertionError(f"the chat exited before {needle!r}") from None


def test_chat_answers_in_a_real_terminal_and_quits(chat_project: ChatProject) -> None:
    """The command in a pseudo-terminal: ask the demo question, see the cause, Ctrl+Q."""
    master, slave = pty.openpty()
    ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 140, 0, 0))
    env = {k: v for k, v in os.environ.items() if k != "ANTHROPIC_API_KEY"}
    env.update(TERM="xterm-256color", PYTHONPATH=str(ROOT))
    child = subprocess.Popen(
        [sys.executable, "-c", CHAT_CLI, "chat", "--incident", "INC-1003"],
        cwd=chat_project.settings.root,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
    )
    os.close(slave)
    seen = bytearray()
    try:
        _read_until(master, b"Suspects", seen)  # the first screen
        _read_until(master, b"Investigating", seen)  # the store is open, the incident found
        os.write(master, b"why did the model get worse?\r")
        _read_until(master, chat_project.cause.removeprefix("commit:")[:12].encode(), seen)
        _read_until(master, b"tool calls", seen)  # the answer's status line: it finished
        os.write(master, b"\x11")  # ctrl+q
        assert child.wait(timeout=30) == 0
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
        os.close(master)
    from agentops.agent.transcript import list_conversations
    from graph.store import open_store

    with open_store(chat_project.settings.db_url) as store:
        [saved] = list_conversations(store)
    assert saved.questions[0].startswith("why did the model get worse?")
