"""The assistant's exceptions, and the one place that turns any expected failure into a line.

    AgentOpsError         anything agentops refuses, with a hint for the user
    ├── ProjectError      agentops.toml is unreadable or names something that is not there
    ├── UsageError        arguments that parse but make no sense together
    └── ModelBackendError, AgentCancelled (agentops.agent.errors), RollbackError, …

`graph.errors.GraphError` and `knowledge.errors.KnowledgeError` are the other packages' trees;
`expected_errors()` lists all three for the CLI and the TUI to catch.
"""

from __future__ import annotations


class AgentOpsError(Exception):
    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class ProjectError(AgentOpsError):
    """The project's settings cannot be read."""


class UsageError(AgentOpsError):
    """Arguments that cannot be combined."""


def expected_errors() -> tuple[type[Exception], ...]:
    """Every exception type that means "the user's input or environment", not a bug."""
    from graph.errors import GraphError
    from knowledge.errors import KnowledgeError

    return (AgentOpsError, GraphError, KnowledgeError)
