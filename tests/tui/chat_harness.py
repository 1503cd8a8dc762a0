"""Helpers to drive the chat on the sample project with Textual's Pilot.

Each test gets its own copy of the synced `feature-code-bug` project's lineage store (the chat
saves its conversations there), under a folder with a fixed name so the header and the snapshots
do not depend on pytest's temp paths. `ChatHarness.settle()` waits for the workers and the
messages they post, repeatedly, until nothing is left running: no sleeping.
"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentops.settings import ProjectSettings, load_settings
from fixtures.build import BuiltProject

SCENARIO = "feature-code-bug"
PROJECT_NAME = "recsys-demo"


@dataclass(frozen=True)
class ChatProject:
    built: BuiltProject
    settings: ProjectSettings
    truth: dict[str, Any]

    @property
    def cause(self) -> str:
        return self.truth["causes"][0]["ref"]

    @property
    def incident(self) -> str:
        return self.truth["incident"]


def copy_project(built: BuiltProject, dest: Path) -> ProjectSettings:
    """The project's settings and a private copy of its lineage store under `dest`."""
    source = load_settings(built.root)
    dest.mkdir(parents=True)
    shutil.copy(built.root / "agentops.toml", dest / "agentops.toml")
    (dest / ".agentops").mkdir()
    src_path = source.db_url.removeprefix("sqlite:///")
    src, dst = sqlite3.connect(src_path), sqlite3.connect(dest / ".agentops/lineage.db")
    try:
        src.backup(dst)  # consistent even if the source still has a WAL
    finally:
        src.close()
        dst.close()
    return load_settings(dest)


@dataclass
class ChatHarness:
    """A running app, its pilot, and the messages our workers posted (plus notifications)."""

    app: Any
    pilot: Any
    messages: list[Any] = field(default_factory=list)
    _seen: set[int] = field(default_factory=set)

    def hook(self, message: Any) -> None:
        """Keep each of our messages once (the hook sees a bubbling message at every level)."""
        from textual.notifications import Notify

        ours = type(message).__module__ == "agentops.tui.messages" or isinstance(message, Notify)
        if ours and id(message) not in self._seen:
            self._seen.add(id(message))
            self.messages.append(message)

    def of(self, kind: type) -> list[Any]:
        return [m for m in self.messages if isinstance(m, kind)]

    def notifications(self) -> list[str]:
        from textual.notifications import Notify

        return [m.notification.message for m in self.of(Notify)]

    async def settle(self, rounds: int = 100) -> None:
        """Wait until no worker runs and every message they posted was handled."""
        from textual.worker import WorkerState

        busy = (WorkerState.PENDING, WorkerState.RUNNING)
        for _ in range(rounds):
            await self.app.workers.wait_for_complete()
            await self.pilot.pause()
            if not any(worker.state in busy for worker in self.app.workers):
                await self.pilot.pause()
                if not any(worker.state in busy for worker in self.app.workers):
                    return
        raise AssertionError("the chat's workers did not settle")

    async def wait_until(self, condition: Callable[[], bool], timeout: float = 20.0) -> None:
        """Poll `condition` while the app runs (for states in the middle of a worker)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not condition():
            if loop.time() > deadline:
                raise AssertionError("the condition was not met in time")
            await self.pilot.pause(0.01)

    async def send(self, line: str) -> None:
        """Type a line into the input and press Enter, then wait for what it started."""
        from agentops.tui.chat_input import ChatInput

        chat_input = self.app.query_one(ChatInput)
        chat_input.focus()
        chat_input.value = line
        await self.pilot.press("enter")
        await self.settle()


@asynccontextmanager
async def run_chat(
    size: tuple[int, int] = (100, 30), *, settings: ProjectSettings, **make_app_args: Any
) -> AsyncIterator[ChatHarness]:
    """`make_app(**make_app_args)` on the project of `settings` running headless, settled after
    its start-up work."""
    from agentops.project import Project
    from agentops.tui.app import make_app

    app = make_app(Project(settings), **make_app_args)
    harness = ChatHarness(app, None)
    async with app.run_test(size=size, message_hook=harness.hook) as pilot:
        harness.pilot = pilot
        await harness.settle()
        yield harness
