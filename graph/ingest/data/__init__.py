"""`ingest data`: data files and folders → dataset version nodes, fingerprinted and profiled.

A version is `dataset:<name>@<digest12>` (docs/conventions.md): the same bytes under the same
name are one node however often they are ingested, and new bytes are a new node linked from
the name's latest version by a `previous` edge (older → newer). Its attributes hold what drift
analysis needs later without the file: digest and algorithm, size, path, format, row count,
schema and the column profile (`graph.profile`). Source time = the file's mtime (a
folder: its newest file's).

Bookkeeping in the store's state:
- `data:stat` (`fingerprint.StatCache`): unchanged files are neither read nor profiled again;
- `data:versions`: per absolute path, every version seen there with its mtime, so that the
  MLflow ingester can tell which content a run read from that path at its start time
  (`version_at`).
"""

from __future__ import annotations

import glob
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graph.errors import IngestError
from graph.ingest.aliases import aliases_of_placeholder, is_placeholder
from graph.ingest.data.fingerprint import (
    FileStat,
    Fingerprint,
    StatCache,
    fingerprint_path,
    folder_files,
)
from graph.model import Edge, Node, to_micros
from graph.profile import COMPRESSED_SUFFIXES, detect_format, profile_attrs
from graph.refs import EdgeKind, NodeKind, dataset_ref

if TYPE_CHECKING:
    from graph.store import LineageStore

VERSIONS_NAMESPACE = "data:versions"
MAX_VERSIONS_PER_PATH = 200

DataProgress = Callable[[int, int, str], None]
"""Called as (bytes done, bytes in total, path being read)."""


@dataclass(slots=True)
class DatasetVersion:
    """One path's outcome: its version ref and whether the graph learnt anything new."""

    ref: str
    name: str
    path: str
    digest: str
    algorithm: str
    size: int
    format: str | None
    row_count: int | None
    status: str  # new | unchanged
    previous: str | None = None
    profile_error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "name": self.name,
            "path": self.path,
            "digest": self.digest,
            "algorithm": self.algorithm,
            "size": self.size,
            "format": self.format,
            "row_count": self.row_count,
            "status": self.status,
            "previous": self.previous,
            "profile_error": self.profile_error,
        }


@dataclass(slots=True)
class DataIngestResult:
    datasets: list[DatasetVersion] = field(default_factory=list)
    nodes: int = 0
    edges: int = 0
    bytes_read: int = 0
    bytes_total: int = 0

    @property
    def new(self) -> int:
        return sum(1 for d in self.datasets if d.status == "new")

    def to_json(self) -> dict[str, Any]:
        return {
            "datasets": [d.to_json() for d in self.datasets],
            "nodes": self.nodes,
            "edges": self.edges,
            "bytes_read": self.bytes_read,
            "bytes_total": self.bytes_total,
        }


def default_name(path: Path) -> str:
    """A file's stem without its compression suffix (`ratings.csv.gz` → `ratings`); a folder's
    own name."""
    if path.is_dir():
        return path.name
    name = path.name
    for suffix in COMPRESSED_SUFFIXES:
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
            break
    return Path(name).stem or name


def expand_data_paths(patterns: Iterable[str], root: Path) -> list[Path]:
    """The paths an `agentops.toml` `[sources.data] paths` list names (globs, `**` too),
    relative to the project root; a pattern that matches nothing is an error."""
    found: list[Path] = []
    for pattern in patterns:
        full = pattern if Path(pattern).is_absolute() else str(root / pattern)
        matches = sorted(glob.glob(full, recursive=True))
        if not matches:
            raise IngestError(
                f"data path {pattern!r} matches nothing under {root}",
                hint="fix [sources.data] paths in agentops.toml",
            )
        found.extend(Path(m) for m in matches)
    return list(dict.fromkeys(found))


def ingest_datasets(
    store: LineageStore,
    paths: Sequence[Path],
    name: str | None = None,
    root: Path | None = None,
    progress: DataProgress | None = None,
) -> DataIngestResult:
    """Fingerprint (and profile) each path as one dataset version, in one store transaction.

    `name` overrides the default name and needs exactly one path. Paths under `root` are
    stored relative to it (a shared store should not hold one machine's home folder).
    """
    if name is not None and len(paths) != 1:
        raise IngestError(
            "--name needs exactly one PATH", hint="ingest each path with its own name"
        )
    if name is not None and not name.strip():
        raise IngestError("dataset name is empty", hint="give --name a non-empty name")
    targets = [_target(Path(p)) for p in paths]
    if not targets:
        raise IngestError("no data path given", hint="agentops ingest data PATH…")
    files = {t: (folder_files(t) if t.is_dir() else [t]) for t in targets}
    sizes = {t: sum(_size(f) for f in fs) for t, fs in files.items()}
    cache = StatCache.load(store, [f for fs in files.values() for f in fs])
    result = DataIngestResult(bytes_total=sum(sizes.values()))
    done = 0
    nodes: dict[str, Node] = {}
    edges: list[Edge] = []
    latest: dict[str, str | None] = {}  # name → latest version ref, this batch included
    history: dict[str, list[dict[str, Any]]] = {}
    for target in targets:
        label = _display(target, root)

        def tick(nbytes: int, label: str = label) -> None:
            nonlocal done
            done += nbytes
            if progress:
                progress(done, result.bytes_total, label)

        fingerprint = fingerprint_path(target, cache, tick)
        result.bytes_read += fingerprint.bytes_read
        dataset_name = name.strip() if name else default_name(target)
        fmt = _format(target, files[target])
        version, node = _version(
            store, target, label, dataset_name, fingerprint, files[target], fmt
        )
        if dataset_name not in latest:
            latest[dataset_name] = _latest_ref(store, dataset_name)
        previous = latest[dataset_name]
        if node is not None:
            nodes[node.ref] = node
        if previous and previous != version.ref:
            version.previous = previous
            at = node.source_time if node else None
            edges.append(Edge(previous, version.ref, EdgeKind.PREVIOUS, {}, at))
        latest[dataset_name] = version.ref
        result.datasets.append(version)
        history.setdefault(str(target), []).append(_seen(version, fingerprint))
    written = store.upsert(nodes.values(), edges)
    result.nodes, result.edges = written.nodes, written.edges
    cache.save(store)
    _remember_versions(store, history)
    return result


def _target(path: Path) -> Path:
    if not path.exists():
        raise IngestError(f"data path {path} does not exist", hint="check the path")
    if not (path.is_file() or path.is_dir()):
        raise IngestError(f"data path {path} is not a file or folder", hint="check the path")
    return path.resolve()


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _display(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return path.relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return path.as_posix()


def _latest_ref(store: LineageStore, name: str) -> str | None:
    versions = store.find(NodeKind.DATASET, name)
    return versions[-1].ref if versions else None


def ingest_tracked_file(store: LineageStore, file: Path, path: str) -> DatasetVersion:
    """Version one file whose versions another tool tracks (DVC), as `ingest data` versions
    the file at `path`: named by that path's stem, stored with that path, profiled in the
    format its name says. `file` is the file at `path` itself or a copy of its bytes kept
    elsewhere (a DVC cache entry, whose own name says nothing of its format; a compressed one
    is only fingerprinted). No `previous` edge: the tool that tracks the file orders its
    versions, and they arrive here in no particular order. No timeline entry either: which
    version a run read is the tool's record, not the time the link step happened to look."""
    cache = StatCache.load(store, [file])
    fingerprint = fingerprint_path(file, cache)
    pure = Path(path)
    fmt = None if pure.name.lower().endswith(COMPRESSED_SUFFIXES) else detect_format(pure)
    version, node = _version(store, file, path, default_name(pure), fingerprint, [file], fmt)
    store.upsert([node] if node is not None else [], [])
    cache.save(store)
    return version


def _seen(version: DatasetVersion, fingerprint: Fingerprint) -> dict[str, Any]:
    """A path's timeline entry (`data:versions`): this version was there at this mtime."""
    return {
        "ref": version.ref,
        "digest": fingerprint.digest,
        "mtime_ns": fingerprint.mtime_ns,
        "size": fingerprint.size,
        "row_count": version.row_count,
    }


def _version(
    store: LineageStore,
    target: Path,
    label: str,
    name: str,
    fingerprint: Fingerprint,
    files: list[Path],
    fmt: str | None,
) -> tuple[DatasetVersion, Node | None]:
    """The version for this content; a node to write only if the store lacks it or its profile."""
    ref = dataset_ref(name, fingerprint.digest)
    existing = store.get(ref)

    def version(attrs: dict[str, Any], status: str) -> DatasetVersion:
        return DatasetVersion(
            ref,
            name,
            label,
            fingerprint.digest,
            fingerprint.algorithm,
            fingerprint.size,
            fmt,
            attrs.get("row_count"),
            status,
            profile_error=attrs.get("profile_error"),
        )

    if (
        existing is not None
        and existing.attrs.get("digest") == fingerprint.digest
        and (fmt is None or "profile" in existing.attrs or "profile_error" in existing.attrs)
    ):
        return version(existing.attrs, "unchanged"), None
    attrs: dict[str, Any] = {
        "name": name,
        "path": label,
        "format": fmt,
        "size": fingerprint.size,
        "digest": fingerprint.digest,
        "algorithm": fingerprint.algorithm,
        "mtime": _iso(fingerprint.mtime_ns),
        "origin": "file",
    }
    if target.is_dir():
        attrs["files"] = fingerprint.files
    if is_placeholder(existing):  # MLflow named it first: the bytes win, its digest stays
        attrs["aliases"] = aliases_of_placeholder(existing)  # type: ignore[arg-type]
    elif existing is not None:  # e.g. a version git read, or aliases the link step added
        attrs = {**existing.attrs, **attrs}
    if fmt is not None:
        attrs.update(profile_attrs(_profiled_files(target, files), fmt))
    node = Node.make(ref, attrs, datetime.fromtimestamp(fingerprint.mtime_ns / 1e9, UTC))
    return version(attrs, "new"), node


def _profiled_files(target: Path, files: list[Path]) -> list[Path]:
    if not target.is_dir():
        return [target]
    return [f for f in files if not _is_marker(f)]


def _is_marker(path: Path) -> bool:
    """Spark/Hadoop side files (`_SUCCESS`, `.crc`) and hidden files are not data."""
    return path.name.startswith(("_", "."))


def _format(target: Path, files: list[Path]) -> str | None:
    """A file's format; a folder's when all its data files share one (else fingerprint only)."""
    if not target.is_dir():
        return detect_format(target)
    formats = {detect_format(f) for f in files if not _is_marker(f)}
    return formats.pop() if len(formats) == 1 else None


def _iso(mtime_ns: int) -> str:
    return datetime.fromtimestamp(mtime_ns / 1e9, UTC).isoformat()


def _remember_versions(store: LineageStore, seen: dict[str, list[dict[str, Any]]]) -> None:
    known = store.get_state(VERSIONS_NAMESPACE, sorted(seen))
    changed: dict[str, list[dict[str, Any]]] = {}
    for path, entries in seen.items():
        versions = list(known.get(path) or [])
        for entry in entries:
            last = versions[-1] if versions else None
            if last and last["digest"] == entry["digest"] and last["mtime_ns"] == entry["mtime_ns"]:
                continue
            versions.append({**entry, "seen_at_ns": time.time_ns()})
        if versions != known.get(path):
            changed[path] = versions[-MAX_VERSIONS_PER_PATH:]
    if changed:
        store.put_state(VERSIONS_NAMESPACE, changed)


def version_at(store: LineageStore, path: Path, at_ns: int) -> dict[str, Any] | None:
    """The version of the file at `path` that was there at time `at_ns`, if `ingest data` saw it."""
    return version_in(path_timeline(store, path), at_ns)


def path_timeline(store: LineageStore, path: Path) -> list[dict[str, Any]]:
    """Every version `ingest data` recorded at `path`, by mtime, plus the file as it is now if
    its size or mtime matches none of them (content unknown: `digest` None)."""
    path = path.resolve()
    timeline = sorted(
        store.get_state(VERSIONS_NAMESPACE, [str(path)]).get(str(path)) or [],
        key=lambda v: v["mtime_ns"],
    )
    if not timeline:
        return []
    try:
        now = FileStat.of(path)
    except OSError:
        return timeline
    if not any(v["mtime_ns"] == now.mtime_ns and v["size"] == now.size for v in timeline):
        timeline.append({"digest": None, "mtime_ns": now.mtime_ns, "size": now.size})
        timeline.sort(key=lambda v: v["mtime_ns"])
    return timeline


def version_read_at(
    timeline: list[dict[str, Any]], started: datetime, rows: int | None
) -> str | None:
    """The version ref a run that started at `started` read from the path of `timeline`, if
    known: the one there then, its row count agreeing with `rows` (what MLflow logged).
    MLflow keeps milliseconds, so the run started by the end of that millisecond."""
    at_ns = (round(started.timestamp() * 1000) + 1) * 1_000_000 - 1
    version = version_in(timeline, at_ns)
    if version is None or not _rows_agree(version, rows):
        return None
    return str(version["ref"])


def version_written_between(
    timeline: list[dict[str, Any]], started: datetime, ended: datetime, rows: int | None
) -> str | None:
    """The version ref a run that ran from `started` to `ended` left at the path of
    `timeline`, if known: the last one there by `ended` whose mtime is not before `started`
    (the run wrote it), its row count agreeing with `rows` (what the run reported). Event times
    are microseconds, so the span runs to the end of `ended`'s microsecond."""
    version = version_in(timeline, (to_micros(ended) + 1) * 1_000 - 1)
    if version is None or version["mtime_ns"] < to_micros(started) * 1_000:
        return None
    return str(version["ref"]) if _rows_agree(version, rows) else None


def _rows_agree(version: dict[str, Any], rows: int | None) -> bool:
    return rows is None or version.get("row_count") in (None, rows)


def version_in(timeline: list[dict[str, Any]], at_ns: int) -> dict[str, Any] | None:
    """The last version whose mtime is not after `at_ns`; None if it is unknown or none was."""
    current = None
    for entry in timeline:
        if entry["mtime_ns"] <= at_ns:
            current = entry
    return current if current and current.get("digest") else None
