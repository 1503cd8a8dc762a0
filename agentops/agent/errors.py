"""The agent's exceptions (part of the `agentops.errors.AgentOpsError` tree).

    AgentOpsError
    ├── ModelBackendError   the model could not answer: API errors after retries, bad responses
    └── AgentCancelled      the user stopped the answer (Esc in the TUI, Ctrl-C in the CLI)

SDK exceptions never leave a backend: `agentops.agent.backends.anthropic_errors` turns each into a
`ModelBackendError` whose message says what happened and what to try, so the CLI prints one
line and the TUI one notification.
"""

from __future__ import annotations

from agentops.errors import AgentOpsError


class ModelBackendError(AgentOpsError):
    """The model backend failed; `status` is the HTTP status when there was one."""

    def __init__(
        self, message: str, hint: str = "", status: int | None = None, retries: int = 0
    ) -> None:
        super().__init__(message, hint)
        self.status = status
        self.retries = retries


class AgentCancelled(AgentOpsError):
    """The answer was cancelled before it finished; nothing of it is kept in the history."""

    def __init__(self, message: str = "answer cancelled", hint: str = "") -> None:
        super().__init__(message, hint)
