"""OpenLineage events into the lineage graph: runs, their jobs and parents, and datasets.

How events become nodes (stable: the same events always give the same refs):

- A run is `run:<runId>` (the UUID, lower-cased). Its events merge additively, as the spec's run
  cycle says: each facet takes the value of the latest event that carries it, inputs and outputs
  are the union over all events, `eventType` becomes the run's `state` (a terminal COMPLETE, FAIL
  or ABORT outranks START and RUNNING whatever the clocks say; OTHER adds facets but never changes
  a state), `started_at` is the START event's time and `ended_at` the terminal one's. Each facet's
  event time is kept in `facet_times`, so ingesting the same events twice, or in another order,
  gives the same attributes. `sourceCodeLocation.version` (a hex sha, `type` git) becomes
  `attrs["git_commit"]`, linked to its commit by `link_runs_to_commits`.
- A ParentRunFacet adds a `parent_run` edge parent → child; a parent with no events of its own is
  a stub run (`stub: true`) until they arrive.
- A JobEvent (a job's static lineage, no run) is `run:job:<namespace>/<name>` with
  `kind: "job"`: the graph has no job kind, and this keeps its inputs and outputs in the lineage.
- A dataset is `dataset:<namespace>/<name>@<version>`: OpenLineage names a dataset by its
  namespace and name together (the spec's naming conventions), so the ref's name is both and
  depends on nothing else — not on which namespaces were ingested before (namespace and name
  are also kept as attributes). `<version>` is the DatasetVersion
  facet's `datasetVersion` when it is short and ref-safe (`[A-Za-z0-9._+-]`, at most 64), else
  the first 12 hex chars of the SHA-256 of the canonical JSON (sorted keys, no spaces, UTF-8) of
  `{"namespace", "name", "datasetVersion"}` (`null` without a version facet, so an unversioned
  dataset is one node). Schema, dataSource, version, columnLineage, and output statistics are
  kept as attributes next to the raw facets; input/output facets go on the edges.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from graph.ingest.links import link_runs_to_commits
from graph.ingest.openlineage.events import (
    EventBatch,
    EventKind,
    InvalidEvent,
    OpenLineageEvent,
    expand_sources,
    read_events,
)
from graph.ingest.openlineage.merge import (
    STATE_RANK,
    derive_dataset_fields,
    derive_run_fields,
    iso,
    live,
    merge_facets,
    merge_run_state,
    set_latest,
    version_of,
)
from graph.model import Edge, Node
from graph.refs import EdgeKind, NodeKind, parse_ref

if TYPE_CHECKING:
    from graph.store import LineageStore

SOURCE = "openlineage"
FILES_STATE = "openlineage.files"
JOB_RUN_PREFIX = "job:"
_SIMPLE_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$")
EDGE_QUERY_CHUNK = 400


@dataclass(slots=True)
class OpenLineageReport:
    """What one ingest read and wrote; `invalid` lists each refused event with its position."""

    files: int = 0
    events: int = 0
    invalid: list[InvalidEvent] = field(default_factory=list)
    runs: int = 0
    jobs: int = 0
    datasets: int = 0
    edges: int = 0
    linked_commits: int = 0
    skipped_files: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "events": self.events,
            "invalid": [{"position": bad.position, "reason": bad.reason} for bad in self.invalid],
            "runs": self.runs,
            "jobs": self.jobs,
            "datasets": self.datasets,
            "edges": self.edges,
            "linked_commits": self.linked_commits,
            "skipped_files": self.skipped_files,
        }


def ingest_openlineage(
    store: LineageStore,
    sources: Sequence[str | Path],
    stdin: TextIO | None = None,
    skip_unchanged: bool = False,
) -> OpenLineageReport:
    """Read events from files, folders or `-` (stdin) and merge the valid ones into the graph.

    Each file's size, mtime and inode are remembered; with `skip_unchanged` (what a repeated
    sync wants) a file that has not changed since it was last ingested is not read again.
    """
    files = expand_sources(sources)
    stats = {str(f.resolve()): _stat(f) for f in files if isinstance(f, Path)}
    skipped: set[str] = set()
    if skip_unchanged and stats:
        known = store.get_state(FILES_STATE, sorted(stats))
        skipped = {key for key, stat in stats.items() if known.get(key) == stat}
    to_read = [f for f in files if not isinstance(f, Path) or str(f.resolve()) not in skipped]
    batch = read_events(to_read, stdin)
    report = ingest_events(store, batch)
    report.skipped_files = len(skipped)
    # a file with invalid events is read (and reported) again until it is fixed
    retry = {str(Path(name).resolve()) for name in batch.files_with_invalid}
    store.put_state(FILES_STATE, {k: v for k, v in stats.items() if k not in skipped | retry})
    return report


def _stat(path: Path) -> list[int]:
    info = path.stat()
    return [info.st_size, info.st_mtime_ns, info.st_ino]


def ingest_events(store: LineageStore, batch: EventBatch) -> OpenLineageReport:
    """Merge checked events into the graph in one transaction; invalid ones are only reported."""
    report = OpenLineageReport(
        files=batch.files, events=len(batch.events), invalid=list(batch.invalid)
    )
    if not batch.events:
        return report
    events = sorted(batch.events, key=_event_order)
    builder = _GraphBuilder(store)
    builder.prefetch(events)
    for event in events:
        builder.add(event)
    nodes, edges = builder.finish()
    store.upsert(nodes, edges)
    report.runs, report.jobs = builder.run_count, builder.job_count
    report.datasets, report.edges = len(builder.datasets), len(edges)
    report.linked_commits = link_runs_to_commits(store)
    return report


def _event_order(event: OpenLineageEvent) -> tuple[datetime, int, str]:
    state = event.payload.get("eventType") if event.kind is EventKind.RUN else None
    return event.time, STATE_RANK.get(str(state), -1), event.position


def canonical_digest12(value: Any) -> str:
    """First 12 hex chars of SHA-256 over canonical JSON (sorted keys, no spaces, UTF-8)."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def dataset_version_key(namespace: str, name: str, version: str | None) -> str:
    """The `<version>` part of an OpenLineage dataset's ref (see the module docstring)."""
    if version is not None and _SIMPLE_VERSION.match(version):
        return version
    return canonical_digest12({"namespace": namespace, "name": name, "datasetVersion": version})


def run_ref_for(run_id: str) -> str:
    return f"run:{run_id.lower()}"


def job_run_ref(namespace: str, name: str) -> str:
    return str(parse_ref(f"run:{JOB_RUN_PREFIX}{namespace}/{name}"))


def dataset_name(namespace: str, name: str) -> str:
    """The name part of an OpenLineage dataset's ref (see the module docstring)."""
    return f"{namespace}/{name.strip()}"


class _GraphBuilder:
    """Accumulates merged nodes and edges, starting from what the store already holds."""

    def __init__(self, store: LineageStore) -> None:
        self.store = store
        self.runs: dict[str, dict[str, Any]] = {}
        self.datasets: dict[str, dict[str, Any]] = {}
        self.times: dict[str, datetime] = {}
        self.edges: dict[tuple[str, str, EdgeKind], Edge] = {}
        self.touched_runs: set[str] = set()
        self.touched_jobs: set[str] = set()
        self.stored_edges: dict[tuple[str, str, EdgeKind], Edge] = {}
        self.dataset_refs: dict[tuple[str, str, str | None], str] = {}

    @property
    def run_count(self) -> int:
        return len(self.touched_runs)

    @property
    def job_count(self) -> int:
        return len(self.touched_jobs)

    # -- stored state ------------------------------------------------------------------------

    def prefetch(self, events: Sequence[OpenLineageEvent]) -> None:
        """Load, in a few batched queries, the stored nodes these events touch and the stored
        edges of their runs, so the merge starts from what is there."""
        runs: set[str] = set()
        datasets: set[str] = set()
        for event in events:
            payload = event.payload
            if event.kind is EventKind.RUN:
                runs.add(run_ref_for(payload["run"]["runId"]))
                parent = (payload["run"].get("facets") or {}).get("parent")
                if isinstance(parent, dict) and not parent.get("_deleted"):
                    runs.add(run_ref_for(parent["run"]["runId"]))
            elif event.kind is EventKind.JOB:
                runs.add(job_run_ref(payload["job"]["namespace"], payload["job"]["name"]))
            sides = [*(payload.get("inputs") or []), *(payload.get("outputs") or [])]
            if event.kind is EventKind.DATASET:
                sides.append(payload["dataset"])
            datasets.update(self._dataset_ref(dataset) for dataset in sides)
        for node in self.store.get_many(sorted(runs | datasets)):
            target = self.runs if node.kind is NodeKind.RUN else self.datasets
            target[node.ref] = dict(node.attrs)
            if node.source_time:
                self.times[node.ref] = node.source_time
        ordered = sorted(runs)
        for start in range(0, len(ordered), EDGE_QUERY_CHUNK):
            for edge in self.store.edges_of(ordered[start : start + EDGE_QUERY_CHUNK]):
                if edge.kind in (EdgeKind.INPUT, EdgeKind.OUTPUT, EdgeKind.PARENT_RUN):
                    self.stored_edges[(edge.src, edge.dst, edge.kind)] = edge

    def _seen(self, ref: str, moment: datetime) -> None:
        if ref not in self.times or moment < self.times[ref]:
            self.times[ref] = moment

    def _edge(self, src: str, dst: str, kind: EdgeKind, moment: datetime) -> Edge:
        key = (src, dst, kind)
        if key not in self.edges:
            self.edges[key] = self.stored_edges.get(key) or Edge(src, dst, kind, {}, moment)
        edge = self.edges[key]
        if edge.source_time is None or moment < edge.source_time:
            edge.source_time = moment
        return edge

    # -- events ------------------------------------------------------------------------------

    def add(self, event: OpenLineageEvent) -> None:
        if event.kind is EventKind.RUN:
            self._add_run(event)
        elif event.kind is EventKind.JOB:
            self._add_job(event)
        else:
            self._dataset(event.payload["dataset"], event)

    def _add_run(self, event: OpenLineageEvent) -> None:
        payload, at = event.payload, iso(event.time)
        run, job = payload["run"], payload["job"]
        ref = run_ref_for(run["runId"])
        attrs = self.runs.setdefault(ref, {})
        attrs.pop("stub", None)
        attrs.update(source=SOURCE, run_id=run["runId"].lower())
        set_latest(attrs, "job", {"namespace": job["namespace"], "name": job["name"]}, at)
        set_latest(attrs, "producer", payload["producer"], at)
        merge_facets(attrs, "run_facets", run.get("facets"), at, "run/")
        merge_facets(attrs, "job_facets", job.get("facets"), at, "job/")
        merge_run_state(attrs, payload.get("eventType"), at)
        derive_run_fields(attrs)
        self._seen(ref, event.time)
        self.touched_runs.add(ref)
        self._datasets_of(ref, payload, event)
        parent = attrs.get("parent")
        if parent:
            parent_ref = run_ref_for(parent["run_id"])
            if parent_ref not in self.runs:
                self.runs[parent_ref] = {
                    "source": SOURCE,
                    "run_id": parent["run_id"],
                    "job": parent["job"],
                    "stub": True,
                }
            self._seen(parent_ref, event.time)
            self._edge(parent_ref, ref, EdgeKind.PARENT_RUN, event.time)

    def _add_job(self, event: OpenLineageEvent) -> None:
        payload, at = event.payload, iso(event.time)
        job = payload["job"]
        ref = job_run_ref(job["namespace"], job["name"])
        attrs = self.runs.setdefault(ref, {})
        attrs.update(
            source=SOURCE, kind="job", job={"namespace": job["namespace"], "name": job["name"]}
        )
        set_latest(attrs, "producer", payload["producer"], at)
        merge_facets(attrs, "job_facets", job.get("facets"), at, "job/")
        attrs["first_event_at"] = min(attrs.get("first_event_at") or at, at)
        attrs["last_event_at"] = max(attrs.get("last_event_at") or at, at)
        derive_run_fields(attrs)
        self._seen(ref, event.time)
        self.touched_jobs.add(ref)
        self._datasets_of(ref, payload, event)

    def _datasets_of(self, run_ref: str, payload: dict[str, Any], event: OpenLineageEvent) -> None:
        at = iso(event.time)
        for dataset in payload.get("inputs") or []:
            ref = self._dataset(dataset, event)
            edge = self._edge(ref, run_ref, EdgeKind.INPUT, event.time)
            merge_facets(edge.attrs, "facets", dataset.get("inputFacets"), at, "")
        for dataset in payload.get("outputs") or []:
            ref = self._dataset(dataset, event)
            edge = self._edge(run_ref, ref, EdgeKind.OUTPUT, event.time)
            merge_facets(edge.attrs, "facets", dataset.get("outputFacets"), at, "")
            stats = live(dataset.get("outputFacets") or {}, "outputStatistics")
            if stats:
                attrs = self.datasets[ref]
                set_latest(attrs, "row_count", stats.get("rowCount"), at)
                set_latest(attrs, "size_bytes", stats.get("size"), at)

    def _dataset_ref(self, dataset: dict[str, Any]) -> str:
        identity = (dataset["namespace"], dataset["name"].strip(), version_of(dataset))
        ref = self.dataset_refs.get(identity)
        if ref is None:
            namespace, name, version = identity
            key = dataset_version_key(namespace, name, version)
            ref = str(parse_ref(f"dataset:{dataset_name(namespace, name)}@{key}"))
            self.dataset_refs[identity] = ref
        return ref

    def _dataset(self, dataset: dict[str, Any], event: OpenLineageEvent) -> str:
        namespace, name = dataset["namespace"], dataset["name"].strip()
        facets = dataset.get("facets") or {}
        version = version_of(dataset)
        ref = self._dataset_ref(dataset)
        attrs = self.datasets.setdefault(ref, {})
        attrs.update(source=SOURCE, namespace=namespace, dataset_name=name, version=version)
        if version is None or not _SIMPLE_VERSION.match(version):
            attrs["version_digest"] = {
                "algorithm": "sha256",
                "of": "canonical JSON of namespace, name, datasetVersion",
            }
        merge_facets(attrs, "facets", facets, iso(event.time), "")
        derive_dataset_fields(attrs)
        self._seen(ref, event.time)
        return ref

    def finish(self) -> tuple[list[Node], list[Edge]]:
        run_times = self._run_times()
        nodes = [
            Node.make(ref, attrs, run_times.get(ref, self.times.get(ref)))
            for ref, attrs in [*self.runs.items(), *self.datasets.items()]
        ]
        return nodes, list(self.edges.values())

    def _run_times(self) -> dict[str, datetime]:
        """A run's own time is its start (START event), else its first event."""
        found: dict[str, datetime] = {}
        for ref, attrs in self.runs.items():
            text = attrs.get("started_at") or attrs.get("first_event_at")
            if text:
                found[ref] = datetime.fromisoformat(text)
        return found
