"""`agentops chat [--model M] [--incident ID]`: the Textual chat on the project.

Registered by the main CLI with `app.command()(chat)`; `agentops demo` calls `open_chat` on the
project it built. Textual is imported only here, inside the functions, so `agentops --help`
stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from agentops.cli.context import ModelOption, state

if TYPE_CHECKING:
    from agentops.project import Project


def open_chat(
    project: Project | Path | str,
    incident: str | None = None,
    model: str | None = None,
) -> None:
    """Run the chat until the user quits.

    `project` is the project, its root folder (a Path: `agentops demo` passes the folder it
    built), or a database URL (a str: the project around the current folder, with that
    database).
    """
    from agentops.project import Project
    from agentops.tui.app import make_app

    if isinstance(project, Path):
        project = Project.open(project)
    elif isinstance(project, str):
        project = Project.open(db_url=project)
    make_app(project, incident=incident, model=model).run()


def chat(
    ctx: typer.Context,
    model: ModelOption = None,
    incident: Annotated[
        str | None,
        typer.Option("--incident", help="Open on this incident (default: the newest open one)."),
    ] = None,
) -> None:
    """Investigate in a terminal chat: streamed answers, lineage, suspects, plans, postmortem."""
    from agentops.cli.context import is_interactive
    from agentops.errors import UsageError

    if not is_interactive():
        raise UsageError(
            "agentops chat needs a terminal on stdin and stdout",
            hint='for one answer without a terminal use `agentops ask "QUESTION"`',
        )
    open_chat(state(ctx).project, incident=incident, model=model)
