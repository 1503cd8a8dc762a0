"""A local fake of Anthropic's Messages API (`POST /v1/messages`, JSON and SSE) for tests.

The real SDK talks to it through `base_url` (it uses httpx2, which respx and cassette libraries
do not intercept). Each request takes the next reply from a script: streamed text, tool calls,
an HTTP error (with `retry-after-ms` so SDK retries stay fast), a broken stream, raw bytes.
Every request body is kept in `requests` for assertions on what was sent.

Usage is computed from the request, deterministically, the way prompt caching bills it: ~4
characters a token over the blocks in prefix order (tools, system, messages); a prefix that
ends at a `cache_control` breakpoint and is at least `min_cacheable` tokens is written to the
cache; a later request whose blocks start with a written prefix reads it from the cache.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CHARS_PER_TOKEN = 4


def tokens(text: str) -> int:
    return (len(text) + CHARS_PER_TOKEN - 1) // CHARS_PER_TOKEN


# -- replies ------------------------------------------------------------------------------------


@dataclass
class Text:
    """A final answer, streamed in `chunk`-character deltas (`delay` seconds apart)."""

    text: str
    chunk: int = 12
    delay: float = 0.0
    stop_reason: str = "end_turn"


@dataclass
class ToolUse:
    """Tool calls, optionally after some text; ids are generated per request."""

    calls: list[tuple[str, dict[str, Any]]]
    text: str = ""


@dataclass
class Error:
    """An HTTP error with the API's error body."""

    status: int
    type: str
    message: str = "fake error"
    headers: dict[str, str] = field(default_factory=lambda: {"retry-after-ms": "1"})


@dataclass
class StreamError:
    """A 200 stream that starts, then sends an `error` event (as the API does mid-answer)."""

    type: str = "overloaded_error"


@dataclass
class Truncated:
    """A 200 stream that sends the start and some text, then ends without `message_stop`."""

    text: str = "partial answ"


@dataclass
class Raw:
    """Bytes as they are (malformed responses)."""

    status: int
    body: bytes
    content_type: str = "text/event-stream"


Reply = Text | ToolUse | Error | StreamError | Truncated | Raw
Script = list[Reply] | Callable[[dict[str, Any], int], Reply]


# -- the prompt cache ---------------------------------------------------------------------------


def prefix_blocks(body: dict[str, Any]) -> list[tuple[str, bool]]:
    """(canonical text, has breakpoint) of each cacheable block, in prefix order."""
    blocks: list[tuple[str, bool]] = []

    def add(prefix: str, block: Any) -> None:
        marked = isinstance(block, dict) and "cache_control" in block
        clean = {k: v for k, v in block.items() if k != "cache_control"} if marked else block
        blocks.append((prefix + json.dumps(clean, sort_keys=True), marked))

    for tool in body.get("tools") or []:
        add("tool:", tool)
    system = body.get("system")
    if isinstance(system, str):
        add("system:", {"type": "text", "text": system})
    for block in system or []:
        if isinstance(block, dict):
            add("system:", block)
    for message in body.get("messages", []):
        content = message.get("content")
        if isinstance(content, str):
            content = [{"type": "text", "text": content}]
        for block in content or []:
            add(f"{message.get('role')}:", block)
    return blocks


@dataclass
class PromptCache:
    min_cacheable: int = 1024
    written: set[str] = field(default_factory=set)

    def usage(self, body: dict[str, Any]) -> dict[str, int]:
        blocks = prefix_blocks(body)
        sizes = [tokens(text) for text, _ in blocks]
        hashes: list[str] = []
        running = hashlib.sha256()
        for text, _ in blocks:
            running.update(text.encode())
            hashes.append(running.hexdigest())
        breakpoints = [i for i, (_, marked) in enumerate(blocks) if marked]
        last = breakpoints[-1] if breakpoints else -1
        read_upto = max((i for i in range(last + 1) if hashes[i] in self.written), default=-1)
        cached = sum(sizes[: read_upto + 1])
        created = 0
        for i in breakpoints:
            if i > read_upto and sum(sizes[: i + 1]) >= self.min_cacheable:
                self.written.add(hashes[i])
                created = sum(sizes[read_upto + 1 : i + 1])
        total = sum(sizes)
        return {
            "input_tokens": total - cached - created,
            "cache_read_input_tokens": cached,
            "cache_creation_input_tokens": created,
        }


# -- the server ---------------------------------------------------------------------------------


def sse(event: str, data: dict[str, Any]) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n".encode()


class FakeMessagesAPI:
    """`with FakeMessagesAPI([Text("hi")]) as api: Anthropic(base_url=api.url, api_key="test")`."""

    def __init__(self, script: Script, model: str = "claude-sonnet-5-5") -> None:
        self.script = script
        self.model = model
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.replies: list[Reply] = []
        self.usages: list[dict[str, int]] = []
        self.cache = PromptCache()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "start the server first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeMessagesAPI:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                api._handle(self)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    def _next_reply(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            index = len(self.requests) - 1
            if callable(self.script):
                return self.script(body, index)
            if index < len(self.script):
                return self.script[index]
            return Error(400, "invalid_request_error", "fake script exhausted", {})

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("content-length", 0))
        body = json.loads(handler.rfile.read(length) or b"{}")
        with self._lock:
            self.requests.append(body)
            self.headers.append({k.lower(): v for k, v in handler.headers.items()})
        if handler.path.split("?")[0] != "/v1/messages":
            return self._send_json(handler, 404, _error_body("not_found_error", handler.path))
        reply = self._next_reply(body)
        with self._lock:
            self.replies.append(reply)
        if isinstance(reply, Error):
            return self._send_json(
                handler, reply.status, _error_body(reply.type, reply.message), reply.headers
            )
        if isinstance(reply, Raw):
            handler.send_response(reply.status)
            handler.send_header("content-type", reply.content_type)
            handler.send_header("content-length", str(len(reply.body)))
            handler.end_headers()
            handler.wfile.write(reply.body)
            return None
        with self._lock:
            usage = self.cache.usage(body)
            self.usages.append(usage)
        if not body.get("stream"):
            return self._send_json(handler, 200, self._message(reply, usage, len(self.requests)))
        handler.send_response(200)
        handler.send_header("content-type", "text/event-stream")
        handler.send_header("connection", "close")
        handler.end_headers()
        try:
            for chunk in self._events(reply, usage, len(self.requests)):
                handler.wfile.write(chunk)
                handler.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client closed the stream (cancellation)
        return None

    def _send_json(
        self,
        handler: BaseHTTPRequestHandler,
        status: int,
        data: dict[str, Any],
        headers: dict[str, str] | None = None,
    ) -> None:
        raw = json.dumps(data).encode()
        handler.send_response(status)
        handler.send_header("content-type", "application/json")
        handler.send_header("content-length", str(len(raw)))
        for key, value in (headers or {}).items():
            handler.send_header(key, value)
        handler.end_headers()
        handler.wfile.write(raw)

    def _blocks(self, reply: Reply, n: int) -> list[dict[str, Any]]:
        if isinstance(reply, Text):
            return [{"type": "text", "text": reply.text}]
        if isinstance(reply, ToolUse):
            blocks: list[dict[str, Any]] = (
                [{"type": "text", "text": reply.text}] if reply.text else []
            )
            for i, (name, args) in enumerate(reply.calls):
                blocks.append(
                    {"type": "tool_use", "id": f"toolu_{n}_{i}", "name": name, "input": args}
                )
            return blocks
        return [{"type": "text", "text": getattr(reply, "text", "")}]

    def _message(self, reply: Reply, usage: dict[str, int], n: int) -> dict[str, Any]:
        blocks = self._blocks(reply, n)
        stop = (
            "tool_use" if isinstance(reply, ToolUse) else getattr(reply, "stop_reason", "end_turn")
        )
        return {
            "id": f"msg_{n}",
            "type": "message",
            "role": "assistant",
            "model": self.model,
            "content": blocks,
            "stop_reason": stop,
            "stop_sequence": None,
            "usage": {**usage, "output_tokens": tokens(json.dumps(blocks))},
        }

    def _events(self, reply: Reply, usage: dict[str, int], n: int) -> Iterator[bytes]:
        start = self._message(reply, usage, n)
        output = start["usage"]["output_tokens"]
        yield sse(
            "message_start",
            {
                "type": "message_start",
                "message": {
                    **start,
                    "content": [],
                    "stop_reason": None,
                    "usage": {**usage, "output_tokens": 1},
                },
            },
        )
        if isinstance(reply, StreamError):
            yield sse("error", {"type": "error", "error": {"type": reply.type, "message": "busy"}})
            return
        yield sse("ping", {"type": "ping"})
        for index, block in enumerate(start["content"]):
            if block["type"] == "text":
                yield sse(
                    "content_block_start",
                    {
                        "type": "content_block_start",
                        "index": index,
                        "content_block": {"type": "text", "text": ""},
                    },
                )
                size = reply.chunk if isinstance(reply, Text) else 16
                for at in range(0, len(block["text"]), size):
                    if isinstance(reply, Text) and reply.delay:
                        time.sleep(reply.delay)
                    yield sse(
                        "content_block_delta",
                        {
                            "type": "content_block_delta",
                            "index": index,
                            "delta": {"type": "text_delta", "text": block["text"][at : at + size]},
                        },
                    )
                if isinstance(reply, Truncated):
                    return
            else:
                yield sse(
                    "content_block_start",
                    {
                        "type": "content_block_start",
                        "index": index,
                        "content_block": {**block, "input": {}},
                    },
                )
                raw = json.dumps(block["input"])
                for at in range(0, len(raw), 20):
                    yield sse(
                        "content_block_delta",
                        {
                            "type": "content_block_delta",
                            "index": index,
                            "delta": {
                                "type": "input_json_delta",
                                "partial_json": raw[at : at + 20],
                            },
                        },
                    )
            yield sse("content_block_stop", {"type": "content_block_stop", "index": index})
        yield sse(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": start["stop_reason"], "stop_sequence": None},
                "usage": {"output_tokens": output},
            },
        )
        yield sse("message_stop", {"type": "message_stop"})


def _error_body(kind: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": kind, "message": message}}
