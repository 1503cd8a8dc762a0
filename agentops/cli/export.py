"""`agentops export …`: the lineage graph in other tools' formats (OpenLineage for now)."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from agentops.cli.context import state, stderr

export_app = typer.Typer(help="Write lineage for other tools.", no_args_is_help=True)


@export_app.command("openlineage")
def export_openlineage(
    ctx: typer.Context,
    refs: Annotated[list[str], typer.Argument(help="Refs or short forms (recsys/7, a sha).")],
    producer: Annotated[
        str | None, typer.Option(help="URI to put in each event's `producer`.")
    ] = None,
) -> None:
    """OpenLineage RunEvents (NDJSON on stdout) for every run upstream of the refs; secrets in
    stored facets are redacted (an export leaves the store)."""
    from agentops.redact import redact_value
    from graph.export.openlineage import PRODUCER
    from graph.export.openlineage import export_openlineage as export

    events = [redact_value(e) for e in export(state(ctx).store(), refs, producer or PRODUCER)]
    for event in events:
        sys.stdout.write(json.dumps(event, ensure_ascii=False, separators=(",", ":")) + "\n")
    stderr().print(f"exported {len(events)} OpenLineage events", markup=False, highlight=False)
