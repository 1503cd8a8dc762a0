"""Open, list, show and close incidents: the graph's record of "this model is hurting".

An incident is a node (`incident:<id>`) whose attributes are exactly its file's JSON
(docs/conventions.md, "Incident files"), with an `affected` edge from each model or deployment
it names. Opening one writes the file (when the project has a folder for them) and the node in
the same call, so the agent, `why` and `postmortem` see it at once and `agentops sync` later
reads back the same thing. Closing adds `closed_at` (and a `resolution`) to both.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agentops.analysis.incidents import files as files
from agentops.errors import IncidentError
from graph.attributes import DeploymentAttrs, IncidentAttrs
from graph.model import Edge, Node, utc_now
from graph.refs import EdgeKind, NodeKind, incident_ref
from graph.store import LineageStore

SEVERITY = re.compile(r"^SEV[0-5]$")
UPSTREAM_SHOWN = 20  # refs per kind in `show`; the counts are always complete

__all__ = [
    "Incident",
    "IncidentError",
    "IncidentView",
    "close_incident",
    "incident_node",
    "list_incidents",
    "open_incident",
    "open_incidents",
    "show_incident",
]


@dataclass(frozen=True, slots=True)
class Incident:
    """An incident node read as what it means."""

    ref: str
    id: str
    title: str
    severity: str | None
    opened_at: datetime | None
    closed_at: datetime | None
    resolution: str | None
    affects: list[str]
    symptom: dict[str, Any] | None
    summary: str | None

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @classmethod
    def from_node(cls, node: Node) -> Incident:
        incident = IncidentAttrs(node)
        return cls(
            ref=node.ref,
            id=incident.id or node.ref.split(":", 1)[1],
            title=incident.title,
            severity=incident.severity,
            opened_at=incident.opened_at or node.at,
            closed_at=incident.closed_at,
            resolution=incident.resolution,
            affects=incident.affects,
            symptom=incident.symptom or None,
            summary=incident.summary,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "id": self.id,
            "title": self.title,
            "severity": self.severity,
            "status": "open" if self.is_open else "closed",
            "opened_at": _iso(self.opened_at),
            "closed_at": _iso(self.closed_at),
            "resolution": self.resolution,
            "affects": list(self.affects),
            "symptom": self.symptom,
            "summary": self.summary,
        }


@dataclass(slots=True)
class IncidentView:
    """`show`: the incident, what it affects, and a summary of the lineage behind it."""

    node: Node
    incident: Incident
    affected: list[Node]
    upstream: dict[str, list[str]] = field(default_factory=dict)  # kind → refs, nearest first
    upstream_counts: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            **self.incident.to_json(),
            "affected": [{"ref": node.ref, "kind": node.kind.value} for node in self.affected],
            "upstream": {
                kind: {"count": self.upstream_counts[kind], "refs": refs}
                for kind, refs in self.upstream.items()
            },
        }


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment else None


def _utc(moment: datetime | None) -> datetime:
    if moment is None:
        return utc_now().replace(microsecond=0)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _affected_refs(store: LineageStore, model_ref: str) -> list[str]:
    """What the incident affects: a model version, or a deployment and the model it serves."""
    ref = store.resolve(model_ref)
    node = store.get(ref)
    if node is None or node.kind not in (NodeKind.MODEL, NodeKind.DEPLOYMENT):
        raise IncidentError(
            f"{ref} is not a model version or a deployment",
            hint="give the model version (recsys/7) or deployment the incident is about",
        )
    if node.kind is NodeKind.MODEL:
        return [ref]
    served = [
        edge.src
        for edge in store.edges_of([ref])
        if edge.dst == ref and edge.kind is EdgeKind.DEPLOYED
    ]
    named = DeploymentAttrs(node).model_ref
    if named and named not in served and store.get(named) is not None:
        served.append(named)
    return [ref, *sorted(set(served))]


def _symptom(
    metric: str | None, baseline: float | None, observed: float | None
) -> dict[str, Any] | None:
    if metric is None or not metric.strip():
        if baseline is not None or observed is not None:
            raise IncidentError(
                "a baseline or observed value needs the metric it measures",
                hint="add --metric NAME (e.g. --metric ndcg_at_10)",
            )
        return None
    return {"metric": metric.strip(), "baseline": baseline, "observed": observed}


def _severity(severity: str) -> str:
    text = severity.strip().upper()
    if not SEVERITY.match(text):
        raise IncidentError(
            f"severity {severity!r} is not SEV0 … SEV5", hint="SEV1 is the worst commonly used"
        )
    return text


def open_incident(
    store: LineageStore,
    model_ref: str,
    symptom_text: str,
    metric: str | None = None,
    baseline: float | None = None,
    observed: float | None = None,
    at: datetime | None = None,
    severity: str = "SEV2",
    incident_id: str | None = None,
    folder: Path | None = None,
) -> Node:
    """Record a new incident against a model version or deployment; returns its node.

    With `folder`, `<folder>/<id>.json` is written first (atomically, never over an existing
    file), then the node and its `affected` edges in one transaction; if that fails the file is
    removed again. Without an id, the next free `INC-<n>` of the graph and the folder is used.
    """
    text = symptom_text.strip()
    if not text:
        raise IncidentError("the symptom is empty", hint='say what is wrong: --symptom "NDCG fell"')
    affects = _affected_refs(store, model_ref)
    symptom = _symptom(metric, baseline, observed)
    level = _severity(severity)
    opened = _utc(at)
    taken = {node.ref.split(":", 1)[1] for node in store.find(NodeKind.INCIDENT)}
    if folder is not None:
        taken |= files.file_ids([folder])
    new_id = files.check_id(incident_id) if incident_id else files.next_id(taken)
    if new_id in taken:
        raise IncidentError(
            f"incident {new_id} already exists",
            hint="give another --id, or leave it out to get the next free one",
        )
    record: dict[str, Any] = {
        "id": new_id,
        "title": text.splitlines()[0].strip(),
        "opened_at": opened.isoformat(),
        "severity": level,
        "affects": affects,
        "summary": text,
    }
    if symptom is not None:
        record["symptom"] = symptom
    node = Node.make(incident_ref(new_id), record, opened)
    edges = [Edge(ref, node.ref, EdgeKind.AFFECTED, {}, opened) for ref in affects]
    path = files.write_new(folder, record) if folder is not None else None
    try:
        store.upsert([node], edges)
    except BaseException:
        if path is not None:
            path.unlink(missing_ok=True)
        raise
    return node


def incident_node(store: LineageStore, incident: str) -> Node:
    """The incident node for a ref or a bare id (INC-1042); IncidentError if it is not one."""
    text = incident.strip()
    ref = store.resolve(text if ":" in text else f"incident:{text}")
    node = store.get(ref)
    if node is None or node.kind is not NodeKind.INCIDENT:
        raise IncidentError(f"{ref} is not an incident", hint="`agentops incident list --all`")
    return node


def list_incidents(store: LineageStore, include_closed: bool = False) -> list[Incident]:
    """Incidents, newest opened first; only open ones unless `include_closed`."""
    found = [Incident.from_node(node) for node in store.find(NodeKind.INCIDENT)]
    oldest = datetime.min.replace(tzinfo=UTC)
    found.sort(key=lambda inc: (inc.opened_at or oldest, inc.ref), reverse=True)
    return [inc for inc in found if include_closed or inc.is_open]


def open_incidents(store: LineageStore) -> list[str]:
    """Refs of the incidents not closed yet, newest first (the agent's default subject)."""
    return [incident.ref for incident in list_incidents(store)]


def show_incident(store: LineageStore, incident: str) -> IncidentView:
    """The incident, the nodes it affects, and its upstream lineage grouped by kind."""
    from graph.queries import upstream

    node = incident_node(store, incident)
    affected_refs = sorted(
        {
            edge.src
            for edge in store.edges_of([node.ref])
            if edge.dst == node.ref and edge.kind is EdgeKind.AFFECTED
        }
    )
    view = IncidentView(node, Incident.from_node(node), store.get_many(affected_refs))
    for lineage_node in upstream(store, [node.ref]).nodes:
        if lineage_node.ref == node.ref:
            continue
        kind = lineage_node.kind.value
        view.upstream_counts[kind] = view.upstream_counts.get(kind, 0) + 1
        refs = view.upstream.setdefault(kind, [])
        if len(refs) < UPSTREAM_SHOWN:
            refs.append(lineage_node.ref)
    return view


def close_incident(
    store: LineageStore,
    incident: str,
    at: datetime | None = None,
    resolution: str | None = None,
    paths: Sequence[Path] = (),
) -> Incident:
    """Mark an open incident closed: `closed_at` (and `resolution`) in its file, if one of
    `paths` holds it, then in its node. A closed incident stays closed: closing it again is an
    error rather than a silent change of its history."""
    node = incident_node(store, incident)
    current = Incident.from_node(node)
    if not current.is_open:
        raise IncidentError(
            f"{node.ref} was already closed at {_iso(current.closed_at)}",
            hint="incidents are closed once; add to the postmortem instead",
        )
    closed = _utc(at)
    if current.opened_at is not None and closed < current.opened_at:
        raise IncidentError(
            f"--at {closed.isoformat()} is before the incident was opened "
            f"({_iso(current.opened_at)})"
        )
    changes: dict[str, Any] = {"closed_at": closed.isoformat()}
    if resolution is not None and resolution.strip():
        changes["resolution"] = resolution.strip()
    path = files.find_file(paths, current.id)
    before = path.read_text(encoding="utf-8") if path is not None else None
    if path is not None:
        files.rewrite(path, {**files.read_record(path), **changes})
    updated = Node(node.ref, node.kind, {**node.attrs, **changes}, node.source_time)
    try:
        store.upsert([updated])
    except BaseException:
        if path is not None and before is not None:
            from agentops.analysis.atomic_write import write_atomic

            write_atomic(path, before)
        raise
    return Incident.from_node(updated)
