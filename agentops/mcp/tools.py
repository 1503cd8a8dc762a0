"""The agent's read-only tools as MCP tools: one registry, two audiences.

Each `Tool` of `agentops.agent.tools` becomes an MCP tool with the same name, description and
input schema, marked read-only (nothing in the registry writes: no ingest, no `rollback apply`,
no `incident open/close`). A call goes through `ToolRegistry.run`, the one path the chat's
model uses too, so a coding agent gets exactly what the chat's model gets: the input checked
against the schema, secrets redacted, the result shrunk to its budget and fenced as untrusted
data, and every expected failure (an unknown or ambiguous ref, a bad argument) as an error
result carrying the CLI's message instead of an exception that would end the session.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import mcp_types as types

from agentops.agent.messages import ToolCall

if TYPE_CHECKING:
    from agentops.agent.messages import ToolOutcome
    from agentops.agent.tools import Tool, ToolRegistry
    from agentops.project import Project

# Annotations are hints a client may show or use to skip a confirmation; ours are true by
# construction (see the module docstring), and a test holds every tool to them.
READ_ONLY = types.ToolAnnotations(
    read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False
)

# A value is quoted in the one-line summary only when it cannot carry an instruction: a ref, a
# number, an enum-like word. Everything else is counted, and read in the fenced content.
_QUOTABLE = re.compile(r"[\w.:/@+-]{1,80}")
MAX_SUMMARY_FIELDS = 6


def mcp_tool(tool: Tool) -> types.Tool:
    return types.Tool(
        name=tool.name,
        title=tool.name.replace("_", " "),
        description=tool.description,
        input_schema=tool.input_schema,
        annotations=READ_ONLY,
    )


def run_tool(
    registry: ToolRegistry,
    project: Project,
    name: str,
    arguments: dict[str, Any] | None,
    call_id: str,
) -> types.CallToolResult:
    """Run one call through the registry (blocking: the server runs it in a worker thread)."""
    from agentops.agent.tools import ToolContext

    outcome = registry.run(ToolContext(project), ToolCall(call_id, name, dict(arguments or {})))
    return tool_result(outcome)


def tool_result(outcome: ToolOutcome) -> types.CallToolResult:
    """An error result carries the CLI's message (`error: …` and its `hint: …`); a success
    carries a one-line summary, the fenced text the chat's model reads, and the same data as
    structured content (a JSON object, as the protocol asks: a document or a list is wrapped)."""
    if outcome.is_error:
        return types.CallToolResult(
            content=[types.TextContent(text=str(outcome.data))], is_error=True
        )
    data = outcome.data if isinstance(outcome.data, dict) else {"result": outcome.data}
    return types.CallToolResult(
        content=[
            types.TextContent(text=summary(outcome)),
            types.TextContent(text=outcome.content),
        ],
        structured_content=data,
    )


def summary(outcome: ToolOutcome) -> str:
    """`why incident:INC-7: verdict cause-found, suspects 6 items, …`: what came back, in a line."""
    head = outcome.name + (f" {', '.join(outcome.refs[:3])}" if outcome.refs else "")
    data = outcome.data
    if isinstance(data, str):
        return f"{head}: a document of {len(data):,} chars"
    if not isinstance(data, dict):
        return f"{head}: ok"
    fields = [_field(key, value) for key, value in list(data.items())[:MAX_SUMMARY_FIELDS]]
    more = len(data) - MAX_SUMMARY_FIELDS
    return f"{head}: " + ", ".join(fields) + (f", … {more} more fields" if more > 0 else "")


def _field(key: str, value: Any) -> str:
    if isinstance(value, list | tuple):
        return f"{key} {len(value)} items"
    if isinstance(value, dict):
        return f"{key} {len(value)} fields"
    if isinstance(value, bool | int | float) or value is None:
        return f"{key} {value}"
    text = str(value)
    return f"{key} {text}" if _QUOTABLE.fullmatch(text) else f"{key} ({len(text)} chars)"
