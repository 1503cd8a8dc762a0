"""`agentops mcp`: the lineage graph and the team's knowledge for any coding agent.

A Model Context Protocol server (the official `mcp` SDK) over one project: the agent's
read-only tools (`tools`), the knowledge cards and incidents as resources (`resources`), two
prompts that chain the tools (`prompts`), served on stdio or on streamable HTTP bound to
localhost (`server`). Everything goes through the project's front door (`agentops.project`)
and the agent's tool registry, so a coding agent sees what the chat's model sees: the same
tools, the same redaction, the same fences.

The CLI imports this package only inside `agentops mcp`: the SDK costs about a second to import.
"""
