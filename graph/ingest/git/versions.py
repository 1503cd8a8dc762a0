"""Config, manifest and dataset versions written by commits: nodes, `introduced` and `previous`.

For every file version a new commit wrote (`VersionWanted`), and the version it replaced (same
path, or the old path of a rename, in the first parent), this finds the blobs with one
`cat-file --batch-check`, skips what the graph already has, reads the rest with one
`cat-file --batch`, and builds:
- `config:<path>@<blob12>` with flattened `keys` (or `parse_error`); manifests add `packages`;
- `dataset:<stem>@<blake3 12>` for committed data files, profiled up to 64 MiB (attrs: digest,
  algorithm, size, path, source "git"); an existing dataset node (maybe profiled by another
  ingester) is linked but never overwritten, except an MLflow placeholder of the same ref
  (`graph.ingest.link`), whose digest it keeps as an alias;
- edges commit → version (`introduced`) and older → newer version (`previous`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from graph.ingest.aliases import aliases_of_placeholder, is_placeholder
from graph.ingest.files.configs import parse_config
from graph.ingest.files.manifests import parse_manifest
from graph.ingest.git.blobs import BlobInfo, blob_info, read_blobs
from graph.ingest.git.log import VersionWanted
from graph.ingest.git.repo import GitRunner
from graph.model import Edge, Node
from graph.refs import EdgeKind, NodeKind, config_ref, dataset_ref
from graph.store import LineageStore

CONFIG_MAX_BYTES = 2 << 20
MANIFEST_MAX_BYTES = 32 << 20
LFS_POINTER = b"version https://git-lfs.github.com/spec/"
PROFILE_MAX_BYTES = 64 << 20  # committed data files up to this size are profiled, not only hashed


@dataclass(slots=True)
class VersionsResult:
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    configs: int = 0
    manifests: int = 0
    datasets: int = 0
    parse_errors: int = 0
    unnamed_paths: list[str] = field(default_factory=list)  # not askable of git: a newline
    digests: dict[str, str] = field(default_factory=dict)  # new blob sha → BLAKE3 hex digest


@dataclass(slots=True)
class _Version:
    """One (path, blob) pair: a node to have in the graph."""

    kind: str  # config | manifest | dataset
    path: str
    blob: BlobInfo
    time: datetime | None
    ref: str | None = None  # known at once for configs, after hashing for datasets
    node: Node | None = None  # built when the graph does not have it yet


class _BlobSink:
    """Receives one blob's bytes: kept for parsing, or only hashed when every use is a dataset."""

    def __init__(self, keep: bool) -> None:
        self.parts: list[bytes] = []
        self.keep = keep
        self.hasher = None if keep else _blake3()
        self.head = b""

    def __call__(self, piece: bytes) -> None:
        if self.keep:
            self.parts.append(piece)
            return
        if len(self.head) < len(LFS_POINTER):
            self.head += piece[: len(LFS_POINTER)]
        self.hasher.update(piece)  # type: ignore[union-attr]

    def data(self) -> bytes:
        return b"".join(self.parts)

    def digest(self) -> tuple[str, bytes]:
        if self.keep:
            data = self.data()
            return _blake3().update(data).hexdigest(), data[: len(LFS_POINTER)]
        return self.hasher.hexdigest(), self.head  # type: ignore[union-attr]


def _object_name(commit: str, raw_path: bytes) -> bytes | None:
    if b"\n" in raw_path:  # cannot be asked for on a line-based protocol
        return None
    return commit.encode("ascii") + b":" + raw_path


def dataset_name(path: str) -> str:
    return PurePosixPath(path).stem or path


def _blake3() -> Any:
    from blake3 import blake3

    return blake3()


def build_versions(
    runner: GitRunner,
    store: LineageStore,
    wanted: list[VersionWanted],
    known_digests: Callable[[list[str]], dict[str, str]],
    progress: Callable[[int, int], None] | None = None,
) -> VersionsResult:
    """Nodes and edges for the versions in `wanted` (in log order: newest commit first).

    `known_digests(blob_shas)` returns the BLAKE3 digests already computed for data blobs, so
    an incremental run does not hash them again.
    """
    result = VersionsResult()
    if not wanted:
        return result
    names: dict[bytes, int] = {}
    pairs: list[tuple[VersionWanted, bytes | None, bytes | None]] = []
    seen_unnamed: set[bytes] = set()
    for w in reversed(wanted):  # oldest first: a version's time is the first commit writing it
        new = _object_name(w.commit, w.raw_path)
        if new is None and w.raw_path not in seen_unnamed:
            seen_unnamed.add(w.raw_path)
            result.unnamed_paths.append(w.raw_path.decode("utf-8", "backslashreplace"))
        old = None
        if w.change in ("M", "R") and w.parent:
            old = _object_name(w.parent, w.old_raw_path or w.raw_path)
        for name in (new, old):
            if name is not None:
                names.setdefault(name, len(names))
        pairs.append((w, new, old))
    infos = blob_info(runner, list(names))
    versions: dict[tuple[str, str], _Version] = {}

    def version(kind: str, path: str, name: bytes | None, time: datetime | None) -> _Version | None:
        info = infos[names[name]] if name is not None else None
        if info is None:
            return None
        found = versions.get((path, info.sha))
        if found is None:
            found = versions[(path, info.sha)] = _Version(kind, path, info, time)
            if kind != "dataset":
                found.ref = config_ref(path, info.sha)
        return found

    links: list[tuple[VersionWanted, _Version, _Version | None]] = []
    for w, new, old in pairs:
        new_version = version(w.kind, w.path, new, w.time)
        if new_version is not None:
            links.append((w, new_version, version(w.kind, w.old_path or w.path, old, None)))

    data_blobs = sorted({v.blob.sha for v in versions.values() if v.kind == "dataset"})
    digests = known_digests(data_blobs) if data_blobs else {}
    for v in versions.values():
        if v.kind == "dataset" and v.blob.sha in digests:
            v.ref = dataset_ref(dataset_name(v.path), digests[v.blob.sha])
    present, _ = _present(store, [v.ref for v in versions.values() if v.ref])
    todo = [v for v in versions.values() if v.ref is None or v.ref not in present]
    _read_contents(runner, todo, result, progress)
    found, placeholders = _present(store, [v.ref for v in todo if v.kind == "dataset" and v.ref])
    present |= found

    for v in todo:
        if v.node is not None and v.ref not in present:
            if v.ref in placeholders:  # MLflow named it first: the bytes win, its digest stays
                v.node.attrs["aliases"] = aliases_of_placeholder(placeholders[v.ref])
            present.add(v.ref)
            result.nodes.append(v.node)
            counter = {"config": "configs", "manifest": "manifests"}.get(v.kind, "datasets")
            setattr(result, counter, getattr(result, counter) + 1)
            result.parse_errors += "parse_error" in v.node.attrs
    for w, new_version, old_version in links:
        if new_version.ref not in present:
            continue
        if old_version is not None and old_version.ref == new_version.ref:
            continue  # mode-only change: nothing new was introduced
        result.edges.append(
            Edge("commit:" + w.commit, new_version.ref, EdgeKind.INTRODUCED, {}, w.time)
        )
        if old_version is not None and old_version.ref in present:
            attrs = {"renamed_from": old_version.path} if old_version.path != w.path else {}
            result.edges.append(
                Edge(old_version.ref, new_version.ref, EdgeKind.PREVIOUS, attrs, w.time)
            )
    return result


def _present(store: LineageStore, refs: list[str | None]) -> tuple[set[str], dict[str, Node]]:
    """The stored refs among `refs`, and apart from them the MLflow placeholders among them
    (`graph.ingest.link`), which a version read from git replaces."""
    wanted = sorted({ref for ref in refs if ref})
    stored = store.get_many(wanted) if wanted else []
    placeholders = {node.ref: node for node in stored if is_placeholder(node)}
    return {node.ref for node in stored if node.ref not in placeholders}, placeholders


def _read_contents(
    runner: GitRunner,
    todo: list[_Version],
    result: VersionsResult,
    progress: Callable[[int, int], None] | None,
) -> None:
    """Read each needed blob once, then parse or hash it for every version that uses it."""
    by_blob: dict[str, list[_Version]] = {}
    for v in todo:
        limit = CONFIG_MAX_BYTES if v.kind == "config" else MANIFEST_MAX_BYTES
        if v.kind != "dataset" and v.blob.size > limit:
            error = f"too large to parse: {v.blob.size} bytes (limit {limit >> 20} MiB)"
            v.node = _config_node(v, None, error)
        else:
            by_blob.setdefault(v.blob.sha, []).append(v)
    sinks: dict[str, _BlobSink] = {}
    done = 0

    def on_blob(sha: str, size: int) -> Callable[[bytes], None]:
        keep = any(v.kind != "dataset" or _profilable(v.path, size) for v in by_blob[sha])
        sink = sinks[sha] = _BlobSink(keep=keep)
        return sink

    def on_done(sha: str) -> None:
        nonlocal done
        sink = sinks.pop(sha)
        for v in by_blob[sha]:
            if v.kind == "dataset":
                digest, head = sink.digest()
                _dataset_node(v, digest, head, result, sink.data() if sink.keep else None)
            else:
                v.node = _config_node(v, sink.data(), None)
        done += 1
        if progress is not None and (done % 200 == 0 or done == len(by_blob)):
            progress(done, len(by_blob))

    read_blobs(runner, list(by_blob), on_blob, on_done)


def _profilable(path: str, size: int) -> bool:
    from graph.profile import detect_format

    return size <= PROFILE_MAX_BYTES and detect_format(Path(path)) is not None


def _profile_blob(path: str, data: bytes) -> dict[str, Any]:
    """Profile a committed data file from its bytes, so every version can be compared later."""
    import tempfile

    from graph.profile import detect_format, profile_attrs

    fmt = detect_format(Path(path))
    if fmt is None:
        return {}
    with tempfile.TemporaryDirectory(prefix="agentops-blob-") as folder:
        copy = Path(folder) / PurePosixPath(path).name
        copy.write_bytes(data)
        return profile_attrs([copy], fmt)


def _dataset_node(
    v: _Version, digest: str, head: bytes, result: VersionsResult, data: bytes | None = None
) -> None:
    v.ref = dataset_ref(dataset_name(v.path), digest)
    attrs: dict[str, Any] = {
        "digest": digest,
        "algorithm": "blake3",
        "size": v.blob.size,
        "path": v.path,
        "source": "git",
        "git_blob": v.blob.sha,
        "format": v.path.rsplit(".", 1)[-1].lower(),
    }
    if head.startswith(LFS_POINTER):
        attrs["lfs_pointer"] = True  # the bytes are a Git LFS pointer, not the data
    elif data is not None:
        attrs.update(_profile_blob(v.path, data))
    v.node = Node(v.ref, NodeKind.DATASET, attrs, v.time)
    result.digests[v.blob.sha] = digest


def _config_node(v: _Version, data: bytes | None, error: str | None) -> Node:
    attrs: dict[str, Any] = {"path": v.path, "blob": v.blob.sha, "size": v.blob.size}
    if error is not None or data is None:
        attrs["parse_error"] = error or "content not readable"
        if v.kind == "manifest":
            attrs["manifest"] = True
    elif v.kind == "manifest":
        attrs.update(parse_manifest(v.path, data).attrs())
    else:
        attrs.update(parse_config(v.path, data).attrs())
    return Node(v.ref or "", NodeKind.CONFIG, attrs, v.time)
