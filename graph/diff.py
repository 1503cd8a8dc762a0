"""What changed between two versions (two models, runs, deployments, commits…), computed once.

`lineage diff` shows it and `why` scores it, so the two cannot disagree. It has three parts:
- the upstream lineage of each side: versions of the same logical thing (same dataset name,
  same config path, same model name, the same repository for commits) found on one side only
  are paired — those pairs are what changed; everything else found on one side is added or
  removed;
- the code between the two sides' commits (`graph.code_diff`): commits, config keys,
  dependency specs;
- the params of the runs nearest each side (a model's producing run).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from graph.attributes import RunAttrs
from graph.code_diff import CodeDiff, KeyChange, code_diff, key_changes
from graph.errors import RefError
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
    changed: list[VersionChange]  # paired: a version on each side
    code: CodeDiff | None = None  # None when a side has no commit behind it (see `code_error`)
    code_error: str | None = None
    run_a: str | None = None  # the runs whose params are compared
    run_b: str | None = None
    params: list[KeyChange] = field(default_factory=list)

    def version_changes(self, kind: NodeKind) -> list[VersionChange]:
        """Every `kind` thing whose version differs, those on one side only included (with
        an empty `a_refs` or `b_refs`)."""
        return [c for c in _grouped(self) if c.kind is kind]

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
            "code": self.code.to_json() if self.code else None,
            "run_a": self.run_a,
            "run_b": self.run_b,
            "params": [change.to_json() for change in self.params],
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


def _grouped(result: LineageDiff) -> list[VersionChange]:
    groups: dict[tuple[NodeKind, str], tuple[list[str], list[str]]] = {}
    for ref in result.only_a:
        groups.setdefault(_identity(result.upstream_a.by_ref[ref]), ([], []))[0].append(ref)
    for ref in result.only_b:
        groups.setdefault(_identity(result.upstream_b.by_ref[ref]), ([], []))[1].append(ref)
    return [
        VersionChange(kind, name, tuple(a_refs), tuple(b_refs))
        for (kind, name), (a_refs, b_refs) in sorted(groups.items())
    ]


def _nearest_run(walked: Subgraph) -> str | None:
    """The side itself if it is a run, else the run nearest it upstream (a model's producer)."""
    return next((node.ref for node in walked.nodes if node.kind is NodeKind.RUN), None)


def diff(store: LineageStore, a: str, b: str, as_of: datetime | None = None) -> LineageDiff:
    """What changed from `a` (the earlier, good side) to `b` (the later, bad side)."""
    options = WalkOptions(as_of=as_of)
    up_a, up_b = upstream(store, [a], options), upstream(store, [b], options)
    refs_a, refs_b = up_a.refs() - {a}, up_b.refs() - {b}
    result = LineageDiff(a, b, up_a, up_b, sorted(refs_a - refs_b), sorted(refs_b - refs_a), [])
    result.changed = [c for c in _grouped(result) if c.a_refs and c.b_refs]
    try:
        result.code = code_diff(store, a, b)
    except RefError as exc:
        result.code_error = exc.message
    result.run_a, result.run_b = _nearest_run(up_a), _nearest_run(up_b)
    sides = [ref for ref in (result.run_a, result.run_b) if ref]
    runs = {node.ref: RunAttrs(node) for node in store.get_many(sides)} if sides else {}
    if result.run_a in runs or result.run_b in runs:
        before = runs[result.run_a].params if result.run_a in runs else {}
        after = runs[result.run_b].params if result.run_b in runs else {}
        result.params = key_changes(before, after)
    return result
