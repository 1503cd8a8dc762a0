"""What every CLI command shares: the consoles, the project, JSON output."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from agentops.errors import UsageError

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from agentops.project import Project
    from agentops.settings import ProjectSettings
    from graph.store import LineageStore


@dataclass(slots=True)
class CliState:
    """Global options, turned into the project (settings, store, cards) when a command needs it."""

    db: str | None = None
    _project: Project | None = None

    @property
    def project(self) -> Project:
        """The project around the current folder, with `--db` as its database."""
        if self._project is None:
            from agentops.project import Project

            self._project = Project.open(db_url=self.db)
        return self._project

    @property
    def settings(self) -> ProjectSettings:
        return self.project.settings

    def store(self) -> LineageStore:
        return self.project.store

    def close(self) -> None:
        if self._project is not None:
            self._project.close()


def state(ctx: typer.Context) -> CliState:
    root = ctx.find_root()
    if not isinstance(root.obj, CliState):
        root.obj = CliState()
    return root.obj


PIPE_WIDTH = 1000  # piped output is for grep and files: never crop a line to 80 columns


@cache
def _console_class() -> type[Console]:
    """A Console that strips control characters from every string it is given to print.

    Text printed for a person often holds untrusted text (a commit message, a file's bytes in
    an ingest problem, a model's answer); an ESC in it could clear the screen or retitle the
    window. Rich's own styling is added after this, so colours still work.
    """
    from rich.console import Console

    from agentops.render import printable

    class PlainTextConsole(Console):
        def render_str(self, text: str, **options: Any) -> Text:
            return super().render_str(printable(text), **options)

    return PlainTextConsole


def stdout() -> Console:
    return _console_class()(soft_wrap=True, width=None if sys.stdout.isatty() else PIPE_WIDTH)


def stderr() -> Console:
    return _console_class()(stderr=True, soft_wrap=True)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def parse_as_of(text: str | None) -> datetime | None:
    if text is None:
        return None
    from graph.model import parse_time

    try:
        return parse_time(text)
    except ValueError:
        raise UsageError(
            f"--as-of {text!r} is not a time", hint="use ISO-8601, e.g. 2026-11-20T03:00:00Z"
        ) from None


ModelOption = Annotated[
    str | None,
    typer.Option(
        "--model",
        help="Model name, or 'stub' for the offline stub (default: AGENTOPS_MODEL, "
        "agentops.toml, a current Sonnet; the stub when ANTHROPIC_API_KEY is not set).",
    ),
]


def emit_text(text: str, out: Path | None) -> None:
    """Write a document to stdout, or atomically to `out` (never a half-written file)."""
    if out is None:
        from agentops.render import printable

        sys.stdout.write(printable(text))
        return
    from agentops.analysis.atomic_write import write_atomic

    try:
        write_atomic(out, text)
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc.strerror or exc}") from None
