"""`agentops lineage …`: upstream, downstream, path, impact, diff and show of stored refs."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from agentops.cli.context import (
    CliState,
    FormatOption,
    OutputFormat,
    parse_as_of,
    print_json,
    state,
    stdout,
    wants_json,
)
from agentops.errors import UsageError

if TYPE_CHECKING:
    from graph.queries import Subgraph, WalkOptions

lineage_app = typer.Typer(help="Query the lineage graph.", no_args_is_help=True)

TREE_DEPTH = 6  # enough for incident ← deploy ← model ← run ← dataset ← commit
TREE_MAX_NODES = 300


class Format(StrEnum):
    TREE = "tree"
    TABLE = "table"
    JSON = "json"
    DOT = "dot"
    MERMAID = "mermaid"
    GRAPHML = "graphml"


Refs = Annotated[list[str], typer.Argument(help="Refs or short forms (recsys/7, a sha prefix).")]
Depth = Annotated[
    int | None,
    typer.Option(
        "--depth",
        min=0,
        help=f"Max steps (default: {TREE_DEPTH} for tree/table, unlimited otherwise).",
    ),
]
Kinds = Annotated[
    list[str] | None, typer.Option("--kind", help="Only show nodes of this kind (repeatable).")
]
EdgeKinds = Annotated[
    list[str] | None, typer.Option("--edge-kind", help="Only follow this edge kind (repeatable).")
]
History = Annotated[bool, typer.Option("--history", help="Also follow git/version history.")]
MaxNodes = Annotated[
    int | None, typer.Option("--max-nodes", min=1, help="Cap the nodes returned (nearest first).")
]
AsOf = Annotated[
    str | None, typer.Option("--as-of", help="Only nodes and edges seen at or before this time.")
]
Json = Annotated[bool, typer.Option("--json", help="Print JSON (same as --format json).")]
Fmt = Annotated[Format, typer.Option("--format", help="Output format.")]


def _walk_options(
    fmt: Format,
    depth: int | None,
    kinds: list[str] | None,
    edge_kinds: list[str] | None,
    history: bool,
    max_nodes: int | None,
    as_of: str | None,
) -> WalkOptions:
    from graph.queries import WalkOptions
    from graph.refs import EdgeKind, NodeKind

    for_people = fmt in (Format.TREE, Format.TABLE)
    try:
        node_kinds = frozenset(NodeKind(k) for k in kinds) if kinds else None
        followed = frozenset(EdgeKind(k) for k in edge_kinds) if edge_kinds else None
    except ValueError as exc:
        raise UsageError(
            str(exc),
            hint=f"node kinds: {', '.join(NodeKind)}; edge kinds: {', '.join(EdgeKind)}",
        ) from None
    return WalkOptions(
        depth=depth if depth is not None else (TREE_DEPTH if for_people else None),
        node_kinds=node_kinds,
        edge_kinds=followed,
        include_history=history,
        max_nodes=max_nodes if max_nodes is not None else (TREE_MAX_NODES if for_people else None),
        as_of=parse_as_of(as_of),
    )


def _resolve(cli: CliState, refs: list[str]) -> list[str]:
    store = cli.store()
    return [store.resolve(ref) for ref in refs]


def _emit(cli: CliState, subgraph: Subgraph, fmt: Format, extra: dict | None = None) -> None:
    from agentops.redact import redact_text, redact_value
    from graph import export

    # an export leaves the store: a ref can hold a secret (an OpenLineage namespace with a
    # database URL and its password), so it is redacted like everything else that leaves
    if fmt is Format.JSON:
        print_json(redact_value({**(extra or {}), **subgraph.to_json()}))
        return
    if fmt in (Format.DOT, Format.MERMAID, Format.GRAPHML):
        render = {
            Format.DOT: export.to_dot,
            Format.MERMAID: export.to_mermaid,
            Format.GRAPHML: export.to_graphml,
        }[fmt]
        typer.echo(redact_text(render(subgraph)), nl=False)
        return
    from agentops.render import lineage_table, lineage_tree

    details = {node.ref: node for node in cli.store().get_many([n.ref for n in subgraph.nodes])}
    view = lineage_tree if fmt is Format.TREE else lineage_table
    stdout().print(view(subgraph, details))


def _walk_command(direction: str):  # noqa: ANN202 - a command factory
    def command(
        ctx: typer.Context,
        refs: Refs,
        depth: Depth = None,
        kind: Kinds = None,
        edge_kind: EdgeKinds = None,
        history: History = False,
        max_nodes: MaxNodes = None,
        as_of: AsOf = None,
        json: Json = False,
        fmt: Fmt = Format.TREE,
    ) -> None:
        from graph.queries import downstream, upstream

        fmt = Format.JSON if json else fmt
        cli = state(ctx)
        options = _walk_options(fmt, depth, kind, edge_kind, history, max_nodes, as_of)
        query = upstream if direction == "upstream" else downstream
        _emit(cli, query(cli.store(), _resolve(cli, refs), options), fmt)

    command.__doc__ = (
        "What the refs were made from (their inputs, transitively)."
        if direction == "upstream"
        else "What was made from the refs (their outputs, transitively)."
    )
    return command


lineage_app.command("upstream")(_walk_command("upstream"))
lineage_app.command("downstream")(_walk_command("downstream"))


@lineage_app.command()
def impact(
    ctx: typer.Context, refs: Refs, as_of: AsOf = None, json: Json = False, fmt: Fmt = Format.TABLE
) -> None:
    """The blast radius: models, deployments and incidents downstream of the refs.

    A commit's radius includes what later commits containing it built.
    """
    from graph.queries import impact as impact_query

    cli = state(ctx)
    result = impact_query(cli.store(), _resolve(cli, refs), parse_as_of(as_of))
    _emit(cli, result, Format.JSON if json else fmt)


@lineage_app.command()
def path(
    ctx: typer.Context,
    src: Annotated[str, typer.Argument(help="From this ref…")],
    dst: Annotated[str, typer.Argument(help="…to this one (either order).")],
    history: History = False,
    as_of: AsOf = None,
    json: Json = False,
    fmt: Fmt = Format.TREE,
) -> None:
    """Every lineage path between two refs, and the shortest one.

    From a commit, paths may go through the later commits that contain it.
    """
    from graph.queries import WalkOptions
    from graph.queries import path as path_query

    cli = state(ctx)
    a, b = _resolve(cli, [src, dst])
    options = WalkOptions(include_history=history, as_of=parse_as_of(as_of), commit_history=True)
    result = path_query(cli.store(), a, b, options)
    fmt = Format.JSON if json else fmt
    if fmt is Format.JSON:
        print_json(result.to_json())
        return
    if not result.shortest:
        stdout().print(f"no lineage path between {a} and {b}", markup=False, highlight=False)
        raise typer.Exit(1)
    if fmt in (Format.TREE, Format.TABLE):
        stdout().print("shortest: " + "  →  ".join(result.shortest), markup=False, highlight=False)
    _emit(cli, result.subgraph, fmt)


@lineage_app.command()
def diff(
    ctx: typer.Context,
    a: Annotated[str, typer.Argument(help="The earlier (good) side.")],
    b: Annotated[str, typer.Argument(help="The later (bad) side.")],
    as_of: AsOf = None,
    json: Json = False,
    fmt: FormatOption = OutputFormat.TEXT,
) -> None:
    """What differs between the upstream lineage of two nodes, and in code between them."""
    from graph.diff import diff as diff_query

    cli = state(ctx)
    ref_a, ref_b = _resolve(cli, [a, b])
    result = diff_query(cli.store(), ref_a, ref_b, parse_as_of(as_of))
    if wants_json(json, fmt):
        print_json(result.to_json())
        return
    from agentops.render import code_diff_tables, diff_table

    console = stdout()
    console.print(diff_table(result))
    if result.code is not None:  # None: no commit behind one side, no code to compare
        for table in code_diff_tables(result.code):
            console.print(table)


@lineage_app.command()
def show(
    ctx: typer.Context, refs: Refs, json: Json = False, fmt: FormatOption = OutputFormat.TEXT
) -> None:
    """A node's attributes and its direct edges."""
    cli = state(ctx)
    store = cli.store()
    resolved = _resolve(cli, refs)
    nodes = store.get_many(resolved)
    edges = store.edges_of(resolved)
    records = [
        {
            "ref": node.ref,
            "kind": node.kind.value,
            "source_time": node.source_time.isoformat() if node.source_time else None,
            "first_seen": node.first_seen.isoformat() if node.first_seen else None,
            "attrs": node.attrs,
            "in": [{"src": e.src, "kind": e.kind.value} for e in edges if e.dst == node.ref],
            "out": [{"dst": e.dst, "kind": e.kind.value} for e in edges if e.src == node.ref],
        }
        for node in nodes
    ]
    if wants_json(json, fmt):
        print_json({"nodes": records})
        return
    from agentops.render import node_panel

    console = stdout(fit=True)
    for record in records:
        console.print(node_panel(record))
