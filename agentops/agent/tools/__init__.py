"""The agent's tools: read-only functions over the graph, the analysis and the knowledge cards.

A `Tool` is a name, a description, a JSON schema for its input and a function
`(ToolContext, **input) -> JSON-like`. `ToolRegistry.run` is the one path from a model's tool
call to what the model reads back: check the input against the schema, run the function,
redact secrets, shrink the result to its budget, fence it as untrusted data. Expected failures
(an unknown ref, an ambiguous one, an input that does not fit) come back as error results the
model can act on, never as exceptions that end the answer.

The seam is in `base`; the tool sets (`lineage`, `analysis`) build on it and `default_registry`
puts them together, so nothing in the package imports in a circle.

Nothing here writes: there is no tool to ingest, run a command or move an alias. Applying a
rollback is a separate, explicit human command (`agentops rollback apply`).
"""

from __future__ import annotations

from agentops.agent.tools.base import Tool, ToolContext, ToolRegistry, check_input

__all__ = ["Tool", "ToolContext", "ToolRegistry", "check_input", "default_registry"]


def default_registry() -> ToolRegistry:
    """Every tool: graph and knowledge first, then the analysis (rank suspects, plans)."""
    from agentops.agent.tools.analysis import ANALYSIS_TOOLS
    from agentops.agent.tools.lineage import GRAPH_TOOLS

    return ToolRegistry([*GRAPH_TOOLS, *ANALYSIS_TOOLS])
