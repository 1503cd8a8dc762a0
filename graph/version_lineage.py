"""A model version and what surrounds it: its run, the data and configs the run read, the code
commit, the deployments and the incidents — read for many versions at once.

Root cause, the checklist, the rollback plan and the postmortem all start from this. It is
read in two hops out from the versions, each hop one `edges_of` and one `get_many` for every
version together, so loading all versions of a model costs five statements whatever the size
of the graph or the number of versions (a node-by-node read cost ~6 per version).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from graph.attributes import ModelVersionAttrs, RunAttrs
from graph.model import Node
from graph.refs import EdgeKind, NodeKind, commit_ref

if TYPE_CHECKING:
    from graph.model import Edge
    from graph.store import LineageStore


class DatasetInput(NamedTuple):
    """A dataset version a run read, with the input edge's attributes (its `context`)."""

    dataset: Node
    attrs: dict[str, Any]

    @property
    def context(self) -> str:
        """How the run used it, as logged (training, eval, serving, …); "" if unsaid."""
        return str(self.attrs.get("context") or "")


@dataclass(frozen=True, slots=True)
class ModelVersionLineage:
    """One model version with what it was made from and where it went."""

    model: Node
    run: Node | None  # the run that produced it (the first by ref if several claim it)
    inputs: tuple[DatasetInput, ...] = ()  # in dataset ref order
    configs: tuple[Node, ...] = ()  # config versions the run consumed (its config_of edges)
    commit: Node | None = None  # the run's code: its code_of edge, else its stored git_commit
    deployments: tuple[Node, ...] = ()  # in ref order
    incidents: tuple[str, ...] = ()  # affecting the version or one of its deployments, sorted

    @property
    def ref(self) -> str:
        return self.model.ref

    @property
    def attrs(self) -> ModelVersionAttrs:
        return ModelVersionAttrs(self.model)

    @property
    def run_attrs(self) -> RunAttrs | None:
        return RunAttrs(self.run) if self.run is not None else None

    @property
    def metrics(self) -> dict[str, float]:
        """The run's metrics (empty without a run)."""
        return self.run_attrs.metrics if self.run_attrs else {}

    @property
    def params(self) -> dict[str, Any]:
        return self.run_attrs.params if self.run_attrs else {}

    @property
    def number(self) -> float:
        return version_number(self.model.ref)

    @property
    def trained_at(self) -> datetime | None:
        """When its run started, else when the version was registered."""
        started = self.run_attrs.start_time if self.run_attrs else None
        return started or self.model.source_time


def version_number(model_ref: str) -> float:
    """A model version's number, for ordering (non-numeric versions sort first)."""
    key = model_ref.rsplit("/", 1)[-1]
    return float(key) if key.replace(".", "", 1).isdigit() else float("-inf")


def version_lineages(store: LineageStore, refs: Sequence[str]) -> list[ModelVersionLineage]:
    """The lineage of each model version among `refs`, in the order given (others skipped)."""
    models = [node for node in store.get_many(list(refs)) if node.kind is NodeKind.MODEL]
    return _around(store, models)


def model_versions(store: LineageStore, name: str) -> list[ModelVersionLineage]:
    """The lineage of every stored version of the registered model `name`, oldest first."""
    return _around(store, store.find(NodeKind.MODEL, name))


def _around(store: LineageStore, models: list[Node]) -> list[ModelVersionLineage]:
    """Two hops out from `models`: their runs and deployments (and what those touch), then
    the datasets, configs and commits the runs were made from."""
    if not models:
        return []
    refs = [model.ref for model in models]
    first = store.edges_of(refs)
    runs: dict[str, list[str]] = {ref: [] for ref in refs}
    deployed: dict[str, list[str]] = {ref: [] for ref in refs}
    for edge in first:
        if edge.kind is EdgeKind.PRODUCED and edge.dst in runs:
            runs[edge.dst].append(edge.src)
        elif edge.kind is EdgeKind.DEPLOYED and edge.src in deployed:
            deployed[edge.src].append(edge.dst)
    near = sorted({ref for found in (*runs.values(), *deployed.values()) for ref in found})
    near_nodes = {node.ref: node for node in store.get_many(near)}
    second = store.edges_of(near) if near else []
    into: dict[str, list[Edge]] = {}
    out_of: dict[str, list[Edge]] = {}
    for edge in {(e.src, e.dst, e.kind): e for e in (*first, *second)}.values():
        into.setdefault(edge.dst, []).append(edge)
        out_of.setdefault(edge.src, []).append(edge)
    run_nodes = [near_nodes[ref] for found in runs.values() for ref in found if ref in near_nodes]
    far = sorted(
        {
            edge.src
            for run in run_nodes
            for edge in into.get(run.ref, ())
            if edge.kind in (EdgeKind.INPUT, EdgeKind.CONFIG_OF, EdgeKind.CODE_OF)
        }
        | {commit_ref(sha.lower()) for run in run_nodes if (sha := RunAttrs(run).git_commit)}
    )
    far_nodes = {node.ref: node for node in store.get_many(far)} if far else {}
    out = []
    for model in models:
        run = next((near_nodes[r] for r in runs[model.ref] if r in near_nodes), None)
        deployments = tuple(near_nodes[d] for d in deployed[model.ref] if d in near_nodes)
        incidents = {
            edge.dst
            for ref in (model.ref, *(d.ref for d in deployments))
            for edge in out_of.get(ref, ())
            if edge.kind is EdgeKind.AFFECTED
        }
        out.append(
            ModelVersionLineage(
                model,
                run,
                *_made_from(run, into, far_nodes),
                deployments=deployments,
                incidents=tuple(sorted(incidents)),
            )
        )
    return out


def _made_from(
    run: Node | None, into: dict[str, list[Edge]], nodes: dict[str, Node]
) -> tuple[tuple[DatasetInput, ...], tuple[Node, ...], Node | None]:
    """The run's inputs, configs and code commit."""
    if run is None:
        return (), (), None
    edges = into.get(run.ref, [])
    inputs = tuple(
        DatasetInput(nodes[e.src], e.attrs)
        for e in edges
        if e.kind is EdgeKind.INPUT and e.src in nodes
    )
    configs = tuple(nodes[e.src] for e in edges if e.kind is EdgeKind.CONFIG_OF and e.src in nodes)
    sha = RunAttrs(run).git_commit
    code = [e.src for e in edges if e.kind is EdgeKind.CODE_OF]
    code += [commit_ref(sha.lower())] if sha else []
    commit = next((nodes[ref] for ref in code if ref in nodes), None)
    return inputs, configs, commit
