"""The Anthropic backend with the real SDK against a local fake Messages API server."""

from __future__ import annotations

import json
import threading
import time
import warnings

import pytest

from agentops.agent.backends.anthropic import AnthropicBackend
from agentops.agent.backends.base import DEFAULT_MODEL
from agentops.agent.events import TextDelta, ToolResult
from agentops.agent.loop import Conversation
from agentops.agent.tools import ToolContext
from agentops.errors import AgentCancelled, ModelBackendError
from agentops.project import Project
from tests.agent.fake_messages_api import (
    Error,
    FakeMessagesAPI,
    Raw,
    StreamError,
    Text,
    ToolUse,
    Truncated,
)


def _backend(api: FakeMessagesAPI, retries: int = 2) -> AnthropicBackend:
    return AnthropicBackend(DEFAULT_MODEL, api_key="test", base_url=api.url, max_retries=retries)


def _ask(api: FakeMessagesAPI, store, question: str = "why?", retries: int = 2, **kw):
    events: list = []
    conversation = Conversation(
        ToolContext(Project.for_store(store)), _backend(api, retries), save=False
    )
    answer = conversation.ask(question, on_event=events.append, **kw)
    return answer, events


def _tool_results(body: dict) -> list[dict]:
    return [
        block
        for message in body["messages"]
        for block in message["content"]
        if block.get("type") == "tool_result"
    ]


def test_streamed_text_arrives_in_pieces(agent_store) -> None:
    text = "The ratings export changed; see dataset:ratings@bbbbbbbbbbbb."
    with FakeMessagesAPI([Text(text, chunk=10)]) as api:
        answer, events = _ask(api, agent_store)
    deltas = [e.text for e in events if isinstance(e, TextDelta)]
    assert len(deltas) == 7 and "".join(deltas) == text
    assert answer.text == text and answer.stop_reason == "end_turn"
    sent = api.requests[0]
    assert sent["model"] == DEFAULT_MODEL and sent["stream"] is True
    assert "test" in (api.headers[0].get("x-api-key"), api.headers[0].get("authorization", "")[7:])


def test_tool_use_rounds_send_fenced_redacted_results(agent_store, refs) -> None:
    script = [
        ToolUse([("resolve_ref", {"text": "recsys/2"})], text="Let me look."),
        ToolUse([("show_commit", {"ref": refs.C2}), ("show_node", {"ref": refs.CFG2})]),
        Text("The docs commit is harmless; the config change is the suspect."),
    ]
    with FakeMessagesAPI(script) as api:
        answer, events = _ask(api, agent_store)
    assert [r.call.name for r in answer.tool_calls] == ["resolve_ref", "show_commit", "show_node"]
    assert answer.turns == 3
    results = _tool_results(api.requests[2])
    assert [r["tool_use_id"] for r in results] == ["toolu_1_0", "toolu_2_0", "toolu_2_1"]
    commit_result = results[1]["content"]
    assert commit_result.startswith(f'<untrusted-data source="tool:show_commit ref={refs.C2}">')
    assert commit_result.count("</untrusted-data>") == 1  # the planted closing tag is escaped
    everything_sent = json.dumps(api.requests)
    for secret in refs.SECRETS:
        assert secret not in everything_sent
    assert "[REDACTED:password]" in everything_sent
    assert "[REDACTED:aws-access-key]" in everything_sent
    # the assistant's tool_use turns are replayed as sent
    assistant = api.requests[1]["messages"][1]
    assert assistant["role"] == "assistant"
    assert assistant["content"][0] == {"type": "text", "text": "Let me look."}
    assert assistant["content"][1]["type"] == "tool_use"
    assert assistant["content"][1]["input"] == {"text": "recsys/2"}
    assert sum(isinstance(e, ToolResult) for e in events) == 3


def test_prompt_caching_marks_system_tools_and_the_conversation_tail(agent_store) -> None:
    script = [ToolUse([("list_incidents", {})]), ToolUse([("list_incidents", {})]), Text("ok")]
    with FakeMessagesAPI(script) as api:
        answer, _ = _ask(api, agent_store)
    for body in api.requests:
        tools = body["tools"]
        assert [("cache_control" in t) for t in tools] == [False] * (len(tools) - 1) + [True]
        assert body["system"][0]["cache_control"] == {"type": "ephemeral"}
        assert "untrusted-data" in body["system"][0]["text"]  # the injection-safety section
        last_block = body["messages"][-1]["content"][-1]
        assert last_block["cache_control"] == {"type": "ephemeral"}
        marks = json.dumps(body).count('"cache_control"')
        assert marks == 3  # the API allows 4 breakpoints
        assert body["tool_choice"] == {"type": "auto"}
    # each later turn reads the previous turn's prompt from the cache
    first, second, third = api.usages
    assert first["cache_read_input_tokens"] == 0 and first["cache_creation_input_tokens"] > 0
    assert second["cache_read_input_tokens"] >= first["cache_creation_input_tokens"]
    assert third["cache_read_input_tokens"] > second["cache_read_input_tokens"]
    assert answer.usage.cache_read_input_tokens == sum(
        u["cache_read_input_tokens"] for u in api.usages
    )
    assert answer.usage.total_input == sum(sum(u.values()) for u in api.usages)


def test_withheld_tools_stay_listed_with_tool_choice_none(agent_store) -> None:
    from agentops.agent.loop import AgentLimits

    script = [ToolUse([("list_incidents", {})]), Text("answer from what I have")]
    with FakeMessagesAPI(script) as api:
        backend = _backend(api)
        limits = AgentLimits(max_tool_rounds=1)
        conversation = Conversation(
            ToolContext(Project.for_store(agent_store)), backend, limits=limits, save=False
        )
        answer = conversation.ask("?")
    assert api.requests[1]["tool_choice"] == {"type": "none"}
    assert api.requests[1]["tools"] == api.requests[0]["tools"]
    assert answer.stop_reason == "tool_limit"


def test_rate_limit_then_success_is_retried_by_the_sdk(agent_store) -> None:
    script = [Error(429, "rate_limit_error", "slow down"), Text("fine now")]
    with FakeMessagesAPI(script) as api:
        answer, _ = _ask(api, agent_store)
    assert answer.text == "fine now"
    assert len(api.requests) == 2
    assert api.headers[1]["x-stainless-retry-count"] == "1"


def test_overloaded_until_retries_run_out_is_one_clear_error(agent_store) -> None:
    script = lambda body, n: Error(529, "overloaded_error", "Overloaded")  # noqa: E731
    with FakeMessagesAPI(script) as api, pytest.raises(ModelBackendError) as caught:
        _ask(api, agent_store, retries=2)
    assert len(api.requests) == 3  # the first try and two retries
    assert caught.value.message == (
        "Anthropic API overloaded (529) after 2 retries; try again or use --model stub"
    )
    assert caught.value.status == 529 and "AGENTOPS_MODEL=stub" in caught.value.hint


def test_overloaded_mid_stream_is_reported_too(agent_store) -> None:
    with (
        FakeMessagesAPI([StreamError("overloaded_error")]) as api,
        pytest.raises(ModelBackendError, match=r"overloaded \(529\).*mid-stream"),
    ):
        _ask(api, agent_store)


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (Raw(200, b"event: message_start\ndata: {not json\n\n"), "malformed response"),
        (Raw(200, b'{"hello": "world"}', "application/json"), "malformed response"),
        (Truncated(), "malformed response"),
    ],
)
def test_malformed_responses_are_one_clear_error(agent_store, reply, expected) -> None:
    with FakeMessagesAPI([reply]) as api, pytest.raises(ModelBackendError) as caught:
        _ask(api, agent_store)
    assert expected in caught.value.message
    assert "Traceback" not in caught.value.message


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (
            Error(401, "authentication_error", "invalid x-api-key", {}),
            r"rejected the API key \(401\)",
        ),
        (Error(404, "not_found_error", "model: nope", {}), "does not know model"),
        (Error(400, "invalid_request_error", "messages: bad", {}), r"refused the request \(400\)"),
    ],
)
def test_client_errors_are_not_retried_and_say_what_to_do(agent_store, error, message) -> None:
    with FakeMessagesAPI([error]) as api, pytest.raises(ModelBackendError, match=message):
        _ask(api, agent_store)
    assert len(api.requests) == 1


def test_unreachable_server_is_a_connection_error(agent_store) -> None:
    backend = AnthropicBackend(
        DEFAULT_MODEL, api_key="test", base_url="http://127.0.0.1:9", max_retries=0
    )
    conversation = Conversation(ToolContext(Project.for_store(agent_store)), backend, save=False)
    with pytest.raises(ModelBackendError, match="cannot reach the Anthropic API"):
        conversation.ask("?")


def test_cancel_while_streaming_stops_promptly(agent_store) -> None:
    cancel = threading.Event()
    slow = Text("word " * 200, chunk=5, delay=0.05)  # ~10 s if read to the end
    events: list = []

    def on_event(event) -> None:
        events.append(event)
        if isinstance(event, TextDelta):
            cancel.set()

    with FakeMessagesAPI([slow]) as api:
        conversation = Conversation(
            ToolContext(Project.for_store(agent_store)), _backend(api), save=False
        )
        started = time.monotonic()
        with pytest.raises(AgentCancelled):
            conversation.ask("?", on_event=on_event, cancel=cancel)
        assert time.monotonic() - started < 2
    assert sum(isinstance(e, TextDelta) for e in events) == 1
    assert conversation.history == []


def test_the_default_model_is_current(agent_store) -> None:
    from anthropic._data.deprecated_models import DEPRECATED_MODELS

    assert DEFAULT_MODEL not in DEPRECATED_MODELS
    with FakeMessagesAPI([Text("ok")]) as api, warnings.catch_warnings():
        warnings.simplefilter("error")  # a deprecation warning would fail the call
        answer, _ = _ask(api, agent_store)
    assert answer.text == "ok"
