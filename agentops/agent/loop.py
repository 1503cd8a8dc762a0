"""The tool-use loop: ask the model, run the tools it calls, repeat, within limits.

Backend-agnostic: the same loop drives Claude and the offline stub. Limits, as HolmesGPT does
it: after `max_tool_rounds` model turns that called tools (or once the input-token budget is
spent), tools are withheld and the model is told to answer from what it has — an answer always
comes back, never a silent stop. Cancellation (`cancel.set()`) is checked between turns and
tool calls and, inside the backend, while a reply streams; a cancelled question leaves the
conversation's history as it was before it.

    conversation = Conversation(ToolContext(project), project.backend("stub"))
    answer = conversation.ask("why did recsys/7 get worse?", on_event=print)
    answer.text, answer.usage.total_input, answer.tool_calls

For the TUI: run `conversation.ask` in a thread worker with a `threading.Event` for Esc, or
await `conversation.ask_async`, which sets the event when its task is cancelled.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from agentops.agent.backends.base import Backend
from agentops.agent.events import (
    AnswerFailed,
    AnswerFinished,
    AnswerStarted,
    EventSink,
    TextDelta,
    ToolCalled,
    ToolResult,
    TurnFinished,
    ignore,
)
from agentops.agent.messages import (
    AssistantTurn,
    ModelRequest,
    ToolCall,
    ToolOutcome,
    ToolResultsTurn,
    Turn,
    Usage,
    UserTurn,
)
from agentops.agent.prompts import SYSTEM_PROMPT, TOKEN_LIMIT_NOTE, TOOL_LIMIT_NOTE
from agentops.agent.tools import ToolContext, ToolRegistry, default_registry
from agentops.agent.transcript import Transcript, save_conversation
from agentops.errors import AgentCancelled, expected_errors
from agentops.redact import redact_text

CANCEL_GRACE = 1.0  # seconds ask_async waits for a cancelled answer's thread to stop


@dataclass(frozen=True, slots=True)
class AgentLimits:
    """Per-answer limits. With the defaults an answer takes at most 6 model turns."""

    max_tool_rounds: int = 5  # model turns that may call tools; one more turn must answer
    max_tool_calls: int = 20  # tool calls per answer; extra calls get an error result
    max_output_tokens: int = 4_096  # per model turn
    max_input_tokens: int = 150_000  # prompt tokens per answer (all turns); then tools withheld


@dataclass(frozen=True, slots=True)
class ToolCallRecord:
    """One tool call of an answer, for transcripts and `--json`."""

    call: ToolCall
    outcome: ToolOutcome
    turn: int

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.call.id,
            "name": self.call.name,
            "input": self.call.input,
            "is_error": self.outcome.is_error,
            "result": self.outcome.data,
            "refs": list(self.outcome.refs),
            "turn": self.turn,
        }


@dataclass(slots=True)
class Answer:
    """The outcome of one question."""

    question: str
    text: str
    backend: str
    model: str
    stop_reason: str  # end_turn | tool_limit | token_limit | max_tokens
    usage: Usage
    turn_usage: list[Usage]
    tool_calls: list[ToolCallRecord]
    conversation_id: str
    started_at: str
    finished_at: str
    refs: list[str] = field(default_factory=list)

    @property
    def turns(self) -> int:
        return len(self.turn_usage)

    def to_json(self) -> dict[str, Any]:
        """The `agentops ask --json` shape (pinned by a test)."""
        return {
            "conversation": self.conversation_id,
            "question": redact_text(self.question),  # saved and exported: never a typed secret
            "backend": self.backend,
            "model": self.model,
            "answer": redact_text(self.text),
            "stop_reason": self.stop_reason,
            "turns": self.turns,
            "tool_calls": [record.to_json() for record in self.tool_calls],
            "refs": self.refs,
            "usage": {
                **self.usage.to_json(),
                "cache_read_share": round(self.usage.cache_read_share, 4),
                "per_turn": [u.to_json() for u in self.turn_usage],
            },
            "started_at": self.started_at,
            "finished_at": self.finished_at,
        }


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def new_conversation_id() -> str:
    return f"conv-{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"


class Conversation:
    """A chat with history: each `ask` sees the questions, tool results and answers before it.

    With `save=True` every finished answer is written to the store (`transcript.save`), so a
    postmortem can quote the investigation.
    """

    def __init__(
        self,
        context: ToolContext,
        backend: Backend,
        *,
        tools: ToolRegistry | None = None,
        limits: AgentLimits = AgentLimits(),
        system: str = SYSTEM_PROMPT,
        conversation_id: str | None = None,
        history: list[Turn] | None = None,
        save: bool = True,
    ) -> None:
        self.context = context
        self.backend = backend
        self.tools = tools if tools is not None else default_registry()
        self.limits = limits
        self.system = system
        self.id = conversation_id or new_conversation_id()
        self.history: list[Turn] = list(history or [])
        self.answers: list[Answer] = []
        self.prior_exchanges: list[dict[str, Any]] = []  # of a resumed conversation
        self.save = save
        self._lock = threading.Lock()

    def ask(
        self,
        question: str,
        on_event: EventSink | None = None,
        cancel: threading.Event | None = None,
    ) -> Answer:
        """Answer one question; raises ModelBackendError or AgentCancelled after AnswerFailed."""
        emit = on_event or ignore
        cancel = cancel or threading.Event()
        with self._lock:
            emit(AnswerStarted(question, self.backend.label))
            try:
                answer, turns = self._run(question, emit, cancel)
            except expected_errors() as exc:
                emit(
                    AnswerFailed(
                        getattr(exc, "message", str(exc)),
                        getattr(exc, "hint", ""),
                        isinstance(exc, AgentCancelled),
                    )
                )
                raise
            self.history.extend(turns)
            self.answers.append(answer)
            if self.save:
                save_conversation(self.context.store, self)
            emit(AnswerFinished(answer))
            return answer

    async def ask_async(
        self,
        question: str,
        on_event: EventSink | None = None,
        cancel: threading.Event | None = None,
    ) -> Answer:
        """`ask` in a worker thread; cancelling the awaiting task cancels the answer.

        After a cancel it waits up to `CANCEL_GRACE` seconds for the thread to stop (it does
        within one stream event; during the SDK's retry backoff it stops when that ends, and
        the conversation stays locked until then), so a UI is never held up by it.
        """
        cancel = cancel or threading.Event()
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(None, self.ask, question, on_event, cancel)
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            cancel.set()
            await asyncio.wait({future}, timeout=CANCEL_GRACE)
            if future.done():
                with contextlib.suppress(BaseException):
                    future.result()
            raise

    def _run(
        self, question: str, emit: EventSink, cancel: threading.Event
    ) -> tuple[Answer, list[Turn]]:
        started = _now()
        turns: list[Turn] = [UserTurn(redact_text(question))]
        records: list[ToolCallRecord] = []
        turn_usage: list[Usage] = []
        total = Usage()
        specs = self.tools.specs()
        stop = "end_turn"
        reply_text = ""
        for turn_no in range(self.limits.max_tool_rounds + 1):
            if cancel.is_set():
                raise AgentCancelled()
            allow = turn_no < self.limits.max_tool_rounds
            if total.total_input >= self.limits.max_input_tokens:
                allow = False
            request = ModelRequest(
                system=self.system,
                tools=specs,
                messages=(*self.history, *turns),
                max_tokens=self.limits.max_output_tokens,
                allow_tools=allow,
            )
            reply = self.backend.complete(
                request, lambda text, n=turn_no: emit(TextDelta(text, n)), cancel
            )
            total = total + reply.usage
            turn_usage.append(reply.usage)
            emit(TurnFinished(turn_no, reply.stop_reason, total))
            calls = reply.tool_calls if allow else ()
            turns.append(AssistantTurn(reply.text, calls))
            reply_text = reply.text
            if reply.stop_reason == "max_tokens" and not calls:
                stop = "max_tokens"
                break
            if not calls:
                stop = "end_turn" if allow or turn_no == 0 else _withheld(total, self.limits)
                break
            outcomes = self._run_tools(calls, records, turn_no, emit, cancel)
            note = ""
            if turn_no + 1 >= self.limits.max_tool_rounds:
                note = TOOL_LIMIT_NOTE
            elif total.total_input >= self.limits.max_input_tokens:
                note = TOKEN_LIMIT_NOTE
            turns.append(ToolResultsTurn(tuple(outcomes), note))
        refs = list(dict.fromkeys(ref for r in records for ref in r.outcome.refs))
        answer = Answer(
            question=question,
            text=reply_text.strip() or "(the model gave no answer)",
            backend=self.backend.label,
            model=self.backend.model,
            stop_reason=stop,
            usage=total,
            turn_usage=turn_usage,
            tool_calls=records,
            conversation_id=self.id,
            started_at=started,
            finished_at=_now(),
            refs=refs,
        )
        return answer, turns

    def _run_tools(
        self,
        calls: tuple[ToolCall, ...],
        records: list[ToolCallRecord],
        turn_no: int,
        emit: EventSink,
        cancel: threading.Event,
    ) -> list[ToolOutcome]:
        outcomes = []
        for call in calls:
            if cancel.is_set():
                raise AgentCancelled()
            emit(ToolCalled(call.id, call.name, call.input))
            if len(records) >= self.limits.max_tool_calls:
                text = f"error: tool call limit ({self.limits.max_tool_calls}) reached; answer now"
                outcome = ToolOutcome(call.id, call.name, text, True, text)
            else:
                outcome = self.tools.run(self.context, call)
            records.append(ToolCallRecord(call, outcome, turn_no))
            outcomes.append(outcome)
            emit(
                ToolResult(
                    call.id,
                    call.name,
                    _summary(outcome),
                    outcome.data,
                    outcome.is_error,
                    len(outcome.content),
                )
            )
        return outcomes


def _withheld(total: Usage, limits: AgentLimits) -> str:
    return "token_limit" if total.total_input >= limits.max_input_tokens else "tool_limit"


def _summary(outcome: ToolOutcome) -> str:
    if outcome.is_error:
        return str(outcome.data).splitlines()[0][:160]
    refs = ", ".join(outcome.refs[:2])
    return f"ok, {len(outcome.content):,} chars" + (f" ({refs})" if refs else "")


def answer_question(
    question: str,
    context: ToolContext,
    backend: Backend,
    *,
    on_event: EventSink | None = None,
    cancel: threading.Event | None = None,
    limits: AgentLimits = AgentLimits(),
    save: bool = True,
) -> Answer:
    """One question in a fresh conversation (what `agentops ask` does)."""
    conversation = Conversation(context, backend, limits=limits, save=save)
    return conversation.ask(question, on_event=on_event, cancel=cancel)


def resume(transcript: Transcript, context: ToolContext, backend: Backend) -> Conversation:
    """A conversation that continues a saved one (same id, same history)."""
    conversation = Conversation(
        context, backend, conversation_id=transcript.id, history=transcript.history
    )
    conversation.prior_exchanges = list(transcript.exchanges)
    return conversation
