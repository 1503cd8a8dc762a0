"""What a rollback target is made of, and whether a model version is one.

A model version is a rollback candidate when it *served* (a deployment node, a `promoted_at`
tag, or it was the champion the root cause compared against), no incident affects it, and its
lineage carries none of the causes. "Its lineage" is more than the upstream walk: a cause commit
is carried by every later commit that descends from it, so a candidate's code commit is checked
with its git ancestors; and configs reach a run through its commit (the version of each config
file at that commit), not always through a direct edge.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from graph.errors import RefError
from graph.model import parse_time
from graph.queries import WalkOptions, upstream
from graph.refs import EdgeKind, NodeKind, parse_ref
from graph.version_lineage import version_lineages

if TYPE_CHECKING:
    from graph.model import Node
    from graph.store import LineageStore

EDGE_BATCH = 500  # refs per `edges_of` call: stays far below any database's bind limit
SERVING_CONTEXTS = frozenset({"serving", "inference", "online", "production", "scoring"})
EVAL_CONTEXTS = frozenset({"eval", "evaluation", "validation", "test", "holdout"})


@dataclass(slots=True)
class DatasetUse:
    ref: str
    name: str
    context: str  # training | eval | serving | … as the run logged it ("training" if unsaid)

    def to_json(self) -> dict[str, Any]:
        return {"ref": self.ref, "name": self.name, "context": self.context}


@dataclass(slots=True)
class VersionLineage:
    """One model version and the things it was made from."""

    model: str
    name: str
    version: str
    run: str | None = None
    commit: str | None = None
    datasets: list[DatasetUse] = field(default_factory=list)
    configs: list[str] = field(default_factory=list)
    metrics: dict[str, float] = field(default_factory=dict)
    upstream: set[str] = field(default_factory=set, repr=False)
    ancestors: set[str] = field(default_factory=set, repr=False)  # the commit and its ancestors

    def contains(self, ref: str) -> bool:
        """Whether this version was made from `ref` (directly, or through its git history)."""
        return (
            ref == self.model
            or ref in self.upstream
            or ref in self.configs
            or (ref.startswith("commit:") and ref in self.ancestors)
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "version": self.version,
            "run": self.run,
            "commit": self.commit,
            "datasets": [use.to_json() for use in self.datasets],
            "configs": list(self.configs),
            "metrics": dict(self.metrics),
        }


@dataclass(slots=True)
class ServiceRecord:
    """Whether and when a version served, and the incidents that name it."""

    served: bool
    evidence: list[str] = field(default_factory=list)
    since: str | None = None
    until: str | None = None
    incidents: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "served": self.served,
            "evidence": list(self.evidence),
            "since": self.since,
            "until": self.until,
            "incidents": list(self.incidents),
        }


def model_name(model: str) -> tuple[str, str]:
    """(`recsys`, `7`) from `model:recsys/7`."""
    parsed = parse_ref(model)
    if parsed.kind is not NodeKind.MODEL:
        raise RefError(f"{model} is not a model version", hint="give a ref like model:recsys/7")
    name, _, version = parsed.key.rpartition("/")
    return name, version


def _version_key(node: Node) -> tuple[int, str]:
    version = str(node.attrs.get("version") or node.ref.rsplit("/", 1)[1])
    return (int(version), version) if version.isdigit() else (-1, version)


def versions_of(store: LineageStore, name: str) -> list[Node]:
    """Every stored version of one registered model, newest (highest number) first."""
    return sorted(store.find(NodeKind.MODEL, name=name), key=_version_key, reverse=True)


def edges_touching(store: LineageStore, refs: Sequence[str]) -> list[Any]:
    out = []
    for start in range(0, len(refs), EDGE_BATCH):
        out += store.edges_of(list(refs[start : start + EDGE_BATCH]))
    return out


def ancestors_of(store: LineageStore, commit: str) -> set[str]:
    """The commit and every commit it descends from (git parent links stored in the graph)."""
    options = WalkOptions(edge_kinds=frozenset({EdgeKind.PARENT}), include_history=True)
    return upstream(store, [commit], options).refs() | {commit}


def configs_at(store: LineageStore, ancestors: set[str]) -> list[str]:
    """The version of each config file at a commit: the newest one introduced by an ancestor."""
    if not ancestors:
        return []
    configs = store.find(NodeKind.CONFIG)
    by_ref = {node.ref: node for node in configs}
    best: dict[str, Node] = {}
    for edge in edges_touching(store, sorted(by_ref)):
        if edge.kind is not EdgeKind.INTRODUCED or edge.src not in ancestors:
            continue
        node = by_ref.get(edge.dst)
        if node is None:
            continue
        held = best.get(node.name)
        if held is None or (node.at and held.at and node.at > held.at):
            best[node.name] = node
    return sorted(node.ref for node in best.values())


def version_lineage(store: LineageStore, model: str) -> VersionLineage:
    """The run, commit, datasets (with how the run used each), configs and metrics of a version,
    with what it carries: its whole upstream and its commit's git ancestors."""
    name, version = model_name(model)
    lineage = VersionLineage(model, name, version)
    lineage.upstream = upstream(store, [model]).refs() - {model}
    made = next(iter(version_lineages(store, [model])), None)
    if made is not None:
        run_id = made.attrs.run_id
        lineage.run = made.run.ref if made.run else (f"run:{run_id}" if run_id else None)
        lineage.metrics = made.metrics
        lineage.datasets = sorted(
            (
                DatasetUse(use.dataset.ref, use.dataset.name, (use.context or "training").lower())
                for use in made.inputs
            ),
            key=lambda use: (use.name, use.ref),
        )
        lineage.configs = [config.ref for config in made.configs]
        lineage.commit = made.commit.ref if made.commit else None
    if lineage.commit:
        lineage.ancestors = ancestors_of(store, lineage.commit)
        direct = {parse_ref(ref).name for ref in lineage.configs}
        lineage.configs += [
            ref for ref in configs_at(store, lineage.ancestors) if parse_ref(ref).name not in direct
        ]
    lineage.configs = sorted(set(lineage.configs))
    return lineage


def _incidents_naming(store: LineageStore, refs: Iterable[str]) -> list[str]:
    refs = set(refs)
    found = {
        edge.dst
        for edge in edges_touching(store, sorted(refs))
        if edge.kind is EdgeKind.AFFECTED and edge.src in refs
    }
    for incident in store.find(NodeKind.INCIDENT):
        if refs & set(incident.attrs.get("affects") or []):
            found.add(incident.ref)
    return sorted(found)


def service_record(store: LineageStore, model: Node, was_champion: bool = False) -> ServiceRecord:
    """How we know `model` served (deployments, promotion tag, previous champion), and when."""
    record = ServiceRecord(served=False)
    deploy_nodes = store.get_many(
        sorted(
            edge.dst
            for edge in store.edges_of([model.ref])
            if edge.src == model.ref and edge.kind is EdgeKind.DEPLOYED
        )
    )
    record.evidence += [f"deployment {deploy.ref}" for deploy in deploy_nodes]
    starts = [deploy.at for deploy in deploy_nodes if deploy.at is not None]
    tags = model.attrs.get("tags") or {}
    if tags.get("promoted_at"):
        by = f" by {tags['promoted_by']}" if tags.get("promoted_by") else ""
        record.evidence.append(f"promoted at {tags['promoted_at']}{by} (registry tag)")
        starts += [moment for moment in [_promoted_at(model)] if moment is not None]
    if was_champion:
        record.evidence.append("the champion before the bad version (root-cause comparison)")
    record.served = bool(record.evidence)
    record.since = min(starts).isoformat() if starts else None
    record.incidents = _incidents_naming(store, [model.ref, *(d.ref for d in deploy_nodes)])
    return record


def _promoted_at(node: Node) -> datetime | None:
    text = (node.attrs.get("tags") or {}).get("promoted_at")
    try:
        return parse_time(text) if isinstance(text, str) else None
    except ValueError:
        return None


def served_until(model: Node, versions: Sequence[Node]) -> str | None:
    """When the next promotion of the same model replaced it (the earliest later promotion)."""
    since = _promoted_at(model)
    if since is None:
        return None
    later = [
        moment
        for other in versions
        if other.ref != model.ref and (moment := _promoted_at(other)) is not None and moment > since
    ]
    return min(later).isoformat() if later else None
