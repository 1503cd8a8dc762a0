"""What differs between the upstream lineage of two nodes (two models, runs, commits…).

Versions of the same logical thing (same dataset name, same config path, same model name, the
same repository for commits) that appear on only one side are paired: those pairs are what
changed. Everything else found on only one side is listed as added or removed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from graph.queries import LineageNode, Subgraph, WalkOptions, upstream
from graph.refs import NodeKind

if TYPE_CHECKING:
    from graph.store import LineageStore


@dataclass(frozen=True, slots=True)
class VersionChange:
    """One logical thing whose version differs: `a_refs` only upstream of A, `b_refs` of B."""

    kind: NodeKind
    name: str
    a_refs: tuple[str, ...]
    b_refs: tuple[str, ...]


@dataclass(slots=True)
class LineageDiff:
    a: str
    b: str
    upstream_a: Subgraph
    upstream_b: Subgraph
    only_a: list[str]
    only_b: list[str]
    changed: list[VersionChange]

    def to_json(self) -> dict[str, Any]:
        return {
            "a": self.a,
            "b": self.b,
            "only_a": self.only_a,
            "only_b": self.only_b,
            "changed": [
                {"kind": c.kind.value, "name": c.name, "a": list(c.a_refs), "b": list(c.b_refs)}
                for c in self.changed
            ],
            "upstream_a": self.upstream_a.to_json(),
            "upstream_b": self.upstream_b.to_json(),
        }


def _identity(node: LineageNode) -> tuple[NodeKind, str]:
    """Commits pair with commits (one repository); other versions by their logical name."""
    if node.kind is NodeKind.COMMIT:
        return node.kind, "git"
    key = node.ref.split(":", 1)[1]
    if node.kind is NodeKind.MODEL:
        return node.kind, key.rsplit("/", 1)[0]
    if node.kind in (NodeKind.DATASET, NodeKind.CONFIG, NodeKind.DEPLOYMENT):
        return node.kind, key.rsplit("@", 1)[0]
    return node.kind, key


def diff(store: LineageStore, a: str, b: str, as_of: datetime | None = None) -> LineageDiff:
    """The upstream of `a` and of `b`, what only one side has, and the changed versions."""
    options = WalkOptions(as_of=as_of)
    up_a, up_b = upstream(store, [a], options), upstream(store, [b], options)
    refs_a, refs_b = up_a.refs() - {a}, up_b.refs() - {b}
    only_a = sorted(refs_a - refs_b)
    only_b = sorted(refs_b - refs_a)
    groups: dict[tuple[NodeKind, str], tuple[list[str], list[str]]] = {}
    for ref in only_a:
        groups.setdefault(_identity(up_a.by_ref[ref]), ([], []))[0].append(ref)
    for ref in only_b:
        groups.setdefault(_identity(up_b.by_ref[ref]), ([], []))[1].append(ref)
    changed = [
        VersionChange(kind, name, tuple(a_refs), tuple(b_refs))
        for (kind, name), (a_refs, b_refs) in sorted(groups.items())
        if a_refs and b_refs
    ]
    return LineageDiff(a, b, up_a, up_b, only_a, only_b, changed)
