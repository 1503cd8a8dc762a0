"""What the lineage tree shows, one level at a time: a node's direct neighbours in one direction.

The tree in the context panel expands lazily, so it never asks for a whole closure: each
expansion is one `edges_of` and one `get_many` on the store (history edges — git parents,
previous versions — are left out, as in `agentops lineage`). Plain data, no Textual: the chat
loads it in a worker and the tests read it directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from agentops.render import safe, summary

if TYPE_CHECKING:
    from graph.model import Edge
    from graph.store import LineageStore

Direction = Literal["upstream", "downstream"]


@dataclass(frozen=True, slots=True)
class LineageItem:
    """One node of the tree: what it is, how it joins its parent, and whether it can expand."""

    ref: str
    kind: str
    via: str | None  # the edge kind from the parent (None for the root)
    about: str  # a few words from its attributes (untrusted: shown as plain text)
    expandable: bool


@dataclass(slots=True)
class LineageBranch:
    """An item and, when loaded, its children (None: not loaded yet, expand to load)."""

    item: LineageItem
    children: list[LineageBranch] | None = field(default=None)


def _lineage_edges(edges: Sequence[Edge]) -> list[Edge]:
    from graph.refs import HISTORY_EDGE_KINDS

    return [edge for edge in edges if edge.kind not in HISTORY_EDGE_KINDS]


def _far(edge: Edge, direction: Direction) -> str:
    return edge.src if direction == "upstream" else edge.dst


def _near(edge: Edge, direction: Direction) -> str:
    return edge.dst if direction == "upstream" else edge.src


def children(store: LineageStore, refs: Sequence[str], direction: Direction) -> dict[str, list]:
    """The direct neighbours of each of `refs` in `direction`, as items sorted by kind and ref."""
    edges = _lineage_edges(store.edges_of(list(refs)))
    wanted = set(refs)
    pairs = [(_near(e, direction), _far(e, direction), e.kind.value) for e in edges]
    pairs = [(near, far, via) for near, far, via in pairs if near in wanted]
    far_refs = sorted({far for _, far, _ in pairs})
    nodes = {node.ref: node for node in store.get_many(far_refs)}
    onward = {_near(e, direction) for e in _lineage_edges(store.edges_of(far_refs))}
    onward = {ref for ref in onward if ref in nodes}
    found: dict[str, list[LineageItem]] = {ref: [] for ref in refs}
    for near, far, via in sorted(set(pairs), key=lambda p: (p[0], p[1].split(":")[0], p[1])):
        node = nodes.get(far)
        found[near].append(
            LineageItem(
                ref=far,
                kind=far.split(":", 1)[0],
                via=via,
                about=summary(node) if node is not None else "",
                expandable=far in onward,
            )
        )
    return found


def load_tree(
    store: LineageStore, ref: str, direction: Direction = "upstream", depth: int = 3
) -> LineageBranch:
    """The tree of a stored ref with its first `depth` levels loaded (one query pair a level).

    `ref` must already be resolved; deeper levels are loaded with `children` on expansion.
    """
    node = store.get(ref)
    about = summary(node) if node is not None else ""
    root = LineageBranch(LineageItem(ref, ref.split(":", 1)[0], None, about, True))
    frontier = [root]
    for _ in range(depth):
        open_ = [branch for branch in frontier if branch.item.expandable]
        if not open_:
            break
        loaded = children(store, sorted({branch.item.ref for branch in open_}), direction)
        frontier = []
        for branch in open_:
            branch.children = [LineageBranch(item) for item in loaded.get(branch.item.ref, [])]
            frontier += branch.children
    return root


def label_parts(item: LineageItem) -> tuple[str, str, str]:
    """(edge kind, ref, about) made safe to show: one line each, no control characters."""
    return (item.via or "", safe(item.ref, 200), safe(item.about, 72))
