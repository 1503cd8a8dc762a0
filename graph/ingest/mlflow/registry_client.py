"""Moving a model alias in the MLflow registry, and recording the move the way the ingest does.

For whoever changes the registry on purpose (agentops' `rollback apply`): read where an alias
points, move it, and write the move to the lineage graph as a deployment node
`deploy:<model>/<alias>@<time>` with a model→deployment `deployed` edge (and a `previous` edge
from the deployment it replaces). The ingest's saved view of the aliases (its store state per
tracking URI, private to this package) is brought up to date too, so the next
`ingest mlflow` does not record the same move a second time.

`import mlflow` happens inside `open_registry`, never at import.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from graph.ingest.mlflow import state_namespace
from graph.ingest.mlflow.client import connect, masked_uri, resolve_tracking_uri
from graph.ingest.mlflow.registry import iso_ms, pointer_key
from graph.model import Edge, Node
from graph.refs import EdgeKind, NodeKind, deployment_ref, model_ref

if TYPE_CHECKING:
    from mlflow import MlflowClient

    from graph.store import LineageStore

__all__ = [
    "ModelRegistry",
    "masked_uri",
    "move_deployment_ref",
    "open_registry",
    "record_alias_move",
    "resolve_tracking_uri",
]


class ModelRegistry:
    """The alias operations of one MLflow registry; SDK errors arrive as IngestError."""

    def __init__(self, client: MlflowClient) -> None:
        self._client = client

    def check_version(self, model: str, version: str) -> None:
        """Raise unless `version` of `model` is registered."""
        self._client.get_model_version(model, version)

    def alias_target(self, model: str, alias: str) -> str | None:
        """The version `alias` of `model` points at now, or None."""
        aliases = self._client.get_registered_model(model).aliases or {}
        version = aliases.get(alias)
        return str(version) if version is not None else None

    def move_alias(self, model: str, alias: str, version: str) -> str | None:
        """Point `alias` at `version`; returns where the registry says it points afterwards."""
        self._client.set_registered_model_alias(model, alias, version)
        return self.alias_target(model, alias)


@contextmanager
def open_registry(tracking_uri: str) -> Iterator[ModelRegistry]:
    with connect(tracking_uri) as client:
        yield ModelRegistry(client)


def move_deployment_ref(model: str, alias: str, moved_at: datetime) -> str:
    """The deployment ref of a move (millisecond UTC time, as the ingest names them)."""
    return deployment_ref(model, alias, iso_ms(moved_at))


def record_alias_move(
    store: LineageStore,
    *,
    model: str,
    alias: str,
    from_version: str | None,
    to_version: str,
    moved_at: datetime,
    tracking_uri: str,
    attrs: Mapping[str, Any],
) -> str:
    """Write the move's deployment node (the standard attributes plus `attrs`), its edges and
    the two versions' new alias lists in one transaction, then update the ingest's view of
    the alias. Returns the deployment ref; a failed write raises StoreError."""
    ref = move_deployment_ref(model, alias, moved_at)
    target = model_ref(model, to_version)
    node_attrs = {
        "model": model,
        "alias": alias,
        "kind": "alias",
        "version": to_version,
        "model_ref": target,
        "from_version": from_version,
        "to_version": to_version,
        "previous_version": from_version,
        "moved_at": iso_ms(moved_at),
        "tracking_uri": masked_uri(tracking_uri),
        **attrs,
    }
    edges = [Edge(target, ref, EdgeKind.DEPLOYED, {"alias": alias}, moved_at)]
    previous = store.find(NodeKind.DEPLOYMENT, name=f"{model}/{alias}")
    if previous:
        edges.append(Edge(previous[-1].ref, ref, EdgeKind.PREVIOUS, {}, moved_at))
    nodes = [Node.make(ref, node_attrs, moved_at)]
    for version in dict.fromkeys(filter(None, (from_version, to_version))):
        node = store.get(model_ref(model, version))
        if node is None:
            continue
        aliases = set(node.attrs.get("aliases") or []) - {alias}
        if version == to_version:
            aliases.add(alias)
        node.attrs["aliases"] = sorted(aliases)
        nodes.append(node)
    store.upsert(nodes, edges)
    _update_ingest_view(store, model, alias, to_version, ref, moved_at, tracking_uri)
    return ref


def _update_ingest_view(
    store: LineageStore,
    model: str,
    alias: str,
    version: str,
    ref: str,
    moved_at: datetime,
    uri: str,
) -> None:
    """Tell the MLflow ingest that this move is already recorded. Its state keeps, per tracking
    URI and alias, the version it last saw and the deployment node it wrote; the URI it used is
    the one moved in, or the one it recorded on the model version."""
    node = store.get(model_ref(model, version))
    recorded = node.attrs.get("tracking_uri") if node else None
    seen = iso_ms(moved_at)
    for candidate in dict.fromkeys(u for u in (uri, recorded) if isinstance(u, str)):
        namespace = state_namespace(candidate)
        pointers = dict(store.get_state(namespace, ["pointers"]).get("pointers") or {})
        if not pointers:
            continue  # that URI was never ingested: nothing to keep in step
        pointers[pointer_key(model, alias)] = {
            "version": version,
            "deploy": ref,
            "seen_at": seen,
            "last_seen_at": seen,
        }
        store.put_state(namespace, {"pointers": pointers})
