"""Resources a coding agent (or its user) can attach: the knowledge cards and the incidents.

`agentops://knowledge/<id>` is a card of the project's library (built-in plus the team's
folders, as `agentops knowledge` sees it), as Markdown: the team's runbooks and failure modes are
meant to be read whole. `agentops://incident/<id>` is an incident as the `show_node` tool shows
it: what it affects, its symptom, its edges, redacted and fenced like any graph text (incident
titles and summaries come from alerting systems and people). Both are looked up through the
tool registry, so an unknown id fails with the same message a tool call gets.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import mcp_types as types
from mcp.shared.exceptions import MCPError

from agentops.agent.messages import ToolCall
from agentops.redact import redact_text

if TYPE_CHECKING:
    from agentops.agent.tools import ToolRegistry
    from agentops.project import Project

SCHEME = "agentops"
CARD_PREFIX = f"{SCHEME}://knowledge/"
INCIDENT_PREFIX = f"{SCHEME}://incident/"
_URI = re.compile(rf"{SCHEME}://(?P<kind>knowledge|incident)/(?P<id>[^/?#\s]+)")

# JSON-RPC code for "no such resource" (the MCP specification, server/resources, error handling).
RESOURCE_NOT_FOUND = -32002

TEMPLATES = (
    types.ResourceTemplate(
        name="knowledge-card",
        title="Knowledge card",
        uri_template=CARD_PREFIX + "{id}",
        description="A card of the team's knowledge: failure mode, checklist, runbook, template.",
        mime_type="text/markdown",
    ),
    types.ResourceTemplate(
        name="incident",
        title="Incident",
        uri_template=INCIDENT_PREFIX + "{id}",
        description="An incident in the lineage graph (e.g. INC-1042): what it affects, its "
        "symptom and edges, as fenced untrusted data.",
        mime_type="text/plain",
    ),
)


def list_resources(project: Project) -> list[types.Resource]:
    """Every card of the library, then every incident (closed ones too), newest first."""
    from agentops.analysis.incidents import list_incidents

    cards = [
        types.Resource(
            uri=CARD_PREFIX + card.id,
            name=card.id,
            title=card.title,
            description=f"{card.kind.value} card" + (" (team)" if not card.builtin else ""),
            mime_type="text/markdown",
        )
        for card in project.library
    ]
    incidents = [
        types.Resource(
            uri=INCIDENT_PREFIX + incident.ref.partition(":")[2],
            name=incident.ref,
            mime_type="text/plain",
        )
        for incident in list_incidents(project.store, include_closed=True)
    ]
    return cards + incidents


def read_resource(registry: ToolRegistry, project: Project, uri: str) -> types.ReadResourceResult:
    """The contents behind `uri` (blocking: the server runs it in a worker thread)."""
    from agentops.agent.tools import ToolContext

    match = _URI.fullmatch(uri)
    if match is None:
        raise MCPError(
            RESOURCE_NOT_FOUND,
            f"error: no resource {uri!r}\nhint: use {CARD_PREFIX}<card id> or "
            f"{INCIDENT_PREFIX}<incident id>",
        )
    kind, key = match["kind"], match["id"]
    name, arguments = (
        ("show_card", {"card_id": key})
        if kind == "knowledge"
        else ("show_node", {"ref": f"incident:{key}"})
    )
    outcome = registry.run(ToolContext(project), ToolCall(uri, name, arguments))
    if outcome.is_error:
        raise MCPError(RESOURCE_NOT_FOUND, str(outcome.data))
    if kind == "incident":
        text, mime = outcome.content, "text/plain"
    else:  # the tool trims a card's body to the model's budget; a resource is the whole card
        text, mime = redact_text(project.library.get(key).body), "text/markdown"
    return types.ReadResourceResult(
        contents=[types.TextResourceContents(uri=uri, mime_type=mime, text=text)]
    )
