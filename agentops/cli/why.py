"""`agentops why BAD`: the ranked suspects between the last good version and BAD."""

from __future__ import annotations

from typing import Annotated

import typer

from agentops.cli.context import (
    BadArgument,
    FormatOption,
    JsonFlag,
    OutputFormat,
    parse_as_of,
    print_json,
    state,
    stdout,
    wants_json,
)


def why(
    ctx: typer.Context,
    bad: BadArgument,
    good: Annotated[
        str | None, typer.Option("--good", help="The good version (default: found).")
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Analyse the graph as it was at this time.")
    ] = None,
    json: JsonFlag = False,
    fmt: FormatOption = OutputFormat.TEXT,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Suspects to show.")] = 5,
    show_all: Annotated[bool, typer.Option("--all", help="Show every suspect.")] = False,
) -> None:
    """Rank every change between the last good version and BAD, with evidence and a verdict."""
    report = state(ctx).project.explain(bad, good, parse_as_of(as_of))
    if wants_json(json, fmt):
        print_json(report.to_json())
        return
    from agentops.render import root_cause_view

    stdout(fit=True).print(root_cause_view(report, None if show_all else limit))
