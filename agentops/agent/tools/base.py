"""The seam every tool builds on: `Tool`, what tools read (`ToolContext`), and `ToolRegistry`,
the one path from a model's tool call to the text the model reads back (see the package's
docstring for what that path does).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from agentops.agent.compact import DEFAULT_MAX_CHARS, compact
from agentops.agent.fencing import fence
from agentops.agent.messages import ToolCall, ToolOutcome, ToolSpec
from agentops.redact import redact_text, redact_value

if TYPE_CHECKING:
    from agentops.project import Project
    from graph.store import LineageStore
    from knowledge.library import KnowledgeLibrary

# The input schema of a ref parameter, shared by every tool set.
REF = {"type": "string", "description": "A ref or short form: model:recsys/7, recsys/7, a sha."}

ToolFunction = Callable[..., Any]


class ToolInputError(Exception):
    """A tool call whose input does not match the tool's schema."""


@dataclass(slots=True)
class ToolContext:
    """What tools read: the project (its store, its cards, its analysis) and a time bound.

    The analysis goes through the project, so the tools see the team's cards as the CLI does,
    and the chat's panels reuse the reports the tools computed. `resolved` collects the refs
    the current call resolved, so a transcript knows what each call was about (a postmortem
    finds the conversations about its incident that way).
    """

    project: Project
    as_of: datetime | None = None
    resolved: list[str] = field(default_factory=list, repr=False)

    @property
    def store(self) -> LineageStore:
        return self.project.store

    @property
    def library(self) -> KnowledgeLibrary:
        return self.project.library

    def resolve(self, text: str) -> str:
        """A stored ref for what was typed (RefError otherwise), remembered for the transcript."""
        ref = self.store.resolve(str(text))
        if ref not in self.resolved:
            self.resolved.append(ref)
        return ref


@dataclass(frozen=True, slots=True)
class Tool:
    name: str
    description: str
    parameters: dict[str, Any]  # JSON schema properties
    function: ToolFunction
    required: tuple[str, ...] = ()
    max_chars: int = DEFAULT_MAX_CHARS

    @property
    def input_schema(self) -> dict[str, Any]:
        return {
            "type": "object",
            "properties": self.parameters,
            "required": list(self.required),
            "additionalProperties": False,
        }

    def spec(self) -> ToolSpec:
        return ToolSpec(self.name, self.description, self.input_schema)


_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
}


def check_input(tool: Tool, data: Any) -> dict[str, Any]:
    """The input if it fits the tool's schema (types, required, enums, bounds), else raise.

    A small subset of JSON Schema, enough for flat tool inputs, so no schema library is needed.
    """
    if not isinstance(data, dict):
        raise ToolInputError(f"{tool.name} takes a JSON object, got {type(data).__name__}")
    unknown = sorted(set(data) - set(tool.parameters))
    if unknown:
        raise ToolInputError(
            f"{tool.name} has no parameter(s) {', '.join(unknown)}; "
            f"it takes {', '.join(tool.parameters) or 'none'}"
        )
    missing = [name for name in tool.required if data.get(name) in (None, "")]
    if missing:
        raise ToolInputError(f"{tool.name} needs {', '.join(missing)}")
    for name, value in data.items():
        schema = tool.parameters[name]
        if value is None:
            continue
        kind = schema.get("type")
        allowed = _JSON_TYPES.get(kind, (object,))
        if isinstance(value, bool) and kind in ("integer", "number"):
            allowed = ()
        if not isinstance(value, allowed):
            raise ToolInputError(f"{tool.name}: {name} must be a {kind}")
        if "enum" in schema and value not in schema["enum"]:
            raise ToolInputError(f"{tool.name}: {name} must be one of {', '.join(schema['enum'])}")
        if kind == "array" and "items" in schema:
            item_kind = _JSON_TYPES.get(schema["items"].get("type"), (object,))
            enum = schema["items"].get("enum")
            for item in value:
                if not isinstance(item, item_kind) or (enum and item not in enum):
                    raise ToolInputError(f"{tool.name}: {name} has an invalid item {item!r}")
        if kind == "integer":
            low, high = schema.get("minimum"), schema.get("maximum")
            if (low is not None and value < low) or (high is not None and value > high):
                raise ToolInputError(f"{tool.name}: {name} must be within [{low}, {high}]")
    return data


def _source_label(call: ToolCall) -> str:
    shown = " ".join(f"{k}={v}" for k, v in call.input.items() if isinstance(v, str | int))
    return redact_text(f"tool:{call.name} {shown}".strip())[:200]


def error_text(exc: BaseException) -> str:
    """The CLI's message for a failure: `error: <message>`, then `hint: <hint>` if it has one."""
    message = getattr(exc, "message", None) or str(exc) or exc.__class__.__name__
    hint = getattr(exc, "hint", "")
    return f"error: {message}" + (f"\nhint: {hint}" if hint else "")


class ToolRegistry:
    """An ordered set of tools; the order is what models see (and is part of the cache key)."""

    def __init__(self, tools: Iterable[Tool]) -> None:
        self._tools: dict[str, Tool] = {}
        for tool in tools:
            if tool.name in self._tools:
                raise ValueError(f"two tools named {tool.name}")
            self._tools[tool.name] = tool

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    def __iter__(self):  # noqa: ANN204 - an iterator of tools
        return iter(self._tools.values())

    def __len__(self) -> int:
        return len(self._tools)

    @property
    def names(self) -> list[str]:
        return list(self._tools)

    def get(self, name: str) -> Tool | None:
        return self._tools.get(name)

    def specs(self) -> tuple[ToolSpec, ...]:
        return tuple(tool.spec() for tool in self._tools.values())

    def run(self, context: ToolContext, call: ToolCall) -> ToolOutcome:
        """Run one call; every failure the model can fix becomes an error result."""
        from agentops.errors import expected_errors

        context.resolved = []
        tool = self._tools.get(call.name)
        source = _source_label(call)
        try:
            if tool is None:
                raise ToolInputError(
                    f"there is no tool named {call.name!r}; the tools are {', '.join(self.names)}"
                )
            result = tool.function(context, **check_input(tool, call.input))
        except (ToolInputError, *expected_errors()) as exc:
            return self._error(call, context, source, error_text(exc))
        except Exception as exc:  # noqa: BLE001 - a tool bug must not end the investigation
            detail = f"{exc.__class__.__name__}: {exc}"
            return self._error(
                call,
                context,
                source,
                f"error: {call.name} failed unexpectedly ({detail})\n"
                "hint: this is a bug in agentops; answer from the other tools",
            )
        data, text = compact(redact_value(result), tool.max_chars)
        return ToolOutcome(
            call.id,
            call.name,
            fence(redact_text(text), source),
            False,
            data,
            tuple(context.resolved),
        )

    @staticmethod
    def _error(call: ToolCall, context: ToolContext, source: str, message: str) -> ToolOutcome:
        text = redact_text(message)
        return ToolOutcome(
            call.id, call.name, fence(text, source), True, text, tuple(context.resolved)
        )
