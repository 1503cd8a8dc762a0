"""Which model version is bad, which one was last good, and what each was made from.

BAD may be a model version, a deployment or an incident. GOOD, when not given, is the newest
version of the same model that served (a deployment seen, a `promoted_at` tag, or an alias)
before BAD was promoted and that no incident points at; failing that, the newest earlier
version that no incident points at.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from graph.errors import RefError
from graph.model import Edge, Node, parse_time
from graph.refs import EdgeKind, NodeKind
from graph.store import LineageStore

PROMOTION_TAGS = ("promoted_at", "promotion_time", "deployed_at")


@dataclass(slots=True)
class Version:
    """One model version with what it was made from."""

    model: Node
    run: Node | None
    inputs: list[tuple[Node, dict[str, Any]]] = field(default_factory=list)  # (dataset, edge attrs)
    deployments: list[Node] = field(default_factory=list)
    incidents: list[str] = field(default_factory=list)

    @property
    def ref(self) -> str:
        return self.model.ref

    @property
    def number(self) -> float:
        """The version number, for ordering (non-numeric versions sort first)."""
        key = self.model.ref.rsplit("/", 1)[-1]
        return float(key) if key.replace(".", "", 1).isdigit() else float("-inf")

    @property
    def served(self) -> bool:
        tags = self.model.attrs.get("tags") or {}
        aliases = self.model.attrs.get("aliases") or []
        return bool(self.deployments or aliases or any(tag in tags for tag in PROMOTION_TAGS))

    @property
    def promoted_at(self) -> datetime | None:
        """When it started serving: a promotion tag, else its first deployment seen."""
        tags = self.model.attrs.get("tags") or {}
        for tag in PROMOTION_TAGS:
            if isinstance(tags.get(tag), str):
                try:
                    return parse_time(tags[tag])
                except ValueError:
                    continue
        times = [d.source_time for d in self.deployments if d.source_time]
        return min(times) if times else None

    @property
    def trained_at(self) -> datetime | None:
        if self.run and isinstance(self.run.attrs.get("start_time"), str):
            return parse_time(self.run.attrs["start_time"])
        return self.model.source_time


def _edges(store: LineageStore, ref: str) -> list[Edge]:
    return store.edges_of([ref])


def load_version(store: LineageStore, model_ref: str) -> Version:
    model = store.get(model_ref)
    if model is None or model.kind is not NodeKind.MODEL:
        raise RefError(f"{model_ref} is not a model version in the graph")
    edges = _edges(store, model_ref)
    runs = [e.src for e in edges if e.dst == model_ref and e.kind is EdgeKind.PRODUCED]
    run = store.get(runs[0]) if runs else None
    deployments = store.get_many(
        [e.dst for e in edges if e.src == model_ref and e.kind is EdgeKind.DEPLOYED]
    )
    incidents = [e.dst for e in edges if e.src == model_ref and e.kind is EdgeKind.AFFECTED]
    for deployment in deployments:
        incidents += [
            e.dst
            for e in _edges(store, deployment.ref)
            if e.src == deployment.ref and e.kind is EdgeKind.AFFECTED
        ]
    inputs: list[tuple[Node, dict[str, Any]]] = []
    if run is not None:
        input_edges = [e for e in _edges(store, run.ref) if e.dst == run.ref]
        datasets = {n.ref: n for n in store.get_many([e.src for e in input_edges])}
        inputs = [
            (datasets[e.src], e.attrs)
            for e in input_edges
            if e.kind is EdgeKind.INPUT and e.src in datasets
        ]
    return Version(model, run, inputs, deployments, sorted(set(incidents)))


def bad_target(store: LineageStore, ref: str) -> tuple[str, str | None]:
    """The model version BAD names, and the incident when BAD is one."""
    node = store.get(ref)
    if node is None:
        raise RefError(f"no node {ref}")
    if node.kind is NodeKind.MODEL:
        return node.ref, None
    edges = _edges(store, ref)
    if node.kind is NodeKind.DEPLOYMENT:
        models = [e.src for e in edges if e.dst == ref and e.kind is EdgeKind.DEPLOYED]
        if models:
            return models[0], None
    if node.kind is NodeKind.INCIDENT:
        affected = store.get_many([e.src for e in edges if e.dst == ref])
        models = [n.ref for n in affected if n.kind is NodeKind.MODEL]
        for deployment in (n for n in affected if n.kind is NodeKind.DEPLOYMENT):
            models += [
                e.src
                for e in _edges(store, deployment.ref)
                if e.dst == deployment.ref and e.kind is EdgeKind.DEPLOYED
            ]
        if models:
            return sorted(set(models))[-1], node.ref
        raise RefError(
            f"{ref} affects no model version in the graph",
            hint="ingest the registry (agentops sync) or give the model: agentops why MODEL",
        )
    raise RefError(
        f"{ref} is a {node.kind.value}; `why` starts from a model version, deployment or incident",
        hint="give the bad model version, e.g. recsys/7, or the incident id",
    )


def find_good(store: LineageStore, bad: Version, as_of: datetime | None = None) -> Version | None:
    """The last version that served without trouble before BAD (see module docstring)."""
    name = bad.model.name
    others = [
        load_version(store, node.ref)
        for node in store.find(NodeKind.MODEL, name)
        if node.ref != bad.ref and (as_of is None or (node.at and node.at <= as_of))
    ]
    healthy = [v for v in others if not v.incidents]
    cutoff = bad.promoted_at or bad.trained_at
    served = [
        v
        for v in healthy
        if v.served and v.promoted_at and (cutoff is None or v.promoted_at < cutoff)
    ]
    if served:
        return max(served, key=lambda v: (v.promoted_at, v.number))
    earlier = [v for v in healthy if v.number < bad.number]
    return max(earlier, key=lambda v: v.number) if earlier else None
