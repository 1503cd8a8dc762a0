"""What changed in code between two versions: the commits, their files, config keys, packages.

The code half of a lineage diff. Given two commits, or two runs, models or deployments (each
taken to the commit its run was trained from), it lists the commits reachable from B and not
from A (`git rev-list A..B`, computed over the parent links stored in the graph, so no checkout
is needed), the files they touched by class, every config key that changed (old → new) per
config file, every dependency whose spec changed, per manifest, and every dataset version the
commits changed (committed data files, and the outputs of pipeline stages — DVC's `dvc.lock` —
run at them). When A is not an ancestor of B (sibling branches), the same is listed for A's
side of the merge base (`B..A`) in `a_side`: a change made on one branch only is as much a
difference as one made on the other.

Limits worth knowing: the walk trusts committer times to stop early, as git does (heavy clock
skew can list a few extra commits); when a range touches one config file on two merged
branches, the newest commit's version is taken as the result.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from typing import Any

from graph.errors import RefError
from graph.model import Node
from graph.queries import WalkOptions, upstream
from graph.refs import EdgeKind, NodeKind, commit_ref, parse_ref
from graph.store import LineageStore

MAX_COMMITS = 10_000
PREFETCH_GENERATIONS = 64
MAX_DATA_STEPS = 16  # `previous` steps back past versions the two sides made themselves
_PREFETCH = WalkOptions(
    depth=PREFETCH_GENERATIONS,
    edge_kinds=frozenset({EdgeKind.PARENT}),
    include_history=True,
)
_VERSIONED_CLASSES = ("config", "dependency")
# Edges followed from a run, model, deployment or incident back to its code commit.
_TOWARD_CODE = frozenset(
    {EdgeKind.CODE_OF, EdgeKind.PRODUCED, EdgeKind.DEPLOYED, EdgeKind.AFFECTED}
)


@dataclass(frozen=True, slots=True)
class CommitChange:
    sha: str
    subject: str
    author: str
    committed_at: str | None
    merge: bool
    reachable: bool
    files: dict[str, list[str]]  # class → paths

    def to_json(self) -> dict[str, Any]:
        return {
            "sha": self.sha,
            "subject": self.subject,
            "author": self.author,
            "committed_at": self.committed_at,
            "merge": self.merge,
            "reachable": self.reachable,
            "files": self.files,
        }


@dataclass(frozen=True, slots=True)
class KeyChange:
    key: str
    status: str  # added | removed | changed
    old: Any = None
    new: Any = None

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "status": self.status, "old": self.old, "new": self.new}


@dataclass(frozen=True, slots=True)
class ConfigChange:
    """One config file (or manifest) whose version differs between A and B."""

    path: str
    old: str | None  # config refs; None when the file did not exist on that side
    new: str | None
    renamed_from: str | None = None
    manifest: bool = False
    parse_error: str | None = None  # of the new version, if it does not parse
    keys: tuple[KeyChange, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "old": self.old,
            "new": self.new,
            "renamed_from": self.renamed_from,
            "manifest": self.manifest,
            "parse_error": self.parse_error,
            "keys": [k.to_json() for k in self.keys],
        }


@dataclass(frozen=True, slots=True)
class PackageChange:
    manifest: str
    package: str
    status: str  # added | removed | changed
    old: str | None = None
    new: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "manifest": self.manifest,
            "package": self.package,
            "status": self.status,
            "old": self.old,
            "new": self.new,
        }


@dataclass(frozen=True, slots=True)
class DataChange:
    """One dataset whose version a range of commits changed: a committed data file (the versions
    its commits introduced) or a pipeline output (produced by a run at one of its commits)."""

    name: str
    old: str | None  # dataset refs; None when the range made the first version
    new: str

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "old": self.old, "new": self.new}


@dataclass(slots=True)
class SideChanges:
    """The commits one side has and the other does not, and what they changed."""

    commits: list[CommitChange] = field(default_factory=list)  # newest first
    files_by_class: dict[str, list[str]] = field(default_factory=dict)
    configs: list[ConfigChange] = field(default_factory=list)
    dependencies: list[PackageChange] = field(default_factory=list)
    data: list[DataChange] = field(default_factory=list)
    truncated: bool = False
    oldest_first: list[Node] = field(default_factory=list, repr=False)  # the commit nodes

    def to_json(self) -> dict[str, Any]:
        return {
            "commits": [c.to_json() for c in self.commits],
            "files_by_class": self.files_by_class,
            "configs": [c.to_json() for c in self.configs],
            "dependencies": [d.to_json() for d in self.dependencies],
            "data": [d.to_json() for d in self.data],
            "truncated": self.truncated,
        }


@dataclass(slots=True)
class CodeDiff:
    a: str
    b: str
    commit_a: str
    commit_b: str
    commits: list[CommitChange] = field(default_factory=list)  # newest first
    files_by_class: dict[str, list[str]] = field(default_factory=dict)
    configs: list[ConfigChange] = field(default_factory=list)
    dependencies: list[PackageChange] = field(default_factory=list)
    truncated: bool = False
    data: list[DataChange] = field(default_factory=list)
    a_side: SideChanges | None = None  # B..A, when A is not an ancestor of B

    def to_json(self) -> dict[str, Any]:
        return {
            "a": self.a,
            "b": self.b,
            "commit_a": self.commit_a,
            "commit_b": self.commit_b,
            "commits": [c.to_json() for c in self.commits],
            "files_by_class": self.files_by_class,
            "configs": [c.to_json() for c in self.configs],
            "dependencies": [d.to_json() for d in self.dependencies],
            "data": [d.to_json() for d in self.data],
            "truncated": self.truncated,
            "a_side": self.a_side.to_json() if self.a_side else None,
        }


def code_diff(store: LineageStore, a: str, b: str, max_commits: int = MAX_COMMITS) -> CodeDiff:
    """The code changes from A (the earlier, good side) to B (the later, bad side)."""
    ref_a, ref_b = store.resolve(a), store.resolve(b)
    commit_a, commit_b = commit_for(store, ref_a), commit_for(store, ref_b)
    sha_a, sha_b = commit_a.removeprefix("commit:"), commit_b.removeprefix("commit:")
    b_side = _side_changes(store, sha_a, sha_b, max_commits)
    a_side = _side_changes(store, sha_b, sha_a, max_commits)
    made_b, made_a = _versions_made(store, b_side), _versions_made(store, a_side)
    either = {ref for made in (made_a, made_b) for versions in made.values() for _, ref in versions}
    b_side.data = _data_changes(store, made_b, either)
    a_side.data = _data_changes(store, made_a, either)
    return CodeDiff(
        ref_a,
        ref_b,
        commit_a,
        commit_b,
        commits=b_side.commits,
        files_by_class=b_side.files_by_class,
        configs=b_side.configs,
        dependencies=b_side.dependencies,
        truncated=b_side.truncated,
        data=b_side.data,
        a_side=a_side if a_side.commits else None,
    )


def _side_changes(store: LineageStore, base: str, tip: str, max_commits: int) -> SideChanges:
    """What the commits reachable from `tip` and not from `base` changed."""
    nodes, truncated = commits_between(store, base, tip, max_commits)
    side = SideChanges(truncated=truncated)
    by_class: dict[str, set[str]] = {}
    for node in nodes:
        files: dict[str, list[str]] = {}
        for entry in node.attrs.get("files", []):
            files.setdefault(entry.get("class", "other"), []).append(entry["path"])
            by_class.setdefault(entry.get("class", "other"), set()).add(entry["path"])
        message = str(node.attrs.get("message", ""))
        side.commits.append(
            CommitChange(
                sha=node.ref.removeprefix("commit:"),
                subject=message.split("\n", 1)[0],
                author=str((node.attrs.get("author") or {}).get("name", "")),
                committed_at=node.attrs.get("committed_at"),
                merge=len(node.attrs.get("parents", [])) > 1,
                reachable=node.attrs.get("reachable", True) is not False,
                files=files,
            )
        )
    side.files_by_class = {cls: sorted(paths) for cls, paths in sorted(by_class.items())}
    oldest_first = list(reversed(nodes))
    side.configs = _config_changes(store, oldest_first, store.get(commit_ref(base)))
    side.dependencies = _package_changes(store, side.configs)
    side.oldest_first = oldest_first
    return side


def commit_for(store: LineageStore, ref: str) -> str:
    """The commit a node's code came from: itself, its run's commit, its model's run's, …"""
    frontier, seen = [ref], {ref}
    for _ in range(6):  # incident ← deployment ← model ← run ← commit, with room to spare
        found = []
        for node in store.get_many(frontier):
            if node.kind is NodeKind.COMMIT:
                return node.ref
            sha = node.attrs.get("git_commit") if node.kind is NodeKind.RUN else None
            if sha and store.get(commit_ref(str(sha).lower())):
                found.append(commit_ref(str(sha).lower()))
        if found:
            return sorted(found)[0]
        sources = sorted(
            {
                edge.src
                for edge in store.edges_of(frontier)
                if edge.dst in frontier and edge.kind in _TOWARD_CODE and edge.src not in seen
            }
        )
        commits = [src for src in sources if src.startswith("commit:")]
        if commits:
            return commits[0]
        if not sources:
            break
        seen.update(sources)
        frontier = sources
    raise RefError(
        f"no commit found behind {ref}",
        hint="ingest the git history (`agentops ingest git`) and the runs that name their "
        "commit, or compare two commits directly",
    )


def commits_between(
    store: LineageStore, a: str, b: str, limit: int = MAX_COMMITS
) -> tuple[list[Node], bool]:
    """Commit nodes reachable from `b` but not from `a` (`git rev-list a..b`), newest first.

    Walks stored parent lists newest-first by committer time, painting A's ancestors; stops when
    only A's ancestors are left in the queue and none is newer than the oldest candidate.
    Returns the nodes and whether `limit` cut the list.
    """
    nodes: dict[str, Node] = {}
    asked: set[str] = set()  # loaded, or known not to be stored

    def load(shas: list[str]) -> None:
        """Load `shas` with their ancestors `PREFETCH_GENERATIONS` deep, in two statements: the
        walk goes back one generation per batch, and a statement per generation was most of
        what a code diff cost."""
        missing = [commit_ref(sha) for sha in shas if sha not in asked]
        if not missing:
            return
        ahead = upstream(store, missing, _PREFETCH)
        wanted = [node.ref for node in ahead.nodes if node.ref.removeprefix("commit:") not in asked]
        for node in store.get_many(wanted):
            nodes[node.ref.removeprefix("commit:")] = node
        asked.update(ref.removeprefix("commit:") for ref in (*missing, *wanted))

    def when(sha: str) -> float:
        node = nodes.get(sha)
        return node.source_time.timestamp() if node and node.source_time else float("-inf")

    def parents(sha: str) -> list[str]:
        node = nodes.get(sha)
        return list(node.attrs.get("parents", [])) if node else []

    load([a, b])
    heap: list[tuple[float, str]] = []
    queued: set[str] = set()
    visited: set[str] = set()
    painted: set[str] = set()  # reachable from A
    candidates: set[str] = set()

    def push(sha: str) -> None:
        if sha not in queued:
            queued.add(sha)
            heapq.heappush(heap, (-when(sha), sha))

    def paint(sha: str) -> None:
        stack = [sha]
        while stack:
            current = stack.pop()
            if current in painted:
                continue
            painted.add(current)
            if current in visited:  # already walked: its parents are A's ancestors too
                stack.extend(parents(current))

    painted.add(a)
    push(a)
    push(b)
    truncated = False
    while heap:
        live = [sha for _, sha in heap if sha not in painted]
        if not live:
            oldest = min((when(s) for s in candidates if s not in painted), default=None)
            if oldest is None or -heap[0][0] < oldest:
                break
        batch = [heapq.heappop(heap)[1] for _ in range(min(len(heap), 32))]
        load([p for sha in batch for p in parents(sha)])
        for sha in batch:
            visited.add(sha)
            if sha in painted:
                for parent in parents(sha):
                    paint(parent)
            else:
                candidates.add(sha)
            for parent in parents(sha):
                push(parent)
        if len(candidates - painted) > limit:
            truncated = True
            break
    found = [nodes[sha] for sha in candidates - painted if sha in nodes]
    found.sort(
        key=lambda node: (node.source_time.timestamp() if node.source_time else 0, node.ref),
        reverse=True,
    )
    return found[:limit], truncated


@dataclass(slots=True)
class _Touch:
    commit: str
    change: str
    old_path: str | None


def _config_changes(
    store: LineageStore, oldest_first: list[Node], start: Node | None
) -> list[ConfigChange]:
    touches: dict[str, list[_Touch]] = {}
    for node in oldest_first:
        for entry in node.attrs.get("files", []):
            if entry.get("class") in _VERSIONED_CLASSES:
                touches.setdefault(entry["path"], []).append(
                    _Touch(node.ref, entry.get("change", "M"), entry.get("old_path"))
                )
    if not touches:
        return []
    range_refs = [node.ref for node in oldest_first]
    introduced: dict[tuple[str, str], str] = {}
    for edge in store.edges_of(range_refs):
        if edge.kind is EdgeKind.INTRODUCED and edge.dst.startswith("config:"):
            introduced[(edge.src, edge.dst.removeprefix("config:").rsplit("@", 1)[0])] = edge.dst
    if not introduced and not any(t.change == "D" for ts in touches.values() for t in ts):
        return []
    firsts = {path: introduced.get((ts[0].commit, path)) for path, ts in touches.items()}
    previous: dict[str, str] = {}
    in_range = set(introduced.values())
    first_refs = sorted({ref for ref in firsts.values() if ref})
    for edge in store.edges_of(first_refs) if first_refs else []:
        if edge.kind is EdgeKind.PREVIOUS and edge.dst in first_refs and edge.src not in in_range:
            previous[edge.dst] = edge.src
    changes: list[tuple[str, str | None, str | None, str | None]] = []
    for path, ts in sorted(touches.items()):
        new = None
        if ts[-1].change != "D":
            new = next(
                (
                    introduced[(t.commit, path)]
                    for t in reversed(ts)
                    if (t.commit, path) in introduced
                ),
                None,
            )
            if new is None:
                continue  # a class without version nodes (e.g. setup.py), or not ingested
        first = ts[0]
        old = None
        renamed_from = first.old_path if first.change == "R" else None
        if first.change != "A":
            first_ref = firsts[path]
            old = previous.get(first_ref) if first_ref else None
            if old is None:
                old = _version_at(store, renamed_from or path, start)
        if old != new:
            changes.append((path, old, new, renamed_from))
    wanted = sorted({ref for _, old, new, _ in changes for ref in (old, new) if ref})
    versions = {node.ref: node for node in store.get_many(wanted)}
    out = []
    for path, old, new, renamed_from in changes:
        old_node = versions.get(old) if old else None
        new_node = versions.get(new) if new else None
        if old_node is None and new_node is None:
            continue
        attrs_new = new_node.attrs if new_node else {}
        attrs_old = old_node.attrs if old_node else {}
        out.append(
            ConfigChange(
                path=path,
                old=old_node.ref if old_node else None,
                new=new_node.ref if new_node else None,
                renamed_from=renamed_from,
                manifest=bool(attrs_new.get("manifest") or attrs_old.get("manifest")),
                parse_error=attrs_new.get("parse_error"),
                keys=tuple(key_changes(attrs_old.get("keys") or {}, attrs_new.get("keys") or {})),
            )
        )
    return out


_Made = dict[str, list[tuple[int, str]]]  # dataset name → (commit index, dataset ref)


def _versions_made(store: LineageStore, side: SideChanges) -> _Made:
    """The dataset versions a side's commits made, by name, with the index of the (first)
    commit making each: the versions they introduced (data files in git) and the outputs of
    the runs made from them (pipeline stages, as DVC records them)."""
    if "data" not in side.files_by_class:
        return {}
    order = {node.ref: index for index, node in enumerate(side.oldest_first)}
    made: _Made = {}
    runs: dict[str, int] = {}
    for edge in store.edges_of(list(order)):
        if edge.src not in order:
            continue
        if edge.kind is EdgeKind.INTRODUCED and edge.dst.startswith("dataset:"):
            made.setdefault(parse_ref(edge.dst).name, []).append((order[edge.src], edge.dst))
        elif edge.kind is EdgeKind.CODE_OF:
            runs[edge.dst] = min(order[edge.src], runs.get(edge.dst, order[edge.src]))
    for edge in store.edges_of(sorted(runs)) if runs else []:
        if edge.kind is EdgeKind.OUTPUT and edge.src in runs:
            made.setdefault(parse_ref(edge.dst).name, []).append((runs[edge.src], edge.dst))
    return made


def _data_changes(store: LineageStore, made: _Made, either: set[str]) -> list[DataChange]:
    """Per dataset name, the newest version a side made against the one its first version
    there replaced: its `previous` version, going further back past versions either side made
    (DVC chains versions by time, so a sibling branch's version can sit in between)."""
    firsts = {name: min(versions)[1] for name, versions in made.items()}
    replaced: dict[str, str] = {}
    looking = {ref: ref for ref in firsts.values()}  # version to look behind → first version
    for _ in range(MAX_DATA_STEPS):
        if not looking:
            break
        behind: dict[str, str] = {}
        for edge in store.edges_of(sorted(looking)):
            if edge.kind is not EdgeKind.PREVIOUS or edge.dst not in looking:
                continue
            first = looking[edge.dst]
            if edge.src not in either:
                replaced[first] = min(edge.src, replaced.get(first, edge.src))
            elif first not in replaced:
                behind[edge.src] = first
        looking = {ref: first for ref, first in behind.items() if first not in replaced}
    changes = []
    for name, versions in sorted(made.items()):
        new, old = max(versions)[1], replaced.get(firsts[name])
        if old != new:
            changes.append(DataChange(name, old, new))
    return changes


def _version_at(store: LineageStore, path: str, start: Node | None) -> str | None:
    """The newest stored version of a config path no newer than commit A (deletions, gaps)."""
    if start is None or start.source_time is None:
        return None
    older = [
        node
        for node in store.find(NodeKind.CONFIG, name=path)
        if node.source_time is not None and node.source_time <= start.source_time
    ]
    return older[-1].ref if older else None


def key_changes(old: dict[str, Any], new: dict[str, Any]) -> list[KeyChange]:
    """Added, removed and changed keys of two flat mappings, in key order."""
    changes = []
    for key in sorted(old.keys() | new.keys()):
        if key not in old:
            changes.append(KeyChange(key, "added", None, new[key]))
        elif key not in new:
            changes.append(KeyChange(key, "removed", old[key], None))
        elif old[key] != new[key]:
            changes.append(KeyChange(key, "changed", old[key], new[key]))
    return changes


def _package_changes(store: LineageStore, configs: list[ConfigChange]) -> list[PackageChange]:
    manifests = [c for c in configs if c.manifest]
    refs = sorted({ref for c in manifests for ref in (c.old, c.new) if ref})
    nodes = {node.ref: node for node in store.get_many(refs)} if refs else {}
    out = []
    for change in manifests:
        old = (nodes[change.old].attrs.get("packages") or {}) if change.old in nodes else {}
        new = (nodes[change.new].attrs.get("packages") or {}) if change.new in nodes else {}
        for key in key_changes(old, new):
            out.append(PackageChange(change.path, key.key, key.status, key.old, key.new))
    return out
