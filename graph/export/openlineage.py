"""OpenLineage RunEvents for the upstream lineage of some nodes, so other tools can read it.

One event per run upstream of the given refs (a run given itself included), with its job, all its
inputs and outputs, its parent (ParentRunFacet) and, when its code commit is known, a
sourceCodeLocation facet. Runs that came from OpenLineage keep their own ids, jobs and facets;
others (MLflow, DVC) are described from their attributes:

- `runId`: the run id when it is a UUID; a 32-hex id (MLflow) as that UUID; otherwise a UUID5 of
  the ref, and the ref itself in an `agentops` run facet.
- `eventType`: the OpenLineage state; MLflow statuses map FINISHED → COMPLETE, FAILED → FAIL,
  KILLED → ABORT, RUNNING → RUNNING, SCHEDULED → START; anything else is OTHER.
- datasets: OpenLineage namespace and name when known (a file OpenLineage named and the link
  step folded into its content: the name in its `openlineage` alias), else namespace `file`
  and the dataset's path (or namespace = its source and name = its graph name), with a
  DatasetVersion facet holding the ref's version and a SchemaDatasetFacet when a column list is
  stored.

A job node from a JobEvent (`run:job:…`) is exported as a JobEvent. Stub runs (known only as
someone's parent) are not events of their own: the child's parent facet names them.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graph.attributes import DataEdgeAttrs, DatasetAttrs, RunAttrs
from graph.ingest.openlineage.events import RUN_STATES, is_uuid
from graph.ingest.openlineage.files import split_identity
from graph.model import Edge, Node
from graph.refs import EdgeKind, NodeKind

if TYPE_CHECKING:
    from graph.store import LineageStore

SPEC = "https://openlineage.io/spec/2-0-2/OpenLineage.json"
PRODUCER = "https://pypi.org/project/agentops/"
FACET_SCHEMAS = {
    "parent": "https://openlineage.io/spec/facets/1-1-0/ParentRunFacet.json",
    "sourceCodeLocation": "https://openlineage.io/spec/facets/1-1-0/SourceCodeLocationJobFacet.json",
    "version": "https://openlineage.io/spec/facets/1-0-1/DatasetVersionDatasetFacet.json",
    "schema": "https://openlineage.io/spec/facets/1-1-0/SchemaDatasetFacet.json",
    "agentops": f"{SPEC}#/$defs/RunFacet",
}
_MLFLOW_STATES = {
    "FINISHED": "COMPLETE",
    "FAILED": "FAIL",
    "KILLED": "ABORT",
    "RUNNING": "RUNNING",
    "SCHEDULED": "START",
}
_HEX32 = re.compile(r"^[0-9a-fA-F]{32}$")
_HEX_SHA = re.compile(r"^[0-9a-fA-F]{7,40}$")
_REF_NAMESPACE = uuid.UUID("6f1c2a1e-5d0b-4c56-9a57-0b7a8f3d2c10")


def export_openlineage(
    store: LineageStore, refs: Sequence[str], producer: str = PRODUCER
) -> list[dict[str, Any]]:
    """RunEvents (and JobEvents) for every run upstream of `refs`, oldest first."""
    from graph.queries import WalkOptions, upstream

    roots = [store.resolve(ref) for ref in refs]
    walk = upstream(store, roots, WalkOptions())
    run_refs = sorted(node.ref for node in walk.nodes if node.kind is NodeKind.RUN)
    runs = [node for node in store.get_many(run_refs) if not RunAttrs(node).is_stub]
    edges = store.edges_of([run.ref for run in runs])
    linked = {ref for edge in edges for ref in (edge.src, edge.dst)}
    neighbours = {node.ref: node for node in store.get_many(sorted(linked))}
    exporter = _Exporter(producer, neighbours, edges)
    events = [exporter.event(run) for run in runs]
    return sorted(
        events,
        key=lambda event: (
            event["eventTime"],
            event.get("run", {}).get("runId", ""),
            event["job"]["name"],
        ),
    )


def _time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def export_run_id(run: Node) -> str:
    """A UUID for a run: its own when it has one, else derived from its id or ref."""
    key = run.ref.split(":", 1)[1]
    if is_uuid(key):
        return key
    if _HEX32.match(key):
        return str(uuid.UUID(hex=key))
    return str(uuid.uuid5(_REF_NAMESPACE, run.ref))


def _state(run: RunAttrs) -> str:
    if run.state in RUN_STATES:
        return run.state
    return _MLFLOW_STATES.get(run.status.upper(), "OTHER") if run.status else "OTHER"


class _Exporter:
    def __init__(self, producer: str, nodes: dict[str, Node], edges: list[Edge]) -> None:
        self.producer = producer
        self.nodes = nodes
        self.edges = edges

    def _facet(self, key: str, body: dict[str, Any]) -> dict[str, Any]:
        return {"_producer": self.producer, "_schemaURL": FACET_SCHEMAS[key], **body}

    def event(self, run: Node) -> dict[str, Any]:
        view = RunAttrs(run)
        inputs = [e for e in self.edges if e.dst == run.ref and e.kind is EdgeKind.INPUT]
        outputs = [e for e in self.edges if e.src == run.ref and e.kind is EdgeKind.OUTPUT]
        event: dict[str, Any] = {}
        is_job = view.is_job and run.ref.startswith("run:job:")
        if not is_job:
            event["eventType"] = _state(view)
        event["eventTime"] = _time(self._event_time(run))
        event["producer"] = self.producer
        event["schemaURL"] = f"{SPEC}#/$defs/{'JobEvent' if is_job else 'RunEvent'}"
        if not is_job:
            event["run"] = {"runId": export_run_id(run), "facets": self._run_facets(run)}
        event["job"] = self._job(run)
        event["inputs"] = [
            self._dataset(e.src, e, "inputFacets") for e in inputs if e.src in self.nodes
        ]
        event["outputs"] = [
            self._dataset(e.dst, e, "outputFacets") for e in outputs if e.dst in self.nodes
        ]
        return event

    def _event_time(self, run: Node) -> datetime:
        view = RunAttrs(run)
        return (
            view.ended_at
            or view.last_event_at
            or view.started_at
            or run.source_time
            or run.first_seen
            or datetime.now(UTC)
        )

    def _run_facets(self, run: Node) -> dict[str, Any]:
        facets = {k: v for k, v in RunAttrs(run).run_facets.items() if isinstance(v, dict)}
        if "parent" not in facets:
            parents = [
                e.src
                for e in self.edges
                if e.dst == run.ref and e.kind is EdgeKind.PARENT_RUN and e.src in self.nodes
            ]
            if parents:
                parent = self.nodes[parents[0]]
                facets["parent"] = self._facet(
                    "parent", {"run": {"runId": export_run_id(parent)}, "job": self._job_id(parent)}
                )
        if export_run_id(run) != run.ref.split(":", 1)[1]:
            facets["agentops"] = self._facet("agentops", {"ref": run.ref})
        return facets

    def _job_id(self, run: Node) -> dict[str, str]:
        view = RunAttrs(run)
        if view.job_name:
            return {"namespace": str(view.job.get("namespace", "default")), "name": view.job_name}
        attrs = run.attrs
        namespace = view.source or "agentops"
        for key in ("stage", "experiment_name", "experiment", "run_name"):
            if isinstance(attrs.get(key), str) and attrs[key]:
                return {"namespace": namespace, "name": attrs[key]}
        return {"namespace": namespace, "name": run.ref.split(":", 1)[1]}

    def _job(self, run: Node) -> dict[str, Any]:
        facets = {
            k: v
            for k, v in RunAttrs(run).job_facets.items()
            if isinstance(v, dict) and not v.get("_deleted")
        }
        commit = self._commit(run)
        if commit and "sourceCodeLocation" not in facets:
            facets["sourceCodeLocation"] = self._facet(
                "sourceCodeLocation",
                {"type": "git", "url": self._code_url(run, commit), "version": commit},
            )
        return {**self._job_id(run), "facets": facets}

    def _commit(self, run: Node) -> str | None:
        linked = [
            e.src.split(":", 1)[1]
            for e in self.edges
            if e.dst == run.ref and e.kind is EdgeKind.CODE_OF
        ]
        sha = linked[0] if linked else RunAttrs(run).git_commit
        return sha.lower() if sha and _HEX_SHA.match(sha) else None

    @staticmethod
    def _code_url(run: Node, sha: str) -> str:
        for key in ("repo_url", "repo"):
            value = run.attrs.get(key)
            if isinstance(value, str) and value:
                return Path(value).as_uri() if value.startswith("/") else value
        return f"urn:git:commit:{sha}"

    def _dataset(self, ref: str, edge: Edge, side_key: str) -> dict[str, Any]:
        node = self.nodes[ref]
        view = DatasetAttrs(node)
        dataset: dict[str, Any]
        if view.source == "openlineage" and view.dataset_name:
            dataset = {"namespace": view.namespace or "", "name": view.dataset_name}
            facets = {
                k: v
                for k, v in view.facets.items()
                if isinstance(v, dict) and not v.get("_deleted")
            }
        else:
            dataset = self._foreign_dataset(node)
            facets = self._foreign_facets(node)
        dataset["facets"] = facets
        side = {k: v for k, v in DataEdgeAttrs(edge.attrs).facets.items() if isinstance(v, dict)}
        if side:
            dataset[side_key] = side
        return dataset

    @staticmethod
    def _foreign_dataset(node: Node) -> dict[str, Any]:
        view = DatasetAttrs(node)
        named = view.aliases.get("openlineage")
        if named:  # a file OpenLineage named, folded into its content: the name it gave
            namespace, name = split_identity(named[0])
            return {"namespace": namespace, "name": name}
        if view.path:
            return {"namespace": "file", "name": view.path}
        return {"namespace": view.source or "agentops", "name": node.name}

    def _foreign_facets(self, node: Node) -> dict[str, Any]:
        facets = {
            "version": self._facet("version", {"datasetVersion": node.ref.rsplit("@", 1)[-1]})
        }
        columns = [
            {"name": name, **({"type": kind} if kind else {})}
            for name, kind in DatasetAttrs(node).schema.items()
        ]
        if columns:
            facets["schema"] = self._facet("schema", {"fields": columns})
        return facets
