"""What the loop and the backends exchange: turns, tool calls, usage — backend-neutral.

A conversation is a list of turns: the user's question, the assistant's reply (text and tool
calls), and the tool results sent back. Backends translate these to their wire format (the
Anthropic backend to Messages API blocks); the stub reads them directly. Every turn
serialises to JSON so a transcript can be saved in the store and read back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

CHARS_PER_TOKEN = 4
"""A rough, conservative token estimate for English and JSON (Anthropic's tokenizer averages
3.5-4.5 characters a token on such text). Used for budgets and by the stub, never for billing."""


def estimate_tokens(text: str) -> int:
    return (len(text) + CHARS_PER_TOKEN - 1) // CHARS_PER_TOKEN


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A model's request to run one tool with these inputs."""

    id: str
    name: str
    input: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "input": self.input}


@dataclass(frozen=True, slots=True)
class ToolOutcome:
    """What a tool returned, as the model sees it (`content`: redacted, compact, fenced).

    `data` is the same result as a compact JSON value for people and the UI; `refs` are the
    refs the tool resolved from its inputs (what the call was about).
    """

    call_id: str
    name: str
    content: str
    is_error: bool = False
    data: Any = None
    refs: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "call_id": self.call_id,
            "name": self.name,
            "content": self.content,
            "is_error": self.is_error,
            "data": self.data,
            "refs": list(self.refs),
        }


@dataclass(frozen=True, slots=True)
class UserTurn:
    text: str
    role: str = field(default="user", init=False)

    def to_json(self) -> dict[str, Any]:
        return {"role": "user", "text": self.text}


@dataclass(frozen=True, slots=True)
class AssistantTurn:
    text: str
    tool_calls: tuple[ToolCall, ...] = ()
    role: str = field(default="assistant", init=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "role": "assistant",
            "text": self.text,
            "tool_calls": [call.to_json() for call in self.tool_calls],
        }


@dataclass(frozen=True, slots=True)
class ToolResultsTurn:
    """The results of one assistant turn's tool calls; `note` is the loop speaking (limits)."""

    results: tuple[ToolOutcome, ...]
    note: str = ""
    role: str = field(default="tool_results", init=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "role": "tool_results",
            "results": [result.to_json() for result in self.results],
            "note": self.note,
        }


Turn = UserTurn | AssistantTurn | ToolResultsTurn


def turn_from_json(data: dict[str, Any]) -> Turn:
    role = data.get("role")
    if role == "user":
        return UserTurn(str(data["text"]))
    if role == "assistant":
        calls = tuple(
            ToolCall(str(c["id"]), str(c["name"]), dict(c.get("input") or {}))
            for c in data.get("tool_calls", [])
        )
        return AssistantTurn(str(data.get("text", "")), calls)
    if role == "tool_results":
        results = tuple(
            ToolOutcome(
                str(r["call_id"]),
                str(r["name"]),
                str(r["content"]),
                bool(r.get("is_error")),
                r.get("data"),
                tuple(r.get("refs", ())),
            )
            for r in data.get("results", [])
        )
        return ToolResultsTurn(results, str(data.get("note", "")))
    raise ValueError(f"unknown turn role {role!r}")


@dataclass(slots=True)
class Usage:
    """Token counts, Anthropic's way: `input_tokens` excludes the cached ones.

    The prompt a turn really sent is `input_tokens + cache_read_input_tokens +
    cache_creation_input_tokens` (`total_input`).
    """

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_input_tokens: int = 0
    cache_creation_input_tokens: int = 0

    @property
    def total_input(self) -> int:
        return self.input_tokens + self.cache_read_input_tokens + self.cache_creation_input_tokens

    @property
    def cache_read_share(self) -> float:
        total = self.total_input
        return self.cache_read_input_tokens / total if total else 0.0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.input_tokens + other.input_tokens,
            self.output_tokens + other.output_tokens,
            self.cache_read_input_tokens + other.cache_read_input_tokens,
            self.cache_creation_input_tokens + other.cache_creation_input_tokens,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cache_read_input_tokens": self.cache_read_input_tokens,
            "cache_creation_input_tokens": self.cache_creation_input_tokens,
            "total_input_tokens": self.total_input,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Usage:
        return cls(
            int(data.get("input_tokens", 0)),
            int(data.get("output_tokens", 0)),
            int(data.get("cache_read_input_tokens", 0)),
            int(data.get("cache_creation_input_tokens", 0)),
        )


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """A tool as a model sees it: name, description and JSON schema of its input."""

    name: str
    description: str
    input_schema: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ModelRequest:
    """One model turn's input. `allow_tools=False` asks for a final answer (tools withheld).

    Tools stay listed even when withheld so the cached prompt prefix (tools + system) is
    unchanged; the backend tells the model not to call them (`tool_choice: none`).
    """

    system: str
    tools: tuple[ToolSpec, ...]
    messages: tuple[Turn, ...]
    max_tokens: int
    allow_tools: bool = True


@dataclass(frozen=True, slots=True)
class ModelReply:
    text: str
    tool_calls: tuple[ToolCall, ...]
    stop_reason: str
    usage: Usage
