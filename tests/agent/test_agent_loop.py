"""The loop: tool rounds and their limit, usage, events, cancellation, saved conversations."""

from __future__ import annotations

import asyncio
import threading

import pytest

from agentops.agent.events import (
    AnswerFailed,
    AnswerFinished,
    AnswerStarted,
    TextDelta,
    ToolCalled,
    ToolResult,
    TurnFinished,
)
from agentops.agent.loop import AgentLimits, Conversation, resume
from agentops.agent.messages import ModelReply, ModelRequest, ToolCall, ToolResultsTurn, Usage
from agentops.agent.prompts import TOOL_LIMIT_NOTE
from agentops.agent.tools import ToolContext
from agentops.agent.transcript import conversations_about, load_conversation
from agentops.errors import AgentCancelled, ModelBackendError
from agentops.project import Project


class ScriptedBackend:
    """Replies from a list; records every request it was given."""

    model = "scripted"
    label = "scripted"
    offline = True

    def __init__(self, replies: list[ModelReply | Exception]) -> None:
        self.replies = list(replies)
        self.requests: list[ModelRequest] = []

    def complete(self, request, on_text, cancel) -> ModelReply:
        self.requests.append(request)
        reply = self.replies.pop(0) if self.replies else _text("done")
        if isinstance(reply, Exception):
            raise reply
        for word in reply.text.split(" "):
            on_text(word + " ")
        return reply


def _text(text: str, usage: Usage | None = None) -> ModelReply:
    return ModelReply(text, (), "end_turn", usage or Usage(100, 10, 0, 0))


def _tools(*calls: tuple[str, dict], n: int = 0) -> ModelReply:
    return ModelReply(
        "",
        tuple(ToolCall(f"c{n}_{i}", name, args) for i, (name, args) in enumerate(calls)),
        "tool_use",
        Usage(50, 5, 1000, 200),
    )


def test_tool_rounds_then_an_answer(agent_store, refs) -> None:
    backend = ScriptedBackend(
        [
            _tools(("resolve_ref", {"text": "recsys/2"}), n=0),
            _tools(("upstream", {"ref": refs.M2}), ("impact", {"ref": refs.DS2}), n=1),
            _text("It was trained on ratings v2."),
        ]
    )
    events = []
    conversation = Conversation(ToolContext(Project.for_store(agent_store)), backend, save=False)
    answer = conversation.ask("what fed recsys/2?", on_event=events.append)
    assert answer.text == "It was trained on ratings v2."
    assert [r.call.name for r in answer.tool_calls] == ["resolve_ref", "upstream", "impact"]
    assert answer.turns == 3 and answer.stop_reason == "end_turn"
    assert answer.refs == [refs.M2, refs.DS2]
    # the second request carries the first round's result, fenced
    second = backend.requests[1].messages
    assert isinstance(second[-1], ToolResultsTurn)
    assert second[-1].results[0].content.startswith('<untrusted-data source="tool:resolve_ref')
    assert all(r.allow_tools for r in backend.requests)
    # usage is summed over turns
    assert answer.usage == Usage(200, 20, 2000, 400)
    assert answer.usage.cache_read_share == pytest.approx(2000 / 2600)
    kinds = [type(e).__name__ for e in events]
    assert kinds[0] == "AnswerStarted" and kinds[-1] == "AnswerFinished"
    assert kinds.count("ToolCalled") == kinds.count("ToolResult") == 3
    assert kinds.count("TurnFinished") == 3
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert text.strip() == "It was trained on ratings v2."
    finished = [e for e in events if isinstance(e, AnswerFinished)][0]
    assert finished.answer is answer
    results = [e for e in events if isinstance(e, ToolResult)]
    assert results[0].data["ref"] == refs.M2 and not results[0].is_error


def test_after_max_tool_rounds_tools_are_withheld_and_an_answer_is_forced(agent_store) -> None:
    greedy = [_tools(("list_incidents", {}), n=i) for i in range(10)]
    backend = ScriptedBackend(greedy)
    limits = AgentLimits(max_tool_rounds=3)
    answer = Conversation(
        ToolContext(Project.for_store(agent_store)), backend, limits=limits, save=False
    ).ask("?")
    assert [r.allow_tools for r in backend.requests] == [True, True, True, False]
    assert answer.turns == 4 and len(answer.tool_calls) == 3
    assert answer.stop_reason == "tool_limit"
    last_results = backend.requests[-1].messages[-1]
    assert isinstance(last_results, ToolResultsTurn) and last_results.note == TOOL_LIMIT_NOTE
    assert backend.requests[-1].tools  # still listed: the cached prefix stays the same


def test_tool_call_limit_turns_extra_calls_into_errors(agent_store) -> None:
    many = _tools(*[("list_incidents", {})] * 5)
    backend = ScriptedBackend([many, _text("ok")])
    limits = AgentLimits(max_tool_calls=3)
    answer = Conversation(
        ToolContext(Project.for_store(agent_store)), backend, limits=limits, save=False
    ).ask("?")
    errors = [r.outcome.is_error for r in answer.tool_calls]
    assert errors == [False, False, False, True, True]


def test_token_budget_withholds_tools(agent_store) -> None:
    backend = ScriptedBackend([_tools(("list_incidents", {})), _tools(("list_incidents", {}))])
    limits = AgentLimits(max_input_tokens=1000)  # the first turn already used 1,250
    answer = Conversation(
        ToolContext(Project.for_store(agent_store)), backend, limits=limits, save=False
    ).ask("?")
    assert [r.allow_tools for r in backend.requests] == [True, False]
    assert answer.stop_reason == "token_limit"


def test_cancel_between_tool_calls_keeps_history_unchanged(agent_store) -> None:
    cancel = threading.Event()
    backend = ScriptedBackend([_tools(("list_incidents", {}), ("list_incidents", {}))])
    conversation = Conversation(ToolContext(Project.for_store(agent_store)), backend, save=False)
    events = []

    def on_event(event) -> None:
        events.append(event)
        if isinstance(event, ToolCalled):
            cancel.set()  # Esc pressed while the first tool runs

    with pytest.raises(AgentCancelled):
        conversation.ask("?", on_event=on_event, cancel=cancel)
    assert sum(isinstance(e, ToolCalled) for e in events) == 1
    assert isinstance(events[-1], AnswerFailed) and events[-1].cancelled
    assert conversation.history == [] and conversation.answers == []


def test_backend_errors_are_reported_then_raised(agent_store) -> None:
    failure = ModelBackendError("Anthropic API overloaded (529) after 3 retries", hint="later")
    backend = ScriptedBackend([failure])
    events = []
    conversation = Conversation(ToolContext(Project.for_store(agent_store)), backend, save=False)
    with pytest.raises(ModelBackendError):
        conversation.ask("?", on_event=events.append)
    assert isinstance(events[0], AnswerStarted)
    assert events[-1] == AnswerFailed("Anthropic API overloaded (529) after 3 retries", "later")


def test_ask_async_cancels_the_answer_when_its_task_is_cancelled(agent_store) -> None:
    started, cancel = threading.Event(), threading.Event()

    class Slow(ScriptedBackend):
        def complete(self, request, on_text, cancel_event):
            started.set()
            assert cancel_event.wait(5), "the task's cancellation must reach the backend"
            raise AgentCancelled()

    conversation = Conversation(ToolContext(Project.for_store(agent_store)), Slow([]), save=False)

    async def main() -> None:
        task = asyncio.create_task(conversation.ask_async("?", cancel=cancel))
        await asyncio.to_thread(started.wait, 5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert cancel.is_set() and conversation.history == []


def test_conversations_are_saved_and_read_back(agent_store, refs) -> None:
    backend = ScriptedBackend(
        [_tools(("why", {"bad": "INC-7"})), _text("first answer"), _text("second answer")]
    )
    conversation = Conversation(ToolContext(Project.for_store(agent_store)), backend)
    conversation.ask("why did INC-7 happen?")
    conversation.ask("and what now?")
    saved = load_conversation(agent_store, conversation.id)
    assert saved is not None
    assert saved.questions == ["why did INC-7 happen?", "and what now?"]
    assert saved.refs == [refs.INCIDENT]
    assert saved.exchanges[0]["tool_calls"][0]["name"] == "why"
    assert saved.exchanges[1]["answer"] == "second answer"
    assert len(saved.history) == len(conversation.history) == 6
    assert [t.id for t in conversations_about(agent_store, refs.INCIDENT)] == [conversation.id]
    assert conversations_about(agent_store, refs.DS1) == []
    assert "why did INC-7 happen?" in saved.to_markdown()
    # a resumed conversation keeps its history and its earlier exchanges
    again = resume(
        saved, ToolContext(Project.for_store(agent_store)), ScriptedBackend([_text("third")])
    )
    again.ask("anything else?")
    reread = load_conversation(agent_store, conversation.id)
    assert reread.questions == ["why did INC-7 happen?", "and what now?", "anything else?"]
    assert again.backend.requests[0].messages[0].text == "why did INC-7 happen?"


def test_secrets_in_the_question_are_redacted_before_the_model_sees_them(agent_store) -> None:
    backend = ScriptedBackend([_text("ok")])
    Conversation(ToolContext(Project.for_store(agent_store)), backend, save=False).ask(
        "is password=hunter2 in the config?"
    )
    assert "hunter2" not in backend.requests[0].messages[0].text


def test_events_are_small_frozen_dataclasses() -> None:
    event = TurnFinished(0, "end_turn", Usage())
    with pytest.raises(AttributeError):
        event.turn = 1  # type: ignore[misc]
