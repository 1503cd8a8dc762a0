"""Which incidents the graph holds, as refs, newest first: the agent's and the chat's default
subject. `agentops.analysis.incidents` decides what an incident is and whether it is open.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from graph.store import LineageStore


def incident_refs(store: LineageStore, include_closed: bool = False) -> list[str]:
    """Incident refs, newest opened first; only open ones unless `include_closed`."""
    from agentops.analysis.incidents import list_incidents

    return [incident.ref for incident in list_incidents(store, include_closed=include_closed)]
