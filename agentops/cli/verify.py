"""`agentops verify BAD`: re-train BAD with each suspect of `why` reverted, and say which one
really caused the regression (docs/conventions.md, `[verify]`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from agentops.cli.context import (
    BadArgument,
    FormatOption,
    JsonFlag,
    OutputFormat,
    print_json,
    state,
    stderr,
    stdout,
    wants_json,
)

if TYPE_CHECKING:
    from rich.table import Table

    from agentops.analysis.verify import Progress
    from agentops.analysis.verify.report import VerifyReport


def verify(
    ctx: typer.Context,
    bad: BadArgument,
    good: Annotated[
        str | None, typer.Option("--good", help="The good version (default: as `why` finds it).")
    ] = None,
    metric: Annotated[
        str | None, typer.Option("--metric", help="Metric to compare (default: the symptom's).")
    ] = None,
    repeats: Annotated[
        int, typer.Option("--repeats", min=1, help="Runs of GOOD, BAD and each candidate tree.")
    ] = 2,
    max_runs: Annotated[
        int,
        typer.Option("--max-runs", min=2, help="At most this many runs, cached ones included."),
    ] = 60,
    timeout: Annotated[
        float, typer.Option("--timeout", min=1, help="Seconds one training run may take.")
    ] = 1800.0,
    json: JsonFlag = False,
    fmt: FormatOption = OutputFormat.TEXT,
) -> None:
    """Re-train BAD with each suspect reverted; confirm or reject each one."""
    project = state(ctx).project
    with _progress_bar() as on_progress:
        result = project.verify(
            bad,
            good,
            metric=metric,
            repeats=repeats,
            max_runs=max_runs,
            timeout=timeout,
            on_progress=on_progress,
        )
    if wants_json(json, fmt):
        print_json(result.to_json())
        return
    console = stdout(fit=True)
    console.print(_table(result))
    console.print(result.summary(), markup=False, highlight=False)
    for note in result.notes:
        console.print(f"note: {note}", markup=False, highlight=False)


@contextmanager
def _progress_bar() -> Iterator[Callable[[Progress], None]]:
    """Rich progress on stderr: the tree being trained, runs done of planned, elapsed — on a
    terminal; a log or a pipe gets only the result."""
    console = stderr()
    if not console.is_terminal:
        yield lambda _event: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as RichProgress

    from agentops.render import safe

    bar = RichProgress(
        TextColumn("training {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    task = bar.add_task("", total=None)

    def update(event: Progress) -> None:
        bar.update(
            task, description=safe(event.tree or "…", 60), completed=event.done, total=event.planned
        )

    with bar:
        yield update


def _table(result: VerifyReport) -> Table:
    from rich.table import Table

    from agentops.render import safe

    table = Table(
        title=f"{result.metric}: GOOD {result.good_value:.4g} → BAD {result.bad_value:.4g} "
        f"(re-trained, {result.repeats} runs each) — verdict: {result.verdict}"
    )
    for column in ("suspect", "kind", "verdict", "share", "runs", "note"):
        table.add_column(column, justify="right" if column in ("share", "runs") else "left")
    style = {"confirmed": "green", "rejected": "dim", "inconclusive": "yellow"}
    for suspect in result.suspects:
        note = suspect.reason
        if suspect.with_commit and suspect.with_commit_share is not None:
            note = f"with {suspect.with_commit[:19]}: {suspect.with_commit_share:.0%}"
        table.add_row(
            safe(suspect.ref, 60),
            suspect.kind,
            f"[{style.get(suspect.verdict, '')}]{suspect.verdict}[/]",
            f"{suspect.share:.0%}",
            str(suspect.runs),
            safe(note, 60),
        )
    return table
