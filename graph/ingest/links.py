"""Links that need two sources: a run's code commit, whichever of the two arrived first.

A run node carries the sha it was trained from in `attrs["git_commit"]` (MLflow's
`mlflow.source.git.commit`, OpenLineage's `sourceCodeLocation.version`). Every ingester that
adds runs or commits calls `link_runs_to_commits` at the end; it adds the missing
commit→run edges for commits that are now in the graph.
"""

from __future__ import annotations

from graph.model import Edge
from graph.refs import EdgeKind, NodeKind, commit_ref
from graph.store import LineageStore

COMMIT_ATTR = "git_commit"


def link_runs_to_commits(store: LineageStore) -> int:
    """Add commit→run `code_of` edges for runs whose commit is stored; returns how many."""
    runs = [node for node in store.find(NodeKind.RUN) if node.attrs.get(COMMIT_ATTR)]
    if not runs:
        return 0
    wanted = {run.ref: commit_ref(str(run.attrs[COMMIT_ATTR]).lower()) for run in runs}
    present = {node.ref for node in store.get_many(sorted(set(wanted.values())))}
    linked = {
        (edge.src, edge.dst)
        for edge in store.edges_of(sorted(wanted))
        if edge.kind is EdgeKind.CODE_OF
    }
    edges = [
        Edge(commit, run, EdgeKind.CODE_OF)
        for run, commit in wanted.items()
        if commit in present and (commit, run) not in linked
    ]
    if edges:
        store.upsert(edges=edges)
    return len(edges)
