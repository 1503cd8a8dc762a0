"""Identity resolution: the step every ingest ends with (`Source.run`), so that one artifact is
one node whichever source described it and in whatever order the sources were read.

Sources mint what they see: MLflow a dataset named by its own digest (`algorithm: mlflow`, a
placeholder: MLflow's digest of pandas data covers 10,000 rows and the row count), DVC a
dataset named by its md5 (`algorithm: md5`), git and `ingest data` a dataset named by the
BLAKE3 of its bytes. A dataset version is its content, so this step folds the first two into
the third where the content can be reached:

- an MLflow input with a file path is the git blob at that path in its run's commit (the run's
  `git_commit`), when `ingest git` has versioned that blob (its BLAKE3 is in the store's git
  state) — that node carries the profile; failing that, the version `ingest data` saw at that
  path when the run started (by mtime and row count); one with no file path (autolog's
  frames) is the one data file version in its commit's tree or on disk then whose rows and
  columns agree with what MLflow logged (`graph.ingest.mlflow.by_profile`);
- an MLflow input whose path DVC tracks (not in git) is one of the few versions DVC recorded
  for that path at the run's commit or the next commit that changed `dvc.lock`/`.dvc` files
  (`graph.ingest.dvc.recorded_versions`): the one whose bytes reproduce MLflow's own pandas
  digest, else the only one with MLflow's row count;
- a DVC output or `.dvc` version is the file in the work tree or the DVC cache entry
  (`graph.ingest.dvc.cache`) whose md5 is the one DVC recorded, versioned and profiled as
  `ingest data` would version the file at its DVC path (same node, same profile); a cache
  entry over `CACHED_PROFILE_MAX_BYTES` is only looked up by its BLAKE3;
- an OpenLineage dataset that names a file (`graph.ingest.openlineage.files`) inside the
  project is, for each run that read it, the git blob at that path in the run's commit
  (`sourceCodeLocation.version`) or else the version `ingest data` saw there when the run
  started, as for MLflow; for each run that wrote it, the version `ingest data` saw there
  with an mtime between the run's start and end (a run's commit holds what it read, never
  what it wrote).

Folding moves every edge of the placeholder to the content node (each run's edge on its own:
two runs may share an MLflow digest and not their content), adds the placeholder's digest to
the content node's `aliases` (`{"mlflow": [...], "md5": [...], "openlineage": [...]}`) and
deletes the placeholder. An MLflow or DVC placeholder some of whose edges cannot be resolved
stays, one node, with `content: "unreachable"` and `content_reason` saying why; a later ingest
that brings the content folds it. An OpenLineage file dataset is one path read and written by
many runs over time, so each run's edge moves as soon as its version is found, and the node
stays (unreachable, with the reason) only while some edge cannot be resolved. Everything here
is a function of what the store holds (and the files it names), never of which ingest came
first, and running it twice changes nothing the second time.

Then runs are linked to their commits (`graph.ingest.links`), and to the config versions they
consumed (`link_run_configs`) or their DVC stage declares (`link_dvc_sources`), whichever of
the two ends arrived last.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graph.attributes import ConfigAttrs, DataEdgeAttrs, DatasetAttrs, RunAttrs
from graph.ingest.aliases import add_alias, is_placeholder
from graph.ingest.openlineage.files import file_dataset_path, openlineage_identity
from graph.ingest.openlineage.merge import merge_facet_records
from graph.model import Edge, Node
from graph.refs import EdgeKind, NodeKind, config_ref, dataset_ref

if TYPE_CHECKING:
    from graph.ingest.dvc import DataRef
    from graph.store import LineageStore

GIT_STATE = "git"
LINK_STATE = "link"
UNREACHABLE = "unreachable"
CONFIG_MIN_SHARE = 0.5
CONFIG_MIN_KEYS = 2
MD5_CHUNK = 1 << 20
# A DVC cache entry up to this size is versioned and profiled when a DVC out names it, as git's
# committed data files are (`graph.ingest.git.versions.PROFILE_MAX_BYTES`); a bigger one is only
# matched to a version `ingest data` made, so a link step never reads a data lake.
CACHED_PROFILE_MAX_BYTES = 64 << 20


@dataclass(slots=True)
class LinkReport:
    """What one pass of identity resolution did."""

    folded: list[str] = field(default_factory=list)  # placeholder refs folded into content
    unreachable: dict[str, str] = field(default_factory=dict)  # placeholder ref → reason
    ingested: list[str] = field(default_factory=list)  # content nodes made from DVC-tracked bytes
    commit_links: int = 0  # commit→run edges added (`graph.ingest.links`)
    config_links: int = 0  # config→run edges added

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def link(store: LineageStore, repos: Iterable[Path], root: Path | None = None) -> LinkReport:
    """Resolve identities in `store` against the git work trees `repos` (the project's; the
    first that holds a run's commit is used) and the project `root` (relative MLflow paths).

    Idempotent and independent of ingest order; see the module docstring.
    """
    from graph.ingest.dvc import link_dvc_sources
    from graph.ingest.links import link_runs_to_commits

    report = LinkReport()
    tops = _work_trees(repos)
    _Folder(store, tops, root, report).run()
    report.commit_links = link_runs_to_commits(store)
    report.config_links = link_run_configs(store, tops) + link_dvc_sources(store)
    return report


def _work_trees(repos: Iterable[Path]) -> list[Path]:
    from graph.errors import IngestError
    from graph.ingest.dvc.history import repo_root

    found: list[Path] = []
    for repo in repos:
        try:
            top, _ = repo_root(Path(repo))
        except IngestError:
            continue
        if top not in found:
            found.append(top)
    return found


@dataclass(frozen=True, slots=True)
class _FileUse:
    """One run's read or write of a file that a source named by its path (an MLflow input, an
    OpenLineage file dataset): what identity resolution looks the content up for."""

    edge: Edge
    node: Node  # the node the source minted for the file
    run: Node | None  # the run at the edge's other end, if stored
    path: Path | None  # absolute; None when the source names no file the project holds
    rows: int | None  # the row count the source recorded, which the version found must agree with
    no_path: str = ""  # why `path` is None

    @property
    def key(self) -> tuple[str, str]:
        return self.edge.src, self.edge.dst

    @property
    def commit(self) -> str | None:
        return RunAttrs(self.run).git_commit if self.run is not None else None


@dataclass(frozen=True, slots=True)
class _DvcBytes:
    """A version DVC recorded, reached: its content node and the file holding its bytes."""

    ref: str
    file: Path


class _Folder:
    """Folds MLflow, DVC and OpenLineage nodes into the content nodes they name."""

    def __init__(
        self, store: LineageStore, repos: list[Path], root: Path | None, report: LinkReport
    ) -> None:
        self.store = store
        self.repos = repos
        self.root = root
        self.report = report
        self.nodes: dict[str, Node] = {}  # content and placeholder nodes, as they will be
        self.loaded: dict[str, dict[str, Any]] = {}  # their attributes as stored
        self.moved: list[Edge] = []  # placeholders' edges, their ends moved to the content
        self.folded: dict[str, str] = {}  # placeholder → its one content ref ("" if several)
        self.settled: dict[tuple[str, str, EdgeKind], Edge] = {}  # edges only re-labelled
        self.unlinked: list[tuple[str, str, EdgeKind]] = []  # moved edges of nodes that stay
        self.timelines: dict[Path, list[dict[str, Any]]] = {}  # path → what `ingest data` saw
        # (repo, path, md5) → a DVC-recorded version reached, or why not; once per pass
        self.dvc_bytes: dict[tuple[str, str, str], tuple[_DvcBytes | None, str]] = {}
        # (repo, commit) → path → the versions DVC recorded there (`recorded_versions`)
        self.dvc_records: dict[tuple[str, str], dict[str, list[DataRef]]] = {}

    def run(self) -> None:
        datasets = self.store.find(NodeKind.DATASET)
        mlflow = [n for n in datasets if is_placeholder(n)]
        dvc = [n for n in datasets if n.attrs.get("source") == "dvc" and n.attrs.get("md5")]
        files = [n for n in datasets if file_dataset_path(n) is not None]
        if mlflow:
            self._fold_mlflow(mlflow)
        self._settle_replaced([n for n in datasets if not is_placeholder(n)])
        for node in dvc:
            self._fold_dvc(node)
        if files:
            self._fold_openlineage(files)
        self._write()

    # -- MLflow inputs ---------------------------------------------------------------------------

    def _fold_mlflow(self, placeholders: list[Node]) -> None:
        edges, runs = self._edges_and_runs(placeholders)
        by_ref = {n.ref: n for n in placeholders}
        reads = [
            self._use(
                e,
                by_ref[e.src],
                runs,
                self._mlflow_path(by_ref[e.src]),
                DatasetAttrs(by_ref[e.src]),
            )
            for e in edges
            if e.kind is EdgeKind.INPUT and e.src in by_ref
        ]
        found = self._contents(reads)
        found.update(self._by_profile([r for r in reads if r.path is None]))
        by_node: dict[str, list[Edge]] = {}
        for edge in edges:
            for end in {edge.src, edge.dst}:
                by_node.setdefault(end, []).append(edge)
        for node in placeholders:
            mine = by_node.get(node.ref, [])
            targets = {key: found[key] for e in mine if (key := (e.src, e.dst)) in found}
            missing = [how for target, how in targets.values() if target is None]
            if not targets or missing:
                self._mark_unreachable(node, missing[0] if missing else "no run reads it")
                continue
            contents = {str(target) for target, _ in targets.values()}
            for edge in mine:  # a version chain `ingest data` began from it moves along
                target, how = targets.get((edge.src, edge.dst)) or (min(contents), "")
                self._move(edge, node, str(target), how)
            self._fold(node, "mlflow", str(node.attrs.get("digest") or ""), contents)

    def _by_profile(self, reads: list[_FileUse]) -> dict[tuple[str, str], tuple[str | None, str]]:
        """Inputs MLflow logged with no file path (autolog's frames): the committed or
        ingested data file whose profile agrees (`graph.ingest.mlflow.by_profile`)."""
        from graph.ingest.mlflow.by_profile import PathlessRead, resolve_pathless

        pathless = [PathlessRead(r.edge, r.node, r.run) for r in reads]
        return resolve_pathless(self.store, self.repos, self._absolute, pathless)

    def _settle_replaced(self, datasets: list[Node]) -> None:
        """Input edges MLflow wrote to a placeholder whose ref git or `ingest data` has since
        written as content (a logger that uses a BLAKE3 prefix as MLflow's digest, as the
        fixtures do): the same ref, now verified, so the edge says so, as if the content had
        been there first."""
        aliased = [n.ref for n in datasets if DatasetAttrs(n).aliases.get("mlflow")]
        for edge in self.store.edges_of(aliased) if aliased else []:
            if edge.kind is EdgeKind.INPUT and edge.attrs.get("identity") == "mlflow":
                attrs = {**edge.attrs, "identity": "blake3", "matched_by": "digest"}
                key = (edge.src, edge.dst, edge.kind)
                self.settled[key] = Edge(edge.src, edge.dst, edge.kind, attrs, edge.source_time)

    def _mlflow_path(self, node: Node) -> Path | str:
        stored = DatasetAttrs(node).path
        if stored is None:
            return "MLflow gives no local file path for it"
        return self._absolute(stored)

    def _absolute(self, stored: str) -> Path:
        """A path a source recorded; a relative one is relative to the project root."""
        path = Path(stored)
        return path if path.is_absolute() else (self.root or Path.cwd()) / path

    # -- OpenLineage file datasets ---------------------------------------------------------------

    def _fold_openlineage(self, datasets: list[Node]) -> None:
        """Each run's edge of a file dataset moves to the content it resolves to; the dataset
        folds away once every edge has moved (see the module docstring)."""
        edges, runs = self._edges_and_runs(datasets)
        by_ref = {n.ref: n for n in datasets}
        paths = {n.ref: self._openlineage_path(n) for n in datasets}
        by_node: dict[str, list[_FileUse]] = {}
        for edge in sorted(edges, key=lambda e: (e.src, e.dst, e.kind.value)):
            if edge.kind not in (EdgeKind.INPUT, EdgeKind.OUTPUT):
                continue
            node = by_ref.get(edge.src if edge.kind is EdgeKind.INPUT else edge.dst)
            if node is not None:
                use = self._use(edge, node, runs, paths[node.ref], DataEdgeAttrs(edge.attrs))
                by_node.setdefault(node.ref, []).append(use)
        found = self._contents([use for mine in by_node.values() for use in mine])
        for node in datasets:
            mine = by_node.get(node.ref, [])
            missing = [found[use.key][1] for use in mine if found[use.key][0] is None]
            contents = {str(found[use.key][0]) for use in mine if found[use.key][0] is not None}
            identity = openlineage_identity(node)
            if mine and not missing:
                for use in mine:
                    self._move(use.edge, node, str(found[use.key][0]), found[use.key][1])
                self._fold(node, "openlineage", identity, contents)
                continue
            self._mark_unreachable(node, missing[0] if missing else "no run reads or writes it")
            for use in mine:
                target, how = found[use.key]
                if target is not None:
                    self._move(use.edge, node, target, how)
                    self.unlinked.append((use.edge.src, use.edge.dst, use.edge.kind))
            self._add_aliases("openlineage", identity, contents)

    def _openlineage_path(self, node: Node) -> Path | str:
        """The file an OpenLineage dataset names, when it is inside the project; else why not."""
        path = self._absolute(str(file_dataset_path(node)))
        tops = list(dict.fromkeys(top for top in (self.root, *self.repos) if top is not None))
        if any(_relative(path, top) is not None for top in tops):
            return path
        where = ", ".join(str(top) for top in tops) or "no project folder given"
        return f"{path} is outside the project ({where}): agentops versions only its files"

    # -- a run's file, to its content ------------------------------------------------------------

    def _edges_and_runs(self, nodes: list[Node]) -> tuple[list[Edge], dict[str, Node]]:
        """The stored edges of `nodes` and the runs at their other ends."""
        refs = {n.ref for n in nodes}
        edges = self.store.edges_of(sorted(refs))
        others = sorted({end for e in edges for end in (e.src, e.dst) if end not in refs})
        return edges, {n.ref: n for n in self.store.get_many(others) if n.kind is NodeKind.RUN}

    @staticmethod
    def _use(
        edge: Edge,
        node: Node,
        runs: dict[str, Node],
        path: Path | str,
        counted: DatasetAttrs | DataEdgeAttrs,
    ) -> _FileUse:
        """The use `edge` records; `path` is the file or why there is none, `counted` what
        holds the row count the source saw (an OpenLineage edge's statistics facet, an MLflow
        placeholder: one per digest)."""
        run = runs.get(edge.dst if edge.kind is EdgeKind.INPUT else edge.src)
        if isinstance(path, str):
            return _FileUse(edge, node, run, None, None, path)
        return _FileUse(edge, node, run, path, counted.row_count)

    def _contents(self, uses: list[_FileUse]) -> dict[tuple[str, str], tuple[str | None, str]]:
        """Each use's content ref and how it was matched, or None and why it was not."""
        blobs = self._blobs_at_commits(uses)
        digests = self._git_digests(sorted({blob for blob in blobs.values() if blob}))
        return {use.key: self._content(use, blobs, digests) for use in uses}

    def _blobs_at_commits(self, uses: list[_FileUse]) -> dict[tuple[str, str], str]:
        """(dataset ref, run ref) → the blob sha at a read file's path in the run's commit."""
        from graph.ingest.dvc.history import object_ids

        wanted: dict[tuple[str, str], list[tuple[Path, str]]] = {}
        for use in uses:
            if use.edge.kind is not EdgeKind.INPUT or not use.commit or use.path is None:
                continue
            specs = []
            for repo in self.repos:
                relative = _relative(use.path, repo)
                if relative is not None:
                    specs.append((repo, f"{use.commit}:{relative}"))
            wanted[use.key] = specs
        found: dict[tuple[str, str], str] = {}
        for repo in self.repos:
            asked = sorted({spec for specs in wanted.values() for r, spec in specs if r == repo})
            ids = object_ids(repo, asked) if asked else {}
            for key, specs in wanted.items():
                for r, spec in specs:
                    if r == repo and spec in ids and ids[spec][0] == "blob" and key not in found:
                        found[key] = ids[spec][1]
        return found

    def _git_digests(self, blobs: list[str]) -> dict[str, str]:
        state = self.store.get_state(GIT_STATE, [f"blob:{sha}" for sha in blobs])
        return {key.removeprefix("blob:"): str(value) for key, value in state.items()}

    def _content(
        self, use: _FileUse, blobs: dict[tuple[str, str], str], digests: dict[str, str]
    ) -> tuple[str | None, str]:
        """(the content ref a run's use of a file resolves to, how), or (None, why it does
        not): a read is the blob in the run's commit, else the version there when the run
        started; a write is the version the run left there."""
        path, run, commit = use.path, use.run, use.commit
        if path is None:
            return None, use.no_path
        if run is None:
            return None, "its run is not in the graph"
        if RunAttrs(run).is_job:
            return None, "a job's static lineage (no run), so no version of the file"
        if use.edge.kind is EdgeKind.OUTPUT:
            return self._version_written(use, run, path)
        blob = blobs.get(use.key) if commit else None
        if commit and blob is not None:
            digest = digests.get(blob)
            relative = next(
                (r for repo in self.repos if (r := _relative(path, repo)) is not None), None
            )
            if digest and relative is not None:
                ref = dataset_ref(_stem(relative), digest)
                if self._node(ref) is not None:
                    return ref, "git"
            return None, f"git blob {blob[:12]} at {commit[:12]} is not versioned: run ingest git"
        recorded = self._dvc_version_read(use, path, commit) if commit else None
        if recorded is not None:
            return recorded
        by_time = self._version_at_start(use, run, path)
        if by_time is not None:
            return by_time, "path+time"
        if not commit:
            return None, "its run records no git commit and ingest data never saw the file then"
        if not self.repos:
            return None, f"no git repository holds commit {commit[:12]}"
        return None, f"{path.name} is not in git at commit {commit[:12]}"

    def _version_at_start(self, use: _FileUse, run: Node, path: Path) -> str | None:
        from graph.ingest.data import version_read_at

        if run.source_time is None:
            return None
        ref = version_read_at(self._timeline(path), run.source_time, use.rows)
        return ref if ref is not None and self._node(ref) is not None else None

    def _version_written(self, use: _FileUse, run: Node, path: Path) -> tuple[str | None, str]:
        from graph.ingest.data import version_written_between

        started, ended = RunAttrs(run).started_at or run.source_time, RunAttrs(run).ended_at
        if started is None or ended is None:
            return None, "its run has not ended: what it writes there is not final yet"
        ref = version_written_between(self._timeline(path), started, ended, use.rows)
        if ref is not None and self._node(ref) is not None:
            return ref, "path+time"
        return (
            None,
            f"ingest data never saw what the run wrote to {path.name}: ingest it after a run",
        )

    def _timeline(self, path: Path) -> list[dict[str, Any]]:
        """The versions `ingest data` saw at `path`, read once per pass: many runs read one
        file."""
        from graph.ingest.data import path_timeline

        if path not in self.timelines:
            self.timelines[path] = path_timeline(self.store, path)
        return self.timelines[path]

    # -- DVC outputs -----------------------------------------------------------------------------

    def _fold_dvc(self, node: Node) -> None:
        attrs = node.attrs
        md5 = str(attrs["md5"])
        if attrs.get("is_dir") or md5.endswith(".dir"):
            self._mark_unreachable(node, "a folder out: DVC hashes its .dir manifest, not bytes")
            return
        path = DatasetAttrs(node).path or ""
        if not attrs.get("repo") or not path:
            self._mark_unreachable(node, "DVC names no file for it")
            return
        size = attrs.get("size")
        target, why = self._dvc_content(Path(str(attrs["repo"])), path, md5, size)
        if target is None:
            self._mark_unreachable(node, why)
            return
        for edge in self.store.edges_of([node.ref]):
            self._move(edge, node, target.ref, "md5")
        self._fold(node, "md5", md5, {target.ref})

    def _dvc_content(
        self, repo: Path, path: str, md5: str, size: Any
    ) -> tuple[_DvcBytes | None, str]:
        """The content node of the version of `repo`'s `path` whose md5 DVC recorded, and
        the file holding its bytes: the work-tree file when it has them, else the DVC cache
        entry, each ingested as `ingest data` would ingest the file at `path` (a cache entry
        over `CACHED_PROFILE_MAX_BYTES` only looked up by its BLAKE3); or None and why."""
        from graph.ingest.data import default_name, ingest_tracked_file
        from graph.ingest.dvc.cache import cache_entry

        key = (str(repo), path, md5.lower())
        if key in self.dvc_bytes:
            return self.dvc_bytes[key]
        work_file = repo / path
        in_work_tree = _has_md5(work_file, md5, size)
        entry = None if in_work_tree else cache_entry(repo, md5)
        found: tuple[_DvcBytes | None, str]
        if entry is None and not in_work_tree:
            found = None, f"neither {path} nor the DVC cache holds md5 {md5[:12]}"
        elif entry is not None and entry.stat().st_size > CACHED_PROFILE_MAX_BYTES:
            ref = self._by_blake3(entry, md5, default_name(Path(path)))
            reason = (
                f"in the DVC cache, over {CACHED_PROFILE_MAX_BYTES >> 20} MiB and no dataset "
                f"version holds its bytes: dvc checkout, then ingest data {path}"
            )
            found = (_DvcBytes(ref, entry), "") if ref else (None, reason)
        else:
            file = entry or work_file
            version = ingest_tracked_file(self.store, file, path)
            if version.status == "new":
                self.report.ingested.append(version.ref)
            found = _DvcBytes(version.ref, file), ""
        self.dvc_bytes[key] = found
        return found

    def _dvc_version_read(
        self, use: _FileUse, path: Path, commit: str
    ) -> tuple[str | None, str] | None:
        """The version of a DVC-tracked file an MLflow run read, among the few DVC recorded at
        the run's commit or just after it (`recorded_versions`): the one whose bytes give
        MLflow's own pandas digest of the logged dataset, else the only one whose row count
        is the one MLflow logged. None when DVC does not track the path there."""
        from graph.ingest.dvc import recorded_versions
        from graph.ingest.mlflow.datasets import reproduces_pandas_digest
        from graph.profile import detect_format

        for repo in self.repos:
            relative = _relative(path, repo)
            if relative is None:
                continue
            key = (str(repo), commit)
            if key not in self.dvc_records:  # a run's inputs share its commit's records
                self.dvc_records[key] = recorded_versions(repo, commit)
            outs = self.dvc_records[key].get(relative, [])
            if not outs:
                continue
            found = [self._dvc_content(repo, relative, o.digest, o.size)[0] for o in outs]
            versions = [version for version in found if version is not None]
            digest = str(use.node.attrs.get("digest") or "").lower()
            fmt = detect_format(Path(relative))
            for version in versions:
                if reproduces_pandas_digest(version.file, fmt, digest):
                    return version.ref, "dvc+digest"
            counted = {v.ref for v in versions if self._rows(v.ref) == use.rows}
            if use.rows is not None and len(counted) == 1:
                return counted.pop(), "dvc+rows"
            return None, (
                f"DVC recorded {len(outs)} versions of {relative} at or just after commit "
                f"{commit[:12]} ({len(versions)} with their bytes at hand); none reproduces "
                "MLflow's digest or alone its row count"
            )
        return None

    def _by_blake3(self, file: Path, md5: str, name: str) -> str | None:
        """The stored version holding a DVC cache entry's bytes; the entry's BLAKE3 is kept in
        the store's state (`link`), so a cache is read once, not at every ingest."""
        from graph.ingest.data.fingerprint import blake3_file

        key = f"md5:{md5}"
        digest = self.store.get_state(LINK_STATE, [key]).get(key)
        if not digest:
            digest = blake3_file(file)
            self.store.put_state(LINK_STATE, {key: digest})
        ref = dataset_ref(name, str(digest))
        return ref if self._node(ref) is not None else None

    def _rows(self, ref: str) -> int | None:
        node = self._node(ref)
        return DatasetAttrs(node).row_count if node is not None else None

    # -- folding ---------------------------------------------------------------------------------

    def _node(self, ref: str) -> Node | None:
        if ref in self.nodes:
            return self.nodes[ref]
        if ref in self.folded:
            return None
        found = self.store.get(ref)
        if found is None:
            return None
        self.loaded[ref] = dict(found.attrs)
        self.nodes[ref] = Node(found.ref, found.kind, dict(found.attrs), found.source_time)
        return self.nodes[ref]

    def _move(self, edge: Edge, placeholder: Node, target: str, matched_by: str) -> None:
        """The edge with the placeholder's end on `target`, kept until `_write`; a data edge
        says how its dataset was tied to the content."""
        src = target if edge.src == placeholder.ref else edge.src
        dst = target if edge.dst == placeholder.ref else edge.dst
        attrs = dict(edge.attrs)
        if edge.kind in (EdgeKind.INPUT, EdgeKind.OUTPUT):
            attrs.update(identity="blake3", matched_by=matched_by)
        self.moved.append(Edge(src, dst, edge.kind, attrs, edge.source_time))

    def _fold(self, placeholder: Node, alias: str, digest: str, targets: set[str]) -> None:
        self._add_aliases(alias, digest, targets)
        self.nodes.pop(placeholder.ref, None)
        self.folded[placeholder.ref] = sorted(targets)[0] if len(targets) == 1 else ""
        self.report.folded.append(placeholder.ref)

    def _add_aliases(self, alias: str, name: str, targets: set[str]) -> None:
        """Record `name` as another name (`aliases[alias]`) of each content node in `targets`."""
        for ref in sorted(targets):
            node = self._node(ref)
            if node is not None:
                add_alias(node, alias, name)

    def _write(self) -> None:
        """One transaction: changed nodes, moved edges (merged with any edge already between
        the same ends: the content's own attributes win, MLflow's role is kept, OpenLineage
        facets are each the latest event's), the moved edges of nodes that stay unlinked, and
        the folded placeholders deleted."""
        edges = dict(self.settled)
        moved = []
        for edge in self.moved:
            src, dst = self.folded.get(edge.src, edge.src), self.folded.get(edge.dst, edge.dst)
            if src and dst and src != dst:  # else between placeholders folded into one, or many
                moved.append((src, dst, edge))
        ends = sorted({end for src, dst, _ in moved for end in (src, dst)})
        stored = {(e.src, e.dst, e.kind): e for e in self.store.edges_of(ends)} if ends else {}
        for src, dst, edge in moved:
            key = (src, dst, edge.kind)
            existing = edges.get(key) or stored.get(key)
            attrs = {**edge.attrs, **(existing.attrs if existing else {})}
            if existing and "facet_times" in edge.attrs:  # each facet from its latest event
                attrs = merge_facet_records(attrs, edge.attrs)
            times = [t for t in (edge.source_time, existing.source_time if existing else None) if t]
            edges[key] = Edge(src, dst, edge.kind, attrs, min(times) if times else None)
        nodes = [n for n in self.nodes.values() if self.loaded.get(n.ref) != n.attrs]
        if nodes or edges or self.folded or self.unlinked:
            self.store.upsert(
                nodes, edges.values(), delete=sorted(self.folded), unlink=self.unlinked
            )

    def _mark_unreachable(self, node: Node, reason: str) -> None:
        self.report.unreachable[node.ref] = reason
        self.loaded[node.ref] = dict(node.attrs)
        attrs = {**node.attrs, "content": UNREACHABLE, "content_reason": reason}
        self.nodes[node.ref] = Node(node.ref, node.kind, attrs, node.source_time)


def _relative(path: Path, repo: Path) -> str | None:
    try:
        return path.resolve().relative_to(repo.resolve()).as_posix()
    except ValueError:
        return None


def _stem(relative: str) -> str:
    from graph.ingest.git.versions import dataset_name

    return dataset_name(relative)


def _has_md5(path: Path, md5: str, size: Any) -> bool:
    """Whether the file at `path` has these bytes (its size checked first: no read when not)."""
    try:
        if not path.is_file() or (isinstance(size, int) and path.stat().st_size != size):
            return False
        digest = hashlib.md5(usedforsecurity=False)
        with path.open("rb") as handle:
            while chunk := handle.read(MD5_CHUNK):
                digest.update(chunk)
    except OSError:
        return False
    return digest.hexdigest() == md5.lower()


# -- runs → config versions ----------------------------------------------------------------------


def link_run_configs(store: LineageStore, repos: list[Path]) -> int:
    """Add config→run `config_of` edges from each run to the config versions in its commit's
    tree whose keys it consumed; returns how many edges were new.

    The matching rule: a run param *consumes* a config key when it has the same value (as text,
    or as numbers) and its name is the flattened key (`model.factors`), ends with `.<key>` (a
    prefix the training code added: `serve.blend.genre` for serve.yaml's `blend.genre`), or is
    the key's last part when no other key of that file ends with it (`n_estimators`). A config
    version is linked when at least half of its keys are consumed and at least two (a one-key
    file: that key). Manifests and unparsed files are not configs a run consumes. DVC stages
    are linked from the params files their lock entry names (`link_dvc_sources`).
    """
    from graph.ingest.dvc.history import object_ids

    runs = [
        n
        for n in store.find(NodeKind.RUN)
        if RunAttrs(n).git_commit and RunAttrs(n).params and RunAttrs(n).source != "dvc"
    ]
    configs = [
        n
        for n in store.find(NodeKind.CONFIG)
        if not ConfigAttrs(n).is_manifest and ConfigAttrs(n).keys and ConfigAttrs(n).path
    ]
    if not runs or not configs or not repos:
        return 0
    by_ref = {n.ref: n for n in configs}
    paths = sorted({str(ConfigAttrs(n).path) for n in configs})
    commits = sorted({str(RunAttrs(n).git_commit) for n in runs})
    trees: dict[tuple[str, str], str] = {}  # (commit, path) → config ref in that tree
    for repo in repos:
        ids = object_ids(repo, [f"{c}:{p}" for c in commits for p in paths])
        for spec, (kind, sha) in ids.items():
            commit, _, path = spec.partition(":")
            ref = config_ref(path, sha)
            if kind == "blob" and ref in by_ref:
                trees.setdefault((commit, path), ref)
    wanted: dict[tuple[str, str], dict[str, Any]] = {}
    for run in runs:
        commit, params = str(RunAttrs(run).git_commit), RunAttrs(run).params
        for path in paths:
            ref = trees.get((commit, path))
            if ref is None:
                continue
            keys = ConfigAttrs(by_ref[ref]).keys
            consumed = consumed_keys(params, keys)
            if len(consumed) >= min(CONFIG_MIN_KEYS, len(keys)) and (
                len(consumed) >= CONFIG_MIN_SHARE * len(keys)
            ):
                wanted[(ref, run.ref)] = {
                    "matched_by": "params",
                    "keys_consumed": len(consumed),
                    "keys": len(keys),
                }
    if not wanted:
        return 0
    have = {
        (e.src, e.dst): e.attrs
        for e in store.edges_of(sorted({run for _, run in wanted}))
        if e.kind is EdgeKind.CONFIG_OF
    }
    started = {run.ref: run.source_time for run in runs}
    edges = [
        Edge(src, dst, EdgeKind.CONFIG_OF, attrs, started[dst])
        for (src, dst), attrs in sorted(wanted.items())
        if have.get((src, dst)) != attrs
    ]
    if edges:
        store.upsert(edges=edges)
    return sum(1 for e in edges if (e.src, e.dst) not in have)


def consumed_keys(params: Mapping[str, Any], keys: Mapping[str, Any]) -> list[str]:
    """The config's flattened keys that the run's params consumed (rule: `link_run_configs`)."""
    leaves: dict[str, list[str]] = {}
    for key in keys:
        leaves.setdefault(key.rsplit(".", 1)[-1], []).append(key)
    consumed = []
    for key, value in keys.items():
        for name, logged in params.items():
            same_name = name == key or name.endswith("." + key)
            by_leaf = "." not in name and leaves.get(name) == [key]
            if (same_name or by_leaf) and same_value(logged, value):
                consumed.append(key)
                break
    return consumed


def same_value(logged: Any, configured: Any) -> bool:
    """MLflow logs params as text (`str(value)`); YAML gives typed values."""
    if isinstance(configured, bool) or isinstance(logged, bool):
        return str(logged).lower() == str(configured).lower()
    if str(logged) == str(configured):
        return True
    try:
        return float(str(logged)) == float(str(configured))
    except ValueError:
        return False
