"""Every expected failure, as one tree, and the one place that lists what the CLI and TUI catch.

An expected failure is the user's input or environment, not a bug: it carries a `message` (what
went wrong, one line) and a `hint` (what to do next), and the CLI prints both on stderr and exits
1 (2 for a `UsageError`: the command line asked for something that cannot be done), the TUI
shows a notification, the agent's tools hand them to the model. Three roots, one per package,
because `graph` and `knowledge` never import `agentops`:

    AgentOpsError             anything the assistant refuses (this module)
    ├── ProjectError          agentops.toml is unreadable or names something that is not there
    ├── UsageError            arguments that parse but make no sense together
    ├── ModelBackendError     the model could not answer: API errors after retries, bad replies
    ├── AgentCancelled        the user stopped the answer (Esc in the TUI, Ctrl-C in the CLI)
    ├── IncidentError         an incident cannot be opened, found or closed as asked
    ├── ChecklistError        a checklist cannot be produced as asked
    ├── RollbackError         a rollback plan cannot be applied
    └── VerifyError           re-training cannot verify: no command, it fails, or does not reproduce

    GraphError                anything the lineage graph refuses (graph.errors)
    ├── RefError              a ref that does not parse, matches nothing, or matches several
    ├── StoreError            the database cannot be opened, is newer, or a write failed
    │   └── DumpLineError     a line of a dump cannot be loaded; nothing of that load is kept
    └── IngestError           a source (git, files, MLflow, OpenLineage, …) cannot be read

    KnowledgeError            anything the knowledge library refuses (knowledge.errors)
    ├── CardError             a card file is unreadable or its front matter is invalid
    ├── CardNotFoundError     no card has the requested id
    └── FolderError           a knowledge folder is missing or is not a folder

SDK and driver exceptions never leave the module that calls the SDK: the Anthropic backend turns
each into a `ModelBackendError` (`agentops.agent.backends.anthropic_errors`), the store turns
driver errors into a `StoreError`. `expected_errors()` is the tuple the CLI, the TUI and the
agent catch; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class AgentOpsError(Exception):
    """Base of the assistant's expected failures; `hint` tells the user what to do next."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class ProjectError(AgentOpsError):
    """The project's settings cannot be read."""


class UsageError(AgentOpsError):
    """Arguments that cannot be combined."""


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


class IncidentError(AgentOpsError):
    """An incident cannot be opened, found or closed as asked."""


class ChecklistError(AgentOpsError):
    """A checklist that cannot be produced as asked (e.g. no profiled data for a pytest file)."""


class RollbackError(AgentOpsError):
    """A plan that cannot be applied: unreadable, edited, not an alias move, or stale."""


class VerifyError(AgentOpsError):
    """`agentops verify` cannot give a verdict: no `[verify] command`, the command fails on
    BAD's or GOOD's tree, or it does not reproduce the recorded metric."""


def expected_errors() -> tuple[type[Exception], ...]:
    """Every exception type that means "the user's input or environment", not a bug."""
    from graph.errors import GraphError
    from knowledge.errors import KnowledgeError

    return (AgentOpsError, GraphError, KnowledgeError)
