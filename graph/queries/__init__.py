"""Lineage queries as recursive SQL on the store: upstream, downstream, path, impact.

Only the closure a question needs is read, never the whole graph. The walk runs in the
database; depths are then computed here by a breadth-first pass over the returned edges, so an
unlimited walk terminates on any graph (even a malformed one with cycles).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from itertools import islice, takewhile
from typing import TYPE_CHECKING, Any

from graph import collector
from graph.model import from_micros
from graph.queries.walk_sql import Direction, WalkOptions, WalkRow, fetch_rows, walk_statement
from graph.refs import EdgeKind, NodeKind

if TYPE_CHECKING:
    from graph.store import LineageStore

IMPACT_KINDS = frozenset({NodeKind.MODEL, NodeKind.DEPLOYMENT, NodeKind.INCIDENT})


@dataclass(slots=True)  # not frozen: frozen __init__ costs ~2× on 100k-node closures
class LineageNode:
    ref: str
    kind: NodeKind
    depth: int
    at_micros: int | None  # kept raw: converting every node of a big closure costs more than SQL

    @property
    def at(self) -> datetime | None:
        return from_micros(self.at_micros)


@dataclass(slots=True)
class LineageEdge:
    src: str
    dst: str
    kind: EdgeKind


class Subgraph:
    """The answer to a lineage walk: nodes with their distance from the roots, and edges.

    `edges` may be given as a function that builds them: a walk builds its edge objects only
    when they are first read, since many callers (impact, the agent's node lists, `path`'s
    first pass) never read them.
    """

    __slots__ = ("roots", "nodes", "truncated", "direction", "_edges", "_build_edges", "_by_ref")

    def __init__(
        self,
        roots: list[str],
        nodes: list[LineageNode],
        edges: list[LineageEdge] | Callable[[], list[LineageEdge]],
        truncated: bool = False,
        direction: Direction | None = None,
    ) -> None:
        self.roots = roots
        self.nodes = nodes
        self.truncated = truncated
        self.direction = direction
        self._edges: list[LineageEdge] | None = None if callable(edges) else edges
        self._build_edges = edges if callable(edges) else None
        self._by_ref: dict[str, LineageNode] | None = None

    @property
    def edges(self) -> list[LineageEdge]:
        if self._edges is None:
            assert self._build_edges is not None
            self._edges, self._build_edges = self._build_edges(), None
        return self._edges

    @property
    def by_ref(self) -> dict[str, LineageNode]:
        if self._by_ref is None:
            self._by_ref = {node.ref: node for node in self.nodes}
        return self._by_ref

    def refs(self) -> set[str]:
        return set(self.by_ref)

    def __repr__(self) -> str:
        return (
            f"Subgraph(roots={self.roots!r}, {len(self.nodes)} nodes, "
            f"truncated={self.truncated}, direction={self.direction})"
        )

    def to_json(self) -> dict[str, Any]:
        """The `--json` shape of upstream/downstream (pinned by a test)."""
        return {
            "root": list(self.roots),
            "nodes": [
                {
                    "ref": node.ref,
                    "kind": node.kind.value,
                    "depth": node.depth,
                    "at": node.at.isoformat() if node.at else None,
                }
                for node in self.nodes
            ],
            "edges": [
                {"src": edge.src, "dst": edge.dst, "kind": edge.kind.value} for edge in self.edges
            ],
            "truncated": self.truncated,
        }


_EDGE_KIND = {kind.value: kind for kind in EdgeKind}
_NODE_KIND = {kind.value: kind for kind in NodeKind}


def walk(
    store: LineageStore,
    roots: Sequence[str],
    direction: Direction,
    options: WalkOptions = WalkOptions(),
) -> Subgraph:
    """Upstream (what fed `roots`) or downstream (what `roots` fed) of stored refs."""
    if not roots:
        return Subgraph([], [], [], False, direction)
    with collector.paused():
        rows = fetch_rows(store, *walk_statement(direction, options, list(roots)))
        placed = _place_in_row_order(rows)
        if placed is None:
            placed = _place_by_bfs(rows)
        return _shape(list(roots), rows, placed, direction, options)


_Placed = tuple[int, str, str, int | None, int]  # (depth, ref, kind, at, node id)


def _place_in_row_order(rows: list[WalkRow]) -> list[_Placed] | None:
    """Each reached node with its depth, in one pass when the rows come breadth first.

    SQLite returns them so: its recursive walk is a FIFO queue, and the final join reads the
    walked nodes in the order they were found. The pass checks that promise as it goes (roots
    first, each near end already placed, near-end depths never decreasing), which is exactly
    what makes the first depth given to a node its shortest distance. None if it is broken.
    """
    depths: dict[int, int] = {}
    placed: list[_Placed] = []
    start = 0
    for near, _, far, ref, kind, at in rows:
        if near is not None:
            break
        start += 1
        if far not in depths:
            depths[far] = 0
            placed.append((0, ref, kind, at, far))
    last = 0
    for near, _, far, ref, kind, at in islice(rows, start, None):
        near_depth = depths.get(near)
        if near_depth is None or near_depth < last:
            return None  # not breadth first (or a root row out of place)
        last = near_depth
        if far not in depths:
            depths[far] = near_depth + 1
            placed.append((near_depth + 1, ref, kind, at, far))
    return placed


def _place_by_bfs(rows: list[WalkRow]) -> list[_Placed]:
    """Each reached node with its depth, by breadth-first search whatever the row order."""
    roots: list[int] = []
    step: dict[int, list[int]] = {}
    for near, _, far, _, _, _ in rows:
        if near is None:
            roots.append(far)
        else:
            step.setdefault(near, []).append(far)
    depths = dict.fromkeys(roots, 0)
    level = list(depths)
    while level:
        following = []
        for node_id in level:
            depth = depths[node_id] + 1
            for far in step.get(node_id, ()):
                if far not in depths:
                    depths[far] = depth
                    following.append(far)
        level = following
    placed: dict[int, _Placed] = {}
    for _, _, far, ref, kind, at in rows:
        if far not in placed and far in depths:
            placed[far] = (depths[far], ref, kind, at, far)
    return list(placed.values())


def _shape(
    asked: list[str],
    rows: list[WalkRow],
    placed: list[_Placed],
    direction: Direction,
    options: WalkOptions,
) -> Subgraph:
    """Nodes nearest first (by ref within a depth), the node-kind filter, the node cap."""
    placed.sort()
    found_roots = {ref for _, ref, _, _, _ in takewhile(lambda node: node[0] == 0, placed)}
    roots = [ref for ref in dict.fromkeys(asked) if ref in found_roots]
    if options.node_kinds is not None:
        wanted = {kind.value for kind in options.node_kinds}
        placed = [node for node in placed if node[0] == 0 or node[2] in wanted]
    truncated = options.max_nodes is not None and len(placed) > options.max_nodes
    if truncated:
        placed = placed[: options.max_nodes]
    nodes = [LineageNode(ref, _NODE_KIND[kind], depth, at) for depth, ref, kind, at, _ in placed]

    def edges() -> list[LineageEdge]:
        kept = {node_id: ref for _, ref, _, _, node_id in placed}
        upstream_walk = direction is Direction.UPSTREAM
        pairs = sorted(
            (kept[far], kept[near], kind) if upstream_walk else (kept[near], kept[far], kind)
            for near, kind, far, _, _, _ in rows
            if near in kept and far in kept
        )
        return [LineageEdge(src, dst, _EDGE_KIND[kind]) for src, dst, kind in pairs]

    return Subgraph(roots, nodes, edges, truncated, direction)


def upstream(
    store: LineageStore, roots: Sequence[str], options: WalkOptions = WalkOptions()
) -> Subgraph:
    return walk(store, roots, Direction.UPSTREAM, options)


def downstream(
    store: LineageStore, roots: Sequence[str], options: WalkOptions = WalkOptions()
) -> Subgraph:
    return walk(store, roots, Direction.DOWNSTREAM, options)


def impact(store: LineageStore, roots: Sequence[str], as_of: datetime | None = None) -> Subgraph:
    """The blast radius: every model, deployment and incident downstream of `roots`.

    A commit's radius includes what was built from every later commit that still contains it
    (its git descendants), so the walk follows commit→commit parent edges too; a commit has a
    single parent edge per parent, so that costs one index probe per later commit, and only
    walks from a commit ever reach one.
    """
    options = WalkOptions(node_kinds=IMPACT_KINDS, as_of=as_of, commit_history=True)
    return downstream(store, roots, options)


@dataclass(slots=True)
class PathResult:
    """Every node on some path from `src` to `dst`, and one shortest path among them."""

    src: str
    dst: str
    shortest: list[str]
    subgraph: Subgraph

    def to_json(self) -> dict[str, Any]:
        return {
            "src": self.src,
            "dst": self.dst,
            "shortest": self.shortest,
            **self.subgraph.to_json(),
        }


def path(
    store: LineageStore, src: str, dst: str, options: WalkOptions = WalkOptions()
) -> PathResult:
    """Paths from `src` down to `dst`; if there are none, paths from `dst` down to `src`.

    Like `impact`, a path from a commit may go through the later commits that contain it
    (`WalkOptions.commit_history`). Only the downstream walk follows git history: walking it
    upstream from `dst` would read every ancestor of every commit on the way. The history
    part of the paths is instead read off the downstream walk's own parent edges.
    """
    for a, b in ((src, dst), (dst, src)):
        below = downstream(store, [a], options)
        if b not in below.by_ref:
            continue
        above = upstream(store, [b], replace(options, commit_history=False))
        on_path = below.refs() & above.refs()
        if options.commit_history and not options.include_history:
            on_path |= _history_leading_to(on_path, below.edges)
        nodes = [node for node in below.nodes if node.ref in on_path]
        edges = [e for e in below.edges if e.src in on_path and e.dst in on_path]
        sub = Subgraph([a], nodes, edges, False, Direction.DOWNSTREAM)
        return PathResult(a, b, _shortest(a, b, edges), sub)
    return PathResult(src, dst, [], Subgraph([src], [], [], False, Direction.DOWNSTREAM))


def _history_leading_to(targets: set[str], edges: Collection[LineageEdge]) -> set[str]:
    """The commits from which a git-parent chain among `edges` reaches one of `targets`."""
    parents_of: dict[str, list[str]] = {}
    for edge in edges:
        if edge.kind is EdgeKind.PARENT:
            parents_of.setdefault(edge.dst, []).append(edge.src)
    found: set[str] = set()
    stack = [ref for ref in targets if ref in parents_of]
    while stack:
        for parent in parents_of.get(stack.pop(), ()):
            if parent not in found and parent not in targets:
                found.add(parent)
                stack.append(parent)
    return found


def _shortest(src: str, dst: str, edges: Collection[LineageEdge]) -> list[str]:
    parents: dict[str, str] = {}
    step: dict[str, list[str]] = {}
    for edge in edges:
        step.setdefault(edge.src, []).append(edge.dst)
    queue, seen = deque([src]), {src}
    while queue:
        ref = queue.popleft()
        if ref == dst:
            chain = [dst]
            while chain[-1] != src:
                chain.append(parents[chain[-1]])
            return chain[::-1]
        for nxt in sorted(step.get(ref, ())):
            if nxt not in seen:
                seen.add(nxt)
                parents[nxt] = ref
                queue.append(nxt)
    return []
