"""Which incidents the graph holds, newest first — the agent's default subject.

`agentops.analysis.incidents.open_incidents` is the source of truth for "open"; until it is
importable (it lands with the analysis), incidents without `closed_at` count as open.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from graph.store import LineageStore


def incident_refs(store: LineageStore, include_closed: bool = False) -> list[str]:
    """Incident refs, newest first; only open ones unless `include_closed`."""
    from graph.refs import NodeKind

    if not include_closed:
        try:
            from agentops.analysis.incidents import open_incidents
        except ImportError:
            pass
        else:
            return list(open_incidents(store))
    nodes = store.find(NodeKind.INCIDENT)
    nodes.sort(key=lambda node: (node.at is not None, node.at, node.ref), reverse=True)
    return [node.ref for node in nodes if include_closed or not node.attrs.get("closed_at")]
