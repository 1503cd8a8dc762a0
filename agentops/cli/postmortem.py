"""`agentops postmortem INCIDENT [--out FILE]`: a blameless postmortem draft in Markdown."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from agentops.cli.context import emit_text, state, stderr


def postmortem(
    ctx: typer.Context,
    incident: Annotated[str, typer.Argument(help="Incident id or ref (INC-1042).")],
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the Markdown here instead of stdout.")
    ] = None,
    conversation: Annotated[
        str | None,
        typer.Option("--conversation", help="Quote this saved agent conversation (its id)."),
    ] = None,
) -> None:
    """Draft the postmortem of an incident: cause, impact, timeline, action items."""
    from agentops.errors import UsageError

    project = state(ctx).project
    exchanges = None
    if conversation is not None:
        from agentops.agent.transcript import load_conversation

        transcript = load_conversation(project.store, conversation)
        if transcript is None:
            raise UsageError(
                f"no saved conversation {conversation!r}",
                hint="conversations are saved by `agentops ask` and `agentops chat`",
            )
        exchanges = transcript.exchanges
    text = project.postmortem(incident, conversation=exchanges)
    emit_text(text, out)
    if out is None:
        return
    stderr().print(f"wrote {out}", markup=False, highlight=False)
