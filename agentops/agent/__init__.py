"""The agent: read-only tools over the graph and the analysis, a tool-use loop, model backends.

    from agentops.agent import Conversation, ToolContext
    from agentops.project import Project
    project = Project.open()
    conversation = Conversation(ToolContext(project), project.backend())
    answer = conversation.ask("why did recsys/7 get worse?", on_event=handle, cancel=event)

Names are imported lazily (PEP 562): `import agentops.agent` costs nothing, and `anthropic` is
imported only when the Anthropic backend makes its first call.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agentops.agent.backends import DEFAULT_MODEL, Backend, make_backend, resolve_model
    from agentops.agent.events import (
        AgentEvent,
        AnswerFailed,
        AnswerFinished,
        AnswerStarted,
        TextDelta,
        ToolCalled,
        ToolResult,
        TurnFinished,
    )
    from agentops.agent.loop import AgentLimits, Answer, Conversation, answer_question, resume
    from agentops.agent.messages import Usage
    from agentops.agent.tools import ToolContext, ToolRegistry, default_registry
    from agentops.agent.transcript import (
        Transcript,
        conversations_about,
        list_conversations,
        load_conversation,
    )
    from agentops.errors import AgentCancelled, ModelBackendError

_EXPORTS: dict[str, str] = {
    "DEFAULT_MODEL": "agentops.agent.backends.base",
    "Backend": "agentops.agent.backends.base",
    "make_backend": "agentops.agent.backends",
    "resolve_model": "agentops.agent.backends",
    "AgentCancelled": "agentops.errors",
    "ModelBackendError": "agentops.errors",
    "AgentEvent": "agentops.agent.events",
    "AnswerFailed": "agentops.agent.events",
    "AnswerFinished": "agentops.agent.events",
    "AnswerStarted": "agentops.agent.events",
    "TextDelta": "agentops.agent.events",
    "ToolCalled": "agentops.agent.events",
    "ToolResult": "agentops.agent.events",
    "TurnFinished": "agentops.agent.events",
    "AgentLimits": "agentops.agent.loop",
    "Answer": "agentops.agent.loop",
    "Conversation": "agentops.agent.loop",
    "answer_question": "agentops.agent.loop",
    "Usage": "agentops.agent.messages",
    "ToolContext": "agentops.agent.tools",
    "ToolRegistry": "agentops.agent.tools",
    "default_registry": "agentops.agent.tools",
    "Transcript": "agentops.agent.transcript",
    "conversations_about": "agentops.agent.transcript",
    "list_conversations": "agentops.agent.transcript",
    "load_conversation": "agentops.agent.transcript",
    "resume": "agentops.agent.loop",
}

__all__ = [
    "AgentCancelled",
    "AgentEvent",
    "AgentLimits",
    "Answer",
    "AnswerFailed",
    "AnswerFinished",
    "AnswerStarted",
    "Backend",
    "Conversation",
    "DEFAULT_MODEL",
    "ModelBackendError",
    "TextDelta",
    "ToolCalled",
    "ToolContext",
    "ToolRegistry",
    "ToolResult",
    "Transcript",
    "TurnFinished",
    "Usage",
    "answer_question",
    "conversations_about",
    "default_registry",
    "list_conversations",
    "load_conversation",
    "make_backend",
    "resolve_model",
    "resume",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'agentops.agent' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
