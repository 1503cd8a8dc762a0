"""`agentops ingest …`: one subcommand per kind of source, each thin over `graph.ingest`."""

from __future__ import annotations

import typer

ingest_app = typer.Typer(help="Read a source into the lineage graph.", no_args_is_help=True)


def _register() -> None:
    """Each source's command lives in its own module; only the light CLI modules load here."""
    from agentops.cli.ingest.data import ingest_data
    from agentops.cli.ingest.dvc import ingest_dvc
    from agentops.cli.ingest.git import ingest_git_command
    from agentops.cli.ingest.mlflow import ingest_mlflow
    from agentops.cli.ingest.openlineage import ingest_openlineage

    ingest_app.command("git")(ingest_git_command)
    ingest_app.command("data")(ingest_data)
    ingest_app.command("mlflow")(ingest_mlflow)

    ingest_app.command("openlineage")(ingest_openlineage)
    ingest_app.command("dvc")(ingest_dvc)


_register()
