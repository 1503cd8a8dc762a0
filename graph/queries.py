"""Lineage queries as recursive SQL on the store: upstream, downstream, path, impact.

Only the closure a question needs is read, never the whole graph. The walk runs in the
database; depths are then computed here by a breadth-first pass over the returned edges, so an
unlimited walk terminates on any graph (even a malformed one with cycles).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from graph.model import from_micros, to_micros
from graph.refs import HISTORY_EDGE_KINDS, EdgeKind, NodeKind

if TYPE_CHECKING:
    from graph.store import LineageStore

IMPACT_KINDS = frozenset({NodeKind.MODEL, NodeKind.DEPLOYMENT, NodeKind.INCIDENT})


class Direction(StrEnum):
    UPSTREAM = "upstream"
    DOWNSTREAM = "downstream"


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


@dataclass(slots=True)
class Subgraph:
    """The answer to a lineage walk: nodes with their distance from the roots, and edges."""

    roots: list[str]
    nodes: list[LineageNode]
    edges: list[LineageEdge]
    truncated: bool = False
    direction: Direction | None = None
    by_ref: dict[str, LineageNode] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.by_ref = {node.ref: node for node in self.nodes}

    def refs(self) -> set[str]:
        return set(self.by_ref)

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


@dataclass(frozen=True, slots=True)
class WalkOptions:
    """What a walk follows and keeps. `depth=None` is unlimited; `max_nodes=None` uncapped."""

    depth: int | None = None
    node_kinds: frozenset[NodeKind] | None = None
    edge_kinds: frozenset[EdgeKind] | None = None
    include_history: bool = False
    max_nodes: int | None = None
    as_of: datetime | None = None

    def edge_filter(self) -> tuple[str, list[str]]:
        """The SQL condition on `e.kind` and its values.

        Following everything but history is written `NOT IN (history)`: an `IN` list of the
        followed kinds would make SQLite probe the (dst_id, kind) index once per kind per node.
        """
        if self.edge_kinds:
            kinds = set(self.edge_kinds)
            if not self.include_history:
                kinds -= HISTORY_EDGE_KINDS
            return "e.kind IN :edge_kinds", sorted(kind.value for kind in kinds) or [""]
        if self.include_history:
            return "1 = 1", []
        return "e.kind NOT IN :edge_kinds", sorted(kind.value for kind in HISTORY_EDGE_KINDS)


_EDGE_KIND = {kind.value: kind for kind in EdgeKind}
_NODE_KIND = {kind.value: kind for kind in NodeKind}


def _walk_sql(direction: Direction, limited: bool, kind_filter: str, as_of: bool) -> str:
    """The recursive walk, then every followed edge into the walked nodes with its far end.

    `near`/`far` name the edge ends toward and away from the roots.
    """
    near, far = ("dst_id", "src_id") if direction is Direction.UPSTREAM else ("src_id", "dst_id")
    time_filter = "AND e.at <= :as_of AND n.at <= :as_of" if as_of else ""
    node_join = f"JOIN nodes n ON n.id = e.{far}" if as_of else ""
    if limited:
        walk = f"""
        walk(id, depth) AS (
            SELECT id, 0 FROM nodes WHERE ref IN :roots
            UNION
            SELECT e.{far}, w.depth + 1 FROM edges e
            JOIN walk w ON e.{near} = w.id
            {node_join}
            WHERE w.depth < :max_depth AND {kind_filter} {time_filter}
        ),
        frontier AS (SELECT DISTINCT id FROM walk WHERE depth < :max_depth)"""
    else:
        walk = f"""
        walk(id) AS (
            SELECT id FROM nodes WHERE ref IN :roots
            UNION
            SELECT e.{far} FROM edges e
            JOIN walk w ON e.{near} = w.id
            {node_join}
            WHERE {kind_filter} {time_filter}
        ),
        frontier AS (SELECT id FROM walk)"""
    return f"""
    WITH RECURSIVE {walk}
    SELECT f_near.ref, e.kind, n.ref, n.kind, n.at
    FROM edges e
    JOIN frontier f ON e.{near} = f.id
    JOIN nodes n ON n.id = e.{far}
    JOIN nodes f_near ON f_near.id = e.{near}
    WHERE {kind_filter} {time_filter}
    """


_Hop = tuple[str, str, str]  # (near ref, edge kind, far ref)


def walk(
    store: LineageStore,
    roots: Sequence[str],
    direction: Direction,
    options: WalkOptions = WalkOptions(),
) -> Subgraph:
    """Upstream (what fed `roots`) or downstream (what `roots` fed) of stored refs."""
    from sqlalchemy import bindparam, text

    limited = options.depth is not None
    kind_filter, kinds = options.edge_filter()
    sql = _walk_sql(direction, limited, kind_filter, options.as_of is not None)
    binds = [bindparam("roots", expanding=True)]
    params: dict[str, Any] = {"roots": list(roots)}
    if kinds:
        binds.append(bindparam("edge_kinds", expanding=True))
        params["edge_kinds"] = kinds
    if limited:
        params["max_depth"] = options.depth
    if options.as_of is not None:
        params["as_of"] = to_micros(options.as_of)
    root_nodes = _root_nodes(store, roots, options.as_of)
    with store.read() as conn:
        rows = conn.execute(text(sql).bindparams(*binds), params).all()
    found: dict[str, tuple[NodeKind, int | None]] = {
        ref: (kind, to_micros(at) if at else None) for ref, (kind, at) in root_nodes.items()
    }
    hops: list[_Hop] = []  # each stored edge comes back once: (src, dst, kind) is its key
    for near, kind, ref, node_kind, at in rows:
        hops.append((near, kind, ref))
        if ref not in found:
            found[ref] = (_NODE_KIND[node_kind], at)
    return _shape(list(root_nodes), found, hops, direction, options)


def _root_nodes(
    store: LineageStore, roots: Sequence[str], as_of: datetime | None
) -> dict[str, tuple[NodeKind, datetime | None]]:
    nodes = store.get_many(roots)
    return {
        node.ref: (node.kind, node.at)
        for node in nodes
        if as_of is None or (node.at is not None and node.at <= as_of)
    }


def _shape(
    roots: list[str],
    found: dict[str, tuple[NodeKind, int | None]],
    hops: list[_Hop],
    direction: Direction,
    options: WalkOptions,
) -> Subgraph:
    """Depths by BFS, then the node-kind filter and the node cap (nearest nodes kept)."""
    step: dict[str, list[str]] = {}
    for near, _, far in hops:
        step.setdefault(near, []).append(far)
    levels = _bfs_levels(roots, step)
    depths = {ref: depth for depth, level in enumerate(levels) for ref in level}
    ordered = [ref for level in levels for ref in sorted(level) if ref in found]
    if options.node_kinds is not None:
        ordered = [r for r in ordered if r in roots or found[r][0] in options.node_kinds]
    truncated = options.max_nodes is not None and len(ordered) > options.max_nodes
    if truncated:
        ordered = ordered[: options.max_nodes]
    kept = set(ordered)
    nodes = [LineageNode(ref, found[ref][0], depths[ref], found[ref][1]) for ref in ordered]
    upstream_walk = direction is Direction.UPSTREAM
    pairs = sorted(
        (far, near, kind) if upstream_walk else (near, far, kind)
        for near, kind, far in hops
        if near in kept and far in kept
    )
    edges = [LineageEdge(src, dst, _EDGE_KIND[kind]) for src, dst, kind in pairs]
    return Subgraph(roots, nodes, edges, truncated, direction)


def _bfs_levels(roots: Iterable[str], step: dict[str, list[str]]) -> list[list[str]]:
    """Reachable refs grouped by their distance from the nearest root (breadth first)."""
    seen = set(roots)
    levels = [list(dict.fromkeys(roots))]
    while levels[-1]:
        level = []
        for ref in levels[-1]:
            for nxt in step.get(ref, ()):
                if nxt not in seen:
                    seen.add(nxt)
                    level.append(nxt)
        levels.append(level)
    return levels[:-1]


def upstream(
    store: LineageStore, roots: Sequence[str], options: WalkOptions = WalkOptions()
) -> Subgraph:
    return walk(store, roots, Direction.UPSTREAM, options)


def downstream(
    store: LineageStore, roots: Sequence[str], options: WalkOptions = WalkOptions()
) -> Subgraph:
    return walk(store, roots, Direction.DOWNSTREAM, options)


def impact(store: LineageStore, roots: Sequence[str], as_of: datetime | None = None) -> Subgraph:
    """The blast radius: every model, deployment and incident downstream of `roots`."""
    return downstream(store, roots, WalkOptions(node_kinds=IMPACT_KINDS, as_of=as_of))


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
    """Paths from `src` down to `dst`; if there are none, paths from `dst` down to `src`."""
    for a, b in ((src, dst), (dst, src)):
        below = downstream(store, [a], options)
        if b not in below.by_ref:
            continue
        above = upstream(store, [b], options)
        on_path = below.refs() & above.refs()
        nodes = [node for node in below.nodes if node.ref in on_path]
        edges = [e for e in below.edges if e.src in on_path and e.dst in on_path]
        sub = Subgraph([a], nodes, edges, False, Direction.DOWNSTREAM)
        return PathResult(a, b, _shortest(a, b, edges), sub)
    return PathResult(src, dst, [], Subgraph([src], [], [], False, Direction.DOWNSTREAM))


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
