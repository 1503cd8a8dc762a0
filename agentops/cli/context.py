"""What every CLI command shares: the consoles, the project, JSON output."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
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
    started_in: Path = field(default_factory=Path.cwd)  # before -C: where printed paths start
    create: bool = False  # whether the command may create the store (init, ingest, sync, …)
    _project: Project | None = None

    @property
    def project(self) -> Project:
        """The project around the current folder, with `--db` as its database."""
        if self._project is None:
            from agentops.project import Project

            self._project = Project.open(db_url=self.db, create=self.create)
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
PEOPLE_WIDTH = 100  # a report read or pasted somewhere (an issue, a chat): fits a normal window


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


def stdout(fit: bool = False) -> Console:
    """The console for data. `fit`: a table people read, wrapped to the terminal's width on a
    terminal and to PEOPLE_WIDTH columns when piped, rather than one 165-column line."""
    console = _console_class()
    if sys.stdout.isatty():
        return console(soft_wrap=not fit)
    return console(soft_wrap=not fit, width=PEOPLE_WIDTH if fit else PIPE_WIDTH)


def stderr() -> Console:
    return _console_class()(stderr=True, soft_wrap=True)


def is_interactive() -> bool:
    """Whether a person is at a terminal on both ends: the only case a full-screen UI may start."""
    return sys.stdin.isatty() and sys.stdout.isatty()


@contextmanager
def progress(console: Console) -> Iterator[Callable[[str], None]]:
    """Tell each phase of long work as it starts: a live status line on a terminal, one plain
    line per phase otherwise (a CI log, a file), so a slow step is never silent."""
    if console.is_terminal:
        with console.status("starting…") as status:
            yield status.update
        return
    yield lambda phase: console.print(phase + "…", markup=False, highlight=False)


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


class OutputFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON (same as --format json).")]
BadArgument = Annotated[
    str,
    typer.Argument(
        help="The bad model version (recsys/7, models:/recsys@champion), deployment, incident, "
        "or the run that made the version."
    ),
]
FormatOption = Annotated[
    OutputFormat, typer.Option("--format", help="text (for people) or json (for scripts).")
]


def wants_json(json: bool, fmt: OutputFormat) -> bool:
    """`--json` is kept as the shorthand of `--format json`."""
    return json or fmt is OutputFormat.JSON


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
