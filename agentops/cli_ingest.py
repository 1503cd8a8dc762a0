"""`agentops ingest …`: one subcommand per kind of source, each thin over `graph.ingest`."""

from __future__ import annotations

import typer

ingest_app = typer.Typer(help="Read a source into the lineage graph.", no_args_is_help=True)
