"""`agentops graph dump|load`: move a whole lineage graph as JSON Lines."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from agentops.cli.context import state, stderr
from agentops.errors import UsageError

graph_app = typer.Typer(
    help="Dump or load the whole lineage graph as JSON Lines.", no_args_is_help=True
)


@graph_app.command()
def dump(
    ctx: typer.Context,
    file: Annotated[str, typer.Argument(help="Output file, or - for stdout.")],
) -> None:
    """Write every node and edge, one JSON object a line: a raw backup, attributes as stored
    (secrets included: keep it where the store is kept)."""
    from agentops.analysis.atomic_write import atomic_text_file
    from graph.export.dump import dump as dump_graph

    store = state(ctx).store()
    if file == "-":
        count = dump_graph(store, sys.stdout)
    else:
        with atomic_text_file(Path(file)) as out:  # never a half-written dump under the name
            count = dump_graph(store, out)
    stderr().print(f"dumped {count:,} lines from {store.url}", highlight=False)


@graph_app.command()
def load(
    ctx: typer.Context,
    file: Annotated[str, typer.Argument(help="JSON Lines file, or - for stdin.")],
) -> None:
    """Load nodes and edges (idempotent; one transaction: a bad line loads nothing)."""
    from graph.export.dump import load as load_graph

    cli = state(ctx)
    cli.create = True  # loading a dump is how a new store (e.g. on PostgreSQL) is filled
    store = cli.store()
    if file == "-":
        result = load_graph(store, sys.stdin)
    else:
        path = Path(file)
        if not path.is_file():
            raise UsageError(f"no such file: {file}", hint="give a JSON Lines dump, or - for stdin")
        with path.open(encoding="utf-8") as lines:
            result = load_graph(store, lines)
    stderr().print(
        f"loaded {result.nodes:,} nodes and {result.edges:,} edges into {store.url}",
        highlight=False,
    )
