"""SVG snapshots of the main screen: the chat after answering the demo question.

The screen is exported with `App.export_screenshot()` and compared with the stored SVG under
`snapshots/`. What differs between two builds of the sample project is normalised first: MLflow's
random run ids and the hash Rich puts in the SVG's class names. The input's cursor does not
blink. To accept a change on purpose:

    AGENTOPS_UPDATE_SNAPSHOTS=1 uv run pytest tests/tui/test_chat_snapshots.py

which rewrites the snapshots and the README's picture (`docs/chat.svg`, the 160×45 screen), so
the README shows what these tests check. A mismatch leaves the new SVG next to the test's temp
folder to look at.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from .chat_harness import ChatProject, run_chat

pytestmark = pytest.mark.anyio

SNAPSHOTS = Path(__file__).parent / "snapshots"
README_SCREEN = Path(__file__).parents[2] / "docs" / "chat.svg"
README_SIZE = (160, 45)
UPDATE = os.environ.get("AGENTOPS_UPDATE_SNAPSHOTS") == "1"
QUESTION = "why did the model get worse?"

_RUN_ID = re.compile(r"(?<=run:)[0-9a-f]+")
_SVG_ID = re.compile(r"terminal-\d+")


def normalise(svg: str) -> str:
    """The SVG with what changes between builds of the sample project made constant."""
    svg = _RUN_ID.sub(lambda match: "0" * len(match.group(0)), svg)
    return _SVG_ID.sub("terminal-0", svg)


async def answered_screen(project: ChatProject, size: tuple[int, int]) -> str:
    """The chat on the sample incident after answering the demo question, as normalised SVG."""
    from agentops.tui.conversation import ConversationView, UserMessage

    async with run_chat(size=size, settings=project.settings) as chat:
        await chat.send(QUESTION)
        chat.app.chat_input.cursor_blink = False
        # scrolled back to the question, as someone reading the answer from its start
        conversation = chat.app.query_one(ConversationView)
        conversation.release_anchor()
        conversation.scroll_to_widget(chat.app.query_one(UserMessage), top=True, animate=False)
        await chat.pilot.pause()
        return normalise(chat.app.export_screenshot(title="agentops chat"))


def check(name: str, svg: str, tmp_path: Path) -> None:
    stored = SNAPSHOTS / f"{name}.svg"
    if UPDATE:
        stored.parent.mkdir(parents=True, exist_ok=True)
        stored.write_text(svg, encoding="utf-8")
        return
    if not stored.is_file():
        pytest.fail(f"no snapshot {stored}: run with AGENTOPS_UPDATE_SNAPSHOTS=1 to create it")
    if stored.read_text(encoding="utf-8") != svg:
        actual = tmp_path / f"{name}.actual.svg"
        actual.write_text(svg, encoding="utf-8")
        pytest.fail(
            f"the screen differs from {stored.name}; see {actual} "
            "(AGENTOPS_UPDATE_SNAPSHOTS=1 accepts it)"
        )


@pytest.mark.parametrize("size", [(100, 30), (160, 45)], ids=["100x30", "160x45"])
async def test_main_screen_snapshot(
    chat_project: ChatProject, size: tuple[int, int], tmp_path: Path
) -> None:
    svg = await answered_screen(chat_project, size)
    assert chat_project.cause.removeprefix("commit:")[:12] in svg  # the answer names the cause
    check(f"main_{size[0]}x{size[1]}", svg, tmp_path)
    if size == README_SIZE:
        if UPDATE:
            README_SCREEN.parent.mkdir(parents=True, exist_ok=True)
            README_SCREEN.write_text(svg, encoding="utf-8")
        assert README_SCREEN.read_text(encoding="utf-8") == svg, (
            "docs/chat.svg is not the current 160×45 screen: run with AGENTOPS_UPDATE_SNAPSHOTS=1"
        )


def test_normalise_hides_run_ids_and_svg_hashes() -> None:
    raw = 'class="terminal-123-r1">run:ce0e38aef9b3&#160;x</text> class="terminal-123-r2"'
    assert (
        normalise(raw)
        == 'class="terminal-0-r1">run:000000000000&#160;x</text> class="terminal-0-r2"'
    )
