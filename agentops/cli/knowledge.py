"""`agentops knowledge …`: list, show, search and check the expert knowledge cards.

Thin on purpose: each command reads its arguments, calls the `knowledge` library once, and renders
the result — a Rich table for people, `--json` for scripts (stdout), errors on stderr with exit 1.
Mounted by the main CLI with ``app.add_typer(knowledge_app, name="knowledge")``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from agentops.cli.context import FormatOption, JsonFlag, OutputFormat, wants_json
from knowledge.card import CardKind
from knowledge.errors import CardError, KnowledgeError

if TYPE_CHECKING:
    from rich.console import Console

    from knowledge.card import Card
    from knowledge.library import KnowledgeLibrary
    from knowledge.problems import CardProblem

CONFIG_FILE = "agentops.toml"

knowledge_app = typer.Typer(
    help="Browse, search and check the knowledge cards: failure modes, checklists, runbooks "
    "and templates (built-in plus the team folders listed in agentops.toml).",
    no_args_is_help=True,
)


def team_folders(project_dir: Path | None = None) -> list[Path]:
    """The team card folders from ``agentops.toml``'s top-level ``knowledge = [...]`` list.

    Read through the shared settings loader (which finds the project root from `project_dir`
    or the current folder); relative entries resolve against the project root.
    """
    from agentops.settings import load_settings

    return list(load_settings(project_dir).knowledge_dirs)


@knowledge_app.command("list")
def list_cards(
    kind: Annotated[
        CardKind | None, typer.Option("--kind", "-k", help="Only cards of this kind.")
    ] = None,
    json: JsonFlag = False,
    fmt: FormatOption = OutputFormat.TEXT,
) -> None:
    """List the cards in effect (team cards replace built-ins with the same id)."""
    with _reported_errors():
        library = _library()
        cards = library.by_kind(kind) if kind is not None else library.cards
    if wants_json(json, fmt):
        _print_json([_summary(card) for card in cards])
        return
    from rich.table import Table

    table = Table(title=f"{len(cards)} knowledge cards", title_justify="left")
    table.add_column("id", no_wrap=True, style="bold")
    table.add_column("kind", no_wrap=True)
    table.add_column("title")
    table.add_column("from", no_wrap=True)
    for card in cards:
        table.add_row(card.id, card.kind.value, _escape(card.title), _escape(_origin(card)))
    _stdout().print(table)


@knowledge_app.command("show")
def show_card(
    card_id: Annotated[str, typer.Argument(metavar="ID", help="Card id, e.g. null-spike.")],
    json: JsonFlag = False,
    fmt: FormatOption = OutputFormat.TEXT,
) -> None:
    """Show one card: its fields and its text."""
    with _reported_errors():
        card = _library().get(card_id)
    if wants_json(json, fmt):
        _print_json(card.to_dict())
        return
    _render_card(_stdout(), card)


@knowledge_app.command("search")
def search_cards(
    query: Annotated[str, typer.Argument(help="Keywords, e.g. 'column renamed upstream'.")],
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Most hits to show.")] = 5,
    json: JsonFlag = False,
    fmt: FormatOption = OutputFormat.TEXT,
) -> None:
    """Search the cards by keywords (BM25 over title, tags and text), best match first."""
    with _reported_errors():
        hits = _library().search(query, limit=limit)
    if wants_json(json, fmt):
        _print_json([hit.to_dict() for hit in hits])
        return
    if not hits:
        _stderr().print(f"no cards match {query!r}", markup=False, highlight=False)
        return
    from rich.table import Table

    table = Table(title=f"cards matching {query!r}", title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("id", no_wrap=True, style="bold")
    table.add_column("kind", no_wrap=True)
    table.add_column("score", justify="right")
    table.add_column("snippet")
    for rank, hit in enumerate(hits, start=1):
        table.add_row(
            str(rank), hit.card.id, hit.card.kind.value, f"{hit.score:.2f}", _escape(hit.snippet)
        )
    _stdout().print(table)


@knowledge_app.command("check")
def check_cards(
    path: Annotated[
        Path | None,
        typer.Argument(
            help="Folder of cards to validate. Default: the folders in agentops.toml, "
            "or the built-in cards if it lists none."
        ),
    ] = None,
    json: JsonFlag = False,
    fmt: FormatOption = OutputFormat.TEXT,
) -> None:
    """Validate a folder of cards; exit 1 if any card has an error."""
    from knowledge.check import check_builtin, check_folder
    from knowledge.library import builtin_cards, card_files

    with _reported_errors():
        folders = [path] if path is not None else team_folders()
        checked: list[str] = []
        problems: list[CardProblem] = []
        files = 0
        if folders:
            for folder in folders:
                files += len(card_files(folder))
                problems.extend(check_folder(folder))
                checked.append(str(folder))
        else:
            files = len(builtin_cards())
            problems = check_builtin()
            checked.append("built-in cards")
    errors = [problem for problem in problems if problem.is_error]
    if wants_json(json, fmt):
        _print_json(
            {
                "ok": not errors,
                "checked": checked,
                "files": files,
                "errors": len(errors),
                "warnings": len(problems) - len(errors),
                "problems": [problem.to_dict() for problem in problems],
            }
        )
    elif problems:
        _render_problems(_stdout(), problems)
    else:
        typer.echo(f"ok: {files} card files in {', '.join(checked)}, no problems")
    if errors:
        _fail(
            f"{len(errors)} invalid card field(s) in {', '.join(checked)}",
            "fix the fields named in the report; `agentops knowledge show ID` shows a valid card",
        )


def _library() -> KnowledgeLibrary:
    """The project's cards: the ones `why`, the chat and the agent read."""
    from agentops.project import Project

    try:
        return Project.open().library
    except CardError as exc:
        if not exc.hint:
            exc.hint = "run `agentops knowledge check` to list every problem in the folder"
        raise


@contextmanager
def _reported_errors() -> Iterator[None]:
    """Turn an expected library failure into `error:`/`hint:` lines on stderr and exit 1."""
    try:
        yield
    except KnowledgeError as exc:
        _fail(exc.message, exc.hint)


def _fail(message: str, hint: str = "") -> NoReturn:
    console = _stderr()
    console.print(f"error: {message}", style="red", markup=False, highlight=False)
    if hint:
        console.print(f"hint: {hint}", markup=False, highlight=False)
    raise typer.Exit(1)


def _stdout() -> Console:
    from rich.console import Console

    return Console()


def _stderr() -> Console:
    from rich.console import Console

    return Console(stderr=True)


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


def _summary(card: Card) -> dict[str, Any]:
    return {
        "id": card.id,
        "kind": card.kind.value,
        "title": card.title,
        "tags": list(card.tags),
        "source": card.source,
        "builtin": card.builtin,
    }


def _origin(card: Card) -> str:
    return "built-in" if card.builtin else card.source


def _render_card(console: Console, card: Card) -> None:
    from rich.markdown import Markdown
    from rich.table import Table

    fields = Table.grid(padding=(0, 2))
    fields.add_column(style="bold", no_wrap=True)
    fields.add_column()
    rows: list[tuple[str, str | Sequence[str]]] = [
        ("id", card.id),
        ("kind", card.kind.value),
        ("tags", ", ".join(card.tags)),
    ]
    if card.kind is CardKind.FAILURE_MODE:
        rows += [
            ("change types", ", ".join(card.change_types)),
            ("prior", f"{card.prior:.2f}" if card.prior is not None else "—"),
            ("evidence", card.evidence),
            ("checks", ", ".join(card.checks) or "—"),
            ("remediation", ", ".join(card.remediation) or "— (nothing to roll back)"),
        ]
    rows += [("sources", card.sources), ("from", _origin(card))]
    for name, value in rows:
        text = value if isinstance(value, str) else "\n".join(f"• {line}" for line in value)
        fields.add_row(name, _escape(text))
    console.print(f"[bold]{_escape(card.title)}[/bold]")
    console.print(fields)
    if card.items:
        items = Table(title="items", title_justify="left")
        items.add_column("id", no_wrap=True, style="bold")
        items.add_column("test")
        items.add_column("lineage evidence")
        for item in card.items:
            items.add_row(item.id, _escape(item.title), _escape(item.lineage_evidence))
        console.print(items)
    console.print()
    console.print(Markdown(card.body))


def _render_problems(console: Console, problems: Sequence[CardProblem]) -> None:
    from rich.table import Table

    table = Table(title=f"{len(problems)} problem(s)", title_justify="left")
    table.add_column("severity", no_wrap=True)
    table.add_column("file", overflow="fold")
    table.add_column("field", no_wrap=True, style="bold")
    table.add_column("problem")
    for problem in problems:
        style = "red" if problem.is_error else "yellow"
        table.add_row(
            f"[{style}]{problem.severity}[/{style}]",
            _escape(problem.source),
            _escape(problem.field),
            _escape(problem.message),
        )
    console.print(table)


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)
