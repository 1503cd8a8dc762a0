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
    from agentops.settings import ProjectSettings


def open_chat(
    project: ProjectSettings | Path | str,
    incident: str | None = None,
    model: str | None = None,
) -> None:
    """Run the chat until the user quits.

    `project` is the project's settings, its root folder (a Path: `agentops demo` passes the
    folder it built), or a database URL (a str: the project around the current folder, with
    that database).
    """
    from agentops.settings import load_settings
    from agentops.tui.app import make_app

    if isinstance(project, Path):
        settings = load_settings(project)
    elif isinstance(project, str):
        settings = load_settings(db_url=project)
    else:
        settings = project
    make_app(settings=settings, incident=incident, model=model).run()


def chat(
    ctx: typer.Context,
    model: ModelOption = None,
    incident: Annotated[
        str | None,
        typer.Option("--incident", help="Open on this incident (default: the newest open one)."),
    ] = None,
) -> None:
    """Investigate in a terminal chat: streamed answers, lineage, suspects, plans, postmortem."""
    open_chat(state(ctx).settings, incident=incident, model=model)
