"""The Anthropic backend: one streamed Messages API call per model turn.

- Streaming: `client.messages.stream`; text deltas go to `on_text` as they arrive.
- Retries and timeouts: the SDK's own (408/409/429/5xx/529 and connection errors, with backoff
  and `retry-after`); what is left when they run out is translated in `anthropic_errors`.
- Prompt caching: breakpoints on the last tool, on the system prompt and on the last block of
  the conversation, so each turn reads the previous turn's whole prompt from the cache and only
  the new tool results are billed at the full rate. Tools stay listed when they are withheld
  (`tool_choice: none`) so the forced final turn hits the cache too.
- Cancellation: checked between stream events, and a watcher closes the HTTP response when
  `cancel` is set so a stalled read ends at once.

`anthropic` (~1.5 s to import) is imported on the first call, never at module import.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

from agentops.agent.backends.anthropic_errors import malformed, translate
from agentops.agent.backends.base import TextSink
from agentops.agent.messages import (
    AssistantTurn,
    ModelReply,
    ModelRequest,
    ToolCall,
    ToolResultsTurn,
    Turn,
    Usage,
    UserTurn,
)
from agentops.errors import AgentCancelled, ModelBackendError

DEFAULT_MAX_RETRIES = 3
DEFAULT_TIMEOUT = 90.0  # seconds; for a stream, the longest wait for the next chunk
CONNECT_TIMEOUT = 10.0
CACHE = {"type": "ephemeral"}


def wire_messages(turns: tuple[Turn, ...] | list[Turn], cache_last: bool = True) -> list[dict]:
    """Turns as Messages API messages; the last block carries a cache breakpoint."""
    messages: list[dict[str, Any]] = []
    for turn in turns:
        if isinstance(turn, UserTurn):
            messages.append({"role": "user", "content": [{"type": "text", "text": turn.text}]})
        elif isinstance(turn, AssistantTurn):
            blocks: list[dict[str, Any]] = []
            if turn.text:
                blocks.append({"type": "text", "text": turn.text})
            blocks.extend(
                {"type": "tool_use", "id": c.id, "name": c.name, "input": c.input}
                for c in turn.tool_calls
            )
            messages.append({"role": "assistant", "content": blocks or _EMPTY})
        elif isinstance(turn, ToolResultsTurn):
            blocks = [
                {
                    "type": "tool_result",
                    "tool_use_id": r.call_id,
                    "content": r.content,
                    **({"is_error": True} if r.is_error else {}),
                }
                for r in turn.results
            ]
            if turn.note:
                blocks.append({"type": "text", "text": turn.note})
            messages.append({"role": "user", "content": blocks})
    if cache_last and messages and messages[-1]["content"]:
        last = messages[-1]["content"][-1]
        messages[-1]["content"][-1] = {**last, "cache_control": CACHE}
    return messages


_EMPTY = [{"type": "text", "text": "(no answer)"}]


def request_params(request: ModelRequest, model: str) -> dict[str, Any]:
    """The keyword arguments of `messages.stream` for one turn."""
    params: dict[str, Any] = {
        "model": model,
        "max_tokens": request.max_tokens,
        "system": [{"type": "text", "text": request.system, "cache_control": CACHE}],
        "messages": wire_messages(request.messages),
    }
    if request.tools:
        tools = [
            {"name": t.name, "description": t.description, "input_schema": t.input_schema}
            for t in request.tools
        ]
        tools[-1] = {**tools[-1], "cache_control": CACHE}
        params["tools"] = tools
        params["tool_choice"] = {"type": "auto" if request.allow_tools else "none"}
    return params


class AnthropicBackend:
    """Claude through the `anthropic` SDK (2.x, over httpx2)."""

    offline = False

    def __init__(
        self,
        model: str,
        api_key: str,
        base_url: str | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.model = model
        self.label = f"anthropic {model}"
        self._api_key = api_key
        self._base_url = base_url
        self.max_retries = max_retries
        self.timeout = timeout
        self._client: Any = None

    def client(self) -> Any:
        if self._client is None:
            import anthropic

            self._client = anthropic.Anthropic(
                api_key=self._api_key,
                base_url=self._base_url,
                max_retries=self.max_retries,
                timeout=anthropic.Timeout(self.timeout, connect=CONNECT_TIMEOUT),
            )
        return self._client

    @property
    def base_url(self) -> str:
        return str(self.client().base_url)

    def complete(
        self, request: ModelRequest, on_text: TextSink, cancel: threading.Event
    ) -> ModelReply:
        import anthropic

        client = self.client()
        params = request_params(request, self.model)
        if cancel.is_set():
            raise AgentCancelled()
        try:
            manager = client.messages.stream(**params)
            stream = manager.__enter__()
        except Exception as exc:  # noqa: BLE001 - every SDK failure is translated below
            raise self._failure(exc, anthropic, cancel) from exc
        try:
            with _close_on_cancel(cancel, stream):
                for event in _events(stream, lambda exc: self._failure(exc, anthropic, cancel)):
                    if cancel.is_set():
                        raise AgentCancelled()
                    if event.type == "text":
                        on_text(event.text)
            try:
                message = stream.get_final_message()
            except Exception as exc:  # noqa: BLE001 - an unfinished stream
                raise malformed("the stream ended before the message started") from exc
        finally:
            with contextlib.suppress(Exception):
                manager.__exit__(None, None, None)
        if cancel.is_set():
            raise AgentCancelled()
        if message.stop_reason is None:
            raise malformed("the stream ended before the message was complete")
        try:
            return _reply(message)
        except (AttributeError, TypeError, ValueError) as exc:
            raise malformed(f"unreadable message content ({exc})") from exc

    def _failure(
        self, exc: BaseException, sdk: Any, cancel: threading.Event
    ) -> ModelBackendError | AgentCancelled:
        if cancel.is_set():
            return AgentCancelled()
        if exc.__class__.__module__.split(".")[0] in ("httpx2", "httpx", "httpcore", "h11"):
            return ModelBackendError(
                f"the connection to the Anthropic API broke mid-answer ({exc.__class__.__name__})",
                hint="try again, or use --model stub",
            )
        return translate(
            exc, sdk, model=self.model, retries=self.max_retries, base_url=self.base_url
        )


def _events(stream: Any, failure: Any) -> Iterator[Any]:
    """The stream's events; a failure while reading one is translated (not the consumer's)."""
    iterator = iter(stream)
    while True:
        try:
            event = next(iterator)
        except StopIteration:
            return
        except Exception as exc:  # noqa: BLE001 - SDK, JSON and protocol errors alike
            raise failure(exc) from exc
        yield event


@contextlib.contextmanager
def _close_on_cancel(cancel: threading.Event, stream: Any) -> Iterator[None]:
    """Close `stream` from a watcher thread as soon as `cancel` is set (a blocked read ends)."""
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            if cancel.wait(0.05):
                with contextlib.suppress(Exception):
                    stream.close()
                return

    watcher = threading.Thread(target=watch, name="agentops-cancel-watch", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join(timeout=1)


def _reply(message: Any) -> ModelReply:
    text = "".join(block.text for block in message.content if block.type == "text")
    calls = tuple(
        ToolCall(block.id, block.name, dict(block.input or {}))
        for block in message.content
        if block.type == "tool_use"
    )
    usage = message.usage
    return ModelReply(
        text=text,
        tool_calls=calls,
        stop_reason=str(message.stop_reason),
        usage=Usage(
            int(usage.input_tokens or 0),
            int(usage.output_tokens or 0),
            int(usage.cache_read_input_tokens or 0),
            int(usage.cache_creation_input_tokens or 0),
        ),
    )
