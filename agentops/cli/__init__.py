"""The `agentops` command line: a thin layer of argument parsing and rendering over the library.

Heavy libraries (anthropic, mlflow, textual) are imported only inside the commands that use
them, so `agentops --help` and the lineage commands start fast.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from agentops.cli.ask import ask
from agentops.cli.chat import chat
from agentops.cli.checklist import checklist_app
from agentops.cli.context import (
    FormatOption,
    JsonFlag,
    OutputFormat,
    print_json,
    state,
    stderr,
    stdout,
    wants_json,
)
from agentops.cli.dump import graph_app
from agentops.cli.export import export_app
from agentops.cli.incident import incident_app
from agentops.cli.ingest import ingest_app
from agentops.cli.knowledge import knowledge_app
from agentops.cli.lineage import lineage_app
from agentops.cli.mcp import McpCommand, mcp
from agentops.cli.postmortem import postmortem
from agentops.cli.rollback import rollback_app
from agentops.cli.verify import verify
from agentops.cli.why import why

if TYPE_CHECKING:
    from rich.console import Group
    from rich.tree import Tree

    from graph.ingest import IngestReport

app = typer.Typer(
    name="agentops",
    help="Lineage graph and ops assistant for ML systems.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,  # plain help: Typer's Rich help costs ~0.25 s of imports per call
)
app.add_typer(lineage_app, name="lineage")
app.add_typer(graph_app, name="graph")
app.add_typer(ingest_app, name="ingest")
app.add_typer(knowledge_app, name="knowledge")
app.add_typer(export_app, name="export")
app.add_typer(incident_app, name="incident")
app.add_typer(rollback_app, name="rollback")
app.add_typer(checklist_app, name="checklist")
app.command()(why)
app.command()(verify)
app.command()(ask)
app.command()(chat)
app.command(cls=McpCommand)(mcp)
app.command("postmortem")(postmortem)


CREATING_COMMANDS = frozenset({"init", "ingest", "sync", "demo"})
"""The commands that may create a lineage store; every other one only reads an existing one."""


def _show_version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"agentops {version('agentops')}")
        raise typer.Exit


def _enter_folder(ctx: typer.Context, folder: Path | None) -> None:
    """Run as if started in `folder` (like `git -C`), back where it was when the command ends."""
    if folder is None:
        return
    import os

    if not folder.is_dir():
        raise typer.BadParameter(f"{folder} is not a folder", param_hint="-C")
    before = Path.cwd()
    os.chdir(folder)
    ctx.call_on_close(lambda: os.chdir(before))


@app.callback()
def _global_options(
    ctx: typer.Context,
    directory: Annotated[
        Path | None,
        typer.Option(
            "-C",
            metavar="DIR",
            help="Run as if agentops was started in DIR (like git -C): the project there.",
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version", is_eager=True, callback=_show_version, help="Print the version and exit."
        ),
    ] = False,
    db: Annotated[
        str | None,
        typer.Option(
            help="SQLAlchemy URL of the lineage store (default: AGENTOPS_DB_URL, "
            "agentops.toml, .agentops/lineage.db)."
        ),
    ] = None,
) -> None:
    _enter_folder(ctx, directory)
    cli = state(ctx)
    cli.db = db
    cli.create = ctx.invoked_subcommand in CREATING_COMMANDS
    ctx.call_on_close(cli.close)


@app.command()
def init(ctx: typer.Context) -> None:
    """Write agentops.toml and .agentops/ in the current folder, and create the store."""
    from pathlib import Path

    from agentops.settings import init_project

    config, written, found = init_project(Path.cwd())
    store = state(ctx).store()
    verb = "wrote" if written else "kept existing"
    stderr().print(f"{verb} {config}; lineage store at {store.url}", highlight=False)
    for name, table in found.items():
        where = ", ".join(f"{key} = {value}" for key, value in table.items())
        stderr().print(f"  found {name}: {where}", highlight=False, markup=False)
    if written:
        stderr().print("next: agentops sync", highlight=False)


@app.command()
def status(
    ctx: typer.Context, json: JsonFlag = False, fmt: FormatOption = OutputFormat.TEXT
) -> None:
    """How many nodes and edges of each kind the lineage store holds."""
    store = state(ctx).store()
    counts = store.counts()
    if wants_json(json, fmt):
        print_json({"db": store.url, "nodes": counts.nodes, "edges": counts.edges})
        return
    from agentops.render import counts_table

    console = stdout()
    console.print(f"lineage store: {store.url}", highlight=False, markup=False)
    console.print(counts_table(counts))


@app.command()
def sync(
    ctx: typer.Context,
    json: JsonFlag = False,
    fmt: FormatOption = OutputFormat.TEXT,
    allow_outside: Annotated[
        bool,
        typer.Option("--allow-outside", help="Read paths agentops.toml names outside the project."),
    ] = False,
) -> None:
    """Ingest every source declared in agentops.toml (each incremental); exit 1 if any failed."""
    console = stderr()
    with console.status("syncing…") as status:

        def started(source: str) -> None:
            status.update(f"syncing {source}…")

        def done(outcome: IngestReport) -> None:
            mark, style = ("ok", "green") if outcome.ok else ("FAILED", "red")
            console.print(f"[{style}]{mark:>6}[/] ", end="")
            console.print(outcome.summary, markup=False, highlight=False)
            for problem in outcome.problems[:10]:
                console.print(f"         {problem}", markup=False, highlight=False, style="yellow")

        outcomes = state(ctx).project.sync(started, done, allow_outside)
    if not outcomes:
        console.print("no sources declared in agentops.toml: add [sources.git] and others")
    if wants_json(json, fmt):
        print_json({"sources": [outcome.to_json() for outcome in outcomes]})
    if not all(outcome.ok for outcome in outcomes):
        raise typer.Exit(1)


@app.command()
def demo(
    ctx: typer.Context,
    folder: Annotated[
        Path | None,
        typer.Option(
            "--dir", help="Build here (default: ./agentops-demo; an earlier demo is reused)."
        ),
    ] = None,
    scenario: Annotated[
        str | None,
        typer.Option("--scenario", help="Which incident to plant (default: a code bug)."),
    ] = None,
    no_tui: Annotated[
        bool, typer.Option("--no-tui", help="Print the root-cause report instead of the chat.")
    ] = False,
) -> None:
    """Build a sample ML project with an incident, ingest it, and investigate it."""
    from agentops.cli.context import is_interactive, progress
    from agentops.demo import build_demo

    console = stderr()
    with progress(console) as step:
        built = build_demo(folder, scenario, on_step=step)
    console.print(f"sample project: {built.root}", highlight=False, markup=False)
    console.print(f"incident: {built.incident} (scenario {built.scenario})", highlight=False)
    if built.failed_sources:
        console.print(f"[red]ingest failed for: {', '.join(built.failed_sources)}[/]")
        raise typer.Exit(1)
    if not no_tui and is_interactive():
        from agentops.cli.chat import open_chat

        open_chat(built.root, incident=built.incident)
    else:
        if not no_tui:
            console.print("not a terminal: printing the report instead of opening the chat")
        with progress(console) as step:  # the live status ends before the report prints
            step(f"analysing {built.incident}")
            lineage, report = _demo_report(built.root, built.incident)
        stdout().print(lineage)
        stdout(fit=True).print(report)
    _print_next_steps(state(ctx).started_in, built.root, built.incident)


def _demo_report(root: Path, incident: str) -> tuple[Tree, Group]:
    """The incident's lineage tree and its root-cause table, as `--no-tui` prints them."""
    from agentops.project import Project
    from agentops.render import lineage_tree, root_cause_view
    from graph.queries import WalkOptions, upstream

    with Project.open(root) as project:
        store = project.store
        lineage = upstream(store, [incident], WalkOptions(depth=4))
        details = {node.ref: node for node in store.get_many([n.ref for n in lineage.nodes])}
        return lineage_tree(lineage, details), root_cause_view(project.explain(incident))


def _print_next_steps(started_in: Path, root: Path, incident: str) -> None:
    """Commands that work pasted as printed, in the folder the user ran `demo` from."""
    import os
    import shlex

    folder = Path(os.path.relpath(root, started_in)) if root.is_relative_to(started_in) else root
    # `uv run` put agentops on this process's PATH only: the user's shell needs it again
    command = (
        "uv run " if os.environ.get("UV") else ""
    ) + f"agentops -C {shlex.quote(str(folder))}"
    short = incident.removeprefix("incident:")
    lines = ["next, from this folder:"] + [
        f"  {command} {words}"
        for words in (f"why {short}", "chat", f"rollback plan {short}", f"postmortem {short}")
    ]
    stderr().print("\n".join(lines), highlight=False, markup=False)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; expected failures become one line on stderr and exit code 1."""
    from agentops.errors import expected_errors

    try:
        result = app(
            args=list(argv) if argv is not None else None,
            prog_name="agentops",
            standalone_mode=False,
        )
    except typer.Exit as exc:
        return exc.exit_code
    except typer.TyperException as exc:  # usage errors: typer prints them, exit code 2
        exc.show()  # type: ignore[attr-defined]
        return exc.exit_code  # type: ignore[attr-defined]
    except typer.Abort:
        stderr().print("aborted", style="red")
        return 1
    except KeyboardInterrupt:
        return 130
    except expected_errors() as exc:
        from agentops.errors import UsageError

        code = _print_error(exc.message, exc.hint)
        return 2 if isinstance(exc, UsageError) else code
    except OSError as exc:  # the environment refused: a folder given for a file, no permission
        where = f"{exc.filename}: " if exc.filename else ""
        return _print_error(
            f"{where}{exc.strerror or exc.__class__.__name__}",
            "check the path and that you may write there",
        )
    return result if isinstance(result, int) else 0


def _print_error(message: str, hint: str) -> int:
    """One red `error:` line (plus the hint) on stderr; the exit code of a failure."""
    from agentops.render import printable

    console = stderr()
    console.print(f"error: {printable(message)}", style="red", markup=False, highlight=False)
    if hint:
        console.print(f"hint: {printable(hint)}", markup=False, highlight=False)
    return 1


def entry() -> None:
    sys.exit(main())
