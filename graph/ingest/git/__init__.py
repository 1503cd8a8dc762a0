"""Ingest a git repository's history: commits, config and manifest versions, committed data.

`ingest_git` reads only what the graph does not have yet. It snapshots the tips (refs as shas),
compares them with the previous run's (kept in store state, namespace "git"), and streams one
`git log --name-status` over `<new tips> --not <known tips>`; a run with unchanged tips returns
before starting git log. Commit nodes are written while git is still producing the log, in the
same single transaction as every other node and edge of the run: an error anywhere (git dying,
the repository being rewritten under us, a database failure) leaves the graph as it was.

History that a force-push or a deleted branch left behind stays in the graph with
`reachable: false` (and becomes reachable again if a ref brings it back).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any

from graph import collector
from graph.errors import IngestError
from graph.ingest.files.classify import FileClassifier, overrides_fingerprint
from graph.ingest.git.log import LOG_ARGS, LogReader
from graph.ingest.git.refs import (
    Tips,
    existing_commits,
    reachable_commits,
    read_tips,
    unreachable_from_refs,
)
from graph.ingest.git.repo import GitRunner, RepoInfo, open_repo
from graph.ingest.git.versions import VersionsResult, build_versions
from graph.ingest.links import link_runs_to_commits
from graph.model import Edge, Node
from graph.refs import EdgeKind
from graph.store import LineageStore

STATE_NAMESPACE = "git"
INGEST_FORMAT = 1  # bump when commit attrs change shape: the next run re-reads all history

Progress = Callable[[str, int, int | None], None]
"""`progress(phase, done, total)`; phases: "commits", then "files" (config/data versions)."""


@dataclass(slots=True)
class GitIngestResult:
    """What one ingest did; `summary()` is the line the CLI prints."""

    repo: str
    scope: str
    new_commits: int = 0  # commits the graph did not have
    commits_read: int = 0  # commits written this run (new, or re-read: reachable again, …)
    configs: int = 0
    manifests: int = 0
    datasets: int = 0
    parse_errors: int = 0
    marked_unreachable: int = 0
    reachable_again: int = 0
    linked_runs: int = 0
    noop: bool = False
    empty: bool = False
    bare: bool = False
    shallow: bool = False
    detached: bool = False
    head: str | None = None
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        if self.empty:
            return f"git: {self.repo} has no commits yet; nothing to ingest"
        if self.noop:
            return f"git: up to date, no new commits in {self.repo} ({self.seconds:.2f}s)"
        parts = [
            _count(self.new_commits, "new commit"),
            _count(self.configs, "config version"),
            _count(self.manifests, "manifest version"),
            _count(self.datasets, "dataset version"),
        ]
        if self.commits_read > self.new_commits:
            parts.append(f"{self.commits_read - self.new_commits:,} re-read")
        if self.parse_errors:
            parts.append(f"{self.parse_errors:,} unparseable")
        if self.marked_unreachable:
            parts.append(_count(self.marked_unreachable, "commit") + " no longer reachable")
        if self.reachable_again:
            parts.append(f"{self.reachable_again:,} reachable again")
        if self.linked_runs:
            parts.append(_count(self.linked_runs, "run") + " linked to its commit")
        return f"git: {', '.join(parts)} from {self.repo} in {self.seconds:.1f}s"


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def ingest_git(
    store: LineageStore,
    repo_path: str | Path,
    *,
    rev: str | None = None,
    all_refs: bool = False,
    classify: Mapping[str, Sequence[str]] | None = None,
    progress: Progress | None = None,
) -> GitIngestResult:
    """Read new history of the repository at `repo_path` into `store`.

    Scope: `rev` (a revision spec such as `main` or `v1.0..main`), every ref (`all_refs`), or
    by default all branches, remote-tracking branches, tags and HEAD. `classify` is
    agentops.toml's `[classify]` table (file class → extra globs, tried before the defaults).
    """
    started = time.perf_counter()
    if rev is not None and all_refs:
        raise IngestError("--rev and --all cannot be combined", hint="give one or the other")
    classifier = FileClassifier(classify)
    runner, info = open_repo(Path(repo_path))
    tips = read_tips(runner, info, rev, all_refs)
    result = GitIngestResult(
        repo=str(info.path),
        scope=tips.scope,
        bare=info.bare,
        shallow=info.shallow,
        detached=info.detached,
        head=info.head,
    )
    if info.shallow:
        result.notes.append(
            f"shallow clone: history stops at {len(info.shallow_boundary)} boundary commit(s); "
            "run `git fetch --unshallow` and ingest again for the rest"
        )
    key = f"repo:{info.key}"
    fingerprint = {
        "format": INGEST_FORMAT,
        "classify": overrides_fingerprint(classify),
        "shallow": list(info.shallow_boundary),
    }
    saved = store.get_state(STATE_NAMESPACE, [key]).get(key) or {}
    scopes: dict[str, Any] = (
        saved.get("scopes", {}) if saved.get("fingerprint") == fingerprint else {}
    )
    previous = scopes.get(tips.scope)
    if (
        previous is not None
        and previous.get("tips") == tips.positives
        and previous.get("negatives", []) == list(tips.negatives)
    ):
        result.noop = True
        result.empty = not tips.positives
        result.seconds = time.perf_counter() - started
        return result
    if not tips.positives:
        result.empty = True
    else:
        _ingest_new(store, runner, info, tips, scopes, saved, classifier, progress, result)
    scopes[tips.scope] = {
        "tips": tips.positives,
        "negatives": list(tips.negatives),
        "complete": tips.complete,
    }
    saved.update(fingerprint=fingerprint, path=str(info.path), scopes=scopes)
    store.put_state(STATE_NAMESPACE, {key: saved})
    result.seconds = time.perf_counter() - started
    return result


def _ingest_new(
    store: LineageStore,
    runner: GitRunner,
    info: RepoInfo,
    tips: Tips,
    scopes: dict[str, Any],
    saved: dict[str, Any],
    classifier: FileClassifier,
    progress: Progress | None,
    result: GitIngestResult,
) -> None:
    previous = scopes.get(tips.scope) or {}
    previous_tips = set((previous.get("tips") or {}).values())
    known = {
        sha
        for scope in scopes.values()
        if scope.get("complete") or scope is previous
        for sha in (scope.get("tips") or {}).values()
    }
    was_unreachable = set(saved.get("unreachable", []))
    existing = existing_commits(runner, sorted(known | was_unreachable | previous_tips))
    current = set(tips.positives.values())
    lost = unreachable_from_refs(runner, sorted(existing - current))
    gone = sorted((previous_tips | known) - existing)
    if gone:  # tips whose objects were pruned: find what they alone reached from the graph
        lost |= _walk_pruned(store, runner, gone)
    changed_refs = previous_tips | current if not tips.scope.startswith("rev:") else set()
    found_again = (was_unreachable & existing) - lost
    updates = _old_node_updates(store, tips, lost, found_again, changed_refs, result)
    saved["unreachable"] = sorted(lost)

    revisions = [sha + "\n" for sha in sorted(current)]
    revisions += ["^" + sha + "\n" for sha in sorted(set(tips.negatives) | (known & existing))]
    encoded = [line.encode("ascii") for line in revisions]
    total: list[int | None] = [None]  # filled in by a concurrent `rev-list --count`
    counter = None
    if progress is not None:
        counter = threading.Thread(
            target=_count_commits, args=(runner, encoded, total), name="git-count", daemon=True
        )
        counter.start()
        progress("commits", 0, None)
    reader = LogReader(
        classifier,
        refs_by_sha=tips.names_by_sha,
        boundary=set(info.shallow_boundary),
        progress=(lambda done: progress("commits", done, total[0])) if progress else None,
    )
    versions = VersionsResult()

    def version_nodes() -> Iterator[Node]:
        nonlocal versions
        versions = build_versions(
            runner,
            store,
            reader.wanted,
            lambda blobs: _known_digests(store, blobs),
            (lambda done, n: progress("files", done, n)) if progress else None,
        )
        yield from versions.nodes

    def edges() -> Iterator[Edge]:
        outside = sorted({parent for parent, _, _ in reader.parent_links} - reader.shas)
        stored = {node.ref for node in store.get_many(["commit:" + sha for sha in outside])}
        for parent, child, when in reader.parent_links:
            parent_ref = "commit:" + parent
            if parent in reader.shas or parent_ref in stored:
                yield Edge(parent_ref, "commit:" + child, EdgeKind.PARENT, {}, when)
        yield from versions.edges

    commits_before = store.counts().nodes.get("commit", 0)
    log: Iterable[Node] = reader.nodes(runner.stream(LOG_ARGS, encoded))
    if _in_memory(store):  # one connection: no reads may happen inside the write transaction
        log = list(log)
        nodes = [*updates, *log, *version_nodes()]
        store.upsert(nodes, list(edges()))
    else:  # commits are written while git still streams the log
        with collector.paused():
            store.upsert(chain(updates, log, version_nodes()), edges())
    result.commits_read = len(reader.shas)
    if progress is not None and counter is not None:
        counter.join()
        progress("commits", result.commits_read, result.commits_read)
    result.new_commits = store.counts().nodes.get("commit", 0) - commits_before
    result.configs, result.manifests = versions.configs, versions.manifests
    result.datasets, result.parse_errors = versions.datasets, versions.parse_errors
    if versions.unnamed_paths:
        shown = ", ".join(repr(path) for path in versions.unnamed_paths[:3])
        result.notes.append(
            f"{len(versions.unnamed_paths)} file(s) not read: a newline in the path ({shown}); "
            "git's batch protocol cannot name them: rename them to be ingested"
        )
    if versions.digests:
        store.put_state(
            STATE_NAMESPACE, {f"blob:{sha}": digest for sha, digest in versions.digests.items()}
        )
    result.linked_runs = link_runs_to_commits(store)


def _count_commits(runner: GitRunner, revisions: list[bytes], total: list[int | None]) -> None:
    """How many commits the log will read, for the progress bar (runs beside the log)."""
    try:
        _, out, _ = runner.run(["rev-list", "--count", "--stdin"], revisions)
        total[0] = int(out.strip() or 0)
    except (IngestError, ValueError):
        pass  # the bar just has no total; the log itself reports any real failure


def _in_memory(store: LineageStore) -> bool:
    return store.dialect == "sqlite" and store.url.rstrip("/").endswith(("sqlite:", ":memory:"))


def _known_digests(store: LineageStore, blobs: list[str]) -> dict[str, str]:
    found = store.get_state(STATE_NAMESPACE, [f"blob:{sha}" for sha in blobs])
    return {key.removeprefix("blob:"): value for key, value in found.items()}


def _old_node_updates(
    store: LineageStore,
    tips: Tips,
    lost: set[str],
    found_again: set[str],
    changed_refs: set[str],
    result: GitIngestResult,
) -> list[Node]:
    """Stored commits whose `reachable` flag or `refs` list this run changes."""
    shas = sorted(lost | found_again | changed_refs)
    updated = []
    for node in store.get_many(["commit:" + sha for sha in shas]):
        sha = node.ref.removeprefix("commit:")
        attrs = dict(node.attrs)
        if sha in lost:
            result.marked_unreachable += attrs.get("reachable", True) is not False
            attrs["reachable"] = False
        elif sha in found_again:
            result.reachable_again += attrs.get("reachable", True) is False
            attrs["reachable"] = True
        if sha in changed_refs:
            names = tips.names_by_sha.get(sha)
            if names:
                attrs["refs"] = names
            else:
                attrs.pop("refs", None)
        if attrs != node.attrs:
            updated.append(Node(node.ref, node.kind, attrs, node.source_time))
    return updated


def _walk_pruned(store: LineageStore, runner: GitRunner, gone: list[str]) -> set[str]:
    """Commits only reachable from pruned tips, found by walking parents stored in the graph."""
    reachable = reachable_commits(runner)
    lost: set[str] = set()
    frontier = [sha for sha in gone if sha not in reachable]
    while frontier:
        lost.update(frontier)
        nodes = store.get_many(["commit:" + sha for sha in frontier])
        frontier = sorted(
            {
                parent
                for node in nodes
                for parent in node.attrs.get("parents", [])
                if parent not in reachable and parent not in lost
            }
        )
    return lost
