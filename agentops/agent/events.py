"""What happens while an answer is produced, as small immutable events.

The loop calls `on_event(event)` for each, from the thread that runs it. The CLI prints them;
the TUI turns each into a Textual `Message` (post_message is thread-safe). In order:
`AnswerStarted`, then any number of `TextDelta`, `ToolCalled`/`ToolResult` pairs and
`TurnFinished`, then exactly one of `AnswerFinished` or `AnswerFailed`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agentops.agent.loop import Answer
    from agentops.agent.messages import Usage


@dataclass(frozen=True, slots=True)
class AnswerStarted:
    question: str
    backend: str  # e.g. "anthropic claude-sonnet-5-5" or "stub (offline)"


@dataclass(frozen=True, slots=True)
class TextDelta:
    """A piece of the answer as it streams; `turn` is the model turn it belongs to."""

    text: str
    turn: int


@dataclass(frozen=True, slots=True)
class ToolCalled:
    call_id: str
    name: str
    input: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ToolResult:
    """A tool's result: `data` is compact JSON for display, `summary` one line for people."""

    call_id: str
    name: str
    summary: str
    data: Any
    is_error: bool
    chars: int  # size of what the model receives


@dataclass(frozen=True, slots=True)
class TurnFinished:
    """One model turn ended; `usage` is the running total for this answer."""

    turn: int
    stop_reason: str
    usage: Usage


@dataclass(frozen=True, slots=True)
class AnswerFinished:
    answer: Answer


@dataclass(frozen=True, slots=True)
class AnswerFailed:
    message: str
    hint: str = ""
    cancelled: bool = False


AgentEvent = (
    AnswerStarted
    | TextDelta
    | ToolCalled
    | ToolResult
    | TurnFinished
    | AnswerFinished
    | AnswerFailed
)
EventSink = Callable[[AgentEvent], None]


def ignore(_event: AgentEvent) -> None:
    """The default sink."""
