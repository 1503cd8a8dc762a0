"""MLflow dataset inputs (`mlflow.log_input`) → dataset version nodes and dataset→run edges.

Identity is the hard part. MLflow's digest is not a content hash one can trust: for pandas
data it hashes the first 10,000 rows plus the row count, so two different files can share it.
So:

- When the dataset's source is a local file that `ingest data` has fingerprinted, the version
  that was at that path when the run started (`datasets.version_at`, by mtime) is the one the
  run read, provided the row counts agree (MLflow's profile `num_rows`). Then the run's input is
  that BLAKE3-identified node `dataset:<name>@<blake3 digest12>`; the MLflow digest is added to
  it (`mlflow_digest`, `mlflow_digests`) and the edge says `identity: blake3`,
  `matched_by: path+time`. A logger that records a BLAKE3 prefix (12+ hex) as the MLflow
  digest, as the fixtures do, is matched by it to the stored version (`matched_by: digest`).
- Otherwise the node is `dataset:<name>@<mlflow digest>` with `content_verified: false` and
  `algorithm: mlflow`: equal MLflow digests make one node, but consumers (drift, root cause)
  must not read that as proof of equal content. The edge says `identity: mlflow`.

If a run was first ingested with an MLflow-identified input and later (`--full`, after
`ingest data`) matched to the verified version, the old edge stays (the store never deletes)
but is marked `superseded_by` the verified ref.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from graph.ingest.data import path_timeline, version_in
from graph.jsontext import JSONTextError, parse_json
from graph.model import Edge, Node
from graph.refs import EdgeKind, dataset_ref

if TYPE_CHECKING:
    from graph.store import LineageStore

CONTEXT_TAG = "mlflow.data.context"
DIGEST_NOTE = (
    "MLflow dataset digest; for pandas data it covers only the first 10,000 rows and the row "
    "count, so equal digests do not prove equal content"
)


@dataclass(slots=True)
class DatasetInputs:
    """Dataset nodes and dataset→run edges gathered over one page of runs."""

    store: LineageStore
    root: Path | None
    tracking_uri: str
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: dict[tuple[str, str], Edge] = field(default_factory=dict)
    matched: int = 0  # inputs tied to a BLAKE3-fingerprinted version
    # (MLflow-identified ref, run) → the verified ref that replaces it, for edges written before
    # `ingest data` had seen the file
    superseded: dict[tuple[str, str], str] = field(default_factory=dict)
    _timelines: dict[Path, list[dict[str, Any]]] = field(default_factory=dict)

    def add_run(self, run: Any, run_ref: str, started: datetime | None) -> None:
        for dataset_input in getattr(run.inputs, "dataset_inputs", None) or []:
            self._add(dataset_input, run_ref, started)

    def _add(self, dataset_input: Any, run_ref: str, started: datetime | None) -> None:
        dataset = dataset_input.dataset
        tags = {tag.key: tag.value for tag in dataset_input.tags or []}
        context = tags.get(CONTEXT_TAG)
        source = _json(dataset.source)
        profile = _json(dataset.profile)
        path = _local_path(dataset.source_type, source, self.root)
        rows = profile.get("num_rows") if isinstance(profile, dict) else None
        node, matched_by = self._match(dataset, path, rows, started)
        if node is not None:
            self._annotate(node, dataset.name, dataset.digest, source)
            self.matched += 1
            ref, identity = node.ref, "blake3"
            self.superseded[(dataset_ref(dataset.name, dataset.digest), run_ref)] = ref
        else:
            ref, identity = self._unverified(dataset, source, profile, path, started), "mlflow"
        self._edge(ref, run_ref, context, dataset.digest, identity, matched_by, started)

    def _match(
        self, dataset: Any, path: Path | None, rows: Any, started: datetime | None
    ) -> tuple[Node | None, str | None]:
        """The BLAKE3-identified version this input is, and how that is known, if it is."""
        digest = str(dataset.digest or "").lower()
        if len(digest) >= 12 and all(c in "0123456789abcdef" for c in digest):
            # the logger recorded a BLAKE3 prefix itself (as the fixtures do)
            node = self._node(dataset_ref(dataset.name, digest))
            if (
                node is not None
                and node.attrs.get("algorithm") == "blake3"
                and str(node.attrs.get("digest", "")).startswith(digest)
            ):
                return node, "digest"
        if path is None or started is None:
            return None, None
        if path not in self._timelines:
            self._timelines[path] = path_timeline(self.store, path)
        # MLflow keeps milliseconds: the run started at the latest at the end of that ms
        at_ns = (round(started.timestamp() * 1000) + 1) * 1_000_000 - 1
        version = version_in(self._timelines[path], at_ns)
        if version is None or (rows is not None and version.get("row_count") not in (None, rows)):
            return None, None
        node = self._node(version["ref"])
        return (node, "path+time") if node is not None else (None, None)

    def _node(self, ref: str) -> Node | None:
        return self.nodes.get(ref) or self.store.get(ref)

    def _annotate(self, node: Node, name: str, mlflow_digest: str, source: Any) -> None:
        """Add what MLflow calls this content to a node another source identified."""
        digests = sorted({*node.attrs.get("mlflow_digests", []), mlflow_digest})
        names = sorted({*node.attrs.get("mlflow_names", []), name})
        if digests != node.attrs.get("mlflow_digests") or names != node.attrs.get("mlflow_names"):
            node.attrs["mlflow_digests"] = digests
            node.attrs["mlflow_digest"] = mlflow_digest
            node.attrs["mlflow_names"] = names
            node.attrs.setdefault("mlflow_source", source)
            self.nodes[node.ref] = node

    def _unverified(
        self, dataset: Any, source: Any, profile: Any, path: Path | None, started: datetime | None
    ) -> str:
        ref = dataset_ref(dataset.name, dataset.digest)
        node = self._node(ref)
        if node is not None and node.attrs.get("origin") != "mlflow":
            self._annotate(node, dataset.name, dataset.digest, source)  # never overwrite
            return ref
        earliest = min(
            (t for t in (started, node.source_time if node else None) if t is not None),
            default=None,
        )
        attrs: dict[str, Any] = {
            "name": dataset.name,
            "digest": dataset.digest,
            "algorithm": "mlflow",
            "content_verified": False,
            "digest_note": DIGEST_NOTE,
            "origin": "mlflow",
            "source_type": dataset.source_type,
            "mlflow_source": source,
            "tracking_uri": self.tracking_uri,
        }
        if path is not None:
            attrs["path"] = _display(path, self.root)
        schema = _schema(_json(dataset.schema))
        if schema is not None:
            attrs["schema"] = schema
        if isinstance(profile, dict):
            attrs["mlflow_profile"] = profile
            if isinstance(profile.get("num_rows"), int):
                attrs["row_count"] = profile["num_rows"]
        self.nodes[ref] = Node.make(ref, attrs, earliest)
        return ref

    def _edge(
        self,
        ref: str,
        run_ref: str,
        context: str | None,
        mlflow_digest: str,
        identity: str,
        matched_by: str | None,
        started: datetime | None,
    ) -> None:
        key = (ref, run_ref)
        edge = self.edges.get(key)
        contexts = set(edge.attrs["contexts"]) if edge else set()
        if context:
            contexts.add(context)
        attrs = {
            "context": ",".join(sorted(contexts)) or None,
            "contexts": sorted(contexts),
            "mlflow_digest": mlflow_digest,
            "identity": identity,
            "matched_by": matched_by,
        }
        self.edges[key] = Edge(ref, run_ref, EdgeKind.INPUT, attrs, started)


def _json(text: str | None) -> Any:
    if not text:
        return None
    try:
        return parse_json(text)
    except JSONTextError:
        return text


def _local_path(source_type: str | None, source: Any, root: Path | None) -> Path | None:
    """The local file an MLflow dataset source names (`local`, `file://…`, a bare path)."""
    uri = source.get("uri") if isinstance(source, dict) else None
    if not isinstance(uri, str) or not uri:
        return None
    parts = urlsplit(uri)
    if parts.scheme == "file":
        path = Path(unquote(parts.path))
    elif parts.scheme == "" and source_type in (None, "local", "code"):
        path = Path(uri)
    else:
        return None
    if not path.is_absolute():
        path = (root or Path.cwd()) / path
    return path


def _display(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return path.as_posix()


def _schema(raw: Any) -> list[dict[str, str]] | None:
    """MLflow's `{"mlflow_colspec": [{"name", "type"}, …]}` (or tensor spec) as name/type rows."""
    if not isinstance(raw, dict):
        return None
    columns = raw.get("mlflow_colspec") or raw.get("mlflow_tensorspec")
    if isinstance(columns, str):
        columns = _json(columns)
    if not isinstance(columns, list):
        return None
    return [
        {"name": str(c.get("name", i)), "type": str(c.get("type", c.get("dtype", "")))}
        for i, c in enumerate(columns)
        if isinstance(c, dict)
    ]


def millis_to_time(millis: int | None) -> datetime | None:
    return datetime.fromtimestamp(millis / 1000, UTC) if millis else None
