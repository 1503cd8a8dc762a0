"""MLflow dataset inputs (`mlflow.log_input`) → dataset version nodes and dataset→run edges.

Identity is the hard part. MLflow's digest is not a content hash one can trust: for pandas
data it hashes the first 10,000 rows plus the row count, so two different files can share it.
So:

- A logger that records a BLAKE3 prefix (12+ hex) as the MLflow digest, as the fixtures do, is
  matched by it to the stored version (`matched_by: digest`); a local file that `ingest data`
  fingerprinted is the version that was at that path when the run started (`matched_by:
  path+time`, row counts agreeing). Then the run's input is that BLAKE3-identified node and the
  MLflow digest is recorded as an alias (`aliases: {"mlflow": [...]}`).
- Otherwise the node is a placeholder `dataset:<name>@<mlflow digest>` (`algorithm: mlflow`,
  `content_verified: false`) holding the path MLflow gave; the link stage that ends every
  ingest (`graph.ingest.link`) folds it into the git version of that path at the run's commit
  (no path: the data file whose rows and columns agree, `by_profile`), or says why it cannot
  (`content: unreachable`).

Roles: MLflow's `mlflow.data.context` tag (`training`, `eval`, autolog's `train`/`eval`, an
`input_example`) is kept on the edge as given (`context`) and as a `role` (`ROLES`). Autolog
names every dataset `dataset`: a generic name is replaced by the stem of the source path, or
failing that by the role, so a train split, an eval split and a 2-row input example are three
datasets, not three versions of one; an example never shares a name with the data it samples.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from graph.attributes import DATA_ROLES
from graph.ingest.aliases import add_alias
from graph.ingest.data import path_timeline, version_read_at
from graph.jsontext import JSONTextError, parse_json
from graph.model import Edge, Node
from graph.refs import EdgeKind, dataset_ref

if TYPE_CHECKING:
    from graph.store import LineageStore

CONTEXT_TAG = "mlflow.data.context"
GENERIC_NAMES = frozenset({"", "dataset", "data", "df", "input", "inputs"})
ROLES = DATA_ROLES
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
        name = dataset_name(dataset.name, path, source, role_of(context))
        node, matched_by = self._match(name, dataset.digest, path, rows, started)
        if node is not None:
            self._annotate(node, name, dataset.digest)
            self.matched += 1
            ref, identity = node.ref, "blake3"
        else:
            ref = self._unverified(dataset, name, source, profile, path, started)
            identity = "mlflow"
        self._edge(ref, run_ref, context, dataset.digest, identity, matched_by, started)

    def _match(
        self, name: str, mlflow_digest: str, path: Path | None, rows: Any, started: datetime | None
    ) -> tuple[Node | None, str | None]:
        """The BLAKE3-identified version this input is, and how that is known, if it is."""
        digest = str(mlflow_digest or "").lower()
        if len(digest) >= 12 and all(c in "0123456789abcdef" for c in digest):
            # the logger recorded a BLAKE3 prefix itself (as the fixtures do)
            node = self._node(dataset_ref(name, digest))
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
        counted = rows if isinstance(rows, int) else None
        ref = version_read_at(self._timelines[path], started, counted)
        node = self._node(ref) if ref is not None else None
        return (node, "path+time") if node is not None else (None, None)

    def _node(self, ref: str) -> Node | None:
        return self.nodes.get(ref) or self.store.get(ref)

    def _annotate(self, node: Node, name: str, mlflow_digest: str) -> None:
        """Add what MLflow calls this content to a node another source identified."""
        if add_alias(node, "mlflow", mlflow_digest):
            self.nodes[node.ref] = node

    def _unverified(
        self,
        dataset: Any,
        name: str,
        source: Any,
        profile: Any,
        path: Path | None,
        started: datetime | None,
    ) -> str:
        ref = dataset_ref(name, dataset.digest)
        node = self._node(ref)
        if node is not None and node.attrs.get("origin") != "mlflow":
            self._annotate(node, name, dataset.digest)  # never overwrite
            return ref
        earliest = min(
            (t for t in (started, node.source_time if node else None) if t is not None),
            default=None,
        )
        attrs: dict[str, Any] = {
            "name": name,
            "logged_name": dataset.name,
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
        roles = sorted({role for c in contexts if (role := role_of(c))})
        attrs = {
            "context": ",".join(sorted(contexts)) or None,
            "contexts": sorted(contexts),
            "role": ",".join(roles) or None,
            "mlflow_digest": mlflow_digest,
            "identity": identity,
            "matched_by": matched_by,
        }
        self.edges[key] = Edge(ref, run_ref, EdgeKind.INPUT, attrs, started)


def role_of(context: str | None) -> str | None:
    """The role of a logged context (`ROLES`); an unknown context is its own role."""
    if not context:
        return None
    return ROLES.get(context.strip().lower(), context.strip().lower())


def dataset_name(logged: str | None, path: Path | None, source: Any, role: str | None) -> str:
    """The dataset's name: as logged, unless generic (autolog's `dataset`), then the source
    path's stem, else the role; an example is named apart from the data it samples."""
    name = (logged or "").strip()
    if name.lower() in GENERIC_NAMES:
        uri = source.get("uri") if isinstance(source, dict) else None
        stem = path.stem if path is not None else None
        if stem is None and isinstance(uri, str) and uri.strip("/"):
            stem = Path(urlsplit(uri).path.rstrip("/")).stem or None
        name = stem or ("input_example" if role == "example" else role) or "dataset"
    if role == "example" and name != "input_example" and not name.endswith("-input_example"):
        name = f"{name}-input_example"
    return name


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


MLFLOW_PANDAS_DIGEST = re.compile(r"^[0-9a-f]{8}$")
PANDAS_READERS = {"csv": "read_csv", "tsv": "read_csv", "parquet": "read_parquet"}


def reproduces_pandas_digest(file: Path, fmt: str | None, digest: str) -> bool:
    """Whether the bytes of `file` (a table in format `fmt`), read as `mlflow.data.from_pandas`
    users read them (`pandas.read_csv`, `read_parquet`), give MLflow's own pandas digest
    `digest` (8 hex: `mlflow.data.digest_utils.compute_pandas_digest`). MLflow's digest covers
    the first 10,000 rows and the row count, so this tells which of a few known versions a run
    read, never the content of an unknown one."""
    reader = PANDAS_READERS.get(fmt or "")
    if reader is None or not MLFLOW_PANDAS_DIGEST.match(digest):
        return False
    try:
        import pandas as pd
        from mlflow.data.digest_utils import compute_pandas_digest
    except ImportError:
        return False
    options = {"sep": "\t"} if fmt == "tsv" else {}
    try:
        frame = getattr(pd, reader)(file, **options)
        return bool(compute_pandas_digest(frame) == digest)
    except Exception:  # noqa: BLE001 - any file pandas cannot read reproduces nothing
        return False
