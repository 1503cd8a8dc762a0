"""DVC pipelines and DVC-tracked data into the lineage graph, at every commit that changed them.

Read from git history (see `dvc_history`), not from the work tree, so two revisions can be
compared; the DVC package is not needed, only the YAML of `dvc.lock` and `*.dvc` files.

Naming (stable for an append-only history):

- A stage run is `run:dvc:<stage>@<commit12>`: `<stage>` as DVC addresses it (`train`, or
  `sub/dir/dvc.yaml:train` for a pipeline in a subfolder, `train@lr-0.1` for a foreach item), and
  `<commit12>` the first commit (oldest first over the refs read) whose `dvc.lock` holds
  this exact lock entry. A stage not re-run at a later commit is the same run there, not a copy.
  Its attributes: `cmd`, the `params` it used (`key: value` from params.yaml, `file:key` from
  other files), `params_files` (path → git blob sha, linked as config→run when `ingest git` has
  the config node), `code_deps` (git-tracked dependencies, path → md5) and `dep_blobs` (the
  same, path → git blob sha: a dependency that git versions as a config is linked config→run
  too), `git_commit` (linked as commit→run), `state: COMPLETE` (a lock entry is written when a
  stage finished).
- A data file or folder is `dataset:<name>@<md5 12>` with `algorithm: md5` and the full `md5`;
  `<name>` is the path's stem (`data/ratings.csv` → `ratings`, a folder: its name) unless
  another path already has that stem (first path seen wins, remembered in the store's state),
  then the repo-relative path. Dependencies that git tracks are code, not datasets, unless a
  stage outputs them. `.dvc` files give dataset versions too (`introduced_in`: the commit, linked
  as commit→dataset), and versions of one name are chained by `previous` edges.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from graph.ingest.dvc.history import Commit, FileVersion, History, file_history, object_ids
from graph.ingest.files.configs import YAMLTooLarge, load_yaml_documents
from graph.ingest.links import COMMIT_ATTR, link_runs_to_commits
from graph.ingest.openlineage import canonical_digest12
from graph.model import Edge, Node
from graph.refs import EdgeKind, NodeKind, commit_ref, config_ref, parse_ref

if TYPE_CHECKING:
    from graph.store import LineageStore

SOURCE = "dvc"
NAMES_STATE = "dvc.dataset_names"
HISTORY_STATE = "dvc.history"
PATHSPECS = ("dvc.lock", "*/dvc.lock", "*.dvc")
DEFAULT_PARAMS_FILE = "params.yaml"
HASH_KEYS = ("md5", "etag", "checksum", "version_id")
_HEX = re.compile(r"^[0-9a-f]+$")
_EXTERNAL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://|^remote://")


@dataclass(slots=True)
class DvcReport:
    repo: str = ""
    commits: int = 0
    lock_versions: int = 0
    dvc_files: int = 0
    runs: int = 0
    datasets: int = 0
    edges: int = 0
    linked_commits: int = 0
    linked_configs: int = 0
    up_to_date: bool = False
    shallow: bool = False
    problems: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        from dataclasses import asdict

        return asdict(self)


@dataclass(frozen=True, slots=True)
class DataRef:
    """One dependency or output of a stage, or one out of a .dvc file."""

    path: str  # repo-relative (or a URL for an external one)
    algorithm: str
    digest: str
    size: int | None
    nfiles: int | None
    is_dir: bool

    @property
    def digest12(self) -> str:
        value = self.digest.removesuffix(".dir").lower()
        return value[:12] if _HEX.match(value) and len(value) >= 12 else canonical_digest12(value)


@dataclass(slots=True)
class StageEntry:
    address: str
    cmd: Any
    deps: list[DataRef]
    outs: list[DataRef]
    params: dict[str, dict[str, Any]]  # repo-relative params file → flat key → value
    unhashed: list[str]
    digest: str


class DvcFormatError(ValueError):
    """A dvc.lock or .dvc file that is not what DVC writes."""


def _wanted(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return name == "dvc.lock" or (name.endswith(".dvc") and len(name) > 4)


def _load_yaml(content: bytes) -> Any:
    import yaml

    try:
        documents = load_yaml_documents(content.decode("utf-8"))
    except UnicodeDecodeError:
        raise DvcFormatError("not UTF-8 text") from None
    except (YAMLTooLarge, RecursionError) as exc:
        raise DvcFormatError(str(exc) or "nested too deeply") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise DvcFormatError(f"not valid YAML{where}") from None
    if len(documents) > 1:
        raise DvcFormatError("more than one YAML document")
    return documents[0] if documents else None


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        flat: dict[str, Any] = {}
        for key, inner in value.items():
            flat.update(_flatten(inner, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    return {prefix: value}


def _data_ref(item: Any, base: str, where: str) -> DataRef | None:
    if not isinstance(item, dict) or not isinstance(item.get("path"), str):
        raise DvcFormatError(f"{where}: an entry without a path")
    raw_path = item["path"]
    if _EXTERNAL.match(raw_path) or raw_path.startswith("/"):
        path = raw_path
    else:
        path = (
            posixpath.normpath(posixpath.join(base, raw_path))
            if base
            else posixpath.normpath(raw_path)
        )
    for key in HASH_KEYS:
        value = item.get(key)
        if isinstance(value, str | int) and str(value):
            digest = str(value)
            algorithm = str(item.get("hash", key)) if key == "md5" else key
            if algorithm not in ("md5", "md5-dos2unix"):
                algorithm = key
            size, nfiles = item.get("size"), item.get("nfiles")
            return DataRef(
                path,
                algorithm,
                digest,
                size if isinstance(size, int) else None,
                nfiles if isinstance(nfiles, int) else None,
                digest.endswith(".dir") or nfiles is not None,
            )
    return None


def parse_lock(content: bytes, lock_path: str) -> list[StageEntry]:
    """The stages of one dvc.lock (schema 2.0, or the 1.x layout of stages at the top)."""
    data = _load_yaml(content)
    if data is None:
        return []
    if not isinstance(data, dict):
        raise DvcFormatError("not a mapping of stages")
    stages = data.get("stages") if "schema" in data or "stages" in data else data
    if not isinstance(stages, dict):
        raise DvcFormatError("`stages` is not a mapping")
    base = posixpath.dirname(lock_path)
    entries = []
    for name, entry in stages.items():
        if not isinstance(entry, dict):
            raise DvcFormatError(f"stage {name!r} is not a mapping")
        address = f"{base}/dvc.yaml:{name}" if base else str(name)
        deps, outs, unhashed = [], [], []
        for key, target in (("deps", deps), ("outs", outs)):
            items = entry.get(key) or []
            if not isinstance(items, list):
                raise DvcFormatError(f"stage {name!r}: {key} is not a list")
            for item in items:
                ref = _data_ref(item, base, f"stage {name!r} {key}")
                if ref is None:
                    unhashed.append(str(item.get("path")))
                else:
                    target.append(ref)
        params: dict[str, dict[str, Any]] = {}
        raw_params = entry.get("params") or {}
        if not isinstance(raw_params, dict):
            raise DvcFormatError(f"stage {name!r}: params is not a mapping")
        for file, values in raw_params.items():
            file_path = posixpath.normpath(posixpath.join(base, str(file)))
            params[file_path] = _flatten(values) if isinstance(values, dict) else {}
        digest = canonical_digest12({"stage": address, "entry": _jsonable(entry)})
        entries.append(StageEntry(address, entry.get("cmd"), deps, outs, params, unhashed, digest))
    return entries


def parse_dvc_file(content: bytes, dvc_path: str) -> list[DataRef]:
    """The outs of one `.dvc` file (paths relative to it, or to its `wdir`)."""
    data = _load_yaml(content)
    if not isinstance(data, dict):
        raise DvcFormatError("not a mapping with outs")
    base = posixpath.normpath(
        posixpath.join(posixpath.dirname(dvc_path), str(data.get("wdir") or "."))
    )
    base = "" if base == "." else base
    outs = data.get("outs") or []
    if not isinstance(outs, list):
        raise DvcFormatError("outs is not a list")
    return [ref for item in outs if (ref := _data_ref(item, base, "outs")) is not None]


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


# -- the graph -----------------------------------------------------------------------------------


def ingest_dvc(
    store: LineageStore,
    path: Path,
    full: bool = False,
    rev: str | None = None,
    all_refs: bool = False,
) -> DvcReport:
    """Read every version of `dvc.lock` and `*.dvc` under `path` into the graph.

    The versions are those on the refs `ingest git` reads with the same `rev` and `all_refs`
    (`file_history`). Skips the work (but still links to commits and configs) when the history
    is as last read, unless `full`. One upsert: a failure leaves the graph as it was.
    """
    history = file_history(path, PATHSPECS, _wanted, rev, all_refs)
    report = DvcReport(repo=str(history.root), shallow=history.shallow)
    state_key = str(path.resolve())
    seen = store.get_state(HISTORY_STATE, [state_key]).get(state_key)
    report.commits = len({v.commit.sha for v in history.versions})
    if seen == history.fingerprint and not full:
        report.up_to_date = True
    else:
        builder = _DvcGraph(store, history, report)
        nodes, edges = builder.build()
        store.upsert(nodes, edges)
        store.put_state(NAMES_STATE, builder.names.new)
        store.put_state(HISTORY_STATE, {state_key: history.fingerprint})
        report.runs, report.datasets = builder.run_count, builder.dataset_count
        report.edges = len(edges)
    report.linked_commits = link_runs_to_commits(store)
    report.linked_configs = link_dvc_sources(store)
    return report


@dataclass(slots=True)
class PathNames:
    """Dataset name per path: the stem, unless another path took it first."""

    by_path: dict[str, str]
    taken: set[str]
    new: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, store: LineageStore) -> PathNames:
        known = store.get_state(NAMES_STATE)
        return cls(dict(known), set(known.values()))

    def name(self, ref: DataRef) -> str:
        if ref.path in self.by_path:
            return self.by_path[ref.path]
        pure = PurePosixPath(ref.path.rstrip("/"))
        stem = (pure.name if ref.is_dir else pure.stem) or ref.path
        chosen = stem if stem not in self.taken else ref.path
        self.by_path[ref.path] = self.new[ref.path] = chosen
        self.taken.add(chosen)
        return chosen


class _DvcGraph:
    def __init__(self, store: LineageStore, history: History, report: DvcReport) -> None:
        self.store = store
        self.history = history
        self.report = report
        self.names = PathNames.load(store)
        self.datasets: dict[str, dict[str, Any]] = {}
        self.dataset_times: dict[str, datetime] = {}
        self.order: dict[str, list[str]] = {}  # dataset name → refs, oldest first
        self.runs: dict[str, Node] = {}
        self.edges: dict[tuple[str, str, EdgeKind], Edge] = {}

    @property
    def run_count(self) -> int:
        return len(self.runs)

    @property
    def dataset_count(self) -> int:
        return len(self.datasets)

    def build(self) -> tuple[list[Node], list[Edge]]:
        locks: list[tuple[FileVersion, list[StageEntry]]] = []
        for version in self.history.versions:
            if version.content is None:
                continue
            where = f"{version.path} at {version.commit.sha[:12]}"
            try:
                if version.path.rsplit("/", 1)[-1] == "dvc.lock":
                    locks.append((version, parse_lock(version.content, version.path)))
                    self.report.lock_versions += 1
                else:
                    outs = parse_dvc_file(version.content, version.path)
                    self.report.dvc_files += 1
                    for out in outs:
                        self._dataset(out, version.commit, introduced=True)
            except DvcFormatError as exc:
                self.report.problems.append(f"{where}: {exc}; skipped")
        first_runs = self._first_runs(locks)
        tracked = self._git_objects(first_runs)
        for commit, entry in first_runs.values():
            self._run(entry, commit, tracked)
        self._chain_versions()
        existing = {node.ref: node.attrs for node in self.store.get_many(sorted(self.datasets))}
        nodes = [
            Node.make(ref, {**existing.get(ref, {}), **attrs}, self.dataset_times[ref])
            for ref, attrs in self.datasets.items()
        ]
        return nodes + list(self.runs.values()), list(self.edges.values())

    @staticmethod
    def _first_runs(
        locks: list[tuple[FileVersion, list[StageEntry]]],
    ) -> dict[tuple[str, str], tuple[Commit, StageEntry]]:
        """Each distinct lock entry with the first commit that holds it (history is oldest
        first)."""
        first: dict[tuple[str, str], tuple[Commit, StageEntry]] = {}
        for version, entries in locks:
            for entry in entries:
                first.setdefault((entry.address, entry.digest), (version.commit, entry))
        return first

    def _git_objects(
        self, runs: dict[tuple[str, str], tuple[Commit, StageEntry]]
    ) -> dict[str, tuple[str, str]]:
        """Which deps and params files git tracks at each run's commit (one batch-check)."""
        specs = []
        for commit, entry in runs.values():
            specs += [
                f"{commit.sha}:{dep.path}"
                for dep in entry.deps
                if not _EXTERNAL.match(dep.path) and not dep.path.startswith("/")
            ]
            specs += [f"{commit.sha}:{file}" for file in entry.params]
        return object_ids(self.history.root, specs)

    def _dataset(self, ref: DataRef, commit: Commit, introduced: bool = False) -> str:
        name = self.names.name(ref)
        node_ref = str(parse_ref(f"dataset:{name}@{ref.digest12}"))
        attrs = self.datasets.get(node_ref)
        if attrs is None:
            attrs = self.datasets[node_ref] = {
                "source": SOURCE,
                "path": ref.path,
                "algorithm": ref.algorithm,
                ref.algorithm if ref.algorithm in HASH_KEYS else "md5": ref.digest,
                "size": ref.size,
                "nfiles": ref.nfiles,
                "is_dir": ref.is_dir,
                "repo": str(self.history.root),
                "first_commit": commit.sha,
            }
            self.dataset_times[node_ref] = commit.time
            self.order.setdefault(name, []).append(node_ref)
        if introduced and "introduced_in" not in attrs:
            attrs["introduced_in"] = commit.sha
        return node_ref

    def _run(self, entry: StageEntry, commit: Commit, tracked: dict[str, tuple[str, str]]) -> None:
        ref = str(parse_ref(f"run:dvc:{entry.address}@{commit.sha[:12]}"))
        outputs = {out.path for out in entry.outs}
        code_deps, dep_blobs, data_deps = {}, {}, []
        for dep in entry.deps:
            if dep.path not in outputs and f"{commit.sha}:{dep.path}" in tracked:
                code_deps[dep.path] = dep.digest
                dep_blobs[dep.path] = tracked[f"{commit.sha}:{dep.path}"][1]
            else:
                data_deps.append(dep)
        params: dict[str, Any] = {}
        for file, values in entry.params.items():
            prefix = "" if file == DEFAULT_PARAMS_FILE else f"{file}:"
            params.update({prefix + key: value for key, value in values.items()})
        params_files = {
            file: tracked[f"{commit.sha}:{file}"][1] if f"{commit.sha}:{file}" in tracked else None
            for file in entry.params
        }
        attrs = {
            "source": SOURCE,
            "stage": entry.address,
            "cmd": entry.cmd,
            "state": "COMPLETE",
            "params": _jsonable(params),
            "params_files": params_files,
            "code_deps": code_deps,
            "dep_blobs": dep_blobs,
            "unhashed_deps": entry.unhashed,
            "lock_entry": entry.digest,
            "repo": str(self.history.root),
            COMMIT_ATTR: commit.sha,
        }
        self.runs[ref] = Node.make(ref, attrs, commit.time)
        for dep in data_deps:
            self._edge(self._dataset(dep, commit), ref, EdgeKind.INPUT, commit.time)
        for out in entry.outs:
            self._edge(ref, self._dataset(out, commit), EdgeKind.OUTPUT, commit.time)

    def _edge(self, src: str, dst: str, kind: EdgeKind, moment: datetime) -> None:
        key = (src, dst, kind)
        if key not in self.edges or moment < (self.edges[key].source_time or moment):
            self.edges[key] = Edge(src, dst, kind, {}, moment)

    def _chain_versions(self) -> None:
        for refs in self.order.values():
            ordered = sorted(refs, key=lambda r: (self.dataset_times[r], r))
            for older, newer in zip(ordered, ordered[1:], strict=False):
                self._edge(older, newer, EdgeKind.PREVIOUS, self.dataset_times[newer])


def link_dvc_sources(store: LineageStore) -> int:
    """Add config→run edges for DVC runs' params files and the dependencies git versions as
    configs (a stage declares what it consumes), and commit→dataset edges for `.dvc` versions,
    for the config and commit nodes that are now in the graph; returns how many."""
    runs = [n for n in store.find(NodeKind.RUN) if n.attrs.get("source") == SOURCE]
    datasets = [
        n
        for n in store.find(NodeKind.DATASET)
        if n.attrs.get("source") == SOURCE and n.attrs.get("introduced_in")
    ]
    wanted: list[tuple[str, str, EdgeKind]] = []
    for run in runs:
        declared = {**(run.attrs.get("dep_blobs") or {}), **(run.attrs.get("params_files") or {})}
        for file, blob in declared.items():
            if blob:
                wanted.append((config_ref(file, blob), run.ref, EdgeKind.CONFIG_OF))
    for dataset in datasets:
        wanted.append(
            (commit_ref(dataset.attrs["introduced_in"]), dataset.ref, EdgeKind.INTRODUCED)
        )
    if not wanted:
        return 0
    present = {n.ref for n in store.get_many(sorted({src for src, _, _ in wanted}))}
    candidates = [(s, d, k) for s, d, k in wanted if s in present]
    if not candidates:
        return 0
    have = {(e.src, e.dst, e.kind) for e in store.edges_of(sorted({d for _, d, _ in candidates}))}
    edges = [Edge(s, d, k) for s, d, k in dict.fromkeys(candidates) if (s, d, k) not in have]
    if edges:
        store.upsert(edges=edges)
    return len(edges)


def pipeline_outputs(repo: Path, commit: str) -> dict[str, set[str]]:
    """The files the DVC pipelines at `commit` write, each with every path it is made from.

    Keys: every out of every stage in each `dvc.lock` (metrics and plots files included: DVC
    records them as outs, cached or not). Values: the stage's deps and params files, and
    theirs in turn for deps another stage writes — what a change to the out can come from. A
    file a stage writes is a result of the pipeline, never an input a run consumes."""
    from graph.ingest.dvc.history import read_blobs, repo_root, tree_paths

    root, _ = repo_root(repo)
    locks = [path for path in tree_paths(root, commit) if path.rsplit("/", 1)[-1] == "dvc.lock"]
    contents = read_blobs(root, [f"{commit}:{path}" for path in locks])
    direct: dict[str, set[str]] = {}
    for path in locks:
        try:
            entries = parse_lock(contents.get(f"{commit}:{path}", b""), path)
        except DvcFormatError:
            continue
        for entry in entries:
            sources = {dep.path for dep in entry.deps} | set(entry.params)
            for out in entry.outs:
                direct.setdefault(out.path, set()).update(sources)
    return {out: _closure(out, direct) for out in direct}


def _closure(out: str, direct: dict[str, set[str]]) -> set[str]:
    seen: set[str] = set()
    todo = list(direct.get(out, ()))
    while todo:
        path = todo.pop()
        if path not in seen and path != out:
            seen.add(path)
            todo.extend(direct.get(path, ()))
    return seen


def recorded_versions(repo: Path, commit: str) -> dict[str, list[DataRef]]:
    """Per repo-relative file path, the versions (md5, files only) DVC recorded for it as a
    stage's out in a `dvc.lock` or an out of a `.dvc` file, at `commit` and at the first commit
    after it that changed those files on each branch holding it: DVC's workflow commits
    `dvc.lock` after `dvc repro`, so what a run at `commit` read is often recorded only in the
    next commit. Oldest record first, each md5 once; a handful per path, never a history."""
    from graph.ingest.dvc.history import next_changes, read_blobs, tree_paths

    found: dict[str, dict[str, DataRef]] = {}
    for sha in [commit, *next_changes(repo, commit, PATHSPECS)]:
        files = [p for p in tree_paths(repo, sha) if _wanted(p)]
        contents = read_blobs(repo, [f"{sha}:{p}" for p in files])
        for file in files:
            content = contents.get(f"{sha}:{file}", b"")
            try:
                if file.rsplit("/", 1)[-1] == "dvc.lock":
                    outs = [out for entry in parse_lock(content, file) for out in entry.outs]
                else:
                    outs = parse_dvc_file(content, file)
            except DvcFormatError:
                continue
            for out in outs:
                if out.algorithm.startswith("md5") and not out.is_dir:
                    found.setdefault(out.path, {}).setdefault(out.digest.lower(), out)
    return {path: list(versions.values()) for path, versions in found.items()}
