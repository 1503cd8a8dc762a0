"""`agentops checklist suggest REF|INCIDENT`: the tests that would have caught a regression.

`--format md` (default) and `--format json` print the suggestion; `--format pytest` prints (or,
with `--out`, writes) a runnable pytest file checking the bad run's input data against the good
version's profile. Mounted by the main CLI with `app.add_typer(checklist_app, name="checklist")`.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from agentops.cli.context import emit_text, state, stderr

checklist_app = typer.Typer(
    help="Checklist tests (ML Test Score, CheckList) that would have caught a regression, and "
    "the production-readiness items the lineage shows missing.",
    no_args_is_help=True,
)


class Format(StrEnum):
    MD = "md"
    JSON = "json"
    PYTEST = "pytest"


@checklist_app.command("suggest")
def suggest(
    ctx: typer.Context,
    ref: Annotated[
        str, typer.Argument(metavar="REF", help="Bad model version, deployment or incident.")
    ],
    fmt: Annotated[
        Format, typer.Option("--format", help="md, json, or pytest (data tests).")
    ] = Format.MD,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write to this file instead of stdout.")
    ] = None,
) -> None:
    """Suggest the tests that would have caught a regression, from its causes and the lineage."""
    project = state(ctx).project
    result = project.checklist(ref)
    if fmt is Format.PYTEST:
        text = result.to_pytest(data_root=project.settings.root)
    elif fmt is Format.JSON:
        text = json.dumps(result.to_json(), indent=2, default=str) + "\n"
    else:
        text = result.to_markdown()
    emit_text(text, out)
    if out is None:
        return
    what = f"{len(result.data)} dataset(s) checked" if fmt is Format.PYTEST else fmt.value
    stderr().print(f"wrote {out} ({what})", markup=False, highlight=False)
