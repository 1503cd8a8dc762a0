"""The MLflow model registry → model version nodes, and alias/stage moves → deployment nodes.

Model versions are read newest-update first (`order_by last_updated_timestamp DESC`) and the
read stops at the previous ingest's watermark, so an unchanged registry costs one page.

MLflow keeps no history of aliases (`champion` → 7): setting one changes no timestamp. So each
ingest reads every registered model's aliases (and, for the legacy stages, the latest version
in each stage), compares them with what the previous ingest saw (store state), and turns every
move into a new deployment node `deploy:<model>/<alias>@<time>` with a model→deployment edge
and a `previous` edge from the deployment it replaced. Nothing is ever removed, so the graph
keeps every move it has seen. When a move happened is only known to lie between the previous
ingest and this one: the time is the version's last update when that falls in the window (the
usual register-then-promote), else the time this ingest saw it (`time_basis` says which).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from graph.ingest.mlflow.client import paged
from graph.ingest.mlflow.datasets import millis_to_time
from graph.ingest.mlflow.environment import runtime_environment
from graph.model import Edge, Node
from graph.refs import EdgeKind, NodeKind, deployment_ref, model_ref, run_ref

if TYPE_CHECKING:
    from mlflow import MlflowClient

    from graph.store import LineageStore

PAGE_SIZE = 1000
_INACTIVE_STAGES = ("", "None", "Archived")


@dataclass(slots=True)
class RegistryChanges:
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    versions: int = 0
    moves: list[str] = field(default_factory=list)
    pointers: dict[str, Any] = field(default_factory=dict)  # the state to save
    versions_updated_ms: int = 0


def pointer_key(model: str, pointer: str) -> str:
    """The state key of one alias or stage of one model (JSON: safe in any database)."""
    return json.dumps([model, pointer])


def iso_ms(moment: datetime) -> str:
    """`2026-11-20T03:00:00.123Z`: millisecond UTC, the resolution MLflow itself keeps."""
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def read_registry(
    client: MlflowClient,
    store: LineageStore,
    *,
    tracking_uri: str,
    since_ms: int | None,
    pointers: dict[str, Any],
    now: datetime,
) -> RegistryChanges:
    """Model versions updated since `since_ms` (all if None) and every alias move since the
    last ingest (`pointers`: its saved view, keyed by `pointer_key`)."""
    changes = RegistryChanges(versions_updated_ms=since_ms or 0)
    registered = [
        model
        for page in paged(
            lambda token: client.search_registered_models(max_results=PAGE_SIZE, page_token=token)
        )
        for model in page
    ]
    current = _pointers(registered)
    for version in _updated_versions(client, since_ms):
        node = _version_node(client, version, tracking_uri, current)
        changes.nodes[node.ref] = node
        changes.versions += 1
        changes.versions_updated_ms = max(
            changes.versions_updated_ms, int(version.last_updated_timestamp or 0)
        )
    _record_moves(client, store, changes, current, pointers, tracking_uri, now)
    return changes


def _pointers(registered: list[Any]) -> dict[str, dict[str, Any]]:
    """(model, alias or stage) → {model, name, version, kind} as the registry says now."""
    found: dict[str, dict[str, Any]] = {}
    for model in registered:
        for alias, version in (model.aliases or {}).items():
            found[pointer_key(model.name, alias)] = {
                "model": model.name,
                "name": alias,
                "version": str(version),
                "kind": "alias",
            }
        for latest in model.latest_versions or []:
            stage = latest.current_stage or ""
            if stage not in _INACTIVE_STAGES:
                found[pointer_key(model.name, stage)] = {
                    "model": model.name,
                    "name": stage,
                    "version": str(latest.version),
                    "kind": "stage",
                }
    return found


def _updated_versions(client: MlflowClient, since_ms: int | None) -> list[Any]:
    out = []
    for page in paged(
        lambda token: client.search_model_versions(
            max_results=PAGE_SIZE,
            order_by=["last_updated_timestamp DESC"],
            page_token=token,
        )
    ):
        for version in page:
            if since_ms is not None and int(version.last_updated_timestamp or 0) < since_ms:
                return out
            out.append(version)
    return out


def _version_node(
    client: MlflowClient, version: Any, tracking_uri: str, current: dict[str, dict[str, Any]]
) -> Node:
    run_id = version.run_id or _logged_model_run(client, version)
    aliases = sorted(
        p["name"]
        for p in current.values()
        if p["model"] == version.name
        and p["version"] == str(version.version)
        and p["kind"] == "alias"
    )
    attrs = {
        "name": version.name,
        "version": str(version.version),
        "run_id": run_id or None,
        "source": version.source,
        "status": version.status,
        "stage": None if version.current_stage in _INACTIVE_STAGES[:2] else version.current_stage,
        "description": version.description or None,
        "tags": dict(version.tags or {}),
        "aliases": aliases,
        "model_id": getattr(version, "model_id", None),
        "created": _iso(version.creation_timestamp),
        "last_updated": _iso(version.last_updated_timestamp),
        "last_updated_ms": int(version.last_updated_timestamp or 0),
        "tracking_uri": tracking_uri,
        "origin": "mlflow",
        **runtime_environment(client, version, run_id),
    }
    ref = model_ref(version.name, version.version)
    return Node.make(ref, attrs, millis_to_time(version.creation_timestamp))


def _logged_model_run(client: MlflowClient, version: Any) -> str | None:
    """MLflow 3 versions registered from a logged model may carry only its id."""
    model_id = getattr(version, "model_id", None)
    if not model_id:
        return None
    logged = client.get_logged_model(model_id)
    return getattr(logged, "source_run_id", None)


def _iso(millis: int | None) -> str | None:
    moment = millis_to_time(millis)
    return iso_ms(moment) if moment else None


def _record_moves(
    client: MlflowClient,
    store: LineageStore,
    changes: RegistryChanges,
    current: dict[str, dict[str, Any]],
    seen: dict[str, Any],
    tracking_uri: str,
    now: datetime,
) -> None:
    seen_at = iso_ms(now)
    touched_versions: set[str] = set()
    for key, pointer in current.items():
        before = seen.get(key) or {}
        if before.get("version") == pointer["version"]:
            changes.pointers[key] = {**before, "last_seen_at": seen_at}
            continue
        target = model_ref(pointer["model"], pointer["version"])
        model = changes.nodes.get(target) or store.get(target)
        if model is None:
            model = _version_node(
                client,
                client.get_model_version(pointer["model"], pointer["version"]),
                tracking_uri,
                current,
            )
            changes.nodes[model.ref] = model
        updated_ms = int(model.attrs.get("last_updated_ms") or 0)
        window_start = before.get("last_seen_at") or before.get("seen_at")
        moved_at, basis = now, "seen"
        if updated_ms and (window_start is None or (_iso(updated_ms) or "") > window_start):
            moved_at, basis = millis_to_time(updated_ms) or now, "version_last_updated"
        ref = deployment_ref(pointer["model"], pointer["name"], iso_ms(moved_at))
        attrs = {
            "model": pointer["model"],
            "alias": pointer["name"],
            "kind": pointer["kind"],
            "version": pointer["version"],
            "model_ref": target,
            "previous_version": before.get("version"),
            "moved_at": iso_ms(moved_at),
            "time_basis": basis,
            "seen_at": seen_at,
            "moved_after": window_start,
            "tracking_uri": tracking_uri,
            "origin": "mlflow",
        }
        changes.nodes[ref] = Node.make(ref, attrs, moved_at)
        changes.edges.append(
            Edge(target, ref, EdgeKind.DEPLOYED, {"alias": pointer["name"]}, moved_at)
        )
        previous = before.get("deploy")
        if previous and (previous in changes.nodes or store.get(previous) is not None):
            changes.edges.append(Edge(previous, ref, EdgeKind.PREVIOUS, {}, moved_at))
        changes.pointers[key] = {
            "version": pointer["version"],
            "deploy": ref,
            "seen_at": seen_at,
            "last_seen_at": seen_at,
        }
        changes.moves.append(ref)
        touched_versions.update(
            {target, model_ref(pointer["model"], before["version"])}
            if before.get("version")
            else {target}
        )
    for key, before in seen.items():
        if key not in current:
            if before.get("version") is not None:
                touched_versions.add(model_ref(json.loads(key)[0], before["version"]))
            changes.pointers[key] = {
                **before,
                "version": None,
                "removed_seen_at": before.get("removed_seen_at") or seen_at,
                "last_seen_at": seen_at,
            }
    _refresh_aliases(store, changes, current, touched_versions)


def _refresh_aliases(
    store: LineageStore,
    changes: RegistryChanges,
    current: dict[str, dict[str, Any]],
    refs: set[str],
) -> None:
    """Model nodes whose alias list changed get the new list (no MLflow call needed)."""
    for ref in sorted(refs):
        node = changes.nodes.get(ref) or store.get(ref)
        if node is None:
            continue
        name, version = ref.split(":", 1)[1].rsplit("/", 1)
        aliases = sorted(
            p["name"]
            for p in current.values()
            if p["model"] == name and p["version"] == version and p["kind"] == "alias"
        )
        if node.attrs.get("aliases") != aliases:
            node.attrs["aliases"] = aliases
            changes.nodes[ref] = node


def link_models_to_runs(store: LineageStore) -> int:
    """Add run→model `produced` edges for model versions whose run is now in the graph.

    Done as a pass over the stored models (a registry is small) rather than when a version is
    read, so a version whose run arrives in a later ingest still gets linked.
    """
    models = [node for node in store.find(NodeKind.MODEL) if node.attrs.get("run_id")]
    if not models:
        return 0
    wanted = {model.ref: run_ref(str(model.attrs["run_id"])) for model in models}
    times = {model.ref: model.source_time for model in models}
    present = {node.ref for node in store.get_many(sorted(set(wanted.values())))}
    linked = {
        (edge.src, edge.dst)
        for edge in store.edges_of(sorted(wanted))
        if edge.kind is EdgeKind.PRODUCED
    }
    edges = [
        Edge(run, model, EdgeKind.PRODUCED, {}, times[model])
        for model, run in wanted.items()
        if run in present and (run, model) not in linked
    ]
    if edges:
        store.upsert(edges=edges)
    return len(edges)
