"""What the chat's workers report back, as typed Textual messages.

Workers never touch widgets: they post one of these (`post_message` is thread-safe) and the app
updates the screen in its handlers, on the UI thread. The agent's events become the `Answer*` and
`Tool*` messages one for one (`from_agent_event`); every message of an answer carries the
answer's number, so a late message from a cancelled answer cannot land in the next one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:
    from agentops.agent.events import AgentEvent
    from agentops.agent.loop import Answer
    from agentops.agent.messages import Usage
    from agentops.tui.lineage_levels import Direction, LineageBranch, LineageItem


# -- the agent ------------------------------------------------------------------------------------


@dataclass
class AnswerBegan(Message):
    answer_no: int
    question: str
    backend: str


@dataclass
class AnswerText(Message):
    """A piece of the answer as it streams (written to a `MarkdownStream`, never re-rendered)."""

    answer_no: int
    text: str
    turn: int


@dataclass
class ToolStarted(Message):
    answer_no: int
    call_id: str
    name: str
    input: dict[str, Any]


@dataclass
class ToolDone(Message):
    answer_no: int
    call_id: str
    name: str
    summary: str
    data: Any
    is_error: bool


@dataclass
class TurnDone(Message):
    """A model turn ended; only the latest matters, so a newer one replaces it in the queue."""

    answer_no: int
    turn: int
    usage: Usage

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, TurnDone) and message.answer_no == self.answer_no


@dataclass
class AnswerDone(Message):
    answer_no: int
    answer: Answer


@dataclass
class AnswerStopped(Message):
    """The answer failed (API down, limits) or was cancelled; nothing of it is kept."""

    answer_no: int
    message: str
    hint: str
    cancelled: bool


def from_agent_event(answer_no: int, event: AgentEvent) -> Message:
    """The message for one agent event."""
    from agentops.agent.events import (
        AnswerFailed,
        AnswerFinished,
        AnswerStarted,
        TextDelta,
        ToolCalled,
        ToolResult,
        TurnFinished,
    )

    if isinstance(event, TextDelta):
        return AnswerText(answer_no, event.text, event.turn)
    if isinstance(event, ToolCalled):
        return ToolStarted(answer_no, event.call_id, event.name, dict(event.input))
    if isinstance(event, ToolResult):
        return ToolDone(
            answer_no, event.call_id, event.name, event.summary, event.data, event.is_error
        )
    if isinstance(event, TurnFinished):
        return TurnDone(answer_no, event.turn, event.usage)
    if isinstance(event, AnswerStarted):
        return AnswerBegan(answer_no, event.question, event.backend)
    if isinstance(event, AnswerFinished):
        return AnswerDone(answer_no, event.answer)
    if isinstance(event, AnswerFailed):
        return AnswerStopped(answer_no, event.message, event.hint, event.cancelled)
    raise TypeError(f"not an agent event: {event!r}")


# -- the store and the context panel ---------------------------------------------------------------


@dataclass
class StoreReady(Message):
    """The lineage store is open; `refs` feed the completion of slash-command arguments."""

    url: str
    refs: list[str]


@dataclass
class SubjectChosen(Message):
    """The chat is about `ref` (the incident it was opened on, or the newest open one)."""

    ref: str
    about: str
    picked: bool  # True when the chat chose it (no --incident given)


@dataclass
class LineageLoaded(Message):
    branch: LineageBranch
    direction: Direction
    announce: bool  # say so in the conversation (a slash command asked for it)
    show: bool  # bring the tab to the front


@dataclass
class LineageExpanded(Message):
    """Children of one tree node, loaded when the user expanded it."""

    node_id: int
    items: list[LineageItem]


@dataclass
class ReportReady(Message):
    """A root-cause report (`RootCauseReport.to_json()`) for the suspects table."""

    report: dict[str, Any]
    announce: bool
    show: bool


@dataclass
class DocumentReady(Message):
    """Markdown for a context tab (`checklist`, `rollback`) or the conversation (`postmortem`)."""

    kind: str
    ref: str
    markdown: str
    announce: bool
    show: bool


@dataclass
class ResultReady(Message):
    """A command's result as a Rich renderable, shown in the conversation (`/diff`, `/impact`)."""

    title: str
    renderable: Any


@dataclass
class ModelChanged(Message):
    label: str


@dataclass
class Exported(Message):
    path: str
    what: str  # "postmortem" | "transcript"


@dataclass
class CommandFailed(Message):
    """A slash command or a background load failed with an expected error."""

    command: str
    message: str
    hint: str
    quiet: bool = False  # a load the user did not ask for: log it, no notification
