"""What the readiness rules look at, read from the graph once: the bad version and its kin.

Everything is bounded so a large graph costs a few queries, not a scan: the commit history is
walked back `COMMIT_WINDOW` commits from the bad run's commit, and the model's other versions
are the newest `VERSION_WINDOW` of them, read together with the bad and good versions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from agentops.analysis.rootcause.baseline import Version
from graph.attributes import RunAttrs
from graph.errors import RefError
from graph.model import Edge, Node
from graph.queries import WalkOptions, upstream
from graph.refs import EdgeKind, NodeKind, parse_ref
from graph.version_lineage import version_lineages, version_number

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
    versions: list[Version] = field(default_factory=list)  # newest of the model, oldest first
    commits: list[Node] = field(default_factory=list)  # newest first, from the bad commit back

    @property
    def bad_commit(self) -> Node | None:
        return self.bad.commit

    @property
    def good_commit(self) -> Node | None:
        return self.good.commit if self.good else None

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


def walk_commits(store: LineageStore, start: Node | None, limit: int = COMMIT_WINDOW) -> list[Node]:
    """Up to `limit` commits reachable from `start` (itself first), newest first: the nearest
    ones by git parent links, read in one walk and one bulk load."""
    if start is None:
        return []
    history = WalkOptions(
        depth=limit - 1,  # each generation adds a commit: deeper ones are never kept
        edge_kinds=frozenset({EdgeKind.PARENT}),
        include_history=True,
        max_nodes=limit,
    )
    found = store.get_many([node.ref for node in upstream(store, [start.ref], history).nodes])
    return sorted(
        found,
        key=lambda n: (n.source_time.timestamp() if n.source_time else float("-inf"), n.ref),
        reverse=True,
    )


def gather(store: LineageStore, report: RootCauseReport) -> LineageFacts:
    """The bad and good versions and the newest versions of the model, read together."""
    nodes = store.find(NodeKind.MODEL, parse_ref(report.bad).name)
    window = [n.ref for n in sorted(nodes, key=lambda n: version_number(n.ref))][-VERSION_WINDOW:]
    if report.bad not in window:
        window.append(report.bad)
    wanted = window + [report.good] if report.good and report.good not in window else window
    loaded = {lineage.ref: Version.of(lineage) for lineage in version_lineages(store, wanted)}
    for ref in (report.bad, report.good):
        if ref and ref not in loaded:
            raise RefError(f"{ref} is not a model version in the graph")
    facts = LineageFacts(
        store,
        report,
        loaded[report.bad],
        loaded[report.good] if report.good else None,
        [loaded[ref] for ref in window if ref in loaded],
    )
    facts.commits = walk_commits(store, facts.bad_commit)
    return facts


def param_items(run: Node | None) -> dict[str, Any]:
    return RunAttrs(run).params if run else {}
