"""Turning a query's subgraph into networkx, DOT, Mermaid, GraphML or JSON.

networkx is imported only here and only when asked for: it is for algorithms and exports on
the subgraph a query returned, never for holding the whole lineage graph.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from graph.queries import Subgraph

if TYPE_CHECKING:
    import networkx as nx


def to_networkx(subgraph: Subgraph) -> nx.MultiDiGraph:
    import networkx as nx

    graph = nx.MultiDiGraph()
    for node in subgraph.nodes:
        graph.add_node(
            node.ref,
            kind=node.kind.value,
            depth=node.depth,
            at=node.at.isoformat() if node.at else "",
        )
    for edge in subgraph.edges:
        graph.add_edge(edge.src, edge.dst, key=edge.kind.value, kind=edge.kind.value)
    return graph


def _dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(subgraph: Subgraph) -> str:
    """Graphviz DOT; refs are quoted, so any character in a ref is safe."""
    lines = ["digraph lineage {", "  rankdir=LR;", "  node [shape=box, fontname=monospace];"]
    roots = set(subgraph.roots)
    for node in subgraph.nodes:
        style = ", style=bold" if node.ref in roots else ""
        lines.append(f"  {_dot_quote(node.ref)} [label={_dot_quote(node.ref)}{style}];")
    for edge in subgraph.edges:
        lines.append(
            f"  {_dot_quote(edge.src)} -> {_dot_quote(edge.dst)} [label={_dot_quote(edge.kind)}];"
        )
    lines.append("}")
    return "\n".join(lines) + "\n"


def _mermaid_label(text: str) -> str:
    return '"' + re.sub(r'["<>]', lambda m: f"#{ord(m.group())};", text) + '"'


def to_mermaid(subgraph: Subgraph) -> str:
    """A Mermaid flowchart; nodes get short ids, their refs go in escaped labels."""
    ids = {node.ref: f"n{index}" for index, node in enumerate(subgraph.nodes)}
    lines = ["flowchart LR"]
    lines += [f"  {ids[node.ref]}[{_mermaid_label(node.ref)}]" for node in subgraph.nodes]
    lines += [
        f"  {ids[edge.src]} -->|{edge.kind.value}| {ids[edge.dst]}" for edge in subgraph.edges
    ]
    return "\n".join(lines) + "\n"


def to_graphml(subgraph: Subgraph) -> str:
    import networkx as nx

    return "\n".join(nx.generate_graphml(to_networkx(subgraph))) + "\n"
