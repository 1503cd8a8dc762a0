"""What the readiness rules look at, read from the graph once: the bad version and its kin.

Everything is bounded so a large graph costs a few queries, not a scan: the commit history is
walked back `COMMIT_WINDOW` commits from the bad run's commit, and the model's other versions
are the newest `VERSION_WINDOW` of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from agentops.analysis.rootcause.baseline import Version, load_version
from graph.model import Edge, Node
from graph.refs import EdgeKind, NodeKind, commit_ref

if TYPE_CHECKING:
    from agentops.analysis.rootcause.report import RootCauseReport
    from graph.store import LineageStore

COMMIT_WINDOW = 200
VERSION_WINDOW = 20
BOT_AUTHOR = re.compile(r"\[bot\]|\bbot\b|dependabot|renovate", re.IGNORECASE)


@dataclass(slots=True)
class CommitFile:
    sha: str
    subject: str
    path: str
    kind: str  # the file class: code, tests, config, dependency, data, docs, other
    change: str


@dataclass
class LineageFacts:
    """The bad version, the good one, and the parts of the graph around them."""

    store: LineageStore
    report: RootCauseReport
    bad: Version
    good: Version | None
    commits: list[Node] = field(default_factory=list)  # newest first, from the bad commit back

    @cached_property
    def bad_commit(self) -> Node | None:
        return commit_of(self.store, self.bad.run)

    @cached_property
    def good_commit(self) -> Node | None:
        return commit_of(self.store, self.good.run) if self.good else None

    @cached_property
    def commit_files(self) -> list[CommitFile]:
        out = []
        for node in self.commits:
            subject = str(node.attrs.get("message", "")).split("\n", 1)[0]
            for entry in node.attrs.get("files") or []:
                if isinstance(entry, dict) and isinstance(entry.get("path"), str):
                    out.append(
                        CommitFile(
                            node.ref.removeprefix("commit:"),
                            subject,
                            entry["path"],
                            str(entry.get("class", "other")),
                            str(entry.get("change", "M")),
                        )
                    )
        return out

    @cached_property
    def authors(self) -> dict[str, str]:
        """Commit sha → "name <email>" of its author."""
        out = {}
        for node in self.commits:
            author = node.attrs.get("author") or {}
            if isinstance(author, dict):
                out[node.ref.removeprefix("commit:")] = (
                    f"{author.get('name', '')} <{author.get('email', '')}>"
                )
        return out

    @cached_property
    def repo_files(self) -> dict[str, str]:
        """Paths that exist at the bad commit as far as the walked history shows → class."""
        files: dict[str, str] = {}
        for entry in reversed(self.commit_files):  # oldest first: the last change wins
            if entry.change.startswith("D"):
                files.pop(entry.path, None)
            else:
                files[entry.path] = entry.kind
        return files

    @cached_property
    def configs(self) -> list[Node]:
        """The newest version of every config file and manifest no newer than the bad commit."""
        moment = self.bad_commit.source_time if self.bad_commit else None
        newest: dict[str, Node] = {}
        for node in self.store.find(NodeKind.CONFIG):
            if moment is not None and node.source_time is not None and node.source_time > moment:
                continue
            newest[node.name] = node
        return [newest[name] for name in sorted(newest)]

    @cached_property
    def versions(self) -> list[Version]:
        """The newest versions of the bad model's name (the bad one included), oldest first."""
        nodes = self.store.find(NodeKind.MODEL, self.bad.model.name)
        nodes.sort(key=lambda node: Version(node, None).number)
        newest = nodes[-VERSION_WINDOW:]
        if self.bad.model.ref not in {node.ref for node in newest}:
            newest.append(self.bad.model)
        return [load_version(self.store, node.ref) for node in newest]

    @cached_property
    def deployments(self) -> list[Node]:
        """Deployment nodes of the model's versions (what alias moves the graph has seen)."""
        seen = {d.ref: d for version in self.versions for d in version.deployments}
        return sorted(
            seen.values(), key=lambda d: (d.at.timestamp() if d.at else float("-inf"), d.ref)
        )

    @cached_property
    def input_edges(self) -> list[Edge]:
        """Every edge touching the bad run's input dataset versions (who else read them)."""
        refs = [node.ref for node, _ in self.bad.inputs]
        return self.store.edges_of(refs) if refs else []

    def runs(self, refs: list[str]) -> list[Node]:
        return [
            node for node in self.store.get_many(sorted(set(refs))) if node.kind is NodeKind.RUN
        ]


def commit_of(store: LineageStore, run: Node | None) -> Node | None:
    """The commit a run was trained from: its `code_of` edge, else its `git_commit` attribute."""
    if run is None:
        return None
    sources = [
        edge.src
        for edge in store.edges_of([run.ref])
        if edge.dst == run.ref and edge.kind is EdgeKind.CODE_OF
    ]
    sha = run.attrs.get("git_commit")
    if isinstance(sha, str) and sha:
        sources.append(commit_ref(sha.lower()))
    for ref in sources:
        node = store.get(ref)
        if node is not None:
            return node
    return None


def walk_commits(store: LineageStore, start: Node | None, limit: int = COMMIT_WINDOW) -> list[Node]:
    """Up to `limit` commits reachable from `start` (itself first), newest first."""
    if start is None:
        return []
    found: dict[str, Node] = {start.ref: start}
    frontier = [start]
    while frontier and len(found) < limit:
        parents = sorted(
            {
                commit_ref(str(sha))
                for node in frontier
                for sha in node.attrs.get("parents") or []
                if commit_ref(str(sha)) not in found
            }
        )
        frontier = store.get_many(parents[: limit - len(found)])
        found.update((node.ref, node) for node in frontier)
    return sorted(
        found.values(),
        key=lambda n: (n.source_time.timestamp() if n.source_time else float("-inf"), n.ref),
        reverse=True,
    )


def gather(store: LineageStore, report: RootCauseReport) -> LineageFacts:
    bad = load_version(store, report.bad)
    good = load_version(store, report.good) if report.good else None
    facts = LineageFacts(store, report, bad, good)
    facts.commits = walk_commits(store, facts.bad_commit)
    return facts


def param_items(run: Node | None) -> dict[str, Any]:
    params = (run.attrs.get("params") if run else None) or {}
    return params if isinstance(params, dict) else {}


def metric_value(run: Node | None, name: str) -> float | None:
    """A run's last logged value of a metric (stored as a dict with `value`, or a number)."""
    metrics = (run.attrs.get("metrics") if run else None) or {}
    value = metrics.get(name) if isinstance(metrics, dict) else None
    if isinstance(value, dict):
        value = value.get("value")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)
