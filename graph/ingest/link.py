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
  path when the run started (by mtime and row count);
- a DVC output or `.dvc` version is the file in the work tree or the DVC cache entry whose md5
  is the one DVC recorded; the work-tree file is ingested as `ingest data` would (same node,
  same profile), a cache entry is looked up by its BLAKE3.

Folding moves every edge of the placeholder to the content node (each run's edge on its own:
two runs may share an MLflow digest and not their content), adds the placeholder's digest to
the content node's `aliases` (`{"mlflow": [...], "md5": [...]}`) and deletes the placeholder.
A placeholder some of whose edges cannot be resolved stays, one node, with `content:
"unreachable"` and `content_reason` saying why; a later ingest that brings the content folds
it. Everything here is a function of what the store holds (and the files it names), never of
which ingest came first, and running it twice changes nothing the second time.

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

from graph.attributes import ConfigAttrs, DatasetAttrs, RunAttrs
from graph.ingest.aliases import add_alias, is_placeholder
from graph.model import Edge, Node
from graph.refs import EdgeKind, NodeKind, Ref, config_ref, dataset_ref

if TYPE_CHECKING:
    from graph.store import LineageStore

GIT_STATE = "git"
LINK_STATE = "link"
UNREACHABLE = "unreachable"
CONFIG_MIN_SHARE = 0.5
CONFIG_MIN_KEYS = 2
MD5_CHUNK = 1 << 20


@dataclass(slots=True)
class LinkReport:
    """What one pass of identity resolution did."""

    folded: list[str] = field(default_factory=list)  # placeholder refs folded into content
    unreachable: dict[str, str] = field(default_factory=dict)  # placeholder ref → reason
    ingested: list[str] = field(default_factory=list)  # content nodes made from work-tree files
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


class _Folder:
    """Folds MLflow and DVC placeholders into the content nodes they name."""

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

    def run(self) -> None:
        datasets = self.store.find(NodeKind.DATASET)
        mlflow = [n for n in datasets if is_placeholder(n)]
        dvc = [n for n in datasets if n.attrs.get("source") == "dvc" and n.attrs.get("md5")]
        if mlflow:
            self._fold_mlflow(mlflow)
        self._settle_replaced([n for n in datasets if not is_placeholder(n)])
        for node in dvc:
            self._fold_dvc(node)
        self._write()

    # -- MLflow inputs ---------------------------------------------------------------------------

    def _fold_mlflow(self, placeholders: list[Node]) -> None:
        edges = self.store.edges_of([n.ref for n in placeholders])
        runs = {n.ref: n for n in self.store.get_many(sorted({e.dst for e in edges}))}
        blobs = self._blobs_at_commits(placeholders, edges, runs)
        digests = self._git_digests(sorted({blob for blob in blobs.values() if blob}))
        by_node: dict[str, list[Edge]] = {}
        for edge in edges:
            for end in {edge.src, edge.dst}:
                by_node.setdefault(end, []).append(edge)
        for node in placeholders:
            mine = by_node.get(node.ref, [])
            reads = [e for e in mine if e.kind is EdgeKind.INPUT and e.src == node.ref]
            targets: dict[tuple[str, str], tuple[str | None, str]] = {
                (e.src, e.dst): self._mlflow_content(node, runs.get(e.dst), blobs, digests)
                for e in reads
            }
            missing = [how for target, how in targets.values() if target is None]
            if not reads or missing:
                self._mark_unreachable(node, missing[0] if missing else "no run reads it")
                continue
            found = {str(target) for target, _ in targets.values()}
            for edge in mine:  # a version chain `ingest data` began from it moves along
                target, how = targets.get((edge.src, edge.dst)) or (min(found), "")
                self._move(edge, node, str(target), how)
            self._fold(node, "mlflow", str(node.attrs.get("digest") or ""), found)

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

    def _mlflow_path(self, node: Node) -> Path | None:
        stored = DatasetAttrs(node).path
        if stored is None:
            return None
        path = Path(stored)
        if not path.is_absolute():
            path = (self.root or Path.cwd()) / path
        return path

    def _blobs_at_commits(
        self, placeholders: list[Node], edges: list[Edge], runs: dict[str, Node]
    ) -> dict[tuple[str, str], str | None]:
        """(placeholder ref, run ref) → the blob sha at the input's path in the run's commit."""
        from graph.ingest.dvc.history import object_ids

        by_ref = {n.ref: n for n in placeholders}
        wanted: dict[tuple[str, str], list[tuple[Path, str]]] = {}
        for edge in edges:
            node, run = by_ref.get(edge.src), runs.get(edge.dst)
            commit = RunAttrs(run).git_commit if run is not None else None
            path = self._mlflow_path(node) if node is not None else None
            if edge.kind is not EdgeKind.INPUT or not commit or path is None:
                continue
            specs = []
            for repo in self.repos:
                relative = _relative(path, repo)
                if relative is not None:
                    specs.append((repo, f"{commit}:{relative}"))
            wanted[(edge.src, edge.dst)] = specs
        found: dict[tuple[str, str], str | None] = {}
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

    def _mlflow_content(
        self,
        node: Node,
        run: Node | None,
        blobs: dict[tuple[str, str], str | None],
        digests: dict[str, str],
    ) -> tuple[str | None, str]:
        """(the content ref a run's input resolves to, how), or (None, why it does not)."""
        path = self._mlflow_path(node)
        if path is None:
            return None, "MLflow gives no local file path for it"
        if run is None:
            return None, "its run is not in the graph"
        commit = RunAttrs(run).git_commit
        blob = blobs.get((node.ref, run.ref)) if commit else None
        if blob is not None:
            digest = digests.get(blob)
            relative = next(
                (r for repo in self.repos if (r := _relative(path, repo)) is not None), None
            )
            if digest and relative is not None:
                ref = dataset_ref(_stem(relative), digest)
                if self._node(ref) is not None:
                    return ref, "git"
            return None, f"git blob {blob[:12]} at {commit[:12]} is not versioned: run ingest git"
        by_time = self._version_at_start(node, run, path)
        if by_time is not None:
            return by_time, "path+time"
        if not commit:
            return None, "its run records no git commit and ingest data never saw the file then"
        if not self.repos:
            return None, f"no git repository holds commit {commit[:12]}"
        return None, f"{path.name} is not in git at commit {commit[:12]}"

    def _version_at_start(self, node: Node, run: Node, path: Path) -> str | None:
        from graph.ingest.data import path_timeline, version_read_at

        if run.source_time is None:
            return None
        timeline = path_timeline(self.store, path)
        ref = version_read_at(timeline, run.source_time, DatasetAttrs(node).row_count)
        return ref if ref is not None and self._node(ref) is not None else None

    # -- DVC outputs -----------------------------------------------------------------------------

    def _fold_dvc(self, node: Node) -> None:
        attrs = node.attrs
        md5 = str(attrs["md5"])
        if attrs.get("is_dir") or md5.endswith(".dir"):
            self._mark_unreachable(node, "a folder out: DVC hashes its .dir manifest, not bytes")
            return
        repo = Path(str(attrs.get("repo") or ""))
        path = DatasetAttrs(node).path or ""
        if not attrs.get("repo") or not path:
            self._mark_unreachable(node, "DVC names no file for it")
            return
        work_file = repo / path
        cached = [repo / ".dvc" / "cache" / "files" / "md5" / md5[:2] / md5[2:]]
        cached.append(repo / ".dvc" / "cache" / md5[:2] / md5[2:])
        name = Ref(NodeKind.DATASET, node.ref.split(":", 1)[1]).name
        size = attrs.get("size")
        if _has_md5(work_file, md5, size):
            target = self._ingest_file(work_file, name)
        else:
            entry = next((c for c in cached if c.is_file()), None)  # named by its md5
            target = self._by_blake3(entry, md5, name) if entry is not None else None
            if target is None:
                self._mark_unreachable(
                    node,
                    f"neither {path} nor the DVC cache holds md5 {md5[:12]}"
                    if entry is None
                    else f"in the DVC cache, but no dataset version holds its bytes: "
                    f"dvc checkout, then ingest data {path}",
                )
                return
        for edge in self.store.edges_of([node.ref]):
            self._move(edge, node, target, "md5")
        self._fold(node, "md5", md5, {target})

    def _ingest_file(self, file: Path, name: str) -> str:
        """The work-tree file as `ingest data` makes it: the same node whichever ran first."""
        from graph.ingest.data import default_name, ingest_datasets

        result = ingest_datasets(
            self.store, [file], name=None if name == default_name(file) else name, root=self.root
        )
        ref = result.datasets[0].ref
        if result.datasets[0].status == "new":
            self.report.ingested.append(ref)
        return ref

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
        for ref in sorted(targets):
            node = self._node(ref)
            if node is not None:
                add_alias(node, alias, digest)
        self.nodes.pop(placeholder.ref, None)
        self.folded[placeholder.ref] = sorted(targets)[0] if len(targets) == 1 else ""
        self.report.folded.append(placeholder.ref)

    def _write(self) -> None:
        """One transaction: changed nodes, moved edges (merged with any edge already between
        the same ends: the content's own attributes win, MLflow's role is kept), and the
        folded placeholders deleted."""
        edges = dict(self.settled)
        for edge in self.moved:
            src, dst = self.folded.get(edge.src, edge.src), self.folded.get(edge.dst, edge.dst)
            if not src or not dst or src == dst:
                continue  # an edge between placeholders folded into one node, or into many
            key = (src, dst, edge.kind)
            existing = edges.get(key) or next(
                (e for e in self.store.edges_of([src]) if (e.src, e.dst, e.kind) == key), None
            )
            attrs = {**edge.attrs, **(existing.attrs if existing else {})}
            times = [t for t in (edge.source_time, existing.source_time if existing else None) if t]
            edges[key] = Edge(src, dst, edge.kind, attrs, min(times) if times else None)
        nodes = [n for n in self.nodes.values() if self.loaded.get(n.ref) != n.attrs]
        if nodes or edges or self.folded:
            self.store.upsert(nodes, edges.values(), delete=sorted(self.folded))

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
