"""`agentops ingest <source>`: one command per source in the `graph.ingest` registry.

Each command is generated from its `Source`: the source's own parameters (arguments and
options), `--json`, its help. It reads the source's `[sources.<name>]` table for what the command
line leaves out, runs the source with a progress bar on stderr, then prints the problems, the
summary line and the notes on stderr, and the source's report on stdout (`--json`) or the table
of what it read. Exit code 1 when the source reported problems (what it read is kept).

The commands are made when the `ingest` group is first asked for them, so `agentops --help`
imports no source.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import click
import typer
from typer.core import TyperGroup

from agentops.cli.context import (
    FormatOption,
    OutputFormat,
    print_json,
    state,
    stderr,
    stdout,
    wants_json,
)

if TYPE_CHECKING:
    from graph.ingest import IngestReport, Parameter, Progress, Source

MAX_SHOWN_PROBLEMS = 50


class SourceCommands(TyperGroup):
    """The `ingest` group, filled from the source registry on first use."""

    def _load(self) -> None:
        from graph.ingest import sources

        for name, source in sources().items():
            if name not in self.commands:
                self.add_command(source_command(source), name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load()
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        self._load()
        return super().get_command(ctx, cmd_name)


ingest_app = typer.Typer(
    cls=SourceCommands, help="Read a source into the lineage graph.", no_args_is_help=True
)


def source_command(source: Source) -> click.Command:
    """The click command of one source, built by Typer from a generated signature."""
    from typer.main import get_command_from_info
    from typer.models import CommandInfo

    def command(
        ctx: typer.Context,
        json: bool = False,
        fmt: OutputFormat = OutputFormat.TEXT,
        **arguments: Any,
    ) -> None:
        run_source(ctx, source, arguments, wants_json(json, fmt))

    parameters = [
        inspect.Parameter("ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=typer.Context)
    ]
    parameters += [_signature_parameter(p) for p in source.parameters]
    parameters.append(
        inspect.Parameter(
            "json",
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
            default=False,
            annotation=Annotated[
                bool,
                typer.Option("--json", help="Print the source's report as JSON (--format json)."),
            ],
        )
    )
    parameters.append(
        inspect.Parameter(
            "fmt",
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
            default=OutputFormat.TEXT,
            annotation=FormatOption,
        )
    )
    command.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    info = CommandInfo(
        name=source.name, callback=command, help=source.help, epilog=_table_help(source)
    )
    return get_command_from_info(info, pretty_exceptions_short=True, rich_markup_mode=None)


def _table_help(source: Source) -> str | None:
    """What the command falls back on: its agentops.toml table, one key a line."""
    if not source.keys:
        return None
    lines = [f"[sources.{source.name}] in agentops.toml:"]
    for key in source.keys:
        default = "" if key.default in (None, []) else f" (default {key.default!r})"
        lines.append(f"  {key.name}: {key.kind}{default}{f' - {key.help}' if key.help else ''}")
    return "\b\n" + "\n".join(lines)


def _signature_parameter(parameter: Parameter) -> inspect.Parameter:
    declared: Any
    if parameter.flags:
        declared = typer.Option(*parameter.flags, help=parameter.help, metavar=parameter.metavar)
    else:
        metavar = parameter.metavar or parameter.name.upper()
        declared = typer.Argument(help=parameter.help, metavar=metavar)
    kind = parameter.type if parameter.type is bool else parameter.type | None
    return inspect.Parameter(
        parameter.name,
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
        default=parameter.default,
        annotation=Annotated[kind, declared],
    )


def run_source(ctx: typer.Context, source: Source, arguments: dict[str, Any], json: bool) -> None:
    cli = state(ctx)
    settings = cli.settings
    table = settings.sources.get(source.name)
    options = source.options(table, settings.root, arguments, settings.raw)
    with _progress(source.progress_unit) as progress:
        report = source.run(cli.store(), options, progress)
    _print_report(report, json)
    if not report.ok:
        raise typer.Exit(1)


def _print_report(report: IngestReport, json: bool) -> None:
    console = stderr()
    for problem in report.problems[:MAX_SHOWN_PROBLEMS]:
        console.print(problem, style="yellow", markup=False, highlight=False)
    if len(report.problems) > MAX_SHOWN_PROBLEMS:
        console.print(
            f"… and {len(report.problems) - MAX_SHOWN_PROBLEMS} more",
            style="yellow",
            markup=False,
            highlight=False,
        )
    if json:
        print_json(report.details)
    elif report.items:
        from rich.table import Table

        table = Table(*report.items[0], box=None)
        for item in report.items:
            table.add_row(*item.values())
        stdout().print(table)
    console.print(report.summary, markup=False, highlight=False)
    for note in report.notes:
        console.print(f"note: {note}", style="yellow", markup=False, highlight=False)


@contextmanager
def _progress(unit: str) -> Iterator[Progress]:
    """A Rich progress bar on stderr naming what is being read, gone when done."""
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        MofNCompleteColumn,
        TextColumn,
        TimeElapsedColumn,
    )
    from rich.progress import Progress as RichProgress

    count = DownloadColumn() if unit == "bytes" else MofNCompleteColumn()
    bar = RichProgress(
        TextColumn("{task.description}"),
        BarColumn(),
        count,
        TimeElapsedColumn(),
        console=stderr(),
        transient=True,
    )
    task = bar.add_task("", total=None)

    def update(what: str, done: int, total: int | None) -> None:
        bar.update(task, description=what, completed=done, total=total)

    with bar:
        yield update
